"""Daemon configuration: ``daemon.json`` plus ``dockyardd`` flags → one frozen ``Config``.

Key names and error wording follow dockerd, so an existing ``/etc/docker/daemon.json`` carries
over and a typo is refused at start (instead of being silently ignored) with the message dockerd
prints. Keys dockerd knows but dockyard does not act on yet are accepted and kept in ``raw``, so
later subsystems (networking, runtimes) read them from one place.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockyard.errors import ConfigError

DEFAULT_HOST = "unix:///run/dockyard.sock"
DEFAULT_DATA_ROOT = Path("/var/lib/dockyard")
DEFAULT_EXEC_ROOT = Path("/run/dockyard")
DEFAULT_PIDFILE = Path("/run/dockyard.pid")
DEFAULT_CONFIG_FILE = Path("/etc/dockyard/daemon.json")
DEFAULT_SHIM = "containerd-shim-runc-v2"
LOG_LEVELS = ("debug", "info", "warn", "error", "fatal")

# Keys of dockerd's daemon.json that dockyard accepts. Anything else is refused.
KNOWN_KEYS = frozenset(
    {
        "hosts",
        "data-root",
        "exec-root",
        "pidfile",
        "log-level",
        "debug",
        "seccomp-profile",
        "cgroup-parent",
        "default-runtime",
        "runtimes",
        "live-restore",
        "shutdown-timeout",
        "ipv6",
        "fixed-cidr-v6",
        "fixed-cidr",
        "default-address-pools",
        "ip6tables",
        "iptables",
        "ip-forward",
        "ip-masq",
        "bip",
        "bridge",
        "mtu",
        "userland-proxy",
        "dns",
        "dns-opts",
        "dns-search",
        "exec-opts",
        "storage-driver",
        "log-driver",
        "log-opts",
        "features",
        "experimental",
        "labels",
        "default-shm-size",
        "no-new-privileges",
        "default-ulimits",
        "default-cgroupns-mode",
        "init",
        "icc",
        "ip",
        "max-concurrent-downloads",
        "registry-mirrors",
        "insecure-registries",
        "containerd",
        "containerd-namespace",
        "default-runtime-shim",
    }
)


@dataclass(frozen=True)
class Config:
    host: Path = Path("/run/dockyard.sock")
    data_root: Path = DEFAULT_DATA_ROOT
    exec_root: Path = DEFAULT_EXEC_ROOT
    pidfile: Path = DEFAULT_PIDFILE
    config_file: Path | None = None
    log_level: str = "info"
    debug: bool = False
    seccomp_profile: str | None = None  # path, "unconfined", or None for the built-in default
    cgroup_parent: str = "/dockyard"
    default_runtime: str = "runc"
    runtimes: Mapping[str, Any] = field(default_factory=dict)
    live_restore: bool = False
    shutdown_timeout: int = 15
    shim_namespace: str = "dockyard"
    raw: Mapping[str, Any] = field(default_factory=dict)

    @property
    def socket_path(self) -> Path:
        return self.host


def parse_host(value: str) -> Path:
    """Accept ``unix://PATH`` (or a bare path). TCP needs TLS, which dockyard does not offer yet."""
    if value.startswith("unix://"):
        path = value[len("unix://") :]
    elif value.startswith(("tcp://", "http://", "https://", "fd://", "ssh://")):
        raise ConfigError(
            f"refusing to listen on {value}: only unix:// sockets are supported "
            "(a TCP listener without TLS would give root to anyone who can reach it)"
        )
    else:
        path = value
    if not path.startswith("/"):
        raise ConfigError(f"invalid host {value}: the socket path must be absolute")
    return Path(path)


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"unable to configure the Docker daemon with file {path}: {exc}") from exc
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"unable to configure the Docker daemon with file {path}: {exc.msg}"
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"unable to configure the Docker daemon with file {path}: not an object")
    unknown = sorted(k for k in data if k not in KNOWN_KEYS)
    if unknown:
        raise ConfigError(
            "the following directives don't match any configuration option: " + ", ".join(unknown)
        )
    return data


def _flag_conflicts(flags: Mapping[str, Any], file_data: Mapping[str, Any]) -> None:
    clashes = [
        f"{key}: (from flag: {flags[key]}, from file: {file_data[key]})"
        for key in flags
        if key in file_data and key != "runtimes"
    ]
    if clashes:
        raise ConfigError(
            "the following directives are specified both as a flag and in the configuration "
            "file: " + ", ".join(clashes)
        )


def _expect(data: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = data[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        raise ConfigError(f"invalid value for {key!r}: {value!r} (expected {names})")
    return value


def build_config(flags: Mapping[str, Any], file_path: Path | None) -> Config:
    """Merge explicit flags (dockerd key names → values) with the config file and validate."""
    file_data = read_config_file(file_path) if file_path else {}
    _flag_conflicts(flags, file_data)
    data: dict[str, Any] = {**file_data, **flags}
    kwargs: dict[str, Any] = {"config_file": file_path, "raw": dict(data)}

    hosts = data.get("hosts")
    if hosts is not None:
        if isinstance(hosts, str):
            hosts = [hosts]
        if not isinstance(hosts, list) or len(hosts) != 1:
            raise ConfigError("exactly one host (unix://PATH) is supported")
        kwargs["host"] = parse_host(hosts[0])
    for key, attr in (
        ("data-root", "data_root"),
        ("exec-root", "exec_root"),
        ("pidfile", "pidfile"),
    ):
        if key in data:
            value = _expect(data, key, str)
            if not value.startswith("/"):
                raise ConfigError(
                    f"invalid value for {key!r}: {value!r} (must be an absolute path)"
                )
            kwargs[attr] = Path(value)
    if "log-level" in data:
        level = _expect(data, "log-level", str)
        if level not in LOG_LEVELS:
            raise ConfigError(f"unable to parse logging level: {level}")
        kwargs["log_level"] = level
    for key, attr in (("debug", "debug"), ("live-restore", "live_restore")):
        if key in data:
            kwargs[attr] = _expect(data, key, bool)
    if "seccomp-profile" in data:
        kwargs["seccomp_profile"] = _expect(data, "seccomp-profile", str) or None
    if "cgroup-parent" in data:
        parent = _expect(data, "cgroup-parent", str)
        kwargs["cgroup_parent"] = "/" + parent.strip("/")
    if "default-runtime" in data:
        kwargs["default_runtime"] = _expect(data, "default-runtime", str)
    if "runtimes" in data:
        kwargs["runtimes"] = dict(_expect(data, "runtimes", dict))
    if "shutdown-timeout" in data:
        timeout = _expect(data, "shutdown-timeout", int)
        if timeout < 0:
            raise ConfigError("invalid value for 'shutdown-timeout': must be >= 0")
        kwargs["shutdown_timeout"] = timeout
    if "containerd-namespace" in data:
        kwargs["shim_namespace"] = _expect(data, "containerd-namespace", str)
    if kwargs.get("debug"):
        kwargs["log_level"] = "debug"
    return Config(**kwargs)

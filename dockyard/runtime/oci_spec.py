"""The OCI runtime spec (config.json) of a container, with Docker's defaults.

``build_spec`` turns the Engine API's ``Config``/``HostConfig`` into the same config.json that
dockerd would hand to runc: process (args, env, user, capabilities), root, hostname, mounts,
namespaces, masked/read-only paths, device cgroup, resources, sysctls, seccomp, rlimits.
``exec_process`` builds the OCI ``Process`` of a ``docker exec``. Both are pure apart from
reading the image's /etc/passwd and /etc/group and probing a few host files (sysctls that
exist, swap accounting, device numbers), so the engine can call them at every start.
"""

from __future__ import annotations

import logging
import shutil
import socket
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dockyard import errors
from dockyard.runtime import capabilities as caps
from dockyard.runtime.oci_devices import build_devices
from dockyard.runtime.oci_mounts import build_mounts
from dockyard.runtime.oci_resources import build_resources, swap_limit_supported
from dockyard.runtime.seccomp import compile_seccomp, load_seccomp_profile, parse_seccomp_profile
from dockyard.runtime.security_opts import (
    BUILTIN,
    UNCONFINED,
    SecurityOptions,
    parse_security_opts,
)
from dockyard.runtime.user import resolve_user

log = logging.getLogger(__name__)

OCI_VERSION = "1.0.2-dev"
DEFAULT_PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
INIT_PATH_IN_CONTAINER = "/sbin/docker-init"
DEFAULT_CONSOLE_SIZE = {"height": 24, "width": 80}
READONLY_PATHS = ("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger")
_MASKED_PATHS = (
    "/proc/acpi",
    "/proc/asound",
    "/proc/interrupts",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/sys/devices/virtual/powercap",
    "/sys/firmware",
)
_RLIMITS = {
    "as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile",
    "nproc", "rss", "rtprio", "rttime", "sigpending", "stack",
}  # fmt: skip
_DEFAULT_NET_SYSCTLS = {
    "net.ipv4.ping_group_range": "0 2147483647",  # unprivileged ICMP echo sockets
    "net.ipv4.ip_unprivileged_port_start": "0",  # bind < 1024 without NET_BIND_SERVICE
}


def default_masked_paths(cpu_root: Path = Path("/sys/devices/system/cpu")) -> list[str]:
    """moby's masked paths, plus each CPU's ``thermal_throttle`` directory that exists."""
    paths = list(_MASKED_PATHS)
    for cpu in sorted(cpu_root.glob("cpu[0-9]*"), key=lambda p: int(p.name[3:])):
        if (cpu / "thermal_throttle").exists():
            paths.append(str(cpu / "thermal_throttle"))
    return paths


def replace_or_append_env(defaults: Sequence[str], overrides: Sequence[str]) -> list[str]:
    """Docker's ``ReplaceOrAppendEnvValues``: ``K=V`` replaces or appends, bare ``K`` unsets."""
    env = list(defaults)
    index = {e.partition("=")[0]: i for i, e in enumerate(env)}
    for value in overrides:
        key, eq, _ = value.partition("=")
        if not eq:
            if key in index:
                env[index[key]] = ""
            continue
        if key in index:
            env[index[key]] = value
        else:
            env.append(value)
    return [e for e in env if e]


def container_env(config: Mapping[str, Any], *, hostname: str, tty: bool) -> list[str]:
    """``CreateDaemonEnvironment``: PATH, HOSTNAME, TERM with a tty, then ``Config.Env``."""
    base = [DEFAULT_PATH_ENV, f"HOSTNAME={hostname}"] + (["TERM=xterm"] if tty else [])
    return replace_or_append_env(base, config.get("Env") or ())


def _mode_container(mode: str) -> str | None:
    return mode.partition(":")[2] if mode.startswith("container:") else None


def _hostname(config: Mapping[str, Any], host_config: Mapping[str, Any], container_id: str) -> str:
    if config.get("Hostname"):
        return str(config["Hostname"])
    if (host_config.get("NetworkMode") or "") == "host":
        return socket.gethostname()  # dockerd stores the host's name in Config.Hostname
    return container_id[:12]


def _namespaces(host_config: Mapping[str, Any], netns_path: str | None) -> list[dict[str, str]]:
    """moby ``WithNamespaces`` for network, ipc, pid, uts and cgroup (no user namespaces)."""
    network_mode = host_config.get("NetworkMode") or ""
    ipc = host_config.get("IpcMode") or ""
    pid = host_config.get("PidMode") or ""
    uts = host_config.get("UTSMode") or ""
    cgroupns = host_config.get("CgroupnsMode") or ""
    if not (ipc in ("", "private", "shareable", "none", "host") or _mode_container(ipc)):
        raise errors.InvalidParameter(f"invalid IPC mode: {ipc}")
    if not (pid in ("", "host") or _mode_container(pid)):
        raise errors.InvalidParameter(f"invalid PID mode: {pid}")
    if uts not in ("", "host"):
        raise errors.InvalidParameter(f"invalid UTS mode: {uts}")
    if cgroupns not in ("", "private", "host"):
        raise errors.InvalidParameter(f"invalid cgroup namespace mode: {cgroupns}")
    for mode, what in ((ipc, "IPC"), (pid, "PID")):
        if _mode_container(mode):
            raise errors.NotImplementedByEngine(f"{what} mode {mode} is not supported")

    namespaces: list[dict[str, str]] = [{"type": "mount"}]
    other = _mode_container(network_mode)
    if other is not None and not netns_path:
        raise errors.Conflict(f"cannot join network of a non running container: {other}")
    if network_mode != "host":
        namespaces.append({"type": "network", **({"path": netns_path} if netns_path else {})})
    if uts != "host":
        namespaces.append({"type": "uts"})
    if pid != "host":
        namespaces.append({"type": "pid"})
    if ipc != "host":
        namespaces.append({"type": "ipc"})
    if cgroupns == "private":
        namespaces.append({"type": "cgroup"})
    return namespaces


def _sysctls(config: Mapping[str, Any], host_config: Mapping[str, Any]) -> dict[str, str]:
    sysctl: dict[str, str] = {}
    if config.get("Domainname") and host_config.get("UTSMode") != "host":
        sysctl["kernel.domainname"] = str(config["Domainname"])  # same effect as setdomainname
    network_mode = host_config.get("NetworkMode") or ""
    if network_mode != "host" and _mode_container(network_mode) is None:
        for key, value in _DEFAULT_NET_SYSCTLS.items():
            if Path("/proc/sys", *key.split(".")).exists():  # runc fails on unknown sysctls
                sysctl[key] = value
    sysctl.update({str(k): str(v) for k, v in (host_config.get("Sysctls") or {}).items()})
    return sysctl


def _rlimits(host_config: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for ulimit in host_config.get("Ulimits") or ():
        name, soft, hard = str(ulimit.get("Name", "")), ulimit.get("Soft"), ulimit.get("Hard")
        if name.lower() not in _RLIMITS:
            raise errors.InvalidParameter(f"invalid ulimit type: {name}")
        if int(soft) > int(hard):
            raise errors.InvalidParameter(
                f"ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}"
            )
        out.append({"type": "RLIMIT_" + name.upper(), "hard": int(hard), "soft": int(soft)})
    return out


def _console_size(size: Sequence[int] | None) -> dict[str, int]:
    if size and len(size) == 2 and (size[0] or size[1]):
        return {"height": int(size[0]), "width": int(size[1])}
    return dict(DEFAULT_CONSOLE_SIZE)


def _capabilities(host_config: Mapping[str, Any], *, privileged: bool) -> list[str]:
    return caps.tweak_capabilities(
        cap_add=host_config.get("CapAdd"),
        cap_drop=host_config.get("CapDrop"),
        privileged=privileged,
    )


def _oom_score_adj(host_config: Mapping[str, Any]) -> int:
    score = int(host_config.get("OomScoreAdj") or 0)
    if not -1000 <= score <= 1000:
        raise errors.InvalidParameter(
            f"Invalid value {score}, range for oom score adj is [-1000, 1000]"
        )
    return score


def _process(
    *,
    args: list[str],
    env: list[str],
    cwd: str,
    tty: bool,
    console_size: Sequence[int] | None,
    user: dict[str, object],
    capabilities: list[str],
    host_config: Mapping[str, Any],
    security: SecurityOptions,
) -> dict[str, Any]:
    process: dict[str, Any] = {}
    if tty:
        process["terminal"] = True
        process["consoleSize"] = _console_size(console_size)
    process.update(user=user, args=args, env=env, cwd=cwd)
    process["capabilities"] = {
        "bounding": list(capabilities),
        "effective": list(capabilities),
        "permitted": list(capabilities),
    }
    rlimits = _rlimits(host_config)
    if rlimits:
        process["rlimits"] = rlimits
    if security.no_new_privileges:
        process["noNewPrivileges"] = True
    process["oomScoreAdj"] = _oom_score_adj(host_config)
    return process


def _working_dir(value: str | None) -> str:
    cwd = value or "/"
    if not cwd.startswith("/"):
        raise errors.InvalidParameter(
            f"the working directory '{cwd}' is invalid, it needs to be an absolute path"
        )
    return cwd


def _seccomp(
    security: SecurityOptions,
    daemon_profile: dict[str, Any] | None,
    capabilities: list[str],
    *,
    privileged: bool,
) -> dict[str, Any] | None:
    """moby ``WithSeccomp``: unconfined/privileged → none; inline profile; builtin; daemon's."""
    if security.seccomp == UNCONFINED or privileged:
        return None
    if security.seccomp == BUILTIN:
        profile = load_seccomp_profile(None)
    elif security.seccomp:
        profile = parse_seccomp_profile(security.seccomp)
    else:
        profile = daemon_profile
    if profile is None:
        return None
    return compile_seccomp(profile, capabilities=capabilities)


def _init_mount(host_config: Mapping[str, Any]) -> dict[str, Any] | None:
    """``--init``: bind docker-init (tini) read-only, only with a private PID namespace."""
    if not host_config.get("Init") or (host_config.get("PidMode") or "") == "host":
        return None
    binary = shutil.which("docker-init")
    if binary is None:
        raise errors.RuntimeFailure('exec: "docker-init": executable file not found in $PATH')
    return {
        "destination": INIT_PATH_IN_CONTAINER,
        "type": "bind",
        "source": binary,
        "options": ["bind", "ro"],
    }


def build_spec(
    *,
    container_id: str,
    config: dict[str, Any],
    host_config: dict[str, Any],
    rootfs: Path,
    cgroups_path: str,
    etc_files: dict[str, Path],
    seccomp_profile: dict[str, Any] | None,
    netns_path: str | None,
) -> dict[str, Any]:
    """The container's complete OCI runtime spec; see the module docstring.

    ``seccomp_profile`` is the daemon's Docker-format profile (``None`` = daemon runs
    unconfined); ``etc_files`` maps container paths (/etc/hosts, ...) to the host files the
    engine wrote. Bad input raises ``InvalidParameter`` with Docker's wording.
    """
    privileged = bool(host_config.get("Privileged"))
    security = parse_security_opts(host_config.get("SecurityOpt"))
    args = list(config.get("Entrypoint") or []) + list(config.get("Cmd") or [])
    if not args:
        raise errors.InvalidParameter("No command specified")
    init_mount = _init_mount(host_config)
    if init_mount is not None:
        args = [INIT_PATH_IN_CONTAINER, "--", *args]
    tty = bool(config.get("Tty"))
    hostname = _hostname(config, host_config, container_id)
    capabilities = _capabilities(host_config, privileged=privileged)
    user = resolve_user(
        config.get("User") or "", rootfs=rootfs, group_add=host_config.get("GroupAdd") or ()
    )
    process = _process(
        args=args,
        env=container_env(config, hostname=hostname, tty=tty),
        cwd=_working_dir(config.get("WorkingDir")),
        tty=tty,
        console_size=host_config.get("ConsoleSize"),
        user=user.to_oci(),
        capabilities=capabilities,
        host_config=host_config,
        security=security,
    )
    mounts = build_mounts(
        host_config=host_config,
        etc_files=etc_files,
        privileged=privileged,
        writable_cgroups=security.writable_cgroups,
        init_mount=init_mount,
    )
    devices, device_rules = build_devices(host_config=host_config, privileged=privileged)
    namespaces = _namespaces(host_config, netns_path)
    linux: dict[str, Any] = {
        "sysctl": _sysctls(config, host_config),
        "resources": build_resources(
            host_config, devices=device_rules, swap_supported=swap_limit_supported()
        ),
        "cgroupsPath": cgroups_path,
        "namespaces": namespaces,
        "devices": devices,
    }
    seccomp = _seccomp(security, seccomp_profile, capabilities, privileged=privileged)
    if seccomp is not None:
        linux["seccomp"] = seccomp
    if not privileged:
        masked = host_config.get("MaskedPaths")
        readonly = host_config.get("ReadonlyPaths")
        linux["maskedPaths"] = list(masked) if masked is not None else default_masked_paths()
        linux["readonlyPaths"] = list(readonly) if readonly is not None else list(READONLY_PATHS)
    spec: dict[str, Any] = {
        "ociVersion": OCI_VERSION,
        "process": process,
        "root": {"path": str(rootfs), "readonly": bool(host_config.get("ReadonlyRootfs"))},
    }
    if any(ns["type"] == "uts" for ns in namespaces):
        spec["hostname"] = hostname
    spec["mounts"] = mounts
    if host_config.get("Annotations"):
        spec["annotations"] = dict(host_config["Annotations"])
    spec["linux"] = linux
    return spec


def exec_process(
    *,
    config: dict[str, Any],
    exec_config: dict[str, Any],
    rootfs: Path,
    host_config: dict[str, Any] | None = None,
    container_id: str = "",
) -> dict[str, Any]:
    """The OCI ``Process`` for ``docker exec``, inheriting from the container like dockerd.

    Env is the container's environment (PATH, HOSTNAME, TERM with an exec tty, Config.Env) with
    the exec's Env on top; user and cwd default to the container's; capabilities, rlimits,
    noNewPrivileges and oomScoreAdj come from ``host_config`` (all capabilities when the exec
    is privileged). ``host_config``/``container_id`` are optional for callers that lack them:
    then the defaults apply and HOSTNAME comes from ``Config.Hostname`` only.
    """
    hc = host_config or {}
    args = list(exec_config.get("Cmd") or [])
    if not args:
        raise errors.InvalidParameter("No exec command specified")
    tty = bool(exec_config.get("Tty"))
    hostname = _hostname(config, hc, container_id)
    env = replace_or_append_env(
        container_env(config, hostname=hostname, tty=tty), exec_config.get("Env") or ()
    )
    spec_user = exec_config.get("User") or config.get("User") or ""
    user = resolve_user(spec_user, rootfs=rootfs, group_add=hc.get("GroupAdd") or ())
    privileged = bool(exec_config.get("Privileged"))
    capabilities = _capabilities(hc, privileged=privileged or bool(hc.get("Privileged")))
    return _process(
        args=args,
        env=env,
        cwd=_working_dir(exec_config.get("WorkingDir") or config.get("WorkingDir")),
        tty=tty,
        console_size=exec_config.get("ConsoleSize"),
        user=user.to_oci(),
        capabilities=capabilities,
        host_config=hc,
        security=parse_security_opts(hc.get("SecurityOpt")),
    )

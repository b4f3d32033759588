"""A private dockyardd and a private real dockerd, side by side, for benchmarks.

Both engines get their own roots under ``/tmp/dy-bench-<token>/`` and their own sockets, so a
benchmark never touches the host's ``/run/containerd``, ``/var/lib/docker`` or a running engine.
dockerd is pointed at a containerd we start ourselves (own root, state and socket), runs without
a bridge or firewall rules, and puts container cgroups under ``dockyard-bench-docker``. Teardown
runs even on failure: containers are force-removed, every daemon we started is stopped by its pid,
then mounts under the root are detached, our cgroup dirs removed and the root deleted.

    with running_engines(["dockyard", "dockerd"]) as engines:
        engines["dockerd"].docker("run", "--rm", "busybox", "true")
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from bench.daemon_process import (
    PID_RECORD_SUFFIX,
    DaemonProcess,
    recorded_pid_if_alive,
    stop_recorded,
    write_pid_record,
)
from bench.host_cleanup import kill_leftovers, remove_cgroup_tree, unmount_under

log = logging.getLogger("bench")

DOCKER_CLI = Path("/usr/local/bin/docker")
DOCKERD = Path("/usr/sbin/dockerd")
CONTAINERD = Path("/usr/bin/containerd")
ROOT_PREFIX = "/tmp/dy-bench-"
DOCKERD_CGROUP_PARENT = "dockyard-bench-docker"
ENGINES = ("dockyard", "dockerd")
RESULTS_DIR = Path(__file__).resolve().parent / "results"
IMAGE = "busybox:latest"
OWNER_RECORD = "owner.bench-pid"
# Plugins that would probe host devices or open servers we do not need.
_CONTAINERD_DISABLED = [
    "io.containerd.grpc.v1.cri",
    "io.containerd.snapshotter.v1.aufs",
    "io.containerd.snapshotter.v1.btrfs",
    "io.containerd.snapshotter.v1.devmapper",
    "io.containerd.snapshotter.v1.zfs",
]


class BenchSetupError(RuntimeError):
    """An engine could not be started or prepared; the message carries its log tail."""


@dataclass(frozen=True)
class EngineEndpoint:
    """What a benchmark needs to drive one engine with the real docker CLI."""

    label: str
    host: str
    cli_config: Path

    def command(self, *args: str) -> list[str]:
        return [str(DOCKER_CLI), "-H", self.host, *args]

    def env(self) -> dict[str, str]:
        """The CLI's environment: a private config dir so nothing lands in ~/.docker."""
        return {**os.environ, "DOCKER_CONFIG": str(self.cli_config)}

    def docker(
        self, *args: str, timeout: float = 120.0, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.command(*args), capture_output=True, text=True, timeout=timeout, env=self.env()
        )
        if check and result.returncode != 0:
            raise BenchSetupError(
                f"{self.label}: docker {' '.join(args)} failed ({result.returncode}): "
                f"{result.stderr.strip()}"
            )
        return result


def unix_socket_answers(path: Path) -> bool:
    """True once something accepts connections on the unix socket at ``path``."""
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(1.0)
        try:
            sock.connect(str(path))
        except OSError:
            return False
    return True


def engine_pings(path: Path) -> bool:
    """True once an Engine API answers ``GET /_ping`` with ``OK`` on the unix socket."""
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(2.0)
        try:
            sock.connect(str(path))
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: bench\r\n\r\n")
            reply = b""
            while chunk := sock.recv(4096):
                reply += chunk
        except OSError:
            return False
    head, _, body = reply.partition(b"\r\n\r\n")
    return head.startswith(b"HTTP/1.") and b" 200 " in head.split(b"\r\n")[0] and body == b"OK"


class BenchRoot:
    """The directory tree one benchmark run owns; every path an engine uses lives under it."""

    def __init__(self, *, path: Path | None = None) -> None:
        self.path = path or Path(f"{ROOT_PREFIX}{secrets.token_hex(4)}")
        self.path.mkdir(mode=0o711, parents=False, exist_ok=path is not None)
        self.dockyard_cgroup_parent = f"dockyard-bench-{self.path.name.removeprefix('dy-bench-')}"
        self.busybox_tar = self.path / "busybox.tar"
        if path is None:
            write_pid_record(self.path / OWNER_RECORD, os.getpid())
        self.cgroup_parents: list[str] = []  # filled as engines start, swept at the end

    def sweep(self) -> None:
        """Kill what outlived its daemon, detach mounts, remove our cgroup dirs and the root."""
        kill_leftovers(self.path, self.cgroup_parents)
        unmount_under(self.path)
        for parent in self.cgroup_parents:
            remove_cgroup_tree(parent)
        shutil.rmtree(self.path, ignore_errors=True)


def root_is_live(path: Path) -> bool:
    """True while the benchmark process that made the root still runs."""
    return recorded_pid_if_alive(path / OWNER_RECORD) is not None


def sweep_stale_roots() -> list[Path]:
    """Clean roots a killed run (SIGKILL, OOM) left behind; roots of live runs are left alone.

    The orphaned daemons are stopped through the pid records their run wrote (engines before
    containerd), then the root is swept like at the end of a normal run.
    """
    roots = sorted(p for p in Path(ROOT_PREFIX).parent.glob(Path(ROOT_PREFIX).name + "*"))
    roots = [p for p in roots if p.is_dir()]
    live = [p for p in roots if root_is_live(p)]
    swept = []
    for path in roots:
        if path in live:
            continue
        log.warning("sweeping stale bench root %s", path)
        records = sorted(path.glob(f"*/*{PID_RECORD_SUFFIX}"), key=lambda r: "containerd" in r.name)
        for record in records:
            stop_recorded(record, timeout=30)
        root = BenchRoot(path=path)
        root.cgroup_parents.append(root.dockyard_cgroup_parent)
        if not live:  # the dockerd parent is shared by name; only sweep it when nobody runs
            root.cgroup_parents.append(DOCKERD_CGROUP_PARENT)
        root.sweep()
        swept.append(path)
    return swept


def build_busybox_tar(dest: Path) -> Path:
    """The same rootfs tarball for both engines (``python -m dockyard.images.busybox``)."""
    subprocess.run(
        [sys.executable, "-m", "dockyard.images.busybox", str(dest)],
        check=True,
        capture_output=True,
    )
    return dest


class PrivateContainerd:
    """A containerd with its own root, state and sockets, for the private dockerd only."""

    def __init__(self, *, root: Path) -> None:
        self.dir = root / "containerd"
        self.socket = self.dir / "containerd.sock"
        self.config_path = self.dir / "config.toml"
        self.process = DaemonProcess(label="containerd", log_path=self.dir / "containerd.log")

    def config_text(self) -> str:
        lines = [
            "version = 2",
            f'root = "{self.dir / "root"}"',
            f'state = "{self.dir / "state"}"',
            f"disabled_plugins = {json.dumps(_CONTAINERD_DISABLED)}",
            "[grpc]",
            f'  address = "{self.socket}"',
            "[ttrpc]",
            f'  address = "{self.socket}.ttrpc"',
            "[debug]",
            '  address = ""',
            "[metrics]",
            '  address = ""',
            '[plugins."io.containerd.internal.v1.opt"]',
            f'  path = "{self.dir / "opt"}"',
        ]
        return "\n".join(lines) + "\n"

    def start(self) -> None:
        self.dir.mkdir(mode=0o711)
        self.config_path.write_text(self.config_text())
        self.process.start(
            [str(CONTAINERD), "--config", str(self.config_path)],
            ready=lambda: unix_socket_answers(self.socket),
            timeout=30,
        )

    def stop(self) -> None:
        self.process.stop(timeout=20)


class PrivateDockerd:
    """Debian's dockerd 20.10 on its own socket, roots and containerd; no bridge, no firewall."""

    def __init__(self, *, root: Path, containerd: PrivateContainerd) -> None:
        self.dir = root / "docker"
        self.socket = root / "docker.sock"
        self.containerd = containerd
        self.process = DaemonProcess(label="dockerd", log_path=self.dir / "dockerd.log")
        self.endpoint = EngineEndpoint(
            label="dockerd", host=f"unix://{self.socket}", cli_config=self.dir / "cli"
        )

    def args(self) -> list[str]:
        return [
            str(DOCKERD),
            "--data-root", str(self.dir / "data"),
            "--exec-root", str(self.dir / "exec"),
            "-H", self.endpoint.host,
            "--pidfile", str(self.dir / "dockerd.pid"),
            "--config-file", str(self.dir / "daemon.json"),
            "--bridge=none",
            "--iptables=false",
            "--ip6tables=false",
            "--ip-masq=false",
            "--userland-proxy=false",
            f"--containerd={self.containerd.socket}",
            "--cgroup-parent", DOCKERD_CGROUP_PARENT,
        ]  # fmt: skip

    def start(self) -> None:
        self.dir.mkdir(mode=0o711)
        # The trust key would otherwise be written to /etc/docker/key.json.
        config = {"deprecated-key-path": str(self.dir / "key.json")}
        (self.dir / "daemon.json").write_text(json.dumps(config))
        self.process.start(self.args(), ready=lambda: engine_pings(self.socket), timeout=60)

    def stop(self) -> None:
        self.process.stop(timeout=30)


class PrivateDockyard:
    """``python -m dockyard.daemon`` on its own socket, roots and cgroup parent."""

    def __init__(self, *, root: Path, cgroup_parent: str) -> None:
        self.dir = root / "dockyard"
        self.socket = root / "dockyard.sock"
        self.cgroup_parent = cgroup_parent
        self.process = DaemonProcess(label="dockyardd", log_path=self.dir / "dockyardd.log")
        self.endpoint = EngineEndpoint(
            label="dockyard", host=f"unix://{self.socket}", cli_config=self.dir / "cli"
        )

    def args(self) -> list[str]:
        return [
            sys.executable, "-m", "dockyard.daemon",
            "-H", self.endpoint.host,
            "--data-root", str(self.dir / "data"),
            "--exec-root", str(self.dir / "exec"),
            "--pidfile", str(self.dir / "dockyardd.pid"),
            "--config-file", str(self.dir / "daemon.json"),
            "--cgroup-parent", self.cgroup_parent,
            "--log-level", "info",
        ]  # fmt: skip

    def start(self) -> None:
        self.dir.mkdir(mode=0o711)
        (self.dir / "daemon.json").write_text("{}")
        self.process.start(self.args(), ready=lambda: engine_pings(self.socket), timeout=60)

    def stop(self) -> None:
        self.process.stop(timeout=60)


def save_logs(root: Path, dest: Path) -> None:
    """Copy every daemon log under ``root`` into ``dest`` before the root is deleted."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in root.glob("*/*.log"):
        shutil.copyfile(path, dest / path.name)


def import_busybox(endpoint: EngineEndpoint, tar: Path) -> None:
    endpoint.docker("import", str(tar), IMAGE, timeout=300)


def remove_all_containers(endpoint: EngineEndpoint) -> None:
    """Force-remove every container the engine knows; failures are logged, not raised."""
    try:
        listed = endpoint.docker("ps", "-aq", "--no-trunc", timeout=60)
        ids = listed.stdout.split()
        if ids:
            endpoint.docker("rm", "-f", *ids, timeout=120, check=False)
    except (BenchSetupError, subprocess.TimeoutExpired, OSError) as exc:
        log.warning("%s: could not remove containers: %s", endpoint.label, exc)


@contextlib.contextmanager
def running_engines(labels: Sequence[str] = ENGINES) -> Iterator[dict[str, EngineEndpoint]]:
    """Start the named engines with busybox imported; tear everything down on exit.

    The daemons' logs are copied to ``bench/results/logs/`` first, so a failure can be read
    after the root is gone.
    """
    unknown = set(labels) - set(ENGINES)
    if unknown:
        raise ValueError(f"unknown engine(s) {sorted(unknown)}; choose from {ENGINES}")
    root = BenchRoot()
    log.info("bench root %s", root.path)
    teardown: list[Callable[[], None]] = [root.sweep]
    teardown.append(lambda: save_logs(root.path, RESULTS_DIR / "logs"))
    endpoints: dict[str, EngineEndpoint] = {}
    try:
        build_busybox_tar(root.busybox_tar)
        if "dockerd" in labels:
            root.cgroup_parents.append(DOCKERD_CGROUP_PARENT)
            containerd = PrivateContainerd(root=root.path)
            teardown.append(containerd.stop)
            containerd.start()
            dockerd = PrivateDockerd(root=root.path, containerd=containerd)
            teardown.append(dockerd.stop)
            teardown.append(lambda: remove_all_containers(dockerd.endpoint))
            dockerd.start()
            endpoints["dockerd"] = dockerd.endpoint
        if "dockyard" in labels:
            root.cgroup_parents.append(root.dockyard_cgroup_parent)
            dockyard = PrivateDockyard(root=root.path, cgroup_parent=root.dockyard_cgroup_parent)
            teardown.append(dockyard.stop)
            teardown.append(lambda: remove_all_containers(dockyard.endpoint))
            dockyard.start()
            endpoints["dockyard"] = dockyard.endpoint
        for endpoint in endpoints.values():
            import_busybox(endpoint, root.busybox_tar)
        yield {label: endpoints[label] for label in labels}
    finally:
        for step in reversed(teardown):
            try:
                step()
            except Exception:
                log.exception("teardown step %s failed", step)


def parse_engines(text: str) -> list[str]:
    """``"dockyard,dockerd"`` → ``["dockyard", "dockerd"]``, rejecting unknown names."""
    labels = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [label for label in labels if label not in ENGINES]
    if unknown or not labels:
        raise ValueError(f"--engines takes a comma list of {ENGINES}, got {text!r}")
    return labels


def exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so ``finally`` blocks tear the engines down."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    if sys.argv[1:] != ["sweep"]:
        sys.exit("usage: python -m bench.common sweep   (clean roots of killed runs)")
    print(f"swept {len(sweep_stale_roots())} stale root(s)")

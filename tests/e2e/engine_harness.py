"""A private dockyardd for end-to-end tests: its own data root, exec root, socket, cgroup parent.

Everything it creates on the host carries the ``dy`` prefix and is swept on teardown, even when
the test failed: containers are force-removed through the API, the engine gets SIGTERM (by the
pid we started), then leftover mounts under its roots are detached and its cgroup dirs removed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker

DOCKER_CLI = "/usr/local/bin/docker"
log = logging.getLogger("e2e")


def wait_until(predicate: Callable[[], Any], timeout: float = 20.0, interval: float = 0.05) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail with a clear message."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {predicate}")
        time.sleep(interval)


class Engine:
    def __init__(
        self,
        root: Path,
        *,
        extra_args: list[str] | None = None,
        config: dict[str, Any] | None = None,
    ) -> None:
        self.root = root
        self.data_root = root / "data"
        self.exec_root = root / "exec"
        self.socket = root / "dockyard.sock"
        self.pidfile = root / "dockyardd.pid"
        self.log_path = root / "dockyardd.log"
        self.cgroup_parent = f"dockyard-{root.name}"
        self.config_file = root / "daemon.json"
        self.config_file.write_text(json.dumps(config or {}))
        self.extra_args = extra_args or []
        self.proc: subprocess.Popen[bytes] | None = None
        self.host = f"unix://{self.socket}"

    # -- process --------------------------------------------------------------------------
    def start(self) -> None:
        args = [
            sys.executable,
            "-m",
            "dockyard.daemon",
            "-H",
            self.host,
            "--data-root",
            str(self.data_root),
            "--exec-root",
            str(self.exec_root),
            "--pidfile",
            str(self.pidfile),
            "--config-file",
            str(self.config_file),
            "--cgroup-parent",
            self.cgroup_parent,
            "--log-level",
            "debug",
            *self.extra_args,
        ]
        logfile = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child
        self.proc = subprocess.Popen(args, stdout=logfile, stderr=subprocess.STDOUT)
        logfile.close()
        wait_until(self._answers, timeout=30)

    def _answers(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"dockyardd exited with {self.proc.returncode}:\n{self.log()}")
        try:
            return docker.APIClient(base_url=self.host, version="1.45", timeout=2).ping()
        except Exception:
            return False

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is not None:
            print(f"dockyardd exited by itself ({self.proc.returncode}):", file=sys.stderr)
            print(self.log(), file=sys.stderr)
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        code = self.proc.returncode
        self.proc = None
        return code

    def crash(self) -> None:
        """``kill -9`` the engine (only the pid we started)."""
        self.stop(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-20000:]
        except OSError:
            return ""

    # -- clients --------------------------------------------------------------------------
    def docker(
        self, *args: str, input: bytes | None = None, timeout: float = 60, check: bool = False
    ) -> subprocess.CompletedProcess[str]:
        cmd = [DOCKER_CLI, "-H", self.host, *args]
        result = subprocess.run(
            cmd,
            input=input,
            capture_output=True,
            timeout=timeout,
            env={**os.environ, "DOCKER_CONFIG": str(self.root / "docker-config")},
        )
        out = result.stdout.decode(errors="replace")
        err = result.stderr.decode(errors="replace")
        log.info("$ %s\nrc=%s\nstdout=%s\nstderr=%s", " ".join(cmd), result.returncode, out, err)
        completed = subprocess.CompletedProcess(cmd, result.returncode, out, err)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed ({result.returncode}): {err}")
        return completed

    def run_with_policy(self, name: str, policy: str, *command: str) -> None:
        """``docker run -d --name NAME --restart POLICY busybox COMMAND…``, which must succeed."""
        self.docker(
            "run", "-d", "--name", name, "--restart", policy, "busybox", *command, check=True
        )

    def client(self) -> docker.DockerClient:
        return docker.DockerClient(base_url=self.host, timeout=60)

    def api(self) -> docker.APIClient:
        return docker.APIClient(base_url=self.host, version="auto", timeout=60)

    def inspect(self, name: str) -> dict[str, Any]:
        return self.api().inspect_container(name)

    def import_busybox(self, tag: str = "busybox:latest") -> None:
        from dockyard.images.busybox import busybox_rootfs_tar

        tar = busybox_rootfs_tar(self.root / "busybox.tar")
        self.docker("import", str(tar), tag, check=True)

    # -- cleanup --------------------------------------------------------------------------
    def remove_all_containers(self) -> None:
        with contextlib.suppress(Exception):
            api = self.api()
            for c in api.containers(all=True):
                with contextlib.suppress(Exception):
                    api.remove_container(c["Id"], force=True)

    def sweep(self) -> None:
        """Remove what the engine left on the host under its own names."""
        self._unmount_under(self.root)
        for hierarchy in Path("/sys/fs/cgroup").iterdir():
            parent = hierarchy / self.cgroup_parent
            if parent.is_dir():
                for child in sorted(parent.glob("**/"), key=lambda p: len(p.parts), reverse=True):
                    with contextlib.suppress(OSError):
                        child.rmdir()
        shutil.rmtree(self.root, ignore_errors=True)

    @staticmethod
    def _unmount_under(root: Path) -> None:
        mounts = []
        with open("/proc/self/mountinfo") as f:
            for line in f:
                mountpoint = line.split()[4]
                if mountpoint.startswith(str(root) + "/"):
                    mounts.append(mountpoint)
        for mountpoint in sorted(mounts, key=len, reverse=True):
            subprocess.run(["umount", "-l", mountpoint], capture_output=True)


def new_engine_root() -> Path:
    root = Path(f"/tmp/dy-e2e-{secrets.token_hex(4)}")
    root.mkdir(mode=0o711)
    return root


def leftover_mounts(root: Path) -> list[str]:
    with open("/proc/self/mountinfo") as f:
        return [ln.split()[4] for ln in f if ln.split()[4].startswith(str(root))]


def shim_pids(engine: Engine) -> list[int]:
    """Pids of shim processes started by this engine (found by their -address argument)."""
    marker = str(engine.exec_root).encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"containerd-shim" in cmdline and marker in cmdline:
            pids.append(int(entry.name))
    return pids

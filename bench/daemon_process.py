"""One long-running daemon the benchmark started, stopped only through the pid it got back.

Kept apart from the engine wiring so every daemon (containerd, dockerd, dockyardd) starts, waits
for readiness and stops the same way, and a failed start always reports the daemon's own words.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("bench")


PID_RECORD_SUFFIX = ".bench-pid"


def start_time(pid: int) -> str | None:
    """The kernel's start time of a running ``pid`` (/proc/PID/stat field 22), against reuse."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] in ("Z", "X") else fields[19]  # a zombie has already exited


def write_pid_record(path: Path, pid: int) -> None:
    """Remember which process we started, so a later sweep can stop exactly that one."""
    path.write_text(f"{pid} {start_time(pid)}\n")


def recorded_pid_if_alive(path: Path) -> int | None:
    """The pid in a record written by ``write_pid_record`` if that same process still runs."""
    try:
        pid_text, started = path.read_text().split()
        pid = int(pid_text)
    except (OSError, ValueError):
        return None
    return pid if start_time(pid) == started else None


def stop_recorded(path: Path, *, timeout: float) -> None:
    """SIGTERM the recorded process (a daemon an earlier, killed run started), then SIGKILL."""
    pid = recorded_pid_if_alive(path)
    if pid is None:
        return
    log.warning("stopping orphaned pid %d recorded in %s", pid, path)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while recorded_pid_if_alive(path) == pid and time.monotonic() < deadline:
        time.sleep(0.1)
    if recorded_pid_if_alive(path) == pid:
        os.kill(pid, signal.SIGKILL)


class DaemonStartError(RuntimeError):
    """The daemon exited or never became ready; the message ends with its log tail."""


class DaemonProcess:
    """A child process with its output in ``log_path``; SIGTERM, then SIGKILL, on stop."""

    def __init__(self, *, label: str, log_path: Path) -> None:
        self.label = label
        self.log_path = log_path
        self.pid_record = log_path.parent / f"{label}{PID_RECORD_SUFFIX}"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return None if self.proc is None else self.proc.pid

    def start(self, args: list[str], *, ready: Callable[[], bool], timeout: float) -> None:
        """Spawn ``args`` and poll ``ready`` until it is true; raise with the log tail if not."""
        log.info("starting %s: %s", self.label, " ".join(args))
        with open(self.log_path, "ab") as logfile:
            self.proc = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=logfile, stderr=subprocess.STDOUT
            )
        write_pid_record(self.pid_record, self.proc.pid)
        deadline = time.monotonic() + timeout
        while not ready():
            if self.proc.poll() is not None:
                raise DaemonStartError(
                    f"{self.label} exited with {self.proc.returncode}:\n{self.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise DaemonStartError(
                    f"{self.label} not ready within {timeout:.0f}s:\n{self.log_tail()}"
                )
            time.sleep(0.05)
        log.info("%s ready (pid %d)", self.label, self.proc.pid)

    def stop(self, *, timeout: float) -> int | None:
        """SIGTERM the pid we started, SIGKILL it if it outlives ``timeout``; return its code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("%s ignored SIGTERM for %.0fs; killing pid %d",
                            self.label, timeout, self.proc.pid)  # fmt: skip
                self.proc.kill()
                self.proc.wait(10)
        code = self.proc.returncode
        log.info("%s stopped (exit %s)", self.label, code)
        self.proc = None
        return code

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

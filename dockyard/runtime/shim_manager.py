"""Starts, drains, reaps and cleans up containerd shim v2 *processes*; knows nothing of tasks.

A shim is started with the legacy ``start`` protocol every shim v2 binary understands
(containerd 1.6 style): ``<shim> -namespace NS -address A -publish-binary P -id ID start`` with
the bundle as cwd and the runtime options ``Any`` on stdin. The ``start`` process forks the
serving shim (which outlives the engine, re-parented to pid 1), prints its ttrpc address and
exits. Each shim copies its own log into the bundle's ``log`` FIFO; without a reader that FIFO
would fill and stall the shim, so the manager drains it into Python logging for as long as the
shim is known. When a shim died, its ``delete`` subcommand force-deletes what it left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import os
import re
import signal
import stat
import subprocess
from pathlib import Path

from google.protobuf.message import DecodeError

from dockyard import errors
from dockyard.runtime.proto import task_pb2
from dockyard.runtime.ttrpc import socket_path

log = logging.getLogger(__name__)
shim_log = logging.getLogger("dockyard.runtime.shim")

_LEVELS = {
    "trace": logging.DEBUG,
    "debug": logging.DEBUG,
    "info": logging.DEBUG,  # the shim's info lines are plugin-loading chatter
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "fatal": logging.ERROR,
    "panic": logging.ERROR,
}
_LEVEL_RE = re.compile(r"\blevel=(\w+)")


def parse_start_output(output: bytes) -> str:
    """The ttrpc address a ``start`` printed: a plain address, or containerd 2.x's JSON.

    A JSON answer naming task API version 3 or a non-ttrpc protocol cannot be driven by
    dockyard (it speaks ``containerd.task.v2`` over ttrpc), so it is refused here.
    """
    text = output.decode(errors="replace").strip()
    if not text:
        raise errors.RuntimeFailure("failed to start shim: shim printed no address")
    if not text.startswith("{"):
        return text
    try:
        params = json.loads(text)
    except json.JSONDecodeError as exc:
        raise errors.RuntimeFailure(f"failed to start shim: bad start output {text!r}") from exc
    if params.get("version", 2) != 2 or params.get("protocol", "ttrpc") != "ttrpc":
        raise errors.RuntimeFailure(
            f"failed to start shim: unsupported shim version ({params.get('version')}) "
            f"or protocol ({params.get('protocol')})"
        )
    return str(params["address"])


def process_running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie waiting for pid 1 to reap it is not)."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    state = status.rsplit(")", 1)[1].split()[0]
    return state not in ("Z", "X")


async def wait_process_exit(pid: int, timeout: float) -> bool:
    """Wait (with a pidfd, no polling) until ``pid`` exits; False if it outlived ``timeout``."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    loop = asyncio.get_running_loop()
    exited: asyncio.Future[None] = loop.create_future()

    def on_exit() -> None:
        if not exited.done():
            exited.set_result(None)

    loop.add_reader(pidfd, on_exit)
    try:
        async with asyncio.timeout(timeout):
            await exited
        return True
    except TimeoutError:
        return not process_running(pid)
    finally:
        loop.remove_reader(pidfd)
        os.close(pidfd)


def remove_socket(address: str) -> None:
    """Remove a dead shim's socket file (a SIGKILLed shim leaves it in /run/containerd/s)."""
    path = socket_path(address)
    if path.startswith("\0"):
        return
    with contextlib.suppress(FileNotFoundError):
        if stat.S_ISSOCK(os.lstat(path).st_mode):
            os.unlink(path)


class _LogDrain:
    """Reads a shim's ``log`` FIFO without blocking and re-logs each line."""

    def __init__(self, *, container_id: str, fifo: Path) -> None:
        self._container_id = container_id
        # O_RDWR: never see EOF while the shim restarts its writer; never block opening.
        self._fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)
        self._partial = b""
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self._fd, self._drain)

    def close(self) -> None:
        self._loop.remove_reader(self._fd)
        self._drain()
        if self._partial:
            self._emit(self._partial)
        os.close(self._fd)

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self._fd, 65536)
            except BlockingIOError:
                return
            if not chunk:
                return
            *lines, self._partial = (self._partial + chunk).split(b"\n")
            for line in lines:
                self._emit(line)

    def _emit(self, line: bytes) -> None:
        text = line.decode(errors="replace").strip()
        if not text:
            return
        match = _LEVEL_RE.search(text)
        level = _LEVELS.get(match.group(1), logging.INFO) if match else logging.INFO
        shim_log.log(level, "shim %s: %s", self._container_id, text)


class ShimManager:
    """Shim processes of one engine: one namespace, one fake containerd address."""

    def __init__(
        self,
        *,
        namespace: str,
        containerd_address: str,
        events_address: str,
        command_timeout: float,
    ) -> None:
        self._namespace = namespace
        self._containerd_address = containerd_address
        self._events_address = events_address
        self._command_timeout = command_timeout
        self._drains: dict[str, _LogDrain] = {}

    async def launch(self, *, container_id: str, bundle: Path, binary: str, options: bytes) -> str:
        """Run ``<shim> … start`` in ``bundle`` and return the address the shim serves on."""
        env = dict(
            os.environ,
            TTRPC_ADDRESS=self._events_address,
            GRPC_ADDRESS=self._containerd_address,
            NAMESPACE=self._namespace,
            MAX_SHIM_VERSION="2",
            GOMAXPROCS="2",
        )
        rc, stdout, stderr = await self._run(
            [*self._base_args(binary, container_id), "start"],
            cwd=bundle,
            env=env,
            stdin=options,
        )
        if rc != 0:
            message = stderr.decode(errors="replace").strip()
            raise errors.RuntimeFailure(
                f"failed to start shim: start failed: {message}: exit status {rc}"
            )
        return parse_start_output(stdout)

    async def delete_dead(
        self, *, container_id: str, bundle: Path, binary: str
    ) -> task_pb2.DeleteResponse:
        """Run ``<shim> … -bundle B delete``: force-delete what a dead shim left behind.

        The runc shim kills and deletes the container with ``runc delete --force`` and reports
        the exit status (137 for a container it had to kill) as a ``DeleteResponse``.
        """
        rc, stdout, stderr = await self._run(
            [*self._base_args(binary, container_id), "-bundle", str(bundle), "delete"],
            cwd=bundle,
            env=dict(os.environ),
            stdin=b"",
        )
        if rc != 0:
            message = stderr.decode(errors="replace").strip()
            raise errors.RuntimeFailure(f"failed to delete shim: {message}: exit status {rc}")
        reply = task_pb2.DeleteResponse()
        try:
            reply.ParseFromString(stdout)
        except DecodeError as exc:
            raise errors.RuntimeFailure(f"failed to delete shim: bad output {stdout!r}") from exc
        return reply

    def attach_log(self, container_id: str, bundle: Path) -> None:
        """Make sure ``<bundle>/log`` is a FIFO and drain it (idempotent)."""
        if container_id in self._drains:
            return
        fifo = bundle / "log"
        try:
            os.mkfifo(fifo, 0o600)
        except FileExistsError:
            if not stat.S_ISFIFO(os.lstat(fifo).st_mode):
                raise errors.RuntimeFailure(f"{fifo} exists and is not a FIFO") from None
        except OSError as exc:
            raise errors.RuntimeFailure(f"cannot create shim log FIFO {fifo}: {exc}") from exc
        self._drains[container_id] = _LogDrain(container_id=container_id, fifo=fifo)

    def detach_log(self, container_id: str) -> None:
        drain = self._drains.pop(container_id, None)
        if drain is not None:
            drain.close()

    def close(self) -> None:
        """Stop draining every log (the shims keep running)."""
        for container_id in list(self._drains):
            self.detach_log(container_id)

    @staticmethod
    def kill(pid: int) -> None:
        """SIGKILL a shim this engine launched (only ever called with a shim's own pid)."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    def _base_args(self, binary: str, container_id: str) -> list[str]:
        return [
            binary,
            "-namespace",
            self._namespace,
            "-address",
            self._containerd_address,
            "-publish-binary",
            binary,
            "-id",
            container_id,
        ]

    async def _run(
        self, argv: list[str], *, cwd: Path, env: dict[str, str], stdin: bytes
    ) -> tuple[int, bytes, bytes]:
        log.debug("running %s (cwd %s)", " ".join(argv), cwd)
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                cwd=cwd,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                process_group=0,
            )
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.EACCES):
                raise errors.RuntimeFailure(f"failed to start shim: {exc}") from exc
            raise errors.RuntimeFailure(f"failed to run {argv[0]}: {exc}") from exc
        try:
            async with asyncio.timeout(self._command_timeout):
                stdout, stderr = await process.communicate(stdin)
        except TimeoutError as exc:
            await _kill_and_reap(process)
            raise errors.RuntimeFailure(
                f"{argv[0]} {argv[-1]} did not finish within {self._command_timeout:g}s"
            ) from exc
        except BaseException:
            await _kill_and_reap(process)
            raise
        assert process.returncode is not None
        return process.returncode, stdout, stderr


async def _kill_and_reap(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    await process.wait()

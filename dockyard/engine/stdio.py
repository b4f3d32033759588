"""The engine's end of a process's stdio: FIFOs the shim writes into, read without blocking.

The engine opens every FIFO ``O_RDWR | O_NONBLOCK``: the shim's own open never blocks, data
written while the engine is down waits in the pipe (as with dockerd + live-restore), and the read
side never sees a spurious EOF. The end of output is therefore not an EOF but the task's
``Delete``: the runc shim finishes copying before Delete returns, so ``drain_and_close`` after
Delete sees everything the process wrote.
"""

from __future__ import annotations

import array
import asyncio
import collections
import contextlib
import errno
import fcntl
import logging
import os
import shutil
import stat
import termios
from collections.abc import Awaitable, Callable
from pathlib import Path

from dockyard.runtime.types import TaskIO

OutputSink = Callable[[str, bytes], None]
SUBSCRIBER_QUEUE = 4096
STDIN_DRAIN_TIMEOUT = 5.0
STDIN_QUEUE_BYTES = 1 << 20
log = logging.getLogger(__name__)


def _pending_bytes(fd: int) -> int:
    buf = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, buf)
    return buf[0]


def _open_fifo(path: Path) -> int:
    if path.exists() and not stat.S_ISFIFO(path.stat().st_mode):
        path.unlink()
    if not path.exists():
        os.mkfifo(path, 0o600)
    return os.open(path, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)


class ProcessStdio:
    """stdout/stderr (and optionally stdin) FIFOs of one init process or exec."""

    def __init__(
        self,
        *,
        directory: Path,
        prefix: str,
        tty: bool,
        stdin: bool,
        sink: OutputSink | None,
        on_stdin_close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.directory = directory
        self.prefix = prefix
        self.tty = tty
        self.has_stdin = stdin
        self._sink = sink
        self._fds: dict[str, int] = {}
        self._closed = False
        self._shim_has_stdin = False
        self._stdin_close_pending = False
        self._closing_stdin = False
        self._close_task: asyncio.Task[None] | None = None
        self._on_stdin_close = on_stdin_close

    def path(self, stream: str) -> Path:
        return self.directory / f"{self.prefix}-{stream}"

    @property
    def task_io(self) -> TaskIO:
        return TaskIO(
            stdin=str(self.path("stdin")) if self.has_stdin else "",
            stdout=str(self.path("stdout")),
            stderr="" if self.tty else str(self.path("stderr")),
            terminal=self.tty,
        )

    def open(self) -> None:
        """Create (or re-open, after an engine restart) the FIFOs and start reading."""
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        loop = asyncio.get_running_loop()
        streams = ["stdout"] if self.tty else ["stdout", "stderr"]
        for name in streams:
            fd = _open_fifo(self.path(name))
            self._fds[name] = fd
            loop.add_reader(fd, self._on_readable, name, fd)
        if self.has_stdin:
            self._fds["stdin"] = _open_fifo(self.path("stdin"))

    def _on_readable(self, name: str, fd: int) -> None:
        self._read_available(name, fd)

    def _read_available(self, name: str, fd: int) -> None:
        while True:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno == errno.EBADF:
                    return
                raise
            if not chunk:
                return
            self._deliver(name, chunk)

    def _deliver(self, name: str, chunk: bytes) -> None:
        if self._sink is not None:
            self._sink(name, chunk)

    async def write_stdin(self, data: bytes) -> None:
        fd = self._fds.get("stdin")
        if fd is None:
            return
        view = memoryview(data)
        while view:
            try:
                written = os.write(fd, view)
                view = view[written:]
            except BlockingIOError:
                await asyncio.sleep(0.01)
            except OSError:
                return

    def mark_task_created(self) -> None:
        """The shim holds the stdin FIFO now; a close asked for earlier can happen."""
        self._shim_has_stdin = True
        if self._stdin_close_pending:
            self._stdin_close_pending = False
            self._spawn_close()

    def close_stdin(self) -> None:
        """Give the process EOF on stdin once the shim has taken what is buffered.

        The shim keeps the FIFO open itself, so closing our end is not an EOF; ``CloseIO`` is.
        It must wait until the pipe is empty (FIONREAD) or bytes still in the pipe would be
        lost, and before the task exists there is nobody to ask, so it waits for that too.
        """
        if self._closing_stdin or "stdin" not in self._fds:
            return
        if not self._shim_has_stdin:
            self._stdin_close_pending = True
            return
        self._spawn_close()

    def _spawn_close(self) -> None:
        self._closing_stdin = True
        self._close_task = asyncio.get_running_loop().create_task(self._close_when_drained())

    async def _close_when_drained(self) -> None:
        fd = self._fds.get("stdin")
        with contextlib.suppress(TimeoutError, OSError):
            async with asyncio.timeout(STDIN_DRAIN_TIMEOUT):
                while fd is not None and _pending_bytes(fd) > 0:
                    await asyncio.sleep(0.005)
        if self._on_stdin_close is not None:
            try:
                await self._on_stdin_close()
            except Exception:  # the process may have exited already
                log.debug("closing stdin of %s failed", self.prefix, exc_info=True)
        fd = self._fds.pop("stdin", None)
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)

    def drain_and_close(self) -> None:
        """Read what is left in the pipes and stop reading."""
        if self._closed:
            return
        loop = asyncio.get_running_loop()
        for name, fd in self._fds.items():
            if name != "stdin":
                loop.remove_reader(fd)
                self._read_available(name, fd)
        self.close_fds()
        self._closed = True

    def close_fds(self) -> None:
        """Stop reading and close our ends (also used on engine shutdown)."""
        loop = asyncio.get_event_loop()
        for name, fd in list(self._fds.items()):
            if name != "stdin":
                loop.remove_reader(fd)
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds.clear()

    def remove_files(self) -> None:
        for name in ("stdin", "stdout", "stderr"):
            with contextlib.suppress(FileNotFoundError):
                self.path(name).unlink()


def remove_fifo_dir(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)


class StreamHub:
    """Fans a process's output out to attached clients and gathers their stdin.

    A container's hub outlives each run: ``docker run`` attaches *before* it starts the
    container, and ``docker attach`` may join between policy restarts. Stdin written while no
    run is live is queued and handed to the next run's FIFO, as dockerd does. One writer task
    per run feeds the FIFO, so a client sending more than a pipe holds before the process reads
    waits on that task (bounded by ``STDIN_QUEUE_BYTES``) instead of stalling a start.
    """

    def __init__(self, *, tty: bool) -> None:
        self.tty = tty
        self._subscribers: set[asyncio.Queue[tuple[int, bytes] | None]] = set()
        self._stdio: ProcessStdio | None = None
        self._stdin: collections.deque[bytes | None] = collections.deque()  # None = EOF
        self._stdin_bytes = 0
        self._stdin_changed = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None

    def publish(self, stream: str, chunk: bytes) -> None:
        number = 2 if stream == "stderr" else 1
        for queue in list(self._subscribers):
            if queue.full():
                continue  # a stuck client loses output rather than stalling the container
            queue.put_nowait((number, chunk))

    def subscribe(self) -> asyncio.Queue[tuple[int, bytes] | None]:
        queue: asyncio.Queue[tuple[int, bytes] | None] = asyncio.Queue(SUBSCRIBER_QUEUE)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[tuple[int, bytes] | None]) -> None:
        self._subscribers.discard(queue)

    def end_run(self) -> None:
        """The process exited: every attached client is detached (Docker's behaviour)."""
        self._stdio = None
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None
        for queue in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)
        self._subscribers.clear()

    def adopt(self, stdio: ProcessStdio) -> None:
        """Re-attach to a run that was already live before an engine restart."""
        self.bind(stdio)

    def bind(self, stdio: ProcessStdio) -> None:
        """A new run's FIFOs are open: start feeding it the queued and future stdin."""
        self._stdio = stdio
        if stdio.has_stdin and (self._writer is None or self._writer.done()):
            self._writer = asyncio.get_running_loop().create_task(self._feed(stdio))

    async def _feed(self, stdio: ProcessStdio) -> None:
        while True:
            while not self._stdin:
                self._stdin_changed.clear()
                await self._stdin_changed.wait()
            item = self._stdin.popleft()
            if item is None:
                stdio.close_stdin()
                return
            await stdio.write_stdin(item)
            self._stdin_bytes -= len(item)
            self._stdin_changed.set()

    async def write_stdin(self, data: bytes) -> None:
        while self._stdin_bytes > STDIN_QUEUE_BYTES:
            self._stdin_changed.clear()
            await self._stdin_changed.wait()
        self._stdin.append(data)
        self._stdin_bytes += len(data)
        self._stdin_changed.set()

    def close_stdin(self) -> None:
        self._stdin.append(None)
        self._stdin_changed.set()


class StdioAttachment:
    """An attach (or exec start) session: implements ``facade.StdioSession``."""

    def __init__(
        self,
        hub: StreamHub,
        *,
        stdout: bool,
        stderr: bool,
        stdin: bool,
        close_stdin_on_eof: bool,
        replay: list[tuple[int, bytes]] | None = None,
    ) -> None:
        self.tty = hub.tty
        self._hub = hub
        self._want = {1: stdout, 2: stderr}
        self._stdin = stdin
        self._close_stdin_on_eof = close_stdin_on_eof
        self._queue = hub.subscribe()
        self._replay = list(replay or [])
        self._done = False

    async def read(self) -> tuple[int, bytes] | None:
        while self._replay:
            item = self._replay.pop(0)
            if self._want.get(item[0], False):
                return item
        while not self._done:
            queued = await self._queue.get()
            if queued is None:
                self._done = True
                break
            if self._want.get(queued[0], False):
                return queued
        return None

    async def write_stdin(self, data: bytes) -> None:
        if self._stdin:
            await self._hub.write_stdin(data)

    async def close_stdin(self) -> None:
        """The client closed its stdin: dockerd's rule (``stream/attach.go``).

        With ``StdinOnce`` and no TTY the process gets EOF; otherwise this attach ends (that is
        how the CLI's ctrl-p ctrl-q detach arrives). A client that never attached stdin only
        half-closed its write side, which means nothing.
        """
        if not self._stdin:
            return
        if self._close_stdin_on_eof and not self.tty:
            self._hub.close_stdin()
        else:
            await self.detach()

    async def detach(self) -> None:
        self._hub.unsubscribe(self._queue)
        self._done = True
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait(None)

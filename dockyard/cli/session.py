"""Pumping a hijacked attach/exec connection between the user's terminal and the engine.

Output is copied until the engine closes the connection (raw bytes with a TTY,
demultiplexed frames without). Input is copied until stdin ends, then the
write side is half-closed — as the docker CLI does, even with no stdin at all.
Signals arrive through a self-pipe so the single `select` loop handles them:
SIGWINCH becomes a resize, others are proxied to the container.
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import signal
import socket
import termios
import tty
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from dockyard.cli.frames import FrameDecoder, StreamType

log = logging.getLogger(__name__)

_READ_SIZE = 1 << 16


class DetachRequested(Exception):
    """The user typed the detach sequence; the container keeps running."""


class StreamFailure(Exception):
    """The engine reported an error inside the stream (a "system error" frame)."""


@dataclass(frozen=True, kw_only=True)
class Terminal:
    """Where the session reads and writes: the user's stdin/stdout/stderr."""

    stdin: BinaryIO | None
    stdout: BinaryIO
    stderr: BinaryIO


class EscapeDetector:
    """Holds back input that may be the start of the detach sequence (docker's EscapeProxy)."""

    def __init__(self, keys: bytes) -> None:
        self._keys = keys
        self._held = b""

    def filter(self, data: bytes) -> tuple[bytes, bool]:
        """Return (bytes to forward, whether the detach sequence was completed)."""
        forward = bytearray()
        for byte in data:
            candidate = self._held + bytes([byte])
            if self._keys.startswith(candidate):
                self._held = candidate
                if candidate == self._keys:
                    self._held = b""
                    return bytes(forward), True
                continue
            forward += candidate
            self._held = b""
        return bytes(forward), False


class SignalPipe:
    """Delivers chosen signals as bytes on a pipe, so a select loop can react to them."""

    def __init__(self, signals: Iterable[signal.Signals]) -> None:
        self._signals = list(signals)
        self._read_fd, self._write_fd = os.pipe()
        os.set_blocking(self._write_fd, False)
        self._previous: dict[signal.Signals, object] = {}

    @property
    def fileno(self) -> int:
        return self._read_fd

    def _deliver(self, signum: int, _frame: object) -> None:
        with contextlib.suppress(OSError):
            os.write(self._write_fd, bytes([signum]))

    def __enter__(self) -> SignalPipe:
        for signum in self._signals:
            self._previous[signum] = signal.signal(signum, self._deliver)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
        os.close(self._read_fd)
        os.close(self._write_fd)

    def drain(self) -> list[signal.Signals]:
        data = os.read(self._read_fd, 256)
        return [signal.Signals(value) for value in data]


@contextlib.contextmanager
def raw_terminal(fd: int) -> Iterator[None]:
    """Put a terminal in raw mode for the session, and always restore it."""
    saved = termios.tcgetattr(fd)
    tty.setraw(fd)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


class StreamSession:
    """One attach or exec conversation over a hijacked connection."""

    def __init__(
        self,
        *,
        sock: socket.socket,
        tty: bool,
        terminal: Terminal,
        early_output: bytes = b"",
        detach_keys: bytes | None = None,
        signals: SignalPipe | None = None,
        on_signal: Callable[[signal.Signals], None] | None = None,
    ) -> None:
        self._sock = sock
        self._tty = tty
        self._terminal = terminal
        self._early = early_output
        self._escape = EscapeDetector(detach_keys) if detach_keys else None
        self._signals = signals
        self._on_signal = on_signal
        self._decoder = FrameDecoder()

    def run(self) -> None:
        """Pump until the engine ends the output; raise DetachRequested or StreamFailure."""
        selector = selectors.DefaultSelector()
        try:
            self._write_output(self._early)
            selector.register(self._sock, selectors.EVENT_READ, "engine")
            stdin_fd = self._stdin_fd()
            if stdin_fd is None:
                self._close_write()
            else:
                selector.register(stdin_fd, selectors.EVENT_READ, "stdin")
            if self._signals is not None:
                selector.register(self._signals.fileno, selectors.EVENT_READ, "signal")
            while self._step(selector):
                pass
        finally:
            selector.close()
            self._sock.close()

    def _stdin_fd(self) -> int | None:
        if self._terminal.stdin is None:
            return None
        return self._terminal.stdin.fileno()

    def _step(self, selector: selectors.BaseSelector) -> bool:
        for key, _ in selector.select():
            if key.data == "engine":
                data = self._sock.recv(_READ_SIZE)
                if not data:
                    return False
                self._write_output(data)
            elif key.data == "stdin":
                self._forward_input(selector, key.fd)
            elif key.data == "signal" and self._signals is not None:
                for signum in self._signals.drain():
                    if self._on_signal is not None:
                        self._on_signal(signum)
        return True

    def _forward_input(self, selector: selectors.BaseSelector, fd: int) -> None:
        data = os.read(fd, _READ_SIZE)
        if not data:
            selector.unregister(fd)
            self._close_write()
            return
        detached = False
        if self._escape is not None:
            data, detached = self._escape.filter(data)
        if data:
            try:
                self._sock.sendall(data)
            except OSError as error:
                log.debug("engine stopped reading stdin: %s", error)
                selector.unregister(fd)
        if detached:
            raise DetachRequested()

    def _close_write(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_WR)

    def _write_output(self, data: bytes) -> None:
        if not data:
            return
        if self._tty:
            self._emit(self._terminal.stdout, data)
            return
        for frame in self._decoder.feed(data):
            if frame.stream == StreamType.SYSTEM_ERROR:
                raise StreamFailure(frame.payload.decode("utf-8", errors="replace"))
            stderr = frame.stream == StreamType.STDERR
            self._emit(self._terminal.stderr if stderr else self._terminal.stdout, frame.payload)

    @staticmethod
    def _emit(target: BinaryIO, data: bytes) -> None:
        target.write(data)
        target.flush()

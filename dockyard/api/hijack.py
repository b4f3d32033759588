"""Hijacking the client's socket for attach and exec: ``101 UPGRADED``, then raw bytes.

aiohttp's connection handler closes the socket when the client half-closes (its
``eof_received`` returns ``None``), but the docker CLI half-closes right after the 101 when it
has no stdin and still expects output. So the hijack swaps in our own asyncio protocol
(``transport.set_protocol``, public asyncio API) that keeps the write side open on EOF, and
forwards ``connection_lost`` to aiohttp's handler so its bookkeeping ends normally.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import weakref
from collections.abc import Callable
from typing import Any, cast

from aiohttp import web

from dockyard.api.disconnect import ClientGone
from dockyard.api.versions import common_headers

_READ_HIGH_WATER = 1 << 20
CLOSE_FLUSH_TIMEOUT = 5.0
# The docker SDK reads the handshake through a buffered file and then reads frames from the raw
# socket, so frames that arrive in the same read as the handshake are lost to it. dockerd never
# sends them together in practice (the process starts after the handshake); a short pause
# after the handshake gives the same separation for output that is already waiting.
HANDSHAKE_SETTLE = 0.05


class HijackedResponse(web.StreamResponse):
    """What a hijacking handler returns: the bytes are already out, aiohttp writes nothing."""

    async def prepare(self, request: web.BaseRequest) -> None:
        return None

    async def write_eof(self, data: bytes = b"") -> None:
        return None


class _HangupWatcher:
    """Reports sockets whose peer closed both directions, without a thread or polling.

    After the client's half-close, reads say nothing more; dockerd (``notifyClosed``) waits for
    ``EPOLLHUP``, which a Unix stream socket gets once the peer closed it entirely. One epoll
    set per event loop holds the watched sockets and is itself watched by the loop.
    """

    _per_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _HangupWatcher] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._epoll = select.epoll()
        self._callbacks: dict[int, Callable[[], None]] = {}
        loop.add_reader(self._epoll.fileno(), self._ready)

    @classmethod
    def watch(cls, fd: int, callback: Callable[[], None]) -> None:
        loop = asyncio.get_running_loop()
        watcher = cls._per_loop.get(loop)
        if watcher is None:
            watcher = cls._per_loop[loop] = cls(loop)
        watcher._epoll.register(fd, select.EPOLLHUP)
        watcher._callbacks[fd] = callback

    @classmethod
    def forget(cls, fd: int) -> None:
        watcher = cls._per_loop.get(asyncio.get_running_loop())
        if watcher is not None and watcher._callbacks.pop(fd, None) is not None:
            with contextlib.suppress(OSError):
                watcher._epoll.unregister(fd)
            watcher._close_if_idle()

    def _ready(self) -> None:
        for fd, _ in self._epoll.poll(0):
            callback = self._callbacks.pop(fd, None)
            with contextlib.suppress(OSError):
                self._epoll.unregister(fd)
            if callback is not None:
                callback()
        self._close_if_idle()

    def _close_if_idle(self) -> None:
        if not self._callbacks and self._per_loop.get(self._loop) is self:
            del self._per_loop[self._loop]
            self._loop.remove_reader(self._epoll.fileno())
            self._epoll.close()


class _RawProtocol(asyncio.Protocol):
    """Receives the client's bytes once the socket is ours; keeps our write side open on EOF."""

    def __init__(self, owner: HijackedConnection) -> None:
        self._owner = owner

    def data_received(self, data: bytes) -> None:
        self._owner._on_data(data)

    def eof_received(self) -> bool:
        self._owner._on_eof()
        return True

    def pause_writing(self) -> None:
        self._owner._writable.clear()

    def resume_writing(self) -> None:
        self._owner._writable.set()

    def connection_lost(self, exc: Exception | None) -> None:
        self._owner._on_lost(exc)


class HijackedConnection:
    """A raw, bidirectional byte stream on the client's socket after the HTTP handshake."""

    def __init__(
        self,
        *,
        transport: asyncio.Transport,
        http_protocol: asyncio.BaseProtocol,
        leftover: bytes,
        status: int,
    ) -> None:
        self._transport = transport
        self._http_protocol = http_protocol
        sock = transport.get_extra_info("socket")
        self._fd: int | None = sock.fileno() if sock is not None else None
        self._buffer = bytearray(leftover)
        self._eof = False
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.response = HijackedResponse(status=status)
        if leftover:
            self._readable.set()

    # -- protocol callbacks -------------------------------------------------------------
    def _on_data(self, data: bytes) -> None:
        self._buffer.extend(data)
        self._readable.set()
        if len(self._buffer) > _READ_HIGH_WATER:
            self._transport.pause_reading()

    def _on_eof(self) -> None:
        self._eof = True
        self._readable.set()
        if self._fd is not None and not self._transport.is_closing():
            _HangupWatcher.watch(self._fd, self._transport.abort)

    def _on_lost(self, exc: Exception | None) -> None:
        if self._fd is not None:
            _HangupWatcher.forget(self._fd)
            self._fd = None
        self._eof = True
        self._readable.set()
        self._writable.set()
        if not self.lost.done():
            self.lost.set_result(None)
        # Let aiohttp's handler forget the connection as if it had seen the close itself.
        self._http_protocol.connection_lost(exc)

    # -- public surface -----------------------------------------------------------------
    @property
    def closing(self) -> bool:
        return self.lost.done() or self._transport.is_closing()

    async def read(self) -> bytes:
        """The next bytes from the client; ``b""`` once it closed its write side or left."""
        while not self._buffer:
            if self._eof:
                return b""
            self._readable.clear()
            await self._readable.wait()
        data = bytes(self._buffer)
        self._buffer.clear()
        if not self._transport.is_closing() and not self._transport.is_reading():
            self._transport.resume_reading()
        return data

    async def write(self, data: bytes) -> None:
        if self.closing:
            raise ClientGone("client connection closed")
        self._transport.write(data)
        await self._writable.wait()
        if self.lost.done():
            raise ClientGone("client connection closed")

    async def close(self) -> None:
        """Flush what is buffered, close, and wait until aiohttp has seen the close."""
        if not self._transport.is_closing():
            self._transport.close()
        try:
            await asyncio.wait_for(asyncio.shield(self.lost), CLOSE_FLUSH_TIMEOUT)
        except TimeoutError:
            self._transport.abort()
            await self.lost


def _status_block(request: web.Request, media_type: str) -> tuple[int, bytes]:
    """dockerd's hijack answer: 101 when the client asked to upgrade, else the old 200."""
    if "Upgrade" in request.headers:
        status = 101
        lines = [
            "HTTP/1.1 101 UPGRADED",
            f"Content-Type: {media_type}",
            "Connection: Upgrade",
            "Upgrade: tcp",
        ]
    else:
        status = 200
        lines = ["HTTP/1.1 200 OK", "Content-Type: application/vnd.docker.raw-stream"]
    lines += [f"{key}: {value}" for key, value in common_headers().items()]
    return status, ("\r\n".join(lines) + "\r\n\r\n").encode()


async def hijack(request: web.Request, *, media_type: str) -> HijackedConnection:
    """Take the socket from aiohttp and send the handshake.

    Call only after the request body (if any) was read. The handler must ``close()`` the
    connection and then return ``connection.response``.
    """
    transport = request.transport
    http_protocol = request.protocol
    if transport is None or transport.is_closing():
        raise ClientGone("client connection closed before the stream started")
    # Bytes that arrived after the upgrade request, kept by aiohttp until a reader claims them.
    leftover = bytes(getattr(http_protocol, "_message_tail", b"") or b"")
    if leftover:
        cast(Any, http_protocol)._message_tail = b""
    status, head = _status_block(request, media_type)
    connection = HijackedConnection(
        transport=transport, http_protocol=http_protocol, leftover=leftover, status=status
    )
    transport.set_protocol(_RawProtocol(connection))
    if not transport.is_reading():
        transport.resume_reading()
    await connection.write(head)
    await asyncio.sleep(HANDSHAKE_SETTLE)
    return connection

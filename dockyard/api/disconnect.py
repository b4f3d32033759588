"""Noticing that a client left while a handler waits for it (``/wait``, ``/events``, logs -f).

aiohttp does not tell a running handler that its client disconnected, and waits here can last
as long as a container runs. ``client_gone`` puts a forwarding protocol in front of aiohttp's
for the duration of the wait; its only addition is a future set on ``connection_lost``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import Any, TypeVar, cast

from aiohttp import web

T = TypeVar("T")


class ClientGone(ConnectionResetError):
    """The client closed the connection while we were still working for it."""


class _WatchingProtocol(asyncio.Protocol):
    """Forwards every callback to aiohttp's protocol and notes when the client goes away."""

    def __init__(self, inner: asyncio.Protocol, lost: asyncio.Future[None]) -> None:
        self._inner = inner
        self._lost = lost

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._lost.done():
            self._lost.set_result(None)
        self._inner.connection_lost(exc)


@contextlib.contextmanager
def client_gone(request: web.Request) -> Iterator[asyncio.Future[None]]:
    """A future that completes if the client disconnects while the block runs."""
    lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    transport = request.transport
    if transport is None or transport.is_closing():
        lost.set_result(None)
        yield lost
        return
    inner = cast(asyncio.Protocol, transport.get_protocol())
    watcher = _WatchingProtocol(inner, lost)
    transport.set_protocol(watcher)
    try:
        yield lost
    finally:
        if transport.get_protocol() is watcher:
            transport.set_protocol(inner)
        if not lost.done():
            lost.cancel()


async def unless_gone(lost: asyncio.Future[None], awaitable: Awaitable[T]) -> T:
    """Await ``awaitable`` unless the client leaves first (then raise ``ClientGone``).

    A future handed to us (possibly shared with other waiters) is never cancelled; a
    coroutine we wrapped ourselves is.
    """
    shared = asyncio.isfuture(awaitable)
    task: asyncio.Future[T] = asyncio.ensure_future(awaitable)
    waiting: set[asyncio.Future[Any]] = {task, lost}
    done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        return task.result()
    if not shared:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    raise ClientGone("client disconnected")


async def until_gone(lost: asyncio.Future[None], source: AsyncIterator[T]) -> AsyncIterator[T]:
    """Items of ``source`` until it ends or the client leaves (then it is closed quietly)."""
    try:
        while True:
            try:
                item = await unless_gone(lost, anext(source))
            except StopAsyncIteration:
                return
            except ClientGone:
                return
            yield item
    finally:
        aclose = getattr(source, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()

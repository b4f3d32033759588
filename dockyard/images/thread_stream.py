"""Run a blocking writer in a thread and hand what it writes to async code, with backpressure.

``docker save`` builds a tar with ``tarfile`` (blocking file reads and writes) while the HTTP
response is sent from the event loop. The writer thread blocks when the bounded queue is full,
so a slow client slows the tar, not memory. If the consumer stops early (client gone), the
next write in the thread raises (once; later writes are dropped) and the thread ends; the
generator waits for it, so no thread outlives the response.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from typing import IO

_QUEUE_CHUNKS = 8
_CHUNK = 1 << 16


class _Stopped(Exception):
    """The consumer went away; raised inside the writer thread to unwind it."""


class _QueueWriter:
    """A write-only file object whose bytes go to an asyncio queue, in chunks."""

    def __init__(self, put: Callable[[bytes], None], stopped: threading.Event) -> None:
        self._put = put
        self._stopped = stopped
        self._buffer = bytearray()
        self._raised = False

    def write(self, data: bytes) -> int:
        if self._stopped.is_set():
            if self._raised:  # late flushes (e.g. tarfile's finaliser) go nowhere
                return len(data)
            self._raised = True
            raise _Stopped
        self._buffer += data
        while len(self._buffer) >= _CHUNK:
            self._put(bytes(self._buffer[:_CHUNK]))
            del self._buffer[:_CHUNK]
        return len(data)

    def flush(self) -> None:
        if self._buffer and not self._stopped.is_set():
            self._put(bytes(self._buffer))
            self._buffer.clear()


async def stream_from_thread(write: Callable[[IO[bytes]], None]) -> AsyncIterator[bytes]:
    """Yield the bytes ``write(fileobj)`` writes, ``write`` running in a worker thread."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue(_QUEUE_CHUNKS)
    stopped = threading.Event()

    def put(item: bytes | BaseException | None) -> None:
        asyncio.run_coroutine_threadsafe(queue.put(item), loop).result()

    def run() -> None:
        writer = _QueueWriter(put, stopped)
        try:
            write(writer)  # type: ignore[arg-type]
            writer.flush()
        except _Stopped:
            put(None)
            return
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(exc)
            return
        put(None)

    worker = loop.run_in_executor(None, run)
    finished = False
    try:
        while True:
            item = await queue.get()
            if item is None or isinstance(item, BaseException):
                finished = True
                if item is None:
                    break
                raise item
            yield item
    finally:
        stopped.set()
        while not finished:
            item = await queue.get()
            finished = item is None or isinstance(item, BaseException)
        await worker

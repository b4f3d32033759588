"""Scratch space for import and load: spool the request body, run the heavy part in a thread.

Each operation gets its own ``<images>/tmp/dy-<kind>-XXXX`` directory, removed when the
operation ends however it ends. The blocking work runs in a worker thread; if the request is
cancelled meanwhile (client gone), we still wait for the thread before removing its directory,
so no thread writes into a directory that is being deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import TracebackType
from typing import TypeVar

T = TypeVar("T")

_SPOOL_BATCH = 1 << 20


class Scratch:
    """``async with Scratch(path) as path``: the directory is removed on exit."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def __aenter__(self) -> Path:
        return self.path

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await blocking(shutil.rmtree, self.path, True)


async def blocking(fn: Callable[..., T], *args: object) -> T:
    """``asyncio.to_thread`` that, when cancelled, lets the thread finish before re-raising."""
    task = asyncio.ensure_future(asyncio.to_thread(fn, *args))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(BaseException):  # the cancellation is what we report
            await task
        raise


async def spool(body: AsyncIterator[bytes], path: Path) -> int:
    """Write the request body to ``path`` in batches, off the event loop; return its size."""
    total = 0
    batch = bytearray()
    with open(path, "wb") as out:
        async for chunk in body:
            batch += chunk
            total += len(chunk)
            if len(batch) >= _SPOOL_BATCH:
                await blocking(out.write, bytes(batch))
                batch.clear()
        if batch:
            await blocking(out.write, bytes(batch))
    return total


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.rename(tmp, path)

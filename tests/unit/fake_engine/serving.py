"""Serving the real app over a FakeEngine on a real Unix socket, and raw-socket client helpers.

Tests are plain functions that run one scenario under ``asyncio.run`` (no async plugin needed):

    @api_test
    async def test_something(api: Served) -> None: ...
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from dockyard.api.server import build_app, serve_unix

from .engine import FakeEngine

SCENARIO_TIMEOUT = 30.0


@dataclass
class Served:
    """A FakeEngine behind the real app, with an aiohttp client on the same socket."""

    engine: FakeEngine
    socket_path: Path
    client: aiohttp.ClientSession

    @staticmethod
    def url(path: str) -> str:
        return "http://docker" + path


@contextlib.asynccontextmanager
async def serving(engine: FakeEngine | None = None) -> AsyncIterator[Served]:
    engine = engine or FakeEngine()
    directory = Path(tempfile.mkdtemp(prefix="dy-api-", dir="/tmp"))
    socket_path = directory / "docker.sock"
    runner = await serve_unix(build_app(engine), socket_path, shutdown_timeout=0.5)
    client = aiohttp.ClientSession(connector=aiohttp.UnixConnector(path=str(socket_path)))
    try:
        yield Served(engine=engine, socket_path=socket_path, client=client)
    finally:
        await client.close()
        await runner.cleanup()
        shutil.rmtree(directory, ignore_errors=True)


def api_test(test: Callable[[Served], Awaitable[None]]) -> Callable[[], None]:
    """Run an async test body against a fresh FakeEngine served on a real Unix socket."""

    def run() -> None:
        async def scenario() -> None:
            async with asyncio.timeout(SCENARIO_TIMEOUT), serving() as api:
                await test(api)

        asyncio.run(scenario())

    run.__name__, run.__doc__, run.__module__ = test.__name__, test.__doc__, test.__module__
    return run


async def raw_request(
    api: Served, request: str, body: bytes = b""
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bytes]:
    """Send a hand-written HTTP request head (``\\n`` line ends); return the stream and the
    response head."""
    reader, writer = await asyncio.open_unix_connection(str(api.socket_path))
    writer.write(request.replace("\n", "\r\n").encode() + b"\r\n" + body)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    return reader, writer, head


def hijack_request(path: str, *, upgrade: bool = True, body: bytes = b"") -> str:
    lines = [f"POST {path} HTTP/1.1", "Host: api.moby.localhost"]
    if upgrade:
        lines += ["Connection: Upgrade", "Upgrade: tcp"]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return "\n".join(lines) + "\n"


async def read_frames(reader: asyncio.StreamReader) -> list[tuple[int, bytes]]:
    """Multiplexed frames until the server closes the stream."""
    frames = []
    while header := await _read_exactly(reader, 8):
        stream, length = header[0], int.from_bytes(header[4:8], "big")
        frames.append((stream, await reader.readexactly(length)))
    return frames


async def _read_exactly(reader: asyncio.StreamReader, size: int) -> bytes:
    try:
        return await reader.readexactly(size)
    except asyncio.IncompleteReadError as exc:
        assert not exc.partial, f"stream cut inside a frame header: {exc.partial!r}"
        return b""

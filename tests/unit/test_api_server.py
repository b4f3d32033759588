"""``serve_unix``: the socket's mode, stale sockets, and refusing a live one."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.api.server import build_app, serve_unix
from dockyard.errors import Conflict
from tests.unit.fake_engine import FakeEngine, hijack_request


@contextlib.contextmanager
def socket_dir() -> Iterator[Path]:
    directory = Path(tempfile.mkdtemp(prefix="dy-api-", dir="/tmp"))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def test_the_socket_is_group_read_writable_only() -> None:
    async def scenario(path: Path) -> int:
        runner = await serve_unix(build_app(FakeEngine()), path)
        try:
            return stat.S_IMODE(path.stat().st_mode)
        finally:
            await runner.cleanup()

    with socket_dir() as directory:
        assert asyncio.run(scenario(directory / "d.sock")) == 0o660


def test_a_stale_socket_is_replaced() -> None:
    async def scenario(path: Path) -> None:
        runner = await serve_unix(build_app(FakeEngine()), path)
        try:
            _, writer = await asyncio.open_unix_connection(str(path))
            writer.close()
        finally:
            await runner.cleanup()

    with socket_dir() as directory:
        stale = socket.socket(socket.AF_UNIX)
        stale.bind(str(directory / "d.sock"))
        stale.close()
        asyncio.run(scenario(directory / "d.sock"))


def test_a_socket_another_process_listens_on_is_not_stolen() -> None:
    with socket_dir() as directory, socket.socket(socket.AF_UNIX) as live:
        live.bind(str(directory / "d.sock"))
        live.listen()
        with pytest.raises(Conflict, match="in use"):
            asyncio.run(serve_unix(build_app(FakeEngine()), directory / "d.sock"))


def test_shutting_down_closes_open_attach_streams_and_detaches() -> None:
    async def scenario(path: Path) -> tuple[bytes, bool, bool]:
        engine = FakeEngine()
        container_id, _ = await engine.create_container(
            name="bg", body={"Image": "busybox", "Cmd": ["sleep", "infinity"]}
        )
        await engine.start(container_id)
        runner = await serve_unix(build_app(engine), path, shutdown_timeout=0.2)
        reader, writer = await asyncio.open_unix_connection(str(path))
        request = hijack_request("/containers/bg/attach?stdout=1&stream=1") + "\n"
        writer.write(request.replace("\n", "\r\n").encode())
        await reader.readuntil(b"\r\n\r\n")
        (session, _, _) = engine.live[container_id].sessions[0]
        await runner.cleanup()
        rest = await reader.read()
        writer.close()
        for _ in range(100):  # the cancelled stream handler finishes on a later loop turn
            if session.detached:
                break
            await asyncio.sleep(0.01)
        return rest, session.detached, engine.get_container("bg").state.running

    with socket_dir() as directory:
        assert asyncio.run(scenario(directory / "d.sock")) == (b"", True, True)

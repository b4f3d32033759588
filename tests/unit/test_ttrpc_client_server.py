"""TtrpcClient and TtrpcServer talking over a real Unix socket."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

import pytest

from dockyard import errors
from dockyard.runtime.proto import ttrpc_pb2
from dockyard.runtime.ttrpc import (
    Code,
    Frame,
    MessageType,
    TtrpcClient,
    TtrpcConnectionError,
    TtrpcServer,
    TtrpcStatusError,
    TtrpcTimeoutError,
    encode_frame,
    read_frame,
)

Handler = Callable[[bytes, Mapping[str, str]], Awaitable[bytes]]


async def echo(payload: bytes, metadata: Mapping[str, str]) -> bytes:
    return payload


def serve(
    sock_dir: Path,
    handlers: dict[tuple[str, str], Handler],
    body: Callable[[TtrpcClient], Awaitable[None]],
) -> None:
    async def main() -> None:
        server = TtrpcServer(handlers=handlers)
        await server.start(sock_dir / "t.sock")
        client = await TtrpcClient.connect(f"unix://{sock_dir}/t.sock")
        try:
            await body(client)
        finally:
            await client.close()
            await server.close()

    asyncio.run(main())


def test_a_call_returns_the_handler_payload(sock_dir: Path) -> None:
    async def body(client: TtrpcClient) -> None:
        assert await client.call_raw("svc", "Echo", b"ping", timeout=5) == b"ping"

    serve(sock_dir, {("svc", "Echo"): echo}, body)


def test_request_metadata_reaches_the_handler(sock_dir: Path) -> None:
    seen: list[Mapping[str, str]] = []

    async def record(payload: bytes, metadata: Mapping[str, str]) -> bytes:
        seen.append(metadata)
        return b""

    async def main() -> None:
        server = TtrpcServer(handlers={("svc", "M"): record})
        await server.start(sock_dir / "t.sock")
        client = await TtrpcClient.connect(str(sock_dir / "t.sock"), metadata={"ns": "dy"})
        await client.call_raw("svc", "M", b"", timeout=5)
        await client.close()
        await server.close()

    asyncio.run(main())
    assert seen == [{"ns": "dy"}]


def test_concurrent_calls_on_one_connection_get_their_own_replies(sock_dir: Path) -> None:
    second_arrived = asyncio.Event()

    async def slow(payload: bytes, metadata: Mapping[str, str]) -> bytes:
        await second_arrived.wait()  # so the first call is answered after the second
        return b"first"

    async def fast(payload: bytes, metadata: Mapping[str, str]) -> bytes:
        second_arrived.set()
        return b"second"

    async def body(client: TtrpcClient) -> None:
        results = await asyncio.gather(
            client.call_raw("svc", "Slow", b"", timeout=5),
            client.call_raw("svc", "Fast", b"", timeout=5),
        )
        assert results == [b"first", b"second"]

    serve(sock_dir, {("svc", "Slow"): slow, ("svc", "Fast"): fast}, body)


def test_stream_ids_are_odd_and_increasing(sock_dir: Path) -> None:
    stream_ids: list[int] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                frame = await read_frame(reader)
            except TtrpcConnectionError:
                break
            stream_ids.append(frame.stream_id)
            reply = ttrpc_pb2.Response(payload=b"ok").SerializeToString()
            writer.write(
                encode_frame(
                    Frame(stream_id=frame.stream_id, type=MessageType.RESPONSE, data=reply)
                )
            )
        writer.close()

    async def main() -> None:
        server = await asyncio.start_unix_server(answer, path=str(sock_dir / "raw.sock"))
        client = await TtrpcClient.connect(str(sock_dir / "raw.sock"))
        for _ in range(3):
            await client.call_raw("svc", "M", b"", timeout=5)
        await client.close()
        server.close()
        await server.wait_closed()

    asyncio.run(main())
    assert stream_ids == [1, 3, 5]


@pytest.mark.parametrize(
    ("service", "method", "message"),
    [("other", "Echo", "service other"), ("svc", "Nope", "method Nope")],
    ids=["service", "method"],
)
def test_an_unknown_service_or_method_is_unimplemented(
    sock_dir: Path, service: str, method: str, message: str
) -> None:
    async def body(client: TtrpcClient) -> None:
        with pytest.raises(TtrpcStatusError) as caught:
            await client.call_raw(service, method, b"", timeout=5)
        assert (caught.value.code, caught.value.message) == (Code.UNIMPLEMENTED, message)

    serve(sock_dir, {("svc", "Echo"): echo}, body)


def test_a_status_error_raised_by_a_handler_reaches_the_caller(sock_dir: Path) -> None:
    async def refuse(payload: bytes, metadata: Mapping[str, str]) -> bytes:
        raise TtrpcStatusError(Code.NOT_FOUND, "container not created: not found")

    async def body(client: TtrpcClient) -> None:
        with pytest.raises(TtrpcStatusError) as caught:
            await client.call_raw("svc", "M", b"", timeout=5)
        assert (caught.value.code, caught.value.message) == (
            Code.NOT_FOUND,
            "container not created: not found",
        )

    serve(sock_dir, {("svc", "M"): refuse}, body)


def test_a_handler_crash_is_an_internal_error_and_the_connection_survives(
    sock_dir: Path,
) -> None:
    async def crash(payload: bytes, metadata: Mapping[str, str]) -> bytes:
        raise ValueError("boom")

    async def body(client: TtrpcClient) -> None:
        with pytest.raises(TtrpcStatusError) as caught:
            await client.call_raw("svc", "Crash", b"", timeout=5)
        assert caught.value.code == Code.INTERNAL
        assert await client.call_raw("svc", "Echo", b"still here", timeout=5) == b"still here"

    serve(sock_dir, {("svc", "Crash"): crash, ("svc", "Echo"): echo}, body)


def test_status_errors_are_runtime_failures() -> None:
    assert issubclass(TtrpcStatusError, errors.RuntimeFailure)


def test_pending_calls_fail_when_the_peer_hangs_up(sock_dir: Path) -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_frame(reader)
        writer.close()

    async def main() -> None:
        server = await asyncio.start_unix_server(hang_up, path=str(sock_dir / "raw.sock"))
        client = await TtrpcClient.connect(str(sock_dir / "raw.sock"))
        with pytest.raises(TtrpcConnectionError):
            await client.call_raw("svc", "M", b"", timeout=5)
        assert client.closed
        await client.close()
        server.close()
        await server.wait_closed()

    asyncio.run(main())


def test_a_call_without_a_reply_times_out(sock_dir: Path) -> None:
    async def never(payload: bytes, metadata: Mapping[str, str]) -> bytes:
        await asyncio.Event().wait()
        return b""

    async def body(client: TtrpcClient) -> None:
        with pytest.raises(TtrpcTimeoutError):
            await client.call_raw("svc", "Never", b"", timeout=0.05)

    serve(sock_dir, {("svc", "Never"): never}, body)


def test_dialing_a_missing_socket_is_a_connection_error(sock_dir: Path) -> None:
    with pytest.raises(TtrpcConnectionError, match="dial"):
        asyncio.run(TtrpcClient.connect(f"unix://{sock_dir}/missing.sock"))


def test_closing_the_server_removes_its_socket_file(sock_dir: Path) -> None:
    async def main() -> None:
        server = TtrpcServer(handlers={("svc", "Echo"): echo})
        await server.start(sock_dir / "t.sock")
        await server.close()

    asyncio.run(main())
    assert not (sock_dir / "t.sock").exists()

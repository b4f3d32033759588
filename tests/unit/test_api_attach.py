"""``POST /containers/{id}/attach``: the hijacked raw stream, both directions."""

from __future__ import annotations

import asyncio

from tests.unit.fake_engine import Served, api_test, hijack_request, raw_request, read_frames


async def create(api: Served, *cmd: str, **config: object) -> str:
    body = {"Image": "busybox", "Cmd": list(cmd), **config}
    async with api.client.post(api.url("/containers/create"), json=body) as resp:
        return (await resp.json())["Id"]


async def attach(api: Served, container_id: str, query: str = "stdout=1&stderr=1&stream=1"):  # noqa: ANN201
    path = f"/v1.45/containers/{container_id}/attach?{query}"
    return await raw_request(api, hijack_request(path))


@api_test
async def test_attach_answers_101_upgraded_with_dockers_headers(api: Served) -> None:
    container_id = await create(api, "true")
    _, writer, head = await attach(api, container_id)
    lines = head.decode().split("\r\n")
    assert lines[0] == "HTTP/1.1 101 UPGRADED"
    assert "Content-Type: application/vnd.docker.multiplexed-stream" in lines
    assert "Connection: Upgrade" in lines and "Upgrade: tcp" in lines
    assert "Api-Version: 1.45" in lines
    writer.close()


@api_test
async def test_output_arrives_as_frames_and_the_stream_ends_at_exit(api: Served) -> None:
    container_id = await create(api, "sh", "-c", "echo out1; echo err1 >&2; exit 3")
    reader, writer, _ = await attach(api, container_id)
    await api.engine.start(container_id)
    assert await read_frames(reader) == [(1, b"out1\n"), (2, b"err1\n")]
    writer.close()


@api_test
async def test_a_client_half_close_is_not_a_detach(api: Served) -> None:
    container_id = await create(api, "sh", "-c", "sleep 0.2; echo after")
    reader, writer, _ = await attach(api, container_id)
    writer.write_eof()
    await api.engine.start(container_id)
    assert await read_frames(reader) == [(1, b"after\n")]
    writer.close()


@api_test
async def test_stdin_reaches_the_container_and_its_close_ends_cat(api: Served) -> None:
    container_id = await create(api, "cat", OpenStdin=True, StdinOnce=True)
    reader, writer, _ = await attach(api, container_id, "stdin=1&stdout=1&stream=1")
    writer.write(b"hello\n")  # before start, as the CLI does: the engine buffers it
    writer.write_eof()
    await api.engine.start(container_id)
    assert await read_frames(reader) == [(1, b"hello\n")]
    assert api.engine.get_container(container_id).state.exit_code == 0
    writer.close()


@api_test
async def test_a_tty_container_streams_raw_bytes(api: Served) -> None:
    container_id = await create(api, "echo", "hi", Tty=True)
    reader, writer, head = await attach(api, container_id)
    assert b"Content-Type: application/vnd.docker.raw-stream" in head
    await api.engine.start(container_id)
    assert await reader.read() == b"hi\r\n"
    writer.close()


@api_test
async def test_a_client_without_upgrade_headers_gets_a_plain_200_stream(api: Served) -> None:
    container_id = await create(api, "echo", "old")
    path = f"/v1.24/containers/{container_id}/attach?stdout=1&stream=1"
    reader, writer, head = await raw_request(api, hijack_request(path, upgrade=False))
    assert head.startswith(b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream")
    await api.engine.start(container_id)
    assert await read_frames(reader) == [(1, b"old\n")]
    writer.close()


@api_test
async def test_the_detach_keys_end_the_stream_but_not_the_container(api: Served) -> None:
    container_id = await create(api, "cat", OpenStdin=True)
    await api.engine.start(container_id)
    reader, writer, _ = await attach(api, container_id, "stdin=1&stdout=1&stream=1")
    writer.write(b"one\n")
    assert await reader.readexactly(12) == b"\x01\x00\x00\x00\x00\x00\x00\x04one\n"
    writer.write(b"\x10\x11")
    assert await reader.read() == b""
    assert api.engine.get_container(container_id).state.running
    writer.close()


@api_test
async def test_a_client_that_disconnects_is_detached(api: Served) -> None:
    container_id = await create(api, "sleep", "infinity")
    await api.engine.start(container_id)
    _, writer, _ = await attach(api, container_id)
    (session, _, _) = api.engine.live[container_id].sessions[0]
    writer.transport.abort()
    for _ in range(100):
        if session.detached:
            break
        await asyncio.sleep(0.01)
    assert session.detached
    assert api.engine.get_container(container_id).state.running


@api_test
async def test_attaching_to_an_unknown_container_is_a_plain_404(api: Served) -> None:
    _, writer, head = await attach(api, "ghost")
    assert head.startswith(b"HTTP/1.1 404 Not Found")
    assert b"Content-Type: application/json\r\n" in head
    writer.close()


@api_test
async def test_the_connection_is_usable_for_a_request_after_a_refused_attach(api: Served) -> None:
    reader, writer, _ = await attach(api, "ghost")
    await reader.readuntil(b"}\n")
    writer.write(b"GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n")
    assert (await reader.readuntil(b"\r\n")).startswith(b"HTTP/1.1 200")
    writer.close()

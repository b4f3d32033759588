"""Exec endpoints: create, start (hijacked or detached), inspect, resize."""

from __future__ import annotations

import json

from tests.unit.fake_engine import Served, api_test, hijack_request, raw_request, read_frames


async def running_container(api: Served) -> str:
    body = {"Image": "busybox", "Cmd": ["sleep", "infinity"]}
    async with api.client.post(api.url("/containers/create"), json=body) as resp:
        container_id = (await resp.json())["Id"]
    await api.engine.start(container_id)
    return container_id


async def exec_create(api: Served, container_id: str, *cmd: str, tty: bool = False) -> str:
    body = {"Cmd": list(cmd), "AttachStdout": True, "AttachStderr": True, "Tty": tty}
    async with api.client.post(api.url(f"/containers/{container_id}/exec"), json=body) as resp:
        assert resp.status == 201
        return (await resp.json())["Id"]


async def exec_start(api: Served, exec_id: str, **body: object):  # noqa: ANN201
    payload = json.dumps(body).encode()
    request = hijack_request(f"/v1.45/exec/{exec_id}/start", body=payload)
    return await raw_request(api, request, payload)


@api_test
async def test_exec_create_without_a_command_is_a_bad_request(api: Served) -> None:
    container_id = await running_container(api)
    async with api.client.post(api.url(f"/containers/{container_id}/exec"), json={}) as resp:
        assert resp.status == 400
        assert await resp.json() == {"message": "No exec command specified"}


@api_test
async def test_exec_start_streams_frames_and_inspect_has_the_exit_code(api: Served) -> None:
    container_id = await running_container(api)
    exec_id = await exec_create(api, container_id, "sh", "-c", "echo out; echo err >&2; exit 4")
    reader, writer, head = await exec_start(api, exec_id, Detach=False, Tty=False)
    assert head.startswith(b"HTTP/1.1 101 UPGRADED\r\n")
    assert await read_frames(reader) == [(1, b"out\n"), (2, b"err\n")]
    writer.close()
    async with api.client.get(api.url(f"/exec/{exec_id}/json")) as resp:
        assert (await resp.json())["ExitCode"] == 4


@api_test
async def test_exec_start_with_a_tty_streams_raw_bytes(api: Served) -> None:
    container_id = await running_container(api)
    exec_id = await exec_create(api, container_id, "echo", "tty", tty=True)
    reader, writer, head = await exec_start(api, exec_id, Detach=False, Tty=True)
    assert b"Content-Type: application/vnd.docker.raw-stream" in head
    assert await reader.read() == b"tty\r\n"
    writer.close()


@api_test
async def test_a_detached_exec_start_answers_200_with_an_empty_body(api: Served) -> None:
    container_id = await running_container(api)
    exec_id = await exec_create(api, container_id, "true")
    async with api.client.post(api.url(f"/exec/{exec_id}/start"), json={"Detach": True}) as resp:
        assert resp.status == 200
        assert await resp.read() == b""


@api_test
async def test_starting_an_unknown_exec_is_not_found(api: Served) -> None:
    async with api.client.post(api.url("/exec/nope/start"), json={"Detach": False}) as resp:
        assert resp.status == 404
        assert await resp.json() == {"message": "No such exec instance: nope"}


@api_test
async def test_a_start_failure_after_the_hijack_is_reported_in_band(api: Served) -> None:
    container_id = await running_container(api)
    exec_id = await exec_create(api, container_id, "true")
    await api.engine.exec_start(exec_id, detach=True, tty=False)
    reader, writer, _ = await exec_start(api, exec_id, Detach=False, Tty=False)
    ((stream, message),) = await read_frames(reader)
    assert stream == 1 and b"has already run" in message
    writer.close()


@api_test
async def test_exec_resize_checks_the_exec_exists(api: Served) -> None:
    async with api.client.post(api.url("/exec/nope/resize?h=1&w=1")) as resp:
        assert resp.status == 404

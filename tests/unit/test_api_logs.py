"""``GET /containers/{id}/logs``: framing, timestamps, follow and validation."""

from __future__ import annotations

import asyncio

from tests.unit.fake_engine import Served, api_test


async def run(api: Served, *cmd: str, tty: bool = False, until_exit: bool = True) -> str:
    body = {"Image": "busybox", "Cmd": list(cmd), "Tty": tty}
    async with api.client.post(api.url("/containers/create"), json=body) as resp:
        container_id = (await resp.json())["Id"]
    waiter = await api.engine.wait(container_id, condition="next-exit")
    await api.engine.start(container_id)
    if until_exit:
        await waiter
    return container_id


@api_test
async def test_logs_need_stdout_or_stderr(api: Served) -> None:
    container_id = await run(api, "echo", "hi")
    async with api.client.get(api.url(f"/containers/{container_id}/logs")) as resp:
        assert resp.status == 400
        assert await resp.json() == {"message": "must specify at least one of 'stdout' or 'stderr'"}


@api_test
async def test_logs_of_a_container_without_tty_are_multiplexed_frames(api: Served) -> None:
    container_id = await run(api, "sh", "-c", "echo out; echo err >&2")
    url = api.url(f"/containers/{container_id}/logs?stdout=1&stderr=1")
    async with api.client.get(url) as resp:
        assert resp.headers["Content-Type"] == "application/vnd.docker.multiplexed-stream"
        body = await resp.read()
    assert body == b"\x01\x00\x00\x00\x00\x00\x00\x04out\n\x02\x00\x00\x00\x00\x00\x00\x04err\n"


@api_test
async def test_older_clients_get_the_raw_stream_media_type(api: Served) -> None:
    container_id = await run(api, "echo", "hi")
    async with api.client.get(api.url(f"/v1.41/containers/{container_id}/logs?stdout=1")) as resp:
        assert resp.headers["Content-Type"] == "application/vnd.docker.raw-stream"


@api_test
async def test_logs_of_a_tty_container_are_raw(api: Served) -> None:
    container_id = await run(api, "echo", "hi", tty=True)
    async with api.client.get(api.url(f"/containers/{container_id}/logs?stdout=1")) as resp:
        assert resp.headers["Content-Type"] == "application/vnd.docker.raw-stream"
        assert await resp.read() == b"hi\r\n"


@api_test
async def test_only_the_requested_stream_is_sent(api: Served) -> None:
    container_id = await run(api, "sh", "-c", "echo out; echo err >&2")
    async with api.client.get(api.url(f"/containers/{container_id}/logs?stderr=1")) as resp:
        assert await resp.read() == b"\x02\x00\x00\x00\x00\x00\x00\x04err\n"


@api_test
async def test_timestamps_have_nine_fractional_digits(api: Served) -> None:
    container_id = await run(api, "echo", "hi", tty=True)
    url = api.url(f"/containers/{container_id}/logs?stdout=1&timestamps=1")
    async with api.client.get(url) as resp:
        line = await resp.read()
    stamp, _, text = line.partition(b" ")
    assert text == b"hi\r\n"
    assert stamp.endswith(b"Z") and len(stamp.split(b".")[1]) == 10


@api_test
async def test_tail_keeps_the_last_lines(api: Served) -> None:
    container_id = await run(api, "sh", "-c", "echo a; echo b; echo c", tty=True)
    url = api.url(f"/containers/{container_id}/logs?stdout=1&tail=2")
    async with api.client.get(url) as resp:
        assert await resp.read() == b"b\r\nc\r\n"


@api_test
async def test_a_bad_tail_is_a_bad_request(api: Served) -> None:
    container_id = await run(api, "echo", "hi")
    async with api.client.get(api.url(f"/containers/{container_id}/logs?stdout=1&tail=x")) as resp:
        assert resp.status == 400


@api_test
async def test_follow_streams_new_lines_while_the_container_runs(api: Served) -> None:
    container_id = await run(api, "cat", tty=True, until_exit=False)
    url = api.url(f"/containers/{container_id}/logs?stdout=1&follow=1")
    async with api.client.get(url) as resp:
        assert resp.status == 200
        await api.engine.live[container_id].stdin.put(b"later\n")
        assert await resp.content.readuntil(b"\n") == b"later\r\n"
        await api.engine.kill(container_id, signal=None)
        assert await asyncio.wait_for(resp.read(), 5) == b""

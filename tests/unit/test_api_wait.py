"""``POST /containers/{id}/wait``: headers first, the exit code when it comes."""

from __future__ import annotations

import asyncio

from tests.unit.fake_engine import Served, api_test, raw_request


async def create(api: Served, *cmd: str, **host_config: object) -> str:
    body = {"Image": "busybox", "Cmd": list(cmd), "HostConfig": host_config}
    async with api.client.post(api.url("/containers/create"), json=body) as resp:
        return (await resp.json())["Id"]


@api_test
async def test_wait_sends_its_headers_before_the_container_even_starts(api: Served) -> None:
    container_id = await create(api, "sh", "-c", "exit 3")
    async with api.client.post(
        api.url(f"/containers/{container_id}/wait?condition=next-exit")
    ) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "application/json"
        assert not api.engine.get_container(container_id).has_been_started_before
        await api.engine.start(container_id)
        assert await resp.json() == {"StatusCode": 3, "Error": None}


@api_test
async def test_not_running_answers_at_once_for_a_stopped_container(api: Served) -> None:
    container_id = await create(api, "true")
    async with api.client.post(api.url(f"/containers/{container_id}/wait")) as resp:
        assert await resp.json() == {"StatusCode": 0, "Error": None}


@api_test
async def test_an_unknown_condition_is_a_bad_request(api: Served) -> None:
    container_id = await create(api, "true")
    async with api.client.post(api.url(f"/containers/{container_id}/wait?condition=x")) as resp:
        assert resp.status == 400
        assert await resp.json() == {"message": 'invalid condition: "x"'}


@api_test
async def test_waiting_on_an_unknown_container_is_not_found(api: Served) -> None:
    async with api.client.post(api.url("/containers/ghost/wait")) as resp:
        assert resp.status == 404


@api_test
async def test_removed_answers_after_auto_remove(api: Served) -> None:
    container_id = await create(api, "sh", "-c", "exit 2", AutoRemove=True)
    async with api.client.post(
        api.url(f"/containers/{container_id}/wait?condition=removed")
    ) as resp:
        await api.engine.start(container_id)
        assert await resp.json() == {"StatusCode": 2, "Error": None}
    assert container_id not in api.engine.containers


@api_test
async def test_a_client_leaving_a_wait_does_not_cancel_the_engines_wait(api: Served) -> None:
    container_id = await create(api, "sleep", "infinity")
    request = f"POST /containers/{container_id}/wait?condition=next-exit HTTP/1.1\nHost: x\n"
    _, writer, head = await raw_request(api, request)
    assert head.startswith(b"HTTP/1.1 200 OK")
    writer.close()
    await writer.wait_closed()
    await asyncio.sleep(0.05)
    (waiter,) = api.engine.live[container_id].exit_waiters
    assert not waiter.cancelled()
    async with api.client.get(api.url("/_ping")) as resp:
        assert resp.status == 200


@api_test
async def test_legacy_wait_sends_headers_with_the_result(api: Served) -> None:
    container_id = await create(api, "sh", "-c", "exit 4")
    await api.engine.start(container_id)
    async with api.client.post(api.url(f"/v1.29/containers/{container_id}/wait")) as resp:
        assert await resp.json() == {"StatusCode": 4, "Error": None}

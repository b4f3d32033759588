"""System endpoints (version, info, events) and built-in networks, volumes and plugins."""

from __future__ import annotations

import json
import time

from dockyard.api.routes.networks import network_id
from tests.unit.fake_engine import Served, api_test


@api_test
async def test_version_passes_the_engines_answer_through(api: Served) -> None:
    async with api.client.get(api.url("/v1.45/version")) as resp:
        assert (await resp.json())["ApiVersion"] == "1.45"


@api_test
async def test_info_passes_the_engines_answer_through(api: Served) -> None:
    async with api.client.get(api.url("/info")) as resp:
        assert (await resp.json())["Swarm"]["LocalNodeState"] == "inactive"


@api_test
async def test_events_stream_one_json_object_per_line_as_they_happen(api: Served) -> None:
    async with api.client.get(api.url('/events?filters={"type":{"container":true}}')) as resp:
        assert resp.status == 200
        await api.engine.create_container(name="ev", body={"Image": "busybox"})
        event = json.loads(await resp.content.readline())
    assert event["Action"] == "create"
    assert event["Actor"]["Attributes"]["name"] == "ev"


@api_test
async def test_container_events_get_the_legacy_fields(api: Served) -> None:
    container_id, _ = await api.engine.create_container(name="ev", body={"Image": "busybox"})
    async with api.client.get(api.url(f"/events?since=0&until={time.time() + 1:.9f}")) as resp:
        event = json.loads(await resp.content.readline())
    assert (event["status"], event["id"], event["from"]) == ("create", container_id, "busybox")


@api_test
async def test_events_with_a_past_until_replay_and_end(api: Served) -> None:
    await api.engine.create_container(name="ev", body={"Image": "busybox"})
    until = time.time() + 0.001
    async with api.client.get(api.url(f"/events?since=0&until={until:.9f}")) as resp:
        lines = (await resp.read()).splitlines()
    assert [json.loads(line)["Action"] for line in lines] == ["create"]


@api_test
async def test_events_since_after_until_is_a_bad_request(api: Served) -> None:
    async with api.client.get(api.url("/events?since=20&until=10")) as resp:
        assert resp.status == 400


@api_test
async def test_network_list_has_only_none_and_host(api: Served) -> None:
    async with api.client.get(api.url("/networks")) as resp:
        networks = await resp.json()
    assert sorted((n["Name"], n["Driver"]) for n in networks) == [
        ("host", "host"),
        ("none", "null"),
    ]


@api_test
async def test_a_built_in_network_is_found_by_id_prefix(api: Served) -> None:
    async with api.client.get(api.url(f"/networks/{network_id('host')[:12]}")) as resp:
        assert (await resp.json())["Name"] == "host"


@api_test
async def test_the_bridge_network_does_not_exist_yet(api: Served) -> None:
    async with api.client.get(api.url("/networks/bridge")) as resp:
        assert resp.status == 404
        assert await resp.json() == {"message": "network bridge not found"}


@api_test
async def test_volumes_are_not_found(api: Served) -> None:
    async with api.client.get(api.url("/volumes/data")) as resp:
        assert resp.status == 404
        assert await resp.json() == {"message": "get data: no such volume"}


@api_test
async def test_plugins_are_not_found(api: Served) -> None:
    async with api.client.get(api.url("/plugins/x/json")) as resp:
        assert resp.status == 404

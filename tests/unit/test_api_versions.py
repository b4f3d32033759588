"""Version negotiation, common headers, routing and error rendering of the Engine API."""

from __future__ import annotations

import asyncio

from dockyard.engine.container import Container
from tests.unit.fake_engine import FakeEngine, Served, api_test, serving

DOCKER_HEADERS = {
    "Api-Version": "1.45",
    "Ostype": "linux",
    "Docker-Experimental": "false",
}


@api_test
async def test_unversioned_paths_are_served(api: Served) -> None:
    async with api.client.get(api.url("/containers/json")) as resp:
        assert resp.status == 200
        assert await resp.json() == []


@api_test
async def test_versioned_paths_are_served(api: Served) -> None:
    async with api.client.get(api.url("/v1.41/containers/json")) as resp:
        assert resp.status == 200


@api_test
async def test_a_version_above_the_maximum_is_rejected_with_dockerd_wording(api: Served) -> None:
    async with api.client.get(api.url("/v1.99/containers/json")) as resp:
        assert resp.status == 400
        assert await resp.json() == {
            "message": "client version 1.99 is too new. Maximum supported API version is 1.45"
        }


@api_test
async def test_a_version_below_the_minimum_is_rejected(api: Served) -> None:
    async with api.client.get(api.url("/v1.12/info")) as resp:
        assert resp.status == 400
        assert (await resp.json())["message"].startswith(
            "client version 1.12 is too old. Minimum supported API version is 1.24"
        )


@api_test
async def test_every_response_carries_the_docker_headers(api: Served) -> None:
    async with api.client.get(api.url("/containers/nope/json")) as resp:
        assert resp.status == 404
        for key, value in DOCKER_HEADERS.items():
            assert resp.headers[key] == value
        assert resp.headers["Server"].startswith("Docker/")
        assert resp.headers["Server"].endswith(" (linux)")


@api_test
async def test_ping_with_head_has_an_empty_body_and_no_cache_headers(api: Served) -> None:
    async with api.client.head(api.url("/_ping")) as resp:
        assert resp.status == 200
        assert resp.headers["Api-Version"] == "1.45"
        assert resp.headers["Cache-Control"] == "no-cache, no-store, must-revalidate"
        assert resp.headers["Content-Length"] == "0"
        assert await resp.read() == b""


@api_test
async def test_ping_with_get_answers_ok(api: Served) -> None:
    async with api.client.get(api.url("/_ping")) as resp:
        assert await resp.text() == "OK"
        assert resp.headers["Content-Type"] == "text/plain; charset=utf-8"


@api_test
async def test_an_unknown_route_is_page_not_found(api: Served) -> None:
    async with api.client.get(api.url("/v1.45/nothing/here")) as resp:
        assert resp.status == 404
        assert await resp.json() == {"message": "page not found"}


@api_test
async def test_a_known_route_with_the_wrong_method_is_page_not_found(api: Served) -> None:
    async with api.client.put(api.url("/containers/json")) as resp:
        assert resp.status == 404
        assert await resp.json() == {"message": "page not found"}


@api_test
async def test_error_bodies_have_exactly_the_json_content_type(api: Served) -> None:
    async with api.client.get(api.url("/containers/nope/json")) as resp:
        assert resp.headers["Content-Type"] == "application/json"
        assert await resp.json() == {"message": "No such container: nope"}


@api_test
async def test_not_modified_is_a_304_with_an_empty_body(api: Served) -> None:
    async with api.client.post(
        api.url("/containers/create"), json={"Image": "busybox", "Cmd": ["sleep", "infinity"]}
    ) as resp:
        container_id = (await resp.json())["Id"]
    await api.client.post(api.url(f"/containers/{container_id}/start"))
    async with api.client.post(api.url(f"/containers/{container_id}/start")) as resp:
        assert resp.status == 304
        assert await resp.read() == b""


class BrokenEngine(FakeEngine):
    def list_containers(
        self, *, all: bool, limit: int | None, filters: dict[str, list[str]]
    ) -> list[Container]:
        raise RuntimeError("engine exploded")


def test_an_unexpected_exception_is_a_500_with_its_message() -> None:
    async def scenario() -> None:
        async with (
            serving(BrokenEngine()) as api,
            api.client.get(api.url("/containers/json")) as resp,
        ):
            assert resp.status == 500
            assert await resp.json() == {"message": "engine exploded"}

    asyncio.run(scenario())

"""Image endpoints: import, pull refusal, load, save, list, inspect, tag, remove."""

from __future__ import annotations

import hashlib

from dockyard.api.routes.images import familiar_name
from tests.unit.fake_engine import Served, api_test


@api_test
async def test_import_streams_the_body_and_ends_with_the_image_id(api: Served) -> None:
    url = api.url("/images/create?fromSrc=-&repo=web:1")
    async with api.client.post(url, data=b"rootfs-bytes") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "application/json"
        body = await resp.read()
    image_id = "sha256:" + hashlib.sha256(b"rootfs-bytes").hexdigest()
    assert body == b'{"status":"' + image_id.encode() + b'"}\r\n'
    assert api.engine.fake_images.resolve("web:1")["Id"] == image_id


@api_test
async def test_a_pull_is_refused_as_dockerd_refuses_an_unknown_repository(api: Served) -> None:
    url = api.url("/images/create?fromImage=docker.io/library/alpine&tag=latest")
    async with api.client.post(url) as resp:
        assert resp.status == 404
        assert await resp.json() == {
            "message": "pull access denied for alpine, repository does not exist or may "
            "require 'docker login'"
        }


def test_familiar_names_drop_the_default_registry_and_library() -> None:
    assert familiar_name("docker.io/library/busybox:latest") == "busybox"
    assert familiar_name("docker.io/someone/app") == "someone/app"
    assert familiar_name("localhost:5000/app:1") == "localhost:5000/app"


@api_test
async def test_load_answers_a_json_message_stream(api: Served) -> None:
    async with api.client.post(api.url("/images/load?quiet=1"), data=b"tar") as resp:
        assert await resp.read() == b'{"stream":"Loaded image: loaded:latest\\n"}\r\n'


@api_test
async def test_save_streams_a_tar(api: Served) -> None:
    async with api.client.get(api.url("/images/busybox/get")) as resp:
        assert resp.headers["Content-Type"] == "application/x-tar"
        assert (await resp.read()).startswith(b"tar-of-sha256:")


@api_test
async def test_saving_an_unknown_image_is_a_404_before_any_bytes(api: Served) -> None:
    async with api.client.get(api.url("/images/get?names=busybox&names=ghost")) as resp:
        assert resp.status == 404
        assert await resp.json() == {"message": "No such image: ghost"}


@api_test
async def test_image_names_with_slashes_and_colons_route_to_inspect(api: Served) -> None:
    await api.engine.images.import_image(
        _chunks(b"x"), repo="registry.local:5000/team/app", tag="v1", changes=[], message=""
    )
    async with api.client.get(
        api.url("/v1.45/images/registry.local:5000/team/app:v1/json")
    ) as resp:
        assert resp.status == 200
        assert (await resp.json())["RepoTags"] == ["registry.local:5000/team/app:v1"]


@api_test
async def test_image_list_adds_virtual_size_for_old_clients(api: Served) -> None:
    async with api.client.get(api.url("/v1.43/images/json")) as resp:
        (image,) = await resp.json()
    assert image["VirtualSize"] == image["Size"]


@api_test
async def test_tag_answers_201(api: Served) -> None:
    async with api.client.post(api.url("/images/busybox/tag?repo=mine&tag=2")) as resp:
        assert resp.status == 201
    assert "mine:2" in api.engine.fake_images.resolve("busybox")["RepoTags"]


@api_test
async def test_remove_answers_the_list_of_untagged_and_deleted(api: Served) -> None:
    image_id = api.engine.fake_images.resolve("busybox")["Id"]
    async with api.client.delete(api.url("/images/busybox:latest?force=1")) as resp:
        assert await resp.json() == [{"Untagged": "busybox:latest"}, {"Deleted": image_id}]


async def _chunks(data: bytes):  # noqa: ANN202
    yield data

"""Container endpoints with one answer: create, list, inspect and the lifecycle verbs."""

from __future__ import annotations

from typing import Any

from tests.unit.fake_engine import Served, api_test


async def create(api: Served, *cmd: str, name: str | None = None, **config: Any) -> str:
    params = {"name": name} if name else {}
    body = {"Image": "busybox", "Cmd": list(cmd) or ["sleep", "infinity"], **config}
    async with api.client.post(api.url("/containers/create"), params=params, json=body) as resp:
        assert resp.status == 201, await resp.text()
        return (await resp.json())["Id"]


async def start(api: Served, ref: str) -> None:
    async with api.client.post(api.url(f"/containers/{ref}/start")) as resp:
        assert resp.status == 204, await resp.text()


@api_test
async def test_create_answers_201_with_the_id_and_no_warnings(api: Served) -> None:
    async with api.client.post(
        api.url("/v1.45/containers/create?name=web"), json={"Image": "busybox"}
    ) as resp:
        assert resp.status == 201
        body = await resp.json()
    assert body == {"Id": api.engine.get_container("web").id, "Warnings": []}


@api_test
async def test_create_with_a_name_in_use_is_a_conflict(api: Served) -> None:
    await create(api, name="web")
    async with api.client.post(
        api.url("/containers/create?name=web"), json={"Image": "busybox"}
    ) as resp:
        assert resp.status == 409
        assert 'The container name "/web" is already in use' in (await resp.json())["message"]


@api_test
async def test_create_from_an_unknown_image_is_not_found(api: Served) -> None:
    async with api.client.post(api.url("/containers/create"), json={"Image": "nope"}) as resp:
        assert resp.status == 404
        assert await resp.json() == {"message": "No such image: nope"}


@api_test
async def test_create_with_a_body_that_is_not_json_is_a_bad_request(api: Served) -> None:
    async with api.client.post(api.url("/containers/create"), data=b"{nope") as resp:
        assert resp.status == 400
        assert (await resp.json())["message"].startswith("invalid JSON")


@api_test
async def test_list_without_all_shows_only_running_containers(api: Served) -> None:
    running = await create(api, name="up")
    await create(api, name="idle")
    await start(api, running)
    async with api.client.get(api.url("/containers/json")) as resp:
        assert [c["Names"] for c in await resp.json()] == [["/up"]]


@api_test
async def test_list_elements_have_dockers_summary_shape(api: Served) -> None:
    await create(api, "sh", "-c", "echo hi", name="one", Labels={"a": "b"})
    async with api.client.get(api.url("/containers/json?all=1")) as resp:
        (summary,) = await resp.json()
    assert summary["Names"] == ["/one"]
    assert summary["Command"] == "sh -c 'echo hi'"
    assert summary["State"] == "created"
    assert summary["Status"] == "Created"
    assert summary["Labels"] == {"a": "b"}
    assert summary["HostConfig"] == {"NetworkMode": "default"}
    assert summary["NetworkSettings"] == {"Networks": {}}
    assert isinstance(summary["Created"], int)
    assert summary["Ports"] == [] and summary["Mounts"] == []


@api_test
async def test_list_passes_filters_to_the_engine(api: Served) -> None:
    await create(api, name="web-1")
    await create(api, name="db")
    filters = '{"name":{"web":true}}'
    async with api.client.get(
        api.url("/containers/json"), params={"all": "1", "filters": filters}
    ) as resp:
        assert [c["Names"][0] for c in await resp.json()] == ["/web-1"]


@api_test
async def test_inspect_has_dockers_top_level_keys(api: Served) -> None:
    container_id = await create(api, name="web")
    async with api.client.get(api.url("/containers/web/json")) as resp:
        body = await resp.json()
    assert body["Id"] == container_id
    assert body["Name"] == "/web"
    assert body["State"]["Status"] == "created"
    assert body["State"]["StartedAt"] == "0001-01-01T00:00:00Z"
    assert body["Path"] == "sleep" and body["Args"] == ["infinity"]
    assert body["Driver"] == "overlay2" and body["Platform"] == "linux"
    assert body["Config"]["Image"] == "busybox"
    assert body["HostConfig"]["LogConfig"]["Type"] == "json-file"
    assert body["RestartCount"] == 0 and body["ExecIDs"] is None


@api_test
async def test_inspect_of_an_unknown_container_is_not_found(api: Served) -> None:
    async with api.client.get(api.url("/containers/ghost/json")) as resp:
        assert resp.status == 404
        assert await resp.json() == {"message": "No such container: ghost"}


@api_test
async def test_start_with_a_host_config_body_is_refused(api: Served) -> None:
    container_id = await create(api)
    async with api.client.post(
        api.url(f"/containers/{container_id}/start"), json={"Binds": ["/a:/b"]}
    ) as resp:
        assert resp.status == 400
        assert "non-empty request body" in (await resp.json())["message"]


@api_test
async def test_start_with_an_empty_json_object_is_accepted(api: Served) -> None:
    container_id = await create(api)
    async with api.client.post(api.url(f"/containers/{container_id}/start"), data=b"{}") as resp:
        assert resp.status == 204


@api_test
async def test_stopping_a_stopped_container_is_not_modified(api: Served) -> None:
    container_id = await create(api)
    async with api.client.post(api.url(f"/containers/{container_id}/stop?t=1")) as resp:
        assert resp.status == 304


@api_test
async def test_stop_ends_a_running_container(api: Served) -> None:
    container_id = await create(api)
    await start(api, container_id)
    async with api.client.post(api.url(f"/containers/{container_id}/stop")) as resp:
        assert resp.status == 204
    assert api.engine.get_container(container_id).state.exit_code == 143


@api_test
async def test_stop_with_a_bad_timeout_is_a_bad_request(api: Served) -> None:
    container_id = await create(api)
    async with api.client.post(api.url(f"/containers/{container_id}/stop?t=soon")) as resp:
        assert resp.status == 400


@api_test
async def test_kill_passes_the_signal(api: Served) -> None:
    container_id = await create(api)
    await start(api, container_id)
    async with api.client.post(api.url(f"/containers/{container_id}/kill?signal=HUP")) as resp:
        assert resp.status == 204
    assert api.engine.get_container(container_id).state.exit_code == 129


@api_test
async def test_killing_a_container_that_is_not_running_is_a_conflict(api: Served) -> None:
    container_id = await create(api, name="idle")
    async with api.client.post(api.url("/containers/idle/kill")) as resp:
        assert resp.status == 409
        assert await resp.json() == {
            "message": f"Cannot kill container: idle: Container {container_id} is not running"
        }


@api_test
async def test_restart_starts_a_stopped_container(api: Served) -> None:
    container_id = await create(api)
    async with api.client.post(api.url(f"/containers/{container_id}/restart?t=0")) as resp:
        assert resp.status == 204
    assert api.engine.get_container(container_id).state.running


@api_test
async def test_removing_a_running_container_without_force_is_a_conflict(api: Served) -> None:
    container_id = await create(api)
    await start(api, container_id)
    async with api.client.delete(api.url(f"/containers/{container_id}")) as resp:
        assert resp.status == 409


@api_test
async def test_force_removal_removes_a_running_container(api: Served) -> None:
    container_id = await create(api)
    await start(api, container_id)
    async with api.client.delete(api.url(f"/containers/{container_id}?force=1&v=1")) as resp:
        assert resp.status == 204
    assert container_id not in api.engine.containers


@api_test
async def test_removing_a_link_is_not_implemented(api: Served) -> None:
    container_id = await create(api)
    async with api.client.delete(api.url(f"/containers/{container_id}?link=1")) as resp:
        assert resp.status == 501
    assert container_id in api.engine.containers


@api_test
async def test_rename_gives_the_container_its_new_name(api: Served) -> None:
    container_id = await create(api, name="old")
    async with api.client.post(api.url("/containers/old/rename?name=new")) as resp:
        assert resp.status == 204
    assert api.engine.get_container("new").id == container_id


@api_test
async def test_update_answers_null_warnings(api: Served) -> None:
    container_id = await create(api)
    policy = {"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3}}
    async with api.client.post(api.url(f"/containers/{container_id}/update"), json=policy) as resp:
        assert resp.status == 200
        assert await resp.json() == {"Warnings": None}
    assert (
        api.engine.get_container(container_id).host_config["RestartPolicy"]["Name"] == "on-failure"
    )


@api_test
async def test_top_lists_processes_with_titles(api: Served) -> None:
    container_id = await create(api)
    await start(api, container_id)
    async with api.client.get(api.url(f"/containers/{container_id}/top?ps_args=aux")) as resp:
        body = await resp.json()
    assert body["Titles"][1] == "PID"
    assert body["Processes"][0][-1] == "sleep infinity"


@api_test
async def test_resize_passes_height_and_width(api: Served) -> None:
    container_id = await create(api)
    await start(api, container_id)
    async with api.client.post(api.url(f"/containers/{container_id}/resize?h=40&w=120")) as resp:
        assert resp.status == 200
    assert api.engine.live[container_id].size == (40, 120)


@api_test
async def test_resize_without_a_width_is_a_bad_request(api: Served) -> None:
    container_id = await create(api)
    async with api.client.post(api.url(f"/containers/{container_id}/resize?h=40")) as resp:
        assert resp.status == 400
        assert await resp.json() == {"message": 'invalid resize width "": invalid syntax'}

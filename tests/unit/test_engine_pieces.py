"""Pure engine pieces: names, event filters, json-file logs, create-body defaults."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from dockyard.engine.container import Container
from dockyard.engine.container_factory import build_container
from dockyard.engine.events import EventBus, make_event, matches
from dockyard.engine.facade import LogOptions
from dockyard.engine.json_log import JsonLogWriter, read_log
from dockyard.engine.names import NameIndex, validate_name
from dockyard.engine.signals import parse_signal
from dockyard.errors import Conflict, InvalidParameter, NotFound

IMAGE = {"config": {"Cmd": ["sh"], "Env": ["PATH=/bin", "A=1"], "Labels": {"img": "x"}}}


def make(body: dict) -> Container:
    return build_container(
        container_id="a" * 64,
        name="c",
        body={"Image": "busybox", **body},
        image_id="sha256:" + "b" * 64,
        image_config=IMAGE,
        default_runtime="runc",
    )


def test_names_resolve_by_name_id_and_unique_prefix() -> None:
    index = NameIndex()
    index.reserve("web", "abc123" + "0" * 58)
    index.reserve("db", "abd456" + "0" * 58)
    assert index.resolve("web").startswith("abc123")
    assert index.resolve("/db").startswith("abd456")
    assert index.resolve("abc").startswith("abc123")
    with pytest.raises(InvalidParameter):
        index.resolve("ab")
    with pytest.raises(NotFound, match="No such container: zzz"):
        index.resolve("zzz")


def test_a_taken_name_is_a_conflict() -> None:
    index = NameIndex()
    index.reserve("web", "1" * 64)
    with pytest.raises(Conflict, match='The container name "/web" is already in use'):
        index.reserve("web", "2" * 64)


def test_invalid_names_are_refused_with_dockers_message() -> None:
    with pytest.raises(InvalidParameter, match=r"Invalid container name \(a b\)"):
        validate_name("a b")


def test_signals_are_parsed_in_every_docker_form() -> None:
    assert parse_signal("SIGTERM") == parse_signal("term") == parse_signal("15") == 15
    assert parse_signal(None) == 9
    with pytest.raises(InvalidParameter, match="Invalid signal: BOGUS"):
        parse_signal("BOGUS")


def test_image_defaults_fill_the_create_body() -> None:
    container = make({"Env": ["A=2", "B=3"], "Labels": {"mine": "y"}})
    assert container.path == "sh"
    assert container.config["Env"] == ["PATH=/bin", "A=2", "B=3"]
    assert container.config["Labels"] == {"img": "x", "mine": "y"}
    assert container.config["Hostname"] == "a" * 12
    assert container.host_config["RestartPolicy"] == {"Name": "no", "MaximumRetryCount": 0}


def test_an_entrypoint_drops_the_image_cmd() -> None:
    container = make({"Entrypoint": ["echo"]})
    assert (container.path, container.args) == ("echo", [])


def test_a_container_without_any_command_is_refused() -> None:
    with pytest.raises(InvalidParameter, match="No command specified"):
        build_container(
            container_id="a" * 64,
            name="c",
            body={"Image": "x"},
            image_id="sha256:x",
            image_config={"config": {}},
            default_runtime="runc",
        )


def test_event_filters_match_like_docker() -> None:
    event = make_event("container", "die", "f" * 64, {"name": "web", "image": "busybox"})
    assert matches(event, {"type": ["container"], "event": ["die"]})
    assert matches(event, {"container": ["web"]})
    assert not matches(event, {"event": ["start"]})
    assert event["Actor"]["Attributes"]["image"] == "busybox"


def test_event_subscribers_get_live_events_and_since_replays() -> None:
    async def scenario() -> list[str]:
        bus = EventBus()
        bus.publish("container", "create", "1" * 64, {"name": "a"})
        seen: list[str] = []

        async def reader() -> None:
            async for event in bus.subscribe(since=0):
                seen.append(event["Action"])
                if len(seen) == 2:
                    return

        task = asyncio.create_task(reader())
        await asyncio.sleep(0)
        bus.publish("container", "start", "1" * 64, {"name": "a"})
        await asyncio.wait_for(task, 2)
        return seen

    assert asyncio.run(scenario()) == ["create", "start"]


def test_json_log_lines_have_dockers_shape_and_tail_works(tmp_path: Path) -> None:
    path = tmp_path / "c-json.log"

    async def scenario() -> list[bytes]:
        writer = JsonLogWriter(path)
        writer.write("stdout", b"one\ntw")
        writer.write("stdout", b"o\nthree\n")
        writer.write("stderr", b"err\n")
        return [r.data async for r in read_log(path, LogOptions(tail=2), None)]

    assert asyncio.run(scenario()) == [b"three\n", b"err\n"]
    first = json.loads(path.read_text().splitlines()[0])
    assert set(first) == {"log", "stream", "time"}
    assert first["log"] == "one\n" and first["time"].endswith("Z")
    assert len(first["time"].split(".")[1]) == 10  # nine digits and the Z


def test_following_a_log_gets_new_lines_once_and_ends_with_the_container(tmp_path: Path) -> None:
    path = tmp_path / "c-json.log"

    async def scenario() -> list[bytes]:
        writer = JsonLogWriter(path)
        writer.write("stdout", b"old\n")
        got: list[bytes] = []

        async def follow() -> None:
            async for record in read_log(path, LogOptions(follow=True), writer):
                got.append(record.data)

        task = asyncio.create_task(follow())
        await asyncio.sleep(0.05)
        writer.write("stdout", b"new\n")
        writer.end_followers()
        await asyncio.wait_for(task, 2)
        return got

    assert asyncio.run(scenario()) == [b"old\n", b"new\n"]


def test_stored_records_with_unknown_fields_still_load() -> None:
    data = make({}).to_json()
    data["field_from_the_future"] = 1
    data["state"]["also_new"] = True
    loaded = Container.from_json(data)
    assert loaded.id == "a" * 64 and loaded.state.status.value == "created"


def test_a_field_of_the_wrong_type_is_refused_like_gos_decoder() -> None:
    with pytest.raises(InvalidParameter) as err:
        make({"HostConfig": {"Memory": "lots"}})
    assert str(err.value) == (
        "json: cannot unmarshal string into Go struct field HostConfig.Memory of type int64"
    )
    with pytest.raises(InvalidParameter, match="Config.Tty of type bool"):
        make({"Tty": 1})

"""Container verbs other than run: what they send, print and exit with."""

from __future__ import annotations

import json
import time

import pytest
from aiohttp import web

from dockyard.cli.frames import StreamType, encode_frame
from tests.unit.test_cli_stub_engine import (
    CONTAINER_ID,
    StubEngine,
    hijack_and_send,
    run_dockyard,
)


def test_ps_prints_a_docker_table(stub: StubEngine) -> None:
    stub.reply(
        "GET",
        "/containers/json",
        json_body=[
            {
                "Id": CONTAINER_ID,
                "Names": ["/web"],
                "Image": "bb",
                "Command": "sleep 300",
                "Created": int(time.time()) - 3600,
                "Ports": [],
                "Status": "Up About an hour",
            }
        ],
    )
    header, row = run_dockyard(stub, "ps").stdout.splitlines()
    assert header == (
        "CONTAINER ID   IMAGE     COMMAND       CREATED             "
        "STATUS             PORTS     NAMES"
    )
    assert row == (
        f'{CONTAINER_ID[:12]}   bb        "sleep 300"   About an hour ago   '
        "Up About an hour             web"
    )


def test_ps_quiet_prints_short_ids_only(stub: StubEngine) -> None:
    stub.reply("GET", "/containers/json", json_body=[{"Id": CONTAINER_ID, "Created": 0}])
    assert run_dockyard(stub, "ps", "-q").stdout == CONTAINER_ID[:12] + "\n"


def test_ps_flags_become_the_docker_query(stub: StubEngine) -> None:
    stub.reply("GET", "/containers/json", json_body=[])
    run_dockyard(stub, "ps", "-n", "2", "--filter", "status=exited")
    call = stub.calls("GET", "/containers/json")[0]
    assert (call.param("all"), call.param("limit")) == ("1", "2")
    assert json.loads(call.param("filters") or "") == {"status": {"exited": True}}


@pytest.mark.parametrize(
    "argv",
    [
        ["ps", "--format", "{{frobnicate .ID}}"],
        ["images", "--format", "{{frobnicate .ID}}"],
        ["inspect", "-f", "{{frobnicate .Id}}", "web"],
        ["events", "--format", "{{frobnicate .Action}}"],
    ],
    ids=["ps", "images", "inspect", "events"],
)
def test_a_bad_format_template_is_reported_as_a_parsing_error(
    stub: StubEngine, argv: list[str]
) -> None:
    stub.reply("GET", "/containers/json", json_body=[{"Id": CONTAINER_ID, "Created": 0}])
    stub.reply("GET", "/images/json", json_body=[{"Id": "sha256:1", "Created": 0}])
    stub.reply("GET", "/containers/web/json", json_body={"Id": CONTAINER_ID})
    result = run_dockyard(stub, *argv)
    assert (result.status, result.stderr) == (
        1,
        'template parsing error: function "frobnicate" not defined\n',
    )


def test_stop_prints_each_name_it_was_given(stub: StubEngine) -> None:
    stub.reply("POST", "/containers/web/stop", status=204)
    stub.reply("POST", "/containers/db/stop", status=304)
    result = run_dockyard(stub, "stop", "web", "db")
    assert (result.status, result.stdout) == (0, "web\ndb\n")


@pytest.mark.parametrize(
    ("verb", "flags", "query"),
    [
        ("stop", ["-t", "3", "-s", "SIGUSR1"], {"t": ["3"], "signal": ["SIGUSR1"]}),
        ("restart", ["--time", "0", "--signal", "KILL"], {"t": ["0"], "signal": ["KILL"]}),
    ],
)
def test_stop_and_restart_send_the_timeout_and_signal_only_when_given(
    stub: StubEngine, verb: str, flags: list[str], query: dict[str, list[str]]
) -> None:
    stub.reply("POST", f"/containers/web/{verb}", status=204)
    run_dockyard(stub, verb, "web")
    run_dockyard(stub, verb, *flags, "web")
    plain, timed = stub.calls("POST", f"/containers/web/{verb}")
    assert (plain.query, timed.query) == ({}, query)


@pytest.mark.parametrize(
    ("verb", "summary"),
    [("kill", ""), ("start", "Error: failed to start containers: gone\n")],
)
def test_a_failure_on_one_container_is_reported_and_exits_1(
    stub: StubEngine, verb: str, summary: str
) -> None:
    stub.reply("POST", f"/containers/web/{verb}", status=204)
    stub.error("POST", f"/containers/gone/{verb}", status=404, message="No such container: gone")
    result = run_dockyard(stub, verb, "gone", "web")
    assert (result.status, result.stdout, result.stderr) == (
        1,
        "web\n",
        "Error response from daemon: No such container: gone\n" + summary,
    )


def test_kill_sends_the_signal(stub: StubEngine) -> None:
    stub.reply("POST", "/containers/web/kill", status=204)
    run_dockyard(stub, "kill", "-s", "HUP", "web")
    assert stub.calls("POST", "/containers/web/kill")[0].param("signal") == "HUP"


def test_forced_removal_of_a_missing_container_still_exits_0(stub: StubEngine) -> None:
    stub.error("DELETE", "/containers/gone", status=404, message="No such container: gone")
    result = run_dockyard(stub, "rm", "-f", "gone")
    assert (result.status, result.stderr) == (
        0,
        "Error response from daemon: No such container: gone\n",
    )


def test_removal_of_a_running_container_fails(stub: StubEngine) -> None:
    stub.error("DELETE", "/containers/web", status=409, message="cannot remove running container")
    assert run_dockyard(stub, "rm", "web").status == 1


def test_wait_prints_the_exit_code(stub: StubEngine) -> None:
    stub.reply("POST", "/containers/web/wait", json_body={"StatusCode": 3, "Error": None})
    assert run_dockyard(stub, "wait", "web").stdout == "3\n"


def test_update_sends_restart_memory_and_cpus(stub: StubEngine) -> None:
    stub.reply("POST", "/containers/web/update", json_body={"Warnings": None})
    result = run_dockyard(
        stub, "update", "--restart", "on-failure:3", "-m", "1g", "--cpus", "2", "web"
    )
    assert result.stdout == "web\n"
    assert stub.calls("POST", "/containers/web/update")[0].json() == {
        "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3},
        "Memory": 1024**3,
        "NanoCpus": 2_000_000_000,
    }


def test_update_without_restart_leaves_the_policy_unchanged(stub: StubEngine) -> None:
    stub.reply("POST", "/containers/web/update", json_body={"Warnings": None})
    run_dockyard(stub, "update", "-m", "64m", "web")
    body = stub.calls("POST", "/containers/web/update")[0].json()
    assert body["RestartPolicy"] == {"Name": "", "MaximumRetryCount": 0}


def test_update_without_flags_is_refused(stub: StubEngine) -> None:
    result = run_dockyard(stub, "update", "web")
    assert (result.status, result.stderr) == (
        1,
        "you must provide one or more flags when using this command\n",
    )


def test_rename_sends_the_new_name(stub: StubEngine) -> None:
    stub.reply("POST", "/containers/web/rename", status=204)
    run_dockyard(stub, "rename", "web", "api")
    assert stub.calls("POST", "/containers/web/rename")[0].param("name") == "api"


def test_a_failed_rename_names_the_container(stub: StubEngine) -> None:
    stub.error("POST", "/containers/ghost/rename", status=404, message="No such container: ghost")
    result = run_dockyard(stub, "rename", "ghost", "api")
    assert (result.status, result.stderr) == (
        1,
        "Error response from daemon: No such container: ghost\n"
        "Error: failed to rename container named ghost\n",
    )


def test_top_prints_the_process_table(stub: StubEngine) -> None:
    stub.reply(
        "GET",
        "/containers/web/top",
        json_body={
            "Titles": ["PID", "CMD"],
            "Processes": [["4242", "sleep 300"]],
        },
    )
    assert run_dockyard(stub, "top", "web").stdout.splitlines() == [
        "PID                 CMD",
        "4242                sleep 300",
    ]


def test_inspect_prints_a_json_array_indented_like_docker(stub: StubEngine) -> None:
    stub.reply("GET", "/containers/web/json", json_body={"Id": "abc", "State": {"Pid": 7}})
    assert run_dockyard(stub, "inspect", "web").stdout.splitlines() == [
        "[",
        "    {",
        '        "Id": "abc",',
        '        "State": {',
        '            "Pid": 7',
        "        }",
        "    }",
        "]",
    ]


def test_inspect_format_renders_each_object(stub: StubEngine) -> None:
    stub.reply("GET", "/containers/web/json", json_body={"State": {"Status": "exited"}})
    assert run_dockyard(stub, "inspect", "-f", "{{.State.Status}}", "web").stdout == "exited\n"


def test_inspect_falls_back_to_images(stub: StubEngine) -> None:
    stub.reply("GET", "/images/bb/json", json_body={"Id": "sha256:1"})
    result = run_dockyard(stub, "inspect", "-f", "{{.Id}}", "bb")
    assert (result.status, result.stdout) == (0, "sha256:1\n")


def test_inspect_of_nothing_known_says_no_such_object(stub: StubEngine) -> None:
    result = run_dockyard(stub, "inspect", "ghost")
    assert (result.status, result.stdout, result.stderr) == (
        1,
        "[]\n",
        "Error: No such object: ghost\n",
    )


def test_logs_splits_stdout_and_stderr(stub: StubEngine) -> None:
    stub.reply(
        "GET", "/containers/web/json", json_body={"Id": CONTAINER_ID, "Config": {"Tty": False}}
    )
    frames = encode_frame(StreamType.STDOUT, b"out\n") + encode_frame(StreamType.STDERR, b"err\n")
    stub.reply("GET", f"/containers/{CONTAINER_ID}/logs", body=frames)
    result = run_dockyard(stub, "logs", "web")
    assert (result.stdout, result.stderr) == ("out\n", "err\n")


def test_logs_of_a_tty_container_are_copied_raw(stub: StubEngine) -> None:
    stub.reply(
        "GET", "/containers/web/json", json_body={"Id": CONTAINER_ID, "Config": {"Tty": True}}
    )
    stub.reply("GET", f"/containers/{CONTAINER_ID}/logs", body=b"a\r\n")
    assert run_dockyard(stub, "logs", "web").stdout == "a\r\n"


def test_logs_flags_become_the_docker_query(stub: StubEngine) -> None:
    stub.reply("GET", "/containers/web/json", json_body={"Id": CONTAINER_ID, "Config": {}})
    stub.reply("GET", f"/containers/{CONTAINER_ID}/logs", body=b"")
    run_dockyard(stub, "logs", "-f", "-t", "--tail", "5", "--since", "1700000000", "web")
    assert stub.calls("GET", f"/containers/{CONTAINER_ID}/logs")[0].query == {
        "stdout": ["1"],
        "stderr": ["1"],
        "tail": ["5"],
        "follow": ["1"],
        "timestamps": ["1"],
        "since": ["1700000000"],
    }


def test_exec_exits_with_the_process_exit_code(stub: StubEngine) -> None:
    stub.reply("POST", "/containers/web/exec", status=201, json_body={"Id": "e1"})

    async def start(request: web.Request) -> web.StreamResponse:
        return await hijack_and_send(request, encode_frame(StreamType.STDOUT, b"hi\n"))

    stub.handle("POST", "/exec/e1/start", start)
    stub.reply("GET", "/exec/e1/json", json_body={"ExitCode": 5, "Running": False})
    result = run_dockyard(stub, "exec", "web", "sh", "-c", "echo hi; exit 5")
    assert (result.status, result.stdout) == (5, "hi\n")
    assert stub.calls("POST", "/containers/web/exec")[0].json()["Cmd"] == [
        "sh",
        "-c",
        "echo hi; exit 5",
    ]


def test_detached_exec_does_not_hijack(stub: StubEngine) -> None:
    stub.reply("POST", "/containers/web/exec", status=201, json_body={"Id": "e1"})
    stub.reply("POST", "/exec/e1/start", status=200, text="")
    result = run_dockyard(stub, "exec", "-d", "web", "sleep", "5")
    assert result.status == 0
    assert stub.calls("POST", "/exec/e1/start")[0].json() == {"Detach": True, "Tty": False}

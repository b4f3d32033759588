"""`run`, `create`, `start -a` and `attach` against a scripted engine: requests and exit codes."""

from __future__ import annotations

import pytest

from dockyard.cli.frames import StreamType
from tests.unit.test_cli_stub_engine import (
    CONTAINER_ID,
    ScriptedRun,
    StubEngine,
    run_dockyard,
)

BASE = f"/containers/{CONTAINER_ID}"


def test_attached_run_splits_streams_and_exits_with_the_container_code(stub: StubEngine) -> None:
    output = [(StreamType.STDOUT, b"out1\n"), (StreamType.STDERR, b"err1\n")]
    stub.script_run(ScriptedRun(output=output, exit_code=3))
    result = run_dockyard(stub, "run", "bb", "sh", "-c", "echo out1; echo err1 >&2; exit 3")
    assert (result.status, result.stdout, result.stderr) == (3, "out1\n", "err1\n")


def test_attached_run_attaches_and_registers_the_wait_before_starting(stub: StubEngine) -> None:
    stub.script_run(ScriptedRun())
    run_dockyard(stub, "run", "bb", "true")
    assert stub.paths() == [
        "POST /containers/create",
        f"POST {BASE}/attach",
        f"POST {BASE}/wait",
        f"POST {BASE}/start",
    ]


def test_attached_run_waits_for_the_next_exit(stub: StubEngine) -> None:
    stub.script_run(ScriptedRun())
    run_dockyard(stub, "run", "bb", "true")
    assert stub.calls("POST", f"{BASE}/wait")[0].param("condition") == "next-exit"


def test_run_with_rm_waits_until_the_engine_removed_the_container(stub: StubEngine) -> None:
    stub.script_run(ScriptedRun())
    run_dockyard(stub, "run", "--rm", "bb", "true")
    assert stub.calls("POST", f"{BASE}/wait")[0].param("condition") == "removed"


def test_run_sends_the_container_name_as_a_query_parameter(stub: StubEngine) -> None:
    stub.script_run(ScriptedRun())
    run_dockyard(stub, "run", "--name", "web", "bb", "true")
    assert stub.calls("POST", "/containers/create")[0].param("name") == "web"


def test_detached_run_prints_the_full_id_and_never_attaches(stub: StubEngine) -> None:
    stub.script_run(ScriptedRun())
    result = run_dockyard(stub, "run", "-d", "bb", "sleep", "300")
    assert (result.status, result.stdout) == (0, CONTAINER_ID + "\n")
    assert stub.paths() == ["POST /containers/create", f"POST {BASE}/start"]


def test_interactive_run_sends_stdin_and_half_closes(stub: StubEngine) -> None:
    script = ScriptedRun(echo_stdin=True)
    stub.script_run(script)
    result = run_dockyard(stub, "run", "-i", "bb", "cat", stdin=b"hello\n")
    assert (result.status, result.stdout, bytes(script.stdin_seen)) == (0, "hello\n", b"hello\n")


def test_interactive_run_attaches_stdin(stub: StubEngine) -> None:
    stub.script_run(ScriptedRun(echo_stdin=True))
    run_dockyard(stub, "run", "-i", "bb", "cat", stdin=b"")
    assert stub.calls("POST", f"{BASE}/attach")[0].param("stdin") == "1"


def test_tty_run_prints_output_unframed(stub: StubEngine) -> None:
    stub.script_run(ScriptedRun(tty=True, output=[(StreamType.STDOUT, b"a\r\nb\r\n")]))
    result = run_dockyard(stub, "run", "-t", "bb", "sh")
    assert result.stdout == "a\r\nb\r\n"


@pytest.mark.parametrize(
    ("message", "status"),
    [
        ('exec: "nope": executable file not found in $PATH: unknown', 127),
        ("exec /data: no such file or directory", 127),
        ("exec /etc/passwd: permission denied", 126),
        ("cannot allocate memory", 125),
    ],
)
def test_start_failures_exit_like_docker(stub: StubEngine, message: str, status: int) -> None:
    stub.script_run(ScriptedRun(start_error=(400, message)))
    result = run_dockyard(stub, "run", "bb", "nope")
    assert result.status == status


def test_start_failure_is_reported_as_a_daemon_error(stub: StubEngine) -> None:
    stub.script_run(ScriptedRun(start_error=(500, "cannot allocate memory")))
    result = run_dockyard(stub, "run", "bb", "true")
    assert result.stderr == (
        "dockyard: Error response from daemon: cannot allocate memory\n\n"
        "Run 'dockyard run --help' for more information\n"
    )


def test_run_refused_at_create_exits_125_with_a_help_hint(stub: StubEngine) -> None:
    stub.error("POST", "/containers/create", status=400, message="invalid restart policy 'bogus'")
    result = run_dockyard(stub, "run", "--restart", "bogus", "bb")
    assert (result.status, result.stderr) == (
        125,
        "dockyard: Error response from daemon: invalid restart policy 'bogus'\n\n"
        "Run 'dockyard run --help' for more information\n",
    )


def test_create_refused_by_the_engine_exits_1_like_docker(stub: StubEngine) -> None:
    stub.error("POST", "/containers/create", status=409, message="Conflict. The name is in use")
    result = run_dockyard(stub, "create", "--name", "web", "bb")
    assert (result.status, result.stderr) == (
        1,
        "Error response from daemon: Conflict. The name is in use\n",
    )


def test_a_bad_restart_format_is_refused_before_any_request(stub: StubEngine) -> None:
    result = run_dockyard(stub, "run", "--restart", "on-failure:x", "bb")
    assert (result.status, stub.requests) == (125, [])
    assert "maximum retry count must be an integer" in result.stderr


def test_a_missing_image_is_named_before_the_error(stub: StubEngine) -> None:
    stub.error("POST", "/containers/create", status=404, message="No such image: nope:latest")
    stub.error("POST", "/images/create", status=404, message="pull access denied for nope")
    result = run_dockyard(stub, "run", "nope")
    assert result.status == 125
    assert result.stderr.splitlines()[:2] == [
        "Unable to find image 'nope:latest' locally",
        "dockyard: Error response from daemon: pull access denied for nope",
    ]


def test_create_prints_the_new_id(stub: StubEngine) -> None:
    stub.reply("POST", "/containers/create", status=201, json_body={"Id": CONTAINER_ID})
    result = run_dockyard(stub, "create", "bb")
    assert (result.status, result.stdout) == (0, CONTAINER_ID + "\n")


def test_start_attached_streams_and_exits_with_the_container_code(stub: StubEngine) -> None:
    stub.script_run(ScriptedRun(output=[(StreamType.STDOUT, b"hi\n")], exit_code=4))
    result = run_dockyard(stub, "start", "-a", CONTAINER_ID)
    assert (result.status, result.stdout) == (4, "hi\n")


def test_attach_keeps_output_that_arrives_with_the_handshake(stub: StubEngine) -> None:
    output = [(StreamType.STDOUT, b"tick 1\n"), (StreamType.STDOUT, b"tick 2\n")]
    stub.script_run(ScriptedRun(output=output, exit_code=7, already_running=True))
    result = run_dockyard(stub, "attach", CONTAINER_ID)
    assert (result.status, result.stdout) == (7, "tick 1\ntick 2\n")


def test_attach_to_a_stopped_container_is_refused(stub: StubEngine) -> None:
    stub.script_run(ScriptedRun())
    stub.reply("GET", f"{BASE}/json", json_body={"Id": CONTAINER_ID, "State": {"Running": False}})
    result = run_dockyard(stub, "attach", CONTAINER_ID)
    assert (result.status, result.stderr) == (
        1,
        "You cannot attach to a stopped container, start it first\n",
    )


def test_attach_asks_for_stdin_and_the_detach_keys_it_was_given(stub: StubEngine) -> None:
    stub.script_run(ScriptedRun(already_running=True))
    run_dockyard(stub, "attach", "--detach-keys", "ctrl-x,x", CONTAINER_ID, stdin=b"")
    assert stub.calls("POST", f"{BASE}/attach")[0].query == {
        "stream": ["1"],
        "stdout": ["1"],
        "stderr": ["1"],
        "stdin": ["1"],
        "detachKeys": ["ctrl-x,x"],
    }


def test_attach_without_stdin_leaves_stdin_and_detach_keys_out(stub: StubEngine) -> None:
    stub.script_run(ScriptedRun(already_running=True))
    run_dockyard(stub, "attach", "--no-stdin", CONTAINER_ID)
    assert stub.calls("POST", f"{BASE}/attach")[0].query == {
        "stream": ["1"],
        "stdout": ["1"],
        "stderr": ["1"],
    }

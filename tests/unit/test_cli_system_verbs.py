"""Engine-wide verbs, host selection and what happens without an engine."""

from __future__ import annotations

from dockyard.cli.commands.system import event_line
from tests.unit.test_cli_stub_engine import StubEngine, run_dockyard


def test_version_shows_client_and_engine(stub: StubEngine) -> None:
    lines = run_dockyard(stub, "version").stdout.splitlines()
    assert lines[0] == "Client:"
    assert "  API version:      1.41 (minimum version 1.24)" in lines


def test_version_format_reads_the_server_fields(stub: StubEngine) -> None:
    assert run_dockyard(stub, "version", "-f", "{{.Server.ApiVersion}}").stdout == "1.41\n"


def test_info_prints_counts_and_runtimes(stub: StubEngine) -> None:
    stub.reply(
        "GET",
        "/info",
        json_body={
            "Containers": 3,
            "ContainersRunning": 1,
            "ContainersStopped": 2,
            "Runtimes": {"runc": {"path": "runc"}, "crun": {"path": "/usr/bin/crun"}},
            "DefaultRuntime": "runc",
        },
    )
    lines = run_dockyard(stub, "info").stdout.splitlines()
    assert " Containers: 3" in lines
    assert " Runtimes: crun runc" in lines


def test_events_are_printed_like_docker(utc_zone: None) -> None:
    event = {
        "Type": "container",
        "Action": "die",
        "Actor": {"ID": "abc", "Attributes": {"name": "web", "exitCode": "2"}},
        "time": 1714564800,
        "timeNano": 1714564800123456789,
    }
    assert event_line(event) == (
        "2024-05-01T12:00:00.123456789Z container die abc (exitCode=2, name=web)"
    )


def test_events_stream_until_the_engine_ends_it(stub: StubEngine) -> None:
    stub.reply(
        "GET", "/events", json_body={"Type": "container", "Action": "start", "Actor": {"ID": "abc"}}
    )
    result = run_dockyard(stub, "events", "--format", "{{.Action}} {{.Actor.ID}}")
    assert (result.status, result.stdout) == (0, "start abc\n")


def test_events_filters_and_since_are_sent(stub: StubEngine) -> None:
    stub.reply("GET", "/events", body=b"")
    run_dockyard(stub, "events", "--since", "1700000000", "--filter", "type=container")
    call = stub.calls("GET", "/events")[0]
    assert (call.param("since"), call.param("filters")) == (
        "1700000000",
        '{"type": {"container": true}}',
    )


def test_host_flag_wins_over_the_environment(stub: StubEngine) -> None:
    stub.reply("GET", "/containers/json", json_body=[])
    result = run_dockyard(
        stub, "-H", stub.host, "ps", environ={"DOCKYARD_HOST": "unix:///tmp/dy-cli-nowhere.sock"}
    )
    assert result.status == 0


def test_docker_host_is_never_read(stub: StubEngine) -> None:
    stub.reply("GET", "/containers/json", json_body=[])
    result = run_dockyard(stub, "ps", environ={"DOCKER_HOST": "unix:///tmp/dy-cli-nowhere.sock"})
    assert result.status == 0


def test_without_an_engine_the_cli_says_it_cannot_connect(stub: StubEngine) -> None:
    host = "unix:///tmp/dy-cli-nowhere.sock"
    result = run_dockyard(stub, "ps", environ={"DOCKYARD_HOST": host})
    assert (result.status, result.stderr) == (
        1,
        f"Cannot connect to the dockyard daemon at {host}. Is the dockyard daemon running?\n",
    )


def test_run_without_an_engine_exits_125(stub: StubEngine) -> None:
    result = run_dockyard(stub, "run", "bb", environ={"DOCKYARD_HOST": "unix:///tmp/dy-cli-x.sock"})
    assert result.status == 125


def test_unknown_flags_exit_125_with_the_usage(stub: StubEngine) -> None:
    result = run_dockyard(stub, "ps", "--bogus")
    assert (result.status, result.stderr) == (
        125,
        "unknown flag: --bogus\n\nUsage:  dockyard ps [OPTIONS]\n\n"
        "Run 'dockyard ps --help' for more information\n",
    )


def test_missing_arguments_exit_1_with_the_usage(stub: StubEngine) -> None:
    result = run_dockyard(stub, "rename", "web")
    assert (result.status, result.stderr.splitlines()[0]) == (
        1,
        "dockyard: 'dockyard rename' requires 2 arguments",
    )

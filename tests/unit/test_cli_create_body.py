"""The `POST /containers/create` body that `run`/`create` flags produce."""

from __future__ import annotations

import shlex
from typing import Any

import pytest

from dockyard.cli.commands.container_flags import build_create_request
from dockyard.cli.failures import OptionError
from dockyard.cli.parser import build_parser


def create_body(command_line: str, *, detach: bool = False) -> dict[str, Any]:
    args = build_parser().parse_args(shlex.split(command_line))
    return build_create_request(args, environ={}, detach=detach).body


def test_plain_run_sends_docker_defaults() -> None:
    body = create_body("run bb")
    assert body["HostConfig"]["RestartPolicy"] == {"Name": "no", "MaximumRetryCount": 0}
    assert body["HostConfig"]["NetworkMode"] == "default"
    assert body["Cmd"] is None


def test_attached_run_attaches_stdout_and_stderr_only() -> None:
    body = create_body("run bb true")
    attach = (body["AttachStdin"], body["AttachStdout"], body["AttachStderr"])
    assert attach == (False, True, True)


def test_detached_run_attaches_nothing() -> None:
    body = create_body("run -d -i bb cat", detach=True)
    attach = (body["AttachStdin"], body["AttachStdout"], body["AttachStderr"], body["StdinOnce"])
    assert attach == (False, False, False, False)


def test_interactive_run_opens_stdin_for_one_attach() -> None:
    body = create_body("run -i bb cat")
    assert (body["AttachStdin"], body["OpenStdin"], body["StdinOnce"]) == (True, True, True)


def test_arguments_after_the_image_belong_to_the_command() -> None:
    body = create_body("run -d bb ls -l --name /")
    assert (body["Image"], body["Cmd"]) == ("bb", ["ls", "-l", "--name", "/"])


def test_memory_and_cpus_become_bytes_and_nano_cpus() -> None:
    host = create_body("run -m 64m --cpus 0.5 bb")["HostConfig"]
    assert (host["Memory"], host["NanoCpus"]) == (64 * 1024**2, 500_000_000)


def test_a_bad_memory_value_names_the_flag() -> None:
    with pytest.raises(OptionError, match='^invalid argument "64x" for "-m, --memory" flag'):
        create_body("run -m 64x bb")


def test_restart_policy_with_a_count_is_sent_whole() -> None:
    policy = create_body("run --restart on-failure:3 bb")["HostConfig"]["RestartPolicy"]
    assert policy == {"Name": "on-failure", "MaximumRetryCount": 3}


def test_rm_with_a_restart_policy_is_refused() -> None:
    with pytest.raises(OptionError, match="^conflicting options: cannot specify both"):
        create_body("run --rm --restart always bb")


def test_rm_sets_auto_remove() -> None:
    assert create_body("run --rm bb")["HostConfig"]["AutoRemove"] is True


def test_an_empty_entrypoint_resets_the_image_entrypoint() -> None:
    assert create_body("create --entrypoint= bb")["Entrypoint"] == [""]


def test_short_h_is_the_hostname_not_help() -> None:
    assert create_body("run -h box bb")["Hostname"] == "box"


def test_stop_timeout_is_only_sent_when_given() -> None:
    assert "StopTimeout" not in create_body("run bb")
    assert create_body("run --stop-timeout 3 bb")["StopTimeout"] == 3


def test_runtime_labels_and_capabilities_land_where_docker_puts_them() -> None:
    body = create_body("run --runtime crun -l a=1 --cap-add NET_ADMIN --cap-drop ALL bb")
    host = body["HostConfig"]
    assert (host["Runtime"], host["CapAdd"], host["CapDrop"]) == ("crun", ["NET_ADMIN"], ["ALL"])
    assert body["Labels"] == {"a": "1"}


def test_network_none_is_the_network_mode() -> None:
    assert create_body("run --network none bb")["HostConfig"]["NetworkMode"] == "none"


def test_published_ports_are_exposed_and_bound() -> None:
    body = create_body("run -p 8080:80 bb")
    assert body["ExposedPorts"] == {"80/tcp": {}}
    assert body["HostConfig"]["PortBindings"] == {"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}

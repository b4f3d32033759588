"""The real docker CLI (28.x) and docker SDK (7.x) against the API over a FakeEngine.

These pin the wire details that only real clients check: the hijack handshake, frame parsing,
wait-before-start ordering, error classes and exit codes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil

import docker  # type: ignore[import-untyped]
import pytest

from tests.unit.fake_engine import Served, api_test

DOCKER = shutil.which("docker") or "/usr/local/bin/docker"
needs_cli = pytest.mark.skipif(not os.access(DOCKER, os.X_OK), reason="docker CLI not installed")


async def cli(api: Served, *args: str, stdin: bytes = b"") -> tuple[int, str, str]:
    env = {**os.environ, "DOCKER_CONFIG": str(api.socket_path.parent / "config")}
    env.pop("DOCKER_API_VERSION", None)
    process = await asyncio.create_subprocess_exec(
        DOCKER,
        "-H",
        f"unix://{api.socket_path}",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await process.communicate(stdin)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def sdk(api: Served) -> docker.DockerClient:
    return docker.DockerClient(base_url=f"unix://{api.socket_path}", version="1.45")


@needs_cli
@api_test
async def test_cli_run_prints_both_streams_and_exits_with_the_container_code(api: Served) -> None:
    code, out, err = await cli(
        api, "run", "busybox", "sh", "-c", "echo out1; echo err1 >&2; exit 3"
    )
    assert (code, out, err) == (3, "out1\n", "err1\n")


@needs_cli
@api_test
async def test_cli_run_interactive_sends_stdin_to_the_container(api: Served) -> None:
    code, out, _ = await cli(api, "run", "-i", "--rm", "busybox", "cat", stdin=b"hello\n")
    assert (code, out) == (0, "hello\n")
    assert api.engine.containers == {}


@needs_cli
@api_test
async def test_cli_run_detached_prints_the_full_id(api: Served) -> None:
    code, out, _ = await cli(api, "run", "-d", "--name", "bg", "busybox", "sleep", "infinity")
    assert code == 0
    assert out.strip() == api.engine.get_container("bg").id


@needs_cli
@api_test
async def test_cli_ps_shows_an_exited_container_with_its_code(api: Served) -> None:
    await cli(api, "run", "--name", "done", "busybox", "sh", "-c", "exit 3")
    _, out, _ = await cli(api, "ps", "-a", "--format", "{{.Names}} {{.Status}}")
    assert out.startswith("done Exited (3) ")


@needs_cli
@api_test
async def test_cli_logs_prints_what_the_container_wrote(api: Served) -> None:
    await cli(api, "run", "--name", "talk", "busybox", "sh", "-c", "echo a; echo b >&2")
    assert await cli(api, "logs", "talk") == (0, "a\n", "b\n")


@needs_cli
@api_test
async def test_cli_exec_returns_the_exec_exit_code(api: Served) -> None:
    await cli(api, "run", "-d", "--name", "bg", "busybox", "sleep", "infinity")
    code, out, _ = await cli(api, "exec", "bg", "sh", "-c", "echo inside; exit 5")
    assert (code, out) == (5, "inside\n")


@needs_cli
@api_test
async def test_cli_inspect_of_nothing_walks_every_kind_then_says_no_such_object(
    api: Served,
) -> None:
    code, _, err = await cli(api, "inspect", "nothing")
    assert code == 1
    assert "No such object: nothing" in err


@needs_cli
@api_test
async def test_cli_rm_force_of_a_missing_container_still_succeeds(api: Served) -> None:
    code, _, err = await cli(api, "rm", "-f", "ghost")
    assert code == 0
    assert "No such container: ghost" in err


@api_test
async def test_sdk_run_returns_the_containers_output(api: Served) -> None:
    def run() -> bytes:
        with contextlib.closing(sdk(api)) as client:
            return client.containers.run("busybox", ["sh", "-c", "echo x; echo y >&2"], stderr=True)

    assert await asyncio.to_thread(run) == b"x\ny\n"


@api_test
async def test_sdk_exec_run_returns_exit_code_and_output(api: Served) -> None:
    def run() -> tuple[int, bytes]:
        with contextlib.closing(sdk(api)) as client:
            container = client.containers.run("busybox", ["sleep", "infinity"], detach=True)
            result = container.exec_run(["sh", "-c", "echo exec-out; exit 2"])
            return result.exit_code, result.output

    assert await asyncio.to_thread(run) == (2, b"exec-out\n")


@api_test
async def test_sdk_attach_socket_receives_frames_until_exit(api: Served) -> None:
    def run() -> bytes:
        with contextlib.closing(sdk(api)) as client:
            container = client.containers.create("busybox", ["sh", "-c", "echo attached"])
            sock = client.api.attach_socket(container.id, params={"stdout": 1, "stream": 1})
            container.start()
            raw = getattr(sock, "_sock", sock)
            data = b""
            while chunk := raw.recv(4096):
                data += chunk
            sock.close()
            return data

    assert await asyncio.to_thread(run) == b"\x01\x00\x00\x00\x00\x00\x00\x09attached\n"

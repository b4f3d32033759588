"""Container lifecycle through the real docker CLI and SDK, against a real engine and shim."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from pathlib import Path

import docker
import pytest

from tests.e2e.engine_harness import DOCKER_CLI, Engine, leftover_mounts, shim_pids, wait_until


def test_run_rm_prints_output_and_removes_the_container(engine: Engine, name: str) -> None:
    result = engine.docker("run", "--rm", "--name", name, "busybox", "echo", "hi")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hi\n"
    assert engine.docker("inspect", name).returncode == 1


@pytest.mark.parametrize(
    ("command", "code"),
    [(["true"], 0), (["sh", "-c", "exit 3"], 3), (["/no/such/binary"], 127)],
    ids=["exit 0", "exit 3", "missing binary"],
)
def test_run_exits_with_the_container_exit_code(
    engine: Engine, name: str, command: list[str], code: int
) -> None:
    result = engine.docker("run", "--name", name, "busybox", *command)
    assert result.returncode == code, result.stderr
    engine.docker("rm", "-f", name)


def test_attached_run_keeps_stdout_and_stderr_apart(engine: Engine, name: str) -> None:
    result = engine.docker(
        "run", "--rm", "--name", name, "busybox", "sh", "-c", "echo out; echo err >&2"
    )
    assert result.stdout == "out\n"
    assert result.stderr == "err\n"


def test_detached_container_logs_follow_stop_and_rm(engine: Engine, name: str) -> None:
    run = engine.docker(
        "run",
        "-d",
        "--name",
        name,
        "busybox",
        "sh",
        "-c",
        "echo one; echo two >&2; trap 'echo bye; exit 0' TERM; while true; do sleep 0.1; done",
    )
    assert run.returncode == 0, run.stderr
    assert len(run.stdout.strip()) == 64
    wait_until(lambda: "one" in engine.docker("logs", name).stdout)
    follow = subprocess.Popen(
        [DOCKER_CLI, "-H", engine.host, "logs", "-f", name],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert engine.docker("stop", name).returncode == 0
    out, err = follow.communicate(timeout=30)
    assert out.decode() == "one\nbye\n"
    assert err.decode() == "two\n"
    state = engine.inspect(name)["State"]
    assert (state["Status"], state["ExitCode"]) == ("exited", 0)
    assert engine.docker("rm", name).returncode == 0
    assert engine.docker("inspect", name).returncode == 1


def test_stop_kills_a_process_that_ignores_sigterm_after_the_timeout(
    engine: Engine, name: str
) -> None:
    engine.docker("run", "-d", "--name", name, "busybox", "sleep", "300", check=True)
    assert engine.docker("stop", "-t", "1", name).returncode == 0
    assert engine.inspect(name)["State"]["ExitCode"] == 137
    engine.docker("rm", name, check=True)


def test_kill_gives_exit_code_137(engine: Engine, name: str) -> None:
    engine.docker("run", "-d", "--name", name, "busybox", "sleep", "300", check=True)
    assert engine.docker("kill", name).returncode == 0
    wait_until(lambda: engine.inspect(name)["State"]["Status"] == "exited")
    assert engine.inspect(name)["State"]["ExitCode"] == 137
    engine.docker("rm", name, check=True)


def test_run_interactive_passes_stdin_to_the_container(engine: Engine, name: str) -> None:
    result = engine.docker(
        "run",
        "-i",
        "--rm",
        "--name",
        name,
        "busybox",
        "sh",
        "-c",
        "tr a-z A-Z",
        input=b"hello\nworld\n",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "HELLO\nWORLD\n"


def test_run_with_tty_from_a_terminal_gives_the_container_a_pty(engine: Engine, name: str) -> None:
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(
            DOCKER_CLI,
            [
                DOCKER_CLI,
                "-H",
                engine.host,
                "run",
                "--rm",
                "-t",
                "--name",
                name,
                "busybox",
                "sh",
                "-c",
                "tty; echo done",
            ],
        )
    output = b""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, output
    assert b"/dev/pts/0" in output
    assert b"done\r" in output  # the pty's CRLF (the CLI's own terminal may add another CR)


def test_exec_runs_in_the_container_and_reports_its_exit_code(engine: Engine, name: str) -> None:
    engine.docker("run", "-d", "--name", name, "busybox", "sleep", "300", check=True)
    result = engine.docker("exec", name, "sh", "-c", "echo $HOSTNAME; exit 5")
    assert result.returncode == 5
    assert result.stdout.strip() == engine.inspect(name)["Config"]["Hostname"]
    piped = engine.docker("exec", "-i", name, "cat", input=b"via stdin\n")
    assert piped.stdout == "via stdin\n"
    engine.docker("rm", "-f", name, check=True)


def test_wait_returns_the_exit_code(engine: Engine, name: str) -> None:
    engine.docker(
        "run", "-d", "--name", name, "busybox", "sh", "-c", "sleep 0.5; exit 7", check=True
    )
    result = engine.docker("wait", name)
    assert result.stdout.strip() == "7"
    engine.docker("rm", name, check=True)


def test_a_second_container_with_the_same_name_is_refused(engine: Engine, name: str) -> None:
    engine.docker("create", "--name", name, "busybox", "true", check=True)
    result = engine.docker("run", "--name", name, "busybox", "true")
    assert result.returncode == 125
    assert f'The container name "/{name}" is already in use' in result.stderr
    engine.docker("rm", name, check=True)


def test_sdk_runs_a_container_and_reads_its_output(engine: Engine, name: str) -> None:
    client = engine.client()
    output = client.containers.run("busybox", ["echo", "from sdk"], name=name, remove=True)
    assert output == b"from sdk\n"
    container = client.containers.run("busybox", ["sleep", "300"], name=name, detach=True)
    assert container.exec_run(["echo", "exec"]).output == b"exec\n"
    container.reload()
    assert container.status == "running"
    container.remove(force=True)
    with pytest.raises(docker.errors.NotFound):
        client.containers.get(name)


def test_container_gets_dockers_default_confinement(engine: Engine, name: str) -> None:
    result = engine.docker(
        "run",
        "--rm",
        "--name",
        name,
        "busybox",
        "sh",
        "-c",
        "grep -E 'CapEff|Seccomp:' /proc/self/status; cat /proc/kcore | wc -c",
    )
    assert "CapEff:\t00000000a80425fb" in result.stdout
    assert "Seccomp:\t2" in result.stdout
    assert result.stdout.strip().endswith("0")  # /proc/kcore is masked


def test_a_failed_start_leaves_nothing_behind(engine: Engine, name: str) -> None:
    before_shims = set(shim_pids(engine))
    result = engine.docker("run", "--name", name, "busybox", "/no/such/binary")
    assert result.returncode == 127
    assert "executable file not found" in result.stderr or "no such file" in result.stderr
    container_id = engine.inspect(name)["Id"]
    assert set(shim_pids(engine)) == before_shims
    assert not [m for m in leftover_mounts(engine.root) if container_id in m]
    assert not (engine.exec_root / "tasks" / container_id).exists()
    assert not (engine.exec_root / "fifo" / container_id).exists()
    assert not (engine.exec_root / "netns" / container_id).exists()
    assert not any(
        (hierarchy / engine.cgroup_parent / container_id).exists()
        for hierarchy in Path("/sys/fs/cgroup").iterdir()
    )
    engine.docker("rm", name, check=True)


def test_errors_are_json_with_dockers_status_codes(engine: Engine) -> None:
    api = engine.api()
    with pytest.raises(docker.errors.NotFound) as missing:
        api.inspect_container("dy-does-not-exist")
    assert "No such container: dy-does-not-exist" in str(missing.value)
    response = api._get(api._url("/containers/{0}/json", "dy-does-not-exist"))
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {"message": "No such container: dy-does-not-exist"}


def test_run_rm_whose_start_fails_removes_the_container(engine: Engine, name: str) -> None:
    result = engine.docker("run", "--rm", "--name", name, "busybox", "/no/such/binary", timeout=30)
    assert result.returncode == 127
    assert engine.docker("inspect", name).returncode == 1


def test_attach_detaches_on_ctrl_p_ctrl_q_and_leaves_the_container_running(
    engine: Engine, name: str
) -> None:
    engine.docker("run", "-dit", "--name", name, "busybox", "sh", check=True)
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(DOCKER_CLI, [DOCKER_CLI, "-H", engine.host, "attach", name])
    output = b""

    def read_until(marker: bytes) -> None:
        nonlocal output
        deadline = time.monotonic() + 20
        while marker not in output and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                try:
                    output += os.read(fd, 4096)
                except OSError:
                    return

    os.write(fd, b"echo hello-$((40+2))\r")
    read_until(b"hello-42")
    os.write(fd, b"\x10\x11")  # ctrl-p ctrl-q
    read_until(b"read escape sequence")
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    assert b"hello-42" in output
    assert b"read escape sequence" in output
    assert os.waitstatus_to_exitcode(status) == 1  # as with dockerd 20.10 and CLI 28
    assert engine.inspect(name)["State"]["Running"] is True
    engine.docker("rm", "-f", name, check=True)


def test_each_container_gets_an_engine_owned_network_namespace(engine: Engine, name: str) -> None:
    engine.docker("run", "-d", "--name", name, "busybox", "sleep", "300", check=True)
    info = engine.inspect(name)
    netns = engine.exec_root / "netns" / info["Id"]
    assert os.stat(f"/proc/{info['State']['Pid']}/ns/net").st_ino == netns.stat().st_ino
    links = engine.docker("exec", name, "ip", "-o", "link").stdout
    assert links.count("\n") == 1 and "lo:" in links and ",UP," in links
    engine.docker("stop", "-t", "0", name, check=True)
    assert not netns.exists()
    engine.docker("rm", name, check=True)


def test_host_network_shares_the_hosts_namespace(engine: Engine, name: str) -> None:
    engine.docker(
        "run", "-d", "--name", name, "--network", "host", "busybox", "sleep", "300", check=True
    )
    info = engine.inspect(name)
    assert (
        os.stat(f"/proc/{info['State']['Pid']}/ns/net").st_ino
        == os.stat("/proc/self/ns/net").st_ino
    )
    assert not (engine.exec_root / "netns" / info["Id"]).exists()
    engine.docker("rm", "-f", name, check=True)


def test_more_stdin_than_a_pipe_holds_before_start_does_not_stall(
    engine: Engine, name: str
) -> None:
    data = b"x" * 300_000
    result = engine.docker(
        "run", "-i", "--rm", "--name", name, "busybox", "wc", "-c", input=data, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "300000"

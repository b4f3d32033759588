"""Restart policies against a real engine: counts, states, events, backoff, manual stops."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from typing import Any

import docker
import pytest

from tests.e2e.engine_harness import DOCKER_CLI, Engine, wait_until


class EventLog:
    """Collects ``docker events`` for one container in the background."""

    def __init__(self, engine: Engine, name: str) -> None:
        self.events: list[dict[str, Any]] = []
        self._proc = subprocess.Popen(
            [
                DOCKER_CLI,
                "-H",
                engine.host,
                "events",
                "--format",
                "{{json .}}",
                "--filter",
                f"container={name}",
            ],
            stdout=subprocess.PIPE,
        )
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        time.sleep(0.3)  # let the subscription reach the engine

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self.events.append(json.loads(line))

    def actions(self) -> list[str]:
        return [e["Action"] for e in self.events]

    def times(self, action: str) -> list[float]:
        return [e["timeNano"] / 1e9 for e in self.events if e["Action"] == action]

    def close(self) -> None:
        self._proc.terminate()
        self._proc.wait(10)


def state(engine: Engine, name: str) -> dict[str, Any]:
    return engine.inspect(name)["State"]


def test_on_failure_stops_after_n_retries(engine: Engine, name: str) -> None:
    events = EventLog(engine, name)
    engine.run_with_policy(name, "on-failure:2", "sh", "-c", "exit 1")
    wait_until(lambda: events.actions().count("die") == 3, timeout=30)
    wait_until(lambda: state(engine, name)["Status"] == "exited")
    time.sleep(1.0)  # a fourth run would have started by now (next backoff is 0.4 s)
    info = engine.inspect(name)
    events.close()
    assert info["RestartCount"] == 2
    assert info["State"]["ExitCode"] == 1
    assert events.actions().count("start") == 3
    assert "restart" not in events.actions()
    dies, starts = events.times("die"), events.times("start")
    assert starts[1] - dies[0] >= 0.1
    assert starts[2] - dies[1] >= 0.2
    engine.docker("rm", name, check=True)


def test_on_failure_does_not_restart_a_clean_exit(engine: Engine, name: str) -> None:
    engine.docker("run", "--name", name, "--restart", "on-failure", "busybox", "true", check=True)
    time.sleep(0.5)
    info = engine.inspect(name)
    assert (info["State"]["Status"], info["RestartCount"]) == ("exited", 0)
    engine.docker("rm", name, check=True)


def test_always_restarting_container_shows_as_restarting(engine: Engine, name: str) -> None:
    engine.run_with_policy(name, "always", "true")

    def seen_restarting() -> bool:
        s = state(engine, name)
        return s["Status"] == "restarting" and s["Restarting"] and s["Running"]

    wait_until(seen_restarting, timeout=30, interval=0.02)
    ps = engine.docker("ps", "--filter", f"name={name}", "--format", "{{.Status}}").stdout
    assert ps.startswith("Restarting (0)") or ps.startswith("Up")
    assert engine.inspect(name)["RestartCount"] >= 1
    engine.docker("rm", "-f", name, check=True)


def test_stop_cancels_a_pending_restart_at_once(engine: Engine, name: str) -> None:
    engine.run_with_policy(name, "always", "true")
    wait_until(lambda: engine.inspect(name)["RestartCount"] >= 5, timeout=30)
    wait_until(lambda: state(engine, name)["Status"] == "restarting", timeout=30, interval=0.02)
    assert engine.docker("stop", name).returncode == 0
    count = engine.inspect(name)["RestartCount"]
    time.sleep(3)
    info = engine.inspect(name)
    assert info["State"]["Status"] == "exited"
    assert info["RestartCount"] == count
    engine.docker("rm", name, check=True)


def test_docker_kill_is_a_manual_stop(engine: Engine, name: str) -> None:
    engine.run_with_policy(name, "always", "sleep", "300")
    engine.docker("kill", name, check=True)
    wait_until(lambda: state(engine, name)["Status"] == "exited")
    time.sleep(1)
    info = engine.inspect(name)
    assert (info["State"]["Status"], info["State"]["ExitCode"], info["RestartCount"]) == (
        "exited",
        137,
        0,
    )
    engine.docker("rm", name, check=True)


def test_a_process_killed_from_the_host_is_restarted(engine: Engine, name: str) -> None:
    engine.run_with_policy(name, "unless-stopped", "sleep", "300")
    pid = state(engine, name)["Pid"]
    os.kill(pid, signal.SIGKILL)
    wait_until(
        lambda: (
            engine.inspect(name)["RestartCount"] == 1
            and state(engine, name)["Status"] == "running"
            and state(engine, name)["Pid"] not in (0, pid)
        ),
        timeout=30,
    )
    engine.docker("rm", "-f", name, check=True)


def test_no_policy_never_restarts(engine: Engine, name: str) -> None:
    engine.docker("run", "--name", name, "busybox", "sh", "-c", "exit 2")
    time.sleep(0.5)
    assert engine.inspect(name)["RestartCount"] == 0
    assert state(engine, name)["Status"] == "exited"
    engine.docker("rm", name, check=True)


def test_manual_restart_resets_the_count_and_emits_restart(engine: Engine, name: str) -> None:
    engine.run_with_policy(name, "on-failure:1", "sh", "-c", "sleep 0.2; exit 1")
    wait_until(
        lambda: (
            engine.inspect(name)["RestartCount"] == 1 and state(engine, name)["Status"] == "exited"
        ),
        timeout=30,
    )
    events = EventLog(engine, name)
    engine.docker("restart", name, check=True)
    assert engine.inspect(name)["RestartCount"] == 0
    wait_until(lambda: engine.inspect(name)["RestartCount"] == 1, timeout=30)
    wait_until(lambda: "restart" in events.actions())
    events.close()
    assert events.actions()[:2] == ["start", "restart"]
    engine.docker("rm", "-f", name, check=True)


def test_docker_restart_of_a_running_container_emits_docker_events(
    engine: Engine, name: str
) -> None:
    engine.docker("run", "-d", "--name", name, "busybox", "sleep", "300", check=True)
    events = EventLog(engine, name)
    engine.docker("restart", "-t", "0", name, check=True)
    wait_until(lambda: "restart" in events.actions())
    events.close()
    lifecycle = [a for a in events.actions() if a in ("kill", "die", "stop", "start", "restart")]
    # `sleep` ignores SIGTERM: with -t 0 dockerd sends the stop signal, then SIGKILL (two kills).
    collapsed = [a for i, a in enumerate(lifecycle) if i == 0 or a != lifecycle[i - 1]]
    assert collapsed == ["kill", "die", "stop", "start", "restart"]
    engine.docker("rm", "-f", name, check=True)


def test_update_restart_takes_effect_at_the_next_exit(engine: Engine, name: str) -> None:
    engine.docker("run", "-d", "--name", name, "busybox", "sh", "-c", "sleep 1; exit 1", check=True)
    assert engine.docker("update", "--restart", "on-failure:2", name).returncode == 0
    wait_until(
        lambda: (
            engine.inspect(name)["RestartCount"] == 2 and state(engine, name)["Status"] == "exited"
        ),
        timeout=30,
    )
    policy = engine.inspect(name)["HostConfig"]["RestartPolicy"]
    assert policy == {"Name": "on-failure", "MaximumRetryCount": 2}
    engine.docker("rm", name, check=True)


def test_update_restart_of_every_running_container(engine: Engine) -> None:
    names = [f"dy-upd-{i}" for i in range(2)]
    for n in names:
        engine.docker("run", "-d", "--name", n, "busybox", "sleep", "300", check=True)
    ids = engine.docker("ps", "-q", "--filter", "name=dy-upd-").stdout.split()
    assert engine.docker("update", "--restart", "unless-stopped", *ids).returncode == 0
    for n in names:
        assert engine.inspect(n)["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped"
        engine.docker("rm", "-f", n, check=True)


def test_invalid_policies_are_refused_by_the_engine(engine: Engine, name: str) -> None:
    api = engine.api()
    with pytest.raises(docker.errors.APIError) as err:
        api.create_container(
            "busybox",
            ["true"],
            name=name,
            host_config=api.create_host_config(
                restart_policy={"Name": "bogus", "MaximumRetryCount": 0}
            ),
        )
    assert err.value.status_code == 400
    assert "invalid restart policy: unknown policy 'bogus'" in str(err.value)
    with pytest.raises(docker.errors.APIError) as err:
        api.create_container(
            "busybox",
            ["true"],
            name=name,
            host_config=api.create_host_config(
                auto_remove=True, restart_policy={"Name": "always", "MaximumRetryCount": 0}
            ),
        )
    assert err.value.status_code == 400
    assert "can't create 'AutoRemove' container with restart policy" in str(err.value)
    result = engine.docker("run", "--restart", "always:3", "busybox", "true")
    assert result.returncode == 125
    assert "maximum retry count can only be used with 'on-failure'" in result.stderr


def test_rm_force_during_restarts_leaves_no_shim_or_cgroup(engine: Engine, name: str) -> None:
    from pathlib import Path

    from tests.e2e.engine_harness import shim_pids

    before = set(shim_pids(engine))
    for i in range(5):
        n = f"{name}-{i}"
        engine.run_with_policy(n, "always", "true")
        time.sleep(0.05 * i)  # hit different points of the exit/backoff/start cycle
        assert engine.docker("rm", "-f", n).returncode == 0
        assert engine.docker("inspect", n).returncode == 1
    wait_until(lambda: set(shim_pids(engine)) <= before, timeout=20)
    leftovers = [
        p
        for h in Path("/sys/fs/cgroup").iterdir()
        for p in (h / engine.cgroup_parent).glob("*")
        if p.is_dir()
    ]
    running_ids = {c["Id"] for c in engine.api().containers()}
    assert [p for p in leftovers if p.name not in running_ids] == []


def test_an_oom_killed_container_is_marked_and_restarted_by_on_failure(
    engine: Engine, name: str
) -> None:
    hog = "x=aaaaaaaaaaaaaaaa; while true; do x=$x$x; done"
    result = engine.docker(
        "run", "--name", name, "-m", "8m", "--restart", "on-failure:1", "busybox", "sh", "-c", hog
    )
    assert result.returncode == 137
    wait_until(
        lambda: (
            engine.inspect(name)["RestartCount"] == 1 and state(engine, name)["Status"] == "exited"
        ),
        timeout=30,
    )
    assert state(engine, name)["OOMKilled"] is True
    assert state(engine, name)["ExitCode"] == 137
    engine.docker("rm", name, check=True)


def test_logs_follow_ends_at_the_exit_even_when_the_policy_restarts(
    engine: Engine, name: str
) -> None:
    engine.run_with_policy(name, "on-failure:1", "sh", "-c", "echo run; sleep 0.5; exit 1")
    follow = engine.docker("logs", "-f", name, timeout=30)
    assert follow.stdout == "run\n"
    wait_until(
        lambda: (
            engine.inspect(name)["RestartCount"] == 1 and state(engine, name)["Status"] == "exited"
        ),
        timeout=30,
    )
    assert engine.docker("logs", name).stdout == "run\nrun\n"
    engine.docker("rm", name, check=True)

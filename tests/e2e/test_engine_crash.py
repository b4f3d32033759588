"""The engine can die at any moment: containers live on in their shims and are picked up again."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.e2e.engine_harness import DOCKER_CLI, Engine, shim_pids, wait_until


def test_kill_9_of_the_engine_loses_no_container(make_engine: Callable[..., Engine]) -> None:
    engine = make_engine()
    names = ["dy-crash-a", "dy-crash-b", "dy-crash-c"]
    for n in names:
        engine.docker(
            "run",
            "-d",
            "--name",
            n,
            "busybox",
            "sh",
            "-c",
            f"echo start {n}; trap 'echo stopping {n}; exit 0' TERM; "
            "while true; do sleep 0.1; done",
            check=True,
        )
    pids = {n: engine.inspect(n)["State"]["Pid"] for n in names}

    engine.crash()
    for n in names:
        os.kill(pids[n], 0)  # still alive without the engine
    engine.start()

    ps = engine.docker("ps", "--format", "{{.Names}} {{.State}}").stdout.split("\n")
    assert sorted(line for line in ps if line) == sorted(f"{n} running" for n in names)
    assert engine.inspect(names[0])["State"]["Pid"] == pids[names[0]]
    follow = subprocess.Popen(
        [DOCKER_CLI, "-H", engine.host, "logs", "-f", names[0]], stdout=subprocess.PIPE
    )
    assert engine.docker("stop", names[0]).returncode == 0
    out, _ = follow.communicate(timeout=30)
    assert out.decode() == f"start {names[0]}\nstopping {names[0]}\n"
    assert engine.docker("rm", "-f", names[1]).returncode == 0
    assert engine.inspect(names[2])["State"]["Running"] is True
    assert engine.docker("exec", names[2], "true").returncode == 0


def test_exit_while_the_engine_is_down_is_recorded_with_its_code(
    make_engine: Callable[..., Engine], name: str
) -> None:
    engine = make_engine()
    engine.docker(
        "run", "-d", "--name", name, "busybox", "sh", "-c", "sleep 1; exit 42", check=True
    )
    engine.crash()
    wait_until(lambda: not _alive(engine, name), timeout=20)
    engine.start()
    state = engine.inspect(name)["State"]
    assert (state["Status"], state["ExitCode"]) == ("exited", 42)
    assert shim_pids(engine) == []


def _alive(engine: Engine, name: str) -> bool:
    for pid in shim_pids(engine):
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        if children:
            return True
    return False


def test_a_shim_no_record_points_at_is_reaped_at_start(
    make_engine: Callable[..., Engine], name: str
) -> None:
    """A crash between creating a task and recording it leaves an orphan shim behind."""
    import json
    import sqlite3

    engine = make_engine()
    engine.docker("run", "-d", "--name", name, "busybox", "sleep", "300", check=True)
    pid = engine.inspect(name)["State"]["Pid"]
    shims = shim_pids(engine)
    assert len(shims) == 1
    engine.crash()
    db = sqlite3.connect(engine.data_root / "dockyard.db")
    (data,) = db.execute("SELECT data FROM containers WHERE name = ?", (name,)).fetchone()
    record = json.loads(data)
    record["state"].update(status="created", running=False, pid=0)
    record["shim"] = None
    db.execute("UPDATE containers SET data = ? WHERE name = ?", (json.dumps(record), name))
    db.commit()
    db.close()
    engine.start()
    wait_until(lambda: not Path(f"/proc/{pid}").exists(), timeout=20)
    wait_until(lambda: shim_pids(engine) == [], timeout=20)
    assert engine.inspect(name)["State"]["Status"] == "created"
    assert engine.docker("start", name).returncode == 0
    assert engine.inspect(name)["State"]["Running"] is True


def test_an_exit_the_dead_engine_had_not_finished_recording_is_recorded_at_start(
    make_engine: Callable[..., Engine], name: str
) -> None:
    """The engine persists a seen exit before tearing the task down; a crash in between is
    finished by the next engine with the real exit code."""
    import json
    import sqlite3

    engine = make_engine()
    engine.docker("run", "-d", "--name", name, "busybox", "sleep", "300", check=True)
    engine.crash()
    db = sqlite3.connect(engine.data_root / "dockyard.db")
    (data,) = db.execute("SELECT data FROM containers WHERE name = ?", (name,)).fetchone()
    record = json.loads(data)
    record["pending_exit_code"] = 7
    db.execute("UPDATE containers SET data = ? WHERE name = ?", (json.dumps(record), name))
    db.commit()
    db.close()
    engine.start()
    state = engine.inspect(name)["State"]
    assert (state["Status"], state["ExitCode"]) == ("exited", 7)
    wait_until(lambda: shim_pids(engine) == [], timeout=20)

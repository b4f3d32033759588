"""What an engine restart does to containers (the seed's table), with and without live-restore."""

from __future__ import annotations

import io
import subprocess
import tarfile
import time
from collections.abc import Callable

from tests.e2e.engine_harness import DOCKER_CLI, Engine, wait_until

POLICIES = ["always", "unless-stopped", "on-failure", "no"]


def status(engine: Engine, name: str) -> str:
    return engine.inspect(name)["State"]["Status"]


def run_one_per_policy(engine: Engine, prefix: str) -> dict[str, str]:
    names = {}
    for policy in POLICIES:
        n = f"{prefix}-{policy}"
        engine.run_with_policy(n, policy, "sleep", "300")
        names[policy] = n
    return names


def test_engine_sigterm_stops_containers_and_restart_applies_the_seed_table(
    make_engine: Callable[..., Engine],
) -> None:
    engine = make_engine()
    names = run_one_per_policy(engine, "dy-term")
    engine.stop()  # SIGTERM, live-restore off: containers are stopped with the engine
    engine.start()
    wait_until(lambda: status(engine, names["always"]) == "running", timeout=30)
    wait_until(lambda: status(engine, names["unless-stopped"]) == "running", timeout=30)
    assert status(engine, names["on-failure"]) == "exited"
    assert status(engine, names["no"]) == "exited"
    # Stopped by the engine shutdown, not by hand: exit code from SIGKILL after the timeout.
    assert engine.inspect(names["no"])["State"]["ExitCode"] in (137, 143)


def test_manual_stops_survive_an_engine_restart_except_for_always(
    make_engine: Callable[..., Engine],
) -> None:
    engine = make_engine()
    names = run_one_per_policy(engine, "dy-man")
    for n in names.values():
        engine.docker("stop", "-t", "0", n, check=True)
    engine.restart()
    wait_until(lambda: status(engine, names["always"]) == "running", timeout=30)
    time.sleep(1)
    assert status(engine, names["unless-stopped"]) == "exited"
    assert status(engine, names["on-failure"]) == "exited"
    assert status(engine, names["no"]) == "exited"


def test_live_restore_keeps_containers_running_across_a_clean_restart(
    make_engine: Callable[..., Engine], name: str
) -> None:
    engine = make_engine(config={"live-restore": True})
    engine.docker("run", "-d", "--name", name, "busybox", "sleep", "300", check=True)
    pid = engine.inspect(name)["State"]["Pid"]
    engine.restart()
    state = engine.inspect(name)["State"]
    assert (state["Status"], state["Pid"]) == ("running", pid)
    assert engine.inspect(name)["RestartCount"] == 0
    assert engine.docker("stop", "-t", "0", name).returncode == 0


def test_container_that_failed_while_the_engine_was_dead_gets_its_policy(
    make_engine: Callable[..., Engine], name: str
) -> None:
    engine = make_engine()
    engine.run_with_policy(
        name,
        "on-failure:3",
        "sh",
        "-c",
        "if [ -e /ran ]; then sleep 300; fi; touch /ran; sleep 1; exit 4",
    )
    engine.crash()
    time.sleep(2.5)
    engine.start()
    wait_until(
        lambda: engine.inspect(name)["RestartCount"] == 1 and status(engine, name) == "running",
        timeout=30,
    )


def startstop_image(engine: Engine) -> None:
    """The seed's ``startstop`` image, built with ``docker import --change``."""
    from dockyard.images.busybox import busybox_rootfs_tar

    base = busybox_rootfs_tar(engine.root / "base.tar")
    script = (
        b'#!/bin/sh\necho "Starting..."\nfor i in $(seq 1 5); do\n  echo "$i"\n  sleep 1\n'
        b'done\necho "Exiting..."\nexit 1\n'
    )
    out = engine.root / "startstop.tar"
    with tarfile.open(base) as src, tarfile.open(out, "w") as dst:
        for member in src.getmembers():
            dst.addfile(member, src.extractfile(member) if member.isfile() else None)
        info = tarfile.TarInfo("start.sh")
        info.size, info.mode = len(script), 0o755
        dst.addfile(info, io.BytesIO(script))
    engine.docker(
        "import", "--change", 'ENTRYPOINT ["/start.sh"]', str(out), "startstop", check=True
    )


def test_the_seeds_startstop_walkthrough(make_engine: Callable[..., Engine], name: str) -> None:
    engine = make_engine()
    startstop_image(engine)
    # Step 3: the attached CLI exits with the container; the engine restarts it.
    run = engine.docker("run", "--name", name, "--restart", "always", "startstop", timeout=60)
    assert run.returncode == 1
    assert run.stdout == "Starting...\n1\n2\n3\n4\n5\nExiting...\n"
    # Step 4: still running (or restarting) thanks to the policy.
    wait_until(lambda: status(engine, name) == "running", timeout=30)
    ps = engine.docker("ps", "--filter", f"name={name}", "--format", "{{.Status}}").stdout
    assert ps.startswith(("Up", "Restarting"))
    # Step 5: attach again, detached at the next exit.
    attach = subprocess.run(
        [DOCKER_CLI, "-H", engine.host, "container", "attach", name],
        capture_output=True,
        timeout=60,
    )
    assert attach.stdout.decode().endswith("5\nExiting...\n")
    assert engine.inspect(name)["RestartCount"] >= 1
    engine.docker("rm", "-f", name, check=True)


def test_kill_9_then_restart_leaves_every_policy_running_untouched(
    make_engine: Callable[..., Engine],
) -> None:
    engine = make_engine()
    names = run_one_per_policy(engine, "dy-k9")
    pids = {p: engine.inspect(n)["State"]["Pid"] for p, n in names.items()}
    engine.crash()
    engine.start()
    for policy, n in names.items():
        info = engine.inspect(n)
        assert (info["State"]["Status"], info["State"]["Pid"]) == ("running", pids[policy])
        assert info["RestartCount"] == 0


def test_restart_count_and_manual_stop_survive_an_engine_restart(
    make_engine: Callable[..., Engine], name: str
) -> None:
    engine = make_engine()
    engine.run_with_policy(
        name, "on-failure:5", "sh", "-c", "if [ -e /ran ]; then sleep 300; fi; touch /ran; exit 1"
    )
    wait_until(
        lambda: engine.inspect(name)["RestartCount"] == 1 and status(engine, name) == "running",
        timeout=30,
    )
    engine.docker("stop", "-t", "0", name, check=True)
    engine.restart()
    info = engine.inspect(name)
    assert info["RestartCount"] == 1
    assert info["State"]["Status"] == "exited"

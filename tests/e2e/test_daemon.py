"""The engine process itself: flags, config refusal, one engine per data root, reload."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable

from tests.e2e.engine_harness import Engine, new_engine_root, wait_until


def test_unknown_config_keys_stop_the_engine_with_dockers_message() -> None:
    root = new_engine_root()
    try:
        (root / "daemon.json").write_text(json.dumps({"live-restroe": True}))
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "dockyard.daemon",
                "--config-file",
                str(root / "daemon.json"),
                "--data-root",
                str(root / "data"),
                "-H",
                f"unix://{root}/d.sock",
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert result.returncode == 1
        assert result.stderr.strip() == (
            "failed to start daemon: the following directives don't match any configuration "
            "option: live-restroe"
        )
        assert not (root / "d.sock").exists()
    finally:
        subprocess.run(["rm", "-rf", str(root)])


def test_a_second_engine_on_the_same_data_root_refuses_to_start(
    make_engine: Callable[..., Engine],
) -> None:
    engine = make_engine(busybox=False)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dockyard.daemon",
            "--data-root",
            str(engine.data_root),
            "--exec-root",
            str(engine.root / "exec2"),
            "-H",
            f"unix://{engine.root}/second.sock",
            "--pidfile",
            str(engine.root / "second.pid"),
            "--config-file",
            str(engine.config_file),
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "already using data root" in result.stderr
    assert engine.api().ping()


def test_the_api_socket_is_root_only(make_engine: Callable[..., Engine]) -> None:
    engine = make_engine(busybox=False)
    st = engine.socket.stat()
    assert oct(st.st_mode & 0o777) == "0o660"
    assert (st.st_uid, st.st_gid) == (0, 0)


def test_sighup_reloads_live_restore_and_keeps_old_config_when_invalid(
    make_engine: Callable[..., Engine],
) -> None:
    engine = make_engine(busybox=False)
    assert engine.api().info()["LiveRestoreEnabled"] is False
    engine.config_file.write_text(json.dumps({"live-restore": True}))
    assert engine.proc is not None
    engine.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: engine.api().info()["LiveRestoreEnabled"] is True)
    engine.config_file.write_text("{broken")
    engine.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "Error reloading configuration" in engine.log())
    assert engine.api().info()["LiveRestoreEnabled"] is True

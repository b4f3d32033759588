"""ShimManager against a fake shim binary that records how it was invoked."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from dockyard import errors
from dockyard.runtime.proto import task_pb2
from dockyard.runtime.shim_manager import (
    ShimManager,
    parse_start_output,
    process_running,
    wait_process_exit,
)

FAKE_SHIM = f"""#!{sys.executable}
import json, os, sys
args = sys.argv[1:]
record = {{
    "argv": args,
    "cwd": os.getcwd(),
    "ttrpc_address": os.environ.get("TTRPC_ADDRESS"),
    "stdin": sys.stdin.buffer.read().hex(),
}}
with open("record.json", "w") as out:
    json.dump(record, out)
if os.path.exists("fail"):
    sys.stderr.write("io.containerd.fake.v2: boom\\n")
    sys.exit(1)
if args[-1] == "start":
    sys.stdout.write("unix:///run/containerd/s/dyfake")
elif args[-1] == "delete":
    with open("delete-reply", "rb") as reply:
        sys.stdout.buffer.write(reply.read())
"""


@pytest.fixture
def shim(tmp_path: Path) -> str:
    binary = tmp_path / "containerd-shim-fake-v2"
    binary.write_text(FAKE_SHIM)
    binary.chmod(0o755)
    return str(binary)


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    path = tmp_path / "tasks" / "c1"
    path.mkdir(parents=True)
    return path


def manager() -> ShimManager:
    return ShimManager(
        namespace="dy",
        containerd_address="/run/dy-engine/containerd.sock",
        events_address="/run/dy-engine/shim-events.sock",
        command_timeout=30,
    )


def launch(shim: str, bundle: Path, options: bytes = b"") -> str:
    return asyncio.run(
        manager().launch(container_id="c1", bundle=bundle, binary=shim, options=options)
    )


def recorded(bundle: Path) -> dict[str, object]:
    return json.loads((bundle / "record.json").read_text())


def test_start_runs_the_shim_with_containerds_flags(shim: str, bundle: Path) -> None:
    launch(shim, bundle)
    assert recorded(bundle)["argv"] == [
        "-namespace",
        "dy",
        "-address",
        "/run/dy-engine/containerd.sock",
        "-publish-binary",
        shim,
        "-id",
        "c1",
        "start",
    ]


def test_start_runs_in_the_bundle_directory(shim: str, bundle: Path) -> None:
    launch(shim, bundle)
    assert recorded(bundle)["cwd"] == str(bundle)


def test_start_names_the_events_socket_in_ttrpc_address(shim: str, bundle: Path) -> None:
    launch(shim, bundle)
    assert recorded(bundle)["ttrpc_address"] == "/run/dy-engine/shim-events.sock"


def test_start_sends_the_options_on_stdin(shim: str, bundle: Path) -> None:
    launch(shim, bundle, options=b"\x0a\x01x")
    assert recorded(bundle)["stdin"] == "0a0178"


def test_start_returns_the_address_the_shim_printed(shim: str, bundle: Path) -> None:
    assert launch(shim, bundle) == "unix:///run/containerd/s/dyfake"


def test_a_failing_start_raises_what_the_shim_printed_on_stderr(shim: str, bundle: Path) -> None:
    (bundle / "fail").touch()
    with pytest.raises(errors.RuntimeFailure, match="io.containerd.fake.v2: boom"):
        launch(shim, bundle)


def test_delete_of_a_dead_shim_returns_its_delete_response(shim: str, bundle: Path) -> None:
    reply = task_pb2.DeleteResponse(pid=5, exit_status=137, exited_at=Timestamp(seconds=1))
    (bundle / "delete-reply").write_bytes(reply.SerializeToString())
    got = asyncio.run(manager().delete_dead(container_id="c1", bundle=bundle, binary=shim))
    assert (got.pid, got.exit_status) == (5, 137)


def test_delete_passes_the_bundle_flag_before_the_action(shim: str, bundle: Path) -> None:
    (bundle / "delete-reply").write_bytes(b"")
    asyncio.run(manager().delete_dead(container_id="c1", bundle=bundle, binary=shim))
    assert recorded(bundle)["argv"][-3:] == ["-bundle", str(bundle), "delete"]


def test_a_missing_shim_binary_is_a_runtime_failure(bundle: Path) -> None:
    with pytest.raises(errors.RuntimeFailure, match="failed to start shim"):
        launch("/nonexistent/containerd-shim-x-v2", bundle)


def test_a_plain_start_output_is_the_address() -> None:
    assert parse_start_output(b"unix:///run/containerd/s/ab\n") == "unix:///run/containerd/s/ab"


def test_a_json_start_output_of_version_2_gives_its_address() -> None:
    output = b'{"version":2,"address":"unix:///s/ab","protocol":"ttrpc"}'
    assert parse_start_output(output) == "unix:///s/ab"


def test_a_json_start_output_of_task_api_version_3_is_refused() -> None:
    with pytest.raises(errors.RuntimeFailure, match="unsupported shim version"):
        parse_start_output(b'{"version":3,"address":"unix:///s/ab","protocol":"ttrpc"}')


def test_an_empty_start_output_is_refused() -> None:
    with pytest.raises(errors.RuntimeFailure, match="no address"):
        parse_start_output(b"")


def test_attach_log_makes_the_log_fifo(bundle: Path) -> None:
    async def main() -> None:
        shims = manager()
        shims.attach_log("c1", bundle)
        shims.close()

    asyncio.run(main())
    assert stat.S_ISFIFO(os.lstat(bundle / "log").st_mode)


def test_shim_log_lines_are_relogged_with_their_level(bundle: Path) -> None:
    records: list[logging.LogRecord] = []

    async def main() -> None:
        arrived = asyncio.Event()

        class Collect(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                records.append(record)
                arrived.set()

        handler = Collect()
        logging.getLogger("dockyard.runtime.shim").addHandler(handler)
        shims = manager()
        try:
            shims.attach_log("c1", bundle)
            writer = os.open(bundle / "log", os.O_WRONLY | os.O_NONBLOCK)
            os.write(writer, b'time="t" level=warning msg="slow"\n')
            os.close(writer)
            async with asyncio.timeout(5):
                await arrived.wait()
        finally:
            shims.close()
            logging.getLogger("dockyard.runtime.shim").removeHandler(handler)

    asyncio.run(main())
    assert [(r.levelno, r.getMessage()) for r in records] == [
        (logging.WARNING, 'shim c1: time="t" level=warning msg="slow"')
    ]


def test_a_reaped_process_is_not_running() -> None:
    child = subprocess.Popen(["true"])
    child.wait()
    assert not process_running(child.pid)


def test_waiting_for_a_process_that_keeps_running_gives_up() -> None:
    child = subprocess.Popen(["sleep", "30"])
    try:
        assert not asyncio.run(wait_process_exit(child.pid, 0.05))
    finally:
        child.kill()
        child.wait()


def test_waiting_for_a_process_returns_once_it_exits() -> None:
    child = subprocess.Popen(["sleep", "30"])
    try:

        async def main() -> bool:
            waiter = asyncio.create_task(wait_process_exit(child.pid, 10))
            await asyncio.sleep(0)
            child.kill()
            return await waiter

        assert asyncio.run(main())
    finally:
        child.wait()

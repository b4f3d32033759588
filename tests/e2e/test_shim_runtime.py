"""ShimRuntime against the real containerd-shim-runc-v2 and runc, with a busybox rootfs.

Every host object is ours and named ``dy…``: a temp dir under /tmp, a cgroup parent
``/dockyard-test-<rand>``, shim sockets hashed from our own exec root. Teardown kills only the
shim pids these tests started and removes every cgroup dir and temp dir, even on failure.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dockyard import errors
from dockyard.runtime import (
    ResolvedRuntime,
    RuntimeRegistry,
    ShimHandle,
    ShimRuntime,
    TaskEvent,
    TaskIO,
)
from dockyard.runtime.shim_manager import process_running, remove_socket, wait_process_exit
from dockyard.runtime.ttrpc import socket_path

SHIM = shutil.which("containerd-shim-runc-v2")
NAMESPACE = "dytest"
CGROUP_ROOT = Path("/sys/fs/cgroup")
SHIM_SOCKET_DIR = Path("/run/containerd/s")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root"),
    pytest.mark.skipif(SHIM is None, reason="containerd-shim-runc-v2 not installed"),
    pytest.mark.skipif(shutil.which("runc") is None, reason="runc not installed"),
]


@dataclass
class Sandbox:
    root: Path
    rootfs: Path
    cgroup_parent: str


@dataclass
class Harness:
    """One engine's exec root plus every shim its test created (for teardown)."""

    sandbox: Sandbox
    exec_root: Path
    shims: list[tuple[str, ShimHandle]] = field(default_factory=list)
    events: asyncio.Queue[TaskEvent] | None = None

    def new_id(self) -> str:
        return "dy" + secrets.token_hex(6)

    def runtime(self) -> ShimRuntime:
        self.events = asyncio.Queue()
        return ShimRuntime(
            exec_root=self.exec_root,
            namespace=NAMESPACE,
            on_event=self.events.put_nowait,
            call_timeout=10.0,
        )

    async def next_event(self, topic: str) -> TaskEvent:
        """The next event with ``topic`` the shims forwarded (bounded wait, no polling)."""
        assert self.events is not None
        async with asyncio.timeout(10):
            while (event := await self.events.get()).topic != topic:
                pass
        return event

    def resolved(self) -> ResolvedRuntime:
        return RuntimeRegistry().resolve("runc")  # ShimRuntime supplies the runc state dir

    def bundle(self, container_id: str, args: list[str]) -> Path:
        bundle = self.exec_root / "tasks" / container_id
        bundle.mkdir(parents=True)
        config = oci_config(
            args=args,
            rootfs=self.sandbox.rootfs,
            cgroups_path=f"{self.sandbox.cgroup_parent}/{container_id}",
        )
        (bundle / "config.json").write_text(json.dumps(config))
        return bundle

    async def create(
        self, runtime: ShimRuntime, args: list[str], io: TaskIO | None = None
    ) -> tuple[str, ShimHandle, int]:
        container_id = self.new_id()
        handle, pid = await runtime.create(
            container_id=container_id,
            bundle=self.bundle(container_id, args),
            runtime=self.resolved(),
            io=io or TaskIO(),
        )
        self.shims.append((container_id, handle))
        return container_id, handle, pid

    def run(self, scenario: Callable[[ShimRuntime], Awaitable[None]]) -> None:
        async def main() -> None:
            runtime = self.runtime()
            await runtime.open()
            try:
                await scenario(runtime)
            finally:
                await runtime.close()

        asyncio.run(main())

    def teardown(self) -> None:
        """Kill the shims this test started (by pid) and let their `delete` clean up."""
        for container_id, handle in self.shims:
            if handle.pid and process_running(handle.pid):
                os.kill(handle.pid, signal.SIGKILL)
            if handle.bundle.exists():
                subprocess.run(
                    [
                        handle.binary,
                        "-namespace",
                        NAMESPACE,
                        "-address",
                        str(self.exec_root / "containerd.sock"),
                        "-publish-binary",
                        handle.binary,
                        "-id",
                        container_id,
                        "-bundle",
                        str(handle.bundle),
                        "delete",
                    ],
                    cwd=handle.bundle,
                    capture_output=True,
                    timeout=30,
                    check=False,
                )
            remove_socket(handle.address)


def oci_config(*, args: list[str], rootfs: Path, cgroups_path: str) -> dict[str, object]:
    caps = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_KILL", "CAP_SETGID", "CAP_SETUID"]
    return {
        "ociVersion": "1.0.2-dev",
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": args,
            "env": ["PATH=/bin"],
            "cwd": "/",
            "capabilities": {"bounding": caps, "effective": caps, "permitted": caps},
        },
        "root": {"path": str(rootfs)},
        "hostname": "dy",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {
                "destination": "/dev",
                "type": "tmpfs",
                "source": "tmpfs",
                "options": ["nosuid", "strictatime", "mode=755", "size=65536k"],
            },
        ],
        "linux": {
            "namespaces": [{"type": kind} for kind in ("mount", "pid", "ipc", "uts", "network")],
            "cgroupsPath": cgroups_path,
        },
    }


def exec_process(args: list[str]) -> dict[str, object]:
    return {"args": args, "env": ["PATH=/bin"], "cwd": "/", "user": {"uid": 0, "gid": 0}}


def build_rootfs(rootfs: Path) -> None:
    (rootfs / "bin").mkdir(parents=True)
    for directory in ("proc", "dev", "tmp"):
        (rootfs / directory).mkdir()
    shutil.copy("/bin/busybox", rootfs / "bin" / "busybox")
    for applet in ("sh", "echo", "sleep", "cat", "true"):
        (rootfs / "bin" / applet).symlink_to("busybox")


def remove_cgroups(parent: str) -> None:
    """rmdir our cgroup parent in every hierarchy, first killing what a failed test leaked.

    Only processes inside our own ``dockyard-test-…`` cgroup are killed: containers these
    tests started.
    """
    for procs in (CGROUP_ROOT / "pids" / parent.lstrip("/")).glob("**/cgroup.procs"):
        for pid in map(int, procs.read_text().split()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            asyncio.run(wait_process_exit(pid, 5))
    for hierarchy in CGROUP_ROOT.iterdir():
        top = hierarchy / parent.lstrip("/")
        if not top.is_dir():
            continue
        for directory, _, _ in sorted(os.walk(top), key=lambda w: -len(w[0])):
            with contextlib.suppress(OSError):
                os.rmdir(directory)


def cgroup_exists(sandbox: Sandbox, container_id: str) -> bool:
    relative = f"{sandbox.cgroup_parent.lstrip('/')}/{container_id}"
    return any((hierarchy / relative).exists() for hierarchy in CGROUP_ROOT.iterdir())


def processes_in(directory: Path) -> list[int]:
    """Pids of live processes whose cwd is ``directory`` (a shim runs in its bundle)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if os.readlink(entry / "cwd") == str(directory) and process_running(int(entry.name)):
                pids.append(int(entry.name))
    return pids


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    socket_dir_existed = SHIM_SOCKET_DIR.exists()
    root = Path(tempfile.mkdtemp(prefix="dy-shimtest-", dir="/tmp"))
    box = Sandbox(
        root=root,
        rootfs=root / "rootfs",
        cgroup_parent=f"/dockyard-test-{secrets.token_hex(4)}",
    )
    try:
        build_rootfs(box.rootfs)
        yield box
    finally:
        remove_cgroups(box.cgroup_parent)
        shutil.rmtree(root, ignore_errors=True)
        if not socket_dir_existed:
            for directory in (SHIM_SOCKET_DIR, SHIM_SOCKET_DIR.parent):
                with contextlib.suppress(OSError):
                    directory.rmdir()


@pytest.fixture
def harness(sandbox: Sandbox) -> Iterator[Harness]:
    exec_root = Path(tempfile.mkdtemp(prefix="e", dir=sandbox.root))
    harness = Harness(sandbox=sandbox, exec_root=exec_root)
    try:
        yield harness
    finally:
        harness.teardown()


def test_wait_reports_the_exit_code_of_the_init_process(harness: Harness) -> None:
    async def scenario(runtime: ShimRuntime) -> None:
        container_id, _, _ = await harness.create(runtime, ["sh", "-c", "exit 3"])
        waiter = asyncio.create_task(runtime.wait(container_id))
        await runtime.start(container_id)
        assert (await waiter).exit_code == 3

    harness.run(scenario)


def test_stdout_of_the_task_lands_in_the_fifo_passed_to_create(harness: Harness) -> None:
    fifo = harness.exec_root / "stdout.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # as the engine holds it: never EOF

    async def scenario(runtime: ShimRuntime) -> None:
        io = TaskIO(stdout=str(fifo))
        container_id, _, _ = await harness.create(runtime, ["echo", "hello from dy"], io)
        waiter = asyncio.create_task(runtime.wait(container_id))
        await runtime.start(container_id)
        await waiter
        await runtime.delete(container_id)  # the shim flushes and closes stdio on delete

    try:
        harness.run(scenario)
        assert os.read(reader, 4096) == b"hello from dy\n"
    finally:
        os.close(reader)


def test_sigkill_makes_the_task_exit_with_137(harness: Harness) -> None:
    async def scenario(runtime: ShimRuntime) -> None:
        container_id, _, _ = await harness.create(runtime, ["sleep", "100"])
        await runtime.start(container_id)
        waiter = asyncio.create_task(runtime.wait(container_id))
        await runtime.kill(container_id, signal.SIGKILL)
        assert (await waiter).exit_code == 137

    harness.run(scenario)


def test_an_exec_process_reports_its_own_exit_code(harness: Harness) -> None:
    async def scenario(runtime: ShimRuntime) -> None:
        container_id, _, _ = await harness.create(runtime, ["sleep", "100"])
        await runtime.start(container_id)
        await runtime.exec(container_id, "e1", exec_process(["sh", "-c", "exit 5"]), TaskIO())
        waiter = asyncio.create_task(runtime.wait(container_id, "e1"))
        await runtime.start(container_id, "e1")
        assert (await waiter).exit_code == 5

    harness.run(scenario)


def test_state_of_a_started_task_is_running_with_its_pid(harness: Harness) -> None:
    async def scenario(runtime: ShimRuntime) -> None:
        container_id, _, pid = await harness.create(runtime, ["sleep", "100"])
        await runtime.start(container_id)
        state = await runtime.state(container_id)
        assert (state.status, state.pid) == ("running", pid)

    harness.run(scenario)


def test_runc_keeps_the_container_state_under_the_exec_root(harness: Harness) -> None:
    async def scenario(runtime: ShimRuntime) -> None:
        container_id, _, _ = await harness.create(runtime, ["sleep", "100"])
        state_dir = harness.exec_root / "runtime-runc" / NAMESPACE / container_id
        assert (state_dir / "state.json").is_file()

    harness.run(scenario)


def test_pids_lists_the_init_process(harness: Harness) -> None:
    async def scenario(runtime: ShimRuntime) -> None:
        container_id, _, pid = await harness.create(runtime, ["sleep", "100"])
        await runtime.start(container_id)
        assert await runtime.pids(container_id) == [pid]

    harness.run(scenario)


def test_update_writes_the_memory_limit_to_the_cgroup(harness: Harness) -> None:
    async def scenario(runtime: ShimRuntime) -> None:
        container_id, _, _ = await harness.create(runtime, ["sleep", "100"])
        await runtime.start(container_id)
        await runtime.update(container_id, {"memory": {"limit": 64 * 1024 * 1024}})
        cgroup = CGROUP_ROOT / "memory" / harness.sandbox.cgroup_parent.lstrip("/") / container_id
        assert (cgroup / "memory.limit_in_bytes").read_text().strip() == str(64 * 1024 * 1024)

    harness.run(scenario)


def test_killing_an_unknown_exec_is_not_found(harness: Harness) -> None:
    async def scenario(runtime: ShimRuntime) -> None:
        container_id, _, _ = await harness.create(runtime, ["sleep", "100"])
        await runtime.start(container_id)
        with pytest.raises(errors.NotFound):
            await runtime.kill(container_id, signal.SIGTERM, exec_id="nope")

    harness.run(scenario)


def test_a_missing_binary_fails_create_with_the_runtime_message(harness: Harness) -> None:
    async def scenario(runtime: ShimRuntime) -> None:
        with pytest.raises(errors.RuntimeFailure, match="executable file not found"):
            await harness.create(runtime, ["nope"])

    harness.run(scenario)


def test_a_failed_create_leaves_no_shim_cgroup_socket_or_runc_state(harness: Harness) -> None:
    container_id = harness.new_id()
    bundle = harness.bundle(container_id, ["nope"])
    address = f"{harness.exec_root}/containerd.sock/{NAMESPACE}/{container_id}"
    shim_socket = SHIM_SOCKET_DIR / hashlib.sha256(address.encode()).hexdigest()

    async def scenario(runtime: ShimRuntime) -> None:
        with pytest.raises(errors.RuntimeFailure):
            await runtime.create(
                container_id=container_id, bundle=bundle, runtime=harness.resolved(), io=TaskIO()
            )

    harness.run(scenario)
    assert processes_in(bundle) == []
    assert not cgroup_exists(harness.sandbox, container_id)
    assert not shim_socket.exists()
    assert not (harness.exec_root / "runtime-runc" / NAMESPACE / container_id).exists()


def test_a_create_failing_after_runc_create_leaves_no_container_behind(
    harness: Harness,
) -> None:
    container_id = harness.new_id()
    bundle = harness.bundle(container_id, ["sleep", "100"])
    unopenable = TaskIO(stdout=str(harness.exec_root / "missing-dir" / "stdout"))

    async def scenario(runtime: ShimRuntime) -> None:
        with pytest.raises(errors.RuntimeFailure, match="missing-dir"):
            await runtime.create(
                container_id=container_id, bundle=bundle, runtime=harness.resolved(), io=unopenable
            )

    harness.run(scenario)
    assert not cgroup_exists(harness.sandbox, container_id)
    assert not (harness.exec_root / "runtime-runc" / NAMESPACE / container_id).exists()


def test_the_exit_event_reaches_the_sink_with_the_exit_status(harness: Harness) -> None:
    async def scenario(runtime: ShimRuntime) -> None:
        container_id, _, _ = await harness.create(runtime, ["sh", "-c", "exit 7"])
        waiter = asyncio.create_task(runtime.wait(container_id))
        await runtime.start(container_id)
        await waiter
        event = await harness.next_event("/tasks/exit")
        assert (event.container_id, event.exec_id, event.exit_status) == (container_id, "", 7)

    harness.run(scenario)


def test_shutdown_after_delete_ends_the_shim_and_removes_its_socket(harness: Harness) -> None:
    async def scenario(runtime: ShimRuntime) -> None:
        container_id, handle, _ = await harness.create(runtime, ["true"])
        waiter = asyncio.create_task(runtime.wait(container_id))
        await runtime.start(container_id)
        await waiter
        await runtime.delete(container_id)
        await runtime.shutdown(container_id)
        assert not process_running(handle.pid)
        assert not Path(socket_path(handle.address)).exists()

    harness.run(scenario)


def test_reconnect_after_dropping_the_client_finds_the_task_still_running(
    harness: Harness,
) -> None:
    async def first_engine(runtime: ShimRuntime) -> None:
        container_id, handle, _ = await harness.create(runtime, ["sleep", "100"])
        await runtime.start(container_id)

    async def second_engine(runtime: ShimRuntime) -> None:
        container_id, handle = harness.shims[0]
        assert await runtime.reconnect(container_id, handle)
        assert (await runtime.state(container_id)).status == "running"

    harness.run(first_engine)
    harness.run(second_engine)


def test_reconnect_to_a_killed_shim_returns_false(harness: Harness) -> None:
    async def first_engine(runtime: ShimRuntime) -> None:
        container_id, handle, _ = await harness.create(runtime, ["sleep", "100"])
        await runtime.start(container_id)
        os.kill(handle.pid, signal.SIGKILL)  # the shim pid this test started

    async def second_engine(runtime: ShimRuntime) -> None:
        container_id, handle = harness.shims[0]
        assert not await runtime.reconnect(container_id, handle)

    harness.run(first_engine)
    harness.run(second_engine)


def test_cleanup_of_a_killed_shim_reports_137_and_removes_the_container(
    harness: Harness,
) -> None:
    async def scenario(runtime: ShimRuntime) -> None:
        container_id, handle, pid = await harness.create(runtime, ["sleep", "100"])
        await runtime.start(container_id)
        os.kill(handle.pid, signal.SIGKILL)  # the shim pid this test started
        status = await runtime.cleanup_dead_shim(container_id, handle)
        assert status.exit_code == 137
        assert not process_running(pid)
        assert not Path(socket_path(handle.address)).exists()

    harness.run(scenario)

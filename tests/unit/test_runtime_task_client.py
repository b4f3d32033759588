"""TaskClient against a fake shim: a TtrpcServer answering containerd.task.v2.Task."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

import pytest
from google.protobuf import empty_pb2
from google.protobuf.message import Message

from dockyard import errors
from dockyard.runtime.proto import task_pb2
from dockyard.runtime.task_client import SERVICE, TaskClient
from dockyard.runtime.timestamps import GO_ZERO_TIME
from dockyard.runtime.ttrpc import Code, TtrpcServer, TtrpcStatusError
from dockyard.runtime.types import TaskIO

Handler = Callable[[bytes, Mapping[str, str]], Awaitable[bytes]]


class FakeShim:
    """Records every request it gets; answers with what a test configured per method."""

    def __init__(self) -> None:
        self.requests: dict[str, list[bytes]] = {}
        self.replies: dict[str, Callable[[], Awaitable[Message]]] = {}

    def handlers(self) -> dict[tuple[str, str], Handler]:
        methods = ("Connect", "Create", "Start", "State", "Kill", "Exec", "Wait", "Shutdown")
        return {(SERVICE, method): self._handler(method) for method in methods}

    def reply(self, method: str, message: Message) -> None:
        async def answer() -> Message:
            return message

        self.replies[method] = answer

    def fail(self, method: str, code: int, message: str) -> None:
        async def answer() -> Message:
            raise TtrpcStatusError(code, message)

        self.replies[method] = answer

    def _handler(self, method: str) -> Handler:
        async def handle(payload: bytes, metadata: Mapping[str, str]) -> bytes:
            self.requests.setdefault(method, []).append(payload)
            answer = self.replies.get(method)
            return (await answer()).SerializeToString() if answer else b""

        return handle


def against(
    sock_dir: Path,
    shim: FakeShim,
    body: Callable[[TaskClient], Awaitable[None]],
    *,
    call_timeout: float = 5.0,
) -> None:
    async def main() -> None:
        server = TtrpcServer(handlers=shim.handlers())
        await server.start(sock_dir / "shim.sock")
        client = TaskClient(
            address=f"unix://{sock_dir}/shim.sock", namespace="dy", call_timeout=call_timeout
        )
        try:
            await body(client)
        finally:
            await client.close()
            await server.close()

    asyncio.run(main())


def test_a_not_found_status_becomes_errors_not_found(sock_dir: Path) -> None:
    shim = FakeShim()
    shim.fail("State", Code.NOT_FOUND, "container not created: not found")

    async def body(client: TaskClient) -> None:
        with pytest.raises(errors.NotFound, match="container not created: not found"):
            await client.state("c1")

    against(sock_dir, shim, body)


def test_any_other_status_becomes_a_runtime_failure_with_the_shim_message(
    sock_dir: Path,
) -> None:
    shim = FakeShim()
    message = "OCI runtime create failed: runc create failed: unable to start container process"
    shim.fail("Create", Code.UNKNOWN, message)

    async def body(client: TaskClient) -> None:
        with pytest.raises(errors.RuntimeFailure) as caught:
            await client.create(container_id="c1", bundle="/b/c1", io=TaskIO(), options=None)
        assert caught.value.message == message and not isinstance(caught.value, errors.NotFound)

    against(sock_dir, shim, body)


def test_create_sends_id_bundle_and_stdio(sock_dir: Path) -> None:
    shim = FakeShim()
    shim.reply("Create", task_pb2.CreateTaskResponse(pid=42))
    io = TaskIO(stdin="/b/in", stdout="/b/out", stderr="/b/err")

    async def body(client: TaskClient) -> None:
        assert await client.create(container_id="c1", bundle="/b/c1", io=io, options=None) == 42

    against(sock_dir, shim, body)
    sent = task_pb2.CreateTaskRequest.FromString(shim.requests["Create"][0])
    assert (sent.id, sent.bundle, sent.stdin, sent.stdout, sent.stderr) == (
        "c1",
        "/b/c1",
        "/b/in",
        "/b/out",
        "/b/err",
    )


def test_stdout_without_stderr_sends_dev_null_for_stderr(sock_dir: Path) -> None:
    shim = FakeShim()

    async def body(client: TaskClient) -> None:
        await client.create(
            container_id="c1", bundle="/b/c1", io=TaskIO(stdout="/b/out"), options=None
        )

    against(sock_dir, shim, body)
    assert task_pb2.CreateTaskRequest.FromString(shim.requests["Create"][0]).stderr == "/dev/null"


def test_exec_sends_the_process_as_oci_json(sock_dir: Path) -> None:
    shim = FakeShim()
    process = {"args": ["sh"], "cwd": "/"}

    async def body(client: TaskClient) -> None:
        await client.exec("c1", "e1", process=process, io=TaskIO())

    against(sock_dir, shim, body)
    spec = task_pb2.ExecProcessRequest.FromString(shim.requests["Exec"][0]).spec
    assert spec.type_url == "types.containerd.io/opencontainers/runtime-spec/1/Process"
    assert json.loads(spec.value) == process


def test_kill_sends_signal_all_and_exec_id(sock_dir: Path) -> None:
    shim = FakeShim()

    async def body(client: TaskClient) -> None:
        await client.kill("c1", 9, all=True, exec_id="e1")

    against(sock_dir, shim, body)
    sent = task_pb2.KillRequest.FromString(shim.requests["Kill"][0])
    assert (sent.id, sent.exec_id, sent.signal, sent.all) == ("c1", "e1", 9, True)


def test_state_names_the_status_in_lower_case(sock_dir: Path) -> None:
    shim = FakeShim()
    shim.reply("State", task_pb2.StateResponse(status=task_pb2.RUNNING, pid=7))

    async def body(client: TaskClient) -> None:
        state = await client.state("c1")
        assert (state.status, state.pid, state.exited_at) == ("running", 7, GO_ZERO_TIME)

    against(sock_dir, shim, body)


def test_wait_is_not_bounded_by_the_call_timeout(sock_dir: Path) -> None:
    shim = FakeShim()
    release = asyncio.Event()

    async def exit_later() -> Message:
        await release.wait()
        return task_pb2.WaitResponse(exit_status=3)

    shim.replies["Wait"] = exit_later

    async def body(client: TaskClient) -> None:
        waiter = asyncio.create_task(client.wait("c1"))
        await asyncio.sleep(0.2)  # well past the 0.05 s call timeout
        release.set()
        assert (await waiter).exit_code == 3

    against(sock_dir, shim, body, call_timeout=0.05)


def test_a_unary_call_the_shim_never_answers_times_out_as_a_runtime_failure(
    sock_dir: Path,
) -> None:
    shim = FakeShim()

    async def never() -> Message:
        await asyncio.Event().wait()
        return empty_pb2.Empty()

    shim.replies["Start"] = never

    async def body(client: TaskClient) -> None:
        with pytest.raises(errors.RuntimeFailure, match="no reply"):
            await client.start("c1")

    against(sock_dir, shim, body, call_timeout=0.05)


def test_the_client_redials_after_the_shim_connection_broke(sock_dir: Path) -> None:
    shim = FakeShim()
    shim.reply("Connect", task_pb2.ConnectResponse(shim_pid=99))

    async def main() -> None:
        client = TaskClient(address=f"unix://{sock_dir}/shim.sock", namespace="dy", call_timeout=5)
        for _ in range(2):  # same socket path, a new server each round
            server = TtrpcServer(handlers=shim.handlers())
            await server.start(sock_dir / "shim.sock")
            assert (await client.connect("c1")).shim_pid == 99
            await server.close()
        await client.close()

    asyncio.run(main())


def test_calls_carry_the_containerd_namespace_metadata(sock_dir: Path) -> None:
    seen: list[Mapping[str, str]] = []

    async def record(payload: bytes, metadata: Mapping[str, str]) -> bytes:
        seen.append(metadata)
        return b""

    async def main() -> None:
        server = TtrpcServer(handlers={(SERVICE, "Kill"): record})
        await server.start(sock_dir / "shim.sock")
        client = TaskClient(address=f"unix://{sock_dir}/shim.sock", namespace="dy", call_timeout=5)
        await client.kill("c1", 15)
        await client.close()
        await server.close()

    asyncio.run(main())
    assert seen == [{"containerd-namespace-ttrpc": "dy"}]

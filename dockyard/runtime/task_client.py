"""Typed async calls of the ``containerd.task.v2.Task`` service one shim serves.

``TaskClient`` owns the connection policy: unary calls share one connection (re-dialled if it
broke) and each run under ``call_timeout``; ``wait`` dials its own connection and has no
timeout, because it blocks until the process exits. The shim's errors become dockyard errors
here and nowhere else: ``NotFound`` (code 5) → :class:`errors.NotFound`, every other code →
:class:`errors.RuntimeFailure`, both carrying the shim's message (which Docker shows users).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from google.protobuf import any_pb2, empty_pb2
from google.protobuf.message import Message

from dockyard import errors
from dockyard.runtime.proto import task_pb2
from dockyard.runtime.timestamps import rfc3339_nano
from dockyard.runtime.ttrpc import (
    Code,
    TtrpcClient,
    TtrpcConnectionError,
    TtrpcStatusError,
    TtrpcTimeoutError,
)
from dockyard.runtime.types import ExitStatus, TaskIO

SERVICE = "containerd.task.v2.Task"
NAMESPACE_METADATA_KEY = "containerd-namespace-ttrpc"
DEV_NULL = "/dev/null"
OCI_PROCESS_TYPE_URL = "types.containerd.io/opencontainers/runtime-spec/1/Process"
OCI_RESOURCES_TYPE_URL = "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources"

M = TypeVar("M", bound=Message)


@dataclass(frozen=True)
class TaskState:
    """A task or exec as the shim sees it; ``status`` is created/running/stopped/paused/…"""

    status: str
    pid: int
    exit_status: int
    exited_at: str


@dataclass(frozen=True)
class ShimInfo:
    """``Connect``'s answer: the serving shim's pid and the init pid (0 before Create)."""

    shim_pid: int
    task_pid: int
    version: str


def shim_stdio(io: TaskIO) -> TaskIO:
    """Make "empty = /dev/null" true for the shim too.

    The runc shim opens stdout and stderr as soon as either is set, and fails on an empty
    name (``opening file "" failed``); ``/dev/null`` is a path it can open for appending.
    With a terminal only stdout is used, so nothing needs filling in.
    """
    if io.terminal or not (io.stdout or io.stderr):
        return io
    return replace(io, stdout=io.stdout or DEV_NULL, stderr=io.stderr or DEV_NULL)


def oci_any(type_url: str, document: Mapping[str, Any]) -> any_pb2.Any:
    """An OCI Go type packed the way containerd's typeurl does it: JSON in an Any."""
    return any_pb2.Any(type_url=type_url, value=json.dumps(document).encode())


class TaskClient:
    """The Task API of the shim listening on ``address``."""

    def __init__(self, *, address: str, namespace: str, call_timeout: float) -> None:
        self.address = address
        self._metadata = {NAMESPACE_METADATA_KEY: namespace}
        self._call_timeout = call_timeout
        self._connection: TtrpcClient | None = None
        self._dial_lock = asyncio.Lock()

    async def close(self) -> None:
        """Drop the shared connection (the shim keeps running)."""
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def connect(self, container_id: str) -> ShimInfo:
        reply = await self._call(
            "Connect", task_pb2.ConnectRequest(id=container_id), task_pb2.ConnectResponse
        )
        return ShimInfo(shim_pid=reply.shim_pid, task_pid=reply.task_pid, version=reply.version)

    async def create(
        self, *, container_id: str, bundle: str, io: TaskIO, options: any_pb2.Any | None
    ) -> int:
        io = shim_stdio(io)
        request = task_pb2.CreateTaskRequest(
            id=container_id,
            bundle=bundle,
            terminal=io.terminal,
            stdin=io.stdin,
            stdout=io.stdout,
            stderr=io.stderr,
        )
        if options is not None:
            request.options.CopyFrom(options)
        reply = await self._call("Create", request, task_pb2.CreateTaskResponse)
        return int(reply.pid)

    async def start(self, container_id: str, exec_id: str = "") -> int:
        request = task_pb2.StartRequest(id=container_id, exec_id=exec_id)
        return int((await self._call("Start", request, task_pb2.StartResponse)).pid)

    async def wait(self, container_id: str, exec_id: str = "") -> ExitStatus:
        """Block until the process exits, on a connection of its own, with no timeout."""
        connection = await self._dial()
        try:
            reply = await self._translate(
                connection.call(
                    SERVICE,
                    "Wait",
                    task_pb2.WaitRequest(id=container_id, exec_id=exec_id),
                    task_pb2.WaitResponse,
                )
            )
        finally:
            await connection.close()
        return ExitStatus(
            exit_code=reply.exit_status,
            exited_at=rfc3339_nano(reply.exited_at if reply.HasField("exited_at") else None),
        )

    async def kill(
        self, container_id: str, signal: int, *, all: bool = False, exec_id: str = ""
    ) -> None:
        request = task_pb2.KillRequest(id=container_id, exec_id=exec_id, signal=signal, all=all)
        await self._call("Kill", request, empty_pb2.Empty)

    async def delete(self, container_id: str, exec_id: str = "") -> ExitStatus:
        request = task_pb2.DeleteRequest(id=container_id, exec_id=exec_id)
        reply = await self._call("Delete", request, task_pb2.DeleteResponse)
        return exit_status_of(reply)

    async def state(self, container_id: str, exec_id: str = "") -> TaskState:
        request = task_pb2.StateRequest(id=container_id, exec_id=exec_id)
        reply = await self._call("State", request, task_pb2.StateResponse)
        return TaskState(
            status=task_pb2.Status.Name(reply.status).lower(),
            pid=reply.pid,
            exit_status=reply.exit_status,
            exited_at=rfc3339_nano(reply.exited_at if reply.HasField("exited_at") else None),
        )

    async def pids(self, container_id: str) -> list[int]:
        reply = await self._call(
            "Pids", task_pb2.PidsRequest(id=container_id), task_pb2.PidsResponse
        )
        return [process.pid for process in reply.processes]

    async def exec(
        self, container_id: str, exec_id: str, *, process: Mapping[str, Any], io: TaskIO
    ) -> None:
        io = shim_stdio(io)
        request = task_pb2.ExecProcessRequest(
            id=container_id,
            exec_id=exec_id,
            terminal=io.terminal,
            stdin=io.stdin,
            stdout=io.stdout,
            stderr=io.stderr,
            spec=oci_any(OCI_PROCESS_TYPE_URL, process),
        )
        await self._call("Exec", request, empty_pb2.Empty)

    async def resize_pty(self, container_id: str, exec_id: str, *, width: int, height: int) -> None:
        request = task_pb2.ResizePtyRequest(
            id=container_id, exec_id=exec_id, width=width, height=height
        )
        await self._call("ResizePty", request, empty_pb2.Empty)

    async def close_io(self, container_id: str, exec_id: str = "") -> None:
        request = task_pb2.CloseIORequest(id=container_id, exec_id=exec_id, stdin=True)
        await self._call("CloseIO", request, empty_pb2.Empty)

    async def update(self, container_id: str, resources: Mapping[str, Any]) -> None:
        request = task_pb2.UpdateTaskRequest(
            id=container_id, resources=oci_any(OCI_RESOURCES_TYPE_URL, resources)
        )
        await self._call("Update", request, empty_pb2.Empty)

    async def shutdown(self, container_id: str) -> None:
        """Ask the shim to exit; a connection that breaks while it does so counts as done."""
        try:
            await self._call("Shutdown", task_pb2.ShutdownRequest(id=container_id), empty_pb2.Empty)
        except TtrpcConnectionError:
            return

    async def _call(self, method: str, request: Message, response_type: type[M]) -> M:
        connection = await self._shared_connection()
        return await self._translate(
            connection.call(SERVICE, method, request, response_type, timeout=self._call_timeout)
        )

    async def _shared_connection(self) -> TtrpcClient:
        async with self._dial_lock:
            if self._connection is None or self._connection.closed:
                if self._connection is not None:
                    await self._connection.close()
                self._connection = await self._dial()
            return self._connection

    async def _dial(self) -> TtrpcClient:
        try:
            async with asyncio.timeout(self._call_timeout):
                return await TtrpcClient.connect(self.address, metadata=self._metadata)
        except TimeoutError as exc:
            raise TtrpcTimeoutError(f"ttrpc: dial {self.address}: timed out") from exc

    @staticmethod
    async def _translate(call: Awaitable[M]) -> M:
        try:
            return await call
        except TtrpcStatusError as exc:
            if exc.code == Code.NOT_FOUND:
                raise errors.NotFound(exc.message) from exc
            raise errors.RuntimeFailure(exc.message) from exc


def exit_status_of(reply: task_pb2.DeleteResponse) -> ExitStatus:
    """The exit status a ``Delete`` reply (or the ``delete`` subcommand's stdout) carries."""
    return ExitStatus(
        exit_code=reply.exit_status,
        exited_at=rfc3339_nano(reply.exited_at if reply.HasField("exited_at") else None),
    )

"""``ShimRuntime``: the one object the engine uses to run containers.

It joins the three runtime parts: :class:`ShimManager` (shim processes), :class:`TaskClient`
(the Task API of one shim) and :class:`EventsServer` (events the shims post). It keeps, per
container, the shim's :class:`ShimHandle` and a client; the handle is what the engine persists
so that a restarted engine can :meth:`ShimRuntime.reconnect` (shim alive) or
:meth:`ShimRuntime.cleanup_dead_shim` (shim gone).

Every shim this engine starts gets ``-address <exec_root>/containerd.sock``: that path is never
listened on, but the shim hashes it (with namespace and id) into its socket name under
``/run/containerd/s``, so a unique exec root keeps our sockets apart from a real containerd's.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from signal import SIGKILL
from typing import Any

from google.protobuf import any_pb2

from dockyard import errors
from dockyard.runtime.events_server import EventsServer
from dockyard.runtime.proto import runc_options_pb2
from dockyard.runtime.registry import RUNC_OPTIONS_TYPE_URL, RUNC_STATE_DIR
from dockyard.runtime.shim_manager import (
    ShimManager,
    process_running,
    remove_socket,
    wait_process_exit,
)
from dockyard.runtime.task_client import TaskClient, TaskState, exit_status_of
from dockyard.runtime.ttrpc import TtrpcConnectionError, TtrpcTimeoutError
from dockyard.runtime.types import EventSink, ExitStatus, ResolvedRuntime, ShimHandle, TaskIO

log = logging.getLogger(__name__)

EVENTS_SOCKET = "shim-events.sock"
CONTAINERD_ADDRESS = "containerd.sock"


@dataclass
class _Shim:
    handle: ShimHandle
    tasks: TaskClient


class ShimRuntime:
    """Runs tasks through containerd shim v2 processes, one shim per container."""

    def __init__(
        self,
        *,
        exec_root: Path,
        namespace: str,
        on_event: EventSink,
        call_timeout: float = 30.0,
    ) -> None:
        self._exec_root = exec_root
        self._namespace = namespace
        self._call_timeout = call_timeout
        self._events = EventsServer(
            socket_path=exec_root / EVENTS_SOCKET, namespace=namespace, on_event=on_event
        )
        self._manager = ShimManager(
            namespace=namespace,
            containerd_address=str(exec_root / CONTAINERD_ADDRESS),
            events_address=str(exec_root / EVENTS_SOCKET),
            command_timeout=call_timeout,
        )
        self._shims: dict[str, _Shim] = {}

    async def open(self) -> None:
        """Start the Events/Forward server at ``<exec_root>/shim-events.sock``."""
        self._exec_root.mkdir(parents=True, exist_ok=True)
        try:
            await self._events.start()
        except OSError as exc:
            raise errors.RuntimeFailure(
                f"cannot listen on {self._events.socket_path}: {exc}"
            ) from exc

    async def close(self) -> None:
        """Stop the events server and drop every client connection; shims keep running."""
        await self._events.close()
        for shim in self._shims.values():
            await shim.tasks.close()
        self._shims.clear()
        self._manager.close()

    async def create(
        self, *, container_id: str, bundle: Path, runtime: ResolvedRuntime, io: TaskIO
    ) -> tuple[ShimHandle, int]:
        """Start a shim for ``bundle`` and create (not start) the task; returns handle and pid.

        On any failure nothing is left behind (shim process, socket, runc state) and the
        runtime's own message is raised as :class:`errors.RuntimeFailure`.
        """
        bundle = bundle.absolute()
        if bundle.name != container_id:
            raise errors.InvalidParameter(
                f"bundle directory {bundle} must be named after the container {container_id}"
            )
        if container_id in self._shims:
            raise errors.Conflict(f"container {container_id} already has a shim")
        options = _options_any(runtime, runc_root=self._exec_root / RUNC_STATE_DIR)
        tasks: TaskClient | None = None
        address = ""
        shim_pid = 0
        self._manager.attach_log(container_id, bundle)
        try:
            address = await self._manager.launch(
                container_id=container_id,
                bundle=bundle,
                binary=runtime.shim,
                options=options.SerializeToString() if options is not None else b"",
            )
            tasks = self._task_client(address)
            shim_pid = (await tasks.connect(container_id)).shim_pid
            pid = await tasks.create(
                container_id=container_id, bundle=str(bundle), io=io, options=options
            )
        except BaseException as exc:
            await self._undo_create(
                container_id=container_id,
                bundle=bundle,
                binary=runtime.shim,
                address=address,
                shim_pid=shim_pid,
                tasks=tasks,
            )
            if isinstance(exc, errors.DockyardError) and not isinstance(exc, errors.RuntimeFailure):
                raise errors.RuntimeFailure(exc.message) from exc
            raise
        handle = ShimHandle(address=address, bundle=bundle, binary=runtime.shim, pid=shim_pid)
        self._shims[container_id] = _Shim(handle=handle, tasks=tasks)
        return handle, pid

    async def start(self, container_id: str, exec_id: str = "") -> int:
        return await self._tasks(container_id).start(container_id, exec_id)

    async def wait(self, container_id: str, exec_id: str = "") -> ExitStatus:
        """Block until the process exits (own connection, no timeout)."""
        return await self._tasks(container_id).wait(container_id, exec_id)

    async def kill(
        self, container_id: str, signal: int, *, all: bool = False, exec_id: str = ""
    ) -> None:
        await self._tasks(container_id).kill(container_id, signal, all=all, exec_id=exec_id)

    async def delete(self, container_id: str, exec_id: str = "") -> ExitStatus:
        return await self._tasks(container_id).delete(container_id, exec_id)

    async def state(self, container_id: str, exec_id: str = "") -> TaskState:
        return await self._tasks(container_id).state(container_id, exec_id)

    async def pids(self, container_id: str) -> list[int]:
        return await self._tasks(container_id).pids(container_id)

    async def exec(
        self, container_id: str, exec_id: str, process: Mapping[str, Any], io: TaskIO
    ) -> None:
        """Add an exec process (OCI Process JSON); start it with ``start(id, exec_id)``."""
        await self._tasks(container_id).exec(container_id, exec_id, process=process, io=io)

    async def resize_pty(self, container_id: str, exec_id: str, *, width: int, height: int) -> None:
        await self._tasks(container_id).resize_pty(
            container_id, exec_id, width=width, height=height
        )

    async def close_io(self, container_id: str, exec_id: str = "") -> None:
        await self._tasks(container_id).close_io(container_id, exec_id)

    async def update(self, container_id: str, resources: Mapping[str, Any]) -> None:
        """Apply OCI ``LinuxResources`` JSON to the running container."""
        await self._tasks(container_id).update(container_id, resources)

    async def shutdown(self, container_id: str) -> None:
        """After ``delete``: stop the shim, wait (bounded) for its exit, clean its socket."""
        shim = self._shim(container_id)
        await shim.tasks.shutdown(container_id)
        await shim.tasks.close()
        pid = shim.handle.pid
        if pid and not await wait_process_exit(pid, self._call_timeout):
            raise errors.RuntimeFailure(
                f"shim of container {container_id} (pid {pid}) is still running after "
                "shutdown; was the task deleted?"
            )
        remove_socket(shim.handle.address)
        self._manager.detach_log(container_id)
        del self._shims[container_id]

    async def reconnect(self, container_id: str, handle: ShimHandle) -> bool:
        """After an engine restart: True (and tracked again) if the shim answers ``Connect``."""
        await self._forget(container_id)
        tasks = self._task_client(handle.address)
        try:
            info = await tasks.connect(container_id)
        except (TtrpcConnectionError, TtrpcTimeoutError) as exc:
            log.info("shim of %s at %s does not answer: %s", container_id, handle.address, exc)
            await tasks.close()
            return False
        if handle.pid and info.shim_pid != handle.pid:
            log.warning(
                "shim of %s answers as pid %d, handle says %d",
                container_id,
                info.shim_pid,
                handle.pid,
            )
        self._manager.attach_log(container_id, handle.bundle)
        self._shims[container_id] = _Shim(handle=replace(handle, pid=info.shim_pid), tasks=tasks)
        return True

    async def cleanup_dead_shim(self, container_id: str, handle: ShimHandle) -> ExitStatus:
        """The shim is gone: run its ``delete`` subcommand and report the container's exit."""
        await self._forget(container_id)
        reply = await self._manager.delete_dead(
            container_id=container_id, bundle=handle.bundle, binary=handle.binary
        )
        remove_socket(handle.address)
        return exit_status_of(reply)

    def handle(self, container_id: str) -> ShimHandle:
        """The handle of a tracked shim (what :meth:`create` returned, refreshed by reconnect)."""
        return self._shim(container_id).handle

    def _task_client(self, address: str) -> TaskClient:
        return TaskClient(
            address=address, namespace=self._namespace, call_timeout=self._call_timeout
        )

    def _shim(self, container_id: str) -> _Shim:
        shim = self._shims.get(container_id)
        if shim is None:
            raise errors.NotFound(f"no shim is connected for container {container_id}")
        return shim

    def _tasks(self, container_id: str) -> TaskClient:
        return self._shim(container_id).tasks

    async def _forget(self, container_id: str) -> None:
        shim = self._shims.pop(container_id, None)
        if shim is not None:
            await shim.tasks.close()
        self._manager.detach_log(container_id)

    async def _undo_create(
        self,
        *,
        container_id: str,
        bundle: Path,
        binary: str,
        address: str,
        shim_pid: int,
        tasks: TaskClient | None,
    ) -> None:
        """Remove whatever a failed :meth:`create` got as far as making.

        Ask the shim to kill, delete and exit; kill it if it will not. Then always run the
        shim's ``delete`` subcommand: a Create that fails *after* ``runc create`` (e.g. the
        shim cannot open a stdio path) leaves a created container the shim no longer tracks,
        and ``runc delete --force`` is the only thing that removes it and its cgroup.
        """
        if tasks is not None and shim_pid:
            with contextlib.suppress(errors.DockyardError):
                await tasks.kill(container_id, SIGKILL, all=True)
            with contextlib.suppress(errors.DockyardError):
                await tasks.delete(container_id)
            with contextlib.suppress(errors.DockyardError):
                await tasks.shutdown(container_id)
            if not await wait_process_exit(shim_pid, self._call_timeout):
                log.warning("shim %d of %s ignored shutdown; killing it", shim_pid, container_id)
                self._manager.kill(shim_pid)
                await wait_process_exit(shim_pid, self._call_timeout)
        if tasks is not None:
            await tasks.close()
        if address:
            try:
                await self._manager.delete_dead(
                    container_id=container_id, bundle=bundle, binary=binary
                )
            except errors.DockyardError as exc:
                log.warning("cleanup of failed create of %s: %s", container_id, exc)
            remove_socket(address)
        self._manager.detach_log(container_id)
        if shim_pid and process_running(shim_pid):
            log.error("shim %d of %s is still running after cleanup", shim_pid, container_id)


def _options_any(runtime: ResolvedRuntime, *, runc_root: Path) -> any_pb2.Any | None:
    """The options ``Any`` for start stdin and Create; runc options get our state dir."""
    if not runtime.options_type_url:
        return None
    value = runtime.options
    if runtime.options_type_url == RUNC_OPTIONS_TYPE_URL:
        options = runc_options_pb2.Options.FromString(value)
        if not options.root:
            options.root = str(runc_root)
            value = options.SerializeToString()
    return any_pb2.Any(type_url=runtime.options_type_url, value=value)

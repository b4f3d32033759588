"""``docker exec``: extra processes in a running container's task, kept in memory (as dockerd)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

from dockyard.engine.container import Container
from dockyard.engine.context import EngineContext
from dockyard.engine.facade import StdioSession
from dockyard.engine.stdio import ProcessStdio, StdioAttachment, StreamHub
from dockyard.errors import Conflict, DockyardError, InvalidParameter, no_such_exec
from dockyard.runtime.oci_spec import exec_process

log = logging.getLogger(__name__)


@dataclass
class ExecRecord:
    id: str
    container_id: str
    config: dict[str, Any]
    hub: StreamHub
    running: bool = False
    started: bool = False
    exit_code: int | None = None
    pid: int = 0
    stdio: ProcessStdio | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def argv(self) -> list[str]:
        return list(self.config.get("Cmd") or [])


class ExecManager:
    def __init__(self, *, ctx: EngineContext) -> None:
        self.ctx = ctx
        self._execs: dict[str, ExecRecord] = {}
        self._waiters: set[asyncio.Task[None]] = set()

    def _get(self, exec_id: str) -> ExecRecord:
        record = self._execs.get(exec_id)
        if record is None:
            raise no_such_exec(exec_id)
        return record

    async def create(self, container: Container, body: dict[str, Any]) -> str:
        if not isinstance(body, dict):
            raise InvalidParameter("invalid exec config")
        cmd = body.get("Cmd")
        if isinstance(cmd, str):
            cmd = [cmd]
        if not cmd:
            raise InvalidParameter("No exec command specified")
        if not container.state.running or container.state.restarting:
            raise Conflict(f"Container {container.id} is not running")
        if container.state.paused:
            raise Conflict(f"Container {container.id} is paused, unpause the container before exec")
        exec_id = secrets.token_hex(32)
        config = dict(body, Cmd=list(cmd))
        record = ExecRecord(
            id=exec_id,
            container_id=container.id,
            config=config,
            hub=StreamHub(tty=bool(config.get("Tty"))),
        )
        self._execs[exec_id] = record
        container.exec_ids.append(exec_id)
        self.ctx.emit(container, "exec_create: " + " ".join(record.argv), execID=exec_id)
        return exec_id

    async def start(self, exec_id: str, *, detach: bool, tty: bool) -> StdioSession | None:
        record = self._get(exec_id)
        if record.running:
            raise Conflict(f"Error: Exec command {exec_id} is already running")
        if record.started:
            raise Conflict(f"Error: Exec command {exec_id} has already run")
        container = self.ctx.containers.get(record.container_id)
        if (
            container is None
            or not container.state.running
            or container.state.restarting
            or self.ctx.live_of(container).exiting
        ):
            raise Conflict(f"Container {record.container_id} is not running")
        image = await asyncio.to_thread(self.ctx.images.resolve, container.image_id)
        rootfs = self.ctx.rootfs.mount(container.id, image.layer_dirs)
        process = exec_process(
            config=container.config,
            exec_config=record.config,
            rootfs=rootfs,
            host_config=container.host_config,
            container_id=container.id,
        )
        stdio = ProcessStdio(
            directory=self.ctx.fifo_dir(container.id),
            prefix=exec_id[:16],
            tty=bool(record.config.get("Tty")),
            stdin=bool(record.config.get("AttachStdin")),
            sink=lambda stream, chunk: record.hub.publish(stream, chunk),
            on_stdin_close=lambda: self.ctx.runtime.close_io(container.id, exec_id),
        )
        session = None
        if not detach:
            session = StdioAttachment(
                record.hub,
                stdout=bool(record.config.get("AttachStdout", True)),
                stderr=bool(record.config.get("AttachStderr", True)),
                stdin=bool(record.config.get("AttachStdin")),
                close_stdin_on_eof=True,
            )
        record.started = True
        stdio.open()
        record.hub.bind(stdio)
        record.stdio = stdio
        runtime = self.ctx.runtime
        try:
            await runtime.exec(container.id, exec_id, process, stdio.task_io)
            record.pid = await runtime.start(container.id, exec_id)
            stdio.mark_task_created()  # an exec's stdin exists in the shim only once started
        except DockyardError:
            stdio.drain_and_close()
            stdio.remove_files()
            record.hub.end_run()
            with contextlib.suppress(DockyardError):
                await runtime.delete(container.id, exec_id)
            raise
        record.running = True
        self.ctx.emit(container, "exec_start: " + " ".join(record.argv), execID=exec_id)
        waiter = asyncio.create_task(self._wait(container, record), name=f"exec-{exec_id[:12]}")
        self._waiters.add(waiter)
        waiter.add_done_callback(self._waiters.discard)
        return session

    async def _wait(self, container: Container, record: ExecRecord) -> None:
        runtime = self.ctx.runtime
        try:
            status = await runtime.wait(container.id, record.id)
            code = status.exit_code
        except DockyardError:
            code = 126
        with contextlib.suppress(DockyardError):
            await runtime.delete(container.id, record.id)
        if record.stdio is not None:
            record.stdio.drain_and_close()
            record.stdio.remove_files()
            record.stdio = None
        record.hub.end_run()
        record.exit_code = code
        record.running = False
        record.done.set()
        self.ctx.emit(container, "exec_die", execID=record.id, exitCode=str(code))

    def inspect(self, exec_id: str) -> dict[str, Any]:
        record = self._get(exec_id)
        argv = record.argv
        return {
            "ID": record.id,
            "Running": record.running,
            "ExitCode": record.exit_code,
            "ProcessConfig": {
                "tty": bool(record.config.get("Tty")),
                "entrypoint": argv[0] if argv else "",
                "arguments": argv[1:],
                "privileged": bool(record.config.get("Privileged")),
                "user": record.config.get("User") or "",
            },
            "OpenStdin": bool(record.config.get("AttachStdin")),
            "OpenStderr": bool(record.config.get("AttachStderr", True)),
            "OpenStdout": bool(record.config.get("AttachStdout", True)),
            "CanRemove": False,
            "ContainerID": record.container_id,
            "DetachKeys": record.config.get("DetachKeys") or "",
            "Pid": record.pid,
        }

    async def resize(self, exec_id: str, *, height: int, width: int) -> None:
        record = self._get(exec_id)
        if not record.running:
            raise Conflict(f"Exec {exec_id} is not running")
        if record.config.get("Tty"):
            await self.ctx.runtime.resize_pty(
                record.container_id, exec_id, width=width, height=height
            )

    async def close(self) -> None:
        """Engine shutdown: stop waiting on execs (they end with their container)."""
        for waiter in list(self._waiters):
            waiter.cancel()
        for waiter in list(self._waiters):
            with contextlib.suppress(asyncio.CancelledError):
                await waiter

    def forget_container(self, container_id: str) -> None:
        for exec_id, record in list(self._execs.items()):
            if record.container_id == container_id:
                del self._execs[exec_id]

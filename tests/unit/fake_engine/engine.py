"""``FakeEngine``: ``dockyard.engine.facade.EngineFacade`` in memory, for API tests.

It keeps dockerd's answers where the API depends on them (304 when already started or
stopped, 409 for kill/rm of the wrong state, 404 wording) and nothing more.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import re
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass, field
from typing import Any

from dockyard.engine.container import Container, now_rfc3339
from dockyard.engine.facade import ImageService, LogOptions, LogRecord
from dockyard.errors import (
    Conflict,
    InvalidParameter,
    NotModified,
    RuntimeFailure,
    no_such_container,
)

from . import system
from .execs import FakeExecs
from .images import FakeImages
from .program import BUILTINS, FakeSession, parse_signal, program_of, run_program

NAME_RE = re.compile(r"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")


@dataclass
class Live:
    """What the fake keeps beside a record: its 'process', streams, waiters and log."""

    stdin: asyncio.Queue[bytes | None] = field(default_factory=asyncio.Queue)
    sessions: list[tuple[FakeSession, bool, bool]] = field(default_factory=list)
    task: asyncio.Task[int] | None = None
    forced_exit: int | None = None
    exit_waiters: list[asyncio.Future[int]] = field(default_factory=list)
    removed_waiters: list[asyncio.Future[int]] = field(default_factory=list)
    log: list[LogRecord] = field(default_factory=list)
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    size: tuple[int, int] | None = None


class FakeEngine:
    def __init__(self) -> None:
        self.fake_images = FakeImages()
        self.images: ImageService = self.fake_images
        self.containers: dict[str, Container] = {}
        self.live: dict[str, Live] = {}
        self.execs = FakeExecs()
        self.events_log = system.FakeEvents()
        self._ids = itertools.count(1)

    # -- system -------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        running = sum(c.state.running for c in self.containers.values())
        return system.info(
            containers=len(self.containers), running=running, images=len(self.fake_images.images)
        )

    def version(self) -> dict[str, Any]:
        return system.version()

    def events(
        self, *, since: float | None, until: float | None, filters: dict[str, list[str]]
    ) -> AsyncIterator[dict[str, Any]]:
        return self.events_log.subscribe(since=since, until=until, filters=filters)

    def emit(self, container: Container, action: str, **attributes: str) -> None:
        attrs = {"image": container.image, "name": container.name, **attributes}
        self.events_log.emit(container.id, action, attrs)

    # -- containers ---------------------------------------------------------------------
    async def create_container(
        self, *, name: str | None, body: dict[str, Any]
    ) -> tuple[str, list[str]]:
        if not body.get("Image"):
            raise InvalidParameter("Config cannot be empty in order to create a container")
        image = self.fake_images.resolve(body["Image"])
        if name is not None and not NAME_RE.match(name):
            raise InvalidParameter(
                f"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
            )
        container_id = hashlib.sha256(f"container-{next(self._ids)}".encode()).hexdigest()
        name = (name or f"fake_{container_id[:6]}").lstrip("/")
        for other in self.containers.values():
            if other.name == name:
                raise Conflict(
                    f'Conflict. The container name "/{name}" is already in use by container '
                    f'"{other.id}". You have to remove (or rename) that container to be able '
                    "to reuse that name."
                )
        config = {k: v for k, v in body.items() if k not in ("HostConfig", "NetworkingConfig")}
        argv = (config.get("Entrypoint") or []) + (config.get("Cmd") or image["Config"]["Cmd"])
        container = Container(
            id=container_id,
            name=name,
            created=now_rfc3339(),
            image=body["Image"],
            image_id=image["Id"],
            config=config,
            host_config=dict(body.get("HostConfig") or {}),
            path=argv[0],
            args=argv[1:],
            runtime="runc",
        )
        self.containers[container_id] = container
        self.live[container_id] = Live()
        self.emit(container, "create")
        return container_id, []

    def get_container(self, ref: str) -> Container:
        ref = ref.lstrip("/")
        if ref in self.containers:
            return self.containers[ref]
        for container in self.containers.values():
            if container.name == ref:
                return container
        found = [c for c in self.containers.values() if ref and c.id.startswith(ref)]
        if len(found) == 1:
            return found[0]
        raise no_such_container(ref)

    def list_containers(
        self, *, all: bool, limit: int | None, filters: dict[str, list[str]]
    ) -> list[Container]:
        found = sorted(self.containers.values(), key=lambda c: c.created, reverse=True)
        if not all and not limit:
            found = [c for c in found if c.state.running]
        for name in filters.get("name", []):
            found = [c for c in found if name in c.name]
        for status in filters.get("status", []):
            found = [c for c in found if c.state.status.value == status]
        return found[:limit] if limit else found

    def _output(self, container: Container, stream: int, data: bytes) -> None:
        if container.config.get("Tty"):
            stream, data = 1, data.replace(b"\n", b"\r\n")
        live = self.live[container.id]
        name = "stderr" if stream == 2 else "stdout"
        live.log.append(LogRecord(stream=name, data=data, time=now_rfc3339()))
        for session, want_out, want_err in live.sessions:
            if (want_out and stream == 1) or (want_err and stream == 2):
                session.deliver((stream, data))
        asyncio.get_running_loop().create_task(self._notify(live))

    @staticmethod
    async def _notify(live: Live) -> None:
        async with live.changed:
            live.changed.notify_all()

    async def start(self, ref: str) -> None:
        container = self.get_container(ref)
        if container.state.running:
            raise NotModified("container already started")
        argv = [container.path, *container.args]
        command = program_of(argv)[0][0]
        if command not in BUILTINS:
            raise RuntimeFailure(
                "failed to create task for container: OCI runtime create failed: "
                f'exec: "{command}": executable file not found in $PATH: unknown'
            )
        live = self.live[container.id]
        container.state.set_running(pid=1000 + len(self.containers))
        container.has_been_started_before = True
        live.forced_exit = None

        def emit(stream: int, data: bytes) -> None:
            self._output(container, stream, data)

        live.task = asyncio.get_running_loop().create_task(run_program(argv, emit, live.stdin))
        live.task.add_done_callback(lambda task: self._exited(container, task))
        self.emit(container, "start")

    def _exited(self, container: Container, task: asyncio.Task[int]) -> None:
        live = self.live[container.id]
        code = live.forced_exit if task.cancelled() or live.forced_exit else task.result()
        container.state.set_stopped(code or 0)
        self.emit(container, "die", exitCode=str(container.state.exit_code))
        for session, _, _ in live.sessions:
            session.deliver(None)
        live.sessions.clear()
        for waiter in live.exit_waiters:
            if not waiter.done():
                waiter.set_result(container.state.exit_code)
        live.exit_waiters.clear()
        asyncio.get_running_loop().create_task(self._notify(live))
        if container.host_config.get("AutoRemove"):
            self._forget(container)

    def _forget(self, container: Container) -> None:
        live = self.live.pop(container.id)
        del self.containers[container.id]
        self.emit(container, "destroy")
        for waiter in live.removed_waiters:
            if not waiter.done():
                waiter.set_result(container.state.exit_code)

    async def _terminate(self, container: Container, signum: int) -> None:
        live = self.live[container.id]
        self.emit(container, "kill", signal=str(signum))
        live.forced_exit = 128 + signum
        assert live.task is not None
        live.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await live.task
        await asyncio.sleep(0)  # let the done callback record the exit

    async def stop(self, ref: str, *, timeout: int | None, signal: str | None) -> None:
        container = self.get_container(ref)
        signum = parse_signal(signal, 15)
        if not container.state.running:
            raise NotModified("container already stopped")
        await self._terminate(container, signum)
        self.emit(container, "stop")

    async def kill(self, ref: str, *, signal: str | None) -> None:
        container = self.get_container(ref)
        signum = parse_signal(signal, 9)
        if not container.state.running:
            raise Conflict(f"Cannot kill container: {ref}: Container {container.id} is not running")
        await self._terminate(container, signum)

    async def restart(self, ref: str, *, timeout: int | None, signal: str | None) -> None:
        container = self.get_container(ref)
        if container.state.running:
            await self.stop(ref, timeout=timeout, signal=signal)
        await self.start(ref)
        self.emit(container, "restart")

    async def remove(self, ref: str, *, force: bool, volumes: bool) -> None:
        container = self.get_container(ref)
        if container.state.running:
            if not force:
                raise Conflict(
                    f"You cannot remove a running container {container.id}. Stop the "
                    "container before attempting removal or force remove"
                )
            await self._terminate(container, 9)
        if container.id in self.containers:
            self._forget(container)

    async def wait(self, ref: str, *, condition: str) -> Awaitable[int]:
        container = self.get_container(ref)
        live = self.live[container.id]
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        if condition == "not-running" and not container.state.running:
            future.set_result(container.state.exit_code)
        elif condition == "removed":
            live.removed_waiters.append(future)
        else:
            live.exit_waiters.append(future)
        return future

    def rename(self, ref: str, new_name: str) -> None:
        container = self.get_container(ref)
        if not new_name:
            raise InvalidParameter("Neither old nor new names may be empty")
        old, container.name = container.name, new_name.lstrip("/")
        self.emit(container, "rename", oldName="/" + old)

    async def update(self, ref: str, body: dict[str, Any]) -> list[str]:
        container = self.get_container(ref)
        if (body.get("RestartPolicy") or {}).get("Name"):
            container.host_config["RestartPolicy"] = body["RestartPolicy"]
        self.emit(container, "update")
        return []

    async def top(self, ref: str, ps_args: str) -> dict[str, Any]:
        container = self.get_container(ref)
        if not container.state.running:
            raise Conflict(f"Container {container.id} is not running")
        command = " ".join([container.path, *container.args])
        pid = str(container.state.pid)
        return {
            "Titles": ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"],
            "Processes": [["root", pid, "0", "0", "00:00", "?", "00:00:00", command]],
        }

    async def logs(self, ref: str, options: LogOptions) -> AsyncIterator[LogRecord]:
        container = self.get_container(ref)
        live = self.live[container.id]
        wanted = {n for n, on in (("stdout", options.stdout), ("stderr", options.stderr)) if on}
        backlog = [r for r in live.log if r.stream in wanted]
        if options.tail is not None:
            backlog = backlog[len(backlog) - options.tail :] if options.tail else []
        for record in backlog:
            yield record
        seen = len(live.log)
        while options.follow and container.state.running:
            async with live.changed:
                await live.changed.wait()
            for record in live.log[seen:]:
                if record.stream in wanted:
                    yield record
            seen = len(live.log)

    async def attach(
        self, ref: str, *, stdin: bool, stdout: bool, stderr: bool, logs: bool, stream: bool
    ) -> FakeSession:
        container = self.get_container(ref)
        live = self.live[container.id]
        wants_stdin = stdin and bool(container.config.get("OpenStdin"))
        session = FakeSession(
            tty=bool(container.config.get("Tty")),
            stdin=live.stdin if wants_stdin else None,
            close_stdin_on_eof=bool(container.config.get("StdinOnce")),
        )
        if logs:
            for record in live.log:
                session.deliver((2 if record.stream == "stderr" else 1, record.data))
        if stream:
            live.sessions.append((session, stdout, stderr))
        else:
            session.deliver(None)
        self.emit(container, "attach")
        return session

    async def resize(self, ref: str, *, height: int, width: int) -> None:
        container = self.get_container(ref)
        if not container.state.running:
            raise Conflict(f"Container {container.id} is not running")
        self.live[container.id].size = (height, width)

    # -- exec ---------------------------------------------------------------------------
    async def exec_create(self, ref: str, body: dict[str, Any]) -> str:
        return self.execs.create(self.get_container(ref), body)

    async def exec_start(self, exec_id: str, *, detach: bool, tty: bool) -> FakeSession | None:
        return self.execs.start(exec_id, detach=detach)

    def exec_inspect(self, exec_id: str) -> dict[str, Any]:
        return self.execs.inspect(exec_id)

    async def exec_resize(self, exec_id: str, *, height: int, width: int) -> None:
        self.execs.inspect(exec_id)

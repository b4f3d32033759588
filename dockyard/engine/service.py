"""``Engine``: the implementation of ``EngineFacade`` that the API layer calls.

Each method resolves the container, checks the state rule dockerd applies (with its status code
and wording), and hands the host work to ``Lifecycle``, ``removal`` or ``execs``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from dockyard.engine import system_info
from dockyard.engine.container import Container
from dockyard.engine.container_factory import build_container
from dockyard.engine.context import EngineContext
from dockyard.engine.execs import ExecManager
from dockyard.engine.facade import LogOptions, LogRecord, StdioSession
from dockyard.engine.json_log import read_log
from dockyard.engine.lifecycle import Lifecycle
from dockyard.engine.names import new_id, random_name, validate_name
from dockyard.engine.removal import remove_container
from dockyard.engine.restart_policy import check_auto_remove, parse_policy
from dockyard.engine.signals import parse_signal
from dockyard.engine.stdio import StdioAttachment
from dockyard.engine.top import run_top
from dockyard.errors import (
    Conflict,
    DockyardError,
    InvalidParameter,
    NotFound,
    NotModified,
    no_such_image,
)

log = logging.getLogger(__name__)

WAIT_CONDITIONS = ("not-running", "next-exit", "removed")


class Engine:
    def __init__(self, *, ctx: EngineContext, lifecycle: Lifecycle) -> None:
        self.ctx = ctx
        self.lifecycle = lifecycle
        self.images = ctx.images
        self.execs = ExecManager(ctx=ctx)

    # -- system ---------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        return system_info.info(self.ctx)

    def version(self) -> dict[str, Any]:
        return system_info.version()

    def events(
        self, *, since: float | None, until: float | None, filters: dict[str, list[str]]
    ) -> AsyncIterator[dict[str, Any]]:
        return self.ctx.events.subscribe(since=since, until=until, filters=filters)

    # -- containers -----------------------------------------------------------------------
    async def create_container(
        self, *, name: str | None, body: dict[str, Any]
    ) -> tuple[str, list[str]]:
        ctx = self.ctx
        image_ref = body.get("Image") if isinstance(body, dict) else None
        if not image_ref:
            raise InvalidParameter("Config cannot be empty in order to create a container")
        try:
            image = await asyncio.to_thread(ctx.images.resolve, image_ref)
        except NotFound:
            raise no_such_image(image_ref) from None
        container_id = new_id()
        name = validate_name(name) if name else random_name(ctx.names.names())
        container = build_container(
            container_id=container_id,
            name=name,
            body=body,
            image_id=image.id,
            image_config=image.config,
            default_runtime=ctx.config.default_runtime,
        )
        ctx.registry.validate(container.runtime)  # 400 for an unknown runtime name
        directory = ctx.container_dir(container_id)
        container.log_path = str(ctx.log_path(container_id))
        container.hostname_path = str(directory / "hostname")
        container.hosts_path = str(directory / "hosts")
        container.resolv_conf_path = str(directory / "resolv.conf")
        ctx.names.reserve(name, container_id)
        try:
            ctx.container_dir(container_id).mkdir(parents=True, exist_ok=True)
            ctx.save(container)
        except BaseException:
            ctx.names.forget(container_id)
            raise
        ctx.containers[container_id] = container
        ctx.emit(container, "create")
        return container_id, []

    async def close(self) -> None:
        await self.execs.close()

    def get_container(self, ref: str) -> Container:
        return self.ctx.get(ref)

    def list_containers(
        self, *, all: bool, limit: int | None, filters: dict[str, list[str]]
    ) -> list[Container]:
        from dockyard.engine.container_filters import filter_containers

        containers = sorted(self.ctx.containers.values(), key=lambda c: c.created, reverse=True)
        if not all and not (limit and limit > 0) and "status" not in filters:
            containers = [c for c in containers if c.state.running]
        containers = filter_containers(containers, filters)
        if limit and limit > 0:
            containers = containers[:limit]
        return containers

    async def start(self, ref: str) -> None:
        container = self.ctx.get(ref)
        live = self.ctx.live_of(container)
        async with live.lock:
            if container.state.paused:
                raise Conflict("cannot start a paused container, try unpause instead")
            if container.state.running:
                raise NotModified("container already started")
            if live.removing:
                raise Conflict(
                    f"container {container.id} is marked for removal and cannot be started"
                )
            try:
                await self.lifecycle.start(container, manual=True)
            except DockyardError:
                if container.host_config.get("AutoRemove"):
                    # dockerd removes an AutoRemove container whose start failed, which is
                    # what ends the CLI's `wait?condition=removed` for `run --rm`.
                    await remove_container(self.ctx, self.lifecycle, container)
                raise

    async def stop(self, ref: str, *, timeout: int | None, signal: str | None) -> None:
        container = self.ctx.get(ref)
        signum = parse_signal(signal) if signal else self.lifecycle.stop_signal(container)
        # The lock waits out a policy restart that is starting the task right now.
        async with self.ctx.live_of(container).lock:
            if not container.state.running:
                raise NotModified("container already stopped")
            container.has_been_manually_stopped = True
            self.ctx.save(container)
            if not await self.lifecycle.cancel_restart(container):
                await self.lifecycle.stop(
                    container, timeout=self._timeout(container, timeout), signum=signum
                )
        self.ctx.emit(container, "stop")

    def _timeout(self, container: Container, timeout: int | None) -> float:
        if timeout is not None:
            return float(timeout)
        configured = container.config.get("StopTimeout")
        return float(configured) if configured is not None else 10.0

    async def kill(self, ref: str, *, signal: str | None) -> None:
        try:
            container = self.ctx.get(ref)
        except NotFound as exc:
            raise NotFound(f"Cannot kill container: {ref}: {exc}") from None
        signum = parse_signal(signal)
        async with self.ctx.live_of(container).lock:
            await self._kill_locked(ref, container, signum)

    async def _kill_locked(self, ref: str, container: Container, signum: int) -> None:
        if not container.state.running or container.state.restarting:
            if await self.lifecycle.cancel_restart(container):
                container.has_been_manually_stopped = True
                self.ctx.save(container)
                return
            raise Conflict(f"Cannot kill container: {ref}: Container {container.id} is not running")
        stop_signal = container.config.get("StopSignal")
        if not stop_signal or signum in (9, self.lifecycle.stop_signal(container)):
            container.has_been_manually_stopped = True
            self.ctx.save(container)
        self.ctx.emit(container, "kill", signal=str(signum))
        await self.lifecycle.signal(container, signum)

    async def restart(self, ref: str, *, timeout: int | None, signal: str | None) -> None:
        container = self.ctx.get(ref)
        live = self.ctx.live_of(container)
        signum = parse_signal(signal) if signal else self.lifecycle.stop_signal(container)
        async with live.lock:
            live.manual_restart = True
            try:
                if await self.lifecycle.cancel_restart(container):
                    pass
                elif container.state.running:
                    await self.lifecycle.stop(
                        container, timeout=self._timeout(container, timeout), signum=signum
                    )
                    self.ctx.emit(container, "stop")
                await self.lifecycle.start(container, manual=True)
            finally:
                live.manual_restart = False
        self.ctx.emit(container, "restart")

    async def remove(self, ref: str, *, force: bool, volumes: bool) -> None:
        container = self.ctx.get(ref)
        async with self.ctx.live_of(container).lock:
            await remove_container(self.ctx, self.lifecycle, container, force=force)
        self.execs.forget_container(container.id)

    async def wait(self, ref: str, *, condition: str) -> Awaitable[int]:
        condition = condition or "not-running"
        if condition not in WAIT_CONDITIONS:
            raise InvalidParameter(f'invalid condition: "{condition}"')
        container = self.ctx.get(ref)
        live = self.ctx.live_of(container)
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        if condition == "not-running" and not container.state.running:
            future.set_result(container.state.exit_code)
        elif condition == "not-running":
            live.stop_waiters.append(future)
        elif condition == "next-exit":
            live.exit_waiters.append(future)
        else:
            live.removed_waiters.append(future)
        return future

    def rename(self, ref: str, new_name: str) -> None:
        container = self.ctx.get(ref)
        if not new_name:
            raise InvalidParameter("Neither old nor new names may be empty")
        name = validate_name(new_name)
        if name == container.name:
            raise Conflict(f"Renaming a container with the same name as its current name: {name}")
        old = container.name
        self.ctx.names.reserve(name, container.id)
        self.ctx.names.release(old, container.id)
        container.name = name
        self.ctx.save(container)
        self.ctx.emit(container, "rename", oldName="/" + old)

    async def update(self, ref: str, body: dict[str, Any]) -> list[str]:
        container = self.ctx.get(ref)
        if not isinstance(body, dict):
            raise InvalidParameter("invalid update body")
        policy_in = body.get("RestartPolicy") or {}
        if policy_in.get("Name"):
            policy = parse_policy(policy_in)
            if container.host_config.get("AutoRemove") and not policy.is_none:
                raise Conflict(
                    f"Cannot update container {container.id}: Restart policy cannot be updated "
                    "because AutoRemove is enabled for the container"
                )
            check_auto_remove(policy, False)
            container.host_config["RestartPolicy"] = policy.to_docker()
        resources = {
            k: v for k, v in body.items() if k != "RestartPolicy" and v not in (None, 0, "", [], {})
        }
        container.host_config.update(resources)
        self.ctx.save(container)
        self.ctx.emit(container, "update")
        return []

    async def top(self, ref: str, ps_args: str) -> dict[str, Any]:
        container = self.ctx.get(ref)
        if not container.state.running or container.state.restarting:
            raise Conflict(f"Container {container.id} is not running")
        pids = await self.ctx.runtime.pids(container.id)
        return await run_top(pids, ps_args)

    def logs(self, ref: str, options: LogOptions) -> AsyncIterator[LogRecord]:
        container = self.ctx.get(ref)
        if not options.stdout and not options.stderr:
            raise InvalidParameter("must specify at least one of 'stdout' or 'stderr'")
        following = container.state.running and not container.state.restarting
        writer = self.ctx.log_writer(container) if (options.follow and following) else None
        return read_log(self.ctx.log_path(container.id), options, writer)

    async def attach(
        self, ref: str, *, stdin: bool, stdout: bool, stderr: bool, logs: bool, stream: bool
    ) -> StdioSession:
        container = self.ctx.get(ref)
        live = self.ctx.live_of(container)
        replay: list[tuple[int, bytes]] = []
        if logs:
            async for record in read_log(self.ctx.log_path(container.id), LogOptions(), None):
                replay.append((2 if record.stream == "stderr" else 1, record.data))
        session = StdioAttachment(
            live.hub,
            stdout=stdout,
            stderr=stderr,
            stdin=stdin and bool(container.config.get("OpenStdin")),
            close_stdin_on_eof=bool(container.config.get("StdinOnce")),
            replay=replay,
        )
        if not stream:
            await session.detach()
        self.ctx.emit(container, "attach")
        return session

    async def resize(self, ref: str, *, height: int, width: int) -> None:
        container = self.ctx.get(ref)
        if not container.state.running or container.state.restarting:
            raise Conflict(f"Container {container.id} is not running")
        if container.config.get("Tty"):
            await self.ctx.runtime.resize_pty(container.id, "", width=width, height=height)

    # -- exec -----------------------------------------------------------------------------
    async def exec_create(self, ref: str, body: dict[str, Any]) -> str:
        return await self.execs.create(self.ctx.get(ref), body)

    async def exec_start(self, exec_id: str, *, detach: bool, tty: bool) -> StdioSession | None:
        return await self.execs.start(exec_id, detach=detach, tty=tty)

    def exec_inspect(self, exec_id: str) -> dict[str, Any]:
        return self.execs.inspect(exec_id)

    async def exec_resize(self, exec_id: str, *, height: int, width: int) -> None:
        await self.execs.resize(exec_id, height=height, width=width)

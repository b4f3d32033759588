"""Start-up reconciliation: make the store agree with what the shims say, before serving.

For each container the store believes is running, there are three cases:

1. its shim answers and the task runs → re-open the FIFOs, watch it again;
2. its shim answers but the task has exited (while the engine was away) → record that exit
   with the real code, then let the restart policy decide;
3. its shim is gone → the shim's ``delete`` subcommand cleans up and reports the exit.

Each container is restored on its own, under a bound on concurrency and a time budget; one that
fails is logged and marked exited, and never stops the others. Afterwards, what nothing owns any
more (bundles, FIFO dirs, rootfs mounts) is removed, and the engine-start rule of each restart
policy is applied.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from pathlib import Path

from dockyard.engine.container import Container, Status, now_rfc3339
from dockyard.engine.context import EngineContext
from dockyard.engine.lifecycle import Lifecycle
from dockyard.engine.removal import remove_container
from dockyard.engine.restart_policy import parse_policy, should_start_on_engine_start
from dockyard.engine.stdio import ProcessStdio
from dockyard.errors import DockyardError
from dockyard.runtime.types import ExitStatus, ShimHandle

log = logging.getLogger(__name__)

RESTORE_CONCURRENCY = 8
RESTORE_TIMEOUT = 30.0


def load_records(ctx: EngineContext) -> None:
    for data in ctx.repo.load_all():
        try:
            container = Container.from_json(data)
        except (KeyError, TypeError, ValueError):
            log.exception("skipping an unreadable container record")
            continue
        ctx.containers[container.id] = container
        ctx.names.reserve(container.name, container.id)


async def restore(ctx: EngineContext, lifecycle: Lifecycle) -> None:
    load_records(ctx)
    limit = asyncio.Semaphore(RESTORE_CONCURRENCY)

    async def one(container: Container) -> None:
        async with limit:
            try:
                async with asyncio.timeout(RESTORE_TIMEOUT):
                    await _restore_one(ctx, lifecycle, container)
            except Exception:
                log.exception("could not restore %s; marking it exited", container.short_id)
                container.state.set_stopped(255)
                container.shim = None
                ctx.save(container)

    await asyncio.gather(*(one(c) for c in list(ctx.containers.values())))
    await _remove_leftovers(ctx)
    await _apply_engine_start_policies(ctx, lifecycle)


async def _restore_one(ctx: EngineContext, lifecycle: Lifecycle, container: Container) -> None:
    state = container.state
    if state.status == Status.REMOVING:
        await remove_container(ctx, lifecycle, container)  # the engine died halfway through
        return
    if state.restarting:
        # The engine died during a policy backoff: the restart is still owed. The task that
        # restart had already created (see Lifecycle._policy_restart) has no record: reap it.
        bundle = ctx.bundle_dir(container.id)
        if bundle.is_dir():
            await _reap_leaked_shim(ctx, bundle)
        lifecycle.restarts.schedule(container.id, 0.0)
        return
    if not state.running:
        return
    if container.pending_exit_code is not None:
        # The last engine saw this exit but died while recording it: finish with the real code.
        bundle = ctx.bundle_dir(container.id)
        if bundle.is_dir():
            await _reap_leaked_shim(ctx, bundle)
        ctx.live_of(container).stopped.clear()
        await lifecycle.handle_exit(
            container,
            ExitStatus(exit_code=container.pending_exit_code, exited_at=container.pending_exit_at),
        )
        return
    shim = container.shim
    if shim is None:
        state.set_stopped(255)
        ctx.save(container)
        return
    handle = ShimHandle(
        address=shim.address, bundle=Path(shim.bundle), binary=shim.binary, pid=shim.pid
    )
    live = ctx.live_of(container)
    live.stopped.clear()
    if await ctx.runtime.reconnect(container.id, handle):
        task = await ctx.runtime.state(container.id)
        _reopen_stdio(ctx, container)
        if task.status in ("stopped",):
            status = ExitStatus(
                exit_code=task.exit_status, exited_at=task.exited_at or now_rfc3339()
            )
            await lifecycle.handle_exit(container, status)
        else:
            lifecycle.watch(container)
        return
    log.info("shim of %s is gone; cleaning up", container.short_id)
    try:
        status = await ctx.runtime.cleanup_dead_shim(container.id, handle)
    except DockyardError:
        log.exception("shim delete failed for %s", container.short_id)
        status = ExitStatus(exit_code=255, exited_at=now_rfc3339())
    await lifecycle.handle_exit(container, status)


async def _reap_leaked_shim(ctx: EngineContext, bundle: Path) -> None:
    container_id = bundle.name
    try:
        address = (bundle / "address").read_text().strip()
    except OSError:
        return
    handle = ShimHandle(address=address, bundle=bundle, binary=ctx.registry.resolve("runc").shim)
    log.warning("reaping leaked shim of %s", container_id[:12])
    try:
        if await ctx.runtime.reconnect(container_id, handle):
            with contextlib.suppress(DockyardError):
                await ctx.runtime.kill(container_id, 9, all=True)
            with contextlib.suppress(DockyardError, TimeoutError):
                async with asyncio.timeout(10):
                    await ctx.runtime.wait(container_id)
            with contextlib.suppress(DockyardError):
                await ctx.runtime.delete(container_id)
            with contextlib.suppress(DockyardError):
                await ctx.runtime.shutdown(container_id)
        else:
            await ctx.runtime.cleanup_dead_shim(container_id, handle)
    except DockyardError:
        log.exception("could not reap the leaked shim of %s", container_id[:12])


def _reopen_stdio(ctx: EngineContext, container: Container) -> None:
    live = ctx.live_of(container)
    writer = ctx.log_writer(container)

    def sink(stream: str, chunk: bytes) -> None:
        writer.write(stream, chunk)
        live.hub.publish(stream, chunk)

    stdio = ProcessStdio(
        directory=ctx.fifo_dir(container.id),
        prefix="init",
        tty=bool(container.config.get("Tty")),
        stdin=bool(container.config.get("OpenStdin")),
        sink=sink,
        on_stdin_close=lambda: ctx.runtime.close_io(container.id),
    )
    stdio.open()
    stdio.mark_task_created()
    live.stdio = stdio
    live.hub.adopt(stdio)


async def _remove_leftovers(ctx: EngineContext) -> None:
    """Shims, bundles, FIFO dirs and mounts that belong to no running container.

    A crash between creating a task and recording it leaves a shim (and a created container)
    that no record points at; its bundle still names the shim's address, so it is found there.
    """
    # Restarting containers count as running: their policy restart may be preparing right now.
    running = {c.id for c in ctx.containers.values() if c.state.running}
    tasks = ctx.config.exec_root / "tasks"
    if tasks.is_dir():
        for bundle in tasks.iterdir():
            if bundle.name not in running:
                await _reap_leaked_shim(ctx, bundle)
    for parent in (tasks, ctx.config.exec_root / "fifo"):
        if not parent.is_dir():
            continue
        for entry in parent.iterdir():
            if entry.name not in running:
                log.info("removing leftover %s", entry)
                shutil.rmtree(entry, ignore_errors=True)
    for container in ctx.containers.values():
        if container.id not in running and ctx.rootfs.is_mounted(container.id):
            await asyncio.to_thread(ctx.rootfs.unmount, container.id)
    for container_id in ctx.netns.leftovers(keep=running):
        log.info("removing leftover network namespace of %s", container_id[:12])
        await asyncio.to_thread(ctx.netns.remove, container_id)


async def _apply_engine_start_policies(ctx: EngineContext, lifecycle: Lifecycle) -> None:
    for container in list(ctx.containers.values()):
        if container.state.running:
            continue
        policy = parse_policy(container.host_config.get("RestartPolicy"))
        if not should_start_on_engine_start(
            policy,
            manually_stopped=container.has_been_manually_stopped,
            started_before=container.has_been_started_before,
        ):
            continue
        live = ctx.live_of(container)
        async with live.lock:
            try:
                container.has_been_manually_stopped = False
                await lifecycle.restarts.reset(container.id)
                await lifecycle.start(container, manual=False)
            except DockyardError as exc:
                log.warning("could not start %s at engine start: %s", container.short_id, exc)

"""Removing a container: everything it owns on the host goes, then its record."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from typing import TYPE_CHECKING

from dockyard.engine.container import Container, Status
from dockyard.engine.context import EngineContext
from dockyard.engine.stdio import remove_fifo_dir
from dockyard.errors import Conflict, no_such_container

if TYPE_CHECKING:
    from dockyard.engine.lifecycle import Lifecycle

log = logging.getLogger(__name__)


async def force_stop(ctx: EngineContext, lifecycle: Lifecycle, container: Container) -> None:
    """``rm -f``: cancel any pending restart, SIGKILL, wait for the exit to be recorded."""
    live = ctx.live_of(container)
    container.has_been_manually_stopped = True
    if await lifecycle.cancel_restart(container):
        return
    if container.state.running:
        await lifecycle.stop(container, timeout=0, signum=9)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(10):
            await live.stopped.wait()


async def remove_container(
    ctx: EngineContext, lifecycle: Lifecycle, container: Container, *, force: bool = False
) -> None:
    if container.id not in ctx.containers:  # auto-removed while this call waited
        raise no_such_container(container.name)
    live = ctx.live_of(container)
    if live.removing:
        raise Conflict(f"removal of container {container.id} is already in progress")
    if container.state.running and not force:
        reason = "restarting" if container.state.restarting else "running"
        raise Conflict(
            f'cannot remove container "/{container.name}": container is {reason}: stop the '
            "container before removing or force remove"
        )
    # Marked first, so the exit that force_stop causes does not start an auto-remove as well.
    live.removing = True
    if container.state.running:
        try:
            await force_stop(ctx, lifecycle, container)
        except BaseException:
            live.removing = False
            raise
    container.state.status = Status.REMOVING
    ctx.save(container)
    await lifecycle.restarts.forget(container.id)
    try:
        await asyncio.to_thread(ctx.rootfs.remove, container.id)
    except Exception:
        log.exception("removing the rootfs of %s failed", container.short_id)
    if live.log is not None:
        live.log.close()
        live.log = None
    shutil.rmtree(ctx.container_dir(container.id), ignore_errors=True)
    shutil.rmtree(ctx.bundle_dir(container.id), ignore_errors=True)
    remove_fifo_dir(ctx.fifo_dir(container.id))
    ctx.repo.delete(container.id)
    ctx.names.forget(container.id)
    ctx.containers.pop(container.id, None)
    ctx.live.pop(container.id, None)
    ctx.emit(container, "destroy")
    for future in live.removed_waiters:
        if not future.done():
            future.set_result(container.state.exit_code)
    live.removed_waiters.clear()
    for future in live.stop_waiters + live.exit_waiters:
        if not future.done():
            future.set_result(container.state.exit_code)

"""What a clean engine shutdown (SIGTERM) does to containers.

Without ``live-restore`` every running container is stopped with its own stop signal and
timeout, concurrently, and the exit is recorded as an engine shutdown: not a manual stop, so the
next engine start applies the restart policies to it. With ``live-restore`` containers keep
running; the engine only lets go of their FIFOs and shim connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from dockyard.engine.container import Container
from dockyard.engine.context import EngineContext
from dockyard.engine.lifecycle import Lifecycle
from dockyard.errors import DockyardError

log = logging.getLogger(__name__)


async def shutdown_containers(ctx: EngineContext, lifecycle: Lifecycle) -> None:
    await lifecycle.restarts.close()
    # A pending policy restart dies with the engine: the container is stopped, and the next
    # engine start applies the restart-policy table to it like to any stopped container.
    for container in ctx.containers.values():
        if container.state.restarting:
            container.state.set_stopped(
                container.state.exit_code, finished_at=container.state.finished_at
            )
            ctx.save(container)
    live_restore = ctx.config.live_restore
    running = [c for c in ctx.containers.values() if c.state.running and not c.state.restarting]
    if not live_restore:
        await asyncio.gather(*(_stop_for_shutdown(ctx, lifecycle, c) for c in running))
    ctx.shutting_down = True
    for container in ctx.containers.values():
        live = ctx.live.get(container.id)
        if live is None:
            continue
        if live.monitor is not None:
            live.monitor.cancel()
        if live.stdio is not None:
            live.stdio.close_fds()
            live.stdio = None
        if live.log is not None:
            live.log.flush()


def remove_empty_cgroup_parent(parent: str, root: Path = Path("/sys/fs/cgroup")) -> None:
    """Drop the engine's cgroup parent where no container is left in it (rmdir fails if busy)."""
    name = parent.strip("/")
    if not name:
        return
    for hierarchy in (root, *root.iterdir()) if root.is_dir() else ():
        with contextlib.suppress(OSError):
            (hierarchy / name).rmdir()


async def _stop_for_shutdown(
    ctx: EngineContext, lifecycle: Lifecycle, container: Container
) -> None:
    live = ctx.live_of(container)
    live.engine_stop = True
    timeout = container.config.get("StopTimeout")
    try:
        await lifecycle.stop(
            container,
            timeout=float(timeout) if timeout is not None else 10.0,
            signum=lifecycle.stop_signal(container),
        )
    except DockyardError:
        log.exception("could not stop %s during shutdown", container.short_id)

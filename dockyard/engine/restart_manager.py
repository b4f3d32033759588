"""Applies restart decisions: keeps each container's backoff and its one pending restart.

The decisions themselves are in ``restart_policy``; this class only remembers the last delay per
container, owns the timer tasks, and cancels them (``docker stop`` of a restarting container,
``rm -f``, engine shutdown) so that nothing restarts a container behind the user's back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from dockyard.engine.restart_policy import next_delay

log = logging.getLogger(__name__)


class RestartManager:
    def __init__(self, *, restart: Callable[[str, float], Awaitable[None]]) -> None:
        self._restart = restart
        self._delays: dict[str, float] = {}
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._closed = False

    def next_delay(self, container_id: str, execution_duration: float) -> float:
        delay = next_delay(self._delays.get(container_id, 0.0), execution_duration)
        self._delays[container_id] = delay
        return delay

    def schedule(self, container_id: str, delay: float) -> None:
        """Hand the restart to the lifecycle now; it waits out ``delay`` itself."""
        if self._closed or container_id in self._pending:
            return
        task = asyncio.create_task(
            self._run(container_id, delay), name=f"restart-{container_id[:12]}"
        )
        self._pending[container_id] = task
        task.add_done_callback(lambda t: self._done(container_id, t))

    def _done(self, container_id: str, task: asyncio.Task[None]) -> None:
        if self._pending.get(container_id) is task:
            del self._pending[container_id]

    async def _run(self, container_id: str, delay: float) -> None:
        try:
            await self._restart(container_id, delay)
        except asyncio.CancelledError:
            raise
        except Exception:  # the callback records its own failure on the container
            log.exception("policy restart of %s failed", container_id[:12])

    def is_pending(self, container_id: str) -> bool:
        return container_id in self._pending

    async def cancel(self, container_id: str) -> bool:
        """Cancel a pending restart and wait until it has undone its work; True if one ran."""
        task = self._pending.pop(container_id, None)
        if task is None:
            return False
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return True

    async def reset(self, container_id: str) -> None:
        """A manual start: forget the backoff and any pending restart."""
        await self.cancel(container_id)
        self._delays.pop(container_id, None)

    async def forget(self, container_id: str) -> None:
        await self.reset(container_id)

    async def close(self) -> None:
        self._closed = True
        for container_id in list(self._pending):
            await self.cancel(container_id)

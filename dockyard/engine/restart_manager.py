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
    def __init__(self, *, restart: Callable[[str], Awaitable[None]]) -> None:
        self._restart = restart
        self._delays: dict[str, float] = {}
        self._pending: dict[str, asyncio.Task[None]] = {}

    def next_delay(self, container_id: str, execution_duration: float) -> float:
        delay = next_delay(self._delays.get(container_id, 0.0), execution_duration)
        self._delays[container_id] = delay
        return delay

    def schedule(self, container_id: str, delay: float) -> None:
        self.cancel(container_id)
        self._pending[container_id] = asyncio.create_task(
            self._run(container_id, delay), name=f"restart-{container_id[:12]}"
        )

    async def _run(self, container_id: str, delay: float) -> None:
        try:
            await asyncio.sleep(delay)
        except asyncio.CancelledError:
            return
        self._pending.pop(container_id, None)
        try:
            await self._restart(container_id)
        except Exception:  # the restart callback records its own failure on the container
            log.exception("policy restart of %s failed", container_id[:12])

    def is_pending(self, container_id: str) -> bool:
        return container_id in self._pending

    def cancel(self, container_id: str) -> bool:
        """Drop a pending restart; True if there was one."""
        task = self._pending.pop(container_id, None)
        if task is None:
            return False
        task.cancel()
        return True

    def reset(self, container_id: str) -> None:
        """A manual start: forget the backoff and any pending restart."""
        self.cancel(container_id)
        self._delays.pop(container_id, None)

    def forget(self, container_id: str) -> None:
        self.reset(container_id)

    async def close(self) -> None:
        tasks = list(self._pending.values())
        self._pending.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

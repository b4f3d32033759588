"""One network namespace per container, created and owned by the engine.

The namespace exists before the runtime runs (its path goes into ``config.json``), so any OCI
runtime joins it, the engine can wire interfaces into it before the process starts, and read its
counters without entering the container. It is kept alive by a bind mount of the namespace file
at ``<exec-root>/netns/<id>``, as ``ip netns`` does under ``/run/netns``; removing that mount
(once the container's processes are gone) frees it.

Not pyroute2 here: its network-namespace support forks helper processes, and a forked child of
an asyncio process shares the loop's signal wake-up fd, so a signal the helper receives reaches
the engine as if it were the engine's own (a SIGTERM that shut dockyardd down, seen in tests).
Netlink work inside namespaces has to solve that before it uses pyroute2's ``netns=``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from pathlib import Path

from dockyard._internal.mounts import mount_points, unmount
from dockyard.errors import InvalidParameter, RuntimeFailure

log = logging.getLogger(__name__)

_CONTAINER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
CREATE_TIMEOUT = 10.0


class NetnsManager:
    def __init__(self, *, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True, mode=0o711)
        self._root = root.resolve()

    def path(self, container_id: str) -> Path:
        if _CONTAINER_ID.fullmatch(container_id) is None:
            raise InvalidParameter(f"invalid container id {container_id!r}")
        return self._root / container_id

    def exists(self, container_id: str) -> bool:
        return str(self.path(container_id)) in mount_points()

    async def create(self, container_id: str) -> Path:
        """A fresh namespace with loopback up (what ``--network none`` gives in Docker)."""
        path = self.path(container_id)
        if self.exists(container_id):
            return path
        path.touch(mode=0o444)
        try:
            # unshare(1) makes the namespace and binds it to ``path``; the command it runs inside
            # the new namespace brings loopback up, in one process.
            proc = await asyncio.create_subprocess_exec(
                "unshare",
                f"--net={path}",
                "ip",
                "link",
                "set",
                "lo",
                "up",
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
            async with asyncio.timeout(CREATE_TIMEOUT):
                _, err = await proc.communicate()
            if proc.returncode != 0:
                raise RuntimeFailure(f"creating network namespace: {err.decode().strip()}")
        except BaseException:
            await asyncio.to_thread(self.remove, container_id)
            raise
        return path

    def remove(self, container_id: str) -> None:
        """Drop the namespace's bind mount and file; no-op when absent."""
        path = self.path(container_id)
        unmount(path)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    def leftovers(self, keep: set[str]) -> list[str]:
        """Container IDs with a namespace file here that are not in ``keep``."""
        return sorted(p.name for p in self._root.iterdir() if p.name not in keep)

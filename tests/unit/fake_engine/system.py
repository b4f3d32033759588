"""``info``/``version`` answers and the event log behind ``GET /events`` for the fake engine.

Events are stored *without* the legacy ``status``/``id``/``from`` fields so tests can see the
API add them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any


def info(*, containers: int, running: int, images: int) -> dict[str, Any]:
    return {
        "ID": "FAKE:ENGINE",
        "Containers": containers,
        "ContainersRunning": running,
        "ContainersPaused": 0,
        "ContainersStopped": containers - running,
        "Images": images,
        "Driver": "overlay2",
        "DriverStatus": [],
        "Plugins": {"Volume": [], "Network": ["host", "null"], "Log": ["json-file"]},
        "LoggingDriver": "json-file",
        "CgroupDriver": "cgroupfs",
        "CgroupVersion": "1",
        "KernelVersion": "6.1.0",
        "OperatingSystem": "Fake Linux",
        "OSType": "linux",
        "Architecture": "x86_64",
        "NCPU": 2,
        "MemTotal": 2 << 30,
        "Name": "fake",
        "ServerVersion": "0.1.0",
        "Runtimes": {"runc": {"path": "runc"}},
        "DefaultRuntime": "runc",
        "Swarm": {"LocalNodeState": "inactive", "NodeID": ""},
        "SecurityOptions": ["name=seccomp,profile=builtin"],
        "RegistryConfig": {"InsecureRegistryCIDRs": ["127.0.0.0/8"], "IndexConfigs": {}},
    }


def version() -> dict[str, Any]:
    details = {"ApiVersion": "1.45", "MinAPIVersion": "1.24", "Os": "linux", "Arch": "amd64"}
    return {
        "Platform": {"Name": "dockyard (fake)"},
        "Components": [{"Name": "Engine", "Version": "0.1.0", "Details": details}],
        "Version": "0.1.0",
        "ApiVersion": "1.45",
        "MinAPIVersion": "1.24",
        "Os": "linux",
        "Arch": "amd64",
    }


def _matches(event: dict[str, Any], filters: dict[str, list[str]]) -> bool:
    actor = event["Actor"]
    fields = {
        "type": [event["Type"]],
        "event": [event["Action"]],
        "container": [actor["ID"], actor["Attributes"].get("name", "")],
    }
    return all(set(v) & set(fields.get(k, v)) for k, v in filters.items() if v)


class FakeEvents:
    def __init__(self) -> None:
        self.log: list[dict[str, Any]] = []
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()

    def emit(self, actor_id: str, action: str, attributes: dict[str, str]) -> None:
        nano = time.time_ns()
        event = {
            "Type": "container",
            "Action": action,
            "Actor": {"ID": actor_id, "Attributes": attributes},
            "scope": "local",
            "time": nano // 10**9,
            "timeNano": nano,
        }
        self.log.append(event)
        for queue in self._subscribers:
            queue.put_nowait(event)

    async def subscribe(
        self, *, since: float | None, until: float | None, filters: dict[str, list[str]]
    ) -> AsyncIterator[dict[str, Any]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._subscribers.add(queue)
        try:
            for event in list(self.log) if since is not None else []:
                if until is not None and event["timeNano"] / 1e9 > until:
                    return
                if event["timeNano"] / 1e9 >= since and _matches(event, filters):
                    yield event
            if until is not None and until <= time.time():
                return
            while True:
                timeout = None if until is None else max(0.0, until - time.time())
                try:
                    event = await asyncio.wait_for(queue.get(), timeout)
                except TimeoutError:
                    return
                if _matches(event, filters):
                    yield event
        finally:
            self._subscribers.discard(queue)

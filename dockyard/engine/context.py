"""What the engine's parts share: the services, the loaded records, and the paths they use.

Built once by the composition root (``dockyard.daemon``); no module-level state anywhere.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dockyard.config import Config
from dockyard.engine.container import Container
from dockyard.engine.events import EventBus
from dockyard.engine.json_log import JsonLogWriter
from dockyard.engine.names import NameIndex
from dockyard.engine.stdio import ProcessStdio, StreamHub
from dockyard.errors import NotFound, no_such_container
from dockyard.images import ImageStore, RootfsManager
from dockyard.network import NetnsManager
from dockyard.runtime import RuntimeRegistry, ShimRuntime
from dockyard.store.container_repo import ContainerRepo

log = logging.getLogger(__name__)


@dataclass
class Live:
    """Per-container state that only exists while the engine runs."""

    hub: StreamHub
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    log: JsonLogWriter | None = None
    stdio: ProcessStdio | None = None
    monitor: asyncio.Task[None] | None = None
    stopped: asyncio.Event = field(default_factory=asyncio.Event)
    exit_waiters: list[asyncio.Future[int]] = field(default_factory=list)
    stop_waiters: list[asyncio.Future[int]] = field(default_factory=list)
    removed_waiters: list[asyncio.Future[int]] = field(default_factory=list)
    oom: bool = False
    exiting: bool = False  # the task has exited; its shim is being torn down
    removing: bool = False
    manual_restart: bool = False
    engine_stop: bool = False


@dataclass
class EngineContext:
    config: Config
    repo: ContainerRepo
    runtime: ShimRuntime
    registry: RuntimeRegistry
    images: ImageStore
    rootfs: RootfsManager
    netns: NetnsManager
    events: EventBus
    seccomp_profile: dict[str, Any] | None
    engine_id: str
    containers: dict[str, Container] = field(default_factory=dict)
    live: dict[str, Live] = field(default_factory=dict)
    names: NameIndex = field(default_factory=NameIndex)
    shutting_down: bool = False

    # -- paths ----------------------------------------------------------------------------
    def container_dir(self, container_id: str) -> Path:
        return self.config.data_root / "containers" / container_id

    def log_path(self, container_id: str) -> Path:
        return self.container_dir(container_id) / f"{container_id}-json.log"

    def bundle_dir(self, container_id: str) -> Path:
        return self.config.exec_root / "tasks" / container_id

    def fifo_dir(self, container_id: str) -> Path:
        return self.config.exec_root / "fifo" / container_id

    def wants_netns(self, container: Container) -> bool:
        """Every network mode but ``host`` gets a namespace the engine owns."""
        return (container.host_config.get("NetworkMode") or "default") != "host"

    def cgroups_path(self, container: Container) -> str:
        parent = container.host_config.get("CgroupParent") or self.config.cgroup_parent
        return "/" + parent.strip("/") + "/" + container.id

    # -- records --------------------------------------------------------------------------
    def get(self, ref: str) -> Container:
        try:
            container_id = self.names.resolve(ref)
        except NotFound:
            raise no_such_container(ref) from None
        return self.containers[container_id]

    def live_of(self, container: Container) -> Live:
        live = self.live.get(container.id)
        if live is None:
            live = Live(hub=StreamHub(tty=bool(container.config.get("Tty"))))
            if not container.state.running:
                live.stopped.set()
            self.live[container.id] = live
        return live

    def log_writer(self, container: Container) -> JsonLogWriter:
        live = self.live_of(container)
        if live.log is None:
            live.log = JsonLogWriter(self.log_path(container.id))
        return live.log

    def save(self, container: Container) -> None:
        self.repo.save(container.id, container.name, container.to_json())

    def attributes(self, container: Container, **extra: str) -> dict[str, str]:
        attrs = {str(k): str(v) for k, v in (container.config.get("Labels") or {}).items()}
        attrs.update({"image": container.image, "name": container.name})
        attrs.update(extra)
        return attrs

    def emit(self, container: Container, action: str, **extra: str) -> None:
        self.events.publish("container", action, container.id, self.attributes(container, **extra))

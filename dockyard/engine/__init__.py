"""The container engine: records, lifecycle, restart policies, logs, events, restore."""

from dockyard.engine.container import Container, State, Status
from dockyard.engine.context import EngineContext
from dockyard.engine.facade import EngineFacade
from dockyard.engine.lifecycle import Lifecycle
from dockyard.engine.restore import restore
from dockyard.engine.service import Engine

__all__ = [
    "Container",
    "Engine",
    "EngineContext",
    "EngineFacade",
    "Lifecycle",
    "State",
    "Status",
    "restore",
]

"""runtime: runs containers through containerd shim v2 processes (ttrpc, Task API, events).

The engine uses :class:`ShimRuntime` and :class:`RuntimeRegistry` and the records below;
everything else in the package (ttrpc framing, shim processes, protobuf messages) is internal.
"""

from dockyard.runtime.registry import RuntimeRegistry
from dockyard.runtime.task_client import TaskState
from dockyard.runtime.task_runtime import ShimRuntime
from dockyard.runtime.types import (
    EventSink,
    ExitStatus,
    ResolvedRuntime,
    ShimHandle,
    TaskEvent,
    TaskIO,
)

__all__ = [
    "EventSink",
    "ExitStatus",
    "ResolvedRuntime",
    "RuntimeRegistry",
    "ShimHandle",
    "ShimRuntime",
    "TaskEvent",
    "TaskIO",
    "TaskState",
]

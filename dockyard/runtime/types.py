"""Values that cross the boundary between the engine and the runtime package.

The engine only ever sees ``Runtime`` (see ``dockyard.runtime.task_runtime``) and these records;
how a shim is found, started, reconnected or reaped, and how ttrpc frames look, stays inside
``dockyard.runtime``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class TaskIO:
    """stdio of a task or exec: FIFO paths the engine created (empty string = /dev/null)."""

    stdin: str = ""
    stdout: str = ""
    stderr: str = ""
    terminal: bool = False


@dataclass(frozen=True)
class ExitStatus:
    exit_code: int
    exited_at: str  # RFC 3339, Docker form


@dataclass(frozen=True)
class ResolvedRuntime:
    """A runtime name turned into something startable.

    ``shim`` is the shim binary (absolute path). ``options_type_url``/``options`` are the
    ``google.protobuf.Any`` passed to the shim on ``start`` stdin and in ``Task.Create``: for the
    runc shim ``containerd.runc.v1.Options`` with ``binary_name`` (runc or a drop-in) and ``root``.
    """

    name: str
    shim: str
    options_type_url: str = ""
    options: bytes = b""


@dataclass(frozen=True)
class TaskEvent:
    """An event a shim forwarded: topic is ``/tasks/exit``, ``/tasks/oom``, ..."""

    topic: str
    container_id: str
    exec_id: str = ""
    pid: int = 0
    exit_status: int = 0
    exited_at: str = ""


@dataclass(frozen=True)
class ShimHandle:
    """What must be persisted to find a live shim again after an engine restart."""

    address: str
    bundle: Path
    binary: str
    pid: int = 0


class EventSink(Protocol):
    def __call__(self, event: TaskEvent) -> None: ...


@dataclass
class ProcessInfo:
    pid: int
    extra: dict[str, str] = field(default_factory=dict)

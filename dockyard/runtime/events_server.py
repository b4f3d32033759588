"""The engine's end of ``containerd.services.events.ttrpc.v1.Events/Forward``.

Every shim the engine starts gets this socket as ``TTRPC_ADDRESS`` and posts its task events
here: create, start, exit, delete, oom, exec-added/started, paused, resumed. Each one is handed
to the engine as a :class:`TaskEvent`. OOM kills are only learnable this way. The sink is
called synchronously and must not block; a sink that raises is logged and the shim still gets
a success reply (a failure would make it re-send the same event up to five times).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from google.protobuf.message import DecodeError, Message

from dockyard.runtime.proto import event_forward_pb2, task_events_pb2
from dockyard.runtime.timestamps import rfc3339_nano
from dockyard.runtime.ttrpc import Code, TtrpcServer, TtrpcStatusError
from dockyard.runtime.types import EventSink, TaskEvent

log = logging.getLogger(__name__)

SERVICE = "containerd.services.events.ttrpc.v1.Events"

_EVENT_TYPES: dict[str, type[Message]] = {
    "containerd.events.TaskCreate": task_events_pb2.TaskCreate,
    "containerd.events.TaskStart": task_events_pb2.TaskStart,
    "containerd.events.TaskExit": task_events_pb2.TaskExit,
    "containerd.events.TaskDelete": task_events_pb2.TaskDelete,
    "containerd.events.TaskOOM": task_events_pb2.TaskOOM,
    "containerd.events.TaskExecAdded": task_events_pb2.TaskExecAdded,
    "containerd.events.TaskExecStarted": task_events_pb2.TaskExecStarted,
    "containerd.events.TaskPaused": task_events_pb2.TaskPaused,
    "containerd.events.TaskResumed": task_events_pb2.TaskResumed,
    "containerd.events.TaskCheckpointed": task_events_pb2.TaskCheckpointed,
}


def task_event_from_envelope(envelope: event_forward_pb2.Envelope) -> TaskEvent | None:
    """Decode one forwarded envelope; ``None`` for an event type dockyard does not know."""
    type_name = envelope.event.type_url.rsplit("/", 1)[-1]
    event_type = _EVENT_TYPES.get(type_name)
    if event_type is None:
        return None
    event = event_type()
    event.ParseFromString(envelope.event.value)
    container_id: str = getattr(event, "container_id", "")
    exec_id: str = getattr(event, "exec_id", "")
    if isinstance(event, task_events_pb2.TaskExit | task_events_pb2.TaskDelete):
        # these carry the process id in `id`; the init process is named after the container
        exec_id = "" if event.id == container_id else event.id
    exited_at = ""
    if isinstance(event, task_events_pb2.TaskExit | task_events_pb2.TaskDelete):
        exited_at = rfc3339_nano(event.exited_at if event.HasField("exited_at") else None)
    return TaskEvent(
        topic=envelope.topic,
        container_id=container_id,
        exec_id=exec_id,
        pid=getattr(event, "pid", 0),
        exit_status=getattr(event, "exit_status", 0),
        exited_at=exited_at,
    )


class EventsServer:
    """Serves ``Events/Forward`` on a Unix socket and feeds the engine's event sink."""

    def __init__(self, *, socket_path: Path, namespace: str, on_event: EventSink) -> None:
        self.socket_path = socket_path
        self._namespace = namespace
        self._on_event = on_event
        self._server = TtrpcServer(handlers={(SERVICE, "Forward"): self._forward})

    async def start(self) -> None:
        await self._server.start(self.socket_path)

    async def close(self) -> None:
        await self._server.close()

    async def _forward(self, payload: bytes, metadata: Mapping[str, str]) -> bytes:
        request = event_forward_pb2.ForwardRequest()
        try:
            request.ParseFromString(payload)
            event = task_event_from_envelope(request.envelope)
        except DecodeError as exc:
            raise TtrpcStatusError(Code.INVALID_ARGUMENT, f"bad event: {exc}") from exc
        envelope = request.envelope
        if envelope.namespace != self._namespace:
            log.warning("ignoring %s event from namespace %r", envelope.topic, envelope.namespace)
        elif event is None:
            log.debug("ignoring %s event of type %s", envelope.topic, envelope.event.type_url)
        else:
            try:
                self._on_event(event)
            except Exception:
                log.exception("event sink failed on %s for %s", event.topic, event.container_id)
        return b""

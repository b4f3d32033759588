"""EventsServer: what shims post to Events/Forward becomes TaskEvents for the engine."""

from __future__ import annotations

import asyncio
from pathlib import Path

from google.protobuf import any_pb2, empty_pb2
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from dockyard.runtime.events_server import SERVICE, EventsServer, task_event_from_envelope
from dockyard.runtime.proto import event_forward_pb2, task_events_pb2
from dockyard.runtime.ttrpc import TtrpcClient
from dockyard.runtime.types import EventSink, TaskEvent


def envelope(topic: str, event: Message, namespace: str = "dy") -> event_forward_pb2.Envelope:
    packed = any_pb2.Any(
        type_url=f"containerd.events.{type(event).__name__}", value=event.SerializeToString()
    )
    return event_forward_pb2.Envelope(topic=topic, namespace=namespace, event=packed)


def forward(sock_dir: Path, envelopes: list[event_forward_pb2.Envelope], sink: EventSink) -> None:
    async def main() -> None:
        server = EventsServer(socket_path=sock_dir / "ev.sock", namespace="dy", on_event=sink)
        await server.start()
        client = await TtrpcClient.connect(str(sock_dir / "ev.sock"))
        for item in envelopes:
            request = event_forward_pb2.ForwardRequest(envelope=item)
            await client.call(SERVICE, "Forward", request, empty_pb2.Empty, timeout=5)
        await client.close()
        await server.close()

    asyncio.run(main())


def test_a_forwarded_task_exit_reaches_the_sink(sock_dir: Path) -> None:
    events: list[TaskEvent] = []
    exit_event = task_events_pb2.TaskExit(
        container_id="c1",
        id="c1",
        pid=42,
        exit_status=3,
        exited_at=Timestamp(seconds=1700000000, nanos=5000),
    )
    forward(sock_dir, [envelope("/tasks/exit", exit_event)], events.append)
    assert events == [
        TaskEvent(
            topic="/tasks/exit",
            container_id="c1",
            exec_id="",
            pid=42,
            exit_status=3,
            exited_at="2023-11-14T22:13:20.000005Z",
        )
    ]


def test_events_from_another_namespace_are_ignored(sock_dir: Path) -> None:
    events: list[TaskEvent] = []
    oom = task_events_pb2.TaskOOM(container_id="c1")
    forward(sock_dir, [envelope("/tasks/oom", oom, namespace="moby")], events.append)
    assert events == []


def test_a_failing_sink_still_acknowledges_the_event(sock_dir: Path) -> None:
    delivered: list[str] = []

    def fails_on_c1(event: TaskEvent) -> None:
        if event.container_id == "c1":
            raise RuntimeError("engine bug")
        delivered.append(event.container_id)

    ooms = [
        envelope("/tasks/oom", task_events_pb2.TaskOOM(container_id=container_id))
        for container_id in ("c1", "c2")
    ]
    forward(sock_dir, ooms, fails_on_c1)  # a failed Forward call would raise here
    assert delivered == ["c2"]


def test_an_oom_event_names_the_container() -> None:
    event = task_event_from_envelope(
        envelope("/tasks/oom", task_events_pb2.TaskOOM(container_id="c1"))
    )
    assert event == TaskEvent(topic="/tasks/oom", container_id="c1")


def test_an_exec_exit_carries_the_exec_id() -> None:
    exit_event = task_events_pb2.TaskExit(container_id="c1", id="e1", pid=50, exit_status=5)
    event = task_event_from_envelope(envelope("/tasks/exit", exit_event))
    assert event is not None and (event.exec_id, event.exit_status) == ("e1", 5)


def test_an_exec_start_carries_the_exec_id_and_pid() -> None:
    started = task_events_pb2.TaskExecStarted(container_id="c1", exec_id="e1", pid=51)
    event = task_event_from_envelope(envelope("/tasks/exec-started", started))
    assert event is not None and (event.exec_id, event.pid) == ("e1", 51)


def test_an_unknown_event_type_is_ignored() -> None:
    unknown = any_pb2.Any(type_url="containerd.events.ImageCreate", value=b"")
    item = event_forward_pb2.Envelope(topic="/images/create", namespace="dy", event=unknown)
    assert task_event_from_envelope(item) is None

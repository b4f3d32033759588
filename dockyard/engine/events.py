"""The event bus behind ``GET /events``.

Events are kept in a bounded ring so ``--since`` can replay recent history, and fanned out to
subscribers through bounded queues: a slow reader loses its oldest events rather than slowing
the engine (dockerd drops too). Records are built in Docker's wire shape once, at publish time.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

RING_SIZE = 1024
QUEUE_SIZE = 1024


def make_event(
    type_: str,
    action: str,
    actor_id: str,
    attributes: Mapping[str, str],
    *,
    now: float | None = None,
) -> dict[str, Any]:
    t = time.time() if now is None else now
    nano = int(t * 1e9)
    event: dict[str, Any] = {
        "Type": type_,
        "Action": action,
        "Actor": {"ID": actor_id, "Attributes": dict(attributes)},
        "scope": "local",
        "time": nano // 1_000_000_000,
        "timeNano": nano,
    }
    # The legacy ``status``/``id``/``from`` fields are wire format: the API adds them.
    return event


def matches(event: Mapping[str, Any], filters: Mapping[str, list[str]]) -> bool:
    """Docker's event filters: each key must match one of its values (keys are ANDed)."""
    actor = event["Actor"]
    attrs = actor["Attributes"]
    for key, values in filters.items():
        if not values:
            continue
        if key == "type":
            ok = event["Type"] in values
        elif key in ("event", "status"):
            ok = any(event["Action"] == v or event["Action"].startswith(v + ":") for v in values)
        elif key in ("container", "image", "network", "volume"):
            candidates = {actor["ID"], actor["ID"][:12], attrs.get("name", "")}
            if key == "image":
                candidates = {attrs.get("image", "")}
            ok = event["Type"] in (key, "container") and bool(candidates & set(values))
            if key == "container" and event["Type"] != "container":
                ok = False
        elif key == "label":
            ok = any(_label_matches(attrs, v) for v in values)
        elif key == "daemon":
            ok = event["Type"] == "daemon"
        else:
            ok = True
        if not ok:
            return False
    return True


def _label_matches(attrs: Mapping[str, str], spec: str) -> bool:
    key, sep, value = spec.partition("=")
    if key not in attrs:
        return False
    return not sep or attrs[key] == value


class EventBus:
    def __init__(self) -> None:
        self._ring: collections.deque[dict[str, Any]] = collections.deque(maxlen=RING_SIZE)
        self._subscribers: set[asyncio.Queue[dict[str, Any]]] = set()

    @property
    def listener_count(self) -> int:
        return len(self._subscribers)

    def publish(
        self, type_: str, action: str, actor_id: str, attributes: Mapping[str, str] | None = None
    ) -> dict[str, Any]:
        event = make_event(type_, action, actor_id, attributes or {})
        self._ring.append(event)
        for queue in list(self._subscribers):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)
        return event

    async def subscribe(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        filters: Mapping[str, list[str]] | None = None,
    ) -> AsyncIterator[dict[str, Any]]:
        """Replay ring events newer than ``since``, then follow live ones until ``until``."""
        filters = filters or {}
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        self._subscribers.add(queue)
        try:
            if since is not None:
                for event in list(self._ring):
                    if event["timeNano"] / 1e9 < since:
                        continue
                    if until is not None and event["timeNano"] / 1e9 > until:
                        return
                    if matches(event, filters):
                        yield event
            if until is not None and until <= time.time():
                return
            while True:
                timeout = None if until is None else max(0.0, until - time.time())
                try:
                    event = await asyncio.wait_for(queue.get(), timeout)
                except TimeoutError:
                    return
                if since is not None and event["timeNano"] / 1e9 < since:
                    continue
                if matches(event, filters):
                    yield event
        finally:
            self._subscribers.discard(queue)

"""The human strings dockerd computes server-side: ``Up 5 seconds``, ``Exited (3) 2 minutes ago``.

``container_status`` is moby's ``State.String``; its durations are go-units ``HumanDuration``
(from ``dockyard._internal.humanize``, which the CLI shares), printed verbatim by ``docker ps``.
"""

from __future__ import annotations

import datetime as dt

from dockyard._internal.humanize import human_duration
from dockyard.engine.container import State, Status, parse_rfc3339


def _since(timestamp: str, now: dt.datetime) -> str:
    moment = parse_rfc3339(timestamp)
    return human_duration((now - moment).total_seconds() if moment else 0.0)


def container_status(state: State, *, now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    if state.running:
        if state.restarting:
            return f"Restarting ({state.exit_code}) {_since(state.finished_at, now)} ago"
        up = f"Up {_since(state.started_at, now)}"
        return f"{up} (Paused)" if state.paused else up
    if state.status is Status.REMOVING:
        return "Removal In Progress"
    if state.dead or state.status is Status.DEAD:
        return "Dead"
    if parse_rfc3339(state.started_at) is None:
        return "Created"
    if parse_rfc3339(state.finished_at) is None:
        return ""
    return f"Exited ({state.exit_code}) {_since(state.finished_at, now)} ago"

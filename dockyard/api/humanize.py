"""The human strings dockerd computes server-side: ``Up 5 seconds``, ``Exited (3) 2 minutes ago``.

``human_duration`` is go-units ``HumanDuration`` (the CLI prints it verbatim in ``docker ps``);
``container_status`` is moby's ``State.String``.
"""

from __future__ import annotations

import datetime as dt

from dockyard.engine.container import State, Status, parse_rfc3339


def human_duration(seconds: float) -> str:
    whole = int(seconds)
    if whole < 1:
        return "Less than a second"
    if whole == 1:
        return "1 second"
    if whole < 60:
        return f"{whole} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(seconds / 3600 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds / 3600) // 24 // 365} years"


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

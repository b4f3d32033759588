"""Server-side human strings: moby's ``State.String``."""

from __future__ import annotations

import datetime as dt

from dockyard.api.humanize import container_status
from dockyard.engine.container import State, Status

NOW = dt.datetime(2025, 6, 1, 12, 0, 0, tzinfo=dt.UTC)


def ago(seconds: float) -> str:
    moment = NOW - dt.timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


def test_a_running_container_is_up_since_it_started() -> None:
    state = State(status=Status.RUNNING, running=True, started_at=ago(5))
    assert container_status(state, now=NOW) == "Up 5 seconds"


def test_a_paused_container_says_so_after_its_uptime() -> None:
    state = State(status=Status.PAUSED, running=True, paused=True, started_at=ago(180))
    assert container_status(state, now=NOW) == "Up 3 minutes (Paused)"


def test_a_restarting_container_shows_its_last_exit_code_and_when() -> None:
    state = State(
        status=Status.RESTARTING, running=True, restarting=True, exit_code=1, finished_at=ago(3)
    )
    assert container_status(state, now=NOW) == "Restarting (1) 3 seconds ago"


def test_an_exited_container_shows_its_exit_code_and_when() -> None:
    state = State(status=Status.EXITED, exit_code=3, started_at=ago(200), finished_at=ago(120))
    assert container_status(state, now=NOW) == "Exited (3) 2 minutes ago"


def test_a_never_started_container_is_created() -> None:
    assert container_status(State(), now=NOW) == "Created"


def test_a_dead_container_is_dead() -> None:
    state = State(status=Status.DEAD, dead=True, started_at=ago(9), finished_at=ago(5))
    assert container_status(state, now=NOW) == "Dead"


def test_a_container_being_removed_says_removal_in_progress() -> None:
    state = State(status=Status.REMOVING, started_at=ago(9), finished_at=ago(5))
    assert container_status(state, now=NOW) == "Removal In Progress"

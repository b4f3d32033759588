"""Server-side human strings: go-units ``HumanDuration`` and moby's ``State.String``."""

from __future__ import annotations

import datetime as dt

import pytest

from dockyard.api.humanize import container_status, human_duration
from dockyard.engine.container import State, Status

NOW = dt.datetime(2025, 6, 1, 12, 0, 0, tzinfo=dt.UTC)


def ago(seconds: float) -> str:
    moment = NOW - dt.timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000Z"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.4, "Less than a second"),
        (1, "1 second"),
        (59, "59 seconds"),
        (60, "About a minute"),
        (119, "About a minute"),
        (120, "2 minutes"),
        (59 * 60, "59 minutes"),
        (60 * 60, "About an hour"),
        (90 * 60, "2 hours"),
        (47 * 3600, "47 hours"),
        (48 * 3600, "2 days"),
        (14 * 86400, "2 weeks"),
        (60 * 86400, "2 months"),
        (800 * 86400, "2 years"),
    ],
)
def test_durations_read_like_go_units(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


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

"""The die → start pairing that restart_gap reports."""

from __future__ import annotations

from typing import Any

from bench.restart_gap import restart_gaps


def event(action: str, ms: int) -> dict[str, Any]:
    return {"Type": "container", "Action": action, "timeNano": ms * 1_000_000}


def test_gap_is_measured_from_die_to_the_following_start() -> None:
    events = [event("create", 0), event("start", 10), event("die", 20), event("start", 145)]
    assert restart_gaps(events, restarts=3) == [125.0]


def test_the_first_start_after_create_is_not_a_gap() -> None:
    assert restart_gaps([event("create", 0), event("start", 10)], restarts=3) == []


def test_only_the_first_restarts_are_counted() -> None:
    events = [event("start", 0)]
    for i in range(1, 6):
        events += [event("die", i * 1000), event("start", i * 1000 + 100 * i)]
    assert restart_gaps(events, restarts=3) == [100.0, 200.0, 300.0]


def test_events_between_die_and_start_do_not_break_the_pair() -> None:
    events = [event("die", 0), event("destroy", 5), event("start", 120)]
    assert restart_gaps(events, restarts=1) == [120.0]


def test_old_style_status_field_is_understood() -> None:
    events = [{"status": "die", "timeNano": 0}, {"status": "start", "timeNano": 150_000_000}]
    assert restart_gaps(events, restarts=1) == [150.0]

"""Restart decisions, validated against dockerd's rules and the seed's table."""

from __future__ import annotations

import pytest

from dockyard.engine.restart_policy import (
    FIRST_DELAY,
    MAX_DELAY,
    RestartPolicy,
    check_auto_remove,
    next_delay,
    parse_policy,
    should_restart_on_exit,
    should_start_on_engine_start,
)
from dockyard.errors import InvalidParameter


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"Name": "bogus"},
            "invalid restart policy: unknown policy 'bogus'; use one of 'no', "
            "'always', 'on-failure', or 'unless-stopped'",
        ),
        (
            {"Name": "always", "MaximumRetryCount": 3},
            "invalid restart policy: maximum retry count can only be used with 'on-failure'",
        ),
        (
            {"Name": "no", "MaximumRetryCount": -1},
            "invalid restart policy: maximum retry count can only be used with 'on-failure' and "
            "cannot be negative",
        ),
        (
            {"Name": "on-failure", "MaximumRetryCount": -1},
            "invalid restart policy: maximum retry count cannot be negative",
        ),
    ],
)
def test_invalid_policies_are_refused_with_dockers_message(body: dict, message: str) -> None:
    with pytest.raises(InvalidParameter) as err:
        parse_policy(body)
    assert str(err.value) == message


def test_empty_policy_name_is_accepted_with_any_count() -> None:
    assert parse_policy({"Name": "", "MaximumRetryCount": 5}).is_none


def test_auto_remove_with_a_restart_policy_is_refused() -> None:
    with pytest.raises(InvalidParameter, match="can't create 'AutoRemove' container with restart"):
        check_auto_remove(RestartPolicy("always"), True)
    check_auto_remove(RestartPolicy("no"), True)


def test_backoff_doubles_from_100ms_and_caps_at_a_minute() -> None:
    delays = []
    delay = 0.0
    for _ in range(12):
        delay = next_delay(delay, execution_duration=1.0)
        delays.append(delay)
    assert delays[:4] == [FIRST_DELAY, 0.2, 0.4, 0.8]
    assert delays[-1] == MAX_DELAY
    assert max(delays) == MAX_DELAY


def test_a_run_of_ten_seconds_resets_the_backoff() -> None:
    assert next_delay(25.6, execution_duration=10.0) == FIRST_DELAY
    assert next_delay(25.6, execution_duration=9.9) == 51.2


@pytest.mark.parametrize(
    ("policy", "exit_code", "manual", "count", "expected"),
    [
        (RestartPolicy("no"), 1, False, 0, False),
        (RestartPolicy("always"), 0, False, 5, True),
        (RestartPolicy("always"), 0, True, 0, False),
        (RestartPolicy("unless-stopped"), 0, False, 0, True),
        (RestartPolicy("unless-stopped"), 1, True, 0, False),
        (RestartPolicy("on-failure"), 0, False, 0, False),
        (RestartPolicy("on-failure"), 1, False, 100, True),
        (RestartPolicy("on-failure", 3), 1, False, 2, True),
        (RestartPolicy("on-failure", 3), 1, False, 3, False),
    ],
)
def test_exit_decisions(policy, exit_code, manual, count, expected) -> None:  # noqa: ANN001
    assert (
        should_restart_on_exit(
            policy, exit_code=exit_code, manually_stopped=manual, restart_count=count
        )
        is expected
    )


@pytest.mark.parametrize(
    ("policy", "manual", "expected"),
    [
        ("always", False, True),
        ("always", True, True),
        ("unless-stopped", False, True),
        ("unless-stopped", True, False),
        ("on-failure", False, False),
        ("no", False, False),
    ],
)
def test_engine_start_follows_the_seed_table(policy: str, manual: bool, expected: bool) -> None:
    assert (
        should_start_on_engine_start(
            RestartPolicy(policy), manually_stopped=manual, started_before=True
        )
        is expected
    )


def test_a_never_started_container_is_not_started_by_the_engine() -> None:
    assert not should_start_on_engine_start(
        RestartPolicy("always"), manually_stopped=False, started_before=False
    )

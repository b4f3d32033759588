"""`--since`/`--until` values and event times, converted like the docker CLI does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dockyard.cli.failures import OptionError
from dockyard.cli.timestamps import api_timestamp, parse_go_duration, rfc3339_nano_fixed

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def test_go_durations_add_up_their_parts() -> None:
    assert parse_go_duration("1h30m10.5s") == 5410.5


def test_a_relative_since_counts_back_from_now() -> None:
    assert api_timestamp("10m", now=NOW) == str(int(NOW.timestamp()) - 600)


def test_unix_timestamps_pass_through() -> None:
    assert api_timestamp("1714564800.5", now=NOW) == "1714564800.5"


def test_rfc3339_times_become_seconds_and_nanoseconds() -> None:
    assert api_timestamp("2024-05-01T12:00:00.25Z", now=NOW) == "1714564800.250000000"


def test_times_without_a_zone_are_local(utc_zone: None) -> None:
    assert api_timestamp("2024-05-01", now=NOW) == "1714521600.000000000"


def test_values_that_are_neither_time_nor_duration_are_rejected() -> None:
    with pytest.raises(OptionError, match='failed to parse value as time or duration: "soon"'):
        api_timestamp("soon", now=NOW)


def test_event_times_have_nine_fraction_digits(utc_zone: None) -> None:
    assert rfc3339_nano_fixed(1714564800, 5) == "2024-05-01T12:00:00.000000005Z"

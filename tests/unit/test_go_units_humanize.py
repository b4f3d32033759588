"""go-units wording shared by the API and the CLI: durations and sizes."""

from __future__ import annotations

import pytest

from dockyard._internal.humanize import bytes_size, human_duration, human_size

HOUR = 3600
DAY = 24 * HOUR


@pytest.mark.parametrize(
    ("seconds", "wording"),
    [
        (0.4, "Less than a second"),
        (1, "1 second"),
        (5.9, "5 seconds"),
        (59, "59 seconds"),
        (60, "About a minute"),
        (119, "About a minute"),
        (120, "2 minutes"),
        (59 * 60, "59 minutes"),
        (59 * 60 + 59, "59 minutes"),
        (HOUR, "About an hour"),
        (HOUR * 1.5, "2 hours"),
        (47 * HOUR, "47 hours"),
        (48 * HOUR, "2 days"),
        (13 * DAY, "13 days"),
        (13 * DAY + 20 * HOUR, "13 days"),
        (14 * DAY, "2 weeks"),
        (60 * DAY, "2 months"),
        (800 * DAY, "2 years"),
    ],
)
def test_durations_read_like_go_units(seconds: float, wording: str) -> None:
    assert human_duration(seconds) == wording


@pytest.mark.parametrize(
    ("size", "wording"),
    [
        (0, "0B"),
        (999, "999B"),
        (1000, "1kB"),
        (4_261_234, "4.26MB"),
        (1_234_567_890, "1.23GB"),
        (999_500_000, "1000MB"),
    ],
)
def test_image_sizes_use_decimal_units_and_three_digits(size: int, wording: str) -> None:
    assert human_size(size) == wording


def test_memory_totals_use_binary_units() -> None:
    assert bytes_size(2 * 1024**3) == "2GiB"

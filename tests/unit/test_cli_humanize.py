"""Wording of durations, sizes, IDs and commands, as the docker CLI prints them."""

from __future__ import annotations

import pytest

from dockyard.cli.humanize import (
    bytes_size,
    ellipsis,
    go_quote,
    human_duration,
    human_size,
    time_ago,
    truncate_id,
)

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
        (59 * 60 + 59, "59 minutes"),
        (HOUR, "About an hour"),
        (HOUR * 1.5, "2 hours"),
        (47 * HOUR, "47 hours"),
        (48 * HOUR, "2 days"),
        (13 * DAY, "13 days"),
        (14 * DAY, "2 weeks"),
        (60 * DAY, "2 months"),
        (800 * DAY, "2 years"),
    ],
)
def test_durations_read_like_docker(seconds: float, wording: str) -> None:
    assert human_duration(seconds) == wording


def test_created_column_counts_back_from_now() -> None:
    assert time_ago(1_000_000, now=1_000_005) == "5 seconds ago"


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


def test_ids_lose_their_algorithm_and_keep_twelve_characters() -> None:
    assert truncate_id("sha256:0123456789abcdef0123") == "0123456789ab"


def test_short_text_is_not_ellipsized() -> None:
    assert ellipsis("sleep 300", 20) == "sleep 300"


def test_long_text_is_cut_to_nineteen_characters_and_an_ellipsis() -> None:
    assert ellipsis("sh -c 'while true; do date; done'", 20) == "sh -c 'while true; …"


def test_wide_characters_count_double_when_ellipsizing() -> None:
    assert ellipsis("日本語の長いコマンド", 8) == "日本語…"


def test_commands_are_quoted_like_go() -> None:
    assert go_quote('echo "hi"\n') == '"echo \\"hi\\"\\n"'

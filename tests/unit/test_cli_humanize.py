"""Wording of times, IDs and commands, as the docker CLI prints them."""

from __future__ import annotations

from dockyard.cli.humanize import ellipsis, go_quote, time_ago, truncate_id


def test_created_column_counts_back_from_now() -> None:
    assert time_ago(1_000_000, now=1_000_005) == "5 seconds ago"


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

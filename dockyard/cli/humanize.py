"""Human wording for times, IDs and commands, as the docker CLI prints them.

These mirror the docker CLI formatter helpers (`TruncateID`, `Ellipsis`, `strconv.Quote`),
so that tables read the same as `docker ps` / `docker images` output. The go-units wording
of durations and sizes lives in `dockyard._internal.humanize`, shared with the API.
"""

from __future__ import annotations

import json
import unicodedata

from dockyard._internal.humanize import human_duration


def time_ago(unix_seconds: float, *, now: float) -> str:
    """The CREATED column: how long before `now` a Unix timestamp was."""
    return human_duration(now - unix_seconds) + " ago"


def truncate_id(identifier: str) -> str:
    """Drop an algorithm prefix ("sha256:") and keep 12 characters, like TruncateID."""
    _, sep, rest = identifier.partition(":")
    if sep:
        identifier = rest
    return identifier[:12]


def _display_width(char: str) -> int:
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def ellipsis(text: str, max_width: int) -> str:
    """Cut `text` to `max_width` display cells, ending in "…" when it was cut."""
    if max_width <= 0:
        return ""
    if max_width == 1:
        return text[:1]
    widths = [_display_width(char) for char in text]
    if sum(widths) <= max_width:
        return text
    used = 0
    for index, width in enumerate(widths):
        if used + width > max_width - 1:
            return text[:index] + "…"
        used += width
    return text


def go_quote(text: str) -> str:
    """Quote like Go's strconv.Quote: double quotes, escapes, printable Unicode kept."""
    quoted = json.dumps(text, ensure_ascii=False)
    return quoted.replace("\\u007f", "\\x7f")

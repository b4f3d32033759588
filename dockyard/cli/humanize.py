"""Human wording for durations, sizes, IDs and commands, as the docker CLI prints them.

These mirror docker/go-units (`HumanDuration`, `HumanSizeWithPrecision`) and the
docker CLI formatter helpers (`TruncateID`, `Ellipsis`, `strconv.Quote`), so that
tables read the same as `docker ps` / `docker images` output.
"""

from __future__ import annotations

import json
import unicodedata

_DAY = 24 * 3600.0
_WEEK = 7 * _DAY
_MONTH = 30 * _DAY
_YEAR = 365 * _DAY
_DECIMAL_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
_BINARY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")


def _rounded(seconds: float, unit: float) -> int:
    return int(seconds / unit + 0.5)


def human_duration(seconds: float) -> str:
    """Approximate a duration like go-units, e.g. "5 seconds", "About a minute"."""
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
    hours = _rounded(seconds, 3600)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if seconds < 2 * _WEEK:
        return f"{_rounded(seconds, _DAY)} days"
    if seconds < 2 * _MONTH:
        return f"{_rounded(seconds, _WEEK)} weeks"
    if seconds < 2 * _YEAR:
        return f"{_rounded(seconds, _MONTH)} months"
    return f"{_rounded(seconds, _YEAR)} years"


def time_ago(unix_seconds: float, *, now: float) -> str:
    """The CREATED column: how long before `now` a Unix timestamp was."""
    return human_duration(now - unix_seconds) + " ago"


def _scale(size: float, base: float, units: tuple[str, ...]) -> tuple[float, str]:
    index = 0
    while size >= base and index < len(units) - 1:
        size /= base
        index += 1
    return size, units[index]


def human_size(size: float, *, precision: int = 3) -> str:
    """A size in decimal units, like docker's SIZE column ("4.26MB", "1.2GB")."""
    value, unit = _scale(float(size), 1000.0, _DECIMAL_UNITS)
    text = f"{value:.{precision}g}"
    if "e" in text or "E" in text:
        text = f"{value:.0f}"
    return text + unit


def bytes_size(size: float) -> str:
    """A size in binary units with four significant digits ("1.944GiB")."""
    value, unit = _scale(float(size), 1024.0, _BINARY_UNITS)
    return f"{value:.4g}{unit}"


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

"""Time values on the command line (`--since 10m`, `--until 2024-01-02T15:04:05`) and in output.

`api_timestamp` follows the docker CLI's `timetypes.GetTimestamp`: a Go duration
means "that long before now", a date/time is converted to `seconds.nanoseconds`
(in local time when it names no zone), and a Unix timestamp passes through.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from dockyard.cli.failures import OptionError

_DURATION_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_DURATION_PART = re.compile(r"(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_UNIX_TIMESTAMP = re.compile(r"^\d+(\.\d{1,9})?$")
_DATE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%dT%H%z",
    "%Y-%m-%d%z",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H",
    "%Y-%m-%d",
)


def parse_go_duration(text: str) -> float:
    """Seconds in a Go duration string ("1h30m", "-10s", "1.5h"); ValueError if it is not one."""
    sign = 1.0
    body = text
    if body[:1] in "+-" and body:
        sign = -1.0 if body[0] == "-" else 1.0
        body = body[1:]
    if body == "0":
        return 0.0
    position = 0
    total = 0.0
    while position < len(body):
        match = _DURATION_PART.match(body, position)
        if match is None:
            raise ValueError(f"time: invalid duration {text!r}")
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        position = match.end()
    if position == 0:
        raise ValueError(f"time: invalid duration {text!r}")
    return sign * total


def _parse_datetime(text: str) -> datetime:
    normalized = re.sub(r"[zZ]$", "+00:00", text)
    for layout in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(normalized, layout)
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.astimezone()
        return parsed
    raise ValueError(text)


def api_timestamp(value: str, *, now: datetime) -> str:
    """Convert a `--since`/`--until` value into what the API's `since`/`until` expect."""
    if value != "0":
        try:
            seconds = parse_go_duration(value)
        except ValueError:
            pass
        else:
            return str(int((now - timedelta(seconds=seconds)).timestamp()))
    if _UNIX_TIMESTAMP.match(value):
        return value
    try:
        parsed = _parse_datetime(value)
    except ValueError:
        raise OptionError(f'failed to parse value as time or duration: "{value}"') from None
    whole = int(parsed.timestamp() // 1)
    return f"{whole}.{parsed.microsecond * 1000:09d}"


def rfc3339_nano_fixed(seconds: int, nanos: int) -> str:
    """Format like Go's "2006-01-02T15:04:05.000000000Z07:00" in the local time zone."""
    moment = datetime.fromtimestamp(seconds, tz=UTC).astimezone()
    zone = moment.strftime("%z")
    zone = "Z" if zone in ("+0000", "") else f"{zone[:3]}:{zone[3:]}"
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos:09d}{zone}"

"""protobuf Timestamps as the RFC 3339 strings Docker shows (``State.FinishedAt`` etc.).

Go's ``time.RFC3339Nano`` trims trailing zeros of the fraction, and a missing time is Go's
zero time, ``0001-01-01T00:00:00Z``; clients compare against exactly that string.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.protobuf.timestamp_pb2 import Timestamp

GO_ZERO_TIME = "0001-01-01T00:00:00Z"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def rfc3339_nano(timestamp: Timestamp | None) -> str:
    """Format like Go's RFC3339Nano in UTC; ``None`` (field not set) is Go's zero time."""
    if timestamp is None:
        return GO_ZERO_TIME
    moment = _EPOCH + timedelta(seconds=timestamp.seconds)
    text = (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    )
    if timestamp.nanos:
        text += "." + f"{timestamp.nanos:09d}".rstrip("0")
    return text + "Z"

"""Framing of container output on the wire (attach, exec, logs).

Without a TTY every write is one frame: an 8-byte header (stream byte, three zero bytes,
big-endian uint32 length) then the payload; stream 1 is stdout, 2 stderr, 3 a system error the
CLI turns into an error. With a TTY the bytes go out raw. Clients pick the parser from the
container's ``Config.Tty``; the media type only names it (multiplexed from API 1.42).
"""

from __future__ import annotations

import struct

from aiohttp import web

from dockyard.api.versions import at_least

RAW_STREAM = "application/vnd.docker.raw-stream"
MULTIPLEXED_STREAM = "application/vnd.docker.multiplexed-stream"

STDOUT, STDERR, SYSTEM_ERROR = 1, 2, 3


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(payload)) + payload


def encode_output(stream: int, payload: bytes, *, tty: bool) -> bytes:
    return payload if tty else frame(stream, payload)


def stream_media_type(request: web.Request, *, tty: bool) -> str:
    return MULTIPLEXED_STREAM if not tty and at_least(request, "1.42") else RAW_STREAM


def fixed_nanos(timestamp: str) -> str:
    """RFC 3339 with exactly nine fractional digits (``RFC3339NanoFixed``), UTC ``Z``.

    json-file stores Go's ``RFC3339Nano``, which trims trailing zeros; ``docker logs -t``
    always shows nine digits.
    """
    head, _, rest = timestamp.partition(".")
    if not rest:
        return head.rstrip("Z") + ".000000000Z"
    digits = rest.rstrip("Z")
    return f"{head}.{(digits + '000000000')[:9]}Z"

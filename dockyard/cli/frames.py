"""Decoding of Docker's multiplexed stdout/stderr stream (attach, logs, exec without a TTY).

Each frame is an 8-byte header — stream type, three zero bytes, big-endian
uint32 payload length — then the payload. Data arrives in arbitrary pieces, so
the decoder keeps a partial frame between `feed` calls.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

_HEADER = struct.Struct(">BxxxI")


class StreamType(IntEnum):
    STDIN = 0
    STDOUT = 1
    STDERR = 2
    SYSTEM_ERROR = 3


class FrameError(ValueError):
    """The bytes are not a multiplexed stream (docker: "Unrecognized input header")."""


@dataclass(frozen=True, kw_only=True)
class Frame:
    stream: StreamType
    payload: bytes


class FrameDecoder:
    """Turns a byte stream into frames; feed it chunks as they arrive."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer.extend(data)
        frames = []
        while len(self._buffer) >= _HEADER.size:
            kind, length = _HEADER.unpack_from(self._buffer)
            if kind not in StreamType._value2member_map_:
                raise FrameError(f"Unrecognized input header: {kind}")
            end = _HEADER.size + length
            if len(self._buffer) < end:
                break
            frames.append(
                Frame(stream=StreamType(kind), payload=bytes(self._buffer[_HEADER.size : end]))
            )
            del self._buffer[:end]
        return frames

    @property
    def pending(self) -> int:
        """Bytes held back as an incomplete frame."""
        return len(self._buffer)


def encode_frame(stream: StreamType, payload: bytes) -> bytes:
    """One frame, as the engine writes it (used by tests and stubs)."""
    return _HEADER.pack(int(stream), len(payload)) + payload

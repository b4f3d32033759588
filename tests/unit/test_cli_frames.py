"""Demultiplexing Docker's stdout/stderr frames as they arrive in pieces."""

from __future__ import annotations

import pytest

from dockyard.cli.frames import Frame, FrameDecoder, FrameError, StreamType, encode_frame


def test_whole_frames_decode_in_order() -> None:
    data = encode_frame(StreamType.STDERR, b"err1\n") + encode_frame(StreamType.STDOUT, b"out1\n")
    assert FrameDecoder().feed(data) == [
        Frame(stream=StreamType.STDERR, payload=b"err1\n"),
        Frame(stream=StreamType.STDOUT, payload=b"out1\n"),
    ]


def test_a_frame_split_across_reads_waits_for_its_end() -> None:
    data = encode_frame(StreamType.STDOUT, b"hello")
    decoder = FrameDecoder()
    assert decoder.feed(data[:6]) == []
    assert decoder.feed(data[6:]) == [Frame(stream=StreamType.STDOUT, payload=b"hello")]


def test_an_unknown_stream_type_is_an_error() -> None:
    with pytest.raises(FrameError, match="Unrecognized input header: 9"):
        FrameDecoder().feed(b"\x09\x00\x00\x00\x00\x00\x00\x01x")

"""Pumping a hijacked connection: output demultiplexing, half-close, detach keys."""

from __future__ import annotations

import io
import os
import socket
import threading
from collections.abc import Iterator

import pytest

from dockyard.cli.frames import StreamType, encode_frame
from dockyard.cli.session import (
    DetachRequested,
    EscapeDetector,
    StreamFailure,
    StreamSession,
    Terminal,
)


@pytest.fixture
def connection() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, engine = socket.socketpair()
    yield ours, engine
    ours.close()
    engine.close()


def test_escape_detector_forwards_ordinary_input() -> None:
    assert EscapeDetector(b"\x10\x11").filter(b"ls\r") == (b"ls\r", False)


def test_escape_detector_holds_a_possible_start_of_the_sequence() -> None:
    detector = EscapeDetector(b"\x10\x11")
    assert detector.filter(b"a\x10") == (b"a", False)


def test_escape_detector_releases_held_input_when_the_sequence_breaks() -> None:
    detector = EscapeDetector(b"\x10\x11")
    detector.filter(b"\x10")
    assert detector.filter(b"x") == (b"\x10x", False)


def test_escape_detector_reports_the_full_sequence_split_across_reads() -> None:
    detector = EscapeDetector(b"\x10\x11")
    detector.filter(b"\x10")
    assert detector.filter(b"\x11") == (b"", True)


def test_session_without_stdin_half_closes_and_splits_output(
    connection: tuple[socket.socket, socket.socket],
) -> None:
    ours, engine = connection
    engine.sendall(
        encode_frame(StreamType.STDOUT, b"out\n") + encode_frame(StreamType.STDERR, b"e")
    )
    engine.shutdown(socket.SHUT_WR)
    stdout, stderr = io.BytesIO(), io.BytesIO()
    StreamSession(
        sock=ours, tty=False, terminal=Terminal(stdin=None, stdout=stdout, stderr=stderr)
    ).run()
    assert (stdout.getvalue(), stderr.getvalue(), engine.recv(10)) == (b"out\n", b"e", b"")


def test_session_with_a_tty_copies_output_unframed(
    connection: tuple[socket.socket, socket.socket],
) -> None:
    ours, engine = connection
    engine.sendall(b"a\r\nb\r\n")
    engine.shutdown(socket.SHUT_WR)
    stdout = io.BytesIO()
    terminal = Terminal(stdin=None, stdout=stdout, stderr=io.BytesIO())
    StreamSession(sock=ours, tty=True, terminal=terminal).run()
    assert stdout.getvalue() == b"a\r\nb\r\n"


def test_session_forwards_stdin_then_half_closes(
    connection: tuple[socket.socket, socket.socket],
) -> None:
    ours, engine = connection
    received = bytearray()

    def echoing_engine() -> None:
        while chunk := engine.recv(100):  # until the CLI half-closes
            received.extend(chunk)
        engine.sendall(encode_frame(StreamType.STDOUT, bytes(received)))
        engine.shutdown(socket.SHUT_WR)

    worker = threading.Thread(target=echoing_engine)
    worker.start()
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"hello\n")
    os.close(write_fd)
    stdout = io.BytesIO()
    with os.fdopen(read_fd, "rb") as stdin:
        terminal = Terminal(stdin=stdin, stdout=stdout, stderr=io.BytesIO())
        StreamSession(sock=ours, tty=False, terminal=terminal).run()
    worker.join(10)
    assert (bytes(received), stdout.getvalue()) == (b"hello\n", b"hello\n")


def test_a_system_error_frame_fails_the_session(
    connection: tuple[socket.socket, socket.socket],
) -> None:
    ours, engine = connection
    engine.sendall(encode_frame(StreamType.SYSTEM_ERROR, b"container gone"))
    engine.shutdown(socket.SHUT_WR)
    terminal = Terminal(stdin=None, stdout=io.BytesIO(), stderr=io.BytesIO())
    with pytest.raises(StreamFailure, match="container gone"):
        StreamSession(sock=ours, tty=False, terminal=terminal).run()


def test_typing_the_detach_keys_ends_the_session_without_sending_them(
    connection: tuple[socket.socket, socket.socket],
) -> None:
    ours, engine = connection
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"ls\x10\x11")
    with os.fdopen(read_fd, "rb") as stdin:
        terminal = Terminal(stdin=stdin, stdout=io.BytesIO(), stderr=io.BytesIO())
        session = StreamSession(sock=ours, tty=True, terminal=terminal, detach_keys=b"\x10\x11")
        with pytest.raises(DetachRequested):
            session.run()
    os.close(write_fd)
    assert engine.recv(100) == b"ls"

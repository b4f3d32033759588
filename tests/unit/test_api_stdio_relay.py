"""Detach keys: parsing dockerd's spec and finding the sequence in a stdin stream."""

from __future__ import annotations

import pytest

from dockyard.api.stdio_relay import DetachScanner, parse_detach_keys
from dockyard.errors import InvalidParameter


def test_the_default_detach_keys_are_ctrl_p_ctrl_q() -> None:
    assert parse_detach_keys("ctrl-p,ctrl-q") == b"\x10\x11"


def test_detach_keys_accept_plain_characters_and_ctrl_specials() -> None:
    assert parse_detach_keys("a,ctrl-@,ctrl-[") == b"a\x00\x1b"


def test_unknown_detach_keys_are_rejected_with_dockerd_wording() -> None:
    with pytest.raises(InvalidParameter, match=r"Invalid detach keys \(ctrl-1\) provided"):
        parse_detach_keys("ctrl-1")


def test_the_sequence_detaches_and_bytes_before_it_pass_through() -> None:
    assert DetachScanner(b"\x10\x11").feed(b"ls\n\x10\x11rest") == (b"ls\n", True)


def test_a_sequence_split_across_reads_still_detaches() -> None:
    scanner = DetachScanner(b"\x10\x11")
    assert scanner.feed(b"ab\x10") == (b"ab", False)
    assert scanner.feed(b"\x11") == (b"", True)


def test_a_partial_sequence_that_does_not_complete_is_passed_on() -> None:
    scanner = DetachScanner(b"\x10\x11")
    scanner.feed(b"\x10")
    assert scanner.feed(b"x") == (b"\x10x", False)


def test_no_detach_keys_pass_everything() -> None:
    assert DetachScanner(b"").feed(b"\x10\x11") == (b"\x10\x11", False)

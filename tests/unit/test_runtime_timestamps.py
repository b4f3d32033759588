"""Timestamps rendered the way Docker (Go's RFC3339Nano) prints them."""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp

from dockyard.runtime.timestamps import GO_ZERO_TIME, rfc3339_nano


def test_nanoseconds_are_printed_without_trailing_zeros() -> None:
    assert rfc3339_nano(Timestamp(seconds=1700000000, nanos=120000000)) == (
        "2023-11-14T22:13:20.12Z"
    )


def test_a_whole_second_has_no_fraction() -> None:
    assert rfc3339_nano(Timestamp(seconds=1700000000)) == "2023-11-14T22:13:20Z"


def test_a_missing_timestamp_is_gos_zero_time() -> None:
    assert rfc3339_nano(None) == "0001-01-01T00:00:00Z" == GO_ZERO_TIME


def test_gos_zero_time_sent_by_a_shim_stays_the_zero_time() -> None:
    assert rfc3339_nano(Timestamp(seconds=-62135596800)) == GO_ZERO_TIME

"""The ttrpc frame codec, pinned to bytes measured against containerd-shim-runc-v2 1.6."""

from __future__ import annotations

import asyncio

import pytest

from dockyard.runtime.proto import task_pb2, ttrpc_pb2
from dockyard.runtime.ttrpc import (
    MAX_DATA,
    Frame,
    MessageType,
    TtrpcConnectionError,
    TtrpcProtocolError,
    encode_frame,
    read_frame,
    socket_path,
)


def read(data: bytes) -> Frame:
    async def main() -> Frame:
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        return await read_frame(reader)

    return asyncio.run(main())


def connect_request_frame() -> bytes:
    request = ttrpc_pb2.Request(
        service="containerd.task.v2.Task",
        method="Connect",
        payload=task_pb2.ConnectRequest(id="c1").SerializeToString(),
        metadata=[ttrpc_pb2.KeyValue(key="containerd-namespace-ttrpc", value="moby")],
    )
    return encode_frame(
        Frame(stream_id=1, type=MessageType.REQUEST, data=request.SerializeToString())
    )


def test_a_request_header_is_length_stream_id_type_and_flags_big_endian() -> None:
    assert connect_request_frame()[:10] == bytes.fromhex("0000004c000000010100")


def test_a_request_body_starts_with_service_method_and_payload() -> None:
    body = connect_request_frame()[10:]
    assert body.startswith(
        b"\x0a\x17containerd.task.v2.Task\x12\x07Connect\x1a\x04\x0a\x02c1\x2a\x22"
    )


def test_a_real_shim_reply_decodes_to_its_payload() -> None:
    frame = read(bytes.fromhex("00000006000000010200") + bytes.fromhex("120408ffbd01"))
    response = ttrpc_pb2.Response.FromString(frame.data)
    assert task_pb2.ConnectResponse.FromString(response.payload).shim_pid == 24319


def test_a_real_shim_error_decodes_to_code_and_message() -> None:
    body = b"\x0a\x24\x08\x05\x12\x20container not created: not found"
    frame = read(len(body).to_bytes(4, "big") + bytes.fromhex("000000010200") + body)
    status = ttrpc_pb2.Response.FromString(frame.data).status
    assert (status.code, status.message) == (5, "container not created: not found")


def test_a_frame_keeps_its_stream_id_and_type() -> None:
    frame = read(encode_frame(Frame(stream_id=7, type=MessageType.RESPONSE, data=b"x")))
    assert (frame.stream_id, frame.type, frame.data) == (7, MessageType.RESPONSE, b"x")


def test_data_over_four_mebibytes_is_refused_when_encoding() -> None:
    with pytest.raises(TtrpcProtocolError):
        encode_frame(Frame(stream_id=1, type=MessageType.REQUEST, data=b"\0" * (MAX_DATA + 1)))


def test_a_header_announcing_over_four_mebibytes_is_refused() -> None:
    with pytest.raises(TtrpcProtocolError):
        read((MAX_DATA + 1).to_bytes(4, "big") + bytes.fromhex("000000010200"))


def test_a_truncated_frame_is_a_closed_connection() -> None:
    with pytest.raises(TtrpcConnectionError):
        read(bytes.fromhex("00000006000000010200") + b"\x12")


def test_a_unix_url_address_is_a_filesystem_socket() -> None:
    assert socket_path("unix:///run/containerd/s/abc") == "/run/containerd/s/abc"


def test_an_address_without_scheme_is_an_abstract_socket() -> None:
    assert socket_path("containerd-shim/abc.sock") == "\0containerd-shim/abc.sock"

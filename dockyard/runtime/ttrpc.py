"""ttrpc, containerd's small RPC protocol, over a Unix stream socket, for asyncio.

Every message is one frame: a 10-byte big-endian header (data length u32, stream id u32,
message type u8, flags u8) followed by at most 4 MiB of data. A call is a ``Request`` frame
(type 1) on a new odd stream id; the reply is a ``Response`` frame (type 2) on the same id.
Replies may arrive out of order, so the client matches them to callers by stream id and many
calls can share one connection. The server side here is only as big as dockyard needs: unary
handlers keyed by (service, method), which is all ``Events/Forward`` requires.

Failures raise subclasses of :class:`dockyard.errors.RuntimeFailure` so a caller that does not
care about the details still gets the right family.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import os
import struct
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from google.protobuf.message import DecodeError, Message

from dockyard import errors
from dockyard.runtime.proto import rpc_status_pb2, ttrpc_pb2

log = logging.getLogger(__name__)

HEADER = struct.Struct(">IIBB")
MAX_DATA = 4 << 20

M = TypeVar("M", bound=Message)


class MessageType(enum.IntEnum):
    REQUEST = 1
    RESPONSE = 2
    DATA = 3


class Code(enum.IntEnum):
    """The gRPC status codes ttrpc reuses (only the ones dockyard looks at or sends)."""

    OK = 0
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    FAILED_PRECONDITION = 9
    RESOURCE_EXHAUSTED = 8
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14


class TtrpcStatusError(errors.RuntimeFailure):
    """The peer answered a call with a non-OK status."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


class TtrpcConnectionError(errors.RuntimeFailure):
    """The connection could not be made, or broke while calls were in flight."""


class TtrpcTimeoutError(errors.RuntimeFailure):
    """No reply (or no connection) within the caller's deadline."""


class TtrpcProtocolError(TtrpcConnectionError):
    """The peer sent something that is not ttrpc (bad frame, oversized, undecodable)."""


@dataclass(frozen=True)
class Frame:
    stream_id: int
    type: int
    flags: int = 0
    data: bytes = b""


def encode_frame(frame: Frame) -> bytes:
    """Header + data, refusing data larger than the protocol's 4 MiB limit."""
    if len(frame.data) > MAX_DATA:
        raise TtrpcProtocolError(f"message length {len(frame.data)} exceeds maximum {MAX_DATA}")
    return HEADER.pack(len(frame.data), frame.stream_id, frame.type, frame.flags) + frame.data


async def read_frame(reader: asyncio.StreamReader) -> Frame:
    """Read one frame; EOF raises :class:`TtrpcConnectionError`."""
    try:
        header = await reader.readexactly(HEADER.size)
        length, stream_id, msg_type, flags = HEADER.unpack(header)
        if length > MAX_DATA:
            raise TtrpcProtocolError(f"message length {length} exceeds maximum {MAX_DATA}")
        data = await reader.readexactly(length) if length else b""
    except asyncio.IncompleteReadError as exc:
        raise TtrpcConnectionError("ttrpc: connection closed") from exc
    except OSError as exc:
        raise TtrpcConnectionError(f"ttrpc: read failed: {exc}") from exc
    return Frame(stream_id=stream_id, type=msg_type, flags=flags, data=data)


def socket_path(address: str) -> str:
    """Turn a shim address into what ``connect`` wants.

    ``unix:///p`` is a filesystem socket; a bare address is an abstract socket (leading NUL),
    which is how containerd's shim library reads addresses without a scheme.
    """
    if address.startswith("unix://"):
        return address[len("unix://") :]
    if address.startswith("/"):
        return address
    return "\0" + address


def _decode(message_type: type[M], data: bytes) -> M:
    message = message_type()
    try:
        message.ParseFromString(data)
    except DecodeError as exc:
        raise TtrpcProtocolError(f"ttrpc: cannot decode {message_type.__name__}: {exc}") from exc
    return message


class TtrpcClient:
    """One connection carrying any number of concurrent unary calls.

    A single reader task (owned here, ended by :meth:`close`) routes each response to the
    caller waiting on its stream id. If the connection breaks, every pending call fails with
    :class:`TtrpcConnectionError` instead of hanging.
    """

    def __init__(
        self,
        *,
        address: str,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        metadata: Mapping[str, str],
    ) -> None:
        self.address = address
        self._reader = reader
        self._writer = writer
        self._metadata = [ttrpc_pb2.KeyValue(key=k, value=v) for k, v in metadata.items()]
        self._next_stream_id = 1
        self._pending: dict[int, asyncio.Future[ttrpc_pb2.Response]] = {}
        self._failure: TtrpcConnectionError | None = None
        self._write_lock = asyncio.Lock()
        self._reader_task = asyncio.get_running_loop().create_task(
            self._read_loop(), name=f"ttrpc-client {address}"
        )

    @classmethod
    async def connect(
        cls, address: str, *, metadata: Mapping[str, str] | None = None
    ) -> TtrpcClient:
        try:
            reader, writer = await asyncio.open_unix_connection(socket_path(address))
        except OSError as exc:
            raise TtrpcConnectionError(f"ttrpc: dial {address}: {exc}") from exc
        return cls(address=address, reader=reader, writer=writer, metadata=metadata or {})

    @property
    def closed(self) -> bool:
        return self._failure is not None

    async def call(
        self,
        service: str,
        method: str,
        request: Message,
        response_type: type[M],
        *,
        timeout: float | None = None,
    ) -> M:
        """Send one request and wait for its response.

        ``timeout`` bounds the wait (and is passed to the peer as ``timeout_nano``); ``None``
        waits for ever, which is what ``Task.Wait`` needs.
        """
        payload = await self.call_raw(service, method, request.SerializeToString(), timeout=timeout)
        return _decode(response_type, payload)

    async def call_raw(
        self, service: str, method: str, payload: bytes, *, timeout: float | None = None
    ) -> bytes:
        if self._failure is not None:
            raise self._failure
        request = ttrpc_pb2.Request(
            service=service,
            method=method,
            payload=payload,
            timeout_nano=int(timeout * 1e9) if timeout else 0,
            metadata=self._metadata,
        )
        stream_id = self._next_stream_id
        self._next_stream_id += 2
        frame = encode_frame(
            Frame(stream_id=stream_id, type=MessageType.REQUEST, data=request.SerializeToString())
        )
        future: asyncio.Future[ttrpc_pb2.Response] = asyncio.get_running_loop().create_future()
        self._pending[stream_id] = future
        try:
            async with asyncio.timeout(timeout):
                await self._send(frame)
                response = await future
        except TimeoutError as exc:
            raise TtrpcTimeoutError(
                f"ttrpc: {service}/{method} got no reply within {timeout:g}s"
            ) from exc
        finally:
            self._pending.pop(stream_id, None)
        if response.HasField("status") and response.status.code != Code.OK:
            raise TtrpcStatusError(response.status.code, response.status.message)
        return response.payload

    async def close(self) -> None:
        """Close the connection; pending calls fail. Safe to call more than once."""
        self._fail(TtrpcConnectionError("ttrpc: client closed"))
        self._reader_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._reader_task
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()

    async def _send(self, data: bytes) -> None:
        async with self._write_lock:
            try:
                self._writer.write(data)
                await self._writer.drain()
            except OSError as exc:
                failure = TtrpcConnectionError(f"ttrpc: write to {self.address}: {exc}")
                self._fail(failure)
                raise failure from exc

    async def _read_loop(self) -> None:
        try:
            while True:
                frame = await read_frame(self._reader)
                if frame.type != MessageType.RESPONSE:
                    log.debug("ttrpc: ignoring frame type %d on %s", frame.type, self.address)
                    continue
                future = self._pending.get(frame.stream_id)
                if future is None or future.done():
                    log.debug("ttrpc: late response for stream %d dropped", frame.stream_id)
                    continue
                try:
                    future.set_result(_decode(ttrpc_pb2.Response, frame.data))
                except TtrpcProtocolError as exc:
                    future.set_exception(exc)
        except TtrpcConnectionError as exc:
            self._fail(exc)

    def _fail(self, failure: TtrpcConnectionError) -> None:
        if self._failure is None:
            self._failure = failure
        for future in self._pending.values():
            if not future.done():
                future.set_exception(self._failure)
        self._pending.clear()


Handler = Callable[[bytes, Mapping[str, str]], Awaitable[bytes]]
"""A unary method: request payload and metadata in, response payload out."""


class TtrpcServer:
    """A ttrpc server on a filesystem Unix socket with unary handlers.

    Errors a handler raises become the response status: :class:`TtrpcStatusError` keeps its
    code, any other :class:`dockyard.errors.DockyardError` is ``Unknown`` with its message,
    anything else is ``Internal`` (and logged).
    """

    def __init__(self, *, handlers: Mapping[tuple[str, str], Handler]) -> None:
        self._handlers = dict(handlers)
        self._server: asyncio.Server | None = None
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self._calls: set[asyncio.Task[None]] = set()
        self._path: Path | None = None

    async def start(self, path: Path) -> None:
        """Listen on ``path`` (a stale socket file there is replaced), mode 0600."""
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        self._server = await asyncio.start_unix_server(self._serve_connection, path=str(path))
        os.chmod(path, 0o600)
        self._path = path

    async def close(self) -> None:
        """Stop listening, end every connection, remove the socket file.

        Connections are ended by closing their transports (their read loops then see EOF)
        rather than by cancelling their tasks: on Python 3.11 asyncio logs a spurious error
        for a cancelled stream-handler task. Calls still in a handler are cancelled.
        """
        if self._server is not None:
            self._server.close()
            self._server = None
        for call in list(self._calls):
            call.cancel()
        for writer in self._connections.values():
            writer.close()
        if self._connections:
            _, stuck = await asyncio.wait(list(self._connections), timeout=5)
            for task in stuck:
                task.cancel()
        if self._path is not None:
            with contextlib.suppress(FileNotFoundError):
                self._path.unlink()
            self._path = None

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections[task] = writer
        write_lock = asyncio.Lock()
        try:
            async with asyncio.TaskGroup() as calls:
                while True:
                    try:
                        frame = await read_frame(reader)
                    except TtrpcConnectionError:
                        break
                    if frame.type != MessageType.REQUEST:
                        continue
                    call = calls.create_task(self._answer(frame, writer, write_lock))
                    self._calls.add(call)
                    call.add_done_callback(self._calls.discard)
        finally:
            del self._connections[task]
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def _answer(
        self, frame: Frame, writer: asyncio.StreamWriter, write_lock: asyncio.Lock
    ) -> None:
        response = ttrpc_pb2.Response()
        try:
            if frame.stream_id % 2 == 0:
                raise TtrpcStatusError(
                    Code.INVALID_ARGUMENT, "StreamID must be odd for client initiated streams"
                )
            request = _decode(ttrpc_pb2.Request, frame.data)
            response.payload = await self._dispatch(request)
        except TtrpcStatusError as exc:
            response.status.CopyFrom(rpc_status_pb2.Status(code=exc.code, message=exc.message))
        except errors.DockyardError as exc:
            response.status.CopyFrom(rpc_status_pb2.Status(code=Code.UNKNOWN, message=exc.message))
        except Exception as exc:  # a handler bug must not kill the connection
            log.exception("ttrpc: handler failed")
            response.status.CopyFrom(rpc_status_pb2.Status(code=Code.INTERNAL, message=str(exc)))
        data = encode_frame(
            Frame(
                stream_id=frame.stream_id,
                type=MessageType.RESPONSE,
                data=response.SerializeToString(),
            )
        )
        async with write_lock:
            with contextlib.suppress(OSError):
                writer.write(data)
                await writer.drain()

    async def _dispatch(self, request: ttrpc_pb2.Request) -> bytes:
        handler = self._handlers.get((request.service, request.method))
        if handler is None:
            if any(service == request.service for service, _ in self._handlers):
                raise TtrpcStatusError(Code.UNIMPLEMENTED, f"method {request.method}")
            raise TtrpcStatusError(Code.UNIMPLEMENTED, f"service {request.service}")
        metadata = {kv.key: kv.value for kv in request.metadata}
        return await handler(request.payload, metadata)

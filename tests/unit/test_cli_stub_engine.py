"""A scripted Docker Engine API on a Unix socket, for driving the `dockyard` CLI in tests.

It is deliberately dumb: each test says what each endpoint answers (`reply`), or
scripts one container's run (`script_run`: attach output, exit code, start error).
Every request is recorded, so tests can check what the CLI sent — the part of the
CLI's behaviour the engine sees. The server runs in its own thread and event loop;
the CLI under test runs in the test's thread, as it would in a real process.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import shutil
import tempfile
import threading
import urllib.parse
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from dockyard.cli.frames import StreamType, encode_frame
from dockyard.cli.main import run_cli
from dockyard.cli.session import Terminal

API_VERSION = "1.41"
CONTAINER_ID = "4f1c3b9a7d2e" + "0" * 52

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, kw_only=True)
class Recorded:
    """One request as the engine saw it (path without the /vX.Y prefix)."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None


@dataclass(frozen=True, kw_only=True)
class CliResult:
    status: int
    stdout: str
    stderr: str


@dataclass(kw_only=True)
class ScriptedRun:
    """How the one scripted container behaves once started."""

    output: Sequence[tuple[StreamType, bytes]] = ()
    exit_code: int = 0
    start_error: tuple[int, str] | None = None
    echo_stdin: bool = False
    tty: bool = False
    already_running: bool = False
    started: asyncio.Event | None = None
    exited: asyncio.Event | None = None
    stdin_seen: bytearray = field(default_factory=bytearray)


class _HandOver(web.StreamResponse):
    """Returned after a hijack: the bytes already went out on the raw transport."""

    async def prepare(self, request: web.BaseRequest) -> None:  # type: ignore[override]
        return None

    async def write_eof(self, data: bytes = b"") -> None:
        return None


class _RawSide(asyncio.Protocol):
    """Our end of a hijacked socket: collects stdin, survives the client's half-close."""

    def __init__(self) -> None:
        self.received = bytearray()
        self.input_closed = asyncio.Event()

    def data_received(self, data: bytes) -> None:
        self.received += data

    def eof_received(self) -> bool:
        self.input_closed.set()
        return True

    def connection_lost(self, exc: Exception | None) -> None:
        self.input_closed.set()


class StubEngine:
    """The scripted engine; use `serve_stub()` to run one for the length of a test."""

    def __init__(self, socket_path: str) -> None:
        self.socket_path = socket_path
        self.host = f"unix://{socket_path}"
        self.requests: list[Recorded] = []
        self._handlers: dict[tuple[str, str], Handler] = {}
        self.run_script: ScriptedRun | None = None
        self.reply("GET", "/version", json_body=_version_body())
        self.reply("GET", "/_ping", text="OK")

    # ---- configuring -------------------------------------------------------------
    def reply(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        json_body: Any = None,
        text: str | None = None,
        body: bytes | None = None,
        content_type: str | None = None,
    ) -> None:
        """Answer `method path` with a fixed response (errors: give `{"message": ...}`)."""

        async def handler(request: web.Request) -> web.StreamResponse:
            if json_body is not None:
                return web.json_response(json_body, status=status)
            if text is not None:
                return web.Response(status=status, text=text)
            return web.Response(status=status, body=body or b"", content_type=content_type)

        self._handlers[(method, path)] = handler

    def error(self, method: str, path: str, *, status: int, message: str) -> None:
        self.reply(method, path, status=status, json_body={"message": message})

    def handle(self, method: str, path: str, handler: Handler) -> None:
        self._handlers[(method, path)] = handler

    def script_run(self, script: ScriptedRun, *, container_id: str = CONTAINER_ID) -> None:
        """Make create/attach/wait/start behave like one container that runs `script`."""
        self.run_script = script
        base = f"/containers/{container_id}"
        self.reply("POST", "/containers/create", status=201, json_body={"Id": container_id})
        self.handle("POST", f"{base}/attach", self._attach)
        self.handle("POST", f"{base}/wait", self._wait)
        self.handle("POST", f"{base}/start", self._start)
        self.handle("POST", f"{base}/resize", self._no_content)
        self.handle("POST", f"{base}/kill", self._no_content)
        inspect = {
            "Id": container_id,
            "Config": {"Tty": script.tty, "OpenStdin": True},
            "State": {"Running": True},
            "HostConfig": {"AutoRemove": False},
        }
        self.reply("GET", f"{base}/json", json_body=inspect)

    def release(self) -> None:
        """End every scripted wait (called on the stub's loop at teardown)."""
        script = self.run_script
        if script is not None and script.exited is not None:
            script.exited.set()

    # ---- scripted container ------------------------------------------------------
    def _events(self) -> ScriptedRun:
        assert self.run_script is not None
        script = self.run_script
        if script.started is None:
            script.started, script.exited = asyncio.Event(), asyncio.Event()
        return script

    async def _no_content(self, request: web.Request) -> web.StreamResponse:
        return web.Response(status=204)

    async def _start(self, request: web.Request) -> web.StreamResponse:
        script = self._events()
        if script.start_error is not None:
            status, message = script.start_error
            assert script.exited is not None
            script.exited.set()
            return web.json_response({"message": message}, status=status)
        assert script.started is not None
        script.started.set()
        return web.Response(status=204)

    async def _wait(self, request: web.Request) -> web.StreamResponse:
        script = self._events()
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        assert script.exited is not None
        await script.exited.wait()
        await response.write(json.dumps({"StatusCode": script.exit_code, "Error": None}).encode())
        return response

    async def _attach(self, request: web.Request) -> web.StreamResponse:
        script = self._events()
        await request.read()
        transport = request.transport
        assert transport is not None
        raw = _RawSide()
        transport.set_protocol(raw)
        head = _handshake(tty=script.tty)
        assert script.started is not None and script.exited is not None
        if script.already_running:
            # Output right behind the handshake, in one write: what a chatty container gives.
            output = b"".join(self._encode(stream, data) for stream, data in script.output)
            transport.write(head + output)
            script.exited.set()
            transport.close()
            return _HandOver()
        transport.write(head)
        started = asyncio.ensure_future(script.started.wait())
        finished = asyncio.ensure_future(script.exited.wait())
        await asyncio.wait([started, finished], return_when=asyncio.FIRST_COMPLETED)
        for pending in (started, finished):
            pending.cancel()
        if started.done() and not started.cancelled():
            if script.echo_stdin:
                await raw.input_closed.wait()
                script.stdin_seen.extend(raw.received)
                transport.write(self._encode(StreamType.STDOUT, bytes(raw.received)))
            for stream, payload in script.output:
                transport.write(self._encode(stream, payload))
            script.exited.set()
        transport.close()
        return _HandOver()

    def _encode(self, stream: StreamType, payload: bytes) -> bytes:
        assert self.run_script is not None
        return payload if self.run_script.tty else encode_frame(stream, payload)

    # ---- serving -----------------------------------------------------------------
    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        parts = path.split("/", 2)
        if len(parts) > 2 and parts[1].startswith("v") and parts[1][1:2].isdigit():
            path = "/" + parts[2]
        body = b"" if request.path.endswith("/attach") else await request.read()
        self.requests.append(
            Recorded(
                method=request.method,
                path=path,
                query=urllib.parse.parse_qs(request.query_string, keep_blank_values=True),
                body=body,
                headers=dict(request.headers),
            )
        )
        handler = self._handlers.get((request.method, path))
        if handler is None:
            return web.json_response({"message": f"page not found: {path}"}, status=404)
        return await handler(request)

    def calls(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]

    def paths(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests if r.path != "/version"]


async def hijack_and_send(request: web.Request, output: bytes) -> web.StreamResponse:
    """Answer a hijack request with 101, send `output`, wait for the client's EOF, close."""
    await request.read()
    transport = request.transport
    assert transport is not None
    raw = _RawSide()
    transport.set_protocol(raw)
    transport.write(_handshake(tty=False) + output)
    await raw.input_closed.wait()
    transport.close()
    return _HandOver()


def _handshake(*, tty: bool) -> bytes:
    kind = "raw-stream" if tty else "multiplexed-stream"
    return (
        "HTTP/1.1 101 UPGRADED\r\n"
        f"Content-Type: application/vnd.docker.{kind}\r\n"
        "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
    ).encode()


def _version_body() -> dict[str, Any]:
    return {
        "Version": "0.1.0",
        "ApiVersion": API_VERSION,
        "MinAPIVersion": "1.24",
        "Os": "linux",
        "Arch": "amd64",
        "KernelVersion": "6.1.0",
        "Components": [{"Name": "Engine", "Version": "0.1.0", "Details": {}}],
    }


@contextlib.contextmanager
def serve_stub() -> Iterator[StubEngine]:
    """Run a StubEngine on /tmp/dy-cli-…/engine.sock; remove everything afterwards."""
    directory = tempfile.mkdtemp(prefix="dy-cli-", dir="/tmp")
    stub = StubEngine(os.path.join(directory, "engine.sock"))
    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", stub._dispatch)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.UnixSite(runner, stub.socket_path).start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, name="dy-cli-stub", daemon=True)
    thread.start()
    try:
        assert ready.wait(10), "stub engine did not start"
        yield stub
    finally:
        try:
            loop.call_soon_threadsafe(stub.release)
            asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            if not thread.is_alive():
                loop.close()
            shutil.rmtree(directory, ignore_errors=True)


def run_dockyard(
    stub: StubEngine, *argv: str, stdin: bytes | None = None, environ: dict[str, str] | None = None
) -> CliResult:
    """Run the CLI in-process against the stub, with stdin from a pipe when given."""
    stdout, stderr = io.BytesIO(), io.BytesIO()
    with contextlib.ExitStack() as stack:
        stdin_stream = None
        if stdin is not None:
            read_fd, write_fd = os.pipe()
            os.write(write_fd, stdin)
            os.close(write_fd)
            stdin_stream = stack.enter_context(os.fdopen(read_fd, "rb"))
        status = run_cli(
            list(argv),
            terminal=Terminal(stdin=stdin_stream, stdout=stdout, stderr=stderr),
            environ={"DOCKYARD_HOST": stub.host, **(environ or {})},
        )
    return CliResult(
        status=status,
        stdout=stdout.getvalue().decode("utf-8"),
        stderr=stderr.getvalue().decode("utf-8"),
    )

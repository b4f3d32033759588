"""Container endpoints that stream: ``wait``, ``logs`` and the hijacked ``attach``.

Each validates and asks the engine *before* the first byte goes out, so a bad request is still
an HTTP error; once headers are sent, the stream is the answer. ``wait`` and ``logs`` flush
their headers at once because clients block on them (``docker run`` only starts the container
after the wait's 200 arrived).
"""

from __future__ import annotations

import contextlib
import logging

from aiohttp import web

from dockyard.api.context import engine_of
from dockyard.api.disconnect import ClientGone, client_gone, unless_gone, until_gone
from dockyard.api.hijack import hijack
from dockyard.api.params import bool_param, unix_timestamp_param
from dockyard.api.responses import JSON, dump_json
from dockyard.api.stdio_relay import DEFAULT_DETACH_KEYS, parse_detach_keys, relay
from dockyard.api.streams import (
    STDERR,
    STDOUT,
    SYSTEM_ERROR,
    encode_output,
    fixed_nanos,
    stream_media_type,
)
from dockyard.api.versions import at_least
from dockyard.engine.facade import LogOptions
from dockyard.errors import DockyardError, InvalidParameter

log = logging.getLogger(__name__)

WAIT_CONDITIONS = ("not-running", "next-exit", "removed")


async def wait(request: web.Request) -> web.StreamResponse:
    legacy = not at_least(request, "1.30")  # before 1.30: no condition, headers with the body
    condition = "not-running" if legacy else request.query.get("condition") or "not-running"
    if condition not in WAIT_CONDITIONS:
        raise InvalidParameter(f'invalid condition: "{condition}"')
    exit_code = await engine_of(request).wait(request.match_info["name"], condition=condition)
    response = web.StreamResponse(headers={"Content-Type": JSON})
    if not legacy:
        await response.prepare(request)
    error = None
    with client_gone(request) as lost:
        try:
            code = await unless_gone(lost, exit_code)
        except ClientGone:
            return response
        except DockyardError as err:
            code, error = -1, {"Message": str(err)}
    if legacy:
        await response.prepare(request)
    with contextlib.suppress(ConnectionError):
        await response.write(dump_json({"StatusCode": code, "Error": error}))
    return response


def _log_options(request: web.Request) -> LogOptions:
    stdout, stderr = bool_param(request, "stdout"), bool_param(request, "stderr")
    if not stdout and not stderr:
        raise InvalidParameter("must specify at least one of 'stdout' or 'stderr'")
    tail_raw = request.query.get("tail", "")
    tail: int | None = None
    if tail_raw not in ("", "all"):
        try:
            tail = int(tail_raw)
        except ValueError:
            raise InvalidParameter(f'invalid value for "tail": "{tail_raw}"') from None
        tail = None if tail < 0 else tail
    until = unix_timestamp_param(request, "until") if request.query.get("until") != "0" else None
    return LogOptions(
        stdout=stdout,
        stderr=stderr,
        follow=bool_param(request, "follow"),
        since=unix_timestamp_param(request, "since"),
        until=until,
        tail=tail,
        timestamps=bool_param(request, "timestamps"),
    )


async def logs(request: web.Request) -> web.StreamResponse:
    options = _log_options(request)
    engine = engine_of(request)
    container = engine.get_container(request.match_info["name"])
    tty = bool(container.config.get("Tty"))
    records = engine.logs(container.id, options)
    response = web.StreamResponse(headers={"Content-Type": stream_media_type(request, tty=tty)})
    await response.prepare(request)
    with contextlib.suppress(ConnectionError), client_gone(request) as lost:
        try:
            async for record in until_gone(lost, records):
                payload = record.data
                if options.timestamps:
                    payload = fixed_nanos(record.time).encode() + b" " + payload
                stream = STDERR if record.stream == "stderr" else STDOUT
                await response.write(encode_output(stream, payload, tty=tty))
        except DockyardError as err:
            # Too late for a status code: dockerd reports in-band as well.
            message = f"Error grabbing logs: {err}\n".encode()
            await response.write(encode_output(SYSTEM_ERROR, message, tty=tty))
    return response


async def attach(request: web.Request) -> web.StreamResponse:
    detach_spec = request.query.get("detachKeys") or DEFAULT_DETACH_KEYS
    detach_keys = parse_detach_keys(detach_spec)
    stdin = bool_param(request, "stdin")
    session = await engine_of(request).attach(
        request.match_info["name"],
        stdin=stdin,
        stdout=bool_param(request, "stdout"),
        stderr=bool_param(request, "stderr"),
        logs=bool_param(request, "logs"),
        stream=bool_param(request, "stream"),
    )
    await request.read()  # an attach body is meaningless; consume it so the upgrade completes
    try:
        connection = await hijack(request, media_type=stream_media_type(request, tty=session.tty))
    except BaseException:
        await session.detach()
        raise
    await relay(session, connection, detach_keys=detach_keys if stdin else b"")
    return connection.response


ROUTES = [
    web.post("/containers/{name}/wait", wait),
    web.get("/containers/{name}/logs", logs),
    web.post("/containers/{name}/attach", attach),
]

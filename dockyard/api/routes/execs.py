"""Exec endpoints: create, start (hijacked unless detached), inspect, resize."""

from __future__ import annotations

import contextlib

from aiohttp import web

from dockyard.api.context import engine_of
from dockyard.api.hijack import hijack
from dockyard.api.params import json_body, uint32_param
from dockyard.api.responses import empty_ok, json_response
from dockyard.api.stdio_relay import relay
from dockyard.api.streams import STDOUT, encode_output, stream_media_type
from dockyard.errors import DockyardError, InvalidParameter


async def create(request: web.Request) -> web.Response:
    body = await json_body(request)
    if not body.get("Cmd"):
        raise InvalidParameter("No exec command specified")
    exec_id = await engine_of(request).exec_create(request.match_info["name"], body)
    return json_response({"Id": exec_id}, status=201)


async def start(request: web.Request) -> web.StreamResponse:
    """dockerd's order: check the exec exists, hijack, *then* start the process.

    Starting after the handshake keeps the first output out of the handshake's packet (see
    ``connection.hijack``); a start failure after the hijack is reported in-band, as dockerd does.
    """
    body = await json_body(request)
    detach, tty = bool(body.get("Detach")), bool(body.get("Tty"))
    engine = engine_of(request)
    exec_id = request.match_info["id"]
    if detach:
        await engine.exec_start(exec_id, detach=True, tty=tty)
        return empty_ok()
    process_tty = bool(engine.exec_inspect(exec_id).get("ProcessConfig", {}).get("tty", tty))
    connection = await hijack(request, media_type=stream_media_type(request, tty=process_tty))
    try:
        session = await engine.exec_start(exec_id, detach=False, tty=tty)
    except DockyardError as err:
        with contextlib.suppress(ConnectionError):
            await connection.write(encode_output(STDOUT, f"{err}\r\n".encode(), tty=process_tty))
        await connection.close()
        return connection.response
    if session is None:
        await connection.close()
        return connection.response
    await relay(session, connection)
    return connection.response


async def inspect(request: web.Request) -> web.Response:
    return json_response(engine_of(request).exec_inspect(request.match_info["id"]))


async def resize(request: web.Request) -> web.Response:
    height = uint32_param(request, "h", what="height")
    width = uint32_param(request, "w", what="width")
    await engine_of(request).exec_resize(request.match_info["id"], height=height, width=width)
    return empty_ok()


ROUTES = [
    web.post("/containers/{name}/exec", create),
    web.post("/exec/{id}/start", start),
    web.get("/exec/{id}/json", inspect),
    web.post("/exec/{id}/resize", resize),
]

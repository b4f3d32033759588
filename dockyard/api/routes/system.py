"""``/_ping``, ``/version``, ``/info`` and the long-lived ``/events`` stream."""

from __future__ import annotations

import contextlib
from typing import Any

from aiohttp import web

from dockyard.api.context import engine_of
from dockyard.api.disconnect import client_gone, until_gone
from dockyard.api.params import filters_param, unix_timestamp_param
from dockyard.api.responses import JSON, dump_json, json_response
from dockyard.errors import InvalidParameter

PING_HEADERS = {
    "Cache-Control": "no-cache, no-store, must-revalidate",
    "Pragma": "no-cache",
    "Swarm": "inactive",
    "Content-Type": "text/plain; charset=utf-8",
}


async def ping(request: web.Request) -> web.Response:
    if request.method == "HEAD":
        return web.Response(headers={**PING_HEADERS, "Content-Length": "0"})
    return web.Response(body=b"OK", headers=PING_HEADERS)


async def version(request: web.Request) -> web.Response:
    return json_response(engine_of(request).version())


async def info(request: web.Request) -> web.Response:
    return json_response(engine_of(request).info())


def _with_legacy_fields(event: dict[str, Any]) -> dict[str, Any]:
    """API < 1.52 clients read ``status``/``id`` (and ``from`` for containers), as moby's
    ``backFillLegacy`` adds them; fields the engine already set are kept."""
    kind = event.get("Type")
    if kind not in ("container", "image") or "status" in event:
        return event
    actor = event.get("Actor") or {}
    legacy = {"status": event.get("Action", ""), "id": actor.get("ID", "")}
    if kind == "container":
        legacy["from"] = (actor.get("Attributes") or {}).get("image", "")
    return {**event, **legacy}


async def events(request: web.Request) -> web.StreamResponse:
    since = unix_timestamp_param(request, "since")
    until = unix_timestamp_param(request, "until")
    if until is not None and since is not None and until < since:
        raise InvalidParameter(
            f"`since` time ({request.query['since']}) cannot be after "
            f"`until` time ({request.query['until']})"
        )
    filters = filters_param(request)
    source = engine_of(request).events(since=since, until=until, filters=filters)
    response = web.StreamResponse(headers={"Content-Type": JSON})
    await response.prepare(request)
    # The engine replays history, then follows live events and ends the stream at ``until``.
    with contextlib.suppress(ConnectionError), client_gone(request) as lost:
        async for event in until_gone(lost, source):
            await response.write(dump_json(_with_legacy_fields(event)))
    return response


ROUTES = [
    web.get("/_ping", ping, allow_head=True),
    web.get("/version", version),
    web.get("/info", info),
    web.get("/events", events),
]

"""Container endpoints that answer with one response: create, list, inspect, lifecycle verbs.

Status codes are dockerd's: 201 for create, 204 for lifecycle verbs, 304 (``NotModified``
from the engine) when already in the requested state.
"""

from __future__ import annotations

from aiohttp import web

from dockyard.api.context import engine_of
from dockyard.api.params import (
    bool_param,
    filters_param,
    int_param,
    json_body,
    uint32_param,
)
from dockyard.api.render import container_inspect, container_summary
from dockyard.api.responses import empty_ok, json_response, no_content
from dockyard.api.versions import at_least
from dockyard.errors import InvalidParameter, NotImplementedByEngine


def _name(request: web.Request) -> str:
    return request.match_info["name"]


async def create(request: web.Request) -> web.Response:
    body = await json_body(request)
    name = request.query.get("name") or None
    container_id, warnings = await engine_of(request).create_container(name=name, body=body)
    return json_response({"Id": container_id, "Warnings": list(warnings or [])}, status=201)


async def list_containers(request: web.Request) -> web.Response:
    limit = int_param(request, "limit")
    containers = engine_of(request).list_containers(
        all=bool_param(request, "all"),
        limit=limit if limit is not None and limit > 0 else None,
        filters=filters_param(request),
    )
    size = bool_param(request, "size")
    return json_response([container_summary(c, size=size) for c in containers])


async def inspect(request: web.Request) -> web.Response:
    return json_response(container_inspect(engine_of(request).get_container(_name(request))))


async def start(request: web.Request) -> web.Response:
    # dockerd refuses a HostConfig body (removed in API 1.24); "{}"-sized bodies are tolerated.
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if chunked or (request.content_length or 0) > 7:
        raise InvalidParameter(
            "starting container with non-empty request body was deprecated since API v1.22 "
            "and removed in v1.24"
        )
    await engine_of(request).start(_name(request))
    return no_content()


def _stop_signal(request: web.Request) -> str | None:
    return (request.query.get("signal") or None) if at_least(request, "1.42") else None


async def stop(request: web.Request) -> web.Response:
    await engine_of(request).stop(
        _name(request), timeout=int_param(request, "t"), signal=_stop_signal(request)
    )
    return no_content()


async def restart(request: web.Request) -> web.Response:
    await engine_of(request).restart(
        _name(request), timeout=int_param(request, "t"), signal=_stop_signal(request)
    )
    return no_content()


async def kill(request: web.Request) -> web.Response:
    await engine_of(request).kill(_name(request), signal=request.query.get("signal") or None)
    return no_content()


async def remove(request: web.Request) -> web.Response:
    if bool_param(request, "link"):
        raise NotImplementedByEngine("removing container links is not supported")
    await engine_of(request).remove(
        _name(request), force=bool_param(request, "force"), volumes=bool_param(request, "v")
    )
    return no_content()


async def rename(request: web.Request) -> web.Response:
    engine_of(request).rename(_name(request), request.query.get("name", ""))
    return no_content()


async def update(request: web.Request) -> web.Response:
    warnings = await engine_of(request).update(_name(request), await json_body(request))
    return json_response({"Warnings": list(warnings) if warnings else None})


async def top(request: web.Request) -> web.Response:
    ps_args = request.query.get("ps_args") or "-ef"
    return json_response(await engine_of(request).top(_name(request), ps_args))


async def resize(request: web.Request) -> web.Response:
    height = uint32_param(request, "h", what="height")
    width = uint32_param(request, "w", what="width")
    await engine_of(request).resize(_name(request), height=height, width=width)
    return empty_ok()


ROUTES = [
    web.post("/containers/create", create),
    web.get("/containers/json", list_containers),
    web.get("/containers/{name}/json", inspect),
    web.post("/containers/{name}/start", start),
    web.post("/containers/{name}/stop", stop),
    web.post("/containers/{name}/restart", restart),
    web.post("/containers/{name}/kill", kill),
    web.delete("/containers/{name}", remove),
    web.post("/containers/{name}/rename", rename),
    web.post("/containers/{name}/update", update),
    web.get("/containers/{name}/top", top),
    web.post("/containers/{name}/resize", resize),
]

"""Object kinds dockyard does not have yet (volumes, plugins), answered as dockerd would.

``docker inspect X`` tries containers, images, networks, volumes and plugins in turn and only
prints ``No such object`` if every one is a 404, so these must be real, well-formed 404s.
"""

from __future__ import annotations

from aiohttp import web

from dockyard.api.responses import json_response
from dockyard.errors import NotFound


async def list_volumes(request: web.Request) -> web.Response:
    return json_response({"Volumes": [], "Warnings": None})


async def inspect_volume(request: web.Request) -> web.Response:
    raise NotFound(f"get {request.match_info['name']}: no such volume")


async def list_plugins(request: web.Request) -> web.Response:
    return json_response([])


async def inspect_plugin(request: web.Request) -> web.Response:
    raise NotFound(f'plugin "{request.match_info["name"]}" not found')


ROUTES = [
    web.get("/volumes", list_volumes),
    web.get("/volumes/{name}", inspect_volume),
    web.get("/plugins", list_plugins),
    web.get("/plugins/{name:.+}/json", inspect_plugin),
]

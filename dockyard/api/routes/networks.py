"""The built-in networks that exist before any networking is configured: ``none`` and ``host``.

``docker network ls`` and the ``docker inspect`` fallback chain need ``GET /networks`` and
``GET /networks/{id}``; a name or id that is not built in is a real 404, which the chain needs.
IDs are the SHA-256 of the name so they stay stable across engine restarts.
"""

from __future__ import annotations

import hashlib
from typing import Any

from aiohttp import web

from dockyard.api.params import filters_param
from dockyard.api.responses import json_response
from dockyard.engine.container import now_rfc3339
from dockyard.errors import NotFound

BUILTIN_DRIVERS = {"none": "null", "host": "host"}
_CREATED = now_rfc3339()


def network_id(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def builtin_network(name: str) -> dict[str, Any]:
    return {
        "Name": name,
        "Id": network_id(name),
        "Created": _CREATED,
        "Scope": "local",
        "Driver": BUILTIN_DRIVERS[name],
        "EnableIPv6": False,
        "IPAM": {"Driver": "default", "Options": None, "Config": []},
        "Internal": False,
        "Attachable": False,
        "Ingress": False,
        "ConfigFrom": {"Network": ""},
        "ConfigOnly": False,
        "Containers": {},
        "Options": {},
        "Labels": {},
    }


def find_builtin(ref: str) -> dict[str, Any]:
    """By name, full id or unique id prefix, as dockerd resolves networks."""
    if ref in BUILTIN_DRIVERS:
        return builtin_network(ref)
    matches = [n for n in BUILTIN_DRIVERS if ref and network_id(n).startswith(ref)]
    if len(matches) == 1:
        return builtin_network(matches[0])
    raise NotFound(f"network {ref} not found")


def _matches(network: dict[str, Any], filters: dict[str, list[str]]) -> bool:
    fields = {"name": "Name", "driver": "Driver", "scope": "Scope"}
    for key, values in filters.items():
        if not values:
            continue
        if key == "id":
            if not any(network["Id"].startswith(v) for v in values):
                return False
        elif key == "type":
            if "builtin" not in values:
                return False
        elif key in fields:
            if key == "name":
                if not any(v in network["Name"] for v in values):
                    return False
            elif network[fields[key]] not in values:
                return False
        elif key == "label":
            return False
    return True


async def list_networks(request: web.Request) -> web.Response:
    filters = filters_param(request)
    networks = [builtin_network(name) for name in BUILTIN_DRIVERS]
    return json_response([n for n in networks if _matches(n, filters)])


async def inspect(request: web.Request) -> web.Response:
    return json_response(find_builtin(request.match_info["id"]))


ROUTES = [
    web.get("/networks", list_networks),
    web.get("/networks/{id}", inspect),
]

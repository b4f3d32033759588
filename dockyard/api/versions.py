"""Which Engine API versions we serve, and the headers every response carries.

dockerd serves the same routes with and without a ``/vX.Y`` prefix; the prefix picks the
version a handler renders for (a missing prefix means the newest). Clients read ``Api-Version``
from ``/_ping`` to negotiate, and the CLI parses the OS from ``Server`` (``Docker/x (linux)``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from dockyard import __version__
from dockyard.errors import InvalidParameter

MAX_API_VERSION = "1.45"
MIN_API_VERSION = "1.24"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def common_headers() -> dict[str, str]:
    """Headers dockerd sets on every response, hijacked streams included."""
    return {
        "Api-Version": MAX_API_VERSION,
        "Server": f"Docker/{__version__} (linux)",
        "Ostype": "linux",
        "Docker-Experimental": "false",
    }


def version_tuple(version: str) -> tuple[int, ...]:
    """``"1.41"`` → ``(1, 41)``; components compare numerically as moby's ``versions`` does."""
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def request_version(request: web.Request) -> str:
    """The API version this request was made with (the newest when unprefixed)."""
    return request.match_info.get("version") or MAX_API_VERSION


def at_least(request: web.Request, version: str) -> bool:
    return version_tuple(request_version(request)) >= version_tuple(version)


@web.middleware
async def version_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Reject versions outside [min, max] with dockerd's wording before any handler runs."""
    version = request_version(request)
    if version_tuple(version) < version_tuple(MIN_API_VERSION):
        raise InvalidParameter(
            f"client version {version} is too old. Minimum supported API version is "
            f"{MIN_API_VERSION}, please upgrade your client to a newer version"
        )
    if version_tuple(version) > version_tuple(MAX_API_VERSION):
        raise InvalidParameter(
            f"client version {version} is too new. "
            f"Maximum supported API version is {MAX_API_VERSION}"
        )
    return await handler(request)


async def add_common_headers(request: web.Request, response: web.StreamResponse) -> None:
    """``on_response_prepare`` hook: runs for every response aiohttp writes, errors included."""
    response.headers.update(common_headers())

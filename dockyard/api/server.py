"""Assembling the Engine API application and serving it on a Unix socket.

Every route is served twice, bare and under ``/v{version}``, like dockerd's router. The
middleware order is visible here: errors outermost (so version errors are rendered too), the
version check inside it; the common headers are added to every response as it is prepared.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from pathlib import Path

from aiohttp import web

from dockyard.api.context import ENGINE
from dockyard.api.errors import error_middleware
from dockyard.api.routes import absent, container_streams, containers, execs, images, networks
from dockyard.api.routes import system as system_routes
from dockyard.api.versions import add_common_headers, version_middleware
from dockyard.engine.facade import EngineFacade
from dockyard.errors import Conflict

log = logging.getLogger(__name__)

VERSION_PREFIX = "/v{version:[0-9.]+}"
ROUTE_TABLES = (
    system_routes.ROUTES,
    containers.ROUTES,
    container_streams.ROUTES,
    execs.ROUTES,
    images.ROUTES,
    networks.ROUTES,
    absent.ROUTES,
)
SOCKET_MODE = 0o660
# dockerd answers HEAD only for the ping (clients ping with HEAD first).
HEAD_ROUTES = {"/_ping"}


def build_app(engine: EngineFacade) -> web.Application:
    app = web.Application(middlewares=[error_middleware, version_middleware])
    app[ENGINE] = engine
    app.on_response_prepare.append(add_common_headers)
    for table in ROUTE_TABLES:
        for route in table:
            kwargs = dict(route.kwargs)
            if route.method == "GET":
                kwargs["allow_head"] = route.path in HEAD_ROUTES
            for prefix in ("", VERSION_PREFIX):
                web.RouteDef(route.method, prefix + route.path, route.handler, kwargs).register(
                    app.router
                )
    return app


def _remove_stale_socket(path: Path) -> None:
    """Remove a socket nobody listens on; refuse to steal one a live daemon is serving."""
    if not path.exists() and not path.is_symlink():
        return
    if not path.is_socket():
        raise Conflict(f"{path} exists and is not a socket")
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError:
        path.unlink()
        return
    finally:
        probe.close()
    raise Conflict(f"{path} is in use by another process")


async def serve_unix(
    app: web.Application, path: Path, *, shutdown_timeout: float = 3.0
) -> web.AppRunner:
    """Listen on ``path`` (mode 0660, owner root); the caller cleans the runner up.

    ``shutdown_timeout`` bounds how long ``runner.cleanup()`` lets open streams (events,
    waits, attaches) finish before cancelling them.
    """
    _remove_stale_socket(path)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=shutdown_timeout)
    await runner.setup()
    try:
        site = web.UnixSite(runner, str(path))
        await site.start()
        os.chmod(path, SOCKET_MODE)
        if os.geteuid() == 0:
            os.chown(path, 0, 0)
    except BaseException:
        await runner.cleanup()
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        raise
    log.info("Engine API listening on %s", path)
    return runner

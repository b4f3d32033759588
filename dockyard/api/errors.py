"""The one place where exceptions become HTTP answers.

``DockyardError`` already carries its status (see ``dockyard.errors``); this middleware only
renders it. ``NotModified`` is a success for clients (304, empty body). Unknown routes and
methods are dockerd's ``404 page not found``. Anything else is a bug: 500, logged with traceback.
Once a streaming handler has sent its headers there is no status left to change: the error is
re-raised and aiohttp logs it and drops the connection, so the client sees a cut stream instead
of an HTTP response spliced into the body.
"""

from __future__ import annotations

import logging

from aiohttp import web

from dockyard.api.responses import error_response
from dockyard.api.versions import Handler
from dockyard.errors import DockyardError, NotModified

log = logging.getLogger(__name__)


def _response_started(request: web.Request) -> bool:
    writer = request.writer
    return writer is not None and writer.output_size > 0


def _render(request: web.Request, exc: Exception) -> web.Response:
    if isinstance(exc, NotModified):
        return web.Response(status=304)
    if isinstance(exc, DockyardError):
        if exc.status >= 500:
            log.warning("%s %s: %s", request.method, request.path, exc)
        return error_response(exc.status, str(exc))
    if isinstance(exc, web.HTTPNotFound | web.HTTPMethodNotAllowed):
        return error_response(404, "page not found")
    if isinstance(exc, web.HTTPException):
        return error_response(exc.status, exc.reason)
    log.error("%s %s failed", request.method, request.path, exc_info=exc)
    return error_response(500, str(exc) or type(exc).__name__)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ConnectionError:
        raise  # the client went away; aiohttp handles it quietly
    except Exception as exc:
        if _response_started(request):
            raise
        return _render(request, exc)

"""Response builders with the exact bytes Docker clients expect.

The Go client parses an error body as JSON only when ``Content-Type`` is exactly
``application/json`` (no charset), so JSON is never sent through ``web.json_response``.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

JSON = "application/json"


def dump_json(data: Any) -> bytes:
    """Compact JSON with a trailing newline, like Go's ``json.Encoder``."""
    return json.dumps(data, separators=(",", ":")).encode() + b"\n"


def json_response(data: Any, *, status: int = 200) -> web.Response:
    return web.Response(status=status, body=dump_json(data), headers={"Content-Type": JSON})


def error_response(status: int, message: str) -> web.Response:
    return json_response({"message": message}, status=status)


def no_content() -> web.Response:
    return web.Response(status=204)


def empty_ok(status: int = 200) -> web.Response:
    """200/201 with an empty body, as dockerd answers resize, tag and detached exec start."""
    return web.Response(status=status)

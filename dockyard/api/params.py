"""Query-string and body parsing with dockerd's rules and wording.

Booleans follow moby's ``BoolValue`` ("", "0", "no", "false", "none" are false; anything else
true); integers and timestamps fail with 400 and Go's message shape; ``filters`` accept both
the map form ``{"k":{"v":true}}`` and the legacy list form ``{"k":["v"]}``.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from dockyard.errors import InvalidParameter

_FALSE = {"", "0", "no", "false", "none"}


def bool_param(request: web.Request, name: str, *, default: bool = False) -> bool:
    if name not in request.query:
        return default
    return request.query[name].strip().lower() not in _FALSE


def int_param(request: web.Request, name: str) -> int | None:
    """An optional integer; absent or empty is ``None``."""
    raw = request.query.get(name, "")
    if raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidParameter(f'strconv.Atoi: parsing "{raw}": invalid syntax') from None


def uint32_param(request: web.Request, name: str, *, what: str) -> int:
    """Required unsigned 32-bit value (resize ``h``/``w``), moby's ``Uint32Value``."""
    raw = request.query.get(name, "")
    if not raw.isdigit():
        reason = "value out of range" if raw.startswith("-") and raw[1:].isdigit() else None
        raise InvalidParameter(f'invalid resize {what} "{raw}": {reason or "invalid syntax"}')
    value = int(raw)
    if value >= 2**32:
        raise InvalidParameter(f'invalid resize {what} "{raw}": value out of range')
    return value


def filters_param(request: web.Request) -> dict[str, list[str]]:
    raw = request.query.get("filters", "")
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise InvalidParameter("invalid filter") from None
    if not isinstance(data, dict):
        raise InvalidParameter("invalid filter")
    result: dict[str, list[str]] = {}
    for key, values in data.items():
        if isinstance(values, dict):
            result[str(key)] = [str(v) for v, on in values.items() if on]
        elif isinstance(values, list):
            result[str(key)] = [str(v) for v in values]
        else:
            raise InvalidParameter("invalid filter")
    return result


def unix_timestamp_param(request: web.Request, name: str) -> float | None:
    """``seconds[.nanoseconds]`` as the CLI sends it (it converts durations and dates itself)."""
    raw = request.query.get(name, "")
    if raw == "":
        return None
    seconds, _, nanos = raw.partition(".")
    digits = seconds[1:] if seconds.startswith("-") else seconds
    if not digits.isdigit():
        raise InvalidParameter(
            f"invalid value for {name!r}: invalid timestamp {raw!r}: "
            f'invalid seconds "{seconds}": invalid syntax'
        )
    if nanos and not nanos.isdigit():
        raise InvalidParameter(f"invalid value for {name!r}: invalid timestamp {raw!r}")
    return int(seconds) + int((nanos + "000000000")[:9]) / 1e9


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object; an empty body is ``{}``."""
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise InvalidParameter(f"invalid JSON: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidParameter("invalid JSON: expected an object")
    return data

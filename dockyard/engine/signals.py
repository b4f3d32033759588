"""Signal names as the Docker API takes them: ``SIGTERM``, ``TERM``, ``15``, ``sigkill``."""

from __future__ import annotations

import signal as _signal

from dockyard.errors import InvalidParameter


def parse_signal(value: str | int | None, default: int = _signal.SIGKILL) -> int:
    if value is None or value == "":
        return int(default)
    if isinstance(value, int):
        number = value
    elif value.isdigit():
        number = int(value)
    else:
        name = value.upper()
        if not name.startswith("SIG"):
            name = "SIG" + name
        try:
            number = int(_signal.Signals[name])
        except KeyError:
            raise InvalidParameter(f"Invalid signal: {value}") from None
    if not 0 < number <= 64:
        raise InvalidParameter(f"Invalid signal: {value}")
    return number

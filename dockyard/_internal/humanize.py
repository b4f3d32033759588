"""docker/go-units wording, shared by the API (``Up 5 seconds``) and the CLI (``5 seconds ago``).

dockerd computes some human strings server-side and the docker CLI computes others, but both
use the same go-units functions; keeping one copy here means `docker ps` via either path reads
the same. The ``api`` and ``cli`` packages may not import each other, hence this neutral home.
"""

from __future__ import annotations

_DECIMAL_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
_BINARY_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")


def human_duration(seconds: float) -> str:
    """go-units ``HumanDuration``: "5 seconds", "About a minute", "2 weeks".

    Hours are rounded to the nearest; days, weeks and months are whole divisions of those
    hours and years of the unrounded hours, exactly as go-units does.
    """
    whole = int(seconds)
    if whole < 1:
        return "Less than a second"
    if whole == 1:
        return "1 second"
    if whole < 60:
        return f"{whole} seconds"
    minutes = int(seconds / 60)
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(seconds / 3600 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(seconds / 3600) // 24 // 365} years"


def _scale(size: float, base: float, units: tuple[str, ...]) -> tuple[float, str]:
    index = 0
    while size >= base and index < len(units) - 1:
        size /= base
        index += 1
    return size, units[index]


def human_size(size: float, *, precision: int = 3) -> str:
    """go-units ``HumanSizeWithPrecision``: decimal units, like docker's SIZE column ("4.26MB")."""
    value, unit = _scale(float(size), 1000.0, _DECIMAL_UNITS)
    text = f"{value:.{precision}g}"
    if "e" in text or "E" in text:
        text = f"{value:.0f}"
    return text + unit


def bytes_size(size: float) -> str:
    """go-units ``BytesSize``: binary units with four significant digits ("1.944GiB")."""
    value, unit = _scale(float(size), 1024.0, _BINARY_UNITS)
    return f"{value:.4g}{unit}"

"""``GET /images/json`` filters: which images to list and which of their tags to show.

dockerd 20.10 accepts ``dangling``, ``label``, ``before``, ``since`` and ``reference``; any
other key is ``Invalid filter '<key>'``. A ``reference`` filter also narrows ``RepoTags`` to
the matching tags, and hides untagged images. The result is newest first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dockyard.errors import InvalidParameter
from dockyard.images.image_views import created_seconds
from dockyard.images.reference import familiar_match, parse_normalized

ACCEPTED = frozenset({"dangling", "label", "before", "since", "reference"})

Listed = tuple[str, dict[str, Any], list[str]]  # (image id, config, repo tags)


def select_images(
    *,
    entries: list[Listed],
    filters: dict[str, list[str]],
    lookup: Callable[[str], dict[str, Any]],
) -> list[Listed]:
    """Filter ``entries``; ``lookup(ref)`` returns the config of a ``before``/``since`` image."""
    for key in filters:
        if key not in ACCEPTED:
            raise InvalidParameter(f"Invalid filter '{key}'")
    dangling_only = _dangling_only(filters.get("dangling"))
    before = _bound(filters.get("before"), lookup)
    since = _bound(filters.get("since"), lookup)
    labels = filters.get("label") or []
    patterns = filters.get("reference") or []
    selected: list[tuple[float, Listed]] = []
    for image_id, config, tags in entries:
        created = created_seconds(config.get("created"))
        if before is not None and created >= before:
            continue
        if since is not None and created <= since:
            continue
        if labels and not _match_labels(labels, (config.get("config") or {}).get("Labels")):
            continue
        shown = [t for t in tags if _matches(patterns, t)] if patterns else list(tags)
        if not shown:
            if "dangling" in filters and not dangling_only:
                continue
            if patterns:
                continue
        elif dangling_only:
            continue
        selected.append((created, (image_id, config, shown)))
    selected.sort(key=lambda item: (item[0], item[1][0]), reverse=True)
    return [listed for _, listed in selected]


def _dangling_only(values: list[str] | None) -> bool:
    if values is None:
        return False
    if "true" in values or "1" in values:
        return True
    if "false" in values or "0" in values:
        return False
    raise InvalidParameter(f"Invalid filter 'dangling=[{' '.join(values)}]'")


def _bound(values: list[str] | None, lookup: Callable[[str], dict[str, Any]]) -> float | None:
    if not values:
        return None
    return created_seconds(lookup(values[-1]).get("created"))


def _match_labels(wanted: list[str], labels: dict[str, str] | None) -> bool:
    """``filters.MatchKVList``: every ``key`` or ``key=value`` must be present."""
    if not labels:
        return False
    for item in wanted:
        key, sep, value = item.partition("=")
        if key not in labels or (sep and labels[key] != value):
            return False
    return True


def _matches(patterns: list[str], tag: str) -> bool:
    ref = parse_normalized(tag)
    return any(familiar_match(pattern, ref) for pattern in patterns)

"""``docker ps --filter``: the keys dockerd accepts and how each one matches."""

from __future__ import annotations

import fnmatch
import re

from dockyard.engine.container import Container
from dockyard.errors import InvalidParameter

ACCEPTED = {
    "id",
    "name",
    "status",
    "label",
    "exited",
    "ancestor",
    "before",
    "since",
    "volume",
    "network",
    "publish",
    "expose",
    "health",
    "isolation",
    "is-task",
}
STATUSES = ("created", "restarting", "running", "removing", "paused", "exited", "dead")


def _label_ok(container: Container, spec: str) -> bool:
    labels = container.config.get("Labels") or {}
    key, sep, value = spec.partition("=")
    if key not in labels:
        return False
    return not sep or labels[key] == value


def _matches(container: Container, key: str, value: str) -> bool:
    if key == "id":
        return container.id.startswith(value)
    if key == "name":
        try:
            return re.search(value, container.name) is not None
        except re.error:
            return value in container.name
    if key == "status":
        if value not in STATUSES:
            raise InvalidParameter(f"Invalid filter 'status={value}'")
        return container.state.status.value == value
    if key == "label":
        return _label_ok(container, value)
    if key == "exited":
        return (
            (not container.state.running)
            and str(container.state.exit_code) == value
            and (container.has_been_started_before)
        )
    if key == "ancestor":
        return (
            fnmatch.fnmatch(container.image, value)
            or container.image_id.startswith(
                value if value.startswith("sha256:") else "sha256:" + value
            )
            or container.image == value
        )
    return True


def filter_containers(
    containers: list[Container], filters: dict[str, list[str]]
) -> list[Container]:
    for key in filters:
        if key not in ACCEPTED:
            raise InvalidParameter(f"invalid filter '{key}'")
    result = []
    for container in containers:
        if all(
            any(_matches(container, key, v) for v in values)
            if key != "label"
            else all(_matches(container, key, v) for v in values)
            for key, values in filters.items()
            if values
        ):
            result.append(container)
    return result

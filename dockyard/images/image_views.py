"""The JSON the Engine API returns for images: ``/images/json`` elements and ``/images/{x}/json``.

Shapes are dockerd 20.10's at API 1.41 (``types.ImageSummary`` and ``types.ImageInspect``),
built from the stored config so that what ``docker import`` or ``docker load`` put there is
what ``docker image inspect`` shows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from dockyard.images.image_config import empty_config

ZERO_TIME = "0001-01-01T00:00:00Z"


def created_seconds(created: str | None) -> float:
    """Seconds since the epoch of an RFC 3339 ``created`` (0 when absent or unparseable)."""
    if not created or created.startswith("0001-01-01"):
        return 0.0
    text = created.strip().replace("Z", "+00:00").replace("z", "+00:00")
    head, dot, rest = text.partition(".")
    fraction = 0.0
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        fraction = float("0." + rest[:digits]) if digits else 0.0
        text = head + rest[digits:]
    try:
        return dt.datetime.fromisoformat(text).timestamp() + fraction
    except ValueError:
        return 0.0


def created_unix(created: str | None) -> int:
    return int(created_seconds(created))


def summary(
    *, image_id: str, config: dict[str, Any], repo_tags: list[str], size: int
) -> dict[str, Any]:
    """One element of ``GET /images/json``; dangling images show ``<none>`` as Docker does."""
    labels = (config.get("config") or {}).get("Labels")
    return {
        "Containers": -1,
        "Created": created_unix(config.get("created")),
        "Id": image_id,
        "Labels": labels,
        "ParentId": "",
        "RepoDigests": ["<none>@<none>"] if not repo_tags else [],
        "RepoTags": repo_tags or ["<none>:<none>"],
        "SharedSize": -1,
        "Size": size,
        "VirtualSize": size,
    }


def inspect(
    *,
    image_id: str,
    config: dict[str, Any],
    repo_tags: list[str],
    size: int,
    layer_dirs: list[Path],
    last_tag_time: str,
) -> dict[str, Any]:
    """``GET /images/{name}/json``."""
    rootfs = config.get("rootfs") or {}
    view: dict[str, Any] = {
        "Id": image_id,
        "RepoTags": repo_tags,
        "RepoDigests": [],
        "Parent": "",
        "Comment": config.get("comment", ""),
        "Created": config.get("created", ZERO_TIME),
        "Container": config.get("container", ""),
        "ContainerConfig": config.get("container_config") or empty_config(),
        "DockerVersion": config.get("docker_version", ""),
        "Author": config.get("author", ""),
        "Config": config.get("config"),
        "Architecture": config.get("architecture", ""),
    }
    if config.get("variant"):
        view["Variant"] = config["variant"]
    view["Os"] = config.get("os", "linux")
    if config.get("os.version"):
        view["OsVersion"] = config["os.version"]
    view |= {
        "Size": size,
        "VirtualSize": size,
        "GraphDriver": {"Data": graph_driver_data(layer_dirs), "Name": "overlay2"},
        "RootFS": {"Type": rootfs.get("type", "layers"), "Layers": rootfs.get("diff_ids") or []},
        "Metadata": {"LastTagTime": last_tag_time or ZERO_TIME},
    }
    return view


def graph_driver_data(layer_dirs: list[Path]) -> dict[str, str] | None:
    """overlay2's keys for an image: its top layer is the upper dir, the rest the lowers."""
    if not layer_dirs:
        return None
    top = layer_dirs[-1]
    data = {
        "MergedDir": str(top.parent / "merged"),
        "UpperDir": str(top),
        "WorkDir": str(top.parent / "work"),
    }
    if len(layer_dirs) > 1:
        data = {"LowerDir": ":".join(str(p) for p in reversed(layer_dirs[:-1]))} | data
    return data

"""Row values for `ps` and `images`, computed exactly as the docker CLI's formatters do."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from dockyard._internal.humanize import human_size
from dockyard.cli.humanize import ellipsis, go_quote, time_ago, truncate_id
from dockyard.cli.references import familiar_name

CONTAINER_HEADERS = {
    "ID": "CONTAINER ID",
    "Image": "IMAGE",
    "Command": "COMMAND",
    "CreatedAt": "CREATED AT",
    "RunningFor": "CREATED",
    "Ports": "PORTS",
    "State": "STATE",
    "Status": "STATUS",
    "Size": "SIZE",
    "Names": "NAMES",
    "Labels": "LABELS",
    "Mounts": "MOUNTS",
    "Networks": "NETWORKS",
}
CONTAINER_COLUMNS = ("ID", "Image", "Command", "RunningFor", "Status", "Ports", "Names")

IMAGE_HEADERS = {
    "Repository": "REPOSITORY",
    "Tag": "TAG",
    "ID": "IMAGE ID",
    "CreatedSince": "CREATED",
    "CreatedAt": "CREATED AT",
    "Size": "SIZE",
    "Digest": "DIGEST",
}
IMAGE_COLUMNS = ("Repository", "Tag", "ID", "CreatedSince", "Size")


def _join_host_port(host: str, port: str) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _ip_sort_key(address: str) -> tuple[int, int, str]:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return (0, 0, address)
    return (parsed.version, int(parsed), address)


def displayable_ports(ports: Sequence[Mapping[str, Any]]) -> str:
    """The PORTS column: "0.0.0.0:8080->80/tcp, :::8080->80/tcp, 9000-9001/udp"."""

    def order(port: Mapping[str, Any]) -> tuple[Any, ...]:
        return (
            port.get("PrivatePort", 0),
            _ip_sort_key(port.get("IP") or ""),
            port.get("PublicPort", 0),
            port.get("Type", ""),
        )

    groups: dict[str, list[int]] = {}
    result: list[str] = []
    host_mappings: list[str] = []
    for port in sorted(ports, key=order):
        current = int(port.get("PrivatePort", 0))
        kind = str(port.get("Type", "tcp"))
        key = kind
        address = port.get("IP") or ""
        if address:
            public = int(port.get("PublicPort", 0))
            if public != current:
                host = _join_host_port(address, str(public))
                host_mappings.append(f"{host}->{current}/{kind}")
                continue
            key = f"{address}/{kind}"
        group = groups.get(key)
        if group is None:
            groups[key] = [current, current]
            continue
        if current == group[1] + 1:
            group[1] = current
            continue
        result.append(_form_group(key, group[0], group[1]))
        groups[key] = [current, current]
    for key, (first, last) in groups.items():
        result.append(_form_group(key, first, last))
    return ", ".join(result + host_mappings)


def _form_group(key: str, first: int, last: int) -> str:
    address, _, kind = key.rpartition("/")
    group = str(first) if first == last else f"{first}-{last}"
    if address:
        group = f"{_join_host_port(address, group)}->{group}"
    return f"{group}/{kind}"


def container_fields(summary: Mapping[str, Any], *, now: float, truncate: bool) -> dict[str, str]:
    """Every `ps --format` field of one `GET /containers/json` element, as display text."""
    identifier = str(summary.get("Id", ""))
    names = [name.removeprefix("/") for name in summary.get("Names") or []]
    if truncate:
        simple = [name for name in names if "/" not in name]
        names = simple[:1]
    image = str(summary.get("Image") or "<no image>")
    if truncate and truncate_id(str(summary.get("ImageID", ""))) == truncate_id(image):
        image = truncate_id(image)
    elif truncate:
        image = familiar_name(image.partition("@")[0])
    command = str(summary.get("Command", ""))
    labels = summary.get("Labels") or {}
    networks = ((summary.get("NetworkSettings") or {}).get("Networks")) or {}
    mounts = [str(m.get("Name") or m.get("Source") or "") for m in summary.get("Mounts") or []]
    created = float(summary.get("Created", 0))
    return {
        "ID": truncate_id(identifier) if truncate else identifier,
        "Image": image,
        "Command": go_quote(ellipsis(command, 20) if truncate else command),
        "CreatedAt": _local_time(created),
        "RunningFor": time_ago(created, now=now),
        "Ports": displayable_ports(summary.get("Ports") or []),
        "State": str(summary.get("State", "")),
        "Status": str(summary.get("Status", "")),
        "Size": _container_size(summary),
        "Names": ",".join(names),
        "Labels": ",".join(sorted(f"{key}={value}" for key, value in labels.items())),
        "Mounts": ",".join(ellipsis(m, 15) if truncate else m for m in mounts),
        "Networks": ",".join(networks),
    }


def _container_size(summary: Mapping[str, Any]) -> str:
    """`2B (virtual 21.5MB)`: the writable layer, plus the whole rootfs when known."""
    writable = human_size(float(summary.get("SizeRw") or 0))
    rootfs = float(summary.get("SizeRootFs") or 0)
    return f"{writable} (virtual {human_size(rootfs)})" if rootfs > 0 else writable


def _local_time(seconds: float) -> str:
    return datetime.fromtimestamp(seconds).astimezone().strftime("%Y-%m-%d %H:%M:%S %z %Z")


def image_rows(
    summaries: Sequence[Mapping[str, Any]], *, now: float, truncate: bool
) -> list[dict[str, str]]:
    """`docker images` rows: one per repo:tag of each image, `<none>` for untagged ones."""
    rows = []
    for summary in summaries:
        identifier = str(summary.get("Id", ""))
        shared = {
            "ID": truncate_id(identifier) if truncate else identifier,
            "CreatedSince": time_ago(float(summary.get("Created", 0)), now=now),
            "CreatedAt": _local_time(float(summary.get("Created", 0))),
            "Size": human_size(float(summary.get("Size") or 0)),
            "Digest": "<none>",
        }
        tags = [tag for tag in summary.get("RepoTags") or [] if tag != "<none>:<none>"]
        if not tags:
            rows.append({"Repository": "<none>", "Tag": "<none>", **shared})
            continue
        for tag in tags:
            repository, _, name = tag.rpartition(":")
            rows.append({"Repository": familiar_name(repository), "Tag": name, **shared})
    return rows

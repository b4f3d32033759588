"""Docker's JSON shapes for containers, built from the ``Container`` record.

``container_summary`` is an element of ``GET /containers/json``; ``container_inspect`` is
``GET /containers/{id}/json``. ``Config`` and ``HostConfig`` are echoed as stored (they already
are Docker's shape); only keys clients index unconditionally get a default here (the docker
SDK reads ``HostConfig.LogConfig.Type`` after every ``run``).
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from dockyard.api.humanize import container_status
from dockyard.engine.container import Container, parse_rfc3339

DEFAULT_LOG_CONFIG = {"Type": "json-file", "Config": {}}


def command_string(container: Container) -> str:
    """``Path`` and ``Args`` as ``docker ps`` shows them: args with a space in single quotes."""
    if not container.args:
        return container.path
    args = [f"'{a}'" if " " in a else a for a in container.args]
    return f"{container.path} {' '.join(args)}"


def _created_unix(container: Container) -> int:
    created = parse_rfc3339(container.created)
    return int(created.timestamp()) if created else 0


def container_summary(
    container: Container, *, size: bool = False, now: dt.datetime | None = None
) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "Id": container.id,
        "Names": ["/" + container.name],
        "Image": container.image,
        "ImageID": container.image_id,
        "Command": command_string(container),
        "Created": _created_unix(container),
        "Ports": [],
        "Labels": dict(container.config.get("Labels") or {}),
        "State": container.state.status.value,
        "Status": container_status(container.state, now=now),
        "HostConfig": {"NetworkMode": container.host_config.get("NetworkMode") or "default"},
        "NetworkSettings": {"Networks": {}},
        "Mounts": [],
    }
    if size:
        summary["SizeRw"] = 0
        summary["SizeRootFs"] = 0
    return summary


def _host_config(container: Container) -> dict[str, Any]:
    host_config = copy.deepcopy(container.host_config)
    if not host_config.get("LogConfig", {}).get("Type"):
        host_config["LogConfig"] = copy.deepcopy(DEFAULT_LOG_CONFIG)
    return host_config


def _network_settings() -> dict[str, Any]:
    """The empty network block of a container with no endpoints yet."""
    return {
        "Bridge": "",
        "SandboxID": "",
        "SandboxKey": "",
        "Ports": {},
        "HairpinMode": False,
        "LinkLocalIPv6Address": "",
        "LinkLocalIPv6PrefixLen": 0,
        "SecondaryIPAddresses": None,
        "SecondaryIPv6Addresses": None,
        "EndpointID": "",
        "Gateway": "",
        "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0,
        "IPAddress": "",
        "IPPrefixLen": 0,
        "IPv6Gateway": "",
        "MacAddress": "",
        "Networks": {},
    }


def container_inspect(container: Container) -> dict[str, Any]:
    # Paths the engine may add to the record later; "" until it does.
    def path_of(field: str) -> str:
        return str(getattr(container, field, "") or "")

    return {
        "Id": container.id,
        "Created": container.created,
        "Path": container.path,
        "Args": list(container.args),
        "State": container.state.to_docker(),
        "Image": container.image_id,
        "ResolvConfPath": path_of("resolv_conf_path"),
        "HostnamePath": path_of("hostname_path"),
        "HostsPath": path_of("hosts_path"),
        "LogPath": path_of("log_path"),
        "Name": "/" + container.name,
        "RestartCount": container.restart_count,
        "Driver": "overlay2",
        "Platform": "linux",
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "",
        "ExecIDs": list(container.exec_ids) or None,
        "HostConfig": _host_config(container),
        "GraphDriver": {"Data": None, "Name": "overlay2"},
        "Mounts": [],
        "Config": copy.deepcopy(container.config),
        "NetworkSettings": _network_settings(),
    }

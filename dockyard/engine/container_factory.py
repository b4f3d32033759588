"""Turning a ``POST /containers/create`` body into a container record.

This is where the image's defaults meet the user's request, with dockerd's rules: the user's
``Entrypoint`` replaces the image's and then drops the image's ``Cmd``; ``Env`` is merged by
key; labels are merged; a container with no command at all is refused.
"""

from __future__ import annotations

import copy
from typing import Any

from dockyard.engine.container import Container, now_rfc3339
from dockyard.engine.restart_policy import check_auto_remove, parse_policy
from dockyard.errors import InvalidParameter
from dockyard.images.image_config import empty_config

# Go's zero ``container.Config``, except that a container's labels are an object, not null.
CONFIG_DEFAULTS: dict[str, Any] = {**empty_config(), "Labels": {}}

HOST_CONFIG_DEFAULTS: dict[str, Any] = {
    "Binds": None,
    "ContainerIDFile": "",
    "LogConfig": {"Type": "json-file", "Config": {}},
    "NetworkMode": "default",
    "PortBindings": {},
    "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
    "AutoRemove": False,
    "VolumeDriver": "",
    "VolumesFrom": None,
    "CapAdd": None,
    "CapDrop": None,
    "CgroupnsMode": "host",
    "Dns": [],
    "DnsOptions": [],
    "DnsSearch": [],
    "ExtraHosts": None,
    "GroupAdd": None,
    "IpcMode": "private",
    "Cgroup": "",
    "Links": None,
    "OomScoreAdj": 0,
    "PidMode": "",
    "Privileged": False,
    "PublishAllPorts": False,
    "ReadonlyRootfs": False,
    "SecurityOpt": None,
    "UTSMode": "",
    "UsernsMode": "",
    "ShmSize": 67108864,
    "Runtime": "",
    "Isolation": "",
    "CpuShares": 0,
    "Memory": 0,
    "NanoCpus": 0,
    "CgroupParent": "",
    "BlkioWeight": 0,
    "CpuPeriod": 0,
    "CpuQuota": 0,
    "CpusetCpus": "",
    "CpusetMems": "",
    "Devices": [],
    "MemoryReservation": 0,
    "MemorySwap": 0,
    "OomKillDisable": False,
    "PidsLimit": None,
    "Ulimits": None,
    "MaskedPaths": None,
    "ReadonlyPaths": None,
}

SUPPORTED_NETWORK_MODES = ("default", "none", "host", "bridge", "")


_GO_TYPES = {bool: "bool", int: "int64", str: "string"}
_JSON_TYPES = {
    bool: "bool",
    int: "number",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
}


def check_field_types(section: str, given: dict[str, Any], defaults: dict[str, Any]) -> None:
    """Refuse a scalar field of the wrong JSON type, worded as Go's decoder words it (400)."""
    for key, default in defaults.items():
        value = given.get(key)
        expected = type(default)
        if value is None or expected not in _GO_TYPES:
            continue
        ok = isinstance(value, expected) and (expected is bool or not isinstance(value, bool))
        if not ok:
            raise InvalidParameter(
                f"json: cannot unmarshal {_JSON_TYPES.get(type(value), 'value')} into Go struct "
                f"field {section}.{key} of type {_GO_TYPES[expected]}"
            )


def _merge_env(image_env: list[str], user_env: list[str]) -> list[str]:
    merged: dict[str, str] = {}
    for item in list(image_env) + list(user_env):
        key = item.split("=", 1)[0]
        merged[key] = item
    return list(merged.values())


def _as_list(value: Any, field: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise InvalidParameter(f"invalid {field}: expected a list of strings")


def build_container(
    *,
    container_id: str,
    name: str,
    body: dict[str, Any],
    image_id: str,
    image_config: dict[str, Any],
    default_runtime: str,
) -> Container:
    """A validated, fully defaulted record; nothing is created on the host here."""
    if not isinstance(body, dict):
        raise InvalidParameter("invalid JSON body")
    host_config_in = body.get("HostConfig") or {}
    if not isinstance(host_config_in, dict):
        raise InvalidParameter("invalid HostConfig")
    check_field_types("Config", body, CONFIG_DEFAULTS)
    check_field_types("HostConfig", host_config_in, HOST_CONFIG_DEFAULTS)
    config = copy.deepcopy(CONFIG_DEFAULTS)
    config.update({k: v for k, v in body.items() if k not in ("HostConfig", "NetworkingConfig")})
    host_config = copy.deepcopy(HOST_CONFIG_DEFAULTS)
    host_config.update(host_config_in)

    img = image_config.get("config") or {}
    entrypoint = _as_list(config.get("Entrypoint"), "Entrypoint")
    cmd = _as_list(config.get("Cmd"), "Cmd")
    if entrypoint is None:
        entrypoint = list(img.get("Entrypoint") or []) or None
        if cmd is None:
            cmd = list(img.get("Cmd") or []) or None
    elif entrypoint == [""]:
        entrypoint = None
    argv = list(entrypoint or []) + list(cmd or [])
    if not argv:
        raise InvalidParameter("No command specified")
    config["Entrypoint"], config["Cmd"] = entrypoint, cmd
    config["Env"] = _merge_env(img.get("Env") or [], _as_list(config.get("Env"), "Env") or [])
    config["WorkingDir"] = config.get("WorkingDir") or img.get("WorkingDir") or ""
    config["User"] = config.get("User") or img.get("User") or ""
    config["Labels"] = {**(img.get("Labels") or {}), **(config.get("Labels") or {})}
    if img.get("ExposedPorts") or config.get("ExposedPorts"):
        config["ExposedPorts"] = {
            **(img.get("ExposedPorts") or {}),
            **(config.get("ExposedPorts") or {}),
        }
    if not config.get("StopSignal") and img.get("StopSignal"):
        config["StopSignal"] = img["StopSignal"]
    if not config.get("Hostname"):
        config["Hostname"] = container_id[:12]
    if config.get("WorkingDir") and not config["WorkingDir"].startswith("/"):
        raise InvalidParameter(
            f"the working directory '{config['WorkingDir']}' is invalid, it needs to be an "
            "absolute path"
        )

    policy = parse_policy(host_config.get("RestartPolicy"))
    if policy.name == "":
        policy = parse_policy({"Name": "no"})
    check_auto_remove(policy, bool(host_config.get("AutoRemove")))
    host_config["RestartPolicy"] = policy.to_docker()
    mode = host_config.get("NetworkMode") or "default"
    if mode not in SUPPORTED_NETWORK_MODES and not mode.startswith("container:"):
        raise InvalidParameter(f"network {mode} not found")
    if host_config.get("Memory") and host_config["Memory"] < 6 * 1024 * 1024:
        raise InvalidParameter("Minimum memory limit allowed is 6MB")
    if host_config.get("NanoCpus") and host_config.get("CpuQuota"):
        raise InvalidParameter("Conflicting options: Nano CPUs and CPU Period cannot both be set")
    host_config["Runtime"] = host_config.get("Runtime") or default_runtime

    return Container(
        id=container_id,
        name=name,
        created=now_rfc3339(),
        image=config.get("Image") or image_id,
        image_id=image_id,
        config=config,
        host_config=host_config,
        path=argv[0],
        args=argv[1:],
        runtime=host_config["Runtime"],
    )

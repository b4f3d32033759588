"""Image config JSON as dockerd writes it, byte for byte in shape.

The image ID is the sha256 of the config bytes, so how they are serialised is part of the
contract: Go's ``encoding/json`` (compact, ``<>&`` escaped), top-level keys sorted (Docker's
``Image.MarshalJSON`` round-trips through a map), and ``container.Config`` in struct order with
its ``omitempty`` fields left out when empty. Configs that come from an archive are never
re-serialised; their bytes are kept as they arrived.
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections.abc import Sequence
from typing import Any

import dockyard
from dockyard.errors import InvalidParameter

DOCKER_VERSION = f"dockyard-{dockyard.__version__}"

# container.Config field order; True marks `json:",omitempty"`.
_CONFIG_FIELDS: list[tuple[str, bool]] = [
    ("Hostname", False),
    ("Domainname", False),
    ("User", False),
    ("AttachStdin", False),
    ("AttachStdout", False),
    ("AttachStderr", False),
    ("ExposedPorts", True),
    ("Tty", False),
    ("OpenStdin", False),
    ("StdinOnce", False),
    ("Env", False),
    ("Cmd", False),
    ("Healthcheck", True),
    ("ArgsEscaped", True),
    ("Image", False),
    ("Volumes", False),
    ("WorkingDir", False),
    ("Entrypoint", False),
    ("NetworkDisabled", True),
    ("MacAddress", True),
    ("OnBuild", False),
    ("Labels", False),
    ("StopSignal", True),
    ("StopTimeout", True),
    ("Shell", True),
]
_HEALTH_FIELDS = ["Test", "Interval", "Timeout", "StartPeriod", "StartInterval", "Retries"]
_ARCH = {
    "x86_64": "amd64",
    "aarch64": "arm64",
    "armv7l": "arm",
    "i686": "386",
    "ppc64le": "ppc64le",
}


def empty_config() -> dict[str, Any]:
    """A zero ``container.Config`` as Go marshals it (every non-omitempty field present)."""
    return {
        "Hostname": "",
        "Domainname": "",
        "User": "",
        "AttachStdin": False,
        "AttachStdout": False,
        "AttachStderr": False,
        "Tty": False,
        "OpenStdin": False,
        "StdinOnce": False,
        "Env": None,
        "Cmd": None,
        "Image": "",
        "Volumes": None,
        "WorkingDir": "",
        "Entrypoint": None,
        "OnBuild": None,
        "Labels": None,
    }


def go_json(value: Any) -> bytes:
    """Serialise like Go's ``json.Marshal``: compact, UTF-8, HTML characters escaped."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").encode()


def go_time(ns: int | None = None) -> str:
    """RFC 3339 with nanoseconds, trailing zeros trimmed (Go's ``time.RFC3339Nano``)."""
    ns = time.time_ns() if ns is None else ns
    secs, frac = divmod(ns, 1_000_000_000)
    base = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs))
    digits = f"{frac:09d}".rstrip("0")
    return f"{base}.{digits}Z" if digits else f"{base}Z"


def host_architecture() -> str:
    machine = platform.machine()
    return _ARCH.get(machine, machine)


def ordered_container_config(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` with Go's field order, empty ``omitempty`` fields dropped."""
    out: dict[str, Any] = {}
    zero = empty_config()
    for key, omitempty in _CONFIG_FIELDS:
        value = config.get(key, zero.get(key))
        if omitempty and not value:
            continue
        if key == "Healthcheck" and isinstance(value, dict):
            value = {k: value[k] for k in _HEALTH_FIELDS if value.get(k)}
        out[key] = value
    return out


def import_config(
    *, container_config: dict[str, Any], diff_id: str, comment: str, created: str
) -> bytes:
    """The config ``docker import`` writes for a one-layer image."""
    image: dict[str, Any] = {
        "architecture": host_architecture(),
        "config": ordered_container_config(container_config),
        "container_config": ordered_container_config({}),
        "created": created,
        "docker_version": DOCKER_VERSION,
        "history": [{"created": created, "comment": comment} if comment else {"created": created}],
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    }
    if comment:
        image["comment"] = comment
    return go_json(dict(sorted(image.items())))


def config_from_v1(v1_json: bytes, diff_ids: list[str], history: list[dict[str, Any]]) -> bytes:
    """``v1.MakeConfigFromV1Config``: a legacy ``<id>/json`` plus rootfs and history."""
    try:
        v1 = json.loads(v1_json)
    except ValueError as exc:
        raise InvalidParameter(f"invalid legacy image json: {exc}") from exc
    for key in ("id", "parent", "Size", "parent_id", "layer_id", "throwaway"):
        v1.pop(key, None)
    v1["rootfs"] = {"type": "layers", "diff_ids": diff_ids}
    v1["history"] = history
    return go_json(dict(sorted(v1.items())))


def history_from_v1(v1_json: bytes) -> dict[str, Any]:
    """``v1.HistoryFromConfig``: one history entry for one legacy layer."""
    v1 = json.loads(v1_json)
    cmd = (v1.get("container_config") or {}).get("Cmd") or []
    entry: dict[str, Any] = {"created": v1.get("created", "0001-01-01T00:00:00Z")}
    if v1.get("author"):
        entry["author"] = v1["author"]
    if cmd:
        entry["created_by"] = " ".join(cmd)
    if v1.get("comment"):
        entry["comment"] = v1["comment"]
    return entry


def parse_config(data: bytes) -> dict[str, Any]:
    """Decode and sanity-check an image config from an archive."""
    try:
        config = json.loads(data)
    except ValueError as exc:
        raise InvalidParameter(f"invalid image config: {exc}") from exc
    if not isinstance(config, dict):
        raise InvalidParameter("invalid image config: not a JSON object")
    os_name = config.get("os") or "linux"
    if os_name != "linux":
        raise InvalidParameter(f"cannot load {os_name} image on linux")
    rootfs = config.get("rootfs")
    if not isinstance(rootfs, dict) or not isinstance(rootfs.get("diff_ids", []), list):
        raise InvalidParameter("invalid image config: no rootfs")
    return config


def image_id_of(config: bytes) -> str:
    """An image's ID: the sha256 of its config bytes."""
    return "sha256:" + hashlib.sha256(config).hexdigest()


def chain_ids(diff_ids: Sequence[str]) -> list[str]:
    """Layer chain IDs (what Docker reports as deleted layers): sha256 of "parent diff"."""
    chain: list[str] = []
    for diff_id in diff_ids:
        if not chain:
            chain.append(diff_id)
        else:
            chain.append("sha256:" + hashlib.sha256(f"{chain[-1]} {diff_id}".encode()).hexdigest())
    return chain

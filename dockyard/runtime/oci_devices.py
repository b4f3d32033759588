"""Device nodes and the device cgroup of a container (``linux.devices``, ``resources.devices``).

Docker denies every device, then allows the handful a shell needs (null, zero, random,
urandom, tty, console) and explicitly denies fuse; runc creates the standard /dev nodes itself,
so ``linux.devices`` stays empty unless the user passes ``--device``. ``--privileged`` gets
every host device node and an allow-all rule.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from dockyard import errors

_RULE_RE = re.compile(r"^([acb]) ([0-9]+|\*):([0-9]+|\*) ([rwm]{1,3})$")
_SKIPPED_DIRS = {"pts", "shm", "fd", "mqueue", ".lxc", ".lxd-mounts", ".udev"}


def _rule(
    allow: bool, kind: str = "", major: int | None = None, minor: int | None = None
) -> dict[str, Any]:
    rule: dict[str, Any] = {"allow": allow}
    if kind:
        rule["type"] = kind
    if major is not None:
        rule["major"] = major
    if minor is not None:
        rule["minor"] = minor
    rule["access"] = "rwm"
    return rule


def default_device_rules() -> list[dict[str, Any]]:
    """moby ``DefaultLinuxSpec().Linux.Resources.Devices``, in order."""
    allowed = [(1, 5), (1, 3), (1, 9), (1, 8), (5, 0), (5, 1)]
    return [
        _rule(False),
        *(_rule(True, "c", major, minor) for major, minor in allowed),
        _rule(False, "c", 10, 229),
    ]


def parse_device_cgroup_rules(rules: Sequence[str]) -> list[dict[str, Any]]:
    """``HostConfig.DeviceCgroupRules`` ("c 1:3 rwm", "a *:* m") as allow rules."""
    out = []
    for text in rules:
        match = _RULE_RE.match(text)
        if match is None:
            raise errors.InvalidParameter(f"invalid device cgroup rule format: '{text}'")
        kind, major, minor, access = match.groups()
        out.append(
            {
                "allow": True,
                "type": kind,
                "major": -1 if major == "*" else int(major),
                "minor": -1 if minor == "*" else int(minor),
                "access": access,
            }
        )
    return out


def device_from_path(path: str) -> dict[str, Any] | None:
    """The OCI ``LinuxDevice`` for a char/block node (symlinks not followed), else ``None``."""
    st = os.lstat(path)
    if stat.S_ISCHR(st.st_mode):
        kind = "c"
    elif stat.S_ISBLK(st.st_mode):
        kind = "b"
    else:
        return None
    return {
        "path": path,
        "type": kind,
        "major": os.major(st.st_rdev),
        "minor": os.minor(st.st_rdev),
        "fileMode": stat.S_IMODE(st.st_mode),
        "uid": st.st_uid,
        "gid": st.st_gid,
    }


def host_devices(root: Path = Path("/dev")) -> list[dict[str, Any]]:
    """Every device node under /dev (containerd ``HostDevices``), for privileged containers."""
    out: list[dict[str, Any]] = []
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if entry.is_dir(follow_symlinks=False):
            if entry.name not in _SKIPPED_DIRS:
                out += host_devices(Path(entry.path))
        elif entry.name != "console":
            try:
                device = device_from_path(entry.path)
            except FileNotFoundError:
                continue
            if device is not None:
                out.append(device)
    return out


def devices_from_path(
    path_on_host: str, path_in_container: str, permissions: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One ``--device`` mapping: the nodes to create and the cgroup rules that allow them."""
    resolved = os.path.realpath(path_on_host) if os.path.islink(path_on_host) else path_on_host
    found: list[tuple[str, dict[str, Any]]] = []
    reason = "not a device node"
    try:
        device = device_from_path(resolved)
    except OSError as exc:
        device, reason = None, exc.strerror or str(exc)
    if device is not None:
        found.append((path_in_container, device))
    elif os.path.isdir(resolved):
        for dirpath, dirnames, filenames in os.walk(resolved):
            dirnames.sort()
            for name in sorted(filenames):
                child_path = os.path.join(dirpath, name)
                child = device_from_path(child_path)
                if child is not None:
                    found.append((child_path.replace(resolved, path_in_container, 1), child))
    if not found:
        raise errors.InvalidParameter(
            "error gathering device information while adding custom device "
            f'"{path_on_host}": {reason}'
        )
    nodes = [{**dev, "path": dest} for dest, dev in found]
    rules = [
        {
            "allow": True,
            "type": dev["type"],
            "major": dev["major"],
            "minor": dev["minor"],
            "access": permissions,
        }
        for _, dev in found
    ]
    return nodes, rules


def build_devices(
    *, host_config: Mapping[str, Any], privileged: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``(linux.devices, linux.resources.devices)`` as moby's ``WithDevices`` builds them."""
    nodes: list[dict[str, Any]] = []
    mappings = host_config.get("Devices") or ()
    if privileged:
        nodes = host_devices()
        for mapping in mappings:
            host = mapping["PathOnHost"]
            inside = mapping.get("PathInContainer") or host
            if inside != host:
                nodes += devices_from_path(host, inside, "rwm")[0]
        return nodes, [{"allow": True, "access": "rwm"}]
    rules = default_device_rules()
    for mapping in mappings:
        host = mapping["PathOnHost"]
        inside = mapping.get("PathInContainer") or host
        more_nodes, more_rules = devices_from_path(
            host, inside, mapping.get("CgroupPermissions") or "rwm"
        )
        nodes += more_nodes
        rules += more_rules
    rules += parse_device_cgroup_rules(host_config.get("DeviceCgroupRules") or ())
    return nodes, rules

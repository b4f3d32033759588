"""The ``mounts`` of a container's OCI spec: Docker's seven defaults plus the user's mounts.

Order and options follow moby (``DefaultLinuxSpec`` and ``WithMounts``): a user mount replaces
the default at the same destination (a user ``/dev`` replaces everything under it), ``/dev/shm``
takes its size from ``ShmSize``, user mounts are sorted parents-first, ``ReadonlyRootfs`` adds
``ro`` to the defaults that are not pseudo-filesystems, and ``Privileged`` makes /sys and the
cgroup mount writable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dockyard import errors

DEFAULT_SHM_SIZE = 64 * 1024 * 1024
# The per-container files the engine writes, in the order Docker mounts them.
ETC_FILES_ORDER = ("/etc/resolv.conf", "/etc/hostname", "/etc/hosts")
PROPAGATIONS = ("private", "rprivate", "shared", "rshared", "slave", "rslave")
_BIND_MODES = {"ro", "rw", "z", "Z", "nocopy", "consistent", "cached", "delegated", *PROPAGATIONS}
_NOT_MADE_READONLY = {"/proc", "/dev/pts", "/dev/shm", "/dev/mqueue", "/dev"}

# Mount flags that cancel each other (moby/sys/mount ``flags``): the last one given wins.
_FLAG_KEYS = {
    **dict.fromkeys(("ro", "rw"), "rdonly"),
    **dict.fromkeys(("nosuid", "suid"), "nosuid"),
    **dict.fromkeys(("nodev", "dev"), "nodev"),
    **dict.fromkeys(("noexec", "exec"), "noexec"),
    **dict.fromkeys(("sync", "async"), "sync"),
    **dict.fromkeys(("mand", "nomand"), "mand"),
    **dict.fromkeys(("atime", "noatime"), "noatime"),
    **dict.fromkeys(("diratime", "nodiratime"), "nodiratime"),
    **dict.fromkeys(("relatime", "norelatime"), "relatime"),
    **dict.fromkeys(("strictatime", "nostrictatime"), "strictatime"),
    **dict.fromkeys((*PROPAGATIONS, "unbindable", "runbindable"), "propagation"),
    "dirsync": "dirsync",
    "remount": "remount",
    "bind": "bind",
    "rbind": "rbind",
}
_TMPFS_DATA = {"size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol"}


def default_mounts() -> list[dict[str, Any]]:
    """moby ``DefaultLinuxSpec().Mounts`` (``/dev/shm`` gets its size later)."""

    def m(dest: str, typ: str, src: str, *opts: str) -> dict[str, Any]:
        return {"destination": dest, "type": typ, "source": src, "options": list(opts)}

    return [
        m("/proc", "proc", "proc", "nosuid", "noexec", "nodev"),
        m("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"),
        m(
            "/dev/pts",
            "devpts",
            "devpts",
            "nosuid",
            "noexec",
            "newinstance",
            "ptmxmode=0666",
            "mode=0620",
            "gid=5",
        ),
        m("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro"),
        m("/sys/fs/cgroup", "cgroup", "cgroup", "ro", "nosuid", "noexec", "nodev"),
        m("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"),
        m("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777"),
    ]


@dataclass(frozen=True)
class UserMount:
    """A mount the user (or the engine's /etc files) asked for, before ordering."""

    destination: str
    source: str
    type: str
    options: tuple[str, ...]

    def to_oci(self) -> dict[str, Any]:
        return {
            "destination": self.destination,
            "type": self.type,
            "source": self.source,
            "options": list(self.options),
        }


def merge_tmpfs_options(options: list[str]) -> list[str]:
    """moby ``MergeTmpfsOptions``: later flags and ``key=value`` data override earlier ones."""
    seen: set[str] = set()
    merged: list[str] = []
    for option in reversed(options):
        if option == "defaults":
            continue
        key = _FLAG_KEYS.get(option)
        if key is None:
            name, eq, _ = option.partition("=")
            if not eq or name not in _TMPFS_DATA:
                raise errors.InvalidParameter(f'invalid tmpfs option ["{option}"]')
            key = "data:" + name
        if key not in seen:
            seen.add(key)
            merged.insert(0, option)
    return merged


def _tmpfs(destination: str, data: str) -> UserMount:
    extra = [o for o in data.split(",") if o] if data else []
    options = merge_tmpfs_options(["noexec", "nosuid", "nodev", "rprivate", *extra])
    return UserMount(destination=destination, source="tmpfs", type="tmpfs", options=tuple(options))


def _bind(
    source: str, destination: str, *, writable: bool, propagation: str, recursive: bool = True
) -> UserMount:
    options = ["rbind" if recursive else "bind"]
    if not writable:
        options.append("ro")
    options.append(propagation or "rprivate")
    return UserMount(destination=destination, source=source, type="bind", options=tuple(options))


def _check_destination(spec: str, destination: str, kind: str) -> None:
    prefix = f"invalid volume specification: '{spec}': invalid mount config for type \"{kind}\""
    if not destination.startswith("/"):
        raise errors.InvalidParameter(
            f"{prefix}: invalid mount path: '{destination}' mount path must be absolute"
        )
    if os.path.normpath(destination) == "/":
        raise errors.InvalidParameter(f"{prefix}: invalid specification: destination can't be '/'")


def parse_bind(spec: str) -> UserMount:
    """One ``HostConfig.Binds`` entry, ``src:dst[:mode]``, as Docker mounts it."""
    parts = spec.split(":")
    if len(parts) not in (2, 3) or not all(parts[:2]):
        raise errors.InvalidParameter(f"invalid volume specification: '{spec}'")
    source, destination = parts[0], parts[1]
    modes = [m for m in parts[2].split(",") if m] if len(parts) == 3 else []
    if any(m not in _BIND_MODES for m in modes) or (len(parts) == 3 and not modes):
        raise errors.InvalidParameter(f"invalid mode: {parts[2]}")
    if not source.startswith("/"):
        raise errors.NotImplementedByEngine(
            f"invalid volume specification: '{spec}': named volumes are not supported"
        )
    _check_destination(spec, destination, "bind")
    propagation = next((m for m in modes if m in PROPAGATIONS), "rprivate")
    return _bind(source, destination, writable="ro" not in modes, propagation=propagation)


def _tmpfs_data(options: Mapping[str, Any] | None, read_only: bool) -> str:
    """moby ``ConvertTmpfsOptions``: the API's TmpfsOptions as mount data."""
    raw = ["ro"] if read_only else []
    opts = options or {}
    if opts.get("Mode"):
        raw.append(f"mode={int(opts['Mode']):o}")
    size = int(opts.get("SizeBytes") or 0)
    if size:
        for suffix, divisor in (("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10)):
            if size % divisor == 0:
                raw.append(f"size={size // divisor}{suffix}")
                break
        else:
            raw.append(f"size={size}")
    return ",".join(raw)


def parse_api_mount(mount: Mapping[str, Any]) -> UserMount:
    """One ``HostConfig.Mounts`` entry (types ``bind`` and ``tmpfs``)."""
    kind, source, target = mount.get("Type", ""), mount.get("Source", ""), mount.get("Target", "")
    spec = f"{source}:{target}"
    if kind == "tmpfs":
        _check_destination(spec, target, kind)
        return _tmpfs(target, _tmpfs_data(mount.get("TmpfsOptions"), bool(mount.get("ReadOnly"))))
    if kind == "bind":
        _check_destination(spec, target, kind)
        if not source.startswith("/"):
            raise errors.InvalidParameter(
                f"invalid mount config for type \"bind\": invalid mount path: '{source}' "
                "mount path must be absolute"
            )
        if not os.path.exists(source):
            raise errors.InvalidParameter(
                f'invalid mount config for type "bind": bind source path does not exist: {source}'
            )
        bind_options = mount.get("BindOptions") or {}
        return _bind(
            source,
            target,
            writable=not mount.get("ReadOnly"),
            propagation=bind_options.get("Propagation") or "rprivate",
            recursive=not bind_options.get("NonRecursive"),
        )
    if kind == "volume":
        raise errors.NotImplementedByEngine(
            f'invalid mount config for type "volume": volumes are not supported ({spec})'
        )
    raise errors.InvalidParameter(f'invalid mount config for type "{kind}": mount type unknown')


def create_missing_bind_sources(host_config: Mapping[str, Any]) -> list[Path]:
    """Create absent ``-v`` sources as directories, as dockerd does at start; returns them.

    Only ``Binds`` get this (``Mounts`` of type bind must exist). Separate from spec building
    so that building a spec has no side effects on the host.
    """
    created: list[Path] = []
    for spec in host_config.get("Binds") or ():
        source = Path(parse_bind(spec).source)
        if not source.exists():
            source.mkdir(mode=0o755, parents=True)
            created.append(source)
    return created


def _depth(destination: str) -> int:
    return len(os.path.normpath(destination).split("/"))


def _user_mounts(
    host_config: Mapping[str, Any], etc_files: Mapping[str, Path], ipc_mode: str
) -> list[UserMount]:
    binds = [parse_bind(b) for b in host_config.get("Binds") or ()]
    api = [parse_api_mount(m) for m in host_config.get("Mounts") or ()]
    binds += [m for m in api if m.type == "bind"]
    taken = {m.destination for m in binds} | {m.destination for m in api}
    taken |= set((host_config.get("Tmpfs") or {}).keys())
    writable = not host_config.get("ReadonlyRootfs")
    ordered = sorted(
        etc_files, key=lambda d: ETC_FILES_ORDER.index(d) if d in ETC_FILES_ORDER else 99
    )
    etc = [
        _bind(str(etc_files[d]), d, writable=writable, propagation="rprivate")
        for d in ordered
        if d not in taken
    ]
    ipc = [_bind("/dev/shm", "/dev/shm", writable=True, propagation="rprivate")]
    tmpfs = [_tmpfs(d, data or "") for d, data in (host_config.get("Tmpfs") or {}).items()]
    tmpfs += [m for m in api if m.type == "tmpfs"]
    mounts = binds + etc + (ipc if ipc_mode == "host" else []) + tmpfs
    return sorted(mounts, key=lambda m: _depth(m.destination))  # stable: parents first


def build_mounts(
    *,
    host_config: Mapping[str, Any],
    etc_files: Mapping[str, Path],
    privileged: bool,
    writable_cgroups: bool = False,
    init_mount: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Defaults (filtered and adjusted), the ``--init`` binary, then the user's mounts."""
    ipc_mode = host_config.get("IpcMode") or ""
    user = _user_mounts(host_config, etc_files, ipc_mode)
    user_dests = {m.destination for m in user}
    shm_size = int(host_config.get("ShmSize") or 0) or DEFAULT_SHM_SIZE
    mounts: list[dict[str, Any]] = []
    for m in default_mounts():
        dest = m["destination"]
        if dest in user_dests or ("/dev" in user_dests and dest.startswith("/dev/")):
            continue
        if dest == "/dev/shm":
            if ipc_mode == "none":
                continue
            m["options"].append(f"size={shm_size}")
        readonly = host_config.get("ReadonlyRootfs") and dest not in _NOT_MADE_READONLY
        if readonly and "ro" not in m["options"]:
            m["options"].append("ro")
        if (dest == "/sys" and privileged) or (
            m["type"] == "cgroup" and (privileged or writable_cgroups)
        ):
            m["options"] = [o for o in m["options"] if o != "ro"]
        mounts.append(m)
    if init_mount is not None:
        mounts.append(init_mount)
    return mounts + [m.to_oci() for m in user]

"""Linux capability sets for containers: Docker's 14 defaults, ``CapAdd``/``CapDrop``, privileged.

Docker validates capability names against the capabilities the kernel knows *and* the daemon
itself holds (a capability the daemon lacks cannot be granted), so the "all capabilities" set is
read from this process's ``CapEff``, falling back to every known name when it cannot be read.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from dockyard import errors

log = logging.getLogger(__name__)

# Index = capability number (linux/capability.h), up to CAP_CHECKPOINT_RESTORE (40).
KNOWN_CAPABILITIES: tuple[str, ...] = (
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
)

# moby daemon/pkg/oci/caps/defaults.go, in Docker's order.
DEFAULT_CAPABILITIES: tuple[str, ...] = (
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
)

ALL = "ALL"


def available_capabilities(status_path: Path = Path("/proc/self/status")) -> tuple[str, ...]:
    """Capabilities this process holds (``CapEff``), i.e. what a privileged container gets."""
    try:
        for line in status_path.read_text().splitlines():
            if line.startswith("CapEff:"):
                mask = int(line.split()[1], 16)
                return tuple(n for i, n in enumerate(KNOWN_CAPABILITIES) if mask >> i & 1)
    except (OSError, ValueError, IndexError) as exc:
        log.warning("cannot read capabilities from %s: %s", status_path, exc)
    return KNOWN_CAPABILITIES


def normalize_capabilities(names: Sequence[str], *, available: Sequence[str]) -> list[str]:
    """Upper-case, add the ``CAP_`` prefix, keep ``ALL``; reject what Docker rejects."""
    normalized: list[str] = []
    for raw in names:
        name = raw.upper()
        if name != ALL:
            if not name.startswith("CAP_"):
                name = "CAP_" + name
            if name not in KNOWN_CAPABILITIES:
                raise errors.InvalidParameter(f'unknown capability: "{name}"')
            if name not in available:
                raise errors.InvalidParameter(
                    "capability not supported by your kernel or not available in the current "
                    f'environment: "{name}"'
                )
        normalized.append(name)
    return normalized


def tweak_capabilities(
    *,
    cap_add: Sequence[str] | None,
    cap_drop: Sequence[str] | None,
    privileged: bool,
    available: Sequence[str] | None = None,
) -> list[str]:
    """The container's capability set, following moby's ``TweakCapabilities``.

    ``ALL`` in ``cap_add`` means every available capability minus ``cap_drop``; ``ALL`` in
    ``cap_drop`` means exactly ``cap_add``; otherwise the defaults minus drops plus adds.
    Duplicates are removed (Docker keeps them; runc ignores them, so nothing observable changes).
    """
    have = tuple(available) if available is not None else available_capabilities()
    if privileged:
        return list(have)
    adds, drops = list(cap_add or ()), list(cap_drop or ())
    if not adds and not drops:
        return list(DEFAULT_CAPABILITIES)
    drop = normalize_capabilities(drops, available=have)
    add = normalize_capabilities(adds, available=have)
    if ALL in add:
        caps = [c for c in have if c not in drop]
    elif ALL in drop:
        caps = add
    else:
        caps = [c for c in DEFAULT_CAPABILITIES if c not in drop] + add
    return list(dict.fromkeys(caps))

"""mount(2) and umount2(2) through libc, and the mount table, for the packages that own mounts.

The overlay rootfs (``images``) and the persistent network namespaces (``network``) both mount
and unmount paths the engine owns; calling the syscalls directly costs no helper process.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
from pathlib import Path

from dockyard.errors import RuntimeFailure

MS_BIND = 4096
MNT_DETACH = 2

_libc = ctypes.CDLL(None, use_errno=True)


def mount(source: str, target: Path, fstype: str, options: str = "", flags: int = 0) -> None:
    rc = _libc.mount(
        source.encode(), str(target).encode(), fstype.encode(), flags, options.encode()
    )
    if rc != 0:
        err = ctypes.get_errno()
        raise RuntimeFailure(f"mount {fstype or source} on {target}: {os.strerror(err)}")


def unmount(target: Path) -> None:
    """Unmount every mount stacked on ``target``; lazily when busy; no-op when not mounted."""
    path = str(target)
    for _ in range(8):  # a path can carry stacked mounts
        if path not in mount_points():
            return
        if _libc.umount2(path.encode(), 0) == 0:
            continue
        err = ctypes.get_errno()
        if err == errno.EINVAL:
            return
        if err != errno.EBUSY or _libc.umount2(path.encode(), MNT_DETACH) != 0:
            err = ctypes.get_errno()
            raise RuntimeFailure(f"unmount {path}: {os.strerror(err)}")
    if path in mount_points():
        raise RuntimeFailure(f"unmount {path}: still mounted")


def mount_points() -> set[str]:
    """Mount points of this mount namespace, unescaped (``\\040`` is a space)."""
    points = set()
    with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as info:
        for line in info:
            fields = line.split(" ", 5)
            if len(fields) > 4:
                points.add(re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4]))
    return points

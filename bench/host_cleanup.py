"""Removing what a benchmark run left on the host, found only through paths the run created.

A crash or a failed ``rm -f`` can leave containers, shims, mounts and cgroup dirs behind. Every
pid killed here is found through one of our cgroups or through a shim serving a socket under our
root, never by process name; every cgroup removed carries the ``dockyard`` prefix.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("bench")

CGROUP_ROOT = Path("/sys/fs/cgroup")
# containerd 1.6 shims listen on /run/containerd/s/<sha256(address/namespace/id)>, whatever
# the address; a shim killed with SIGKILL leaves that socket file behind.
SHIM_SOCKET_DIR = Path("/run/containerd/s")


@dataclass(frozen=True)
class LeftoverShim:
    pid: int
    address: str
    namespace: str
    container_id: str

    def socket_path(self) -> Path:
        key = f"{self.address}/{self.namespace}/{self.container_id}"
        return SHIM_SOCKET_DIR / hashlib.sha256(key.encode()).hexdigest()


def _flag(argv: list[str], name: str) -> str:
    with contextlib.suppress(ValueError, IndexError):
        return argv[argv.index(name) + 1]
    return ""


def shims_under(root: Path) -> list[LeftoverShim]:
    """Shim processes whose ``-address`` lies under ``root``."""
    prefix = str(root) + "/"
    shims = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if not argv or "containerd-shim" not in Path(argv[0]).name:
            continue
        address = _flag(argv, "-address")
        if address.startswith(prefix):
            shims.append(
                LeftoverShim(
                    pid=int(entry.name),
                    address=address,
                    namespace=_flag(argv, "-namespace"),
                    container_id=_flag(argv, "-id"),
                )
            )
    return shims


def cgroup_pids(cgroup_parents: Sequence[str]) -> set[int]:
    """Every pid in any cgroup below our parents, in any hierarchy."""
    pids: set[int] = set()
    for parent in cgroup_parents:
        for hierarchy in CGROUP_ROOT.iterdir():
            for procs in (hierarchy / parent).glob("**/cgroup.procs"):
                with contextlib.suppress(OSError, ValueError):
                    pids.update(int(p) for p in procs.read_text().split())
    return pids


def kill_leftovers(root: Path, cgroup_parents: Sequence[str]) -> None:
    """SIGKILL container processes in our cgroups and shims serving our root; drop their sockets.

    Only called after the daemons stopped, so anything still there is a leak.
    """
    shims = shims_under(root)
    pids = cgroup_pids(cgroup_parents) | {shim.pid for shim in shims}
    for pid in sorted(pids):
        log.warning("killing leftover pid %d of %s", pid, root)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    if pids:
        time.sleep(0.5)
    for shim in shims:
        with contextlib.suppress(FileNotFoundError):
            shim.socket_path().unlink()


def unmount_under(root: Path) -> None:
    """Lazily unmount everything mounted below ``root``, deepest first."""
    prefix = str(root) + "/"
    with open("/proc/self/mountinfo") as f:
        mounts = [line.split()[4] for line in f if line.split()[4].startswith(prefix)]
    for mountpoint in sorted(set(mounts), key=len, reverse=True):
        subprocess.run(["umount", "-l", mountpoint], capture_output=True, check=False)


def remove_cgroup_tree(parent: str) -> None:
    """rmdir ``parent`` and its children in every hierarchy; only empty cgroups go away."""
    if not parent.startswith("dockyard"):
        raise ValueError(f"refusing to remove cgroup {parent!r}: not ours")
    for hierarchy in CGROUP_ROOT.iterdir():
        top = hierarchy / parent
        if not top.is_dir() or top.is_symlink():
            continue
        for child in sorted(top.glob("**/"), key=lambda p: len(p.parts), reverse=True):
            with contextlib.suppress(OSError):
                child.rmdir()

"""A busybox root filesystem tarball built from the host's static busybox.

The quick start and the tests ``docker import`` it as ``busybox:latest``, so the engine needs no
registry. The tar is deterministic (fixed owners and mtimes, sorted applets), so importing it
twice yields the same layer diff_id.

    python -m dockyard.images.busybox OUT.tar [BUSYBOX]
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
from pathlib import Path

PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
GROUP = "root:x:0:\nnobody:x:65534:\n"
_DIRS = [("bin", 0o755), ("dev", 0o755), ("etc", 0o755), ("proc", 0o555), ("root", 0o700)]
_DIRS += [("sys", 0o555), ("tmp", 0o1777)]


def applets(busybox: Path) -> list[str]:
    """The applet names the binary offers (``busybox --list``)."""
    out = subprocess.run([str(busybox), "--list"], check=True, capture_output=True, text=True)
    return sorted({name for name in out.stdout.split() if name and "/" not in name})


def busybox_rootfs_tar(dest: Path, busybox: Path = Path("/bin/busybox")) -> Path:
    """Write the rootfs tarball to ``dest`` and return ``dest``."""
    mtime = int(busybox.stat().st_mtime)
    with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as tar:
        for name, mode in _DIRS:
            tar.addfile(_info(name, tarfile.DIRTYPE, mode, mtime))
        with open(busybox, "rb") as binary:
            info = _info("bin/busybox", tarfile.REGTYPE, 0o755, mtime)
            info.size = busybox.stat().st_size
            tar.addfile(info, binary)
        for applet in applets(busybox):
            if applet == "busybox":
                continue
            link = _info(f"bin/{applet}", tarfile.SYMTYPE, 0o777, mtime)
            link.linkname = "busybox"
            tar.addfile(link)
        for name, text in (("etc/passwd", PASSWD), ("etc/group", GROUP)):
            data = text.encode()
            info = _info(name, tarfile.REGTYPE, 0o644, mtime)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return dest


def _info(name: str, kind: bytes, mode: int, mtime: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.mtime = kind, mode, mtime
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2):
        sys.stderr.write("usage: python -m dockyard.images.busybox OUT.tar [BUSYBOX]\n")
        return 2
    busybox = Path(args[1]) if len(args) == 2 else Path("/bin/busybox")
    busybox_rootfs_tar(Path(args[0]), busybox)
    return 0


if __name__ == "__main__":
    sys.exit(main())

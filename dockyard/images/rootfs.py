"""Container root filesystems: one overlayfs per container over its image's layers.

``<root>/<container id>/`` holds ``upper`` (the container's writes), ``work`` (overlayfs
scratch) and ``merged`` (the mount point handed to the runtime as the bundle's rootfs). The
layers are shared, read-only lower directories, top first in ``lowerdir`` as overlayfs wants.
Whiteouts and opaque directories inside the layers were already written in overlay form by the
unpacker, so overlayfs hides what upper layers deleted.

Mounting uses the ``mount(2)`` syscall directly (no helper process). ``mount`` is idempotent
and ``unmount`` falls back to a lazy detach when the mount is busy, so the engine's restore can
call either without knowing the state first.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from dockyard._internal.mounts import mount, mount_points, unmount
from dockyard.errors import InvalidParameter, RuntimeFailure

_MOUNT_OPTIONS_MAX = 4000  # the kernel takes one page of options
_CONTAINER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_OVERLAY_INDEX_PARAM = Path("/sys/module/overlay/parameters/index")


class RootfsManager:
    def __init__(self, *, root: Path) -> None:
        root.mkdir(parents=True, exist_ok=True, mode=0o710)
        self._root = root.resolve()

    def mount(self, container_id: str, layer_dirs: Sequence[Path]) -> Path:
        """Mount (if not yet mounted) the container's overlay; return the merged directory."""
        base, upper, work, merged = self._dirs(container_id)
        if self.is_mounted(container_id):
            return merged
        base.mkdir(mode=0o710, exist_ok=True)
        lowers = [Path(p) for p in layer_dirs]
        if not lowers:
            empty = base / "empty"
            empty.mkdir(mode=0o755, exist_ok=True)
            lowers = [empty]
        if not upper.exists():
            upper.mkdir(mode=0o755)
            _copy_root_attributes(lowers[-1], upper)
        work.mkdir(mode=0o700, exist_ok=True)
        merged.mkdir(mode=0o755, exist_ok=True)
        for path in [*lowers, upper, work]:
            if "," in str(path) or ":" in str(path):
                raise InvalidParameter(f"overlay path {path} contains ',' or ':'")
        options = (
            f"lowerdir={':'.join(str(p) for p in reversed(lowers))},upperdir={upper},workdir={work}"
        )
        if _OVERLAY_INDEX_PARAM.exists():
            options += ",index=off"
        if len(options) > _MOUNT_OPTIONS_MAX:
            raise RuntimeFailure(f"too many layers to mount for container {container_id}")
        mount("overlay", merged, "overlay", options)
        return merged

    def unmount(self, container_id: str) -> None:
        """Unmount the container's rootfs; no-op when it is not mounted."""
        unmount(self._dirs(container_id)[3])

    def remove(self, container_id: str) -> None:
        """Unmount and delete everything the container wrote."""
        base = self._dirs(container_id)[0]
        self.unmount(container_id)
        shutil.rmtree(base, ignore_errors=True)
        if base.exists():
            raise RuntimeFailure(f"cannot remove container rootfs {base}")

    def is_mounted(self, container_id: str) -> bool:
        merged = str(self._dirs(container_id)[3])
        return merged in mount_points()

    def _dirs(self, container_id: str) -> tuple[Path, Path, Path, Path]:
        if _CONTAINER_ID.fullmatch(container_id) is None:
            raise InvalidParameter(f"invalid container id {container_id!r}")
        base = self._root / container_id
        return base, base / "upper", base / "work", base / "merged"


def _copy_root_attributes(layer: Path, upper: Path) -> None:
    """The container's ``/`` shows the upper dir's owner and mode; take the image's."""
    st = os.stat(layer)
    os.chown(upper, st.st_uid, st.st_gid)
    os.chmod(upper, st.st_mode & 0o7777)

"""Layers on disk: each one once, by diff_id, unpacked for overlayfs and kept as its tar.

``<root>/<hex>/diff`` is the unpacked directory a container's overlay uses as a lowerdir;
``<root>/<hex>/layer.tar`` is the exact uncompressed tar whose sha256 is the diff_id, kept so
``docker save`` reproduces the same diff_ids (and so the same image ID) byte for byte.

A layer is built in a staging directory the caller owns (under ``<images>/tmp``), then moved
into place with one ``rename``: a crash leaves either nothing or a complete layer, and the
image store's start-up sweep removes complete layers no record points to.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from dockyard.errors import InvalidParameter
from dockyard.images.compression import decompressed
from dockyard.images.unpack import unpack_layer

_CHUNK = 1 << 20


@dataclass(frozen=True)
class StagedLayer:
    """A layer ready to move into the store, or (``path`` None) one already there."""

    diff_id: str  # "sha256:<hex>"
    path: Path | None  # staging dir holding diff/ and layer.tar
    size: int  # bytes of regular-file content; -1 when the layer was already stored


class LayerStore:
    def __init__(self, *, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def dir_for(self, diff_id: str) -> Path:
        """The unpacked directory of a stored layer (an overlay lowerdir)."""
        return self.root / _hex(diff_id) / "diff"

    def tar_for(self, diff_id: str) -> Path:
        return self.root / _hex(diff_id) / "layer.tar"

    def exists(self, diff_id: str) -> bool:
        return (self.root / _hex(diff_id)).is_dir()

    def stored_ids(self) -> set[str]:
        return {"sha256:" + p.name for p in self.root.iterdir() if p.is_dir()}

    def stage(self, raw: IO[bytes], workdir: Path, *, expect: str | None = None) -> StagedLayer:
        """Decompress, hash and (if new) unpack one layer under ``workdir``. Blocking.

        ``expect`` is the diff_id an archive promised; a mismatch is refused as Docker does.
        """
        workdir.mkdir(parents=True)
        tar_path = workdir / "layer.tar"
        digest = hashlib.sha256()
        with decompressed(raw) as src, open(tar_path, "wb") as out:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
        diff_id = "sha256:" + digest.hexdigest()
        if expect is not None and expect != diff_id:
            raise InvalidParameter(
                f"invalid diffID for layer: expected {expect!r}, got {diff_id!r}"
            )
        if self.exists(diff_id):
            shutil.rmtree(workdir)
            return StagedLayer(diff_id=diff_id, path=None, size=-1)
        diff = workdir / "diff"
        diff.mkdir(mode=0o755)
        with open(tar_path, "rb") as src_tar:
            size = unpack_layer(src_tar, diff)
        return StagedLayer(diff_id=diff_id, path=workdir, size=size)

    def commit(self, staged: StagedLayer) -> bool:
        """Move a staged layer into place; ``False`` when it is already stored."""
        if staged.path is None:
            return False
        target = self.root / _hex(staged.diff_id)
        try:
            os.rename(staged.path, target)
        except OSError:
            if target.is_dir():  # another import stored the same layer meanwhile
                shutil.rmtree(staged.path)
                return False
            raise
        return True

    def remove(self, diff_id: str) -> None:
        shutil.rmtree(self.root / _hex(diff_id), ignore_errors=True)


def _hex(diff_id: str) -> str:
    algo, _, hexpart = diff_id.partition(":")
    if algo != "sha256" or len(hexpart) != 64 or hexpart.strip("0123456789abcdef"):
        raise InvalidParameter(f"invalid layer digest {diff_id!r}")
    return hexpart

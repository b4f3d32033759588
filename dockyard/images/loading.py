"""The blocking half of ``docker load``: read the archive and stage every new layer.

Runs in a worker thread inside the load's scratch directory. Layers already in the store are
not read at all (as Docker skips a layer whose chain it has); each new layer is decompressed,
hashed against the diff_id the config promises (and, for OCI blobs, against the blob digest),
and unpacked. Nothing here touches the store; the image store commits the result.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import shutil
import tarfile
from pathlib import Path
from typing import IO, Any

from dockyard.errors import InvalidParameter
from dockyard.images.archive_load import ArchiveReader, LayerSource, LoadItem, read_archive
from dockyard.images.compression import decompressed
from dockyard.images.image_config import parse_config
from dockyard.images.layers import LayerStore, StagedLayer


class _HashingReader(io.RawIOBase):
    """Reads through to ``raw`` while hashing, to check an OCI blob's digest."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._raw = raw
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        self.digest.update(data)
        buffer[: len(data)] = data
        return len(data)


def prepare_load(
    body: Path, scratch: Path, layers: LayerStore
) -> tuple[list[LoadItem], list[StagedLayer]]:
    """Parse the archive at ``body`` and stage its new layers under ``scratch``."""
    archive_path = _uncompressed(body, scratch)
    staged: dict[str, StagedLayer] = {}
    legacy: dict[str, str] = {}
    counter = itertools.count()

    with _open_archive(archive_path) as archive:
        reader = ArchiveReader(archive)

        def stage(source: LayerSource, expect: str | None) -> StagedLayer:
            workdir = scratch / f"layer-{next(counter)}"
            with reader.open(source.member) as raw:
                if source.blob_digest is None:
                    return layers.stage(raw, workdir, expect=expect)
                hashing = _HashingReader(raw)
                buffered = io.BufferedReader(hashing)
                layer = layers.stage(buffered, workdir, expect=expect)
                while buffered.read(1 << 20):
                    pass
                if "sha256:" + hashing.digest.hexdigest() != source.blob_digest:
                    raise InvalidParameter(f"blob {source.blob_digest} does not match its digest")
                return layer

        def legacy_diff_id(member: str) -> str:
            if member not in legacy:
                layer = stage(LayerSource(member), None)
                legacy[member] = layer.diff_id
                if layer.path is not None:
                    staged.setdefault(layer.diff_id, layer)
            return legacy[member]

        items = read_archive(reader, legacy_diff_id=legacy_diff_id)
        for item in items:
            diff_ids = parse_config(item.config)["rootfs"].get("diff_ids") or []
            for source, diff_id in zip(item.layers, diff_ids, strict=True):
                if diff_id in staged or layers.exists(diff_id):
                    continue
                staged[diff_id] = stage(source, diff_id)
    return items, list(staged.values())


def _open_archive(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:")  # noqa: SIM115 - the caller's ``with`` closes it
    except tarfile.TarError as exc:
        raise InvalidParameter(f"invalid archive: {exc}") from exc


def _uncompressed(body: Path, scratch: Path) -> Path:
    """``docker load`` accepts a compressed archive; give tarfile a plain seekable one."""
    with open(body, "rb") as raw, decompressed(raw) as src:
        if src is raw:
            return body
        target = scratch / "archive.tar"
        with open(target, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
    body.unlink()
    return target

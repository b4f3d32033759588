"""Builders for the small tarballs the image tests feed the engine (no tests of its own).

Every archive is made in memory with ``tarfile`` so a test states exactly which members it
sends: the hostile ones included.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import tarfile
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    name: str
    kind: bytes = tarfile.REGTYPE
    data: bytes = b""
    linkname: str = ""
    mode: int = 0o644
    uid: int = 0
    gid: int = 0
    mtime: int = 1_700_000_000
    xattrs: dict[str, str] = field(default_factory=dict)


def file(name: str, data: bytes = b"", **kw: object) -> Entry:
    return Entry(name, tarfile.REGTYPE, data, **kw)  # type: ignore[arg-type]


def directory(name: str, **kw: object) -> Entry:
    kw.setdefault("mode", 0o755)
    return Entry(name, tarfile.DIRTYPE, **kw)  # type: ignore[arg-type]


def symlink(name: str, target: str) -> Entry:
    return Entry(name, tarfile.SYMTYPE, linkname=target, mode=0o777)


def hardlink(name: str, target: str) -> Entry:
    return Entry(name, tarfile.LNKTYPE, linkname=target)


def make_tar(entries: list[Entry]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for entry in entries:
            info = tarfile.TarInfo(entry.name)
            info.type, info.mode, info.mtime = entry.kind, entry.mode, entry.mtime
            info.uid, info.gid, info.linkname = entry.uid, entry.gid, entry.linkname
            info.size = len(entry.data)
            if entry.xattrs:
                info.pax_headers = {f"SCHILY.xattr.{k}": v for k, v in entry.xattrs.items()}
            tar.addfile(info, io.BytesIO(entry.data) if entry.kind == tarfile.REGTYPE else None)
    return out.getvalue()


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def image_config(diff_ids: list[str], **config: object) -> bytes:
    return json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "created": "2024-01-02T03:04:05.123456789Z",
            "config": {"Cmd": ["sh"], **config},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        },
        separators=(",", ":"),
    ).encode()


def docker_archive(layers: list[bytes], tags: list[str], **config: object) -> tuple[bytes, str]:
    """A dockerd-20.10-style ``docker save`` (``<id>/layer.tar``); returns (tar, image id)."""
    cfg = image_config([sha256(layer) for layer in layers], **config)
    entries: list[Entry] = []
    layer_paths = []
    for i, layer in enumerate(layers):
        layer_id = f"{i:064x}"
        entries += [directory(layer_id), file(f"{layer_id}/layer.tar", layer)]
        layer_paths.append(f"{layer_id}/layer.tar")
    config_name = sha256(cfg).split(":")[1] + ".json"
    manifest = [{"Config": config_name, "RepoTags": tags, "Layers": layer_paths}]
    entries += [file(config_name, cfg), file("manifest.json", json.dumps(manifest).encode())]
    return make_tar(entries), sha256(cfg)


async def chunks(data: bytes, size: int = 4096) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


@contextmanager
def dy_scratch() -> Iterator[Path]:
    """A ``/tmp/dy-test-*`` directory, removed afterwards (house rule: host objects are dy-)."""
    path = Path(tempfile.mkdtemp(prefix="dy-test-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)

"""Write what ``docker save`` writes since Docker 25: a docker-archive that is also an OCI layout.

    blobs/sha256/<config>    the config bytes, unchanged (their digest is the image ID)
    blobs/sha256/<diff_id>   each layer's uncompressed tar, once
    blobs/sha256/<manifest>  an OCI image manifest per image
    index.json, oci-layout   the OCI layout entry points, tags as annotations
    manifest.json            [{"Config", "RepoTags", "Layers"}]: what ``docker load`` reads
    repositories             the legacy {name: {tag: id}} map

``docker load`` of dockerd 20.10 reads manifest.json and follows its paths, so it loads this
as well as the older ``<id>/layer.tar`` form. The writer is blocking; ``thread_stream`` runs it.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from dockyard.images.archive_load import ANNOTATION_IMAGE_NAME, ANNOTATION_REF_NAME
from dockyard.images.image_config import go_json
from dockyard.images.reference import parse_normalized

MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_LAYER = "application/vnd.oci.image.layer.v1.tar"


@dataclass(frozen=True)
class SaveImage:
    id: str  # "sha256:<hex>" of config
    config: bytes
    diff_ids: tuple[str, ...]
    layer_tars: tuple[Path, ...]
    tags: tuple[str, ...]  # familiar "name:tag" to record for this image
    mtime: float  # the image's creation time, used for every member


def write_archive(images: list[SaveImage], out: IO[bytes]) -> None:
    """Write the archive for ``images`` to ``out`` as a tar stream."""
    writer = _Writer(out)
    manifest: list[dict[str, Any]] = []
    index: list[dict[str, Any]] = []
    repositories: dict[str, dict[str, str]] = {}
    writer.directory("blobs/")
    writer.directory("blobs/sha256/")
    for image in images:
        writer.blob(image.config, image.mtime)
        layer_descs = []
        for diff_id, tar_path in zip(image.diff_ids, image.layer_tars, strict=True):
            size = writer.layer(diff_id, tar_path, image.mtime)
            layer_descs.append({"mediaType": MEDIA_LAYER, "digest": diff_id, "size": size})
        oci_manifest = go_json(
            {
                "schemaVersion": 2,
                "mediaType": MEDIA_MANIFEST,
                "config": {
                    "mediaType": MEDIA_CONFIG,
                    "digest": image.id,
                    "size": len(image.config),
                },
                "layers": layer_descs,
            }
        )
        manifest_digest = writer.blob(oci_manifest, 0)
        descriptor = {
            "mediaType": MEDIA_MANIFEST,
            "digest": manifest_digest,
            "size": len(oci_manifest),
        }
        for tag in image.tags:
            ref = parse_normalized(tag)
            index.append(
                descriptor
                | {
                    "annotations": {
                        ANNOTATION_IMAGE_NAME: f"{ref.name}:{ref.tag}",
                        ANNOTATION_REF_NAME: str(ref.tag),
                    }
                }
            )
            top_layer = image.diff_ids[-1].split(":")[1]
            repositories.setdefault(ref.familiar_name, {})[str(ref.tag)] = top_layer
        if not image.tags:
            index.append(descriptor)
        manifest.append(
            {
                "Config": _blob_name(image.id),
                "RepoTags": list(image.tags) or None,
                "Layers": [_blob_name(d) for d in image.diff_ids],
            }
        )
    writer.file(
        "index.json", go_json({"schemaVersion": 2, "mediaType": MEDIA_INDEX, "manifests": index}), 0
    )
    writer.file("manifest.json", go_json(manifest) + b"\n", 0)
    writer.file("oci-layout", b'{"imageLayoutVersion": "1.0.0"}', 0)
    if repositories:
        writer.file("repositories", go_json(repositories) + b"\n", 0)
    writer.close()


def _blob_name(digest: str) -> str:
    return "blobs/sha256/" + digest.split(":", 1)[1]


class _Writer:
    def __init__(self, out: IO[bytes]) -> None:
        self._tar = tarfile.open(  # noqa: SIM115 - closed by close()
            fileobj=out, mode="w|", format=tarfile.PAX_FORMAT
        )
        self._written: set[str] = set()

    def directory(self, name: str) -> None:
        info = tarfile.TarInfo(name.rstrip("/"))
        info.type, info.mode = tarfile.DIRTYPE, 0o755
        self._tar.addfile(info)

    def file(self, name: str, data: bytes, mtime: float) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), 0o644, mtime
        self._tar.addfile(info, io.BytesIO(data))

    def blob(self, data: bytes, mtime: float) -> str:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        if digest not in self._written:
            self._written.add(digest)
            self.file(_blob_name(digest), data, mtime)
        return digest

    def layer(self, diff_id: str, path: Path, mtime: float) -> int:
        size = path.stat().st_size
        if diff_id not in self._written:
            self._written.add(diff_id)
            info = tarfile.TarInfo(_blob_name(diff_id))
            info.size, info.mode, info.mtime = size, 0o644, mtime
            with open(path, "rb") as src:
                self._tar.addfile(info, src)
        return size

    def close(self) -> None:
        self._tar.close()

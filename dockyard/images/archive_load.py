"""Read what ``docker load`` accepts: a docker-archive, an OCI image layout, or a legacy v1 tar.

The reader turns an archive into ``LoadItem`` records (config bytes, which archive members hold
the layers, which tags to set) and touches nothing in the store; the image store stages the
layers and commits everything at once, so a bad archive leaves no trace.

* docker-archive: ``manifest.json`` = ``[{"Config", "RepoTags", "Layers"}]``; paths are
  relative and may be symlinks inside the archive (``docker save`` links repeated layers), which
  are followed only within the archive, like Docker's ``FollowSymlinkInScope``.
* OCI layout: ``oci-layout`` + ``index.json`` -> manifest (or an index, narrowed to
  linux/<host arch>) -> config and layer blobs under ``blobs/sha256``. Names come from the
  ``io.containerd.image.name`` annotation, or from ``org.opencontainers.image.ref.name`` when
  that holds a full reference. Blob digests are verified.
* legacy: ``repositories`` + ``<v1id>/json`` + ``<v1id>/layer.tar``, parent-linked; one image
  per tag (intermediate v1 images are not recreated).

When ``manifest.json`` is present it wins, as in Docker (Docker 25+ saves both forms).
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any

from dockyard.errors import InvalidParameter
from dockyard.images.image_config import (
    config_from_v1,
    history_from_v1,
    host_architecture,
    parse_config,
)
from dockyard.images.reference import parse_normalized

_MAX_JSON = 64 << 20
_MAX_LINK_HOPS = 40
_INDEX_TYPES = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}
ANNOTATION_IMAGE_NAME = "io.containerd.image.name"
ANNOTATION_REF_NAME = "org.opencontainers.image.ref.name"


@dataclass(frozen=True)
class LayerSource:
    member: str  # archive path of the (possibly compressed) layer tar
    blob_digest: str | None = None  # OCI: digest the raw blob must have


@dataclass(frozen=True)
class LoadItem:
    config: bytes
    layers: tuple[LayerSource, ...]  # aligned with the config's rootfs.diff_ids
    tags: tuple[str, ...]  # familiar "name:tag"


class ArchiveReader:
    """Random access to the members of an uncompressed, seekable tar."""

    def __init__(self, archive: tarfile.TarFile) -> None:
        self._archive = archive
        self._members: dict[str, tarfile.TarInfo] = {}
        for member in archive.getmembers():
            self._members["/".join(_in_scope(member.name))] = member

    def exists(self, name: str) -> bool:
        try:
            self._regular(name)
        except InvalidParameter:
            return False
        return True

    def read(self, name: str) -> bytes:
        member = self._regular(name)
        if member.size > _MAX_JSON:
            raise InvalidParameter(f"invalid archive: {name} is too large")
        return self.open(name).read()

    def read_json(self, name: str) -> Any:
        try:
            return json.loads(self.read(name))
        except ValueError as exc:
            raise InvalidParameter(f"invalid archive: failed to decode {name}: {exc}") from exc

    def open(self, name: str) -> IO[bytes]:
        handle = self._archive.extractfile(self._regular(name))
        if handle is None:
            raise InvalidParameter(f"invalid archive: {name} is not a file")
        return handle

    def _regular(self, name: str) -> tarfile.TarInfo:
        parts = self._resolve(_in_scope(name))
        member = self._members.get("/".join(parts))
        if member is None or not member.isreg():
            raise InvalidParameter(f"invalid archive: does not contain {name}")
        return member

    def _resolve(self, parts: list[str]) -> list[str]:
        """Follow symlink members, clamped to the archive root; never leave it."""
        resolved: list[str] = []
        pending = list(parts)
        hops = 0
        while pending:
            comp = pending.pop(0)
            if comp in ("", "."):
                continue
            if comp == "..":
                if resolved:
                    resolved.pop()
                continue
            member = self._members.get("/".join(resolved + [comp]))
            if member is not None and member.issym():
                hops += 1
                if hops > _MAX_LINK_HOPS:
                    raise InvalidParameter("invalid archive: too many levels of symbolic links")
                if member.linkname.startswith("/"):
                    resolved = []
                pending = member.linkname.split("/") + pending
            else:
                resolved.append(comp)
        return resolved


def _in_scope(name: str) -> list[str]:
    """Components of an archive path with ``..`` clamped at the archive root (never out)."""
    parts: list[str] = []
    for comp in name.split("/"):
        if comp == "..":
            if parts:
                parts.pop()
        elif comp not in ("", "."):
            parts.append(comp)
    return parts


def read_archive(reader: ArchiveReader, *, legacy_diff_id: Callable[[str], str]) -> list[LoadItem]:
    """Every image in the archive. ``legacy_diff_id`` stages a legacy layer, returns its id."""
    if reader.exists("manifest.json"):
        return read_docker_archive(reader)
    if reader.exists("index.json") and reader.exists("oci-layout"):
        return read_oci_layout(reader)
    if reader.exists("repositories"):
        return read_legacy(reader, legacy_diff_id)
    raise InvalidParameter("invalid archive: does not contain a manifest.json")


def read_docker_archive(reader: ArchiveReader) -> list[LoadItem]:
    manifest = reader.read_json("manifest.json")
    if manifest is None:
        raise InvalidParameter("invalid manifest, manifest cannot be null (but can be [])")
    if not isinstance(manifest, list):
        raise InvalidParameter("invalid archive: failed to decode manifest.json")
    items = []
    for entry in manifest:
        config = reader.read(str(entry.get("Config", "")))
        diff_ids = parse_config(config)["rootfs"].get("diff_ids") or []
        layers = entry.get("Layers") or []
        if len(layers) != len(diff_ids):
            raise InvalidParameter(
                f"invalid manifest, layers length mismatch: expected {len(layers)}, "
                f"got {len(diff_ids)}"
            )
        tags = tuple(_tag(t) for t in entry.get("RepoTags") or [])
        items.append(
            LoadItem(config=config, layers=tuple(LayerSource(str(x)) for x in layers), tags=tags)
        )
    return items


def read_oci_layout(reader: ArchiveReader) -> list[LoadItem]:
    layout = reader.read_json("oci-layout")
    if not isinstance(layout, dict) or "imageLayoutVersion" not in layout:
        raise InvalidParameter("invalid OCI layout: bad oci-layout file")
    index = reader.read_json("index.json")
    by_config: dict[bytes, LoadItem] = {}
    for desc in index.get("manifests") or []:
        manifest = _select_manifest(reader, desc)
        if manifest is None:
            continue
        config = _read_blob(reader, manifest.get("config") or {})
        diff_ids = parse_config(config)["rootfs"].get("diff_ids") or []
        layer_descs = manifest.get("layers") or []
        if len(layer_descs) != len(diff_ids):
            raise InvalidParameter(
                f"invalid manifest, layers length mismatch: expected {len(layer_descs)}, "
                f"got {len(diff_ids)}"
            )
        layers = tuple(
            LayerSource(_blob_path(d.get("digest", "")), blob_digest=d.get("digest"))
            for d in layer_descs
        )
        tags = _names_from_annotations(desc.get("annotations") or {})
        previous = by_config.get(config)
        if previous is not None:
            tags = previous.tags + tuple(t for t in tags if t not in previous.tags)
        by_config[config] = LoadItem(config=config, layers=layers, tags=tags)
    if not by_config:
        raise InvalidParameter(
            f"no matching manifest for linux/{host_architecture()} in index.json"
        )
    return list(by_config.values())


def read_legacy(reader: ArchiveReader, legacy_diff_id: Callable[[str], str]) -> list[LoadItem]:
    repositories = reader.read_json("repositories")
    if not isinstance(repositories, dict):
        raise InvalidParameter("invalid archive: failed to decode repositories")
    items: dict[str, LoadItem] = {}
    for name, tag_map in repositories.items():
        for tag, top in (tag_map or {}).items():
            familiar = _tag(f"{name}:{tag}")
            if top in items:
                old = items[top]
                items[top] = LoadItem(
                    config=old.config, layers=old.layers, tags=(*old.tags, familiar)
                )
                continue
            chain = _legacy_chain(reader, top)
            diff_ids = [legacy_diff_id(f"{v1id}/layer.tar") for v1id in chain]
            history = [history_from_v1(reader.read(f"{v1id}/json")) for v1id in chain]
            config = config_from_v1(reader.read(f"{top}/json"), diff_ids, history)
            layers = tuple(LayerSource(f"{v1id}/layer.tar") for v1id in chain)
            items[top] = LoadItem(config=config, layers=layers, tags=(familiar,))
    return list(items.values())


def _legacy_chain(reader: ArchiveReader, top: str) -> list[str]:
    chain: list[str] = []
    current: str | None = top
    while current:
        if current in chain or len(chain) > 127:
            raise InvalidParameter("invalid archive: legacy parent chain loops")
        if "/" in current or current in (".", ".."):
            raise InvalidParameter(f"invalid archive: bad legacy image id {current!r}")
        chain.append(current)
        v1 = json.loads(reader.read(f"{current}/json"))
        current = v1.get("parent") or None
    chain.reverse()
    return chain


def _tag(text: str) -> str:
    ref = parse_normalized(text)
    if ref.tag is None or ref.digest is not None:
        raise InvalidParameter(f'invalid tag "{text}"')
    return ref.familiar()


def _names_from_annotations(annotations: dict[str, str]) -> tuple[str, ...]:
    candidate = annotations.get(ANNOTATION_IMAGE_NAME)
    if candidate is None:
        ref_name = annotations.get(ANNOTATION_REF_NAME, "")
        candidate = ref_name if (":" in ref_name or "/" in ref_name) else None
    if not candidate:
        return ()
    try:
        ref = parse_normalized(candidate).with_default_tag()
    except InvalidParameter:
        return ()
    if ref.tag is None or ref.digest is not None:
        return ()
    return (ref.familiar(),)


def _select_manifest(reader: ArchiveReader, desc: dict[str, Any]) -> dict[str, Any] | None:
    """The image manifest a descriptor names, narrowing indexes to linux/<host arch>."""
    for _ in range(8):
        document = json.loads(_read_blob(reader, desc))
        media_type = desc.get("mediaType") or document.get("mediaType", "")
        if media_type not in _INDEX_TYPES and "manifests" not in document:
            return document if isinstance(document, dict) else None
        chosen = _pick_platform(document.get("manifests") or [])
        if chosen is None:
            return None
        desc = chosen
    raise InvalidParameter("invalid OCI layout: indexes nested too deep")


def _pick_platform(manifests: list[dict[str, Any]]) -> dict[str, Any] | None:
    arch = host_architecture()
    fallback = None
    for desc in manifests:
        plat = desc.get("platform")
        if plat is None:
            fallback = fallback or desc
            continue
        if plat.get("os") != "linux":
            continue
        if plat.get("architecture") == arch:
            return desc
    return fallback


def _blob_path(digest: str) -> str:
    algo, _, hexpart = digest.partition(":")
    if algo != "sha256" or len(hexpart) != 64 or not all(c in "0123456789abcdef" for c in hexpart):
        raise InvalidParameter(f"invalid OCI layout: unsupported digest {digest!r}")
    return f"blobs/sha256/{hexpart}"


def _read_blob(reader: ArchiveReader, desc: dict[str, Any]) -> bytes:
    digest = str(desc.get("digest", ""))
    data = reader.read(_blob_path(digest))
    if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
        raise InvalidParameter(f"invalid OCI layout: blob {digest} does not match its digest")
    return data

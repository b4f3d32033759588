"""``docker load`` / ``docker save``: docker-archive, OCI layout and legacy tarballs."""

from __future__ import annotations

import asyncio
import gzip
import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.errors import InvalidParameter, NotFound
from dockyard.images import ImageStore
from dockyard.store import Database
from tests.unit.test_image_tarballs import (
    chunks,
    directory,
    docker_archive,
    dy_scratch,
    file,
    image_config,
    make_tar,
    sha256,
)

BASE = make_tar([directory("etc"), file("etc/motd", b"base\n"), file("etc/os", b"dy\n")])
TOP = make_tar([directory("etc"), file("etc/.wh.motd"), file("etc/app", b"top\n")])


@pytest.fixture
def root() -> Iterator[Path]:
    with dy_scratch() as path:
        yield path


def new_store(root: Path, name: str = "a") -> ImageStore:
    return ImageStore(
        root=root / name / "images", db=Database(root / name / "db"), users=lambda _: []
    )


def load(store: ImageStore, data: bytes) -> list[str]:
    return asyncio.run(store.load(chunks(data)))


def save(store: ImageStore, names: list[str]) -> bytes:
    async def collect() -> bytes:
        return b"".join([chunk async for chunk in store.save(names)])

    return asyncio.run(collect())


def members(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]


def nothing_left(root: Path, name: str = "a") -> bool:
    images = root / name / "images"
    return not any(any((images / sub).iterdir()) for sub in ("layers", "configs", "tmp"))


def test_docker_archive_loads_with_its_tags(root: Path) -> None:
    store = new_store(root)
    archive, image_id = docker_archive([BASE, TOP], ["app:1", "app:latest"])
    assert load(store, archive) == ["Loaded image: app:1", "Loaded image: app:latest"]
    assert store.resolve("app:1").id == image_id


def test_loaded_layers_are_unpacked_lowest_first(root: Path) -> None:
    store = new_store(root)
    load(store, docker_archive([BASE, TOP], ["app:1"])[0])
    lower, upper = store.resolve("app:1").layer_dirs
    assert (lower / "etc/motd").read_bytes() == b"base\n"
    assert (upper / "etc/app").read_bytes() == b"top\n"


def test_untagged_archive_reports_the_image_id(root: Path) -> None:
    archive, image_id = docker_archive([BASE], [])
    assert load(new_store(root), archive) == [f"Loaded image ID: {image_id}"]


def test_loading_over_an_existing_tag_says_the_old_image_was_renamed(root: Path) -> None:
    store = new_store(root)
    first, old_id = docker_archive([BASE], ["app:1"])
    load(store, first)
    lines = load(store, docker_archive([BASE], ["app:1"], User="nobody")[0])
    assert lines[0] == (
        f"The image app:1 already exists, renaming the old one with ID {old_id} to empty string"
    )


def test_gzip_compressed_archive_loads(root: Path) -> None:
    archive, image_id = docker_archive([BASE], ["app:1"])
    load(new_store(root), gzip.compress(archive))
    assert new_store(root).resolve("app:1").id == image_id


def test_layer_that_does_not_match_its_diff_id_is_refused_and_leaves_nothing(root: Path) -> None:
    store = new_store(root)
    cfg = image_config([sha256(BASE)])
    manifest = [{"Config": "c.json", "RepoTags": ["app:1"], "Layers": ["l.tar"]}]
    archive = make_tar(
        [
            file("c.json", cfg),
            file("l.tar", TOP),
            file("manifest.json", json.dumps(manifest).encode()),
        ]
    )
    with pytest.raises(InvalidParameter, match="invalid diffID"):
        load(store, archive)
    assert nothing_left(root) and store.count() == 0


def test_hostile_layer_in_an_archive_leaves_nothing(root: Path) -> None:
    store = new_store(root)
    evil = make_tar([file("../../escape", b"x")])
    with pytest.raises(InvalidParameter):
        load(store, docker_archive([BASE, evil], ["app:1"])[0])
    assert nothing_left(root) and not (root / "escape").exists()


def test_archive_without_a_manifest_is_refused(root: Path) -> None:
    with pytest.raises(InvalidParameter, match="does not contain a manifest.json"):
        load(new_store(root), make_tar([file("hello", b"x")]))


def test_manifest_path_escaping_the_archive_stays_inside(root: Path) -> None:
    manifest = [{"Config": "../../../../etc/passwd", "RepoTags": [], "Layers": []}]
    with pytest.raises(InvalidParameter, match="does not contain"):
        load(new_store(root), make_tar([file("manifest.json", json.dumps(manifest).encode())]))


def test_save_then_load_preserves_id_and_tags(root: Path) -> None:
    source = new_store(root, "a")
    archive, image_id = docker_archive([BASE, TOP], ["app:1", "app:2"])
    load(source, archive)
    target = new_store(root, "b")
    assert load(target, save(source, ["app"])) == ["Loaded image: app:1", "Loaded image: app:2"]
    assert target.resolve("app:2").id == image_id
    assert target.resolve(image_id).repo_tags == ("app:1", "app:2")


def test_saved_archive_is_also_an_oci_layout(root: Path) -> None:
    store = new_store(root)
    archive, image_id = docker_archive([BASE], ["app:1"])
    load(store, archive)
    saved = members(save(store, ["app:1"]))
    index = json.loads(saved["index.json"])
    [desc] = index["manifests"]
    assert desc["annotations"]["io.containerd.image.name"] == "docker.io/library/app:1"
    manifest = json.loads(saved["blobs/sha256/" + desc["digest"][7:]])
    assert manifest["config"]["digest"] == image_id
    assert saved["blobs/sha256/" + sha256(BASE)[7:]] == BASE
    assert json.loads(saved["repositories"]) == {"app": {"1": sha256(BASE)[7:]}}


def test_save_of_one_tag_records_only_that_tag(root: Path) -> None:
    store = new_store(root)
    load(store, docker_archive([BASE], ["app:1", "app:2"])[0])
    manifest = json.loads(members(save(store, ["app:2"]))["manifest.json"])
    assert manifest[0]["RepoTags"] == ["app:2"]


def test_save_of_an_unknown_image_fails_before_streaming(root: Path) -> None:
    with pytest.raises(NotFound, match="No such image: ghost:latest"):
        new_store(root).save(["ghost:latest"])


def oci_layout(blobs: dict[str, bytes], index: dict) -> bytes:
    entries = [file("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')]
    entries += [file("index.json", json.dumps(index).encode()), directory("blobs/sha256")]
    entries += [file(f"blobs/sha256/{d[7:]}", data) for d, data in blobs.items()]
    return make_tar(entries)


def oci_image(layer: bytes, *, gzip_layer: bool) -> tuple[dict[str, bytes], dict, str]:
    cfg = image_config([sha256(layer)])
    blob = gzip.compress(layer) if gzip_layer else layer
    media = "application/vnd.oci.image.layer.v1.tar" + ("+gzip" if gzip_layer else "")
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": sha256(cfg),
                "size": len(cfg),
            },
            "layers": [{"mediaType": media, "digest": sha256(blob), "size": len(blob)}],
        }
    ).encode()
    blobs = {sha256(cfg): cfg, sha256(blob): blob, sha256(manifest): manifest}
    desc = {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": sha256(manifest),
        "size": len(manifest),
    }
    return blobs, desc, sha256(cfg)


def test_oci_layout_with_a_gzip_layer_loads_by_its_name_annotation(root: Path) -> None:
    blobs, desc, image_id = oci_image(BASE, gzip_layer=True)
    desc["annotations"] = {"io.containerd.image.name": "docker.io/library/oci:1"}
    store = new_store(root)
    assert load(store, oci_layout(blobs, {"schemaVersion": 2, "manifests": [desc]})) == [
        "Loaded image: oci:1"
    ]
    image = store.resolve("oci:1")
    assert image.id == image_id and (image.layer_dirs[0] / "etc/os").read_bytes() == b"dy\n"


def test_oci_layout_index_picks_the_linux_host_platform(root: Path) -> None:
    blobs, desc, image_id = oci_image(BASE, gzip_layer=False)
    other = dict(
        desc, digest="sha256:" + "0" * 64, platform={"os": "windows", "architecture": "amd64"}
    )
    nested = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [other, dict(desc, platform={"os": "linux", "architecture": "amd64"})],
        }
    ).encode()
    blobs[sha256(nested)] = nested
    top = {
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "digest": sha256(nested),
        "size": len(nested),
        "annotations": {"org.opencontainers.image.ref.name": "idx:2"},
    }
    store = new_store(root)
    load(store, oci_layout(blobs, {"schemaVersion": 2, "manifests": [top]}))
    assert store.resolve("idx:2").id == image_id


def test_oci_blob_that_does_not_match_its_digest_is_refused(root: Path) -> None:
    blobs, desc, _ = oci_image(BASE, gzip_layer=True)
    layer_digest = next(d for d, b in blobs.items() if b[:2] == b"\x1f\x8b")
    blobs[layer_digest] = gzip.compress(BASE, mtime=12345)[:-8] + gzip.compress(BASE)[-8:]
    with pytest.raises(InvalidParameter, match="does not match its digest"):
        load(new_store(root), oci_layout(blobs, {"schemaVersion": 2, "manifests": [desc]}))
    assert nothing_left(root)


def test_legacy_repositories_archive_loads_the_tagged_chain(root: Path) -> None:
    base_id, top_id = "a" * 64, "b" * 64
    base_json = {"id": base_id, "created": "2020-01-01T00:00:00Z", "os": "linux"}
    top_json = {
        "id": top_id,
        "parent": base_id,
        "created": "2020-01-02T00:00:00Z",
        "os": "linux",
        "config": {"Cmd": ["sh"]},
    }
    archive = make_tar(
        [
            file(f"{base_id}/json", json.dumps(base_json).encode()),
            file(f"{base_id}/layer.tar", BASE),
            file(f"{top_id}/json", json.dumps(top_json).encode()),
            file(f"{top_id}/layer.tar", TOP),
            file("repositories", json.dumps({"old": {"v1": top_id}}).encode()),
        ]
    )
    store = new_store(root)
    load(store, archive)
    image = store.resolve("old:v1")
    assert image.config["rootfs"]["diff_ids"] == [sha256(BASE), sha256(TOP)]
    assert image.config["config"]["Cmd"] == ["sh"] and len(image.config["history"]) == 2


def test_a_save_stream_closed_early_stops_its_writer(root: Path) -> None:
    store = new_store(root)
    big = make_tar([file("blob", bytes(4 << 20))])
    load(store, docker_archive([big], ["big:1"])[0])

    async def read_one_chunk() -> bytes:
        stream = store.save(["big:1"])
        first = await stream.__anext__()  # type: ignore[attr-defined]
        await stream.aclose()  # type: ignore[attr-defined]
        return first

    assert len(asyncio.run(read_one_chunk())) > 0

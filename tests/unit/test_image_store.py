"""The image store: import, lookup, list, inspect, tag and remove, as dockerd answers them."""

from __future__ import annotations

import asyncio
import gzip
import lzma
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dockyard.errors import Conflict, InvalidParameter, NotFound
from dockyard.images import ImageStore
from dockyard.store import Database
from tests.unit.test_image_tarballs import chunks, directory, dy_scratch, file, make_tar, sha256

ROOTFS = make_tar([directory("bin"), file("bin/hello", b"#!/bin/sh\necho hi\n", mode=0o755)])


@dataclass
class Containers:
    """Which containers use which image, and which of them run (the engine's answer)."""

    using: dict[str, list[str]] = field(default_factory=dict)
    running: set[str] = field(default_factory=set)
    events: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Env:
    root: Path
    containers: Containers

    def store(self) -> ImageStore:
        return ImageStore(
            root=self.root / "images",
            db=Database(self.root / "dockyard.db"),
            users=lambda image_id: self.containers.using.get(image_id, []),
            running=lambda cid: cid in self.containers.running,
            on_event=lambda action, _id, attrs: self.containers.events.append(
                (action, attrs["name"])
            ),
        )


@pytest.fixture
def env() -> Iterator[Env]:
    with dy_scratch() as root:
        yield Env(root, Containers())


def do_import(
    store: ImageStore, data: bytes = ROOTFS, repo: str = "bb:latest", **kw: object
) -> str:
    kw.setdefault("changes", [])
    kw.setdefault("message", "")
    return asyncio.run(store.import_image(chunks(data), repo=repo, tag="", **kw))  # type: ignore[arg-type]


def leftovers(root: Path) -> list[str]:
    images = root / "images"
    return sorted(
        str(p.relative_to(images))
        for sub in ("layers", "configs", "tmp")
        for p in (images / sub).iterdir()
    )


def test_import_returns_the_sha256_of_the_config(env: Env) -> None:
    store = env.store()
    image_id = do_import(store)
    config = (env.root / "images/configs" / f"{image_id[7:]}.json").read_bytes()
    assert image_id == sha256(config)


def test_import_records_the_layer_diff_id_and_comment(env: Env) -> None:
    store = env.store()
    image = store.resolve(do_import(store))
    assert image.config["rootfs"] == {"type": "layers", "diff_ids": [sha256(ROOTFS)]}
    assert image.config["comment"] == "Imported from -"


@pytest.mark.parametrize("compress", [gzip.compress, lzma.compress], ids=["gzip", "xz"])
def test_compressed_import_has_the_same_layer_as_plain(env: Env, compress) -> None:
    store = env.store()
    image = store.resolve(do_import(store, compress(ROOTFS)))
    assert image.config["rootfs"]["diff_ids"] == [sha256(ROOTFS)]


@pytest.mark.skipif(shutil.which("zstd") is None, reason="no zstd binary")
def test_zstd_import_has_the_same_layer_as_plain(env: Env) -> None:
    packed = subprocess.run(["zstd", "-c", "-q"], input=ROOTFS, capture_output=True, check=True)
    store = env.store()
    image = store.resolve(do_import(store, packed.stdout))
    assert image.config["rootfs"]["diff_ids"] == [sha256(ROOTFS)]


def test_imported_layer_is_unpacked_in_a_layer_dir(env: Env) -> None:
    store = env.store()
    image = store.resolve(do_import(store))
    assert (image.layer_dirs[0] / "bin/hello").read_bytes() == b"#!/bin/sh\necho hi\n"


def test_import_applies_changes(env: Env) -> None:
    store = env.store()
    image = store.resolve(do_import(store, changes=['CMD ["/bin/hello"]', "ENV X=1"]))
    assert image.config["config"]["Cmd"] == ["/bin/hello"]
    assert image.config["config"]["Env"] == ["X=1"]


def test_import_with_a_bad_change_leaves_nothing(env: Env) -> None:
    store = env.store()
    with pytest.raises(InvalidParameter, match="RUN is not a valid change command"):
        do_import(store, changes=["RUN true"])
    assert leftovers(env.root) == [] and store.count() == 0


def test_import_of_a_hostile_tar_leaves_nothing(env: Env) -> None:
    store = env.store()
    with pytest.raises(InvalidParameter):
        do_import(store, make_tar([file("ok", b"x"), file("../../evil", b"x")]))
    assert leftovers(env.root) == [] and store.count() == 0


def test_import_of_garbage_leaves_nothing(env: Env) -> None:
    store = env.store()
    with pytest.raises(InvalidParameter):
        do_import(store, b"definitely not a tarball" * 100)
    assert leftovers(env.root) == []


def test_import_with_an_invalid_repository_is_refused_before_reading(env: Env) -> None:
    store = env.store()
    with pytest.raises(InvalidParameter, match="invalid reference format"):
        do_import(store, repo="Not Valid")
    assert leftovers(env.root) == []


def test_resolve_finds_name_short_id_and_full_id(env: Env) -> None:
    store = env.store()
    image_id = do_import(store)
    for ref in ("bb", "bb:latest", "docker.io/library/bb", image_id, image_id[7:19], image_id[7:]):
        assert store.resolve(ref).id == image_id


def test_resolve_of_an_unknown_name_is_not_found_with_the_tag(env: Env) -> None:
    with pytest.raises(NotFound, match="^No such image: nothere:latest$"):
        env.store().resolve("nothere")


def test_a_second_import_of_the_same_rootfs_shares_the_layer(env: Env) -> None:
    store = env.store()
    do_import(store, repo="one")
    do_import(store, repo="two", changes=["USER nobody"])
    assert len(list((env.root / "images/layers").iterdir())) == 1


def test_list_shows_docker_summary_fields(env: Env) -> None:
    store = env.store()
    image_id = do_import(store, changes=["LABEL team=core"])
    [item] = store.list_images(all=False, filters={})
    assert item["Id"] == image_id and item["RepoTags"] == ["bb:latest"]
    assert item["Labels"] == {"team": "core"} and item["Size"] == len(b"#!/bin/sh\necho hi\n")
    assert (item["Containers"], item["SharedSize"], item["ParentId"]) == (-1, -1, "")


def test_list_filters_by_reference_glob_and_narrows_tags(env: Env) -> None:
    store = env.store()
    image_id = do_import(store, repo="app:1")
    store.tag(image_id, "other", "x")
    [item] = store.list_images(all=False, filters={"reference": ["app*"]})
    assert item["RepoTags"] == ["app:1"]


def test_list_filters_dangling_images(env: Env) -> None:
    store = env.store()
    do_import(store, repo="")
    do_import(store, repo="named", changes=["USER x"])
    [item] = store.list_images(all=False, filters={"dangling": ["true"]})
    assert item["RepoTags"] == ["<none>:<none>"]


def test_list_filters_by_label(env: Env) -> None:
    store = env.store()
    do_import(store, repo="a", changes=["LABEL tier=web"])
    do_import(store, repo="b", changes=["LABEL tier=db"])
    listed = store.list_images(all=False, filters={"label": ["tier=db"]})
    assert [i["RepoTags"] for i in listed] == [["b:latest"]]


def test_list_refuses_an_unknown_filter(env: Env) -> None:
    with pytest.raises(InvalidParameter, match="^Invalid filter 'color'$"):
        env.store().list_images(all=False, filters={"color": ["red"]})


def test_inspect_has_the_docker_shape(env: Env) -> None:
    store = env.store()
    image_id = do_import(store)
    view = store.inspect_image("bb")
    assert view["Id"] == image_id and view["RepoTags"] == ["bb:latest"]
    assert view["RootFS"] == {"Type": "layers", "Layers": [sha256(ROOTFS)]}
    assert view["GraphDriver"]["Name"] == "overlay2" and view["Os"] == "linux"
    assert view["Metadata"]["LastTagTime"] != "0001-01-01T00:00:00Z"


def test_tag_adds_a_reference_that_resolves(env: Env) -> None:
    store = env.store()
    image_id = do_import(store)
    store.tag("bb", "myrepo/bb", "v2")
    assert store.resolve("myrepo/bb:v2").id == image_id
    assert store.resolve(image_id).repo_tags == ("bb:latest", "myrepo/bb:v2")


def test_tag_of_a_missing_image_is_not_found(env: Env) -> None:
    with pytest.raises(NotFound):
        env.store().tag("ghost", "x", "y")


def test_rmi_of_one_of_two_tags_only_untags(env: Env) -> None:
    store = env.store()
    image_id = do_import(store)
    store.tag("bb", "bb", "two")
    assert store.remove_image("bb:two", force=False, noprune=False) == [{"Untagged": "bb:two"}]
    assert store.resolve(image_id).repo_tags == ("bb:latest",)


def test_rmi_of_the_last_tag_deletes_image_and_layer(env: Env) -> None:
    store = env.store()
    image_id = do_import(store)
    assert store.remove_image("bb", force=False, noprune=False) == [
        {"Untagged": "bb:latest"},
        {"Deleted": image_id},
        {"Deleted": sha256(ROOTFS)},
    ]
    assert leftovers(env.root) == [] and store.count() == 0


def test_rmi_keeps_a_layer_another_image_uses(env: Env) -> None:
    store = env.store()
    do_import(store, repo="one")
    keep = do_import(store, repo="two", changes=["USER x"])
    store.remove_image("one", force=False, noprune=False)
    assert store.resolve(keep).layer_dirs[0].is_dir()


def test_rmi_by_id_of_a_multi_tagged_image_needs_force(env: Env) -> None:
    store = env.store()
    image_id = do_import(store)
    store.tag("bb", "bb", "two")
    with pytest.raises(Conflict, match="must be forced\\) - image is referenced in multiple"):
        store.remove_image(image_id[7:19], force=False, noprune=False)
    assert len(store.remove_image(image_id[7:19], force=True, noprune=False)) == 4


def test_rmi_of_an_image_a_container_uses_is_a_conflict(env: Env) -> None:
    store = env.store()
    image_id = do_import(store)
    env.containers.using[image_id] = ["c" * 64]
    with pytest.raises(Conflict) as err:
        store.remove_image("bb", force=False, noprune=False)
    assert str(err.value) == (
        'conflict: unable to remove repository reference "bb" (must force) - container '
        f"{'c' * 12} is using its referenced image {image_id[7:19]}"
    )


def test_forced_rmi_of_a_running_containers_image_only_untags(env: Env) -> None:
    store = env.store()
    image_id = do_import(store)
    env.containers.using[image_id] = ["c" * 64]
    env.containers.running.add("c" * 64)
    assert store.remove_image("bb", force=True, noprune=False) == [{"Untagged": "bb:latest"}]
    assert store.resolve(image_id).layer_dirs[0].is_dir()


def test_rmi_by_id_of_a_running_containers_image_cannot_be_forced(env: Env) -> None:
    store = env.store()
    image_id = do_import(store)
    env.containers.using[image_id] = ["c" * 64]
    env.containers.running.add("c" * 64)
    with pytest.raises(Conflict, match="cannot be forced\\) - image is being used by running"):
        store.remove_image(image_id, force=True, noprune=False)


def test_forced_rmi_of_a_stopped_containers_image_deletes_it(env: Env) -> None:
    store = env.store()
    image_id = do_import(store)
    env.containers.using[image_id] = ["c" * 64]
    records = store.remove_image(image_id, force=True, noprune=False)
    assert {"Deleted": image_id} in records and store.count() == 0


def test_a_new_store_on_the_same_root_sees_the_same_images(env: Env) -> None:
    image_id = do_import(env.store())
    again = env.store()
    assert again.resolve("bb").id == image_id and again.count() == 1


def test_start_up_sweeps_staging_leftovers_and_unreferenced_layers(env: Env) -> None:
    env.store()
    (env.root / "images/tmp/dy-import-crashed").mkdir()
    (env.root / "images/layers" / ("f" * 64) / "diff").mkdir(parents=True)
    env.store()
    assert leftovers(env.root) == []


def test_import_tag_and_rmi_emit_docker_image_events(env: Env) -> None:
    store = env.store()
    image_id = do_import(store)
    store.tag("bb", "bb", "2")
    store.remove_image(image_id, force=True, noprune=False)
    assert [action for action, _ in env.containers.events] == [
        "import",
        "tag",
        "untag",
        "untag",
        "delete",
    ]
    assert env.containers.events[1] == ("tag", "bb:2")


def test_resolved_config_is_a_copy_the_caller_may_edit(env: Env) -> None:
    store = env.store()
    image_id = do_import(store)
    store.resolve(image_id).config["config"]["Cmd"] = ["changed"]
    assert store.resolve(image_id).config["config"]["Cmd"] is None

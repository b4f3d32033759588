"""A container rootfs is a real overlay mount over the image's layers (root only)."""

from __future__ import annotations

import asyncio
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.images import ImageStore, RootfsManager
from dockyard.store import Database
from tests.unit.test_image_tarballs import (
    chunks,
    directory,
    docker_archive,
    dy_scratch,
    file,
    make_tar,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(os.geteuid() != 0, reason="overlay mounts need root"),
]

BASE = make_tar(
    [
        directory("etc"),
        file("etc/motd", b"base\n"),
        file("etc/keep", b"keep\n"),
        directory("var"),
        directory("var/cache"),
        file("var/cache/old", b"old\n"),
    ]
)
TOP = make_tar(
    [
        directory("etc"),
        file("etc/.wh.motd"),
        file("etc/app", b"top\n"),
        directory("var"),
        directory("var/cache"),
        file("var/cache/.wh..wh..opq"),
        file("var/cache/new", b"new\n"),
    ]
)
CONTAINER = "dy" + "e2e" * 10


def mounted(path: Path) -> bool:
    with open("/proc/self/mountinfo") as info:
        return any(line.split()[4] == str(path) for line in info)


@pytest.fixture
def setup() -> Iterator[tuple[Path, RootfsManager, tuple[Path, ...]]]:
    with dy_scratch() as root:
        store = ImageStore(root=root / "images", db=Database(root / "db"), users=lambda _: [])
        asyncio.run(store.load(chunks(docker_archive([BASE, TOP], ["two:1"])[0])))
        manager = RootfsManager(root=root / "rootfs")
        try:
            yield root, manager, store.resolve("two:1").layer_dirs
        finally:
            manager.remove(CONTAINER)


def test_merged_view_shows_upper_files_and_hides_whiteouts(setup) -> None:
    _, manager, layers = setup
    merged = manager.mount(CONTAINER, layers)
    assert (merged / "etc/app").read_bytes() == b"top\n"
    assert (merged / "etc/keep").read_bytes() == b"keep\n"
    assert not (merged / "etc/motd").exists()
    assert sorted(os.listdir(merged / "var/cache")) == ["new"]


def test_writes_go_to_the_container_not_the_layers(setup) -> None:
    root, manager, layers = setup
    merged = manager.mount(CONTAINER, layers)
    (merged / "etc/keep").write_bytes(b"changed\n")
    (merged / "etc/app").unlink()
    assert (layers[0] / "etc/keep").read_bytes() == b"keep\n"
    assert (layers[1] / "etc/app").read_bytes() == b"top\n"
    upper = root / "rootfs" / CONTAINER / "upper"
    assert stat.S_ISCHR(os.lstat(upper / "etc/app").st_mode)


def test_mount_is_idempotent(setup) -> None:
    _, manager, layers = setup
    first = manager.mount(CONTAINER, layers)
    assert manager.mount(CONTAINER, layers) == first
    assert manager.is_mounted(CONTAINER)


def test_a_single_layer_image_gets_a_writable_rootfs(setup) -> None:
    _, manager, layers = setup
    merged = manager.mount(CONTAINER, layers[:1])
    (merged / "written").write_bytes(b"ok")
    assert (merged / "etc/motd").read_bytes() == b"base\n"


def test_remove_leaves_no_mount_and_no_directories(setup) -> None:
    root, manager, layers = setup
    merged = manager.mount(CONTAINER, layers)
    manager.remove(CONTAINER)
    assert not mounted(merged)
    assert not (root / "rootfs" / CONTAINER).exists()


def test_unmount_of_a_busy_rootfs_detaches_it(setup) -> None:
    _, manager, layers = setup
    merged = manager.mount(CONTAINER, layers)
    fd = os.open(merged / "etc/keep", os.O_RDONLY)
    try:
        manager.unmount(CONTAINER)
        assert not manager.is_mounted(CONTAINER)
    finally:
        os.close(fd)


def test_unmount_when_not_mounted_is_a_no_op(setup) -> None:
    _, manager, _ = setup
    manager.unmount(CONTAINER)
    assert not manager.is_mounted(CONTAINER)

"""The busybox rootfs tarball built from the host's static busybox."""

from __future__ import annotations

import stat
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.images.busybox import busybox_rootfs_tar, main

pytestmark = pytest.mark.skipif(not Path("/bin/busybox").exists(), reason="needs /bin/busybox")


@pytest.fixture
def tarball() -> Iterator[Path]:
    from tests.unit.test_image_tarballs import dy_scratch

    with dy_scratch() as root:
        yield busybox_rootfs_tar(root / "busybox.tar")


def test_rootfs_has_busybox_and_an_applet_link_for_sh(tarball: Path) -> None:
    with tarfile.open(tarball) as tar:
        assert tar.getmember("bin/busybox").isfile()
        sh = tar.getmember("bin/sh")
        assert sh.issym() and sh.linkname == "busybox"


def test_rootfs_has_root_and_nobody_accounts(tarball: Path) -> None:
    with tarfile.open(tarball) as tar:
        passwd = tar.extractfile("etc/passwd").read().decode()  # type: ignore[union-attr]
    assert passwd.startswith("root:x:0:0:") and "\nnobody:x:65534:65534:" in passwd


def test_tmp_is_world_writable_and_sticky(tarball: Path) -> None:
    with tarfile.open(tarball) as tar:
        assert stat.S_IMODE(tar.getmember("tmp").mode) == 0o1777
        assert {"proc", "sys", "dev", "root"} <= set(tar.getnames())


def test_two_builds_are_byte_identical(tarball: Path) -> None:
    again = busybox_rootfs_tar(tarball.with_name("again.tar"))
    assert again.read_bytes() == tarball.read_bytes()


def test_command_line_entry_writes_the_tarball(tarball: Path) -> None:
    out = tarball.with_name("cli.tar")
    assert main([str(out)]) == 0
    assert out.read_bytes() == tarball.read_bytes()

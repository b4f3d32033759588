"""Layer unpacking never writes outside the layer directory, whatever the tar says."""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from dockyard.errors import InvalidParameter
from dockyard.images.unpack import unpack_layer
from tests.unit.test_image_tarballs import directory, dy_scratch, file, hardlink, make_tar, symlink


@pytest.fixture
def scratch() -> Iterator[Path]:
    with dy_scratch() as path:
        (path / "layer").mkdir()
        yield path


def unpack(scratch: Path, entries: list) -> Path:
    unpack_layer(io.BytesIO(make_tar(entries)), scratch / "layer")
    return scratch / "layer"


def outside(scratch: Path) -> list[str]:
    """Everything in the scratch dir that is not the layer itself."""
    return sorted(p.name for p in scratch.iterdir() if p.name != "layer")


def test_dot_dot_member_is_refused(scratch: Path) -> None:
    with pytest.raises(InvalidParameter, match="escapes the layer"):
        unpack(scratch, [file("../evil", b"x")])
    assert outside(scratch) == []


def test_dot_dot_climbing_out_from_a_subdirectory_is_refused(scratch: Path) -> None:
    with pytest.raises(InvalidParameter, match="escapes the layer"):
        unpack(scratch, [directory("a"), file("a/../../evil", b"x")])
    assert outside(scratch) == []


def test_absolute_member_lands_inside_the_layer(scratch: Path) -> None:
    layer = unpack(scratch, [file("/abs", b"inside")])
    assert (layer / "abs").read_bytes() == b"inside"
    assert outside(scratch) == []


def test_writing_through_a_symlink_to_an_absolute_path_is_refused(scratch: Path) -> None:
    with pytest.raises(InvalidParameter, match="symlink"):
        unpack(scratch, [symlink("escape", str(scratch)), file("escape/evil", b"x")])
    assert outside(scratch) == []


def test_writing_through_a_symlink_that_climbs_out_is_refused(scratch: Path) -> None:
    with pytest.raises(InvalidParameter, match="escapes the layer"):
        unpack(scratch, [symlink("escape", "../.."), file("escape/evil", b"x")])
    assert outside(scratch) == []


def test_writing_through_a_symlink_that_stays_inside_follows_it(scratch: Path) -> None:
    layer = unpack(
        scratch, [directory("usr"), directory("usr/lib"), symlink("lib", "usr/lib"), file("lib/x")]
    )
    assert (layer / "usr/lib/x").is_file()
    assert (layer / "lib").is_symlink()


def test_symlinks_are_created_as_they_are(scratch: Path) -> None:
    layer = unpack(scratch, [symlink("passwd", "/etc/passwd")])
    assert os.readlink(layer / "passwd") == "/etc/passwd"


def test_a_file_replacing_a_symlink_does_not_follow_it(scratch: Path) -> None:
    target = scratch / "victim"
    target.write_bytes(b"keep")
    layer = unpack(scratch, [symlink("f", str(target)), file("f", b"new")])
    assert target.read_bytes() == b"keep"
    assert not (layer / "f").is_symlink()
    assert (layer / "f").read_bytes() == b"new"


def test_hardlink_to_a_host_file_is_refused(scratch: Path) -> None:
    links_before = os.stat("/etc/passwd").st_nlink
    with pytest.raises(InvalidParameter, match="hardlink"):
        unpack(scratch, [hardlink("pw", "/etc/passwd")])
    assert os.stat("/etc/passwd").st_nlink == links_before


def test_hardlink_climbing_out_of_the_layer_is_refused(scratch: Path) -> None:
    with pytest.raises(InvalidParameter, match="escapes the layer"):
        unpack(scratch, [hardlink("pw", "../../../../etc/passwd")])


def test_hardlink_through_an_escaping_symlink_is_refused(scratch: Path) -> None:
    with pytest.raises(InvalidParameter, match="symlink"):
        unpack(scratch, [symlink("etc", "/etc"), hardlink("pw", "etc/passwd")])


def test_hardlink_inside_the_layer_shares_the_inode(scratch: Path) -> None:
    layer = unpack(scratch, [file("a", b"data"), hardlink("b", "a")])
    assert os.stat(layer / "a").st_ino == os.stat(layer / "b").st_ino


def test_device_nodes_are_skipped(scratch: Path) -> None:
    import tarfile

    from tests.unit.test_image_tarballs import Entry

    layer = unpack(scratch, [Entry("dev-null", tarfile.CHRTYPE)])
    assert not (layer / "dev-null").exists()


def test_modes_owners_and_mtimes_are_kept(scratch: Path) -> None:
    layer = unpack(
        scratch,
        [
            directory("d", mode=0o750, mtime=1_600_000_000),
            file("d/suid", b"x", mode=0o4755, uid=1000, gid=1001, mtime=1_500_000_000),
        ],
    )
    st = os.stat(layer / "d/suid")
    assert (stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid) == (0o4755, 1000, 1001)
    assert int(st.st_mtime) == 1_500_000_000
    assert stat.S_IMODE(os.stat(layer / "d").st_mode) == 0o750
    assert int(os.stat(layer / "d").st_mtime) == 1_600_000_000


def test_user_xattrs_are_kept(scratch: Path) -> None:
    layer = unpack(scratch, [file("f", b"x", xattrs={"user.origin": "tar"})])
    assert os.getxattr(layer / "f", "user.origin") == b"tar"


@pytest.mark.skipif(os.geteuid() != 0, reason="whiteouts are device nodes: root only")
def test_whiteout_becomes_an_overlay_character_device(scratch: Path) -> None:
    layer = unpack(scratch, [directory("etc"), file("etc/.wh.motd")])
    st = os.lstat(layer / "etc/motd")
    assert stat.S_ISCHR(st.st_mode) and st.st_rdev == 0
    assert not (layer / "etc/.wh.motd").exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="trusted xattrs need root")
def test_opaque_whiteout_marks_the_directory_opaque(scratch: Path) -> None:
    layer = unpack(scratch, [directory("var"), file("var/.wh..wh..opq")])
    assert os.getxattr(layer / "var", "trusted.overlay.opaque") == b"y"
    assert list((layer / "var").iterdir()) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="trusted xattrs need root")
def test_overlay_xattrs_inside_the_tar_are_dropped(scratch: Path) -> None:
    layer = unpack(scratch, [directory("d", xattrs={"trusted.overlay.redirect": "/etc"})])
    assert "trusted.overlay.redirect" not in os.listxattr(layer / "d")


def test_a_directory_later_replaced_by_a_symlink_keeps_host_modes(scratch: Path) -> None:
    victim = scratch / "victim"
    victim.mkdir(mode=0o700)
    unpack(scratch, [directory("d", mode=0o777), symlink("d", str(victim))])
    assert stat.S_IMODE(os.stat(victim).st_mode) == 0o700


def test_garbage_is_refused_as_an_invalid_archive(scratch: Path) -> None:
    with pytest.raises(InvalidParameter, match="invalid tar archive"):
        unpack_layer(io.BytesIO(b"not a tar at all" * 64), scratch / "layer")

"""Resolving Config.User inside the image, with Docker's (libcontainer's) rules and wording."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dockyard import errors
from dockyard.runtime.user import path_in_rootfs, resolve_user

PASSWD = """\
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bob:x:1000:1000:Bob:/home/bob:/bin/sh
"""
GROUP = """\
root:x:0:
daemon:x:1:
bob:x:1000:
staff:x:50:bob,alice
audio:x:29:bob
"""


@pytest.fixture
def rootfs(tmp_path: Path) -> Path:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "passwd").write_text(PASSWD)
    (tmp_path / "etc" / "group").write_text(GROUP)
    return tmp_path


def test_empty_user_is_root_with_its_primary_group(rootfs: Path) -> None:
    user = resolve_user("", rootfs=rootfs)
    assert (user.uid, user.gid, user.additional_gids) == (0, 0, (0,))


def test_named_user_gets_uid_gid_and_home_from_passwd(rootfs: Path) -> None:
    user = resolve_user("bob", rootfs=rootfs)
    assert (user.uid, user.gid, user.home) == (1000, 1000, "/home/bob")


def test_named_user_gets_groups_that_list_it_after_its_primary_gid(rootfs: Path) -> None:
    assert resolve_user("bob", rootfs=rootfs).additional_gids == (1000, 50, 29)


def test_unknown_user_is_rejected_with_docker_wording(rootfs: Path) -> None:
    with pytest.raises(errors.InvalidParameter) as info:
        resolve_user("carol", rootfs=rootfs)
    assert str(info.value) == "unable to find user carol: no matching entries in passwd file"


def test_numeric_user_with_a_passwd_entry_uses_that_entry(rootfs: Path) -> None:
    user = resolve_user("1000", rootfs=rootfs)
    assert (user.uid, user.gid) == (1000, 1000)


def test_numeric_user_without_a_passwd_entry_keeps_gid_zero(rootfs: Path) -> None:
    user = resolve_user("4242", rootfs=rootfs)
    assert (user.uid, user.gid, user.additional_gids) == (4242, 0, (0,))


def test_numeric_user_and_group_need_no_entries(rootfs: Path) -> None:
    user = resolve_user("4242:4343", rootfs=rootfs)
    assert (user.uid, user.gid) == (4242, 4343)


def test_named_group_replaces_the_primary_gid(rootfs: Path) -> None:
    assert resolve_user("bob:staff", rootfs=rootfs).gid == 50


def test_explicit_group_drops_supplementary_groups(rootfs: Path) -> None:
    assert resolve_user("bob:staff", rootfs=rootfs).additional_gids == (50,)


def test_unknown_group_is_rejected_with_docker_wording(rootfs: Path) -> None:
    with pytest.raises(errors.InvalidParameter) as info:
        resolve_user("bob:wheel", rootfs=rootfs)
    assert str(info.value) == "unable to find group wheel: no matching entries in group file"


def test_out_of_range_uid_is_rejected(rootfs: Path) -> None:
    with pytest.raises(errors.InvalidParameter, match="uids and gids must be in range"):
        resolve_user("-5", rootfs=rootfs)


def test_group_add_appends_named_and_numeric_groups(rootfs: Path) -> None:
    user = resolve_user("", rootfs=rootfs, group_add=["audio", "777"])
    assert user.additional_gids == (0, 29, 777)


def test_group_add_with_an_unknown_name_is_rejected(rootfs: Path) -> None:
    with pytest.raises(errors.InvalidParameter) as info:
        resolve_user("", rootfs=rootfs, group_add=["wheel"])
    assert str(info.value) == "Unable to find group wheel: no matching entries in group file"


def test_missing_passwd_file_still_accepts_numeric_users(tmp_path: Path) -> None:
    assert resolve_user("123", rootfs=tmp_path).uid == 123


def test_missing_passwd_file_rejects_names(tmp_path: Path) -> None:
    with pytest.raises(errors.InvalidParameter, match="no matching entries in passwd file"):
        resolve_user("bob", rootfs=tmp_path)


def test_absolute_symlink_to_passwd_is_followed_inside_the_rootfs(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "passwd").write_text("app:x:500:500::/app:/bin/sh\n")
    os.symlink("/data/passwd", tmp_path / "etc" / "passwd")
    assert resolve_user("app", rootfs=tmp_path).uid == 500


def test_dotdot_symlinks_cannot_escape_the_rootfs(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    os.symlink("../../../../../shadow", tmp_path / "etc" / "passwd")
    assert path_in_rootfs(tmp_path, "/etc/passwd") == tmp_path / "shadow"


def test_symlink_loops_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    os.symlink("/etc/passwd", tmp_path / "etc" / "passwd")
    with pytest.raises(errors.InvalidParameter, match="too many symlinks"):
        path_in_rootfs(tmp_path, "/etc/passwd")


def test_to_oci_lists_additional_gids(rootfs: Path) -> None:
    oci = resolve_user("bob", rootfs=rootfs).to_oci()
    assert oci == {"uid": 1000, "gid": 1000, "additionalGids": [1000, 50, 29]}

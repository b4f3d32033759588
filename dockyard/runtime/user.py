"""Resolve ``Config.User`` against the container's own /etc/passwd and /etc/group.

Docker resolves names inside the image, not on the host, and reports failures with runc's
libcontainer/user wording (``unable to find user bob: no matching entries in passwd file``),
which users' scripts match on; this module reproduces that lookup (``GetExecUser``) exactly,
including its quirks: a numeric user with no passwd entry is fine, a missing passwd file only
fails for names, and supplementary groups are only collected for the implicit ``user`` form.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dockyard import errors

NO_PASSWD_ENTRIES = "no matching entries in passwd file"
NO_GROUP_ENTRIES = "no matching entries in group file"
ID_RANGE = "uids and gids must be in range 0-2147483647"
_MAX_ID = 2**31 - 1
_MAX_SYMLINKS = 255


@dataclass(frozen=True)
class PasswdEntry:
    name: str
    uid: int
    gid: int
    home: str


@dataclass(frozen=True)
class GroupEntry:
    name: str
    gid: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class ExecUser:
    """What the OCI ``process.user`` needs; ``additional_gids`` is in Docker's order."""

    uid: int
    gid: int
    additional_gids: tuple[int, ...]
    home: str = "/"

    def to_oci(self) -> dict[str, object]:
        user: dict[str, object] = {"uid": self.uid, "gid": self.gid}
        if self.additional_gids:
            user["additionalGids"] = list(self.additional_gids)
        return user


def path_in_rootfs(rootfs: Path, path: str) -> Path:
    """``path`` as seen from inside ``rootfs``: symlinks are followed but never escape it.

    Images commonly ship /etc/passwd as an absolute symlink; reading it naively would read the
    host's file (or worse, follow ``..`` out of the rootfs).
    """
    root = Path(rootfs)
    parts = [p for p in path.split("/") if p]
    resolved: list[str] = []
    links = 0
    while parts:
        part = parts.pop(0)
        if part == ".":
            continue
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = root.joinpath(*resolved, part)
        if candidate.is_symlink():
            links += 1
            if links > _MAX_SYMLINKS:
                raise errors.InvalidParameter(f"too many symlinks resolving {path}")
            target = os.readlink(candidate)
            if target.startswith("/"):
                resolved = []
            parts = [p for p in target.split("/") if p] + parts
            continue
        resolved.append(part)
    return root.joinpath(*resolved)


def _read_lines(path: Path) -> list[list[str]] | None:
    """Colon-separated records, or ``None`` when the file does not exist (as runc treats it)."""
    try:
        text = path.read_text(errors="replace")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError as exc:
        raise errors.InvalidParameter(f"unable to read {path}: {exc.strerror}") from exc
    return [line.strip().split(":") for line in text.splitlines() if line.strip()]


def _int(field: str) -> int:
    """libcontainer parses numeric fields with ``Atoi`` and ignores errors (yielding 0)."""
    try:
        return int(field)
    except ValueError:
        return 0


def _field(fields: list[str], index: int) -> str:
    return fields[index] if index < len(fields) else ""


def read_passwd(path: Path) -> list[PasswdEntry] | None:
    rows = _read_lines(path)
    if rows is None:
        return None
    return [
        PasswdEntry(
            name=_field(r, 0), uid=_int(_field(r, 2)), gid=_int(_field(r, 3)), home=_field(r, 5)
        )
        for r in rows
    ]


def read_group(path: Path) -> list[GroupEntry] | None:
    rows = _read_lines(path)
    if rows is None:
        return None
    return [
        GroupEntry(
            name=_field(r, 0),
            gid=_int(_field(r, 2)),
            members=tuple(_field(r, 3).split(",")),
        )
        for r in rows
    ]


def _numeric(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _check_range(value: int) -> int:
    if not 0 <= value <= _MAX_ID:
        raise errors.InvalidParameter(ID_RANGE)
    return value


def exec_user(
    spec: str, *, passwd: list[PasswdEntry] | None, group: list[GroupEntry] | None
) -> ExecUser:
    """libcontainer's ``GetExecUser`` with root (0:0, home /) as the defaults."""
    user_arg, _, group_arg = spec.partition(":")
    uid_arg, gid_arg = _numeric(user_arg), _numeric(group_arg)
    uid, gid, home = 0, 0, "/"
    sgids: tuple[int, ...] = ()

    def matches(entry: PasswdEntry) -> bool:
        if user_arg == "":
            return entry.uid == uid
        if uid_arg is not None:
            return entry.uid == uid_arg
        return entry.name == user_arg

    found = [p for p in passwd or () if matches(p)]
    matched_name = ""
    if found:
        matched_name, uid, gid, home = found[0].name, found[0].uid, found[0].gid, found[0].home
    elif user_arg:
        if uid_arg is None:
            raise errors.InvalidParameter(f"unable to find user {user_arg}: {NO_PASSWD_ENTRIES}")
        uid = _check_range(uid_arg)

    if group_arg or matched_name:

        def group_matches(entry: GroupEntry) -> bool:
            if not group_arg:
                return matched_name in entry.members
            if gid_arg is not None:
                return entry.gid == gid_arg
            return entry.name == group_arg

        groups = [g for g in group or () if group_matches(g)]
        if group_arg:
            if groups:
                gid = groups[0].gid
            elif gid_arg is None:
                raise errors.InvalidParameter(
                    f"unable to find group {group_arg}: {NO_GROUP_ENTRIES}"
                )
            else:
                gid = _check_range(gid_arg)
        else:
            sgids = tuple(g.gid for g in groups)
    return ExecUser(uid=uid, gid=gid, additional_gids=sgids, home=home)


def additional_groups(names: Sequence[str], *, group: list[GroupEntry] | None) -> list[int]:
    """``HostConfig.GroupAdd`` → gids (libcontainer ``GetAdditionalGroups``), first match wins."""
    gids: dict[int, None] = {}
    for wanted in names:
        hit = next((g for g in group or () if wanted in (g.name, str(g.gid))), None)
        if hit is not None:
            gids.setdefault(hit.gid)
            continue
        number = _numeric(wanted)
        if number is None:
            raise errors.InvalidParameter(f"Unable to find group {wanted}: {NO_GROUP_ENTRIES}")
        gids.setdefault(_check_range(number))
    return list(gids)


def resolve_user(spec: str, *, rootfs: Path, group_add: Sequence[str] = ()) -> ExecUser:
    """The OCI user for ``spec`` ("", "name", "uid", "name:group", "uid:gid", ...) in ``rootfs``.

    Like current Docker, ``additional_gids`` starts with the primary gid, then the groups that
    list the user, then ``group_add``.
    """
    passwd = read_passwd(path_in_rootfs(rootfs, "/etc/passwd"))
    group = read_group(path_in_rootfs(rootfs, "/etc/group"))
    user = exec_user(spec, passwd=passwd, group=group)
    extra = additional_groups(group_add, group=group) if group_add else []
    return ExecUser(
        uid=user.uid,
        gid=user.gid,
        additional_gids=(user.gid, *user.additional_gids, *extra),
        home=user.home,
    )

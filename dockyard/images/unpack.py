"""Apply one layer tar to its own directory without ever writing outside it.

A layer tar comes from whoever built the image, so every member is hostile until proven
otherwise. The rules, and why:

* Names are cleaned lexically; a leading ``/`` is dropped (the name is relative to the layer,
  as Docker treats it) and a ``..`` that would climb above the layer is refused.
* Parents are resolved one component at a time with ``lstat``. A symlink met on the way is
  followed only while its target stays inside the layer; an absolute target, or one that
  climbs out, is refused. So "symlink ``x -> /etc``, then ``x/passwd``" cannot touch the host.
* The last component is never followed: whatever is there is removed first and files are
  opened ``O_CREAT|O_EXCL|O_NOFOLLOW``.
* Hardlink targets resolve by the same rules and must already exist in this layer.
* Device nodes are skipped (a container gets its /dev from the runtime). FIFOs are kept.
* AUFS-style whiteouts become what overlayfs reads: ``.wh.NAME`` a 0:0 character device
  ``NAME``; ``.wh..wh..opq`` the ``trusted.overlay.opaque=y`` xattr on its directory.
  ``trusted.overlay.*`` xattrs inside the tar are dropped so a layer cannot forge them.
* Owner, mode (after chown, so set-id bits survive), xattrs (after chown, which clears file
  capabilities) and mtimes are kept. Directory metadata is applied last, so a read-only
  directory does not block its own children, and only if it is still a real directory.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
import stat
import tarfile
from pathlib import Path
from typing import IO

from dockyard.errors import InvalidParameter

log = logging.getLogger(__name__)

WHITEOUT_PREFIX = ".wh."
WHITEOUT_META_PREFIX = ".wh..wh."
WHITEOUT_OPAQUE = ".wh..wh..opq"
OPAQUE_XATTR = "trusted.overlay.opaque"
_XATTR_PAX_PREFIX = "SCHILY.xattr."
_MAX_LINK_HOPS = 40
_COPY_CHUNK = 1 << 20


def clean_member_path(name: str) -> list[str]:
    """The components of ``name`` relative to the layer; refuse a climb above it."""
    parts: list[str] = []
    for comp in name.split("/"):
        if comp in ("", "."):
            continue
        if comp == "..":
            if not parts:
                raise InvalidParameter(f"invalid layer member {name!r}: path escapes the layer")
            parts.pop()
        else:
            parts.append(comp)
    return parts


def unpack_layer(stream: IO[bytes], dest: Path) -> int:
    """Unpack the uncompressed layer tar ``stream`` into the existing directory ``dest``.

    Returns the bytes of regular-file content written (the layer's size as Docker shows it).
    Raises ``InvalidParameter`` for a malformed or hostile archive; ``dest`` is then left
    half-written and the caller removes it.
    """
    unpacker = _Unpacker(dest)
    try:
        with tarfile.open(fileobj=stream, mode="r|") as archive:
            for member in archive:
                unpacker.add(member, archive)
    except tarfile.TarError as exc:
        raise InvalidParameter(f"invalid tar archive: {exc}") from exc
    unpacker.finish()
    return unpacker.size


class _Unpacker:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.size = 0
        self._dirs: list[tuple[list[str], tarfile.TarInfo]] = []
        self._privileged = os.geteuid() == 0

    def add(self, member: tarfile.TarInfo, archive: tarfile.TarFile) -> None:
        parts = clean_member_path(member.name)
        if not parts:
            if not member.isdir():
                raise InvalidParameter(f"invalid layer member {member.name!r}: not a directory")
            self._dirs.append(([], member))
            return
        parent = self._resolve(parts[:-1], create=True, what=member.name)
        base = parts[-1]
        if base.startswith(WHITEOUT_PREFIX):
            self._whiteout(parent, base, member)
            return
        path = self._path(parent + [base])
        if member.ischr() or member.isblk():
            log.debug("skipping device node %s in layer", member.name)
            return
        kinds = (member.isdir(), member.isreg(), member.issym(), member.islnk(), member.isfifo())
        if not any(kinds):
            log.debug("skipping member %s of tar type %r", member.name, member.type)
            return
        if member.islnk():
            target = self._link_target(member)
            _remove_existing(path, keep_dir=False)
            os.link(target, path, follow_symlinks=False)
            return
        _remove_existing(path, keep_dir=member.isdir())
        if member.isdir():
            if not path.is_dir():
                os.mkdir(path, 0o700)
            self._dirs.append((parent + [base], member))
            return
        if member.isreg():
            self._write_file(path, member, archive)
        elif member.issym():
            os.symlink(member.linkname, path)
        else:
            os.mkfifo(path, 0o600)
        self._apply_metadata(path, member)

    def finish(self) -> None:
        """Apply directory metadata, deepest last-seen first, to what is still a directory."""
        for parts, member in reversed(self._dirs):
            if self._is_plain_dir(parts):
                self._apply_metadata(self._path(parts), member)

    # -- paths ---------------------------------------------------------------------------

    def _path(self, parts: list[str]) -> Path:
        return self.root.joinpath(*parts)

    def _resolve(self, parts: list[str], *, create: bool, what: str) -> list[str]:
        """Real-directory components for ``parts``, following in-layer symlinks only."""
        resolved: list[str] = []
        pending = list(parts)
        hops = 0
        while pending:
            comp = pending.pop(0)
            if comp in ("", "."):
                continue
            if comp == "..":
                if not resolved:
                    raise InvalidParameter(f"invalid layer member {what!r}: path escapes the layer")
                resolved.pop()
                continue
            candidate = self._path(resolved + [comp])
            try:
                st = os.lstat(candidate)
            except FileNotFoundError:
                if not create:
                    raise InvalidParameter(
                        f"invalid layer member {what!r}: {'/'.join(parts)} not found in layer"
                    ) from None
                os.mkdir(candidate, 0o755)
                resolved.append(comp)
                continue
            if stat.S_ISDIR(st.st_mode):
                resolved.append(comp)
            elif stat.S_ISLNK(st.st_mode):
                hops += 1
                target = os.readlink(candidate)
                if hops > _MAX_LINK_HOPS or target.startswith("/"):
                    raise InvalidParameter(
                        f"invalid layer member {what!r}: path walks through symlink "
                        f"{'/'.join(resolved + [comp])} -> {target} out of the layer"
                    )
                pending = target.split("/") + pending
            else:
                raise InvalidParameter(
                    f"invalid layer member {what!r}: {'/'.join(resolved + [comp])} "
                    "is not a directory"
                )
        return resolved

    def _is_plain_dir(self, parts: list[str]) -> bool:
        for i in range(len(parts) + 1):
            try:
                st = os.lstat(self._path(parts[:i]))
            except FileNotFoundError:
                return False
            if not stat.S_ISDIR(st.st_mode):
                return False
        return True

    def _link_target(self, member: tarfile.TarInfo) -> Path:
        parts = clean_member_path(member.linkname)
        if not parts:
            raise InvalidParameter(f"invalid hardlink {member.name!r}: empty target")
        try:
            parent = self._resolve(parts[:-1], create=False, what=member.name)
        except InvalidParameter as exc:
            raise InvalidParameter(
                f"invalid hardlink {member.name!r} to {member.linkname!r}: {exc.message}"
            ) from None
        target = self._path(parent + [parts[-1]])
        try:
            st = os.lstat(target)
        except FileNotFoundError:
            raise InvalidParameter(
                f"invalid hardlink {member.name!r}: target {member.linkname!r} is not in the layer"
            ) from None
        if stat.S_ISDIR(st.st_mode):
            raise InvalidParameter(f"invalid hardlink {member.name!r}: target is a directory")
        return target

    # -- entries -------------------------------------------------------------------------

    def _write_file(self, path: Path, member: tarfile.TarInfo, archive: tarfile.TarFile) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(path, flags, 0o600)
        with os.fdopen(fd, "wb") as out:
            src = archive.extractfile(member)
            if src is not None:
                shutil.copyfileobj(src, out, _COPY_CHUNK)
        self.size += member.size

    def _whiteout(self, parent: list[str], base: str, member: tarfile.TarInfo) -> None:
        if base == WHITEOUT_OPAQUE:
            os.setxattr(self._path(parent), OPAQUE_XATTR, b"y", follow_symlinks=False)
            return
        if base.startswith(WHITEOUT_META_PREFIX):
            return  # AUFS bookkeeping (.wh..wh.plnk, .wh..wh.aufs): nothing to apply
        name = base[len(WHITEOUT_PREFIX) :]
        if name in ("", ".", ".."):
            raise InvalidParameter(f"invalid whiteout {member.name!r}")
        path = self._path(parent + [name])
        _remove_existing(path, keep_dir=False)
        os.mknod(path, stat.S_IFCHR | 0o000, os.makedev(0, 0))
        if self._privileged:
            os.lchown(path, member.uid, member.gid)

    def _apply_metadata(self, path: Path, member: tarfile.TarInfo) -> None:
        if self._privileged:
            os.lchown(path, member.uid, member.gid)
        if not member.issym():
            os.chmod(path, member.mode & 0o7777)
        for key, value in member.pax_headers.items():
            if key.startswith(_XATTR_PAX_PREFIX):
                self._set_xattr(path, key[len(_XATTR_PAX_PREFIX) :], value)
        mtime_ns = int(member.mtime * 1_000_000_000)
        os.utime(path, ns=(mtime_ns, mtime_ns), follow_symlinks=False)

    def _set_xattr(self, path: Path, name: str, value: str) -> None:
        if name.startswith("trusted.overlay."):
            log.debug("dropping forged overlay xattr %s on %s", name, path)
            return
        try:
            os.setxattr(path, name, value.encode("utf-8", "surrogateescape"), follow_symlinks=False)
        except OSError as exc:
            if exc.errno not in (errno.ENOTSUP, errno.EPERM, errno.EOPNOTSUPP):
                raise
            log.debug("cannot set xattr %s on %s: %s", name, path, exc)


def _remove_existing(path: Path, *, keep_dir: bool) -> None:
    """Clear the way for a new entry; a directory is kept only when a directory replaces it."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(st.st_mode):
        if not keep_dir:
            shutil.rmtree(path)
    else:
        os.unlink(path)

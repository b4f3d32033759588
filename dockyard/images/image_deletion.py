"""What ``docker rmi`` does to an image: a pure decision, applied by the image store.

This is dockerd's ``ImageDelete`` with its conflict rules, so the same request gets the same
answer and the same wording:

* by name: the tag goes. Without ``force`` the last tag of an image a container uses stays
  (``unable to remove repository reference``). Once no tag is left the image is deleted,
  unless a container uses it, in which case it is kept, untagged.
* by ID: one tag is removed with the image; several tags need ``force`` (``referenced in
  multiple repositories``). A running container's image is never deleted (``cannot be
  forced``); a stopped container's image is deleted only with ``force``.
"""

from __future__ import annotations

from dataclasses import dataclass

from dockyard.errors import Conflict
from dockyard.images.reference import parse_normalized


@dataclass(frozen=True)
class RemovalPlan:
    untag: tuple[str, ...]  # familiar "name:tag" references to remove, in order
    delete: bool  # whether the image itself goes


@dataclass(frozen=True)
class _Blocker:
    error: Conflict
    used: bool  # a container is the reason (Docker keeps such an image, untagged)


def plan_removal(
    *,
    image_id: str,
    name: str,
    tags: list[str],
    users: list[tuple[str, bool]],
    force: bool,
) -> RemovalPlan:
    """Decide the removal of ``image_id`` asked for as ``name``.

    ``tags`` are the image's references; ``users`` are ``(container_id, running)`` pairs.
    Raises ``Conflict`` with Docker's message when the removal is refused.
    """
    short = image_id.removeprefix("sha256:")[:12]
    if not _is_id_prefix(image_id, name):
        ref = parse_normalized(name).with_default_tag().familiar()
        if not force and len(tags) == 1 and users:
            raise Conflict(
                f'conflict: unable to remove repository reference "{name}" (must force) - '
                f"container {users[0][0][:12]} is using its referenced image {short}"
            )
        if [t for t in tags if t != ref]:
            return RemovalPlan(untag=(ref,), delete=False)
        blocker = _blocker(short, users, refs=[], force=force)
        if blocker is not None:
            if blocker.used:
                return RemovalPlan(untag=(ref,), delete=False)
            raise blocker.error
        return RemovalPlan(untag=(ref,), delete=True)
    blocker = _blocker(short, users, refs=[] if len(tags) == 1 else tags, force=force)
    if blocker is not None:
        raise blocker.error
    return RemovalPlan(untag=tuple(tags), delete=True)


def _blocker(
    short: str, users: list[tuple[str, bool]], *, refs: list[str], force: bool
) -> _Blocker | None:
    """``checkImageDeleteConflict``: hard conflicts always, soft ones unless ``force``."""
    running = [cid for cid, is_running in users if is_running]
    if running:
        return _Blocker(
            Conflict(
                f"conflict: unable to delete {short} (cannot be forced) - image is being used "
                f"by running container {running[0][:12]}"
            ),
            used=True,
        )
    if force:
        return None
    if refs:
        return _Blocker(
            Conflict(
                f"conflict: unable to delete {short} (must be forced) - image is referenced in "
                "multiple repositories"
            ),
            used=False,
        )
    stopped = [cid for cid, is_running in users if not is_running]
    if stopped:
        return _Blocker(
            Conflict(
                f"conflict: unable to delete {short} (must be forced) - image is being used by "
                f"stopped container {stopped[0][:12]}"
            ),
            used=True,
        )
    return None


def _is_id_prefix(image_id: str, candidate: str) -> bool:
    return image_id.startswith(candidate) or image_id.removeprefix("sha256:").startswith(candidate)

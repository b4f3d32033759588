"""The image store: what the engine and the API call for images (``ImageService``).

Records (images, their layers, tags) are in SQLite through ``ImageRepo``; config bytes in
``<root>/configs/<hex>.json``; layers in ``<root>/layers`` (see ``layers.py``). An index of all
of it is kept in memory behind a lock, because the engine resolves images from worker threads.

Import and load stage everything under ``<root>/tmp/dy-*`` in a worker thread, then commit on
the event loop in one step: layers renamed into place, configs written, one database
transaction. Any failure before or during the commit removes what was staged or placed, so a
failed import or load leaves nothing behind. Start-up sweeps ``tmp`` and any layer or config
that no record points to (what a crash mid-commit can leave).
"""

from __future__ import annotations

import copy
import logging
import re
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dockyard.errors import InvalidParameter, NotFound, RuntimeFailure
from dockyard.images import image_views
from dockyard.images.archive_save import SaveImage, write_archive
from dockyard.images.changes import build_config
from dockyard.images.image_config import (
    chain_ids,
    go_time,
    image_id_of,
    import_config,
    parse_config,
)
from dockyard.images.image_deletion import plan_removal
from dockyard.images.image_filters import select_images
from dockyard.images.layers import LayerStore, StagedLayer
from dockyard.images.loading import prepare_load
from dockyard.images.reference import is_image_id, parse_normalized, parse_tagged
from dockyard.images.staging import Scratch, blocking, spool, write_atomic
from dockyard.images.thread_stream import stream_from_thread
from dockyard.store.db import Database
from dockyard.store.image_repo import ImageRepo, ImageRow, LayerRow

log = logging.getLogger(__name__)

_HEX = re.compile(r"[a-f0-9]+")
EventSink = Callable[[str, str, dict[str, str]], None]
IMPORT_COMMENT_DEFAULT = "Imported from -"


@dataclass(frozen=True)
class Image:
    id: str  # "sha256:<64 hex>" = sha256 of the config JSON bytes
    config: dict[str, Any]  # the full image config JSON
    repo_tags: tuple[str, ...]
    layer_dirs: tuple[Path, ...]  # unpacked layer directories, lowest first


@dataclass(frozen=True)
class _Entry:
    id: str
    config: dict[str, Any]
    diff_ids: tuple[str, ...]
    last_tag_time: str


@dataclass(frozen=True)
class _NewImage:
    config_bytes: bytes
    tags: tuple[str, ...]


class ImageStore:
    def __init__(
        self,
        *,
        root: Path,
        db: Database,
        users: Callable[[str], list[str]],
        running: Callable[[str], bool] | None = None,
        on_event: EventSink | None = None,
    ) -> None:
        """``users(image_id)`` lists the containers using an image; ``running(container_id)``
        tells which of them run (without it every user counts as running, the safe side);
        ``on_event(action, actor_id, attributes)`` hears Docker's image events (import, load,
        save, tag, untag, delete), e.g. ``EventBus.publish`` with type ``image``."""
        self._root = root
        self._tmp = root / "tmp"
        self._configs = root / "configs"
        self._layers = LayerStore(root=root / "layers")
        self._repo = ImageRepo(db)
        self._users = users
        self._running = running or (lambda _cid: True)
        self._on_event = on_event
        self._lock = threading.RLock()
        self._images: dict[str, _Entry] = {}
        self._tags: dict[str, str] = {}
        self._layer_sizes: dict[str, int] = {}
        self._restore()

    # -- lookups (thread-safe) -----------------------------------------------------------

    def resolve(self, ref: str) -> Image:
        """An image by name[:tag], full or short ID, ``sha256:`` ID; Docker's lookup order."""
        with self._lock:
            return self._image(self._lookup(ref))

    def count(self) -> int:
        with self._lock:
            return len(self._images)

    def list_images(self, *, all: bool, filters: dict[str, list[str]]) -> list[dict[str, Any]]:
        with self._lock:
            entries = list(self._images.values())
            tags = self._tags_by_image()
            selected = select_images(
                entries=[(e.id, e.config, tags.get(e.id, [])) for e in entries],
                filters=filters,
                lookup=lambda ref: self._lookup(ref).config,
            )
            return [
                image_views.summary(
                    image_id=image_id, config=config, repo_tags=repo_tags, size=self._size(image_id)
                )
                for image_id, config, repo_tags in selected
            ]

    def inspect_image(self, name: str) -> dict[str, Any]:
        with self._lock:
            entry = self._lookup(name)
            return image_views.inspect(
                image_id=entry.id,
                config=entry.config,
                repo_tags=self._tags_by_image().get(entry.id, []),
                size=self._size(entry.id),
                layer_dirs=[self._layers.dir_for(d) for d in entry.diff_ids],
                last_tag_time=entry.last_tag_time,
            )

    # -- mutations (event loop) ----------------------------------------------------------

    async def import_image(
        self,
        body: AsyncIterator[bytes],
        *,
        repo: str,
        tag: str,
        changes: list[str],
        message: str,
    ) -> str:
        """``docker import``: one layer from a (compressed) rootfs tar, config from changes."""
        target = parse_tagged(repo, tag).familiar() if repo else None
        container_config = build_config(changes)
        comment = message or IMPORT_COMMENT_DEFAULT
        async with self._scratch("import") as tmp:
            await spool(body, tmp / "body")
            staged = await blocking(self._stage_import, tmp)
            created = go_time()
            config = import_config(
                container_config=container_config,
                diff_id=staged.diff_id,
                comment=comment,
                created=created,
            )
            self._commit([_NewImage(config, (target,) if target else ())], [staged])
        image_id = image_id_of(config)
        self._emit("import", image_id, image_id)
        return image_id

    async def load(self, body: AsyncIterator[bytes]) -> list[str]:
        """``docker load``: every image of a docker-archive, OCI layout or legacy tarball."""
        async with self._scratch("load") as tmp:
            await spool(body, tmp / "body")
            items, staged = await blocking(prepare_load, tmp / "body", tmp, self._layers)
            new = [_NewImage(item.config, item.tags) for item in items]
            with self._lock:
                previous = dict(self._tags)
            self._commit(new, staged)
        lines: list[str] = []
        for image in new:
            image_id = image_id_of(image.config_bytes)
            for tag in image.tags:
                old = previous.get(tag)
                if old is not None and old != image_id:
                    lines.append(
                        f"The image {tag} already exists, renaming the old one with ID {old} "
                        "to empty string"
                    )
                lines.append(f"Loaded image: {tag}")
        if not any(image.tags for image in new):
            lines = [f"Loaded image ID: {image_id_of(image.config_bytes)}" for image in new]
        for image in new:
            self._emit("load", image_id_of(image.config_bytes), image_id_of(image.config_bytes))
        return lines

    def save(self, names: list[str]) -> AsyncIterator[bytes]:
        """``docker save``: resolve now (errors before any byte), stream the tar later."""
        with self._lock:
            chosen: dict[str, list[str]] = {}
            for name in names:
                for image_id, tag in self._save_targets(name):
                    tags = chosen.setdefault(image_id, [])
                    if tag is not None and tag not in tags:
                        tags.append(tag)
            images = [self._save_image(image_id, tags) for image_id, tags in chosen.items()]
        for image in images:
            self._emit("save", image.id, image.id)
        return stream_from_thread(lambda out: write_archive(images, out))

    def tag(self, name: str, repo: str, tag: str) -> None:
        target = parse_tagged(repo, tag).familiar()
        with self._lock:
            entry = self._lookup(name)
            now = go_time()
            self._repo.set_tag(target, entry.id, now)
            self._tags[target] = entry.id
            self._images[entry.id] = replace(entry, last_tag_time=now)
        self._emit("tag", entry.id, target)

    def remove_image(self, name: str, *, force: bool, noprune: bool) -> list[dict[str, str]]:
        """``docker rmi``: untag, and delete once nothing refers to the image."""
        with self._lock:
            entry = self._lookup(name)
            plan = plan_removal(
                image_id=entry.id,
                name=name,
                tags=sorted(self._tags_by_image().get(entry.id, [])),
                users=[(cid, self._running(cid)) for cid in self._users(entry.id)],
                force=force,
            )
            for ref in plan.untag:
                self._repo.remove_tag(ref)
                self._tags.pop(ref, None)
                self._emit("untag", entry.id, entry.id)
            records: list[dict[str, str]] = [{"Untagged": ref} for ref in plan.untag]
            if plan.delete:
                records += self._delete(entry)
            return records

    # -- internals -----------------------------------------------------------------------

    def _lookup(self, ref: str) -> _Entry:
        if ref.startswith("sha256:"):
            return self._by_prefix(ref[len("sha256:") :], ref)
        if is_image_id(ref):
            return self._by_prefix(ref, ref)
        parsed = parse_normalized(ref).with_default_tag()
        image_id = self._tags.get(parsed.familiar()) if parsed.digest is None else None
        if image_id is not None and image_id in self._images:
            return self._images[image_id]
        if _HEX.fullmatch(ref):
            return self._by_prefix(ref, parsed.familiar())
        raise NotFound(f"No such image: {parsed.familiar()}")

    def _by_prefix(self, prefix: str, shown: str) -> _Entry:
        if prefix and _HEX.fullmatch(prefix):
            matches = [e for i, e in self._images.items() if i[len("sha256:") :].startswith(prefix)]
            if len(matches) == 1:
                return matches[0]
        raise NotFound(f"No such image: {shown}")

    def _emit(self, action: str, image_id: str, name: str) -> None:
        if self._on_event is not None:
            self._on_event(action, image_id, {"name": name})

    def _image(self, entry: _Entry) -> Image:
        return Image(
            id=entry.id,
            config=copy.deepcopy(entry.config),  # callers may edit theirs; ours stays intact
            repo_tags=tuple(sorted(self._tags_by_image().get(entry.id, []))),
            layer_dirs=tuple(self._layers.dir_for(d) for d in entry.diff_ids),
        )

    def _tags_by_image(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for ref, image_id in sorted(self._tags.items()):
            out.setdefault(image_id, []).append(ref)
        return out

    def _size(self, image_id: str) -> int:
        return sum(self._layer_sizes.get(d, 0) for d in set(self._images[image_id].diff_ids))

    def _stage_import(self, tmp: Path) -> StagedLayer:
        with open(tmp / "body", "rb") as raw:
            return self._layers.stage(raw, tmp / "layer")

    def _commit(self, new: list[_NewImage], staged: list[StagedLayer]) -> None:
        """Place layers and configs, then record everything in one transaction; or undo."""
        placed: list[str] = []
        written: list[Path] = []
        sizes = {s.diff_id: s.size for s in staged if s.path is not None}
        try:
            for layer in staged:
                if self._layers.commit(layer):
                    placed.append(layer.diff_id)
            rows = []
            now = go_time()
            for image in new:
                config = parse_config(image.config_bytes)
                diff_ids = tuple(config["rootfs"].get("diff_ids") or [])
                for diff_id in diff_ids:
                    if not self._layers.exists(diff_id):
                        raise RuntimeFailure(f"layer {diff_id} disappeared during the commit")
                image_id = image_id_of(image.config_bytes)
                path = self._configs / f"{image_id[len('sha256:') :]}.json"
                if not path.exists():
                    write_atomic(path, image.config_bytes)
                    written.append(path)
                layers = [
                    LayerRow(diff_id=d, size=sizes.get(d, self._layer_sizes.get(d, 0)))
                    for d in diff_ids
                ]
                row = ImageRow(image_id, diff_ids, now if image.tags else "")
                rows.append((row, layers, image.tags, config))
            with self._lock:
                self._repo.add_images([(row, layers, tags) for row, layers, tags, _ in rows])
                for row, layer_rows, tags, config in rows:
                    for layer_row in layer_rows:
                        self._layer_sizes.setdefault(layer_row.diff_id, layer_row.size)
                    old = self._images.get(row.id)
                    last = row.last_tag_time or (old.last_tag_time if old else "")
                    self._images[row.id] = _Entry(row.id, config, row.diff_ids, last)
                    for tag in tags:
                        self._tags[tag] = row.id
        except BaseException:
            for diff_id in placed:
                self._layers.remove(diff_id)
            for path in written:
                path.unlink(missing_ok=True)
            raise

    def _delete(self, entry: _Entry) -> list[dict[str, str]]:
        records = [{"Untagged": ref} for ref in self._tags_by_image().get(entry.id, [])]
        orphans = set(self._repo.remove_image(entry.id))
        for _ in records:
            self._emit("untag", entry.id, entry.id)
        for ref in [r for r, i in self._tags.items() if i == entry.id]:
            del self._tags[ref]
        del self._images[entry.id]
        (self._configs / f"{entry.id[len('sha256:') :]}.json").unlink(missing_ok=True)
        records.append({"Deleted": entry.id})
        self._emit("delete", entry.id, entry.id)
        chain = chain_ids(entry.diff_ids)
        for diff_id, chain_id in reversed(list(zip(entry.diff_ids, chain, strict=True))):
            if diff_id in orphans:
                orphans.discard(diff_id)
                self._layers.remove(diff_id)
                self._layer_sizes.pop(diff_id, None)
                records.append({"Deleted": chain_id})
        return records

    def _save_targets(self, name: str) -> list[tuple[str, str | None]]:
        """Docker's ``parseNames``: an ID, every tag of a bare name, or one name:tag."""
        if name.startswith("sha256:") or is_image_id(name):
            return [(self._lookup(name).id, None)]
        ref = parse_normalized(name)
        if ref.tag is None and ref.digest is None:
            familiar = ref.familiar_name
            tagged: list[tuple[str, str | None]] = [
                (i, t) for t, i in sorted(self._tags.items()) if t.rsplit(":", 1)[0] == familiar
            ]
            return tagged or [(self._lookup(name).id, None)]
        key = ref.familiar()
        if key not in self._tags:
            raise NotFound(f"No such image: {key}")
        return [(self._tags[key], key)]

    def _save_image(self, image_id: str, tags: list[str]) -> SaveImage:
        entry = self._images[image_id]
        if not entry.diff_ids:
            raise InvalidParameter("empty export - not implemented")
        config = (self._configs / f"{image_id[len('sha256:') :]}.json").read_bytes()
        return SaveImage(
            id=image_id,
            config=config,
            diff_ids=entry.diff_ids,
            layer_tars=tuple(self._layers.tar_for(d) for d in entry.diff_ids),
            tags=tuple(tags),
            mtime=image_views.created_unix(entry.config.get("created")),
        )

    def _restore(self) -> None:
        """Load the index; sweep staging leftovers and files no record points to."""
        shutil.rmtree(self._tmp, ignore_errors=True)
        self._tmp.mkdir(parents=True, exist_ok=True)
        self._configs.mkdir(parents=True, exist_ok=True)
        self._layer_sizes = {row.diff_id: row.size for row in self._repo.layers()}
        for diff_id in self._layers.stored_ids() - set(self._layer_sizes):
            log.info("removing unreferenced layer %s", diff_id)
            self._layers.remove(diff_id)
        for row in self._repo.images():
            path = self._configs / f"{row.id[len('sha256:') :]}.json"
            try:
                config = parse_config(path.read_bytes())
            except (OSError, InvalidParameter) as exc:
                log.error("image %s has no readable config (%s); skipped", row.id, exc)
                continue
            self._images[row.id] = _Entry(row.id, config, row.diff_ids, row.last_tag_time)
        known = {f"{i[len('sha256:') :]}.json" for i in self._images}
        for path in self._configs.iterdir():
            if path.name not in known:
                path.unlink(missing_ok=True)
        self._tags = {ref: i for ref, i in self._repo.tags().items() if i in self._images}

    def _scratch(self, kind: str) -> Scratch:
        return Scratch(Path(tempfile.mkdtemp(prefix=f"dy-{kind}-", dir=self._tmp)))

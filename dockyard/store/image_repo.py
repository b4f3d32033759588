"""Image records in SQLite: images, the layers they use (by diff_id), and tags.

Config blobs and layer contents live on disk, content-addressed, under the image store's root;
this file holds only what must change atomically: which images exist, which layers they hold in
which order, and which tag points where. One transaction adds an image with its layers and
tags, or removes it and reports the layers no image uses any more.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from dockyard.store.db import Database

MIGRATIONS = [
    (
        "images-1",
        [
            "CREATE TABLE layers (diff_id TEXT PRIMARY KEY, size INTEGER NOT NULL)",
            "CREATE TABLE images (id TEXT PRIMARY KEY, diff_ids TEXT NOT NULL,"
            " last_tag_time TEXT NOT NULL DEFAULT '')",
            "CREATE TABLE image_layers (image_id TEXT NOT NULL REFERENCES images(id)"
            " ON DELETE CASCADE, position INTEGER NOT NULL, diff_id TEXT NOT NULL"
            " REFERENCES layers(diff_id), PRIMARY KEY (image_id, position))",
            "CREATE INDEX image_layers_diff ON image_layers (diff_id)",
            "CREATE TABLE tags (ref TEXT PRIMARY KEY, image_id TEXT NOT NULL"
            " REFERENCES images(id))",
        ],
    )
]


@dataclass(frozen=True)
class ImageRow:
    id: str
    diff_ids: tuple[str, ...]
    last_tag_time: str


@dataclass(frozen=True)
class LayerRow:
    diff_id: str
    size: int


class ImageRepo:
    def __init__(self, db: Database) -> None:
        self._db = db
        for name, statements in MIGRATIONS:
            db.migrate(name, statements)

    # -- reads ---------------------------------------------------------------------------

    def images(self) -> list[ImageRow]:
        rows = self._db.conn.execute("SELECT id, diff_ids, last_tag_time FROM images").fetchall()
        return [
            ImageRow(id=r["id"], diff_ids=tuple(json.loads(r["diff_ids"])), last_tag_time=r[2])
            for r in rows
        ]

    def layers(self) -> list[LayerRow]:
        rows = self._db.conn.execute("SELECT diff_id, size FROM layers").fetchall()
        return [LayerRow(diff_id=r["diff_id"], size=r["size"]) for r in rows]

    def tags(self) -> dict[str, str]:
        rows = self._db.conn.execute("SELECT ref, image_id FROM tags").fetchall()
        return {r["ref"]: r["image_id"] for r in rows}

    # -- writes --------------------------------------------------------------------------

    def add_images(
        self, entries: Sequence[tuple[ImageRow, Sequence[LayerRow], Sequence[str]]]
    ) -> None:
        """In one transaction, record each image (kept if it exists) with its layers and tags."""
        with self._db.transaction() as conn:
            for image, layers, tags in entries:
                conn.executemany(
                    "INSERT OR IGNORE INTO layers (diff_id, size) VALUES (?, ?)",
                    [(layer.diff_id, layer.size) for layer in layers],
                )
                inserted = conn.execute(
                    "INSERT OR IGNORE INTO images (id, diff_ids, last_tag_time) VALUES (?, ?, ?)",
                    (image.id, json.dumps(list(image.diff_ids)), image.last_tag_time),
                ).rowcount
                if inserted:
                    conn.executemany(
                        "INSERT INTO image_layers (image_id, position, diff_id) VALUES (?, ?, ?)",
                        [(image.id, i, d) for i, d in enumerate(image.diff_ids)],
                    )
                self._set_tags(conn, image.id, tags, image.last_tag_time)

    def set_tag(self, ref: str, image_id: str, tag_time: str) -> None:
        with self._db.transaction() as conn:
            self._set_tags(conn, image_id, [ref], tag_time)

    def remove_tag(self, ref: str) -> None:
        self._db.conn.execute("DELETE FROM tags WHERE ref = ?", (ref,))

    def remove_image(self, image_id: str) -> list[str]:
        """Delete an image and its tags; return the diff_ids no image uses any more."""
        with self._db.transaction() as conn:
            diff_ids = [
                r[0]
                for r in conn.execute(
                    "SELECT DISTINCT diff_id FROM image_layers WHERE image_id = ?", (image_id,)
                )
            ]
            conn.execute("DELETE FROM tags WHERE image_id = ?", (image_id,))
            conn.execute("DELETE FROM images WHERE id = ?", (image_id,))
            orphans = [
                d
                for d in diff_ids
                if conn.execute(
                    "SELECT 1 FROM image_layers WHERE diff_id = ? LIMIT 1", (d,)
                ).fetchone()
                is None
            ]
            conn.executemany("DELETE FROM layers WHERE diff_id = ?", [(d,) for d in orphans])
        return orphans

    @staticmethod
    def _set_tags(
        conn: sqlite3.Connection, image_id: str, tags: Sequence[str], tag_time: str
    ) -> None:
        for ref in tags:
            conn.execute(
                "INSERT INTO tags (ref, image_id) VALUES (?, ?) "
                "ON CONFLICT(ref) DO UPDATE SET image_id = excluded.image_id",
                (ref, image_id),
            )
        if tags:
            conn.execute("UPDATE images SET last_tag_time = ? WHERE id = ?", (tag_time, image_id))

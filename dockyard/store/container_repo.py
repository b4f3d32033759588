"""Container records in SQLite: one row per container, the record as JSON.

Queries by anything but the ID happen in memory (the engine keeps every record loaded), so the
table stays a plain key-value store that survives schema changes of the record itself.
"""

from __future__ import annotations

import json
from typing import Any

from dockyard.store.db import Database

MIGRATIONS = [
    (
        "containers-1",
        [
            "CREATE TABLE containers (id TEXT PRIMARY KEY, name TEXT NOT NULL, data TEXT NOT NULL)",
            "CREATE UNIQUE INDEX containers_name ON containers (name)",
        ],
    )
]


class ContainerRepo:
    def __init__(self, db: Database) -> None:
        self._db = db
        for name, statements in MIGRATIONS:
            db.migrate(name, statements)

    def save(self, container_id: str, name: str, data: dict[str, Any]) -> None:
        self._db.conn.execute(
            "INSERT INTO containers (id, name, data) VALUES (?, ?, ?) "
            "ON CONFLICT(id) DO UPDATE SET name = excluded.name, data = excluded.data",
            (container_id, name, json.dumps(data)),
        )

    def delete(self, container_id: str) -> None:
        self._db.conn.execute("DELETE FROM containers WHERE id = ?", (container_id,))

    def load_all(self) -> list[dict[str, Any]]:
        rows = self._db.conn.execute("SELECT data FROM containers").fetchall()
        return [json.loads(row["data"]) for row in rows]

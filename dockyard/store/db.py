"""The SQLite file that holds the engine's state.

One connection, used only from the event loop thread, in WAL mode so a crash at any point leaves
a consistent file. Each repository brings its own schema as a list of migrations; the
``migrations`` table remembers which ones ran, so an old data root upgrades in place.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


class Database:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute("PRAGMA foreign_keys=ON")
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at REAL)"
        )

    def migrate(self, name: str, statements: Sequence[str]) -> None:
        """Run ``statements`` once per database, identified by ``name``."""
        done = self.conn.execute("SELECT 1 FROM migrations WHERE name = ?", (name,)).fetchone()
        if done:
            return
        with self.transaction():
            for sql in statements:
                self.conn.execute(sql)
            self.conn.execute(
                "INSERT INTO migrations (name, applied_at) VALUES (?, strftime('%s','now'))",
                (name,),
            )

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()

"""SQLite-backed state: the database file and one repository per kind of record."""

from dockyard.store.db import Database

__all__ = ["Database"]

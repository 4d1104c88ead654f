"""A throwaway SQLite database through haas's engine, with one table of the test's own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text

from haas_core.db.engine import Database


@contextmanager
def scratch_database(path: Path, create_table: str) -> Iterator[Database]:
    """A ``Database`` on a new SQLite file at ``path``, after ``create_table`` (SQL)."""
    db = Database(f"sqlite:///{path}")
    try:
        with db.session() as s, s.begin():
            s.execute(text(create_table))
        yield db
    finally:
        db.dispose()

"""SQLite writers queue on a lock file beside the database (haas_core/db/engine.py).

The queue is held from just before ``BEGIN IMMEDIATE`` to the end of the
transaction, whichever way it ends, and never by a read-only transaction.
Another open file description probes it with ``LOCK_NB``, as another process
would see it.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from haas_core.db.engine import Database
from tests.support.scratch_db import scratch_database


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with scratch_database(tmp_path / "haas.db", "CREATE TABLE t (x INTEGER)") as db:
        yield db


def queue_is_held(tmp_path: Path) -> bool:
    fd = os.open(tmp_path / "haas.db-write-queue", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # also drops the lock this probe may have taken
    return False


def test_write_transaction_holds_the_queue_until_commit(
    database: Database, tmp_path: Path
) -> None:
    with database.session() as s:
        with s.begin():
            s.execute(text("INSERT INTO t VALUES (1)"))
            assert queue_is_held(tmp_path)
        assert not queue_is_held(tmp_path)
    with database.session(write=False) as s:
        assert s.execute(text("SELECT x FROM t")).scalars().all() == [1]


def test_rolled_back_write_releases_the_queue(database: Database, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), database.session() as s, s.begin():
        s.execute(text("INSERT INTO t VALUES (2)"))
        raise RuntimeError("abandon")
    assert not queue_is_held(tmp_path)
    with database.session(write=False) as s:
        assert s.execute(text("SELECT count(*) FROM t")).scalar() == 0


def test_failed_statement_releases_the_queue(database: Database, tmp_path: Path) -> None:
    with database.session() as s, pytest.raises(Exception, match="no such table"), s.begin():
        s.execute(text("INSERT INTO missing VALUES (1)"))
    assert not queue_is_held(tmp_path)


def test_read_transaction_does_not_take_the_queue(database: Database, tmp_path: Path) -> None:
    with database.session(write=False) as s:
        s.execute(text("SELECT count(*) FROM t"))
        assert not queue_is_held(tmp_path)


def test_second_writer_waits_for_the_first_and_both_commit(database: Database) -> None:
    """Two write transactions at once: the second starts only after the first ended."""
    inside = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def first() -> None:
        with database.session() as s, s.begin():
            s.execute(text("INSERT INTO t VALUES (10)"))
            order.append("first in")
            inside.set()
            release.wait(10)
            order.append("first out")

    def second() -> None:
        inside.wait(10)
        with database.session() as s, s.begin():
            s.execute(text("INSERT INTO t VALUES (20)"))  # the transaction begins here
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    inside.wait(10)
    threads[1].join(0.3)  # it is queued, not failed: still running
    assert threads[1].is_alive()
    release.set()
    for thread in threads:
        thread.join(10)
    assert order == ["first in", "first out", "second in"]
    with database.session(write=False) as s:
        assert sorted(s.execute(text("SELECT x FROM t")).scalars()) == [10, 20]


def test_in_memory_database_has_no_queue_file(tmp_path: Path) -> None:
    db = Database("sqlite://")
    with db.session() as s, s.begin():
        s.execute(text("CREATE TABLE t (x INTEGER)"))
        s.execute(text("INSERT INTO t VALUES (1)"))
    db.dispose()
    assert not list(tmp_path.iterdir())


def test_queue_file_takes_the_database_files_mode(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    Database(f"sqlite:///{path}").dispose()
    path.touch()
    path.chmod(0o660)
    old_umask = os.umask(0o007)
    try:
        db = Database(f"sqlite:///{path}")
        with db.session() as s, s.begin():
            s.execute(text("CREATE TABLE t (x INTEGER)"))
        db.dispose()
    finally:
        os.umask(old_umask)
    assert (tmp_path / "shared.db-write-queue").stat().st_mode & 0o777 == 0o660

"""The agent's outcome recorder (haas_core/agent/recorder.py): outcomes that queue
up while a transaction is written share the next one, and one that fails fails
alone."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from haas_core.agent.recorder import OutcomeRecorder
from haas_core.db.engine import Database


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'haas.db'}")
    with db.session() as s, s.begin():
        s.execute(text("CREATE TABLE outcome (x INTEGER NOT NULL UNIQUE)"))
    yield db
    db.dispose()


def count_commits(db: Database) -> list[int]:
    commits: list[int] = []
    event.listen(db.engine, "commit", lambda _conn: commits.append(1))
    return commits


def insert(x: int):
    def write(db: Session) -> int:
        db.execute(text("INSERT INTO outcome VALUES (:x)"), {"x": x})
        return x

    return write


def stored(db: Database) -> list[int]:
    with db.session(write=False) as s:
        return sorted(s.execute(text("SELECT x FROM outcome")).scalars())


def test_outcomes_queued_during_a_write_share_the_next_transaction(database: Database) -> None:
    recorder = OutcomeRecorder(database)
    commits = count_commits(database)
    writing, gate = threading.Event(), threading.Event()
    seen: list[int] = []

    def blocked_write(db: Session) -> int:
        writing.set()
        gate.wait(10)  # the recorder is busy: the next outcomes queue up
        return insert(0)(db)

    futures = [recorder.submit(blocked_write, seen.append)]
    assert writing.wait(10)
    futures += [recorder.submit(insert(x), seen.append) for x in range(1, 51)]
    gate.set()
    for future in futures:
        future.result(timeout=10)
    recorder.close()
    assert stored(database) == list(range(51))
    assert sorted(seen) == list(range(51)), "each outcome's follow-up ran once, after commit"
    assert len(commits) == 2


def test_a_failing_outcome_fails_alone_and_the_others_are_written(database: Database) -> None:
    recorder = OutcomeRecorder(database)
    writing, gate = threading.Event(), threading.Event()

    def blocked_write(db: Session) -> int:
        writing.set()
        gate.wait(10)
        return insert(100)(db)

    first = recorder.submit(blocked_write, lambda _: None)
    assert writing.wait(10)
    good = [recorder.submit(insert(x), lambda _: None) for x in (1, 2)]
    duplicate = recorder.submit(insert(1), lambda _: None)  # breaks the UNIQUE constraint
    more = recorder.submit(insert(3), lambda _: None)
    gate.set()
    for future in [first, *good, more]:
        future.result(timeout=10)
    with pytest.raises(Exception, match="UNIQUE"):
        duplicate.result(timeout=10)
    recorder.close()
    assert stored(database) == [1, 2, 3, 100]


def test_a_failing_follow_up_is_reported_to_its_worker(database: Database) -> None:
    recorder = OutcomeRecorder(database)

    def then(_: int) -> None:
        raise RuntimeError("observer bug")

    future = recorder.submit(insert(7), then)
    with pytest.raises(RuntimeError, match="observer bug"):
        future.result(timeout=10)
    recorder.close()
    assert stored(database) == [7], "the outcome itself is committed"


def test_close_writes_what_is_queued(database: Database) -> None:
    recorder = OutcomeRecorder(database)
    futures = [recorder.submit(insert(x), lambda _: None) for x in range(20)]
    recorder.close()
    assert all(future.done() for future in futures)
    assert stored(database) == list(range(20))

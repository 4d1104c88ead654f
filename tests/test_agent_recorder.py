"""The agent's outcome recorder (haas_core/agent/recorder.py): outcomes that queue
up while a transaction is written share the next one, written by one call, and one
that fails fails alone."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from haas_core.agent.recorder import OutcomeRecorder
from haas_core.db.engine import Database
from tests.support.scratch_db import scratch_database

#: The item whose write waits for the test: the recorder is busy meanwhile.
BLOCKING = 1000


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    table = "CREATE TABLE outcome (x INTEGER NOT NULL UNIQUE)"
    with scratch_database(tmp_path / "haas.db", table) as db:
        yield db


class Writer:
    """``write_many`` for integers: inserts each, returns ten times each."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []
        self.writing, self.gate = threading.Event(), threading.Event()

    def __call__(self, db: Session, items: list[int]) -> list[int]:
        self.calls.append(list(items))
        if BLOCKING in items:
            self.writing.set()
            self.gate.wait(10)
        for x in items:
            db.execute(text("INSERT INTO outcome VALUES (:x)"), {"x": x})
        return [10 * x for x in items]

    def hold_the_recorder(self, recorder: OutcomeRecorder[int, int]) -> Future[None]:
        """Submit BLOCKING and wait until the recorder is writing it."""
        future = recorder.submit(BLOCKING, lambda _: None)
        assert self.writing.wait(10)
        return future


def stored(db: Database) -> list[int]:
    with db.session(write=False) as s:
        return sorted(s.execute(text("SELECT x FROM outcome")).scalars())


def test_outcomes_queued_during_a_write_share_the_next_call_and_transaction(
    database: Database,
) -> None:
    writer = Writer()
    recorder = OutcomeRecorder(database, writer)
    first = writer.hold_the_recorder(recorder)
    seen: list[int] = []
    futures = [recorder.submit(x, seen.append) for x in range(1, 51)]
    writer.gate.set()
    for future in [first, *futures]:
        future.result(timeout=10)
    recorder.close()
    assert writer.calls == [[BLOCKING], list(range(1, 51))]
    assert stored(database) == [*range(1, 51), BLOCKING]
    assert seen == [10 * x for x in range(1, 51)], "each follow-up got its own result, in order"


def test_a_failing_outcome_fails_alone_and_the_others_are_written(database: Database) -> None:
    writer = Writer()
    recorder = OutcomeRecorder(database, writer)
    first = writer.hold_the_recorder(recorder)
    good = [recorder.submit(x, lambda _: None) for x in (1, 2)]
    duplicate = recorder.submit(1, lambda _: None)  # breaks the UNIQUE constraint
    more = recorder.submit(3, lambda _: None)
    writer.gate.set()
    for future in [first, *good, more]:
        future.result(timeout=10)
    with pytest.raises(Exception, match="UNIQUE"):
        duplicate.result(timeout=10)
    recorder.close()
    assert writer.calls[1] == [1, 2, 1, 3], "written together first"
    assert writer.calls[2:] == [[1], [2], [1], [3]], "then one by one"
    assert stored(database) == [1, 2, 3, BLOCKING]


def test_a_failing_follow_up_is_reported_to_its_worker(database: Database) -> None:
    recorder = OutcomeRecorder(database, Writer())

    def then(_: int) -> None:
        raise RuntimeError("observer bug")

    future = recorder.submit(7, then)
    with pytest.raises(RuntimeError, match="observer bug"):
        future.result(timeout=10)
    recorder.close()
    assert stored(database) == [7], "the outcome itself is committed"


def test_close_writes_what_is_queued(database: Database) -> None:
    recorder = OutcomeRecorder(database, Writer())
    futures = [recorder.submit(x, lambda _: None) for x in range(20)]
    recorder.close()
    assert all(future.done() for future in futures)
    assert stored(database) == list(range(20))

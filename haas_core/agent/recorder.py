"""Writing outcomes: one thread for the whole agent, many outcomes to a transaction.

Every switch worker hands the outcome of each action here and goes on with its next
change. Outcomes that arrive while a transaction is being written (or waits for the
database, as on SQLite behind a stream of API requests) are written together in the
next one, written by one call of ``write_many`` (a statement per kind of write for
the whole group): one commit for all switches instead of one per action. When a shared
transaction fails, each of its outcomes is written again alone, so one bad outcome
fails only its own worker.

One thread writes, on both databases. SQLite takes one writer at a time anyway. On
PostgreSQL four threads once wrote side by side, when a single one fell behind the
switches; since an outcome's writes got cheaper, one thread keeps up, and its larger
groups cost less CPU: under the agent benchmark with two busy cores, ratios 1.09-1.15
with one thread against 1.18-1.19 with four.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from haas_core.db.engine import Database

LOG = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")

#: Most outcomes in one transaction: keeps a transaction (and its write lock) short.
MAX_PER_TRANSACTION = 200


@dataclass
class Outcome(Generic[T, R]):
    item: T
    #: Runs once the transaction committed, with what ``write_many`` returned for the item.
    then: Callable[[R], None]
    done: Future[None] = field(default_factory=Future)


class OutcomeRecorder(Generic[T, R]):
    def __init__(
        self, db: Database, write_many: Callable[[Session, list[T]], Sequence[R]]
    ) -> None:
        """``write_many(db, items)`` writes items in the given transaction and returns a
        result per item, in order."""
        self._db = db
        self._write_many = write_many
        self._queue: queue.SimpleQueue[Outcome[T, R] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        self._thread.start()

    def submit(self, item: T, then: Callable[[R], None]) -> Future[None]:
        """Queue an outcome; the future ends when it is committed (or failed)."""
        outcome = Outcome(item, then)
        self._queue.put(outcome)
        return outcome.done

    def close(self) -> None:
        """Write what is queued, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < MAX_PER_TRANSACTION:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            self._write(batch)
            if stop:
                return

    def _write(self, batch: list[Outcome[T, R]]) -> None:
        try:
            with self._db.session() as db, db.begin():
                results = self._write_many(db, [outcome.item for outcome in batch])
        except Exception as exc:  # noqa: BLE001 - handed to the workers waiting on it
            if len(batch) == 1:
                batch[0].done.set_exception(exc)
                return
            LOG.warning("writing %d outcomes together failed (%s); one by one", len(batch), exc)
            for outcome in batch:
                self._write([outcome])
            return
        for outcome, result in zip(batch, results, strict=True):
            try:
                outcome.then(result)
            except Exception as exc:  # noqa: BLE001 - handed to the worker waiting on it
                outcome.done.set_exception(exc)
            else:
                outcome.done.set_result(None)

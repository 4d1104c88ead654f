"""Waking the agent: at once on PostgreSQL (LISTEN/NOTIFY), by a short poll on SQLite.

Either way :meth:`Waiter.wake` (a finished batch, SIGTERM) interrupts the wait. A wait
returns the switches that notifications named, when it knows them: the agent need not
look at the table for switches it already drives.
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import threading
from typing import Any

from haas_core.db.engine import Database
from haas_core.networking import NOTIFY_CHANNEL

LOG = logging.getLogger(__name__)


class Waiter:
    """Sleeps up to ``interval`` seconds (``busy_interval`` while the agent has switches in
    hand: work for them then waits no longer than that) or until woken."""

    def __init__(self, interval: float, busy_interval: float | None = None) -> None:
        self.interval = interval
        self.busy_interval = min(interval, busy_interval if busy_interval else interval)
        self._event = threading.Event()

    def wake(self) -> None:
        self._event.set()

    def wait(self, busy: bool = False) -> set[int] | None:
        """Sleep; then the switches with new work, or None when that is unknown (a poll,
        a wake): look at them all."""
        self._event.wait(self.busy_interval if busy else self.interval)
        self._event.clear()
        return None

    def close(self) -> None:
        pass


class PgNotifyWaiter(Waiter):
    """LISTENs on its own connection; a NOTIFY (sent at the commit of a queued action)
    or a wake ends the wait, else a fallback poll after ``interval``."""

    def __init__(self, database: Database, interval: float) -> None:
        super().__init__(interval)
        # A connection of its own, outside the pool: it stays in LISTEN mode.
        dialect = database.engine.dialect
        cargs, cparams = dialect.create_connect_args(database.engine.url)
        self._conn: Any = dialect.connect(*cargs, **cparams)
        self._conn.autocommit = True
        with contextlib.closing(self._conn.cursor()) as cur:
            cur.execute(f"LISTEN {NOTIFY_CHANNEL}")
        self._pipe_r, self._pipe_w = os.pipe()
        # A wake may come from another thread after the loop ended and closed the pipe
        # (Agent.stop), or from a signal handler during close: never write to a closed fd.
        self._closing = threading.RLock()
        self._closed = False

    def wake(self) -> None:
        with self._closing:
            if not self._closed:
                os.write(self._pipe_w, b"x")

    def wait(self, busy: bool = False) -> set[int] | None:
        readable, _, _ = select.select([self._conn, self._pipe_r], [], [], self.interval)
        named: set[int] | None = None
        if self._conn in readable:
            self._conn.poll()
            payloads = [notify.payload for notify in self._conn.notifies]
            self._conn.notifies.clear()
            # Each names a switch; '' is an action without one (see fail_orphans).
            if payloads and all(payload.isdigit() for payload in payloads):
                named = {int(payload) for payload in payloads}
        if self._pipe_r in readable:
            os.read(self._pipe_r, 4096)
            named = None  # a wake asks for a full look
        return named

    def close(self) -> None:
        with self._closing:
            self._closed = True
            self._conn.close()
            os.close(self._pipe_r)
            os.close(self._pipe_w)


def make_waiter(
    database: Database, poll: float, fallback_poll: float, busy_poll: float | None = None
) -> Waiter:
    if database.engine.dialect.name == "postgresql":
        return PgNotifyWaiter(database, fallback_poll)  # notifications: no busy polling
    return Waiter(poll, busy_poll)

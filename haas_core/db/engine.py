"""Engines and sessions for SQLite and PostgreSQL.

SQLite gets WAL, foreign keys, a busy timeout, and ``BEGIN IMMEDIATE`` for
write transactions: a deferred transaction that reads and then writes can
fail at once when another writer committed in between, while an immediate
one waits its turn. Read-only requests keep plain deferred transactions.

Writers also queue on a lock file beside the database (``flock``, shared by every
process), taken just before ``BEGIN IMMEDIATE`` and released after the commit or
rollback. SQLite's own busy handler polls with sleeps growing to 100 ms, so under a
steady stream of writes (the API queueing actions while the network agent records
outcomes) a waiting writer could miss many free moments and wait a second or more; a
blocked ``flock`` wakes the moment the lock is free.

On PostgreSQL a pooled connection is pinged before use only when it sat idle for
a while: one in constant use is known to be alive, and pinging it on every
checkout cost a round trip per request (and several per networking action).
"""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import time
from contextlib import AbstractContextManager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: A PostgreSQL connection idle longer than this is pinged before use.
PING_AFTER_IDLE_SECONDS = 1.0


class _QueuedWriterConnection(sqlite3.Connection):
    """A sqlite3 connection whose write transactions take turns on a lock file."""

    def __init__(self, database: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        name = os.fspath(database)
        self._queue_path = None if name in ("", ":memory:") else f"{name}-write-queue"
        self._queue_fd = -1
        self._queued = False
        # Whoever may write the database may queue: the mode of the database file, as
        # SQLite gives its -wal and -shm files.
        try:
            self._file_mode = os.stat(name).st_mode & 0o666
        except OSError:
            self._file_mode = 0o600

    def enter_write_queue(self) -> None:
        if self._queue_path is None or self._queued:
            return
        if self._queue_fd < 0:
            self._queue_fd = os.open(
                self._queue_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, self._file_mode
            )
        fcntl.flock(self._queue_fd, fcntl.LOCK_EX)  # releases the GIL while it waits
        self._queued = True

    def leave_write_queue(self) -> None:
        if self._queued:
            self._queued = False
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_write_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_write_queue()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_write_queue()
            if self._queue_fd >= 0:
                os.close(self._queue_fd)
                self._queue_fd = -1


def normalize_url(url: str) -> URL:
    """``url`` with psycopg2 as the PostgreSQL driver when none is named
    (SQLAlchemy 2.1 would pick psycopg 3, which haas does not install)."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed


def make_engine(url: str, pool_size: int = 10, prepared_statements: bool = True) -> Engine:
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            parsed,
            connect_args={
                "check_same_thread": False,
                "timeout": 30,
                "factory": _QueuedWriterConnection,
            },
        )
        _prepare_sqlite(engine)
        return engine
    engine = create_engine(parsed, pool_size=pool_size, max_overflow=pool_size)
    _ping_idle_connections(engine)
    if prepared_statements:
        _plan_once_per_connection(engine)
    return engine


#: Execution option: on PostgreSQL, plan this statement once per connection (a server-side
#: prepared statement) instead of on every execution. For the few statements that run once
#: or more per networking action, whose planning cost more than their execution (a 5-table
#: join plans in 0.3 ms idle, 0.6-0.8 ms under load, and runs in 0.1). Only for statements
#: whose parameters PostgreSQL can type from their context.
PREPARED = "haas_prepared"
_PARAM = re.compile(r"%\(([^)]+)\)s")


def _plan_once_per_connection(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(_dbapi_conn: Any, record: Any) -> None:
        record.info["haas_prepared"] = {}  # a new server session has none

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _before_execute(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool
    ) -> tuple[str, Any]:
        if (
            executemany
            or context is None
            or not context.execution_options.get(PREPARED)
            or not isinstance(params, dict)
        ):
            return statement, params
        prepared: dict[str, tuple[str, list[str]]] = conn.connection.info["haas_prepared"]
        known = prepared.get(statement)
        if known is None:
            order = list(dict.fromkeys(_PARAM.findall(statement)))
            body = _PARAM.sub(lambda m: f"${order.index(m[1]) + 1}", statement)
            name = f"haas_{len(prepared)}"
            cursor.execute(f"PREPARE {name} AS {body.replace('%%', '%')}")
            known = prepared[statement] = (name, order)
        name, order = known
        args = ", ".join(f"%({param})s" for param in order)
        return f"EXECUTE {name}({args})" if order else f"EXECUTE {name}", params


def _ping_idle_connections(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["haas_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("haas_idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return  # new, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as error:
            # The pool drops this connection and checks out another (or a new one).
            raise exc.DisconnectionError(str(error)) from error


def _prepare_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take over transaction control from the sqlite3 module.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if not conn.get_execution_options().get("haas_write", False):
            conn.exec_driver_sql("BEGIN")
            return
        dbapi_conn = conn.connection.dbapi_connection
        dbapi_conn.enter_write_queue()
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            dbapi_conn.leave_write_queue()
            raise


class Database:
    """One engine and the two session factories (read, write) built on it."""

    def __init__(self, url: str, pool_size: int = 10, prepared_statements: bool = True) -> None:
        self.engine = make_engine(url, pool_size, prepared_statements)
        self._writer = self.engine.execution_options(haas_write=True)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self._writer, expire_on_commit=False)

    def session(self, write: bool = True) -> Session:
        return (self._write if write else self._read)()

    def write_transaction(self) -> AbstractContextManager[Connection]:
        """A Core connection in a writing transaction, committed when the block ends:
        for a few prebuilt statements run very often, without an ORM session's cost."""
        return self._writer.begin()

    def dispose(self) -> None:
        self.engine.dispose()

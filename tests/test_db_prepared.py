"""Statements flagged ``PREPARED`` are planned once per PostgreSQL connection (a
server-side prepared statement, haas_core/db/engine.py) and give the same results as
when sent whole; a new connection prepares them again; the option turns it off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, text

from haas_core.db.engine import PREPARED, make_engine

#: One parameter twice, another once, and a literal percent sign.
QUERY = text(
    "SELECT :word || '%' AS tagged, :word = :other AS same, length(:word) AS n"
).execution_options(**{PREPARED: True})


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_url)
    yield engine
    engine.dispose()


def prepared_here(conn: Connection) -> list[str]:
    return list(
        conn.exec_driver_sql(
            "SELECT statement FROM pg_prepared_statements WHERE name LIKE 'haas%%'"
        ).scalars()
    )


def test_a_flagged_statement_is_prepared_once_and_answers_as_sent_whole(engine: Engine) -> None:
    with engine.connect() as conn:
        for word, other in (("a", "a"), ("bc", "x"), ("d'e", "d'e")):
            row = conn.execute(QUERY, {"word": word, "other": other}).one()
            assert tuple(row) == (word + "%", word == other, len(word))
        assert prepared_here(conn) == [
            "PREPARE haas_0 AS SELECT $1 || '%' AS tagged, $1 = $2 AS same, length($1) AS n"
        ]
        unflagged = text("SELECT :word AS w")
        assert conn.execute(unflagged, {"word": "z"}).scalar() == "z"
        assert len(prepared_here(conn)) == 1  # only flagged statements are prepared


def test_a_new_connection_prepares_again(engine: Engine) -> None:
    with engine.connect() as conn:
        assert conn.execute(QUERY, {"word": "a", "other": "b"}).one().n == 1
        conn.invalidate()  # the server session is gone, and its prepared statements
        conn.rollback()
        assert conn.execute(QUERY, {"word": "abc", "other": "b"}).one().n == 3
        assert len(prepared_here(conn)) == 1


def test_a_failing_execution_leaves_the_statement_prepared(engine: Engine) -> None:
    numbers = text("SELECT 10 / :d AS q").execution_options(**{PREPARED: True})
    with engine.connect() as conn:
        with pytest.raises(Exception, match="division by zero"):
            conn.execute(numbers, {"d": 0})
        conn.rollback()
        assert conn.execute(numbers, {"d": 5}).scalar() == 2


def test_the_option_off_prepares_nothing(pg_url: str) -> None:
    engine = make_engine(pg_url, prepared_statements=False)
    try:
        with engine.connect() as conn:
            assert conn.execute(QUERY, {"word": "a", "other": "a"}).one().same is True
            assert prepared_here(conn) == []
    finally:
        engine.dispose()

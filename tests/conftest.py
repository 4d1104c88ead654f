"""Fixtures: every API test runs on SQLite and on PostgreSQL.

PostgreSQL is a throwaway cluster started once per session (or the database
named by ``$HAAS_TEST_PG_URL``); each test starts from empty tables.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from haas_core.db import migrate
from haas_core.db.engine import make_engine
from haas_core.db.models import Base, Project
from haas_core.services import Services
from haas_plugins_auth.database.backend import DatabaseAuth
from haas_plugins_auth.database.models import User
from tests.support.app import Api, build, make_conf
from tests.support.pgcluster import PgCluster, find_pg_bin

DB_KINDS = ("sqlite", "postgresql")

#: The users of the default world: name -> (password, is_admin, projects).
USERS: dict[str, tuple[str, bool, list[str]]] = {
    "admin": ("admin-pw", True, []),
    "alice": ("alice-pw", False, ["p1"]),
    "bob": ("bob-pw", False, ["p2"]),
}


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "haas.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """An upgraded PostgreSQL database for the session."""
    given = os.environ.get("HAAS_TEST_PG_URL")
    if given:
        migrate.upgrade(given)
        yield given
        return
    if find_pg_bin() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed, and CI must run every test")
        pytest.skip("PostgreSQL is not installed (apt-get install -y postgresql)")
    cluster = PgCluster().start()
    try:
        url = cluster.create_database("haas_test")
        migrate.upgrade(url)
        yield url
    finally:
        cluster.stop()


def _empty_pg(url: str) -> None:
    migrate.installed_branches()  # every plugin's tables are in Base.metadata
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=DB_KINDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, upgraded database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "haas.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_url")
    _empty_pg(url)
    return url


MakeServices = Callable[..., Services]


@pytest.fixture
def make_services(db_url: str, tmp_path: Path) -> Iterator[MakeServices]:
    """``make_services({"plugins": {"auth": "null"}})``: a haas with config overrides."""
    built: list[Services] = []

    def make(overrides: dict[str, dict[str, Any]] | None = None) -> Services:
        conf = make_conf(tmp_path / f"haas{len(built)}.conf", db_url, overrides)
        services = build(conf)
        built.append(services)
        return services

    yield make
    for services in built:
        services.db.dispose()


def seed_users(services: Services, users: dict[str, tuple[str, bool, list[str]]]) -> None:
    auth = services.auth
    assert isinstance(auth, DatabaseAuth)
    with services.db.session() as db, db.begin():
        projects: dict[str, Project] = {}
        for name, (password, is_admin, member_of) in users.items():
            user = User(
                label=name, hashed_password=auth.hash_password(password), is_admin=is_admin
            )
            for label in member_of:
                if label not in projects:
                    projects[label] = Project(label=label)
                user.projects.append(projects[label])
            db.add(user)


@pytest.fixture
def services(make_services: MakeServices) -> Services:
    return make_services()


@pytest.fixture
def api(services: Services) -> Api:
    """The default world: admin; alice in project p1; bob in project p2."""
    seed_users(services, USERS)
    return Api(services, {name: pw for name, (pw, _, _) in USERS.items()})

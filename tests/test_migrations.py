"""Migrations build the models' schema from nothing, and the schema holds the invariants.

Upgrades start from an empty database of each kind (a fresh SQLite file, a fresh
database on the session's PostgreSQL server). The invariant tests insert rows with
SQLAlchemy Core, bypassing every check the API makes, so only the schema stands
between them and a broken invariant.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, insert, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from haas_core.db import migrate
from haas_core.db.engine import make_engine
from haas_core.db.models import Base
from tests.support.app import write_config

HAAS_MANAGE = Path(sys.executable).parent / "haas-manage"
DB_KINDS = ("sqlite", "postgresql")


# ---------------------------------------------------------------- fixtures


def _create_pg_database(server_url: str) -> tuple[str, Callable[[], None]]:
    """A new, empty database on the server of ``server_url``, and how to drop it."""
    name = f"haas_migrate_{uuid.uuid4().hex[:12]}"
    admin = make_engine(
        make_url(server_url).set(database="postgres").render_as_string(hide_password=False)
    ).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    return url, drop


@pytest.fixture(params=DB_KINDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of each kind with no tables at all (not even ``alembic_version``)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url, drop = _create_pg_database(request.getfixturevalue("pg_url"))
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on an upgraded, empty database of each kind."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def branch_head(url: str, branch: str) -> str:
    revision = ScriptDirectory.from_config(migrate.alembic_config(url)).get_revision(
        f"{branch}@head"
    )
    assert revision is not None
    return revision.revision


def branch_heads(url: str) -> set[str]:
    """The head revision of every installed branch (core and plugins)."""
    return {branch_head(url, branch.name) for branch in migrate.installed_branches()}


def current_revisions(url: str) -> set[str]:
    return {line.split()[0] for line in migrate.current(url).splitlines() if line.strip()}


# ---------------------------------------------------------------- upgrade from empty


def test_upgrade_of_empty_database_gives_exactly_the_models_schema(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    assert migrate.schema_differences(empty_url) == []


def test_upgrade_applies_every_installed_branch(empty_url: str) -> None:
    expected = branch_heads(empty_url)
    # The core and each in-tree plugin that owns tables.
    assert len(expected) == len(migrate.installed_branches()) >= 4
    assert current_revisions(empty_url) == set()
    migrate.upgrade(empty_url)
    assert current_revisions(empty_url) == expected


def test_empty_database_is_not_up_to_date_until_upgraded(empty_url: str) -> None:
    assert migrate.is_up_to_date(empty_url) is False
    migrate.upgrade(empty_url)
    assert migrate.is_up_to_date(empty_url) is True


def test_core_only_upgrade_is_not_up_to_date(empty_url: str) -> None:
    migrate.upgrade(empty_url, "core@head")
    assert current_revisions(empty_url) == {branch_head(empty_url, migrate.CORE_BRANCH)}
    assert migrate.is_up_to_date(empty_url) is False
    migrate.upgrade(empty_url)
    assert migrate.is_up_to_date(empty_url) is True


def test_migrations_include_every_installed_plugins_tables() -> None:
    branches = migrate.installed_branches()  # imports every plugin's models
    tables = set(Base.metadata.tables)
    for branch in branches:
        if branch.tables is not None:
            assert branch.tables <= tables, branch.name
    assert {"auth_user", "vlan_pool_vlan", "mock_switch_port_network"} <= tables


# ---------------------------------------------------------------- haas-manage db


def manage(config: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HAAS_MANAGE), "--config-file", str(config), *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_manage_db_check_fails_on_empty_database(empty_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path / "haas.conf", empty_url)
    result = manage(config, "db", "check")
    assert result.returncode == 1, result.stderr
    assert "haas-manage db upgrade" in result.stdout


def test_manage_db_upgrade_current_and_check_succeed(empty_url: str, tmp_path: Path) -> None:
    config = write_config(tmp_path / "haas.conf", empty_url)

    upgraded = manage(config, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert migrate.is_up_to_date(empty_url)

    current = manage(config, "db", "current")
    assert current.returncode == 0, current.stderr
    assert {line.split()[0] for line in current.stdout.splitlines()} == branch_heads(empty_url)

    check = manage(config, "db", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "schema matches the models" in check.stdout


def test_manage_db_upgrade_fills_the_vlan_pool(empty_url: str, tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "haas.conf", empty_url, {"network_allocator_vlan_pool": {"vlans": "7-9, 20"}}
    )
    assert manage(config, "db", "upgrade").returncode == 0
    engine = make_engine(empty_url)
    try:
        with engine.connect() as conn:
            vlans = conn.execute(text("SELECT vlan_no FROM vlan_pool_vlan")).scalars().all()
    finally:
        engine.dispose()
    assert sorted(vlans) == [7, 8, 9, 20]


# ---------------------------------------------------------------- schema invariants


def add(conn: Connection, table: str, **values: Any) -> int:
    result = conn.execute(insert(Base.metadata.tables[table]).values(**values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def unique(prefix: str = "x") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def project(conn: Connection) -> int:
    return add(conn, "project", label=unique("project"))


def node(conn: Connection) -> int:
    return add(conn, "node", label=unique("node"))


def switch(conn: Connection) -> int:
    return add(conn, "switch", label=unique("switch"), driver="mock", driver_info={})


def headnode(conn: Connection) -> int:
    return add(conn, "headnode", **headnode_fields(conn), label=unique("headnode"))


def headnode_fields(conn: Connection) -> dict[str, Any]:
    return {"project_id": project(conn), "base_img": "img", "uuid": str(uuid.uuid4())}


def network(conn: Connection) -> int:
    return add(conn, "network", **network_fields(conn), label=unique("network"))


def network_fields(conn: Connection) -> dict[str, Any]:
    return {"network_id": unique("net"), "allocated": False}


def nic(conn: Connection, **values: Any) -> int:
    return add(conn, "nic", owner_id=node(conn), label="eth0", macaddr="aa:bb", **values)


def port(conn: Connection) -> int:
    return add(conn, "port", owner_id=switch(conn), label="gi1/0/1")


#: table -> the other required fields of a row, fresh for every call.
LABELLED: dict[str, Callable[[Connection], dict[str, Any]]] = {
    "project": lambda conn: {},
    "node": lambda conn: {},
    "network": network_fields,
    "switch": lambda conn: {"driver": "mock", "driver_info": {}},
    "headnode": headnode_fields,
    "auth_user": lambda conn: {"hashed_password": "x", "is_admin": False},
}


@pytest.mark.parametrize("table", LABELLED)
def test_schema_refuses_a_duplicate_label(engine: Engine, table: str) -> None:
    fields = LABELLED[table]
    with engine.begin() as conn:
        add(conn, table, label="dup", **fields(conn))
        add(conn, table, label="other", **fields(conn))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        add(conn, table, label="dup", **fields(conn))


#: child table -> (how to make a parent, the other required fields of a child).
CHILDREN: dict[str, tuple[Callable[[Connection], int], dict[str, Any]]] = {
    "nic": (node, {"macaddr": "aa:bb:cc:dd:ee:ff"}),
    "node_metadata": (node, {"value": {"rack": 3}}),
    "port": (switch, {}),
    "hnic": (headnode, {}),
}


@pytest.mark.parametrize("table", CHILDREN)
def test_schema_refuses_a_duplicate_label_under_one_parent(engine: Engine, table: str) -> None:
    make_parent, fields = CHILDREN[table]
    with engine.begin() as conn:
        first, second = make_parent(conn), make_parent(conn)
        add(conn, table, owner_id=first, label="dup", **fields)
        add(conn, table, owner_id=first, label="other", **fields)
        # The same label under another parent is fine.
        add(conn, table, owner_id=second, label="dup", **fields)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        add(conn, table, owner_id=first, label="dup", **fields)


def test_schema_refuses_a_second_nic_on_one_port(engine: Engine) -> None:
    with engine.begin() as conn:
        taken, free = port(conn), port(conn)
        nic(conn, port_id=taken)
        nic(conn, port_id=free)
        # Unconnected NICs do not collide with each other.
        nic(conn, port_id=None)
        nic(conn, port_id=None)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        nic(conn, port_id=taken)


def test_a_nic_row_holds_at_most_one_port() -> None:
    # One port per NIC is structural: a single nullable port column on the NIC.
    nic_table = Base.metadata.tables["nic"]
    to_port = [
        c for c in nic_table.c if any(fk.column.table.name == "port" for fk in c.foreign_keys)
    ]
    assert [c.name for c in to_port] == ["port_id"]
    assert to_port[0].nullable


def test_schema_refuses_a_port_id_that_does_not_exist(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as conn:
        nic(conn, port_id=987654)


def attach(conn: Connection, nic_id: int, network_id: int, channel: str) -> int:
    return add(conn, "network_attachment", nic_id=nic_id, network_id=network_id, channel=channel)


@pytest.fixture
def attached(engine: Engine) -> dict[str, int]:
    """A NIC on network ``a`` (channel ``vlan/native``) and a spare network ``b``."""
    with engine.begin() as conn:
        ids = {"nic": nic(conn), "a": network(conn), "b": network(conn)}
        attach(conn, ids["nic"], ids["a"], "vlan/native")
        # Another network on another channel is fine; so is the same pair on another NIC.
        attach(conn, ids["nic"], ids["b"], "vlan/200")
        attach(conn, nic(conn), ids["a"], "vlan/native")
    return ids


def test_schema_refuses_two_networks_on_one_channel_of_a_nic(
    engine: Engine, attached: dict[str, int]
) -> None:
    with engine.begin() as conn:
        spare = network(conn)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        attach(conn, attached["nic"], spare, "vlan/native")


def test_schema_refuses_one_network_twice_on_a_nic(
    engine: Engine, attached: dict[str, int]
) -> None:
    with pytest.raises(IntegrityError), engine.begin() as conn:
        attach(conn, attached["nic"], attached["a"], "vlan/300")


def action(conn: Connection, nic_id: int, status: str) -> int:
    return add(
        conn,
        "networking_action",
        uuid=str(uuid.uuid4()),
        type="modify_port",
        status=status,
        nic_id=nic_id,
        node_label="n",
        nic_label="eth0",
    )


def test_schema_refuses_a_second_pending_action_on_a_nic(engine: Engine) -> None:
    with engine.begin() as conn:
        busy, other = nic(conn), nic(conn)
        action(conn, busy, "DONE")
        action(conn, busy, "ERROR")
        action(conn, busy, "PENDING")
        action(conn, other, "PENDING")
    with pytest.raises(IntegrityError), engine.begin() as conn:
        action(conn, busy, "PENDING")


def test_schema_accepts_a_new_pending_action_once_the_last_one_is_done(engine: Engine) -> None:
    actions = Base.metadata.tables["networking_action"]
    with engine.begin() as conn:
        target = nic(conn)
        first = action(conn, target, "PENDING")
        conn.execute(update(actions).where(actions.c.id == first).values(status="DONE"))
        action(conn, target, "PENDING")
    with engine.connect() as conn:
        statuses = conn.execute(text("SELECT status FROM networking_action ORDER BY id")).scalars()
        assert list(statuses) == ["DONE", "PENDING"]


def test_schema_refuses_an_unknown_action_status(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as conn:
        action(conn, nic(conn), "LOST")


def test_schema_refuses_a_duplicate_network_id(engine: Engine) -> None:
    with engine.begin() as conn:
        add(conn, "network", label="one", network_id="100", allocated=True)
        add(conn, "network", label="two", network_id="101", allocated=True)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        add(conn, "network", label="three", network_id="100", allocated=False)

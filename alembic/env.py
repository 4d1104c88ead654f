"""Alembic environment for haas: run by haas_core.db.migrate, never by a bare ini."""

from __future__ import annotations

from alembic import context

from haas_core.db.engine import make_engine
from haas_core.db.migrate import table_branch
from haas_core.db.models import Base

config = context.config
branches = config.attributes["haas_branches"]
autogen_branch = config.attributes.get("haas_autogen_branch")


def include_object(obj, name, type_, reflected, compare_to):
    # ``haas-manage db revision --branch X`` writes only the tables of branch X.
    if autogen_branch is None or type_ != "table":
        return True
    return table_branch(name, branches) == autogen_branch


def run_migrations_online() -> None:
    engine = config.attributes.get("haas_engine") or make_engine(config.attributes["haas_url"])
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            include_object=include_object,
            compare_type=True,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    if config.attributes.get("haas_engine") is None:
        engine.dispose()


run_migrations_online()

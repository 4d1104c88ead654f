"""the agents' notification names the switch of each queued action

Revision ID: e41d9a7c5b20
Revises: b7e2c4d81a09
Create Date: 2026-11-25 04:20:00
"""

from __future__ import annotations

from alembic import op

revision = "e41d9a7c5b20"
down_revision = "b7e2c4d81a09"
branch_labels = None
depends_on = None

# The channel is written out (not imported): a migration must not change when the code does.


def upgrade() -> None:
    # Still one trigger call per statement, now with its rows (a transition table): one
    # notification per switch named, its id as the payload ('' for an action without a
    # switch), so an agent already driving that switch needs no look at the table.
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER networking_action_notify ON networking_action")
    op.execute(
        "CREATE OR REPLACE FUNCTION haas_notify_networking_action() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "PERFORM pg_notify('haas_networking_actions', coalesce(switch_id::text, '')) "
        "FROM (SELECT DISTINCT switch_id FROM queued) AS switches; "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER networking_action_notify AFTER INSERT ON networking_action "
        "REFERENCING NEW TABLE AS queued "
        "FOR EACH STATEMENT EXECUTE FUNCTION haas_notify_networking_action()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER networking_action_notify ON networking_action")
    op.execute(
        "CREATE OR REPLACE FUNCTION haas_notify_networking_action() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "PERFORM pg_notify('haas_networking_actions', ''); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER networking_action_notify AFTER INSERT ON networking_action "
        "FOR EACH STATEMENT EXECUTE FUNCTION haas_notify_networking_action()"
    )

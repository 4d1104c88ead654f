"""notify the network agents from a trigger on PostgreSQL

Revision ID: b7e2c4d81a09
Revises: 3b7e0c1d2a44
Create Date: 2026-11-24 21:55:00
"""

from __future__ import annotations

from alembic import op

revision = "b7e2c4d81a09"
down_revision = "3b7e0c1d2a44"
branch_labels = None
depends_on = None

# Kept literal (not imported): a migration must not change when the code does.
CHANNEL = "haas_networking_actions"


def upgrade() -> None:
    # A statement-level trigger wakes the agents for any queued action, whoever inserts
    # it, and spares the API a round trip per request. NOTIFY is delivered at commit.
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION haas_notify_networking_action() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"PERFORM pg_notify('{CHANNEL}', ''); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER networking_action_notify AFTER INSERT ON networking_action "
        "FOR EACH STATEMENT EXECUTE FUNCTION haas_notify_networking_action()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER networking_action_notify ON networking_action")
    op.execute("DROP FUNCTION haas_notify_networking_action()")

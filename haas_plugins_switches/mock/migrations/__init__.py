"""Alembic branch ``mock_switch``: the mock switch's port state."""

from haas_plugins_switches.mock import models

BRANCH = "mock_switch"
TABLES = frozenset(
    {models.MockSwitchPortVlan.__tablename__, models.MockSwitchApplication.__tablename__}
)

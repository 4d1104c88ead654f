"""Alembic branch ``vlan_pool``: the VLAN pool table."""

from haas_plugins.network_allocators.vlan_pool import models

BRANCH = "vlan_pool"
TABLES = frozenset({models.PoolVlan.__tablename__})

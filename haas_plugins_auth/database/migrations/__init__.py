"""Alembic branch ``database_auth``: the users tables."""

from haas_plugins_auth.database import models

BRANCH = "database_auth"
TABLES = frozenset({models.User.__tablename__, models.user_project.name})

"""The ``database`` auth backend: HTTP Basic against users stored in the haas database,
with the ``/auth/basic/...`` user management calls."""

from __future__ import annotations

from oslo_config import cfg

from haas_core.api.routing import Route
from haas_core.drivers import AuthBackend
from haas_core.hookspecs import hookimpl
from haas_plugins_auth.database.api import ROUTES
from haas_plugins_auth.database.backend import DatabaseAuth

GROUP = "auth_database"

OPTS = [
    cfg.FloatOpt(
        "cache_ttl_seconds",
        default=30.0,
        min=0.0,
        help="How long verified credentials are remembered in memory (0 turns the cache off). "
        "A password change or a deleted user takes effect at once regardless.",
    ),
    cfg.IntOpt(
        "password_hash_time_cost",
        default=3,
        min=1,
        help="argon2 iterations for new password hashes (existing hashes keep theirs).",
    ),
    cfg.IntOpt(
        "password_hash_memory_kib",
        default=65536,
        min=64,
        help="argon2 memory cost in KiB for new password hashes.",
    ),
]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [(GROUP, OPTS)]


@hookimpl
def haas_register_config_options(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)


@hookimpl
def haas_register_auth_backends() -> list[type[AuthBackend]]:
    return [DatabaseAuth]


@hookimpl
def haas_register_api_routes() -> list[Route]:
    return ROUTES

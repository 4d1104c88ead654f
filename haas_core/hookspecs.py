"""The hooks haas plugins implement (pluggy project ``haas``).

Every hook is documented with its exact signature in ``docs/plugins.md``; a
test keeps the two in step. ``register_*`` hooks return classes and are
collected from every enabled plugin; ``firstresult`` hooks stop at the first
plugin that answers something other than None.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from oslo_config import cfg
    from sqlalchemy.orm import Session

    from haas_core.api.routing import Route
    from haas_core.drivers import (
        AuthBackend,
        HeadnodeBackend,
        NetworkAllocator,
        ObmDriver,
        SwitchDriver,
    )
    from haas_core.services import Services

PROJECT = "haas"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# ---------------------------------------------------------------- configuration


@hookspec
def haas_register_config_options(conf: cfg.ConfigOpts) -> None:
    """Register the plugin's option group(s) on ``conf``, e.g.
    ``[network_allocator_vlan_pool]``. Called once at start-up, before any other hook."""


# ---------------------------------------------------------------- driver discovery


@hookspec
def haas_register_switch_drivers() -> list[type[SwitchDriver]]:
    """Return switch driver classes; their ``name`` and ``aliases`` become switch types."""


@hookspec
def haas_register_obm_drivers() -> list[type[ObmDriver]]:
    """Return OBM driver classes; their ``name`` and ``aliases`` become OBM types."""


@hookspec
def haas_register_headnode_backends() -> list[type[HeadnodeBackend]]:
    """Return headnode backend classes (instantiated with the ``ConfigOpts``)."""


@hookspec
def haas_register_network_allocators() -> list[type[NetworkAllocator]]:
    """Return network allocator classes (instantiated with the ``ConfigOpts``)."""


@hookspec
def haas_register_auth_backends() -> list[type[AuthBackend]]:
    """Return auth backend classes (instantiated with the ``ConfigOpts``)."""


# ---------------------------------------------------------------- API and lifecycle


@hookspec
def haas_register_api_routes() -> list[Route]:
    """Return extra API routes (the database auth plugin's ``/auth/basic/...`` calls)."""


@hookspec
def haas_startup(services: Services, db: Session) -> None:
    """Called once per process after plugins are loaded and the database is reachable,
    inside a transaction that commits afterwards (e.g. populate a pool)."""


# ---------------------------------------------------------------- events


@hookspec
def haas_networking_action_applied(action: dict[str, Any]) -> None:
    """A networking action finished (DONE or ERROR); ``action`` is its
    ``show_networking_action`` JSON plus ``"id"``. Observers only: the return is ignored."""

"""Version and the enabled plugins."""

from __future__ import annotations

from haas_core import __version__
from haas_core.api.context import RequestContext
from haas_core.api.routing import Route


def list_active_extensions(ctx: RequestContext) -> list[str]:
    return ctx.services.active_extensions


def version(ctx: RequestContext) -> dict[str, str]:
    return {"version": __version__, "api": "v0"}


ROUTES = [
    Route("GET", "/active_extensions", list_active_extensions, admin_only=True),
    Route("GET", "/version", version),
]

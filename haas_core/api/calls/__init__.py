"""The core's API calls, one module per section of ``spec/api.md``."""

from __future__ import annotations

from haas_core.api.calls import (
    headnodes,
    misc,
    networking,
    networks,
    nodes,
    obm,
    projects,
    switches,
)
from haas_core.api.routing import Route


def core_routes() -> list[Route]:
    return [
        *projects.ROUTES,
        *networks.ROUTES,
        *nodes.ROUTES,
        *obm.ROUTES,
        *switches.ROUTES,
        *networking.ROUTES,
        *headnodes.ROUTES,
        *misc.ROUTES,
    ]

"""The ``vlan_pool`` network allocator: VLAN ids from configured ranges.

Channels are ``vlan/native`` (the default) and ``vlan/<id>`` (tagged).
"""

from __future__ import annotations

from oslo_config import cfg
from sqlalchemy.orm import Session

from haas_core.drivers import NetworkAllocator
from haas_core.hookspecs import hookimpl
from haas_core.services import Services
from haas_plugins.network_allocators.vlan_pool.allocator import VlanPoolAllocator

GROUP = "network_allocator_vlan_pool"

OPTS: list[cfg.Opt] = [
    cfg.ListOpt(
        "vlans",
        default=["100-199"],
        help="VLAN ids networks may take, as ranges and single ids: 100-200, 300.",
    ),
]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [(GROUP, OPTS)]


@hookimpl
def haas_register_config_options(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)


@hookimpl
def haas_register_network_allocators() -> list[type[NetworkAllocator]]:
    return [VlanPoolAllocator]


@hookimpl
def haas_startup(services: Services, db: Session) -> None:
    services.allocator.populate(db)

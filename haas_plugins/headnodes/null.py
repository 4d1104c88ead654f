"""The ``null`` headnode backend: headnodes live in the database only, no VM is ever made.

For deployments without headnodes and for tests of the headnode API. The images it offers
are configured in ``[headnode_null] images``.
"""

from __future__ import annotations

from oslo_config import cfg

from haas_core.drivers import HeadnodeBackend, HeadnodeVm
from haas_core.hookspecs import hookimpl

GROUP = "headnode_null"

OPTS: list[cfg.Opt] = [
    cfg.ListOpt(
        "images",
        default=[],
        help="Base image names headnodes may be created from (no VM is ever made).",
    ),
]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    return [(GROUP, OPTS)]


class NullHeadnodeBackend(HeadnodeBackend):
    name = "null"

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        self.images = [name for name in conf[GROUP].images if name]

    def list_images(self) -> list[str]:
        return list(self.images)

    def check_label(self, label: str) -> None:
        pass

    def check_network(self, network_id: str) -> None:
        pass

    def start(self, vm: HeadnodeVm, first: bool) -> None:
        pass

    def stop(self, vm: HeadnodeVm) -> None:
        pass

    def delete(self, vm: HeadnodeVm) -> None:
        pass

    def vnc_port(self, vm: HeadnodeVm) -> int | None:
        return None


@hookimpl
def haas_register_config_options(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)


@hookimpl
def haas_register_headnode_backends() -> list[type[HeadnodeBackend]]:
    return [NullHeadnodeBackend]

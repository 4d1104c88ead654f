"""The ``null`` network allocator: every network gets a fresh uuid; one channel, ``null``.

For deployments whose isolation needs no VLAN numbers (and for tests)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from haas_core.drivers import NetworkAllocator
from haas_core.hookspecs import hookimpl

CHANNEL = "null"


class NullAllocator(NetworkAllocator):
    name = "null"

    def __init__(self, conf: object) -> None:
        self.conf = conf

    def allocate(self, db: Session) -> str:
        return str(uuid.uuid4())

    def claim(self, db: Session, net_id: str) -> bool:
        return False

    def free(self, db: Session, net_id: str) -> None:
        pass

    def is_pool_id(self, db: Session, net_id: str) -> bool:
        return False

    def default_channel(self) -> str:
        return CHANNEL

    def legal_channels_for(self, net_id: str) -> list[str]:
        return [CHANNEL]

    def is_legal_channel_for(self, channel: str, net_id: str) -> bool:
        return channel == CHANNEL


@hookimpl
def haas_register_network_allocators() -> list[type[NetworkAllocator]]:
    return [NullAllocator]

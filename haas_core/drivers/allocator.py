"""The network id allocator interface (``[plugins] network_allocator``)."""

from __future__ import annotations

import abc
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class NetworkAllocator(abc.ABC):
    """Hands out network ids (e.g. VLAN numbers) and says which channels exist.

    Pool operations take the request's session, so an allocation commits or rolls
    back with the request that made it.
    """

    name: str

    @abc.abstractmethod
    def allocate(self, db: Session) -> str:
        """Take a free id from the pool. :raises AllocationError: the pool is empty."""

    @abc.abstractmethod
    def claim(self, db: Session, net_id: str) -> bool:
        """Claim an explicit id; True if it came from the pool (and must be freed).

        :raises BadArgumentError: not a valid id for this allocator.
        :raises AllocationError: the id is in the pool but already taken.
        """

    @abc.abstractmethod
    def free(self, db: Session, net_id: str) -> None:
        """Return an id taken by :meth:`allocate` or :meth:`claim` to the pool."""

    @abc.abstractmethod
    def is_pool_id(self, db: Session, net_id: str) -> bool:
        """Whether ``net_id`` is one of the pool's ids."""

    @abc.abstractmethod
    def default_channel(self) -> str:
        """The channel used when a connect call names none."""

    @abc.abstractmethod
    def legal_channels_for(self, net_id: str) -> list[str]:
        """Channels on which a network with this id may be attached, in display order."""

    @abc.abstractmethod
    def is_legal_channel_for(self, channel: str, net_id: str) -> bool: ...

    def populate(self, db: Session) -> None:  # noqa: B027 - allocators without a pool
        """Fill the pool from the configuration; idempotent (start-up, ``db upgrade``)."""

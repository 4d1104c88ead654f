"""The out-of-band management (BMC) driver interface."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, ClassVar

from haas_core.drivers.base import Driver


@dataclass
class ObmNode:
    """What an OBM driver sees of a node: its label and a ``state`` dict that the core
    stores on the node row after the call (drivers may keep e.g. a session id there)."""

    label: str
    state: dict[str, Any] = field(default_factory=dict)


class ObmDriver(Driver, abc.ABC):
    """A kind of BMC. One instance per node, built from the node's ``obm`` fields.

    Every method may raise :class:`haas_core.errors.OBMError` when the BMC fails.
    """

    #: Boot devices ``set_bootdev`` accepts.
    bootdevs: ClassVar[tuple[str, ...]] = ("pxe", "disk", "none")

    @abc.abstractmethod
    def power_on(self, node: ObmNode) -> None: ...

    @abc.abstractmethod
    def power_off(self, node: ObmNode) -> None: ...

    @abc.abstractmethod
    def power_cycle(self, node: ObmNode, force: bool) -> None:
        """Reboot; ``force`` resets at once instead of a soft cycle."""

    @abc.abstractmethod
    def power_status(self, node: ObmNode) -> str:
        """``"On"`` or ``"Off"``."""

    @abc.abstractmethod
    def set_bootdev(self, node: ObmNode, bootdev: str) -> None:
        """Persistently boot from ``bootdev`` (one of :attr:`bootdevs`)."""

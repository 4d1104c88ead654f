"""The out-of-band management (BMC) driver interface."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Any, ClassVar

from haas_core.drivers.base import Driver


@dataclass(frozen=True)
class ConsoleCommand:
    """How to attach to a node's serial console: a command whose output is the console.

    :ivar argv: the command (``ipmitool ... sol activate``), run under a pseudo-terminal.
    :ivar env: extra environment (secrets go here, never into ``argv``).
    :ivar reset_argv: a command that ends a stale session left open on the BMC; run
        before each attach, its failure ignored.
    """

    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    reset_argv: list[str] | None = None


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

    def console_command(self) -> ConsoleCommand | None:
        """The command the console service runs to hold the node's serial console;
        None (the default) when the BMC has none."""
        return None

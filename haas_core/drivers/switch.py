"""The switch driver interface.

The API process only validates with a driver (port names, the legality of an
operation); the network agent opens one :class:`SwitchSession` per switch per
batch of actions and applies them through it.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from haas_core.drivers.base import Driver

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from haas_core.db.models import Nic, Port, Switch


class SwitchSession(abc.ABC):
    """An open connection to one switch, used for a batch of changes, then closed."""

    @abc.abstractmethod
    def modify_port(self, port: str, channel: str, network_id: str | None) -> None:
        """Put ``network_id`` on ``channel`` of ``port``, or remove the channel's network
        when ``network_id`` is None.

        :raises SwitchError: the switch refused or could not be reached.
        """

    @abc.abstractmethod
    def revert_port(self, port: str) -> None:
        """Remove every network from ``port``. :raises SwitchError:"""

    @abc.abstractmethod
    def get_port_networks(self, ports: Sequence[str]) -> dict[str, dict[str, str]]:
        """Read back from the switch ``{port: {channel: network_id}}`` for ``ports``."""

    def close(self) -> None:  # noqa: B027 - closing is optional for stateless sessions
        """Save (when configured) and disconnect."""

    def __enter__(self) -> SwitchSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SwitchDriver(Driver, abc.ABC):
    """A kind of switch. One instance per switch row, built from its ``driver_info``."""

    #: What the driver can do, shown by ``show_switch`` (e.g. ``nativeless-trunk-mode``).
    capabilities: ClassVar[tuple[str, ...]] = ()

    @classmethod
    @abc.abstractmethod
    def validate_port_name(cls, port: str) -> None:
        """:raises BadArgumentError: ``port`` is not a port name of this kind of switch."""

    def ensure_legal_operation(self, nic: Nic, op: str, channel: str) -> None:
        """Refuse (BlockedError) an operation the switch cannot do, e.g. a tagged
        network on a port without a native one where the vendor needs that.
        ``op`` is ``connect`` or ``detach``."""

    @abc.abstractmethod
    def open_session(self, switch: Switch, db: Session) -> SwitchSession:
        """Connect to the switch for a batch of changes."""

    def port_label(self, port: Port) -> str:
        return port.label

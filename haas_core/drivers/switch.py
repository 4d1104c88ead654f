"""The switch driver interface.

The API process only validates with a driver (port names, the legality of an
operation); the network agent opens one :class:`SwitchSession` per switch per
batch of actions and applies them through it.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from haas_core.drivers.base import Driver, DriverInfo
from haas_core.errors import BlockedError

if TYPE_CHECKING:
    from haas_core.db.engine import Database
    from haas_core.networking import NicView

#: The untagged channel of the VLAN allocator, which the default rules know about.
NATIVE_CHANNEL = "vlan/native"


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

    def abort(self) -> None:  # noqa: B027 - sessions without a connection of their own
        """Drop the connection at once, without saving: called from another thread when
        a call on this session hung past the agent's action timeout, so that nothing more
        reaches the switch through it."""

    def __enter__(self) -> SwitchSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SwitchDriver(Driver, abc.ABC):
    """A kind of switch. One instance per switch row, built from its decrypted
    ``driver_info`` by :func:`haas_core.switches.switch_driver`."""

    #: What the driver can do, shown by ``show_switch``. ``nativeless-trunk-mode``: a port
    #: may carry tagged networks without a native one.
    capabilities: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self, info: DriverInfo, *, switch_id: int, label: str, database: Database
    ) -> None:
        super().__init__(info)
        self.switch_id = switch_id
        self.label = label
        #: haas's database; only simulated switches keep state there.
        self.database = database

    @classmethod
    @abc.abstractmethod
    def validate_port_name(cls, port: str) -> None:
        """:raises BadArgumentError: ``port`` is not a port name of this kind of switch."""

    def ensure_legal_operation(self, nic: NicView, op: str, channel: str) -> None:
        """Refuse (BlockedError) what the switch cannot do. ``op`` is ``connect`` or
        ``detach``. By default a switch without ``nativeless-trunk-mode`` needs a native
        network before any tagged one, and keeps it until the tagged ones are gone."""
        if "nativeless-trunk-mode" in self.capabilities:
            return
        channels = {att.channel for att in nic.attachments}
        if op == "connect" and channel != NATIVE_CHANNEL and NATIVE_CHANNEL not in channels:
            raise BlockedError(
                f"Switch {self.label} cannot carry tagged networks on a port without a native "
                "one: attach a native network first."
            )
        if op == "detach" and channel == NATIVE_CHANNEL and channels - {NATIVE_CHANNEL}:
            raise BlockedError(
                f"Switch {self.label} cannot drop the native network of a port that carries "
                "tagged ones: detach the tagged networks first."
            )

    @abc.abstractmethod
    def open_session(self) -> SwitchSession:
        """Connect to the switch for a batch of changes.

        :raises SwitchError: the switch refused the login or could not be reached
            (:class:`SwitchConnectionError` when trying again may help).
        """

"""What every real switch driver shares: haas channels and network ids as VLANs, and
VLAN lists as switches print them.

haas's ``vlan_pool`` allocator gives each network a VLAN id as its network id (the
string ``"100"``) and offers the channels ``vlan/native`` and ``vlan/<id>``; these
drivers put network ``"100"`` on VLAN 100.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from haas_core.drivers.switch import NATIVE_CHANNEL
from haas_core.errors import SwitchError

_TAGGED_CHANNEL = re.compile(r"vlan/(\d{1,4})")
_VLAN_RANGE = re.compile(r"(\d{1,4})(?:\s*-\s*(\d{1,4}))?")
MAX_VLAN = 4094


def vlan_of(network_id: str) -> int:
    """The VLAN carrying haas network ``network_id``.

    :raises SwitchError: the id is not a VLAN id (haas runs another allocator).
    """
    if not network_id.isdigit() or not 1 <= int(network_id) <= MAX_VLAN:
        raise SwitchError(
            f"Network id {network_id!r} is not a VLAN id (1-{MAX_VLAN}); this switch needs "
            "the vlan_pool network allocator."
        )
    return int(network_id)


@dataclass(frozen=True)
class Change:
    """One ``modify_port`` call in VLAN terms: ``native`` tells the channel, ``vlan``
    is the VLAN to put there (None: remove what the channel carries; for a tagged
    channel ``vlan`` is its VLAN either way)."""

    native: bool
    vlan: int | None

    @classmethod
    def parse(cls, channel: str, network_id: str | None) -> Change:
        vlan = None if network_id is None else vlan_of(network_id)
        if channel == NATIVE_CHANNEL:
            return cls(native=True, vlan=vlan)
        match = _TAGGED_CHANNEL.fullmatch(channel)
        if match is None:
            raise SwitchError(f"Channel {channel!r} is not vlan/native or vlan/<id>.")
        tagged = vlan_of(match.group(1))
        if vlan is not None and vlan != tagged:
            raise SwitchError(f"Network {network_id} cannot be carried on channel {channel}.")
        return cls(native=False, vlan=tagged)

    @property
    def connects(self) -> bool:
        return self.native is False or self.vlan is not None


def parse_vlan_list(text: str) -> list[int]:
    """``"10,20-22 30"`` -> ``[10, 20, 21, 22, 30]``; words such as ``(Inactive)`` are
    ignored."""
    vlans: list[int] = []
    for match in _VLAN_RANGE.finditer(text):
        first = int(match.group(1))
        last = int(match.group(2) or first)
        vlans.extend(range(first, last + 1))
    return sorted(set(vlans))


def port_networks(native: int | None, tagged: Iterable[int]) -> dict[str, str]:
    """``{channel: network id}`` of a port carrying ``native`` untagged and ``tagged``."""
    result = {f"vlan/{vlan}": str(vlan) for vlan in tagged if vlan != native}
    if native is not None:
        result[NATIVE_CHANNEL] = str(native)
    return result

"""Taking a port back to what haas recorded (haas_core/agent/converge.py), after a
change whose outcome is unknown: the fewest changes that make the switch agree."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from haas_core.agent.converge import converge_port
from haas_core.drivers import SwitchSession


class PortTable(SwitchSession):
    """A switch as a table of ports, logging every change it is asked for."""

    def __init__(self, ports: dict[str, dict[str, str]]) -> None:
        self.ports = ports
        self.changes: list[tuple[str, ...]] = []

    def modify_port(self, port: str, channel: str, network_id: str | None) -> None:
        self.changes.append(("modify", port, channel, str(network_id)))
        if network_id is None:
            self.ports[port].pop(channel, None)
        else:
            self.ports[port][channel] = network_id

    def revert_port(self, port: str) -> None:
        self.changes.append(("revert", port))
        self.ports[port] = {}

    def get_port_networks(self, ports: Sequence[str]) -> dict[str, dict[str, str]]:
        return {port: dict(self.ports[port]) for port in ports}


def test_a_port_that_agrees_is_left_alone() -> None:
    switch = PortTable({"gi1/0/1": {"vlan/native": "100"}})
    assert converge_port(switch, "gi1/0/1", {"vlan/native": "100"}) == []
    assert switch.changes == []


def test_a_port_that_should_carry_nothing_is_reverted() -> None:
    switch = PortTable({"gi1/0/1": {"vlan/native": "100", "vlan/200": "200"}})
    done = converge_port(switch, "gi1/0/1", {})
    assert switch.changes == [("revert", "gi1/0/1")]
    assert done == ["reverted (it carried 200 on vlan/200, 100 on vlan/native)"]


@pytest.mark.parametrize(
    ("actual", "recorded", "changes"),
    [
        # A tagged network haas never recorded comes off; the recorded native one stays.
        (
            {"vlan/native": "100", "vlan/300": "300"},
            {"vlan/native": "100"},
            [("modify", "gi1/0/1", "vlan/300", "None")],
        ),
        # The native network was replaced by one haas did not record: put back.
        (
            {"vlan/native": "101"},
            {"vlan/native": "100"},
            [
                ("modify", "gi1/0/1", "vlan/native", "None"),
                ("modify", "gi1/0/1", "vlan/native", "100"),
            ],
        ),
        # A recorded network the port lost comes back.
        (
            {"vlan/native": "100"},
            {"vlan/native": "100", "vlan/200": "200"},
            [("modify", "gi1/0/1", "vlan/200", "200")],
        ),
    ],
)
def test_a_port_that_differs_gets_only_the_changes_that_make_it_agree(
    actual: dict[str, str], recorded: dict[str, str], changes: list[tuple[str, ...]]
) -> None:
    switch = PortTable({"gi1/0/1": actual})
    assert len(converge_port(switch, "gi1/0/1", recorded)) == len(changes)
    assert switch.changes == changes
    assert switch.ports["gi1/0/1"] == recorded

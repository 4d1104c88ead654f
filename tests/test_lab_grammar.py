"""The lab's switch model without a fabric: VLAN lists, OVS mapping, command grammar."""

from __future__ import annotations

import pytest

from haas_lab.dialects import CLI_DIALECTS
from haas_lab.grammar import match
from haas_lab.switch import ALL_VLANS, PortConfig, format_vlans, parse_vlans


def test_vlan_lists_round_trip() -> None:
    assert parse_vlans("10,20-22, 5") == {5, 10, 20, 21, 22}
    assert format_vlans({5, 10, 20, 21, 22}) == "5,10,20-22"
    assert format_vlans(set()) == "none"
    assert format_vlans(set(ALL_VLANS)) == "1-4094"
    for bad in ("0", "4095", "10-5", "x", "1,,2"):
        with pytest.raises(ValueError):
            parse_vlans(bad)


@pytest.mark.parametrize(
    ("port", "brocade", "expected"),
    [
        (PortConfig(), False, ("access", 1, [])),
        (PortConfig(mode="access", access_vlan=30), False, ("access", 30, [])),
        (PortConfig(mode="trunk"), False, ("trunk", None, [4095])),
        (PortConfig(mode="trunk", native=10, allowed={10, 20}), False,
         ("native-untagged", 10, [10, 20])),
        # Cisco/Dell: a native VLAN outside the allowed list is not forwarded.
        (PortConfig(mode="trunk", native=10, allowed={20}), False, ("trunk", None, [20])),
        # Brocade forwards it anyway.
        (PortConfig(mode="trunk", native=10, allowed={20}), True,
         ("native-untagged", 10, [10, 20])),
        (PortConfig(mode="trunk", native=10, allowed={10}, native_tagged=True), False,
         ("native-tagged", 10, [10])),
        (PortConfig(mode="general", pvid=5, general_untagged={5}, general_tagged={6}), False,
         ("native-untagged", 5, [5, 6])),
        (PortConfig(mode="access", access_vlan=30, shutdown=True), False,
         ("trunk", None, [4095])),
        (PortConfig(switchport=False), False, ("trunk", None, [4095])),
    ],
)  # fmt: skip
def test_port_config_to_ovs(
    port: PortConfig, brocade: bool, expected: tuple[str, int | None, list[int]]
) -> None:
    assert port.ovs_settings(native_needs_allowed=not brocade) == expected


def words(dialect: str, line: str, mode: str = "if") -> tuple[str | None, list[object], str, int]:
    found = match(line.split(), mode, dialect, CLI_DIALECTS[dialect].naming.canonical)
    handler = found.command.handler if found.command else None
    return handler, found.args, found.error, found.word


def test_abbreviations_and_interface_spellings() -> None:
    assert words("nexus", "sw trunk allowed vlan add 10,20") == ("allowed_add", [{10, 20}], "", 0)
    assert words("nexus", "int ethernet 1/4", "config")[:2] == ("interface", ["Ethernet1/4"])
    assert words("nexus", "int Eth1/4", "if")[:2] == ("interface", ["Ethernet1/4"])
    assert words("powerconnect55xx", "int GigabitEthernet1/0/3", "config")[:2] == (
        "interface",
        ["gi1/0/3"],
    )
    assert words("delln3000", "conf", "exec")[0] == "configure"
    assert words("delln3000", "configure terminal", "exec")[0] == "configure"
    assert words("powerconnect55xx", "sh int sw te1/0/2", "exec")[:2] == (
        "show_switchport",
        ["te1/0/2"],
    )
    assert words("delln3000", "sw mode general")[0] == "mode_general"
    assert words("powerconnect55xx", "sw trunk native vlan none")[0] == "native_none"


def test_errors_point_at_the_bad_word() -> None:
    assert words("nexus", "sw trunk allowed vlan add 5000")[2:] == ("bad_value", 5)
    assert words("nexus", "switchport mode general")[2:] == ("unknown", 2)  # Dell only
    assert words("nexus", "sw trunk native vlan none")[2:] == ("unknown", 4)  # PowerConnect only
    assert words("nexus", "switchport trunk")[2:] == ("incomplete", 2)
    assert words("nexus", "s")[2:] == ("ambiguous", 0)  # switchport / shutdown
    assert words("nexus", "interface frob1/1", "config")[2:] == ("bad_interface", 1)
    assert words("nexus", "switchport mode trunk", "config")[2] == "unknown"
    assert words("delln3000", "terminal datadump", "exec")[2:] == ("unknown", 1)

"""The CLI switch drivers send exactly the commands of their vendor, and read the
vendor's own ``show`` output back: the engine's console (its seam to ssh/telnet) is
replaced by a recorder that answers ``show`` commands with real-looking output."""

from __future__ import annotations

import re
from typing import Any

import pytest

from haas_core.errors import BadArgumentError, SwitchError
from haas_plugins_switches.cli.delln3000 import DellN3000Driver
from haas_plugins_switches.cli.engine import CliSession, CliSwitchDriver
from haas_plugins_switches.cli.nexus import NexusDriver
from haas_plugins_switches.cli.powerconnect55xx import PowerConnect55xxDriver

SAVE = "copy running-config startup-config"

POWERCONNECT_SHOW = """\
Name: gi1/0/3
Switchport: enable
Administrative Mode: trunk
Operational Mode: up
Access Mode VLAN: 1
Trunking Native Mode VLAN: 100
Trunking VLANs Enabled: 100,200-202
                        300 (Inactive)
General PVID: 1
Classification rules:
"""
N3000_SHOW = """\
Port: Gi1/0/3
VLAN Membership Mode: Trunk Mode
Access Mode VLAN: 1 (default)
General Mode PVID: 1 (default)
General Mode Untagged VLANs: 1
Trunking Mode Native VLAN: 100
Trunking Mode Native VLAN Tagging: Disabled
Trunking Mode VLANs Enabled: 100,200-202,300
Protected Port: False
"""
NEXUS_SHOW = """\
Name: Ethernet1/3
  Switchport: Enabled
  Switchport Monitor: Not enabled
  Operational Mode: trunk
  Access Mode VLAN: 1 (default)
  Trunking Native Mode VLAN: 100 (VLAN0100)
  Trunking VLANs Allowed: 100,200-202,300
  Administrative private-vlan primary host-association: none
"""


class Recorder:
    """Stands in for the console: records each command, answers from ``outputs``."""

    def __init__(self, outputs: dict[str, str]) -> None:
        self.outputs = outputs
        self.sent: list[str] = []
        self.confirms: list[tuple[str, str] | None] = []
        self.closed = False

    def run(self, command: str, *, confirm: tuple[str, str] | None = None) -> str:
        self.sent.append(command)
        self.confirms.append(confirm)
        return self.outputs.get(command, "")

    def close(self) -> None:
        self.closed = True


VENDORS: dict[str, dict[str, Any]] = {
    "powerconnect55xx": {
        "driver": PowerConnect55xxDriver,
        "port": "gi1/0/3",
        "info": {"dummy_vlan": "4000"},
        "show": ("show interfaces switchport gi1/0/3", POWERCONNECT_SHOW),
        "saved": "Copy succeeded",
        "login": [],
        "enter": ["configure", "interface gi1/0/3"],
        "interface": "interface {port}",
        "connect_native": [
            "switchport mode trunk",
            "switchport trunk allowed vlan add 100",
            "switchport trunk native vlan 100",
        ],
        "connect_tagged": ["switchport mode trunk", "switchport trunk allowed vlan add 200"],
        "detach_tagged": ["switchport trunk allowed vlan remove 200"],
        "detach_native": [
            "switchport trunk allowed vlan remove 100",
            "switchport trunk allowed vlan add 4000",
            "switchport trunk native vlan 4000",
            "switchport trunk allowed vlan remove 4000",
        ],
        "revert": [
            "switchport mode trunk",
            "switchport trunk allowed vlan add 4000",
            "switchport trunk native vlan 4000",
            "switchport trunk allowed vlan none",
        ],
    },
    "delln3000": {
        "driver": DellN3000Driver,
        "port": "Te1/0/3",
        "info": {"dummy_vlan": 4000},
        "show": ("show interfaces switchport Te1/0/3", N3000_SHOW),
        "saved": "Configuration Saved!",
        # The dummy VLAN is made to exist once per session.
        "login": ["configure", "vlan 4000", "exit", "exit"],
        "enter": ["configure", "interface Te1/0/3"],
        "interface": "interface {port}",
        "connect_native": [
            "switchport mode trunk",
            "switchport trunk allowed vlan add 100",
            "switchport trunk native vlan 100",
        ],
        "connect_tagged": ["switchport mode trunk", "switchport trunk allowed vlan add 200"],
        "detach_tagged": ["switchport trunk allowed vlan remove 200"],
        "detach_native": [
            "switchport trunk allowed vlan remove 100",
            "switchport trunk allowed vlan add 4000",
            "switchport trunk native vlan 4000",
            "switchport trunk allowed vlan remove 4000",
        ],
        "revert": [
            "switchport mode trunk",
            "switchport trunk allowed vlan add 4000",
            "switchport trunk native vlan 4000",
            "switchport trunk allowed vlan remove 1-4093",
        ],
    },
    "nexus": {
        "driver": NexusDriver,
        "port": "Ethernet1/3",
        "info": {"dummy_vlan": "4000"},
        "show": ("show interface Ethernet1/3 switchport", NEXUS_SHOW),
        "saved": "[########################################] 100%\nCopy complete.",
        "login": [],
        "enter": ["configure terminal", "interface Ethernet1/3"],
        "interface": "interface {port}",
        "connect_native": [
            "switchport",
            "switchport mode trunk",
            "switchport trunk native vlan 100",
            "switchport trunk allowed vlan add 100",
        ],
        "connect_tagged": [
            "switchport",
            "switchport mode trunk",
            "switchport trunk allowed vlan add 200",
        ],
        "detach_tagged": ["switchport trunk allowed vlan remove 200"],
        "detach_native": [
            "switchport trunk allowed vlan remove 100",
            "switchport trunk native vlan 4000",
        ],
        "revert": [
            "switchport",
            "switchport mode trunk",
            "switchport trunk allowed vlan none",
            "switchport trunk native vlan 4000",
        ],
    },
}
LEAVE = ["exit", "exit"]


def make_driver(vendor: str, **fields: Any) -> CliSwitchDriver:
    spec = VENDORS[vendor]
    cls = spec["driver"]
    info = {"hostname": "sw1.example", "username": "admin", "password": "s3cret"}
    info.update(spec["info"])
    info.update(fields)
    return cls(cls.Info.model_validate(info), switch_id=1, label="sw1", database=None)


def open_recorded(vendor: str, **fields: Any) -> tuple[CliSession, Recorder]:
    spec = VENDORS[vendor]
    show_command, show_output = spec["show"]
    recorder = Recorder({show_command: show_output, SAVE: spec["saved"]})
    driver = make_driver(vendor, **fields)
    driver.connect = lambda: recorder  # type: ignore[method-assign]
    session = driver.open_session()
    assert recorder.sent == spec["login"]
    recorder.sent.clear()
    return session, recorder


@pytest.mark.parametrize("vendor", VENDORS)
def test_connect_native_sends_the_vendors_commands(vendor: str) -> None:
    spec = VENDORS[vendor]
    session, recorder = open_recorded(vendor, save_config=False)
    session.modify_port(spec["port"], "vlan/native", "100")
    session.close()
    assert recorder.sent == [*spec["enter"], *spec["connect_native"], *LEAVE]


@pytest.mark.parametrize("vendor", VENDORS)
def test_connect_tagged_sends_the_vendors_commands(vendor: str) -> None:
    spec = VENDORS[vendor]
    session, recorder = open_recorded(vendor, save_config=False)
    session.modify_port(spec["port"], "vlan/200", "200")
    session.close()
    assert recorder.sent == [*spec["enter"], *spec["connect_tagged"], *LEAVE]


@pytest.mark.parametrize("vendor", VENDORS)
def test_detach_tagged_sends_the_vendors_commands(vendor: str) -> None:
    spec = VENDORS[vendor]
    session, recorder = open_recorded(vendor, save_config=False)
    session.modify_port(spec["port"], "vlan/200", None)
    session.close()
    assert recorder.sent == [*spec["enter"], *spec["detach_tagged"], *LEAVE]


@pytest.mark.parametrize("vendor", VENDORS)
def test_detach_native_reads_the_native_vlan_then_parks_it_on_the_dummy_vlan(
    vendor: str,
) -> None:
    spec = VENDORS[vendor]
    session, recorder = open_recorded(vendor, save_config=False)
    session.modify_port(spec["port"], "vlan/native", None)
    session.close()
    assert recorder.sent == [spec["show"][0], *spec["enter"], *spec["detach_native"], *LEAVE]


@pytest.mark.parametrize("vendor", VENDORS)
def test_revert_sends_the_vendors_commands(vendor: str) -> None:
    spec = VENDORS[vendor]
    session, recorder = open_recorded(vendor, save_config=False)
    session.revert_port(spec["port"])
    session.close()
    assert recorder.sent == [*spec["enter"], *spec["revert"], *LEAVE]


@pytest.mark.parametrize("vendor", VENDORS)
def test_close_leaves_configuration_mode_then_saves_when_configured(vendor: str) -> None:
    spec = VENDORS[vendor]
    session, recorder = open_recorded(vendor)
    session.revert_port(spec["port"])
    recorder.sent.clear()
    session.close()
    assert recorder.sent == [*LEAVE, SAVE]
    assert recorder.closed


@pytest.mark.parametrize("vendor", VENDORS)
def test_changes_of_a_batch_share_one_configuration_mode(vendor: str) -> None:
    spec = VENDORS[vendor]
    other = spec["port"].replace("3", "4")
    session, recorder = open_recorded(vendor, save_config=False)
    session.modify_port(spec["port"], "vlan/200", "200")
    session.modify_port(other, "vlan/200", "200")
    session.modify_port(spec["port"], "vlan/native", None)  # reads the port: leaves first
    session.close()
    assert recorder.sent == [
        *spec["enter"],
        *spec["connect_tagged"],
        spec["interface"].format(port=other),
        *spec["connect_tagged"],
        *LEAVE,
        spec["show"][0],
        *spec["enter"],
        *spec["detach_native"],
        *LEAVE,
    ]


@pytest.mark.parametrize("vendor", VENDORS)
def test_close_does_not_save_when_told_not_to_or_nothing_changed(vendor: str) -> None:
    spec = VENDORS[vendor]
    session, recorder = open_recorded(vendor, save_config=False)
    session.revert_port(spec["port"])
    recorder.sent.clear()
    session.close()
    assert recorder.sent == LEAVE
    recorder.sent.clear()
    session, untouched = open_recorded(vendor)
    session.get_port_networks([spec["port"]])
    untouched.sent.clear()
    session.close()
    assert recorder.sent == [] and untouched.sent == []
    assert recorder.closed and untouched.closed


def test_dell_save_answers_the_overwrite_question() -> None:
    session, recorder = open_recorded("powerconnect55xx")
    session.revert_port("gi1/0/3")
    session.close()
    question, answer = recorder.confirms[-1] or ("", "")
    assert answer == "y"
    assert re.search(question, "Overwrite file [startup-config].... (Y/N)[N] ?")


def test_a_save_the_switch_does_not_confirm_is_an_error() -> None:
    session, recorder = open_recorded("nexus")
    recorder.outputs[SAVE] = "Configuration update aborted: request was aborted"
    session.revert_port("Ethernet1/3")
    with pytest.raises(SwitchError, match=r"did not confirm saving.*aborted"):
        session.close()
    assert recorder.closed


def test_powerconnect_without_a_dummy_vlan_clears_the_native_vlan_as_hil_did() -> None:
    session, recorder = open_recorded("powerconnect55xx", dummy_vlan=None)
    session.modify_port("gi1/0/3", "vlan/native", None)
    assert recorder.sent[-2:] == [
        "switchport trunk allowed vlan remove 100",
        "switchport trunk native vlan none",
    ]
    recorder.sent.clear()
    session.revert_port("gi1/0/3")
    assert recorder.sent == [
        "interface gi1/0/3",
        "switchport mode trunk",
        "switchport trunk allowed vlan none",
        "switchport trunk native vlan none",
    ]


@pytest.mark.parametrize("vendor", VENDORS)
def test_get_port_networks_parses_the_switchs_own_output(vendor: str) -> None:
    spec = VENDORS[vendor]
    session, _ = open_recorded(vendor)
    assert session.get_port_networks([spec["port"]]) == {
        spec["port"]: {
            "vlan/native": "100",
            "vlan/200": "200",
            "vlan/201": "201",
            "vlan/202": "202",
            "vlan/300": "300",
        }
    }


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_native_vlan_parked_on_the_dummy_vlan_is_no_network(vendor: str) -> None:
    spec = VENDORS[vendor]
    show_command, output = spec["show"]
    session, recorder = open_recorded(vendor)
    parked = output.replace("VLAN: 100", "VLAN: 4000").replace("(VLAN0100)", "(VLAN4000)")
    recorder.outputs[show_command] = parked
    assert session.get_port_networks([spec["port"]]) == {
        spec["port"]: {
            "vlan/100": "100",
            "vlan/200": "200",
            "vlan/201": "201",
            "vlan/202": "202",
            "vlan/300": "300",
        }
    }


def test_n3000_port_allowing_all_vlans_carries_no_tagged_network() -> None:
    session, recorder = open_recorded("delln3000")
    recorder.outputs["show interfaces switchport Te1/0/3"] = N3000_SHOW.replace(
        "100,200-202,300", "All"
    ).replace("Native VLAN: 100", "Native VLAN: 1 (default)")
    assert session.get_port_networks(["Te1/0/3"]) == {"Te1/0/3": {"vlan/native": "1"}}


def test_nexus_factory_default_port_reads_as_empty() -> None:
    session, recorder = open_recorded("nexus")
    recorder.outputs["show interface Ethernet1/3 switchport"] = NEXUS_SHOW.replace(
        "100 (VLAN0100)", "4000 (VLAN4000)"
    ).replace("100,200-202,300", "1-4094")
    assert session.get_port_networks(["Ethernet1/3"]) == {"Ethernet1/3": {}}


def test_output_lacking_the_vendors_keys_is_an_error() -> None:
    session, recorder = open_recorded("nexus")
    recorder.outputs["show interface Ethernet1/3 switchport"] = "Name: Ethernet1/3\n"
    with pytest.raises(SwitchError, match="Trunking Native Mode VLAN"):
        session.get_port_networks(["Ethernet1/3"])


@pytest.mark.parametrize(
    ("vendor", "channel", "network", "message"),
    [
        ("nexus", "vlan/200", "300", "cannot be carried on channel vlan/200"),
        ("nexus", "vlan/native", "net-7", "not a VLAN id"),
        ("delln3000", "vlan/native", "5000", "not a VLAN id"),
        ("delln3000", "bond/1", "100", "not vlan/native or vlan/<id>"),
    ],
)
def test_changes_haas_cannot_map_to_a_vlan_send_nothing(
    vendor: str, channel: str, network: str, message: str
) -> None:
    session, recorder = open_recorded(vendor)
    with pytest.raises(SwitchError, match=message):
        session.modify_port(VENDORS[vendor]["port"], channel, network)
    assert recorder.sent == []


@pytest.mark.parametrize(
    ("vendor", "good", "bad"),
    [
        ("powerconnect55xx", ["gi1/0/11", "te1/0/12", "gi1/12", "te1/3"], ["Gi1/0/1", "1/0/1"]),
        ("delln3000", ["gi1/0/1", "Te1/0/1", "te1/3"], ["Ethernet1/1", "gi1", "gi1/0/1/2/3"]),
        ("nexus", ["Ethernet1/1", "ethernet1/0/10"], ["gi1/0/1", "Ethernet1", "Eth1/1"]),
    ],
)
def test_port_names_follow_each_vendors_rule(vendor: str, good: list[str], bad: list[str]) -> None:
    cls = VENDORS[vendor]["driver"]
    for port in good:
        cls.validate_port_name(port)
    for port in bad:
        with pytest.raises(BadArgumentError, match=f"Invalid port name.*{vendor}"):
            cls.validate_port_name(port)


def test_driver_info_defaults_and_hil_fields() -> None:
    pc = make_driver("powerconnect55xx", dummy_vlan=None).info
    assert (pc.protocol, pc.port, pc.save_config, pc.host_key_policy) == (
        "telnet",
        None,
        True,
        "accept-new",
    )
    assert make_driver("nexus").info.protocol == "ssh"
    assert make_driver("delln3000").target().port == 22
    assert make_driver("powerconnect55xx").target().port == 23
    assert make_driver("nexus", port=2222).target().port == 2222
    assert make_driver("nexus").info.dummy_vlan == 4000  # type: ignore[attr-defined]

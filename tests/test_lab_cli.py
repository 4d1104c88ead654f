"""The CLI emulators, driven by the real ``ssh`` and ``telnet`` clients through pexpect."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pexpect
import pytest

from haas_lab.lab import Lab, LabSpec, running_lab
from tests.support.lab import SSH_OPTIONS, CliClient, needs_lab

pytestmark = needs_lab

# dialect "mixed" makes switch 0 a PowerConnect, 1 an N3000, 2 a Nexus.
SWITCHES = {"powerconnect55xx": 0, "delln3000": 1, "nexus": 2}
# How each vendor shows one port's switchport settings (NX-OS: interface first).
SHOW_PORT = {
    "powerconnect55xx": "show interfaces switchport {}",
    "delln3000": "show interfaces switchport {}",
    "nexus": "show interface {} switchport",
}
# (native line, allowed line) of that output in each dialect.
SHOW_KEYS = {
    "powerconnect55xx": ("Trunking Native Mode VLAN", "Trunking VLANs Enabled"),
    "delln3000": ("Trunking Mode Native VLAN", "Trunking Mode VLANs Enabled"),
    "nexus": ("Trunking Native Mode VLAN", "Trunking VLANs Allowed"),
}


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    with running_lab(LabSpec(switches=3, nodes=3, dialect="mixed", ports_per_switch=6)) as lab:
        yield lab


def connect(lab: Lab, dialect: str, protocol: str = "ssh") -> CliClient:
    s = SWITCHES[dialect]
    sw = lab.switches[s]
    port = lab.endpoints[s][f"{protocol}_port"]
    return CliClient(dialect, sw.name, protocol, port, sw.username, sw.password)


def ovs(lab: Lab, dialect: str, label: str) -> dict[str, object]:
    sw = lab.switches[SWITCHES[dialect]]
    return lab.fabric.port_config(sw.ovs_ports[label])


def field(output: str, key: str) -> str:
    m = re.search(rf"^\s*{re.escape(key)}: ?(.*?)\s*$", output, re.M)
    assert m, f"{key!r} not in {output!r}"
    return m.group(1)


@pytest.mark.parametrize("protocol", ["ssh", "telnet"])
@pytest.mark.parametrize("dialect", list(SWITCHES))
def test_trunk_and_access_reach_show_output_and_ovs(lab: Lab, dialect: str, protocol: str) -> None:
    labels = list(lab.switches[SWITCHES[dialect]].ports)
    label = labels[4] if protocol == "ssh" else labels[5]  # uncabled ports
    cli = connect(lab, dialect, protocol)
    try:
        cli.run("terminal datadump" if dialect == "powerconnect55xx" else "terminal length 0")
        cli.run("configure terminal")
        cli.run(f"interface {label}")
        assert cli.run("switchport mode trunk") == ""
        cli.run("switchport trunk allowed vlan add 10,20-21")
        cli.run("switchport trunk native vlan 10")
        cli.run("end")
        show = cli.run(SHOW_PORT[dialect].format(label))
        native_key, allowed_key = SHOW_KEYS[dialect]
        assert field(show, native_key) == "10"
        assert field(show, allowed_key) == "10,20-21"
        running = cli.run(f"show running-config interface {label}")
        assert "switchport mode trunk" in running
        assert "switchport trunk native vlan 10" in running
        assert ovs(lab, dialect, label) == {
            "vlan_mode": "native-untagged",
            "tag": 10,
            "trunks": [10, 20, 21],
        }
        # Abbreviated, the way HIL-style drivers type, and 'interface' from an interface.
        cli.run("conf t")
        cli.run(f"int {labels[0]}")
        cli.run(f"int {label}")
        cli.run("sw trunk allowed vlan remove 20")
        assert ovs(lab, dialect, label)["trunks"] == [10, 21]
        cli.run("sw mode access")
        cli.run("sw access vlan 30")
        cli.run("exit")
        cli.run("exit")
        assert ovs(lab, dialect, label) == {"vlan_mode": "access", "tag": 30, "trunks": []}
        short = f"sh int {label} sw" if dialect == "nexus" else f"sh int sw {label}"
        assert field(cli.run(short), "Access Mode VLAN") in ("30", "30 ")
    finally:
        cli.close()


def test_cli_changes_move_real_traffic(lab: Lab) -> None:
    """node0/1/2's eth0 are cabled to the PowerConnect, the N3000 and the Nexus."""
    nodes = lab.fabric.nodes
    inventory = {n["netns"]: n for n in lab.inventory()["nodes"]}

    def set_vlan(node: int, vlan: int) -> None:
        nic = inventory[nodes[node].name]["nics"][0]
        assert nic["switch"] == lab.switches[node].name
        cli = connect(lab, lab.switches[node].dialect)
        try:
            cli.run("configure")
            cli.run(f"interface {nic['port']}")
            cli.run(f"switchport access vlan {vlan}")
            cli.run("end")
        finally:
            cli.close()

    set_vlan(0, 700)
    set_vlan(1, 700)
    set_vlan(2, 701)
    ip1, ip2 = nodes[1].nics[0].ip, nodes[2].nics[0].ip
    assert lab.fabric.ping(nodes[0].name, ip1)
    assert not lab.fabric.ping(nodes[0].name, ip2)
    set_vlan(2, 700)
    assert lab.fabric.ping(nodes[0].name, ip2)


def test_paging(lab: Lab) -> None:
    nexus = connect(lab, "nexus", "telnet")
    try:
        nexus.run("terminal length 10")
        out = nexus.run("show interface switchport")
        assert nexus.pages >= 10
        assert re.findall(r"Name: (Ethernet1/\d+)", out) == [f"Ethernet1/{n}" for n in range(1, 7)]
        nexus.run("terminal length 0")
        nexus.run("show interface switchport")
        pages = nexus.pages
        nexus.run("show interface switchport")
        assert nexus.pages == pages
    finally:
        nexus.close()

    pc = connect(lab, "powerconnect55xx")
    try:
        out = pc.run("show interfaces switchport gi1/0/1")  # 28 lines, default 24 a page
        assert pc.pages == 1
        assert out.rstrip().endswith("Classification rules:")
        pc.run("terminal datadump")
        pc.run("show interfaces switchport gi1/0/1")
        assert pc.pages == 1
    finally:
        pc.close()

    n3000 = connect(lab, "delln3000")
    try:
        n3000.run("terminal length 5")
        out = n3000.run("show running-config", page_key="q")  # quit at the first pager
        assert n3000.pages == 1
        assert "interface Gi1/0/1" not in out
    finally:
        n3000.close()


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [
        ("powerconnect55xx", ["% Unrecognized command"]),
        ("delln3000", [" " * 9 + "^", "% Invalid input detected at '^' marker."]),
        ("nexus", [" " * 10 + "^", "% Invalid command at '^' marker."]),
    ],
)
def test_bad_commands_answer_in_the_vendors_words(
    lab: Lab, dialect: str, expected: list[str]
) -> None:
    cli = connect(lab, dialect)
    try:
        # The caret sits under the bad word, counted from the prompt ("sw1#show " = 9).
        out = cli.run("show frobnicate")
        assert out.splitlines() == expected
        bad_port = cli.run(SHOW_PORT[dialect].format("gi7/0/99"))
        assert "^" in bad_port or "interface" in bad_port.lower()
        assert cli.run("configure terminal") == ""
        assert "%" in cli.run("switchport mode trunk")  # not a config-mode command
        cli.run("end")
    finally:
        cli.close()


@pytest.mark.parametrize("dialect", list(SWITCHES))
def test_saving_the_configuration(lab: Lab, dialect: str) -> None:
    switch = lab.switches[SWITCHES[dialect]]
    before = switch.saves
    cli = connect(lab, dialect)
    try:
        cli.child.sendline("copy running-config startup-config")
        if dialect != "nexus":
            cli.child.expect(r"\((Y/N|y/n)\)")
            cli.child.sendline("y")
        cli.child.expect(["Copy succeeded", "Configuration Saved!", "Copy complete."])
        cli.child.expect(cli.prompt)
        assert switch.saves == before + 1
        cli.run("terminal length 0" if dialect != "powerconnect55xx" else "terminal datadump")
        assert "interface" in cli.run("show startup-config")
    finally:
        cli.close()


def test_wrong_password_is_refused(lab: Lab) -> None:
    sw = lab.switches[SWITCHES["delln3000"]]
    telnet = pexpect.spawn(
        "telnet", ["127.0.0.1", str(lab.endpoints[1]["telnet_port"])], encoding="utf-8", timeout=5
    )
    ssh = pexpect.spawn(
        "ssh",
        ["-p", str(lab.endpoints[1]["ssh_port"]), *SSH_OPTIONS, "admin@127.0.0.1"],
        encoding="utf-8",
        timeout=5,
    )
    try:
        telnet.expect("User:")
        telnet.sendline(sw.username)
        telnet.expect("Password:")
        telnet.sendline("not-" + sw.password)
        telnet.expect("% Authentication failed")
        telnet.expect("User:")
        ssh.expect("[Pp]assword:")
        ssh.sendline("not-" + sw.password)
        ssh.expect("[Pp]assword:")  # asked again: refused
    finally:
        telnet.close(force=True)
        ssh.close(force=True)


def test_latency_is_honoured() -> None:
    spec = LabSpec(
        dialect="nexus", nodes=0, ports_per_switch=2, login_delay=0.5, command_delay=0.3
    )
    with running_lab(spec) as lab:
        sw = lab.switches[0]
        cli = CliClient(
            "nexus", sw.name, "ssh", lab.endpoints[0]["ssh_port"], "admin", spec.password
        )
        try:
            assert cli.login_seconds >= 0.5
            started = time.monotonic()
            cli.run("show running-config interface Ethernet1/1")
            cli.run("terminal length 0")
            assert time.monotonic() - started >= 0.6
        finally:
            cli.close()

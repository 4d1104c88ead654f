"""The lab fabric forwards like a switch: VLANs isolate, trunks carry 802.1Q tags."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest

from haas_lab.fabric import BLACKHOLE_VLAN, Fabric
from tests.support.lab import needs_lab

pytestmark = needs_lab


@pytest.fixture(scope="module")
def fabric() -> Iterator[Fabric]:
    fab = Fabric(switches=2, nodes=4)
    fab.up()
    try:
        yield fab
    finally:
        fab.down()


def eth0(fabric: Fabric, i: int) -> tuple[str, str, str]:
    """(namespace, ip, OVS port) of node i's eth0."""
    node = fabric.nodes[i]
    return node.name, node.nics[0].ip, node.nics[0].ovs_port


def test_layout_spreads_nics_over_switches(fabric: Fabric) -> None:
    assert [[nic.switch for nic in n.nics] for n in fabric.nodes] == [[0, 1], [1, 0]] * 2
    ports = [nic.ovs_port for n in fabric.nodes for nic in n.nics]
    assert len(set(ports)) == 8
    assert fabric.nodes[1].nics[0].ip == "10.100.0.2"


def test_same_vlan_pings_other_vlan_does_not(fabric: Fabric) -> None:
    (ns0, _, p0), (_, ip1, p1), (_, ip2, p2) = (eth0(fabric, i) for i in range(3))
    fabric.set_access(p0, 100)
    fabric.set_access(p1, 100)  # on the other switch: crosses the uplink
    fabric.set_access(p2, 200)
    assert fabric.port_config(p0) == {"vlan_mode": "access", "tag": 100, "trunks": []}
    assert fabric.ping(ns0, ip1)
    assert not fabric.ping(ns0, ip2)
    fabric.set_access(p2, 100)
    assert fabric.ping(ns0, ip2)


def test_blocked_port_carries_nothing(fabric: Fabric) -> None:
    (ns0, _, p0), (_, ip3, p3) = eth0(fabric, 0), eth0(fabric, 3)
    fabric.set_access(p0, 300)
    fabric.set_access(p3, 300)
    assert fabric.ping(ns0, ip3)
    fabric.block(p3)
    assert fabric.port_config(p3)["trunks"] == [BLACKHOLE_VLAN]
    assert not fabric.ping(ns0, ip3)


def test_native_untagged_trunk_reaches_access_port(fabric: Fabric) -> None:
    (ns0, _, p0), (_, ip1, p1) = eth0(fabric, 0), eth0(fabric, 1)
    fabric.set_access(p0, 400)
    fabric.set_trunk(p1, [401, 402], native=400)
    assert fabric.port_config(p1) == {
        "vlan_mode": "native-untagged",
        "tag": 400,
        "trunks": [400, 401, 402],
    }
    assert fabric.ping(ns0, ip1)


def test_trunk_carries_tagged_frames_of_allowed_vlans_only(fabric: Fabric) -> None:
    (ns0, _, p0), (ns1, _, p1), (ns2, _, p2), (ns3, _, p3) = (eth0(fabric, i) for i in range(4))
    fabric.set_trunk(p1, [500, 501])  # node1's eth0 sees VLANs 500 and 501, tagged
    capture = subprocess.Popen(
        ["ip", "netns", "exec", ns1, "tcpdump", "-l", "-n", "-e", "-i", "eth0", "arp"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        time.sleep(0.5)  # tcpdump attaches
        senders = ((ns0, p0, 500, "10.100.9.1"), (ns2, p2, 502, "10.100.9.2"))
        for ns, port, vlan, target in (*senders, (ns3, p3, 501, "10.100.9.3")):
            fabric.set_access(port, vlan)
            # ARP for an absent host: a broadcast on the access port's VLAN.
            fabric.node_exec(ns, "ping", "-c2", "-i0.2", "-W1", target)
        time.sleep(0.2)
        capture.terminate()  # tcpdump prints line by line (-l) and exits on SIGTERM
        out, _ = capture.communicate(timeout=10)
    finally:
        if capture.poll() is None:
            capture.kill()
            capture.wait()
    assert "vlan 500" in out
    assert "vlan 501" in out
    assert "vlan 502" not in out
    assert "10.100.9.2" not in out

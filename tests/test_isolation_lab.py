"""Isolation proved with packets: every switch driver, through haas's API and network agent,
against its emulator in the lab (real OVS forwarding between node namespaces).

For each driver one lab (one switch, three nodes with two NICs each) and one haas (SQLite,
the API served over HTTP in this process, an agent thread) serve the whole module; the lab is
registered the way ``haas-manage lab up --register`` does it. Every test starts from ports
reverted through the API and ends by reading the switch's own state back through the driver,
which must equal haas's attachments.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from select import select as wait_readable
from typing import Any

import pytest
from sqlalchemy import select

from haas_core.db import models as m
from haas_core.services import Services
from haas_core.switches import switch_driver
from haas_lab.lab import DIALECTS, Lab, LabSpec, running_lab
from haas_lab.register import register
from tests.conftest import USERS, seed_users
from tests.support.agent import agent_thread, wait_for_action
from tests.support.app import Api, build, make_conf
from tests.support.console import http_api
from tests.support.lab import needs_lab

pytestmark = needs_lab

#: (dialect, protocol): each driver once, the PowerConnect over both of its protocols.
CASES = [
    ("powerconnect55xx", "telnet"),
    ("powerconnect55xx", "ssh"),
    ("delln3000", "ssh"),
    ("nexus", "ssh"),
    ("brocade", "http"),
    ("dellnos9", "http"),
    ("ovs", "ovsdb"),
]
VLANS = "100-131"  # the pool; the lab's dummy VLAN 4093 is outside it
AGENT = {"poll_interval_seconds": 0.05, "session_idle_seconds": 1.0, "dispatch_gap_seconds": 0}
ALICE = "alice"  # member of project p1, which gets every node


@dataclass
class World:
    lab: Lab
    api: Api
    inventory: dict[str, Any]
    #: (node, nic) -> (switch, port)
    cabling: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    networks: list[str] = field(default_factory=list)  # made by the running test

    @property
    def nodes(self) -> list[str]:
        return [node["name"] for node in self.inventory["nodes"]]

    def netns(self, node: int) -> str:
        return str(self.inventory["nodes"][node]["netns"])

    def ip(self, node: int, nic: int) -> str:
        return str(self.inventory["nodes"][node]["nics"][nic]["ip"])

    def mac(self, node: int, nic: int) -> str:
        return str(self.inventory["nodes"][node]["nics"][nic]["macaddr"])

    def ping(self, src: int, ip: str) -> bool:
        return self.lab.fabric.ping(self.netns(src), ip)

    # -- the API ------------------------------------------------------------------------------

    def network(self, name: str) -> str:
        """A new network of project p1; its VLAN id."""
        body = {"owner": "p1", "access": "p1", "net_id": ""}
        resp = self.api.put(f"/v0/network/{name}", body, user=ALICE)
        assert resp.status_int == 200, resp.text
        self.networks.append(name)
        return self.network_ids()[name]

    def network_ids(self) -> dict[str, str]:
        """network -> VLAN id (only an admin sees them)."""
        return {
            name: body["network_id"] for name, body in self.api.get("/v0/networks").json.items()
        }

    def run(self, *calls: tuple[str, str, dict[str, Any] | None]) -> None:
        """Queue networking calls (on different NICs) at once; wait until all are DONE."""
        ids = []
        for user, path, body in calls:
            resp = self.api.post(path, body, user=user)
            assert resp.status_int == 202, resp.text
            ids.append(resp.json["status_id"])
        for sid in ids:
            action = wait_for_action(self.api, sid)
            assert action["status"] == "DONE", action["error"]

    def attachments(self) -> dict[tuple[str, str], dict[str, str]]:
        """(node, nic) -> {channel: network} as haas has it."""
        result = {}
        for node in self.nodes:
            for nic in self.api.get(f"/v0/node/{node}").json["nics"]:
                result[(node, nic["label"])] = nic["networks"]
        return result

    def switch_state(self) -> dict[tuple[str, str], dict[str, str]]:
        """(node, nic) -> {channel: network id}, read from the switch through its driver."""
        services = self.api.services
        result = {}
        for sw in self.inventory["switches"]:
            with services.db.session() as db:
                row = db.scalars(select(m.Switch).where(m.Switch.label == sw["name"])).one()
                driver = switch_driver(services, row)
            cabled = {port: key for key, (s, port) in self.cabling.items() if s == sw["name"]}
            session = driver.open_session()
            try:
                read = session.get_port_networks(list(cabled))
            finally:
                session.close()
            result.update({cabled[port]: nets for port, nets in read.items()})
        return result

    def assert_switch_matches_haas(self) -> None:
        ids = {
            name: body["network_id"] for name, body in self.api.get("/v0/networks").json.items()
        }
        expected = {
            key: {channel: ids[net] for channel, net in nets.items()}
            for key, nets in self.attachments().items()
        }
        assert self.switch_state() == expected


def connect(node: str, nic: str, net: str, channel: str | None = None) -> tuple[str, str, Any]:
    body = {"network": net, **({"channel": channel} if channel else {})}
    return ALICE, f"/v0/node/{node}/nic/{nic}/connect_network", body


def detach(node: str, nic: str, net: str) -> tuple[str, str, Any]:
    return ALICE, f"/v0/node/{node}/nic/{nic}/detach_network", {"network": net}


def revert(switch: str, port: str) -> tuple[str, str, Any]:
    return "admin", f"/v0/switch/{switch}/port/{port}/revert", None


def build_haas(tmp: Path, template: Path, switches: str) -> Services:
    db = tmp / "haas.db"
    db.write_bytes(template.read_bytes())
    overrides = {
        "plugins": {"switches": switches},
        "network_allocator_vlan_pool": {"vlans": VLANS},
        "network_agent": AGENT,
    }
    services = build(make_conf(tmp / "haas.conf", f"sqlite:///{db}", overrides))
    seed_users(services, USERS)
    return services


@pytest.fixture(scope="module", params=CASES, ids=[f"{d}-{p}" for d, p in CASES])
def world(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sqlite_template: Path,
) -> Iterator[World]:
    dialect, protocol = request.param
    tmp = tmp_path_factory.mktemp(f"isolation-{dialect}")
    services = build_haas(tmp, sqlite_template, dialect)
    api = Api(services, {name: pw for name, (pw, _, _) in USERS.items()})
    cli_protocol = "telnet" if protocol == "telnet" else "ssh"  # what CLI driver_info names
    spec = LabSpec(switches=1, nodes=3, dialect=dialect, protocol=cli_protocol, bmcs=False)
    try:
        with running_lab(spec) as lab, http_api(services) as http, agent_thread(services):
            inventory = lab.inventory()
            register(inventory, f"http://127.0.0.1:{http}/v0", "admin", USERS["admin"][0])
            w = World(lab, api, inventory)
            for node in inventory["nodes"]:
                resp = api.post("/v0/project/p1/connect_node", {"node": node["name"]})
                assert resp.status_int == 200, resp.text
                for nic in node["nics"]:
                    w.cabling[(node["name"], nic["label"])] = (nic["switch"], nic["port"])
            # The factory state (VLAN 1 everywhere) is not haas's "nothing attached".
            w.run(*(revert(sw, port) for sw, port in w.cabling.values()))
            yield w
    finally:
        services.db.dispose()


@pytest.fixture
def w(world: World) -> Iterator[World]:
    """The module's world; afterwards every port is reverted and the test's networks go."""
    yield world
    world.run(*(revert(sw, port) for sw, port in world.cabling.values()))
    for name in world.networks:
        assert world.api.delete(f"/v0/network/{name}", user=ALICE).status_int == 200
    world.networks.clear()


def test_one_network_reaches_and_another_does_not(w: World) -> None:
    n0, n1, n2 = w.nodes
    w.network("red")
    w.network("blue")
    w.run(connect(n0, "eth0", "red"), connect(n1, "eth0", "red"), connect(n2, "eth0", "blue"))
    assert w.ping(0, w.ip(1, 0))
    assert not w.ping(2, w.ip(0, 0))
    w.assert_switch_matches_haas()


def test_moving_a_nic_moves_its_reachability(w: World) -> None:
    n0, n1, n2 = w.nodes
    w.network("red")
    w.network("blue")
    w.run(connect(n0, "eth0", "red"), connect(n1, "eth0", "red"), connect(n2, "eth0", "blue"))
    w.run(detach(n1, "eth0", "red"), detach(n2, "eth0", "blue"))
    w.run(connect(n1, "eth0", "blue"), connect(n2, "eth0", "red"))
    assert w.ping(0, w.ip(2, 0))
    assert not w.ping(0, w.ip(1, 0))
    w.assert_switch_matches_haas()


#: Sends one broadcast frame per VLAN id argument (0: untagged) out of a NIC, ethertype 0x88b5
#: (local experimental). Run in a node's namespace; the kernel here may lack 802.1Q devices.
SEND_FRAMES = """
import socket, struct, sys
nic, mac, *vlans = sys.argv[1:]
sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
sock.bind((nic, 0))
for vlan in map(int, vlans):
    tag = struct.pack("!HH", 0x8100, vlan) if vlan else b""
    head = b"\\xff" * 6 + bytes.fromhex(mac.replace(":", "")) + tag + b"\\x88\\xb5"
    sock.send(head + b"haas isolation".ljust(46, b"."))
"""


class Capture:
    """``tcpdump -e`` on a node's NIC, frames from one MAC; stopped by its PID."""

    def __init__(self, netns: str, nic: str, mac: str) -> None:
        argv = ["ip", "netns", "exec", netns, "tcpdump", "-e", "-n", "-l", "-i", nic]
        self.proc = subprocess.Popen(
            [*argv, "ether", "src", mac], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        assert self.proc.stderr is not None
        said = ""
        while "listening on" not in said:  # once it captures
            line = self.proc.stderr.readline()
            if not line:
                self.stop()
                raise AssertionError(f"tcpdump did not start: {said}")
            said += line

    def frames(self, expected: Callable[[list[str]], bool], timeout: float = 5.0) -> list[str]:
        """The frames seen once ``expected(frames)`` holds, plus any within a grace period
        after (the datapath may reorder frames of different flows), or at the timeout."""
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()  # read unbuffered: select() does not see a buffer
        text = ""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = wait_readable([fd], [], [], 0.05)
            if ready:
                text += os.read(fd, 65536).decode()
            lines = [line for line in text.splitlines(keepends=True) if line.endswith("\n")]
            if expected(lines):
                deadline = min(deadline, time.monotonic() + 0.3)
        return [line for line in text.splitlines(keepends=True) if line.endswith("\n")]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        self.proc.communicate(timeout=10)


def tags_of(frames: list[str]) -> list[int]:
    """The 802.1Q VLAN ids of ``tcpdump -e`` lines."""
    return [int(t) for line in frames for t in re.findall(r"\bvlan (\d+),", line)]


def untagged_in(frames: list[str]) -> bool:
    return any("802.1Q" not in line for line in frames)


def test_a_trunk_carries_exactly_its_allowed_vlans(w: World) -> None:
    """node0's eth1: native green, tagged blue. node1's eth1: the same plus tagged yellow."""
    n0, n1, _ = w.nodes
    w.network("green")
    blue = w.network("blue")
    yellow = w.network("yellow")
    w.run(connect(n0, "eth1", "green"), connect(n1, "eth1", "green"))
    w.run(connect(n0, "eth1", "blue", f"vlan/{blue}"), connect(n1, "eth1", "blue", f"vlan/{blue}"))
    w.run(connect(n1, "eth1", "yellow", f"vlan/{yellow}"))
    assert w.ping(0, w.ip(1, 1))  # green, untagged
    capture = Capture(w.netns(0), "eth1", w.mac(1, 1))
    try:
        # node1 sends on yellow, blue, a VLAN haas never gave out, then untagged (green).
        sent = w.lab.fabric.node_exec(
            w.netns(1), sys.executable, "-c", SEND_FRAMES, "eth1", w.mac(1, 1),
            yellow, blue, "4000", yellow, blue, "0",
        )  # fmt: skip
        assert sent.returncode == 0, sent.stderr
        frames = capture.frames(lambda seen: len(tags_of(seen)) >= 2 and untagged_in(seen))
    finally:
        capture.stop()
    assert tags_of(frames) == [int(blue), int(blue)], frames
    assert untagged_in(frames), frames
    w.assert_switch_matches_haas()


def test_port_revert_cuts_the_node_off(w: World) -> None:
    n0, n1, _ = w.nodes
    w.network("red")
    w.run(connect(n0, "eth0", "red"), connect(n1, "eth0", "red"))
    assert w.ping(0, w.ip(1, 0))
    switch, port = w.cabling[(n1, "eth0")]
    w.run(revert(switch, port))
    assert not w.ping(0, w.ip(1, 0))
    # The eth1 ports were only ever reverted (from the factory's access VLAN 1): cut off too.
    assert not w.ping(0, w.ip(1, 1))
    assert w.attachments()[(n1, "eth0")] == {}
    assert w.attachments()[(n0, "eth0")] == {"vlan/native": "red"}
    w.assert_switch_matches_haas()


def test_lab_up_registers_every_dialect_in_a_real_haas(
    tmp_path: Path, sqlite_template: Path
) -> None:
    """``haas-manage lab up --register`` into a served haas; every switch's driver then logs
    in with what was registered (ssh with the pinned host key, REST, ovsdb) and reads its
    ports."""
    services = build_haas(tmp_path, sqlite_template, ", ".join(DIALECTS))
    state = tmp_path / "lab"
    manage = [str(Path(sys.executable).with_name("haas-manage")), "lab", "--state-dir", str(state)]
    env = {**os.environ, "HAAS_PASSWORD": USERS["admin"][0]}
    try:
        with http_api(services) as port:
            up = subprocess.run(
                [*manage, "up", "--dialect", "mixed", "--switches", "6", "--nodes", "6",
                 "--no-bmcs", "--register", f"http://127.0.0.1:{port}/v0", "--user", "admin"],
                capture_output=True, text=True, timeout=180, env=env,
            )  # fmt: skip
            assert up.returncode == 0, up.stdout + up.stderr
            with services.db.session() as db:
                switches = db.scalars(select(m.Switch).order_by(m.Switch.label)).all()
                drivers = {
                    sw.driver: (switch_driver(services, sw), [p.label for p in sw.ports])
                    for sw in switches
                }
            assert set(drivers) == set(DIALECTS)
            for name, (driver, ports) in drivers.items():
                session = driver.open_session()
                try:
                    assert set(session.get_port_networks(ports)) == set(ports), name
                finally:
                    session.close()
    finally:
        subprocess.run([*manage, "down"], capture_output=True, timeout=120)
        services.db.dispose()

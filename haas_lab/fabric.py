"""The lab's switch fabric: Open vSwitch (userspace datapath) plus one namespace per node.

A :class:`Fabric` owns one network namespace in which it runs its own ``ovsdb-server`` and
``ovs-vswitchd`` (own run directory, own database), one OVS bridge per emulated switch, and one
network namespace per node. Each node has NICs ``eth0`` and ``eth1``, veth pairs whose peers are
OVS ports of the switch bridges. Switch bridges are joined to switch 0 by patch-port trunks that
carry every VLAN, so nodes on different switches reach each other when their ports share a VLAN.

Addresses: NIC ``k`` of node ``i`` (0-based) gets ``10.(100+k).(i // 250).(i % 250 + 1)/16``, so
``eth0`` of any two nodes (and ``eth1`` of any two) can ping each other once on one VLAN.

Everything is torn down by PID and by the exact names this instance made; names carry a random
suffix so several labs (and several test runs) coexist on one machine.

Example::

    fabric = Fabric(switches=2, nodes=4)
    fabric.up()
    fabric.set_access("s0p1", 10)
    fabric.node_exec(fabric.nodes[0].name, "ping", "-c1", "-W1", "10.100.0.2")
    fabric.down()
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

LOG = logging.getLogger(__name__)

NICS_PER_NODE = 2
# A trunk with nothing allowed: OVS reads an empty `trunks` as "every VLAN", so a port
# that must carry nothing trunks only VLAN 4095, which 802.1Q reserves and nobody sends.
BLACKHOLE_VLAN = 4095
OVS_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"
OVS_BINARIES = ("ovsdb-server", "ovs-vswitchd", "ovs-vsctl", "ovsdb-tool", "ovs-appctl")


class FabricError(RuntimeError):
    """A fabric command failed; the message carries the command's own error text."""


def missing_tools() -> list[str]:
    """Names of the programs the fabric needs that are not installed."""
    return [tool for tool in (*OVS_BINARIES, "ip") if shutil.which(tool) is None]


@dataclass
class Nic:
    node: str
    name: str  # interface name inside the node namespace
    mac: str
    ip: str  # without prefix length
    switch: int
    ovs_port: str  # the OVS port (in the fabric namespace) this NIC is cabled to


@dataclass
class Node:
    name: str  # also the network namespace name
    nics: list[Nic] = field(default_factory=list)


def nic_mac(node_index: int, nic_index: int) -> str:
    """A locally administered MAC, unique in the lab (each lab has its own fabric)."""
    return f"02:1a:{node_index >> 8 & 0xFF:02x}:{node_index & 0xFF:02x}:{nic_index:02x}:01"


def nic_ip(node_index: int, nic_index: int) -> str:
    return f"10.{100 + nic_index}.{node_index // 250}.{node_index % 250 + 1}"


class Fabric:
    """One OVS instance with ``switches`` bridges and ``nodes`` node namespaces."""

    def __init__(
        self,
        switches: int = 1,
        nodes: int = 2,
        ports_per_switch: int | None = None,
        lab_id: str | None = None,
        workdir: str | None = None,
    ) -> None:
        if switches < 1 or nodes < 0:
            raise ValueError("a fabric needs at least one switch")
        self.lab_id = lab_id or secrets.token_hex(3)
        self.n_switches = switches
        self.n_nodes = nodes
        # Enough ports for every NIC cabled to the switch.
        needed = -(-nodes * NICS_PER_NODE // switches)
        self.ports_per_switch = max(ports_per_switch or 0, needed)
        self.netns = f"haaslab-{self.lab_id}"
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix=f"haaslab-{self.lab_id}-"))
        self.rundir = self.workdir / "ovs"
        self.db_sock = self.rundir / "db.sock"
        self.pids: dict[str, int] = {}
        self.nodes: list[Node] = []
        self._procs: list[subprocess.Popen[bytes]] = []
        self.namespaces: list[str] = []
        self._cabled = [0] * switches  # cabled ports so far, per switch

    # -- naming -----------------------------------------------------------------------------

    def bridge(self, switch: int) -> str:
        return f"sw{switch}"

    def ovs_port(self, switch: int, port: int) -> str:
        """Name of the OVS port ``port`` (1-based) of ``switch``; lives in the fabric netns."""
        return f"s{switch}p{port}"

    def switch_ports(self, switch: int) -> list[str]:
        return [self.ovs_port(switch, p) for p in range(1, self.ports_per_switch + 1)]

    def node_name(self, index: int) -> str:
        return f"haaslab-{self.lab_id}-n{index}"

    # -- commands ---------------------------------------------------------------------------

    def _run(self, *argv: str, netns: str | None = None, check: bool = True) -> str:
        if netns:
            argv = ("ip", "netns", "exec", netns, *argv)
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        if check and proc.returncode != 0:
            raise FabricError(f"{' '.join(argv)}: {proc.stderr.strip() or proc.stdout.strip()}")
        return proc.stdout

    def vsctl(self, *args: str) -> str:
        """Run ``ovs-vsctl`` against this fabric's database."""
        return self._run("ovs-vsctl", f"--db=unix:{self.db_sock}", "--timeout=10", *args)

    def node_exec(
        self, node: str, *argv: str, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` inside the node's namespace; returns the finished process."""
        return subprocess.run(
            ["ip", "netns", "exec", node, *argv], capture_output=True, text=True, timeout=timeout
        )

    def ping(self, node: str, ip: str) -> bool:
        """One ping from ``node`` to ``ip`` with a one second deadline.

        The node's ARP cache is flushed first: an entry left half-resolved by an earlier
        failed ping would delay the next ARP request past the deadline.
        """
        self.node_exec(node, "ip", "neigh", "flush", "all")
        return self.node_exec(node, "ping", "-c1", "-W1", "-q", ip).returncode == 0

    # -- lifecycle --------------------------------------------------------------------------

    def up(self) -> None:
        """Start OVS, make the bridges, the node namespaces and the cabling."""
        try:
            self._start_ovs()
            for s in range(self.n_switches):
                self._make_bridge(s)
            for i in range(self.n_nodes):
                self._make_node(i)
            self._add_spare_ports()
        except BaseException:
            self.down()
            raise

    def _add_netns(self, name: str) -> None:
        self._run("ip", "netns", "add", name)
        self.namespaces.append(name)
        self._run("ip", "link", "set", "lo", "up", netns=name)

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = open(self.rundir / f"{name}.out", "wb")  # noqa: SIM115 - lives as long as the child
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.netns, *argv],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "OVS_RUNDIR": str(self.rundir), "OVS_DBDIR": str(self.rundir)},
            start_new_session=True,
        )
        log.close()
        self._procs.append(proc)
        self.pids[name] = proc.pid

    def _start_ovs(self) -> None:
        self.rundir.mkdir(parents=True, exist_ok=True)
        self._add_netns(self.netns)
        db = self.rundir / "conf.db"
        self._run("ovsdb-tool", "create", str(db), OVS_SCHEMA)
        self._spawn(
            "ovsdb-server",
            [
                "ovsdb-server",
                str(db),
                f"--remote=punix:{self.db_sock}",
                f"--unixctl={self.rundir / 'ovsdb-server.ctl'}",
                f"--log-file={self.rundir / 'ovsdb-server.log'}",
                "--no-chdir",
            ],
        )
        self._wait_for(
            "ovsdb-server", "ovs-vsctl", f"--db=unix:{self.db_sock}", "--no-wait", "init"
        )
        self._spawn(
            "ovs-vswitchd",
            [
                "ovs-vswitchd",
                f"unix:{self.db_sock}",
                f"--unixctl={self.rundir / 'ovs-vswitchd.ctl'}",
                f"--log-file={self.rundir / 'ovs-vswitchd.log'}",
                "--no-chdir",
            ],
        )
        self._wait_for(
            "ovs-vswitchd", "ovs-appctl", f"--target={self.rundir / 'ovs-vswitchd.ctl'}", "version"
        )

    def _wait_for(self, what: str, *probe: str, timeout: float = 10) -> None:
        """Retry ``probe`` until it succeeds: a daemon's socket file appears before it listens."""
        deadline = time.monotonic() + timeout
        while subprocess.run(probe, capture_output=True, timeout=timeout).returncode != 0:
            for proc in self._procs:
                if proc.poll() is not None:
                    raise FabricError(f"{what} exited with {proc.returncode}; see {self.rundir}")
            if time.monotonic() > deadline:
                raise FabricError(f"{what} did not start within {timeout} s")
            time.sleep(0.02)

    def _make_bridge(self, s: int) -> None:
        br = self.bridge(s)
        cmds = ["--", "add-br", br, "--", "set", "bridge", br, "datapath_type=netdev"]
        if s > 0:
            # Uplink: a patch-port pair to switch 0 trunking every VLAN (empty trunks = all).
            up, down = f"up{s}", f"dn{s}"
            cmds += [
                "--", "add-port", br, up,
                "--", "set", "interface", up, "type=patch", f"options:peer={down}",
                "--", "add-port", self.bridge(0), down,
                "--", "set", "interface", down, "type=patch", f"options:peer={up}",
            ]  # fmt: skip
        self.vsctl(*cmds)
        self._run("ip", "link", "set", br, "up", netns=self.netns)

    def _make_node(self, i: int) -> None:
        # One `ip -batch` per side and one OVS transaction per node: a big lab comes up fast.
        node = Node(self.node_name(i))
        self._run("ip", "netns", "add", node.name)
        self.namespaces.append(node.name)
        fabric_side, node_side, ovs = [], ["link set lo up"], []
        for k in range(NICS_PER_NODE):
            # Node i's NIC k goes to switch (i + k) mod S: eth0s spread over every switch.
            switch = (i + k) % self.n_switches
            self._cabled[switch] += 1
            port = self.ovs_port(switch, self._cabled[switch])
            nic, mac, ip = f"eth{k}", nic_mac(i, k), nic_ip(i, k)
            fabric_side += [
                f"link add {port} type veth peer name {nic} address {mac} netns {node.name}",
                f"link set {port} up",
            ]
            node_side += [f"addr add {ip}/16 dev {nic}", f"link set {nic} up"]
            ovs += [
                "--",
                "add-port",
                self.bridge(switch),
                port,
                "--",
                "set",
                "port",
                port,
                "tag=1",
            ]
            node.nics.append(Nic(node.name, nic, mac, ip, switch, port))
        self._batch(self.netns, fabric_side)
        self._batch(node.name, node_side)
        self.vsctl(*ovs)
        self.nodes.append(node)

    def _batch(self, netns: str, commands: list[str]) -> None:
        argv = ["ip", "-n", netns, "-batch", "-"]
        proc = subprocess.run(
            argv, input="\n".join(commands) + "\n", capture_output=True, text=True, timeout=30
        )
        if proc.returncode != 0:
            raise FabricError(f"ip -n {netns} -batch: {proc.stderr.strip()}")

    def _add_spare_ports(self) -> None:
        # Uncabled ports exist in OVS too, so every switch port can be configured.
        used = {nic.ovs_port for node in self.nodes for nic in node.nics}
        for s in range(self.n_switches):
            for port in self.switch_ports(s):
                if port not in used:
                    self.vsctl(
                        "add-port", self.bridge(s), port, "--", "set", "interface", port,
                        "type=internal", "--", "set", "port", port, "tag=1",
                    )  # fmt: skip

    def down(self) -> None:
        """Stop the daemons (by PID) and delete every namespace this fabric made."""
        stop_pids(list(self.pids.values()))
        for proc in self._procs:
            proc.wait(timeout=10)
        self._procs.clear()
        self.pids.clear()
        for name in reversed(self.namespaces):
            delete_netns(name)
        self.namespaces.clear()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # -- VLAN configuration ---------------------------------------------------------------

    def set_port(self, port: str, vlan_mode: str, tag: int | None, trunks: list[int]) -> None:
        """Set an OVS port's ``vlan_mode``, ``tag`` and ``trunks`` in one transaction."""
        args = ["set", "port", port, f"vlan_mode={vlan_mode}"]
        args.append(f"tag={tag}" if tag is not None else "tag=[]")
        args.append("trunks=[" + ",".join(str(v) for v in trunks) + "]")
        self.vsctl(*args)
        # The datapath's cached flows still forward the old way until the revalidators catch
        # up (a fraction of a second): flush them so the change holds from the next frame on.
        self._run("ovs-appctl", f"--target={self.rundir / 'ovs-vswitchd.ctl'}", "dpctl/del-flows")

    def set_access(self, port: str, vlan: int) -> None:
        self.set_port(port, "access", vlan, [])

    def set_trunk(self, port: str, allowed: list[int], native: int | None = None) -> None:
        """Trunk ``allowed`` VLANs tagged; ``native`` (if given) untagged."""
        if native is None:
            self.set_port(port, "trunk", None, sorted(allowed) or [BLACKHOLE_VLAN])
        else:
            self.set_port(port, "native-untagged", native, sorted({*allowed, native}))

    def block(self, port: str) -> None:
        """Make the port carry nothing (a shut-down port)."""
        self.set_port(port, "trunk", None, [BLACKHOLE_VLAN])

    def port_config(self, port: str) -> dict[str, object]:
        """The port's VLAN settings as OVS has them: vlan_mode, tag, trunks."""
        out = self.vsctl("--format=json", "--columns=vlan_mode,tag,trunks", "list", "port", port)
        row = json.loads(out)["data"][0]
        return {
            "vlan_mode": _ovs_scalar(row[0]),
            "tag": _ovs_scalar(row[1]),
            "trunks": sorted(_ovs_set(row[2])),
        }


def _ovs_set(value: object) -> list[int]:
    # OVSDB JSON: a set is ["set", [...]], a single element is the bare value.
    if isinstance(value, list) and value and value[0] == "set":
        return [int(v) for v in value[1]]
    return [int(value)]  # type: ignore[call-overload]


def _ovs_scalar(value: object) -> object:
    if isinstance(value, list) and value and value[0] == "set":
        return value[1][0] if value[1] else None
    return value


def stop_pids(pids: list[int], timeout: float = 5) -> None:
    """SIGTERM each PID, then SIGKILL whatever is still alive after ``timeout``."""
    alive = []
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
            alive.append(pid)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while alive and time.monotonic() < deadline:
        alive = [pid for pid in alive if _alive(pid)]
        time.sleep(0.02)
    for pid in alive:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        # Reap it if it is our child, else just probe it.
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return False
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie that is not our child still answers kill(0); read its state.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def delete_netns(name: str) -> None:
    """Delete one network namespace by its exact name (missing is fine)."""
    subprocess.run(["ip", "netns", "delete", name], capture_output=True, timeout=30)

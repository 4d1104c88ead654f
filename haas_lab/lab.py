"""A whole lab: the fabric, one emulator per switch, one BMC per node, and its inventory.

:class:`Lab` is what the supervisor process (``haas-manage lab up``) runs and what tests use
directly, through :func:`running_lab`, which runs the lab's event loop in a thread::

    with running_lab(LabSpec(switches=2, nodes=4, dialect="nexus")) as lab:
        sw = lab.inventory()["switches"][0]
        ...  # ssh to sw["ssh_port"], ping between lab.fabric.nodes
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from http.server import ThreadingHTTPServer
from typing import Any

import asyncssh

from haas_lab import bmc
from haas_lab.dialects import CLI_DIALECTS
from haas_lab.fabric import Fabric, stop_pids
from haas_lab.rest import start_rest
from haas_lab.servers import generate_host_key, start_ssh, start_telnet
from haas_lab.switch import FACTORY_SHUTDOWN, EmulatedSwitch

LOG = logging.getLogger(__name__)

DIALECTS = ("powerconnect55xx", "delln3000", "nexus", "brocade", "dellnos9", "ovs")
DUMMY_VLAN = 4093  # parking native VLAN for the drivers that need one; never in a pool
INTERFACE_TYPE = "TenGigabitEthernet"  # the REST dialects' interface_type


@dataclass
class LabSpec:
    """What to build. ``dialect`` is one of :data:`DIALECTS` or ``mixed`` (round robin)."""

    switches: int = 1
    nodes: int = 2
    dialect: str = "nexus"
    protocol: str = "ssh"  # what the CLI switches' driver_info names (both are served)
    username: str = "admin"
    password: str = ""  # empty: a random one
    login_delay: float = 0.0
    command_delay: float = 0.0
    prefix: str = ""  # prepended to switch and node labels
    lab_id: str = ""
    ports_per_switch: int = 0  # at least as many as cabled NICs need
    bmcs: bool = True  # one simulated IPMI BMC per node (else nodes get a mock OBM)

    def __post_init__(self) -> None:
        if self.dialect not in (*DIALECTS, "mixed"):
            raise ValueError(f"unknown dialect {self.dialect!r}")
        if self.protocol not in ("ssh", "telnet"):
            raise ValueError(f"unknown protocol {self.protocol!r}")
        if self.switches < 1 or self.nodes < 0:
            raise ValueError("a lab needs at least one switch")
        self.password = self.password or secrets.token_urlsafe(9)
        self.lab_id = self.lab_id or secrets.token_hex(3)

    def dialect_of(self, switch: int) -> str:
        return DIALECTS[switch % len(DIALECTS)] if self.dialect == "mixed" else self.dialect


def port_labels(dialect: str, fabric: Fabric, switch: int) -> list[str]:
    """The vendor's names for the switch's ports, in the fabric's port order."""
    n = fabric.ports_per_switch
    if dialect in CLI_DIALECTS:
        return CLI_DIALECTS[dialect].port_labels(n)
    if dialect == "brocade":
        return [f"1/0/{i}" for i in range(1, n + 1)]
    if dialect == "dellnos9":
        return [f"1/{i}" for i in range(1, n + 1)]
    return fabric.switch_ports(switch)  # ovs: the OVS port names themselves


class Lab:
    def __init__(self, spec: LabSpec, workdir: str | None = None) -> None:
        self.spec = spec
        self.fabric = Fabric(
            spec.switches, spec.nodes, spec.ports_per_switch, lab_id=spec.lab_id, workdir=workdir
        )
        self.switches: list[EmulatedSwitch] = []
        self.endpoints: list[dict[str, Any]] = []
        self._ssh: list[asyncssh.SSHAcceptor] = []
        self._telnet: list[asyncio.Server] = []
        self._http: list[ThreadingHTTPServer] = []
        self.host_key: asyncssh.SSHKey | None = None  # made at start, shared by every switch
        self.bmc_dir = self.fabric.workdir / "bmc"
        self.bmc_port = 0  # node i's BMC listens on UDP 127.0.0.1:bmc_port + i
        self._bmc: subprocess.Popen[bytes] | None = None

    @property
    def pids(self) -> dict[str, int]:
        """Every process the lab runs (besides its own), by role."""
        pids = dict(self.fabric.pids)
        if self._bmc is not None:
            pids["bmcs"] = self._bmc.pid
        return pids

    async def start(self) -> None:
        await asyncio.to_thread(self.fabric.up)
        try:
            if self.spec.bmcs and self.fabric.nodes:
                await asyncio.to_thread(self._start_bmcs)
            self.host_key = generate_host_key()
            for s in range(self.spec.switches):
                await self._start_switch(s, self.host_key)
        except BaseException:
            await self.stop()
            raise

    async def _start_switch(self, s: int, host_key: asyncssh.SSHKey) -> None:
        dialect = self.spec.dialect_of(s)
        labels = port_labels(dialect, self.fabric, s)
        switch = EmulatedSwitch(
            f"{self.spec.prefix}sw{s}",
            dialect,
            dict(zip(labels, self.fabric.switch_ports(s), strict=True)),
            fabric=self.fabric,
            username=self.spec.username,
            password=self.spec.password,
            login_delay=self.spec.login_delay,
            command_delay=self.spec.command_delay,
        )
        self.switches.append(switch)
        if dialect in FACTORY_SHUTDOWN:  # the fabric starts every port on VLAN 1
            for label in switch.ports:
                await asyncio.to_thread(switch.apply, label)
        endpoint: dict[str, Any] = {}
        if dialect in CLI_DIALECTS:
            ssh = await start_ssh(switch, host_key)
            telnet = await start_telnet(switch)
            self._ssh.append(ssh)
            self._telnet.append(telnet)
            endpoint = {"ssh_port": ssh.get_port(), "telnet_port": _port_of(telnet)}
        elif dialect in ("brocade", "dellnos9"):
            http = start_rest(switch, INTERFACE_TYPE)
            self._http.append(http)
            endpoint = {"url": f"http://127.0.0.1:{http.server_address[1]}"}
        self.endpoints.append(endpoint)

    def _start_bmcs(self) -> None:
        """One process serving every node's BMC; it starts with the nodes powered on (their
        NICs are up) and runs :mod:`haas_lab.node_power` on every power change."""
        self.bmc_dir.mkdir(parents=True, exist_ok=True)
        nodes_file = self.bmc_dir / "nodes.json"
        # Ports are known only once the BMCs listen: node_power finds its node by index.
        self._bmc, self.bmc_port = bmc.spawn(
            len(self.fabric.nodes),
            self.bmc_dir,
            self.spec.password,
            user=self.spec.username,
            power_command=shlex.join(
                [sys.executable, "-m", "haas_lab.node_power", str(nodes_file)]
            ),
            power="on",
            log=self.bmc_dir / "bmc.log",
        )
        nodes = {
            str(self.bmc_port + i): {
                "name": f"{self.spec.prefix}node{i}",
                "netns": node.name,
                "nics": [nic.name for nic in node.nics],
            }
            for i, node in enumerate(self.fabric.nodes)
        }
        nodes_file.write_text(json.dumps(nodes, indent=2))

    def console_socket(self, node: int) -> str:
        """The node's side of its serial line: what is written there, the node printed."""
        return str(self.bmc_dir / f"{self.bmc_port + node}.sock")

    async def stop(self) -> None:
        if self._bmc is not None:
            stop_pids([self._bmc.pid])
            self._bmc.wait()
            self._bmc = None
        for ssh in self._ssh:
            ssh.close()
        for telnet in self._telnet:
            telnet.close()
        for http in self._http:
            await asyncio.to_thread(http.shutdown)
            http.server_close()
        self._ssh.clear()
        self._telnet.clear()
        self._http.clear()
        await asyncio.to_thread(self.fabric.down)

    # -- inventory ----------------------------------------------------------------------------

    def driver_info(self, s: int) -> dict[str, Any]:
        """The body of haas's switch_register call for switch ``s``."""
        switch, endpoint = self.switches[s], self.endpoints[s]
        creds = {"username": switch.username, "password": switch.password}
        if switch.dialect in CLI_DIALECTS:
            info: dict[str, Any] = {"type": switch.dialect, "hostname": "127.0.0.1", **creds}
            if switch.dialect != "powerconnect55xx":  # HIL's PowerConnect driver has none
                info["dummy_vlan"] = DUMMY_VLAN
            info["protocol"] = self.spec.protocol
            info["port"] = endpoint[f"{self.spec.protocol}_port"]
            if self.spec.protocol == "ssh" and self.host_key is not None:
                # The key is new at every start: pin it rather than trust on first use.
                info["host_key_policy"] = self.host_key.get_fingerprint("sha256")
            return info
        if switch.dialect in ("brocade", "dellnos9"):
            return {
                "type": switch.dialect,
                "hostname": endpoint["url"],
                **creds,
                "interface_type": INTERFACE_TYPE,
            }
        return {
            "type": "ovs",
            "ovs_bridge": self.fabric.bridge(s),
            "ovsdb": f"unix:{self.fabric.db_sock}",
        }

    def inventory(self) -> dict[str, Any]:
        """Everything a client needs: switches (driver_info, ports, endpoints) and nodes."""
        switches = []
        label_of: dict[str, tuple[str, str]] = {}  # OVS port -> (switch name, port label)
        for s, switch in enumerate(self.switches):
            for label, ovs_port in switch.ovs_ports.items():
                label_of[ovs_port] = (switch.name, label)
            switches.append(
                {
                    "name": switch.name,
                    "dialect": switch.dialect,
                    "driver_info": self.driver_info(s),
                    "ports": list(switch.ovs_ports),
                    **self.endpoints[s],
                }
            )
        nodes = []
        for i, node in enumerate(self.fabric.nodes):
            nics = []
            for nic in node.nics:
                sw_name, label = label_of[nic.ovs_port]
                nics.append(
                    {
                        "label": nic.name,
                        "macaddr": nic.mac,
                        "ip": nic.ip,
                        "switch": sw_name,
                        "port": label,
                        "ovs_port": nic.ovs_port,
                    }
                )
            entry: dict[str, Any] = {"name": f"{self.spec.prefix}node{i}", "netns": node.name}
            if self.bmc_port:
                entry["obm"] = {
                    "type": "ipmi",
                    "host": "127.0.0.1",
                    "port": self.bmc_port + i,
                    "user": self.spec.username,
                    "password": self.spec.password,
                }
                entry["console"] = self.console_socket(i)
            else:
                mock = {"type": "mock", "host": node.name, "user": "lab", "password": "lab"}
                entry["obm"] = mock
            entry["nics"] = nics
            nodes.append(entry)
        return {
            "lab_id": self.spec.lab_id,
            "spec": {k: v for k, v in asdict(self.spec).items() if k != "password"},
            "ovsdb": f"unix:{self.fabric.db_sock}",
            "fabric_netns": self.fabric.netns,
            "switches": switches,
            "nodes": nodes,
        }


def _port_of(server: asyncio.Server) -> int:
    return int(server.sockets[0].getsockname()[1])


@contextmanager
def running_lab(spec: LabSpec, workdir: str | None = None) -> Iterator[Lab]:
    """Run a :class:`Lab` on an event loop in a background thread for the ``with`` block."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="haas-lab", daemon=True)
    thread.start()
    lab = Lab(spec, workdir)

    def call(coro: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coro, loop)
        return future.result(timeout=120)

    try:
        call(lab.start())
        yield lab
    finally:
        try:
            call(lab.stop())
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)
            loop.close()

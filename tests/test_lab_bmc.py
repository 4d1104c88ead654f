"""The lab's BMCs through a real haas: ``haas-manage lab up --register`` into the API served
over HTTP, the ipmi driver running real ipmitool against each node's simulated BMC, power
that takes the node's NICs down and up in its namespace, and the node's serial console
(written with ``lab console-write``) arriving through the console service in
``GET /node/<n>/console``."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from haas_core.config import load_config
from haas_core.services import Services, build_services
from haas_lab import control
from haas_lab.control import pid_alive
from tests.conftest import USERS, seed_users
from tests.support.app import Api, write_config
from tests.support.assertions import assert_empty_ok
from tests.support.bmc import require_ipmitool
from tests.support.console import (
    Viewer,
    http_api,
    start_console_service,
    stop_console_service,
    wait_until,
)
from tests.support.lab import HAAS_MANAGE, lab, needs_lab

pytestmark = needs_lab
PASSWORDS = {name: pw for name, (pw, _, _) in USERS.items()}


def namespaces() -> set[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def link_up(netns: str, nic: str) -> bool:
    out = subprocess.run(
        ["ip", "-n", netns, "-j", "link", "show", nic], capture_output=True, text=True, check=True
    ).stdout
    return "UP" in json.loads(out)[0]["flags"]


def ping(netns: str, ip: str) -> bool:
    subprocess.run(["ip", "-n", netns, "neigh", "flush", "all"], capture_output=True)
    argv = ["ip", "netns", "exec", netns, "ping", "-c1", "-W1", "-q", ip]
    return subprocess.run(argv, capture_output=True).returncode == 0


@dataclass
class World:
    api: Api
    services: Services
    port: int
    state: Path
    config: Path
    inventory: dict[str, Any]

    def node(self, i: int) -> dict[str, Any]:
        node: dict[str, Any] = self.inventory["nodes"][i]
        return node

    def bmc(self, i: int) -> dict[str, Any]:
        """What node ``i``'s BMC holds (its state file)."""
        data: dict[str, Any] = json.loads(
            Path(self.node(i)["console"]).with_suffix(".json").read_text()
        )
        return data


@pytest.fixture
def world(tmp_path: Path, sqlite_template: Path) -> Iterator[World]:
    require_ipmitool()
    db = tmp_path / "haas.db"
    shutil.copy(sqlite_template, db)
    config = write_config(
        tmp_path / "haas.conf",
        f"sqlite:///{db}",
        {
            "plugins": {"obm": "ipmi", "switches": "nexus"},
            "console": {
                "log_dir": str(tmp_path / "console"),
                "poll_seconds": 0.2,
                "reconnect_seconds": 0.2,
            },
        },
    )
    services = build_services(load_config(str(config)))
    seed_users(services, USERS)
    state = tmp_path / "lab"
    try:
        with http_api(services) as port:
            up = lab(
                state, "up", "--nodes", "2", "--register", f"http://127.0.0.1:{port}/v0",
                "--user", "admin", "--password", PASSWORDS["admin"],
            )  # fmt: skip
            assert up.returncode == 0, up.stderr
            inventory = json.loads((state / "state.json").read_text())["inventory"]
            yield World(Api(services, PASSWORDS), services, port, state, config, inventory)
    finally:
        if (state / "state.json").exists():
            control.main(["--state-dir", str(state), "down"])
        services.db.dispose()


def test_power_takes_the_nodes_nics_down_and_up_and_lab_down_leaves_nothing(
    world: World,
) -> None:
    api = world.api
    node0, node1 = world.node(0), world.node(1)
    assert node1["obm"] == {
        "type": "ipmi",
        "host": "127.0.0.1",
        "port": node0["obm"]["port"] + 1,
        "user": "admin",
        "password": node1["obm"]["password"],
    }
    # lab status names each BMC's port and power state.
    status = lab(world.state, "status")
    assert status.returncode == 0
    assert f"BMC udp 127.0.0.1:{node1['obm']['port']} power on" in status.stdout
    # Nodes start powered on, their NICs up: VLAN 1 joins them.
    assert api.get("/v0/node/node1/power_status").json == {"power_status": "On"}
    assert ping(node0["netns"], node1["nics"][0]["ip"])

    assert_empty_ok(api.post("/v0/node/node1/power_off"))
    assert world.bmc(1)["power"] == "off"
    assert not link_up(node1["netns"], "eth0")
    assert not link_up(node1["netns"], "eth1")
    assert api.get("/v0/node/node1/power_status").json == {"power_status": "Off"}
    assert not ping(node0["netns"], node1["nics"][0]["ip"])
    assert link_up(node0["netns"], "eth0")  # only node1's BMC acted

    assert_empty_ok(api.post("/v0/node/node1/power_on"))
    assert world.bmc(1)["power"] == "on"
    assert link_up(node1["netns"], "eth0") and link_up(node1["netns"], "eth1")
    assert ping(node0["netns"], node1["nics"][0]["ip"])

    assert_empty_ok(api.post("/v0/node/node1/power_cycle", {"force": False}))
    assert world.bmc(1)["cycles"] == 1
    assert link_up(node1["netns"], "eth0")

    # Boot device, persistent, as the BMC holds it (pyghmi's names).
    assert_empty_ok(api.put("/v0/node/node1/boot_device", {"bootdev": "pxe"}))
    assert world.bmc(1)["bootdev"] == "network"
    assert_empty_ok(api.put("/v0/node/node1/boot_device", {"bootdev": "disk"}))
    assert world.bmc(1)["bootdev"] == "hd"

    state = json.loads((world.state / "state.json").read_text())
    pids = [state["supervisor_pid"], *state["pids"].values()]
    assert "bmcs" in state["pids"]
    assert all(pid_alive(pid) for pid in pids)
    down = lab(world.state, "down")
    assert down.returncode == 0, down.stderr
    assert not any(pid_alive(pid) for pid in pids)
    assert not set(state["namespaces"]) & namespaces()
    assert not Path(node0["console"]).parent.exists()


def test_node_console_output_reaches_the_http_stream(world: World) -> None:
    service = start_console_service(world.config, world.state.parent / "console-service.log")
    viewer = None
    try:
        # The service holds an SOL session on node0's BMC once it is registered.
        wait_until(lambda: world.bmc(0)["sol_active"], what="the SOL session")
        write = lab(world.state, "console-write", "node0", "hello", "from", "node0")
        assert write.returncode == 0, write.stderr
        viewer = Viewer(world.port, "node0", "admin", PASSWORDS["admin"])
        viewer.wait_for(b"hello from node0\r\n")
        assert viewer.status == 200
        # A power cycle boots the node, which prints its banner with the boot device.
        assert_empty_ok(world.api.put("/v0/node/node0/boot_device", {"bootdev": "pxe"}))
        assert_empty_ok(world.api.post("/v0/node/node0/power_cycle", {"force": False}))
        viewer.wait_for(b"node0: power on, booting from network\r\nnode0 login: ")
        # Raw bytes from stdin go through untouched.
        raw = subprocess.run(
            [HAAS_MANAGE, "lab", "--state-dir", str(world.state), "console-write", "node0"],
            input=b"\x1b[1mbold\x1b[0m",
            capture_output=True,
            timeout=30,
        )
        assert raw.returncode == 0, raw.stderr
        viewer.wait_for(b"\x1b[1mbold\x1b[0m")
    finally:
        if viewer is not None:
            viewer.close()
        stop_console_service(service)
    unknown = lab(world.state, "console-write", "node7", "x")
    assert unknown.returncode == 2
    assert "no node node7 in the lab (it has node0, node1)" in unknown.stderr

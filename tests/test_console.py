"""Serial consoles end to end: a simulated BMC's SOL, the console service (a real process
running real ipmitool), and viewers of the API's HTTP stream."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from haas_core.config import load_config
from haas_core.console_log import ConsoleLog
from haas_core.services import Services, build_services
from tests.conftest import USERS, seed_users
from tests.support.app import Api, write_config
from tests.support.assertions import assert_empty_ok, assert_error
from tests.support.bmc import BmcSim, require_ipmitool
from tests.support.console import (
    Viewer,
    http_api,
    ipmitool_pids,
    start_console_service,
    stop_console_service,
    wait_until,
)
from tests.support.redfish import PASSWORD as REDFISH_PASSWORD
from tests.support.redfish import USER as REDFISH_USER
from tests.support.redfish import RedfishEmulator

PASSWORDS = {name: pw for name, (pw, _, _) in USERS.items()}


@dataclass
class World:
    api: Api
    services: Services
    port: int
    bmc: BmcSim
    config: Path
    log_dir: Path
    workdir: Path
    service: subprocess.Popen[bytes] | None = None

    def start_service(self) -> None:
        self.service = start_console_service(self.config, self.workdir / "console-service.log")

    def stop_service(self, sig: int = signal.SIGTERM) -> None:
        if self.service is not None:
            stop_console_service(self.service, sig)
            self.service = None

    def viewer(self, user: str = "alice", node: str = "n1") -> Viewer:
        return Viewer(self.port, node, user, PASSWORDS[user])

    def node_side(self, index: int = 0) -> socket.socket:
        return self.bmc.console(index)

    def wait_attached(self, index: int = 0) -> None:
        self.bmc.wait_for(index, "sol_active", True)


@pytest.fixture
def world(tmp_path: Path, sqlite_template: Path) -> Iterator[World]:
    require_ipmitool()
    db = tmp_path / "haas.db"
    shutil.copy(sqlite_template, db)
    log_dir = tmp_path / "console"
    config = write_config(
        tmp_path / "haas.conf",
        f"sqlite:///{db}",
        {
            "plugins": {"obm": "mock, ipmi, redfish"},
            "console": {
                "log_dir": str(log_dir),
                "log_max_bytes": 4096,
                "poll_seconds": 0.2,
                "reconnect_seconds": 0.2,
            },
        },
    )
    services = build_services(load_config(str(config)))
    seed_users(services, USERS)
    api = Api(services, PASSWORDS)
    bmc = BmcSim(tmp_path / "bmc", count=2).start()
    try:
        with http_api(services) as port:
            w = World(api, services, port, bmc, config, log_dir, tmp_path)
            try:
                yield w
            finally:
                w.stop_service()
    finally:
        bmc.stop()
        services.db.dispose()


def own(world: World, node: str = "n1", index: int = 0, project: str = "p1") -> None:
    api = world.api
    assert_empty_ok(api.put(f"/v0/node/{node}", {"obm": world.bmc.obm(index)}))
    assert_empty_ok(api.post(f"/v0/project/{project}/connect_node", {"node": node}))


def test_node_output_reaches_two_viewers_and_later_viewers_get_the_recent_log(
    world: World,
) -> None:
    own(world)
    world.start_service()
    world.wait_attached()
    first, second = world.viewer(), world.viewer()
    node = world.node_side()
    try:
        node.sendall(b"BIOS v1.0\r\nbooting...\r\n")
        first.wait_for(b"booting...")
        second.wait_for(b"booting...")
        assert first.status == second.status == 200
        node.sendall(b"login: ")
        first.wait_for(b"login: ")
        second.wait_for(b"login: ")
        late = world.viewer(user="admin")
        late.wait_for(b"BIOS v1.0\r\nbooting...\r\nlogin: ")
        late.close()
    finally:
        node.close()
        first.close()
        second.close()
    # Viewers that left end their streams on the server, idle or not: none keeps the log open.
    wait_until(lambda: not open_by_this_process(world.log_dir), what="the streams to end")


def open_by_this_process(directory: Path) -> list[str]:
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(directory)):
            found.append(target)
    return found


def test_the_console_survives_an_api_restart(world: World) -> None:
    own(world)
    world.start_service()
    world.wait_attached()
    node = world.node_side()
    try:
        with http_api(world.services) as other_port:
            before = Viewer(other_port, "n1", "alice", PASSWORDS["alice"])
            node.sendall(b"printed before\r\n")
            before.wait_for(b"printed before")
            before.close()
        # That API server is gone; the node printed on meanwhile, and a new one shows it all.
        node.sendall(b"printed between\r\n")
        wait_until(lambda: b"between" in (world.log_dir / "node-1.log").read_bytes())
        with http_api(world.services) as new_port:
            after = Viewer(new_port, "n1", "alice", PASSWORDS["alice"])
            after.wait_for(b"printed before\r\nprinted between\r\n")
            node.sendall(b"printed after\r\n")
            after.wait_for(b"printed after")
            after.close()
    finally:
        node.close()


def test_only_the_owning_project_or_an_admin_may_read(world: World) -> None:
    own(world)
    assert_error(world.api.get("/v0/node/n1/console", user="bob"), 403, "AuthorizationError")
    assert_error(world.api.get("/v0/node/n1/console", user=None), 401, "AuthorizationError")


def test_leaving_the_project_ends_the_stream_the_session_and_the_log(world: World) -> None:
    own(world)
    world.start_service()
    world.wait_attached()
    viewer = world.viewer()
    node = world.node_side()
    try:
        node.sendall(b"secret tenant output\r\n")
        viewer.wait_for(b"secret tenant output")
        assert_empty_ok(world.api.post("/v0/project/p1/detach_node", {"node": "n1"}, user="alice"))
        assert viewer.ended.wait(5), "the stream outlived the node's detach"
        world.bmc.wait_for(0, "sol_active", False)
        wait_until(lambda: not ipmitool_pids(world.bmc.port), what="the SOL to end")
        wait_until(lambda: not list(world.log_dir.glob("node-*")), what="the log to be wiped")
        # The next owner sees nothing of the previous one's console.
        assert_empty_ok(world.api.post("/v0/project/p2/connect_node", {"node": "n1"}, user="bob"))
        assert_empty_ok(world.api.put("/v0/node/n1/obm", {"enabled": True}, user="bob"))
        world.wait_attached()
        bobs = world.viewer(user="bob")
        node.sendall(b"new owner\r\n")
        bobs.wait_for(b"new owner")
        assert b"secret" not in bobs.received
        bobs.close()
    finally:
        node.close()
        viewer.close()


def test_stop_and_start_console_v03_calls(world: World) -> None:
    own(world)
    world.start_service()
    world.wait_attached()
    assert_empty_ok(world.api.delete("/v0/node/n1/console", user="alice"))
    world.bmc.wait_for(0, "sol_active", False)
    assert_error(world.api.get("/v0/node/n1/console", user="alice"), 409, "BlockedError")
    assert_empty_ok(world.api.put("/v0/node/n1/console", user="alice"))
    world.wait_attached()


def test_a_dropped_sol_is_reattached_and_a_stale_one_is_ended_first(world: World) -> None:
    own(world)
    # A stale session someone left open on the BMC.
    stale = subprocess.Popen(
        _ipmitool(world, "sol", "activate"),
        env={**os.environ, "IPMI_PASSWORD": world.bmc.password},
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    viewer: Viewer | None = None
    node: socket.socket | None = None
    try:
        world.wait_attached()
        world.start_service()
        viewer = world.viewer()
        node = world.node_side()
        # The service ended the stale session and attached its own.
        viewer.wait_for(b"SOL Session operational")
        node.sendall(b"first\r\n")
        viewer.wait_for(b"first")
        assert stale.poll() is not None or len(ipmitool_pids(world.bmc.port)) == 2
        # The SOL drops (its ipmitool dies): the service attaches again.
        for pid in ipmitool_pids(world.bmc.port):
            if pid != stale.pid:
                os.kill(pid, signal.SIGKILL)
        wait_until(
            lambda: viewer.received.count(b"SOL Session operational") == 2, what="re-attach"
        )
        node.sendall(b"second\r\n")
        viewer.wait_for(b"second")
    finally:
        if node is not None:
            node.close()
        if viewer is not None:
            viewer.close()
        stale.kill()
        stale.wait()
        assert stale.stdin is not None
        stale.stdin.close()


def _ipmitool(world: World, *command: str) -> list[str]:
    return [
        "ipmitool",
        "-I",
        "lanplus",
        "-H",
        "127.0.0.1",
        "-p",
        str(world.bmc.port),
        "-U",
        "admin",
        "-E",
        *command,
    ]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_no_ipmitool_outlives_the_console_service(world: World, sig: int) -> None:
    own(world, "n1", 0)
    own(world, "n2", 1)
    world.start_service()
    world.wait_attached(0)
    world.wait_attached(1)
    assert len(ipmitool_pids(world.bmc.port)) == 1
    assert len(ipmitool_pids(world.bmc.port + 1)) == 1
    world.stop_service(sig)
    wait_until(
        lambda: not ipmitool_pids(world.bmc.port) and not ipmitool_pids(world.bmc.port + 1),
        what="every ipmitool to exit",
    )


def test_a_redfish_node_with_sol_port_has_its_console_through_the_bmcs_ipmi(
    world: World, tmp_path: Path
) -> None:
    """Power through Redfish, the console through the same BMC's IPMI SOL (one account)."""
    emulator = RedfishEmulator(tmp_path / "redfish").start()
    bmc = BmcSim(tmp_path / "bmc-redfish", user=REDFISH_USER, password=REDFISH_PASSWORD).start()
    viewer = node_side = None
    try:
        api = world.api
        assert_empty_ok(api.put("/v0/node/n1", {"obm": emulator.obm(sol_port=bmc.port)}))
        assert_empty_ok(api.post("/v0/project/p1/connect_node", {"node": "n1"}))
        world.start_service()
        bmc.wait_for(0, "sol_active", True)
        viewer, node_side = world.viewer(), bmc.console(0)
        node_side.sendall(b"iDRAC-like BMC: booting over Redfish power\r\n")
        viewer.wait_for(b"booting over Redfish power")
        assert viewer.status == 200
        assert_empty_ok(api.post("/v0/node/n1/power_on", user="alice"))
        wait_until(lambda: emulator.system()["PowerState"] == "On", 15, what="Redfish power on")
        assert bmc.state(0)["power"] == "off"  # power went through Redfish, not IPMI
    finally:
        for closable in (viewer, node_side):
            if closable is not None:
                closable.close()
        world.stop_service()
        bmc.stop()
        emulator.stop()


def test_console_log_rotates_and_a_follower_survives_rotation(tmp_path: Path) -> None:
    log = ConsoleLog(tmp_path, 7, max_bytes=1024)
    log.claim("1")
    log.append(b"a" * 1000)
    received = bytearray()
    follower = log.follow(lambda: True, check_every=0.1)
    received += next(follower)
    log.append(b"b" * 100)  # crosses the limit: rotated
    assert log.rotated.exists() and not log.path.exists()
    log.append(b"c" * 10)
    while len(received) < 1110:
        received += next(follower)
    assert bytes(received) == b"a" * 1000 + b"b" * 100 + b"c" * 10
    follower.close()
    assert log.path.stat().st_mode & 0o077 == 0
    # Never more than two files' worth, however much is written.
    for _ in range(50):
        log.append(b"d" * 100)
    assert log.path.stat().st_size + log.rotated.stat().st_size <= 2 * 1024 + 100
    # Another owner: the log is wiped first.
    log.close()
    log.claim("2")
    assert not log.rotated.exists() and not log.path.exists()

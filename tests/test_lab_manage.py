"""``haas-manage lab up|status|down`` as real processes, registration over real HTTP."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from haas_lab import control
from haas_lab.control import pid_alive
from tests.support.lab import lab, needs_lab

pytestmark = needs_lab


def status(state: Path) -> tuple[int, str]:
    """``lab status``, in this process (it only reads the state file and probes PIDs)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = control.main(["--state-dir", str(state), "status"])
    return rc, out.getvalue()


def namespaces() -> set[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def own_namespaces(lab_id: str) -> set[str]:
    """The namespaces of one lab (other labs may come and go on the machine meanwhile)."""
    return {name for name in namespaces() if name.startswith(f"haaslab-{lab_id}")}


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    state = tmp_path / "lab"
    yield state
    if (state / "state.json").exists():  # the test failed half way
        control.main(["--state-dir", str(state), "down"])


class Recorder(BaseHTTPRequestHandler):
    """A stand-in haas API that records every call; answers ``fail_on`` paths with 400."""

    calls: list[tuple[str, str, Any, str]] = []
    fail_on: str | None = None

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        auth = base64.b64decode(self.headers.get("Authorization", "Basic ")[6:]).decode()
        self.calls.append((self.command, self.path, body, auth))
        status = 400 if self.fail_on and self.path == self.fail_on else 200
        data = b'{"type": "BadArgumentError", "msg": "nope"}' if status == 400 else b""
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_PUT = do_POST = _handle


@pytest.fixture
def haas_api() -> Iterator[tuple[str, type[Recorder]]]:
    handler = type("Recording", (Recorder,), {"calls": [], "fail_on": None})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v0", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_up_status_down_leave_nothing_behind(state_dir: Path, tmp_path: Path) -> None:
    inventory_file = tmp_path / "inventory.yaml"
    up = lab(
        state_dir, "up", "--switches", "2", "--nodes", "3", "--dialect", "mixed",
        "--inventory", str(inventory_file),
    )  # fmt: skip
    assert up.returncode == 0, up.stderr
    assert "switch sw0: powerconnect55xx" in up.stdout
    state = json.loads((state_dir / "state.json").read_text())
    pids = [state["supervisor_pid"], *state["pids"].values()]
    assert all(pid_alive(pid) for pid in pids)
    assert set(state["namespaces"]) == own_namespaces(state["inventory"]["lab_id"])
    assert len(state["namespaces"]) == 4  # the fabric's and three nodes'

    inventory = yaml.safe_load(inventory_file.read_text())
    assert [s["driver_info"]["type"] for s in inventory["switches"]] == [
        "powerconnect55xx",
        "delln3000",
    ]
    nic = inventory["nodes"][0]["nics"][0]
    assert (nic["switch"], nic["port"], nic["ip"]) == ("sw0", "gi1/0/1", "10.100.0.1")
    # The lab forwards: node0 and node1 (eth0s on two switches) share VLAN 1 at start.
    ping = subprocess.run(
        [
            "ip",
            "netns",
            "exec",
            inventory["nodes"][0]["netns"],
            "ping",
            "-c1",
            "-W2",
            "10.100.0.2",
        ],
        capture_output=True,
    )
    assert ping.returncode == 0

    rc, out = status(state_dir)
    assert rc == 0
    assert f"lab {inventory['lab_id']} running" in out
    again = lab(state_dir, "up")
    assert again.returncode == 2
    assert "already running" in again.stderr

    down = lab(state_dir, "down")
    assert down.returncode == 0, down.stderr
    assert not any(pid_alive(pid) for pid in pids)
    assert not own_namespaces(inventory["lab_id"])
    assert not (state_dir / "state.json").exists()
    assert status(state_dir)[0] == 1


def test_down_cleans_up_after_a_killed_supervisor(state_dir: Path) -> None:
    assert lab(state_dir, "up", "--nodes", "1", "--dialect", "ovs").returncode == 0
    state = json.loads((state_dir / "state.json").read_text())
    subprocess.run(["kill", "-KILL", str(state["supervisor_pid"])], check=True)
    # SIGKILL lands when the process leaves the kernel (it may be busy in a netns call).
    deadline = time.monotonic() + 10
    while pid_alive(state["supervisor_pid"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    rc, out = status(state_dir)
    assert rc == 1
    assert "not running: supervisor" in out
    assert lab(state_dir, "down").returncode == 0
    assert not any(pid_alive(pid) for pid in state["pids"].values())
    assert not set(state["namespaces"]) & namespaces()


def test_up_registers_the_lab(state_dir: Path, haas_api: tuple[str, type[Recorder]]) -> None:
    url, api = haas_api
    up = lab(
        state_dir, "up", "--nodes", "2", "--switches", "2", "--dialect", "mixed",
        "--protocol", "telnet", "--register", url, "--user", "root", "--password", "pw",
    )  # fmt: skip
    assert up.returncode == 0, up.stderr
    inventory = json.loads((state_dir / "state.json").read_text())["inventory"]
    calls = [(method, path) for method, path, _, _ in api.calls]
    assert calls[:2] == [("PUT", "/v0/switch/sw0"), ("PUT", "/v0/switch/sw0/port/gi1/0/1")]
    assert ("PUT", "/v0/node/node1/nic/eth1") in calls
    assert ("POST", "/v0/switch/sw1/port/gi1/0/2/connect_nic") in calls
    assert len(calls) == 2 + 2 * 2 + 2 * (1 + 2 * 2)  # switches+ports, nodes+nics+cables
    assert {auth for _, _, _, auth in api.calls} == {"root:pw"}
    bodies = {path: body for _, path, body, _ in api.calls}
    sw1 = bodies["/v0/switch/sw1"]
    assert sw1 == {
        "type": "delln3000",
        "hostname": "127.0.0.1",
        "username": "admin",
        "password": sw1["password"],
        "dummy_vlan": 4093,
        "protocol": "telnet",
        "port": inventory["switches"][1]["telnet_port"],
    }
    mac = inventory["nodes"][1]["nics"][1]["macaddr"]
    assert bodies["/v0/node/node1/nic/eth1"] == {"macaddr": mac}
    assert bodies["/v0/switch/sw1/port/gi1/0/2/connect_nic"] == {"node": "node1", "nic": "eth0"}
    obm = inventory["nodes"][0]["obm"]
    assert bodies["/v0/node/node0"] == {"obm": obm}
    assert obm["type"] == "ipmi"


def test_a_refused_registration_says_why(
    state_dir: Path, haas_api: tuple[str, type[Recorder]]
) -> None:
    url, api = haas_api
    api.fail_on = "/v0/node/node0"
    up = lab(state_dir, "up", "--nodes", "1", "--register", url, "--user", "u", "--password", "p")
    assert up.returncode == 1
    assert "PUT /node/node0: 400" in up.stderr
    assert "BadArgumentError" in up.stderr
    assert status(state_dir)[0] == 0  # the lab stays up for a retry


def test_bad_arguments_start_nothing(state_dir: Path) -> None:
    bad = lab(state_dir, "up", "--switches", "0")
    assert bad.returncode == 2
    assert "at least one switch" in bad.stderr
    assert not (state_dir / "state.json").exists()

"""``haas-manage quickstart``: the README's main job, from nothing to a serving haas."""

from __future__ import annotations

import base64
import json
import os
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.pgcluster import free_port

HAAS_MANAGE = str(Path(sys.executable).with_name("haas-manage"))


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HAAS_MANAGE, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def test_quickstart_sets_up_once_and_reuses_its_state(tmp_path: Path) -> None:
    first = run("quickstart", "--state-dir", "state", "--no-serve", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "admin user admin created" in first.stdout
    state = tmp_path / "state"
    for name in ("haas.conf", "admin-password"):
        assert stat.S_IMODE((state / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    config = (state / "haas.conf").read_text()
    again = run("quickstart", "--state-dir", "state", "--no-serve", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "admin user admin created" not in again.stdout
    assert (state / "haas.conf").read_text() == config


def _get(
    url: str, password: str | None = None, method: str = "GET", body: object = None
) -> tuple[int, object]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - loopback only
    if password is not None:
        token = base64.b64encode(f"admin:{password}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 - loopback only
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


WALKTHROUGH = [
    ("PUT", "/project/lab", None),
    ("PUT", "/node/node-01", {"obm": {"type": "mock", "host": "b", "user": "u", "password": "p"}}),
    ("PUT", "/node/node-01/nic/eth0", {"macaddr": "52:54:00:00:00:01"}),
    ("PUT", "/switch/sw0", {"type": "mock", "hostname": "s", "username": "u", "password": "p"}),
    ("PUT", "/switch/sw0/port/gi1/0/1", None),
    ("POST", "/switch/sw0/port/gi1/0/1/connect_nic", {"node": "node-01", "nic": "eth0"}),
    ("POST", "/project/lab/connect_node", {"node": "node-01"}),
    ("PUT", "/network/lab-net", {"owner": "lab", "access": "lab", "net_id": ""}),
]


def agents_of(state: Path) -> list[int]:
    """PIDs of live processes running a network agent on this state directory."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "haas_core.agent" in cmdline and str(state) in cmdline:
            pids.append(int(proc.name))
    return pids


def test_quickstart_serves_the_api_with_the_generated_admin(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [HAAS_MANAGE, "quickstart", "--state-dir", "state", "--port", str(port), "--no-lab"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}/v0"
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = _get(base + "/version")  # anonymous: 401
                break
            except OSError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "haas did not start"
                time.sleep(0.2)
        assert status == 401
        password = (tmp_path / "state" / "admin-password").read_text().strip()
        status, body = _get(base + "/version", password)
        assert status == 200
        assert body == {"version": body["version"], "api": "v0"}  # type: ignore[index]
        assert _get(base + "/projects", password) == (200, [])
        status, error = _get(base + "/projects", "not-the-password")
        assert status == 401
        assert error == {"type": "AuthorizationError", "msg": "Invalid username or password."}
        # The walkthrough's networking step: the quickstart's agent applies it.
        for method, path, body in WALKTHROUGH:
            status, _ = _get(base + path, password, method, body)
            assert status == 200, (method, path)
        status, accepted = _get(
            base + "/node/node-01/nic/eth0/connect_network",
            password,
            "POST",
            {"network": "lab-net"},
        )
        assert status == 202
        action_url = base + f"/networking_action/{accepted['status_id']}"  # type: ignore[index]
        deadline = time.monotonic() + 30
        while (action := _get(action_url, password)[1])["status"] == "PENDING":  # type: ignore[index]
            assert time.monotonic() < deadline, "the quickstart's agent applied nothing"
            time.sleep(0.1)
        assert action["status"] == "DONE"  # type: ignore[index]
        node = _get(base + "/node/node-01", password)[1]
        assert node["nics"][0]["networks"] == {"vlan/native": "lab-net"}  # type: ignore[index]
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        output = proc.communicate(timeout=60)[0]
    assert not agents_of(tmp_path / "state"), "the agent outlived the quickstart"
    assert password in output  # the walkthrough tells the admin password
    assert f"curl -u admin:{password} -X PUT http://127.0.0.1:{port}/v0/project/lab" in output

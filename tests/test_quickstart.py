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


def _get(url: str, password: str | None = None) -> tuple[int, object]:
    req = urllib.request.Request(url)  # noqa: S310 - loopback only
    if password is not None:
        token = base64.b64encode(f"admin:{password}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 - loopback only
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_quickstart_serves_the_api_with_the_generated_admin(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [HAAS_MANAGE, "quickstart", "--state-dir", "state", "--port", str(port)],
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
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        output = proc.communicate(timeout=30)[0]
    assert password in output  # the walkthrough tells the admin password
    assert f"curl -u admin:{password} -X PUT http://127.0.0.1:{port}/v0/project/lab" in output

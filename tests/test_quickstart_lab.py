"""The README's main job with the lab: ``haas-manage quickstart --lab`` as a real process,
its printed walkthrough run line by line (the ``haas`` CLI, ``ip netns exec ... ping``), then
SIGTERM, after which no process or namespace it made is left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from haas_core import quickstart
from haas_core.manage import build_parser
from haas_lab.control import pid_alive
from tests.support.bmc import require_ipmitool
from tests.support.console import ipmitool_pids
from tests.support.lab import needs_lab
from tests.support.pgcluster import free_port
from tests.test_lab_bmc import namespaces, ping
from tests.test_quickstart import agents_of

HAAS_MANAGE = str(Path(sys.executable).with_name("haas-manage"))


class Output:
    """The quickstart's output, read in a thread, waited on by line."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.text = ""
        self.lock = threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self.thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            with self.lock:
                self.text += line
                self.lock.notify_all()

    def wait_for(self, marker: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        with self.lock:
            while marker not in self.text:
                left = deadline - time.monotonic()
                assert left > 0 and self.thread.is_alive(), f"no {marker!r} in:\n{self.text}"
                self.lock.wait(min(left, 0.5))
            return self.text


def processes_of(state: Path) -> list[int]:
    """Live processes whose command line names the quickstart's state directory."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if str(state) in cmdline and pid_alive(int(entry.name)):
            found.append(int(entry.name))
    return found


@needs_lab
def test_quickstart_with_the_lab_walkthrough_then_sigterm_leaves_nothing(
    tmp_path: Path,
) -> None:
    require_ipmitool()
    port = free_port()
    proc = subprocess.Popen(
        [HAAS_MANAGE, "quickstart", "--state-dir", "state", "--port", str(port), "--lab"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    state_dir = tmp_path / "state"
    try:
        output = Output(proc).wait_for("Stop everything", timeout=60)
        lab = json.loads((state_dir / "lab" / "state.json").read_text())
        steps = output.split("Try, in another shell (as root):\n", 1)[1].split("\n\n", 1)[0]
        lines = [line.strip() for line in steps.splitlines()]
        exports = "\n".join(line for line in lines if line.startswith("export "))
        assert f"HAAS_ENDPOINT=http://127.0.0.1:{port}/v0" in exports

        def step(line: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                ["bash", "-c", f"{exports}\n{line}"],
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=60,
            )

        node0, node1 = lab["inventory"]["nodes"][:2]
        results = {}
        for line in lines:
            if line.startswith("export ") or line.endswith("&") or "&   #" in line:
                continue  # the settings, and the console viewer (test_lab_bmc covers it)
            results[line] = done = step(line)
            if "is not on demo-net" in line:
                assert done.returncode != 0, f"{line}: {done.stdout}"
            else:
                assert done.returncode == 0, f"{line}: {done.stdout}{done.stderr}"
            if "power off" in line:  # as the walkthrough says: node1 is unreachable now
                assert not ping(node0["netns"], node1["nics"][0]["ip"])
        assert sum("ping -c" in line for line in results) == 2
        assert sum("power" in line for line in results) == 3
        assert [line for line in results if "network connect" in line]
        assert all("DONE" in results[line].stdout for line in results if "--wait" in line)
        # The walkthrough left node1 powered on and on demo-net with node0.
        assert ping(node0["netns"], node1["nics"][0]["ip"])
        bmc_state = Path(node1["console"]).with_suffix(".json")
        assert json.loads(bmc_state.read_text())["cycles"] == 1
        assert node1["name"] == "lab-node1"
        assert "console-write lab-node1 hello from lab-node1" in output
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        assert proc.stdout is not None
        proc.stdout.close()
    assert proc.returncode == 0
    assert not any(pid_alive(pid) for pid in [lab["supervisor_pid"], *lab["pids"].values()])
    assert not ipmitool_pids(node1["obm"]["port"])
    assert not set(lab["namespaces"]) & namespaces()
    assert not agents_of(state_dir)
    assert not processes_of(state_dir)
    assert not (state_dir / "lab" / "state.json").exists()


def test_without_root_the_lab_is_refused_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    why = quickstart.lab_unavailable()
    assert why is not None and "not running as root" in why
    args = build_parser().parse_args(["quickstart", "--state-dir", str(tmp_path / "s"), "--lab"])
    assert quickstart.run(args) == 2
    assert "cannot run the lab: not running as root" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()  # refused before anything was made

"""A real Open vSwitch for tests: ovsdb-server and ovs-vswitchd (userspace datapath)
in a temporary run directory of their own, stopped by their PIDs."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

SCHEMA = Path("/usr/share/openvswitch/vswitch.ovsschema")


def skip_without_ovs() -> None:
    missing = [
        b
        for b in ("ovsdb-tool", "ovsdb-server", "ovs-vswitchd", "ovs-vsctl")
        if not shutil.which(b)
    ]
    if missing or not SCHEMA.exists():
        if os.environ.get("CI"):
            pytest.fail(f"Open vSwitch is missing ({', '.join(missing)}), and CI runs every test")
        pytest.skip("Open vSwitch is not installed (apt-get install -y openvswitch-switch)")
    if os.geteuid() != 0:
        pytest.skip("ovs-vswitchd needs root")


@dataclass
class OvsSwitch:
    rundir: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def ovsdb(self) -> str:
        return f"unix:{self.rundir / 'db.sock'}"

    def vsctl(self, *args: str) -> str:
        done = subprocess.run(
            ["ovs-vsctl", f"--db={self.ovsdb}", "--timeout=10", *args],
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout

    def add_bridge(self, bridge: str, ports: list[str]) -> None:
        """A bridge of the userspace datapath with dummy ports (no kernel interfaces)."""
        args = ["add-br", bridge, "--", "set", "Bridge", bridge, "datapath_type=dummy"]
        for port in ports:
            args += ["--", "add-port", bridge, port, "--", "set", "Interface", port, "type=dummy"]
        self.vsctl(*args)

    def columns(self, port: str) -> tuple[str, str, str]:
        """(tag, trunks, vlan_mode) of ``port`` as ``ovs-vsctl get`` prints them."""
        out = self.vsctl("get", "Port", port, "tag", "trunks", "vlan_mode")
        tag, trunks, mode = out.splitlines()
        return tag, trunks, mode


def _wait_for(path: Path, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while not path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{proc.args} did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.02)


@contextmanager
def ovs_switch(tmp_path: Path) -> Iterator[OvsSwitch]:
    """ovsdb-server + ovs-vswitchd for the duration of the block."""
    skip_without_ovs()
    rundir = tmp_path / f"ovs-{os.getpid()}"
    rundir.mkdir()
    env = {
        **os.environ,
        "OVS_RUNDIR": str(rundir),
        "OVS_LOGDIR": str(rundir),
        "OVS_DBDIR": str(rundir),
    }
    db = rundir / "conf.db"
    subprocess.run(["ovsdb-tool", "create", str(db), str(SCHEMA)], check=True, env=env)
    switch = OvsSwitch(rundir)
    sock = rundir / "db.sock"
    try:
        log = rundir / "ovsdb-server.log"
        server = subprocess.Popen(
            [
                "ovsdb-server",
                str(db),
                f"--remote=punix:{sock}",
                f"--unixctl={rundir / 'ovsdb-server.ctl'}",
                f"--log-file={log}",
                f"--pidfile={rundir / 'ovsdb-server.pid'}",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        switch.procs.append(server)
        _wait_for(sock, server, log)
        switch.vsctl("--no-wait", "init")
        log = rundir / "ovs-vswitchd.log"
        vswitchd = subprocess.Popen(
            [
                "ovs-vswitchd",
                f"unix:{sock}",
                "--enable-dummy",
                f"--unixctl={rundir / 'ovs-vswitchd.ctl'}",
                f"--log-file={log}",
                f"--pidfile={rundir / 'ovs-vswitchd.pid'}",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        switch.procs.append(vswitchd)
        _wait_for(rundir / "ovs-vswitchd.ctl", vswitchd, log)
        yield switch
    finally:
        for proc in reversed(switch.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()

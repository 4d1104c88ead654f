"""Simulated BMCs (``haas_lab.bmc``) run as a subprocess on 127.0.0.1, stopped by PID."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from haas_lab.bmc import free_udp_ports, spawn
from haas_lab.fabric import stop_pids

__all__ = ["PASSWORD", "BmcSim", "free_udp_ports", "require_ipmitool"]

PASSWORD = "bmc-secret-pw"


def require_ipmitool() -> None:
    if shutil.which("ipmitool") is None:
        if os.environ.get("CI"):
            pytest.fail("ipmitool is not installed, and CI must run every test")
        pytest.skip("ipmitool is not installed (apt-get install -y ipmitool)")


class BmcSim:
    """``count`` simulated BMCs on consecutive ports from ``port``."""

    def __init__(
        self,
        workdir: Path,
        count: int = 1,
        password: str = PASSWORD,
        power_command: str | None = None,
        user: str = "admin",
    ) -> None:
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.count = count
        self.password = password
        self.user = user
        self.port = 0  # the first BMC's, once started
        self.power_command = power_command
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> BmcSim:
        self.proc, self.port = spawn(
            self.count,
            self.dir,
            self.password,
            user=self.user,
            power_command=self.power_command,
            log=self.dir / "bmc.log",
        )
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_pids([self.proc.pid])
            self.proc.wait()

    def obm(self, index: int = 0, password: str | None = None) -> dict[str, Any]:
        """The ``obm`` registration of BMC number ``index``."""
        return {
            "type": "ipmi",
            "host": "127.0.0.1",
            "port": self.port + index,
            "user": self.user,
            "password": self.password if password is None else password,
        }

    def state(self, index: int = 0) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.dir / f"{self.port + index}.json").read_text())
        return data

    def console(self, index: int = 0) -> socket.socket:
        """The node side of BMC ``index``'s serial line: what is sent is console output."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(str(self.dir / f"{self.port + index}.sock"))
        return sock

    def wait_for(self, index: int, key: str, value: Any, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.state(index).get(key) != value:
            if time.monotonic() > deadline:
                raise AssertionError(f"BMC {index}: {key} never became {value!r}")
            time.sleep(0.05)

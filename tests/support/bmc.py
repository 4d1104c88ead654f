"""Simulated BMCs (``haas_lab.bmc``) run as a subprocess on 127.0.0.1, stopped by PID."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

PASSWORD = "bmc-secret-pw"


def require_ipmitool() -> None:
    if shutil.which("ipmitool") is None:
        if os.environ.get("CI"):
            pytest.fail("ipmitool is not installed, and CI must run every test")
        pytest.skip("ipmitool is not installed (apt-get install -y ipmitool)")


def free_udp_ports(count: int) -> int:
    """The first of ``count`` consecutive UDP ports free on 127.0.0.1 right now."""
    for _ in range(50):
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        first = probe.getsockname()[1]
        probe.close()
        if first + count > 65535:
            continue
        held = []
        try:
            for port in range(first, first + count):
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                held.append(sock)
                sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for sock in held:
                sock.close()
    raise RuntimeError("no free UDP port range")


class BmcSim:
    """``count`` simulated BMCs on consecutive ports from ``port``."""

    def __init__(
        self,
        workdir: Path,
        count: int = 1,
        password: str = PASSWORD,
        power_command: str | None = None,
    ) -> None:
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.count = count
        self.password = password
        self.port = free_udp_ports(count)
        self.power_command = power_command
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> BmcSim:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "haas_lab.bmc",
                "--port",
                str(self.port),
                "--count",
                str(self.count),
                "--state-dir",
                str(self.dir),
                "--console-dir",
                str(self.dir),
                *(["--power-command", self.power_command] if self.power_command else []),
            ],
            env={**os.environ, "BMC_PASSWORD": self.password},
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if line.strip() != "READY":
            self.stop()
            raise RuntimeError(f"the BMC simulator did not start: {line!r}")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    def obm(self, index: int = 0, password: str | None = None) -> dict[str, Any]:
        """The ``obm`` registration of BMC number ``index``."""
        return {
            "type": "ipmi",
            "host": "127.0.0.1",
            "port": self.port + index,
            "user": "admin",
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

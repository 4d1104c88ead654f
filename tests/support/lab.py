"""Helpers for lab tests: the skip marker, ``haas-manage lab`` as a process, and a pexpect
client for the emulated CLIs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

from haas_lab.fabric import missing_tools


def _lab_skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "the lab needs root (network namespaces, Open vSwitch)"
    missing = missing_tools() + [t for t in ("ping", "tcpdump") if shutil.which(t) is None]
    if missing:
        return f"missing programs: {', '.join(missing)} (scripts/setup.sh --test installs them)"
    return None


#: Marks a test that builds a real fabric.
needs_lab = pytest.mark.skipif(_lab_skip_reason() is not None, reason=str(_lab_skip_reason()))

HAAS_MANAGE = str(Path(sys.executable).with_name("haas-manage"))


def lab(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``haas-manage lab --state-dir state args...``, its output captured."""
    return subprocess.run(
        [HAAS_MANAGE, "lab", "--state-dir", str(state), *args],
        capture_output=True,
        text=True,
        timeout=180,
    )


SSH_OPTIONS = [
    "-o", "StrictHostKeyChecking=no",
    "-o", "UserKnownHostsFile=/dev/null",
    "-o", "LogLevel=ERROR",
    "-o", "PubkeyAuthentication=no",
    "-o", "PreferredAuthentications=password,keyboard-interactive",
]  # fmt: skip

PAGERS = {
    "powerconnect55xx": r"More: <space>,  Quit: q or CTRL\+Z, One line: <return> ",
    "delln3000": r"--More-- or \(q\)uit",
    "nexus": r" --More-- ",
}
LOGIN_PROMPTS = {"powerconnect55xx": "User Name:", "delln3000": "User:", "nexus": "login: "}


class CliClient:
    """A real ``ssh`` or ``telnet`` session to an emulated switch, driven by pexpect."""

    def __init__(
        self,
        dialect: str,
        hostname: str,
        protocol: str,
        port: int,
        username: str,
        password: str,
        timeout: float = 10,
    ) -> None:
        self.dialect = dialect
        # A prompt at the start of a line: the output before it never holds one.
        self.prompt = r"[\r\n]" + re.escape(hostname) + r"(\([^)]*\))?[#>]"
        self.pages = 0
        if protocol == "ssh":
            argv = ["ssh", "-p", str(port), *SSH_OPTIONS, f"{username}@127.0.0.1"]
        else:
            argv = ["telnet", "127.0.0.1", str(port)]
        started = time.monotonic()
        self.child = pexpect.spawn(argv[0], argv[1:], encoding="utf-8", timeout=timeout)
        if protocol == "ssh":
            self.child.expect("[Pp]assword:")
            self.child.sendline(password)
        if protocol == "telnet" or dialect == "powerconnect55xx":
            self.child.expect(LOGIN_PROMPTS[dialect])
            self.child.sendline(username)
            self.child.expect("Password:")
            self.child.sendline(password)
        self.child.expect(re.escape(hostname) + r"[#>] ?")
        self.login_seconds = time.monotonic() - started
        if self.child.after.rstrip().endswith(">"):
            self.run("enable")

    def run(self, command: str, page_key: str = " ") -> str:
        """Send ``command``; return its output (echo and prompt removed), paging through."""
        self.child.sendline(command)
        self.child.expect_exact(command)  # the echo
        out = ""
        while True:
            i = self.child.expect([PAGERS[self.dialect], self.prompt])
            out += self.child.before
            if i == 1:
                out = re.sub(r"\r +\r", "", out)  # the erased pager prompts
                return out.replace("\r\n", "\n").strip("\r\n")
            self.pages += 1
            self.child.send(page_key)

    def close(self) -> None:
        self.child.close(force=True)

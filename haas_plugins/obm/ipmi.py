"""The ``ipmi`` OBM driver: ``ipmitool -I lanplus`` against the node's BMC.

The password travels in ``IPMI_PASSWORD`` (``-E``), never on a command line or in a log.
Every call gives up quickly on a dead BMC (``-N``/``-R``) and is killed after a hard
timeout, so no request hangs and no ``ipmitool`` outlives its call.
"""

from __future__ import annotations

import logging
import os
import subprocess
from typing import ClassVar

from pydantic import Field

from haas_core.drivers import ConsoleCommand, DriverInfo, ObmDriver, ObmNode
from haas_core.errors import OBMError
from haas_core.hookspecs import hookimpl

LOG = logging.getLogger(__name__)

#: ipmitool's verbose lines that say the BMC refused the credentials.
AUTH_FAILURES = (
    "RAKP 2 HMAC is invalid",
    "RAKP 1 message",  # pyghmi and some BMCs stay silent to an unknown user
    "unauthorized name",
    "Unauthorized name",
    "invalid role",
    "insufficient resources for session",
)
#: ... and those that say nothing answered.
UNREACHABLE = ("Get Auth Capabilities error", "No response from remote controller")

#: Noise ``-v`` adds to every error output.
NOISE = ("Loading IANA PEN Registry", "Using best available cipher suite", "Running Get PICMG")


class IpmiInfo(DriverInfo):
    host: str
    user: str
    password: str
    port: int | None = Field(default=None, ge=1, le=65535)


class IpmiDriver(ObmDriver):
    name = "ipmi"
    aliases = ("http://schema.massopencloud.org/haas/v0/obm/ipmi",)
    Info = IpmiInfo
    secret_fields = frozenset({"password"})

    #: ipmitool's per-attempt timeout (``-N``, seconds) and retries (``-R``): a dead BMC
    #: fails in about (retries + 1) * timeout seconds instead of ipmitool's 20.
    attempt_seconds: ClassVar[int] = 1
    retries: ClassVar[int] = 1
    #: Hard limit on one ipmitool run; it is killed beyond this.
    process_timeout: ClassVar[float] = 15.0

    info: IpmiInfo

    def _argv(self, *command: str) -> list[str]:
        return ipmitool_argv(self.info.host, self.info.port, self.info.user, *command)

    def _env(self) -> dict[str, str]:
        return {**os.environ, "IPMI_PASSWORD": self.info.password}

    @property
    def _where(self) -> str:
        port = f":{self.info.port}" if self.info.port is not None else ""
        return f"{self.info.host}{port}"

    def _run(self, *command: str) -> str:
        """Run ``ipmitool <command>``; its standard output. :raises OBMError:"""
        argv = self._argv("-v", *command)
        try:
            done = subprocess.run(
                argv,
                env=self._env(),
                capture_output=True,
                text=True,
                timeout=self.process_timeout,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise OBMError(
                f"BMC {self._where}: ipmitool {' '.join(command)} did not finish within "
                f"{self.process_timeout:g} s"
            ) from None
        except FileNotFoundError:
            raise OBMError("ipmitool is not installed on the haas server") from None
        if done.returncode != 0:
            raise OBMError(self._describe_failure(command, done.stdout + done.stderr))
        return done.stdout

    def _describe_failure(self, command: tuple[str, ...], output: str) -> str:
        lines = [
            line.strip().lstrip("> ").strip()
            for line in output.splitlines()
            if line.strip() and not line.startswith(NOISE)
        ]
        detail = "; ".join(dict.fromkeys(lines)) or "ipmitool failed without a message"
        if any(marker in output for marker in AUTH_FAILURES):
            what = "authentication failed (wrong user or password)"
        elif any(marker in output for marker in UNREACHABLE):
            what = "no answer (BMC unreachable)"
        else:
            what = f"ipmitool {' '.join(command)} failed"
        return f"BMC {self._where}: {what}: {detail}"

    # ------------------------------------------------------------ ObmDriver

    def power_on(self, node: ObmNode) -> None:
        self._run("chassis", "power", "on")

    def power_off(self, node: ObmNode) -> None:
        self._run("chassis", "power", "off")

    def power_cycle(self, node: ObmNode, force: bool) -> None:
        try:
            self._run("chassis", "power", "reset" if force else "cycle")
        except OBMError:
            # BMCs refuse a cycle or reset of a node that is off: turn it on instead.
            if self.power_status(node) != "Off":
                raise
            self.power_on(node)

    def power_status(self, node: ObmNode) -> str:
        out = self._run("chassis", "power", "status")
        for line in out.splitlines():
            if line.startswith("Chassis Power is "):
                return "On" if line.split()[-1].lower() == "on" else "Off"
        raise OBMError(f"BMC {self._where}: unexpected power status answer: {out.strip()!r}")

    def set_bootdev(self, node: ObmNode, bootdev: str) -> None:
        self._run("chassis", "bootdev", bootdev, "options=persistent")

    def console_command(self) -> ConsoleCommand:
        info = self.info
        return sol_console(info.host, info.port, info.user, info.password)


def ipmitool_argv(host: str, port: int | None, user: str, *command: str) -> list[str]:
    """``ipmitool -I lanplus`` against a BMC, the password taken from ``IPMI_PASSWORD``,
    giving up quickly when nothing answers."""
    argv = ["ipmitool", "-I", "lanplus", "-H", host, "-U", user, "-E"]
    if port is not None:
        argv += ["-p", str(port)]
    argv += ["-N", str(IpmiDriver.attempt_seconds), "-R", str(IpmiDriver.retries)]
    return argv + list(command)


def sol_console(host: str, port: int | None, user: str, password: str) -> ConsoleCommand:
    """A BMC's serial console through IPMI Serial-over-LAN: what the ``ipmi`` driver, and
    the ``redfish`` driver for BMCs that keep IPMI beside Redfish, give the console service."""
    return ConsoleCommand(
        argv=ipmitool_argv(host, port, user, "sol", "activate"),
        env={"IPMI_PASSWORD": password},
        reset_argv=ipmitool_argv(host, port, user, "sol", "deactivate"),
    )


@hookimpl
def haas_register_obm_drivers() -> list[type[ObmDriver]]:
    return [IpmiDriver]

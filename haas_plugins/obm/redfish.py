"""The ``redfish`` OBM driver: a Redfish BMC through sushy.

Fields: ``address`` (base URL, ``https://bmc.example``), ``system_path``
(``/redfish/v1/Systems/<id>``), ``user``, ``password`` and ``verify``: true (check the
BMC's certificate against the system CAs, the default), false (do not check; lab BMCs
with self-signed certificates), or the path of a CA bundle on the haas server.

Redfish itself has no serial console stream. Most Redfish BMCs (iDRAC, iLO, OpenBMC,
Supermicro) keep IPMI beside it, with the same accounts, and offer the console through
IPMI Serial-over-LAN: ``sol_port`` (usually 623) gives the node a console that way, on
the host of ``address`` with the same user and password. Without it the node has none.
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar
from urllib.parse import urlsplit

import sushy
from pydantic import Field, field_validator
from sushy import exceptions as sushy_errors

from haas_core.drivers import ConsoleCommand, DriverInfo, ObmDriver, ObmNode
from haas_core.errors import OBMError
from haas_core.hookspecs import hookimpl
from haas_plugins.obm.ipmi import sol_console

LOG = logging.getLogger(__name__)

#: haas boot devices -> Redfish boot source override targets.
BOOT_TARGETS = {
    "pxe": sushy.BOOT_SOURCE_TARGET_PXE,
    "disk": sushy.BOOT_SOURCE_TARGET_HDD,
    "none": sushy.BOOT_SOURCE_TARGET_NONE,
}


class RedfishInfo(DriverInfo):
    address: str = Field(pattern=r"^https?://")
    system_path: str = Field(pattern=r"^/redfish/v1/Systems/.+")
    user: str
    password: str
    verify: bool | str = True
    #: The UDP port of the same BMC's IPMI, for the console (Serial-over-LAN); None: none.
    sol_port: int | None = Field(default=None, ge=1, le=65535)

    @field_validator("address")
    @classmethod
    def _names_a_host(cls, address: str) -> str:
        if not urlsplit(address).hostname:
            raise ValueError("the BMC's URL names no host")
        return address


class RedfishDriver(ObmDriver):
    name = "redfish"
    aliases = ("http://schema.massopencloud.org/haas/v0/obm/redfish",)
    Info = RedfishInfo
    secret_fields = frozenset({"password"})

    #: Seconds to connect, and to wait for an answer: a dead BMC fails fast.
    connect_timeout: ClassVar[float] = 3.0
    read_timeout: ClassVar[float] = 20.0

    info: RedfishInfo

    def _system(self) -> Any:
        info = self.info
        try:
            root = sushy.Sushy(
                info.address,
                username=info.user,
                password=info.password,
                verify=info.verify,
                # One attempt: sushy counts attempts here, and 0 means its default of 3,
                # seconds apart (a dead BMC must fail fast).
                server_side_retries=1,
                server_side_retries_delay=1,
                read_timeout=self.read_timeout,
                connect_timeout=self.connect_timeout,
            )
            return root.get_system(info.system_path)
        except sushy_errors.SushyError as exc:
            raise self._error(exc) from None

    def _error(self, exc: Exception) -> OBMError:
        if isinstance(exc, sushy_errors.AccessError) and getattr(exc, "status_code", 0) in (
            401,
            403,
        ):
            what = "authentication failed (wrong user or password)"
        elif isinstance(exc, sushy_errors.ConnectionError):
            what = "unreachable"
        else:
            what = "failed"
        # sushy's messages name the URL and the BMC's answer, never the password.
        return OBMError(f"Redfish BMC {self.info.address}: {what}: {exc}")

    def _do(self, action: str, *args: Any, **kw: Any) -> Any:
        system = self._system()
        try:
            return getattr(system, action)(*args, **kw)
        except sushy_errors.SushyError as exc:
            raise self._error(exc) from None

    # ------------------------------------------------------------ ObmDriver

    def power_on(self, node: ObmNode) -> None:
        self._do("reset_system", sushy.RESET_ON)

    def power_off(self, node: ObmNode) -> None:
        self._do("reset_system", sushy.RESET_FORCE_OFF)

    def power_cycle(self, node: ObmNode, force: bool) -> None:
        system = self._system()
        try:
            if system.power_state == sushy.POWER_STATE_OFF:
                system.reset_system(sushy.RESET_ON)
            else:
                system.reset_system(
                    sushy.RESET_FORCE_RESTART if force else sushy.RESET_GRACEFUL_RESTART
                )
        except sushy_errors.SushyError as exc:
            raise self._error(exc) from None

    def power_status(self, node: ObmNode) -> str:
        state = self._system().power_state
        return "On" if state in (sushy.POWER_STATE_ON, sushy.POWER_STATE_POWERING_OFF) else "Off"

    def set_bootdev(self, node: ObmNode, bootdev: str) -> None:
        self._do(
            "set_system_boot_options",
            target=BOOT_TARGETS[bootdev],
            enabled=sushy.BOOT_SOURCE_ENABLED_CONTINUOUS,
        )

    def console_command(self) -> ConsoleCommand | None:
        info = self.info
        if info.sol_port is None:
            return None
        host = urlsplit(info.address).hostname
        assert host is not None  # validated: the address names a host
        return sol_console(host, info.sol_port, info.user, info.password)


@hookimpl
def haas_register_obm_drivers() -> list[type[ObmDriver]]:
    return [RedfishDriver]

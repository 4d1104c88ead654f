"""The ``mock`` OBM driver: a BMC whose power state and boot device live in the
database, for development and tests. Accepts HIL's mock fields."""

from __future__ import annotations

from haas_core.drivers import DriverInfo, ObmDriver, ObmNode
from haas_core.hookspecs import hookimpl


class MockObmInfo(DriverInfo):
    host: str
    user: str
    password: str


class MockObmDriver(ObmDriver):
    name = "mock"
    aliases = ("http://schema.massopencloud.org/haas/v0/obm/mock",)
    Info = MockObmInfo
    secret_fields = frozenset({"password"})

    def power_on(self, node: ObmNode) -> None:
        node.state["power"] = "On"

    def power_off(self, node: ObmNode) -> None:
        node.state["power"] = "Off"

    def power_cycle(self, node: ObmNode, force: bool) -> None:
        node.state["power"] = "On"
        node.state["cycles"] = node.state.get("cycles", 0) + 1

    def power_status(self, node: ObmNode) -> str:
        return str(node.state.get("power", "Off"))

    def set_bootdev(self, node: ObmNode, bootdev: str) -> None:
        node.state["bootdev"] = bootdev


@hookimpl
def haas_register_obm_drivers() -> list[type[ObmDriver]]:
    return [MockObmDriver]

"""The mock switch driver and its database-backed session."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from haas_core.db.models import Switch
from haas_core.drivers import DriverInfo, SwitchDriver, SwitchSession
from haas_core.errors import BadArgumentError
from haas_plugins_switches.mock.models import MockSwitchPortVlan

# gi1/0/1, te1/0/1, 1/0/10, eth0, Ethernet1/1: letters, then 1-4 slash-separated numbers.
PORT_NAME = re.compile(r"[A-Za-z-]*\d+(/\d+){0,3}")


class MockSwitchInfo(DriverInfo):
    hostname: str
    username: str
    password: str


class MockSwitchSession(SwitchSession):
    def __init__(self, switch_id: int, db: Session) -> None:
        self.switch_id = switch_id
        self.db = db

    def modify_port(self, port: str, channel: str, network_id: str | None) -> None:
        self.db.execute(
            delete(MockSwitchPortVlan).where(
                MockSwitchPortVlan.switch_id == self.switch_id,
                MockSwitchPortVlan.port == port,
                MockSwitchPortVlan.channel == channel,
            )
        )
        if network_id is not None:
            self.db.add(
                MockSwitchPortVlan(
                    switch_id=self.switch_id, port=port, channel=channel, network_id=network_id
                )
            )
        self.db.flush()

    def revert_port(self, port: str) -> None:
        self.db.execute(
            delete(MockSwitchPortVlan).where(
                MockSwitchPortVlan.switch_id == self.switch_id, MockSwitchPortVlan.port == port
            )
        )
        self.db.flush()

    def get_port_networks(self, ports: Sequence[str]) -> dict[str, dict[str, str]]:
        result: dict[str, dict[str, str]] = {port: {} for port in ports}
        rows = self.db.scalars(
            select(MockSwitchPortVlan).where(
                MockSwitchPortVlan.switch_id == self.switch_id,
                MockSwitchPortVlan.port.in_(list(ports)),
            )
        )
        for row in rows:
            result[row.port][row.channel] = row.network_id
        return result


class MockSwitchDriver(SwitchDriver):
    name = "mock"
    aliases = ("http://schema.massopencloud.org/haas/v0/switches/mock",)
    Info = MockSwitchInfo
    secret_fields = frozenset({"password"})
    capabilities = ("nativeless-trunk-mode",)

    @classmethod
    def validate_port_name(cls, port: str) -> None:
        if not PORT_NAME.fullmatch(port):
            raise BadArgumentError(
                f"Invalid port name {port!r} for a mock switch: expected e.g. gi1/0/1."
            )

    def open_session(self, switch: Switch, db: Session) -> SwitchSession:
        return MockSwitchSession(switch.id, db)

"""The mock switch driver and its database-backed session.

The switch's state lives in its own tables, written apart from haas's own
transactions (one statement per change on PostgreSQL, a short transaction on
SQLite), as a real switch is a system apart from haas's database. Optional
latency (``session_open_seconds``, ``per_change_seconds``) makes it behave like
a slow real switch for benchmarks; ``simulate_failure`` makes every session
fail with that message, like an unreachable switch.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from typing import Any, cast

from pydantic import Field
from sqlalchemy import Table, bindparam, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from haas_core.db.engine import PREPARED, Database
from haas_core.db.models import utcnow
from haas_core.drivers import DriverInfo, SwitchDriver, SwitchSession
from haas_core.errors import BadArgumentError, SwitchError
from haas_plugins_switches.mock.models import MockSwitchApplication, MockSwitchPortVlan

# gi1/0/1, te1/0/1, 1/0/10, eth0, Ethernet1/1: letters, then 1-4 slash-separated numbers.
PORT_NAME = re.compile(r"[A-Za-z-]*\d+(/\d+){0,3}")
_PORT_VLAN = cast(Table, MockSwitchPortVlan.__table__)
_APPLICATION = cast(Table, MockSwitchApplication.__table__)
_ON_PORT = (_PORT_VLAN.c.switch_id == bindparam("switch_id")) & (
    _PORT_VLAN.c.port == bindparam("port")
)


def _set_channel(insert_for: Callable[[Table], Any]) -> Any:
    """Put a network on a channel, replacing the one it carried (one statement)."""
    statement = insert_for(_PORT_VLAN).values(
        {name: bindparam(name) for name in ("switch_id", "port", "channel", "network_id")}
    )
    return statement.on_conflict_do_update(
        index_elements=[_PORT_VLAN.c.switch_id, _PORT_VLAN.c.port, _PORT_VLAN.c.channel],
        set_={"network_id": statement.excluded.network_id},
    )


#: The state change of each kind of change, keyed by (operation, a network is set).
_STATE_CHANGES: dict[str, dict[tuple[str, bool], Any]] = {
    dialect: {
        ("revert_port", False): delete(_PORT_VLAN).where(_ON_PORT),
        ("modify_port", False): delete(_PORT_VLAN).where(
            _ON_PORT, _PORT_VLAN.c.channel == bindparam("channel")
        ),
        ("modify_port", True): _set_channel(insert_for),
    }
    for dialect, insert_for in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
#: Every change is logged (tests count applications).
_LOG_CHANGE = insert(_APPLICATION).values(
    {
        name: bindparam(name)
        for name in ("switch_id", "port", "operation", "channel", "network_id", "at")
    }
)
#: On PostgreSQL the state change rides along with the logged change, as a data-modifying
#: WITH: one statement, one round trip, outside any transaction (this runs once per change,
#: and the agent's and the database's CPU time per action include it).
_CHANGES_IN_ONE_STATEMENT = {
    key: _LOG_CHANGE.add_cte(change.cte("state_change")).execution_options(**{PREPARED: True})
    for key, change in _STATE_CHANGES["postgresql"].items()
}


class MockSwitchInfo(DriverInfo):
    hostname: str
    username: str
    password: str
    session_open_seconds: float = Field(default=0.0, ge=0, le=600)
    per_change_seconds: float = Field(default=0.0, ge=0, le=600)
    simulate_failure: str | None = None


class MockSwitchSession(SwitchSession):
    def __init__(self, switch_id: int, info: MockSwitchInfo, database: Database) -> None:
        self.switch_id = switch_id
        self.info = info
        self.database = database

    def _record(
        self, port: str, operation: str, channel: str | None, network_id: str | None
    ) -> None:
        params = {
            "switch_id": self.switch_id,
            "port": port,
            "operation": operation,
            "channel": channel,
            "network_id": network_id,
            "at": utcnow(),
        }
        key = (operation, network_id is not None)
        engine = self.database.engine
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(_CHANGES_IN_ONE_STATEMENT[key], params)
            return
        with self.database.write_transaction() as conn:
            conn.execute(_STATE_CHANGES[engine.dialect.name][key], params)
            conn.execute(_LOG_CHANGE, params)

    def _change(
        self, port: str, operation: str, channel: str | None, network_id: str | None
    ) -> None:
        # per_change_seconds is what the whole change costs, its own bookkeeping included.
        started = time.monotonic()
        self._record(port, operation, channel, network_id)
        time.sleep(max(0.0, self.info.per_change_seconds - (time.monotonic() - started)))

    def modify_port(self, port: str, channel: str, network_id: str | None) -> None:
        self._change(port, "modify_port", channel, network_id)

    def revert_port(self, port: str) -> None:
        self._change(port, "revert_port", None, None)

    def get_port_networks(self, ports: Sequence[str]) -> dict[str, dict[str, str]]:
        result: dict[str, dict[str, str]] = {port: {} for port in ports}
        with self.database.session(write=False) as db:
            rows = db.scalars(
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

    info: MockSwitchInfo

    @classmethod
    def validate_port_name(cls, port: str) -> None:
        if not PORT_NAME.fullmatch(port):
            raise BadArgumentError(
                f"Invalid port name {port!r} for a mock switch: expected e.g. gi1/0/1."
            )

    def open_session(self) -> SwitchSession:
        time.sleep(self.info.session_open_seconds)
        if self.info.simulate_failure:
            raise SwitchError(self.info.simulate_failure)
        return MockSwitchSession(self.switch_id, self.info, self.database)

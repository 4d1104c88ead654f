"""The ``mock`` switch: a switch whose port state lives in the database, so every
haas process (API, agents) sees the same switch. For development, tests and
benchmarks; accepts HIL's mock fields."""

from __future__ import annotations

from haas_core.drivers import SwitchDriver
from haas_core.hookspecs import hookimpl
from haas_plugins_switches.mock.driver import MockSwitchDriver


@hookimpl
def haas_register_switch_drivers() -> list[type[SwitchDriver]]:
    return [MockSwitchDriver]

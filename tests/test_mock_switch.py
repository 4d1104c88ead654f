"""The mock switch driver: its session sets, reads back and reverts port state in the
database, it refuses bad port names, and it can play an unreachable switch."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from haas_core.db import models as m
from haas_core.errors import BadArgumentError, SwitchError
from haas_core.switches import switch_driver
from haas_plugins_switches.mock.driver import MockSwitchDriver
from haas_plugins_switches.mock.models import MockSwitchApplication
from tests.support.app import Api

SWITCH = {"type": "mock", "hostname": "sw", "username": "u", "password": "p"}


def driver_for(api: Api, label: str) -> MockSwitchDriver:
    with api.services.db.session() as db:
        row = db.scalars(select(m.Switch).where(m.Switch.label == label)).one()
        driver = switch_driver(api.services, row)
    assert isinstance(driver, MockSwitchDriver)
    return driver


def test_session_sets_reads_back_and_reverts_port_networks(api: Api) -> None:
    api.put("/v0/switch/sw", SWITCH)
    session = driver_for(api, "sw").open_session()
    session.modify_port("gi1/0/1", "vlan/native", "100")
    session.modify_port("gi1/0/1", "vlan/200", "200")
    session.modify_port("gi1/0/2", "vlan/native", "300")
    assert session.get_port_networks(["gi1/0/1", "gi1/0/2", "gi1/0/3"]) == {
        "gi1/0/1": {"vlan/native": "100", "vlan/200": "200"},
        "gi1/0/2": {"vlan/native": "300"},
        "gi1/0/3": {},
    }
    session.modify_port("gi1/0/1", "vlan/200", None)
    session.revert_port("gi1/0/2")
    # A second session (another process, say) sees the same switch.
    again = driver_for(api, "sw").open_session()
    assert again.get_port_networks(["gi1/0/1", "gi1/0/2"]) == {
        "gi1/0/1": {"vlan/native": "100"},
        "gi1/0/2": {},
    }


def test_a_new_network_on_a_channel_replaces_the_old_and_every_change_is_logged(
    api: Api,
) -> None:
    api.put("/v0/switch/sw", SWITCH)
    session = driver_for(api, "sw").open_session()
    session.modify_port("gi1/0/1", "vlan/native", "100")
    session.modify_port("gi1/0/1", "vlan/native", "101")
    session.modify_port("gi1/0/1", "vlan/300", "300")
    session.revert_port("gi1/0/1")
    session.modify_port("gi1/0/1", "vlan/native", "102")
    assert session.get_port_networks(["gi1/0/1"]) == {"gi1/0/1": {"vlan/native": "102"}}
    table = MockSwitchApplication
    with api.services.db.session(write=False) as db:
        log = db.execute(
            select(table.operation, table.channel, table.network_id).order_by(table.id)
        ).all()
    assert [tuple(row) for row in log] == [
        ("modify_port", "vlan/native", "100"),
        ("modify_port", "vlan/native", "101"),
        ("modify_port", "vlan/300", "300"),
        ("revert_port", None, None),
        ("modify_port", "vlan/native", "102"),
    ]


def test_driver_gets_its_password_decrypted(api: Api) -> None:
    api.put("/v0/switch/sw", SWITCH)
    assert driver_for(api, "sw").info.password == "p"


def test_simulated_failure_refuses_the_session_with_its_message(api: Api) -> None:
    api.put("/v0/switch/down", {**SWITCH, "simulate_failure": "connection refused"})
    with pytest.raises(SwitchError, match="connection refused"):
        driver_for(api, "down").open_session()


@pytest.mark.parametrize("port", ["gi1/0/1", "te1/0/48", "1/0/10", "eth0", "Ethernet1/1"])
def test_port_names_like_real_switches_are_accepted(port: str) -> None:
    MockSwitchDriver.validate_port_name(port)


@pytest.mark.parametrize("port", ["", "gi1/0/1/2/3", "gi 1/0/1", "port-a", "1//2"])
def test_other_port_names_are_refused(port: str) -> None:
    with pytest.raises(BadArgumentError):
        MockSwitchDriver.validate_port_name(port)

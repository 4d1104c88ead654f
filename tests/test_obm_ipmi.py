"""The ipmi driver driving real ``ipmitool`` against simulated BMCs (haas_lab.bmc)."""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from haas_core.db import models as m
from haas_plugins.obm.ipmi import IpmiDriver, IpmiInfo
from tests.conftest import USERS, MakeServices, seed_users
from tests.support.app import Api
from tests.support.assertions import assert_empty_ok, assert_error, assert_json
from tests.support.bmc import BmcSim, free_udp_ports, require_ipmitool


@pytest.fixture
def db_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: these tests are about the BMC, the API tests cover both databases."""
    path = tmp_path / "haas.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


IPMI_PLUGINS = {"plugins": {"obm": "mock, ipmi"}}


@pytest.fixture
def bmc(tmp_path: Path) -> Iterator[BmcSim]:
    require_ipmitool()
    sim = BmcSim(tmp_path / "bmc").start()
    try:
        yield sim
    finally:
        sim.stop()


@pytest.fixture
def ipmi_api(make_services: MakeServices) -> Api:
    services = make_services(IPMI_PLUGINS)
    seed_users(services, USERS)
    return Api(services, {name: pw for name, (pw, _, _) in USERS.items()})


def owned(api: Api, obm: dict[str, object], node: str = "n1") -> None:
    assert_empty_ok(api.put(f"/v0/node/{node}", {"obm": obm}))
    assert_empty_ok(api.post("/v0/project/p1/connect_node", {"node": node}))


def test_every_power_operation_changes_the_bmc_state(ipmi_api: Api, bmc: BmcSim) -> None:
    owned(ipmi_api, bmc.obm())
    assert_json(ipmi_api.get("/v0/node/n1/power_status", user="alice"), {"power_status": "Off"})
    assert_empty_ok(ipmi_api.post("/v0/node/n1/power_on", user="alice"))
    assert bmc.state()["power"] == "on"
    assert_json(ipmi_api.get("/v0/node/n1/power_status", user="alice"), {"power_status": "On"})
    assert_empty_ok(ipmi_api.post("/v0/node/n1/power_cycle", user="alice"))
    assert bmc.state()["cycles"] == 1
    assert_empty_ok(ipmi_api.post("/v0/node/n1/power_cycle", {"force": True}, user="alice"))
    assert bmc.state()["resets"] == 1
    assert_empty_ok(ipmi_api.post("/v0/node/n1/power_off", user="alice"))
    assert bmc.state()["power"] == "off"
    assert_json(ipmi_api.get("/v0/node/n1/power_status", user="alice"), {"power_status": "Off"})
    # A node that is off refuses a cycle at the BMC; haas turns it on instead.
    assert_empty_ok(ipmi_api.post("/v0/node/n1/power_cycle", user="alice"))
    assert bmc.state()["power"] == "on"


@pytest.mark.parametrize(
    ("bootdev", "at_bmc"), [("pxe", "network"), ("disk", "hd"), ("none", "default")]
)
def test_boot_device_reads_back_from_the_bmc(
    ipmi_api: Api, bmc: BmcSim, bootdev: str, at_bmc: str
) -> None:
    owned(ipmi_api, bmc.obm())
    assert_empty_ok(ipmi_api.put("/v0/node/n1/boot_device", {"bootdev": bootdev}, user="alice"))
    assert bmc.state()["bootdev"] == at_bmc


def test_dead_bmc_is_a_502_within_5_seconds(ipmi_api: Api, tmp_path: Path) -> None:
    require_ipmitool()
    dead = {"type": "ipmi", "host": "127.0.0.1", "port": free_udp_ports(1)}
    owned(ipmi_api, {**dead, "user": "admin", "password": "pw"})
    started = time.monotonic()
    msg = assert_error(ipmi_api.post("/v0/node/n1/power_on", user="alice"), 502, "OBMError")
    assert time.monotonic() - started < 5
    assert "unreachable" in msg and "Unable to establish" in msg


def test_wrong_password_is_a_502_naming_authentication(
    ipmi_api: Api, bmc: BmcSim, caplog: pytest.LogCaptureFixture
) -> None:
    owned(ipmi_api, bmc.obm(password="not-the-password"))
    caplog.set_level(logging.DEBUG)
    msg = assert_error(ipmi_api.get("/v0/node/n1/power_status", user="alice"), 502, "OBMError")
    assert "authentication" in msg
    assert "not-the-password" not in msg and "not-the-password" not in caplog.text
    assert bmc.state()["power"] == "off"


def test_password_is_encrypted_at_rest_and_never_returned(ipmi_api: Api, bmc: BmcSim) -> None:
    owned(ipmi_api, bmc.obm())
    with ipmi_api.services.db.session() as db:
        row = db.scalars(select(m.Node).where(m.Node.label == "n1")).one()
    assert bmc.password not in json.dumps(row.obm_info)
    assert bmc.password not in ipmi_api.get("/v0/node/n1").text


def test_password_is_never_on_a_command_line() -> None:
    driver = IpmiDriver(IpmiInfo(host="10.0.0.9", user="root", password="s3cret", port=623))
    assert "s3cret" not in " ".join(driver._argv("chassis", "power", "status"))
    console = driver.console_command()
    assert "s3cret" not in " ".join(console.argv + (console.reset_argv or []))
    assert console.env == {"IPMI_PASSWORD": "s3cret"}


def test_hil_ipmi_type_url_and_bad_port(ipmi_api: Api, bmc: BmcSim) -> None:
    url = "http://schema.massopencloud.org/haas/v0/obm/ipmi"
    owned(ipmi_api, {**bmc.obm(), "type": url})
    assert_empty_ok(ipmi_api.post("/v0/node/n1/power_on", user="alice"))
    assert bmc.state()["power"] == "on"
    msg = assert_error(
        ipmi_api.put("/v0/node/n2", {"obm": {**bmc.obm(), "port": 70000}}), 400, "ValidationError"
    )
    assert "obm.port" in msg


def test_bmc_power_changes_run_the_lab_power_command(ipmi_api: Api, tmp_path: Path) -> None:
    """The lab's hook for taking a node's NICs down and up with its power."""
    require_ipmitool()
    record = tmp_path / "power.log"
    script = tmp_path / "power.sh"
    script.write_text(f'#!/bin/sh\necho "$1 $2" >> {record}\n')
    script.chmod(0o755)
    sim = BmcSim(tmp_path / "bmc-hooked", power_command=str(script)).start()
    try:
        owned(ipmi_api, sim.obm())
        assert_empty_ok(ipmi_api.post("/v0/node/n1/power_on", user="alice"))
        assert_empty_ok(ipmi_api.post("/v0/node/n1/power_off", user="alice"))
        assert record.read_text().split("\n")[:2] == [f"on {sim.port}", f"off {sim.port}"]
    finally:
        sim.stop()

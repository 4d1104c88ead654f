"""The redfish driver (sushy) against sushy-tools' emulator on 127.0.0.1."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from haas_core.db import models as m
from haas_core.obm import build_driver
from tests.conftest import USERS, MakeServices, seed_users
from tests.support.app import Api
from tests.support.assertions import assert_empty_ok, assert_error, assert_json
from tests.support.redfish import RedfishEmulator


@pytest.fixture
def db_url(tmp_path: Path, sqlite_template: Path) -> str:
    """SQLite only: these tests are about the BMC, the API tests cover both databases."""
    path = tmp_path / "haas.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def redfish_api(make_services: MakeServices) -> Api:
    services = make_services({"plugins": {"obm": "mock, redfish"}})
    seed_users(services, USERS)
    return Api(services, {name: pw for name, (pw, _, _) in USERS.items()})


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[RedfishEmulator]:
    emu = RedfishEmulator(tmp_path / "redfish").start()
    try:
        yield emu
    finally:
        emu.stop()


def owned(api: Api, obm: dict[str, object]) -> None:
    assert_empty_ok(api.put("/v0/node/n1", {"obm": obm}))
    assert_empty_ok(api.post("/v0/project/p1/connect_node", {"node": "n1"}))


def wait_power(api: Api, emu: RedfishEmulator, state: str, timeout: float = 15) -> None:
    """The emulator applies power changes after a random delay (like real hardware)."""
    deadline = time.monotonic() + timeout
    while emu.system()["PowerState"] != state:
        assert time.monotonic() < deadline, f"power never became {state}"
        time.sleep(0.2)
    assert_json(api.get("/v0/node/n1/power_status", user="alice"), {"power_status": state})


def test_power_on_off_and_boot_device_read_back(
    redfish_api: Api, emulator: RedfishEmulator
) -> None:
    owned(redfish_api, emulator.obm())
    assert_json(redfish_api.get("/v0/node/n1/power_status", user="alice"), {"power_status": "Off"})
    assert_empty_ok(redfish_api.put("/v0/node/n1/boot_device", {"bootdev": "pxe"}, user="alice"))
    boot = emulator.system()["Boot"]
    assert isinstance(boot, dict)
    assert boot["BootSourceOverrideTarget"] == "Pxe"
    assert boot["BootSourceOverrideEnabled"] == "Continuous"
    assert_empty_ok(redfish_api.put("/v0/node/n1/boot_device", {"bootdev": "disk"}, user="alice"))
    boot = emulator.system()["Boot"]
    assert isinstance(boot, dict) and boot["BootSourceOverrideTarget"] == "Hdd"
    assert_empty_ok(redfish_api.post("/v0/node/n1/power_on", user="alice"))
    wait_power(redfish_api, emulator, "On")
    assert_empty_ok(redfish_api.post("/v0/node/n1/power_off", user="alice"))
    wait_power(redfish_api, emulator, "Off")


def test_wrong_password_and_dead_bmc_are_502s(redfish_api: Api, emulator: RedfishEmulator) -> None:
    owned(redfish_api, emulator.obm(password="not-the-password"))
    msg = assert_error(redfish_api.post("/v0/node/n1/power_on", user="alice"), 502, "OBMError")
    assert "authentication" in msg and "not-the-password" not in msg
    dead = emulator.obm(address="http://127.0.0.1:9")
    assert_empty_ok(redfish_api.put("/v0/node/n2", {"obm": dead}))
    started = time.monotonic()
    msg = assert_error(redfish_api.get("/v0/node/n2/power_status"), 502, "OBMError")
    assert "unreachable" in msg
    assert time.monotonic() - started < 5


def test_tls_verification_option(redfish_api: Api, tmp_path: Path) -> None:
    emu = RedfishEmulator(tmp_path / "redfish-tls", tls=True).start()
    try:
        assert emu.cert is not None
        for node, verify in (("strict", True), ("ca", str(emu.cert)), ("off", False)):
            body = {"obm": emu.obm(verify=verify)}
            assert_empty_ok(redfish_api.put(f"/v0/node/{node}", body))
        msg = assert_error(redfish_api.get("/v0/node/strict/power_status"), 502, "OBMError")
        assert "CERTIFICATE_VERIFY_FAILED" in msg or "certificate" in msg.lower()
        assert_json(redfish_api.get("/v0/node/ca/power_status"), {"power_status": "Off"})
        assert_json(redfish_api.get("/v0/node/off/power_status"), {"power_status": "Off"})
    finally:
        emu.stop()


def test_registration_checks_redfish_fields(redfish_api: Api) -> None:
    obm = {
        "type": "redfish",
        "address": "bmc.example",
        "system_path": "/redfish/v1/Systems/1",
        "user": "u",
        "password": "p",
    }
    msg = assert_error(redfish_api.put("/v0/node/n1", {"obm": obm}), 400, "ValidationError")
    assert "obm.address" in msg
    msg = assert_error(
        redfish_api.put("/v0/node/n1", {"obm": {**obm, "address": "https://"}}),
        400,
        "ValidationError",
    )
    assert "obm.address" in msg and "names no host" in msg
    good = {**obm, "address": "https://bmc.example"}
    msg = assert_error(
        redfish_api.put("/v0/node/n1", {"obm": {**good, "sol_port": 0}}), 400, "ValidationError"
    )
    assert "obm.sol_port" in msg
    assert_error(redfish_api.get("/v0/node/n1"), 404, "NotFoundError")


def test_the_console_goes_through_ipmi_sol_on_the_bmcs_host_only_with_sol_port(
    redfish_api: Api,
) -> None:
    obm = {
        "type": "redfish",
        "address": "https://bmc-7.example:8443",
        "system_path": "/redfish/v1/Systems/1",
        "user": "root",
        "password": "calvin",
    }
    owned(redfish_api, obm)
    shown = redfish_api.get("/v0/node/n1/console", user="alice")
    msg = assert_error(shown, 400, "BadArgumentError")
    assert "has no serial console" in msg
    services = redfish_api.services
    with services.db.session() as db:
        node = db.scalars(select(m.Node).where(m.Node.label == "n1")).one()
        assert build_driver(services, node).console_command() is None
    assert_empty_ok(redfish_api.put("/v0/node/n2", {"obm": {**obm, "sol_port": 623}}))
    with services.db.session() as db:
        node = db.scalars(select(m.Node).where(m.Node.label == "n2")).one()
        command = build_driver(services, node).console_command()
    assert command is not None
    assert command.argv[:5] == ["ipmitool", "-I", "lanplus", "-H", "bmc-7.example"]
    assert command.argv[5:8] == ["-U", "root", "-E"]
    assert command.argv[8:10] == ["-p", "623"] and command.argv[-2:] == ["sol", "activate"]
    assert command.reset_argv is not None and command.reset_argv[-2:] == ["sol", "deactivate"]
    assert command.env == {"IPMI_PASSWORD": "calvin"}
    assert "calvin" not in " ".join(command.argv + command.reset_argv)

"""OBM calls through the mock driver (spec/api.md, "Out-of-band management (OBM) and console"):
authorization and check order, enabling, power, boot device, bad input."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from haas_core.db import models as m
from tests.support.app import Api
from tests.support.assertions import assert_empty_ok, assert_error, assert_json

OBM = {"type": "mock", "host": "bmc-n1.example", "user": "root", "password": "obm-secret-pw"}


def owned_node(api: Api, node: str = "n1", project: str = "p1") -> None:
    assert_empty_ok(api.put(f"/v0/node/{node}", {"obm": OBM}))
    assert_empty_ok(api.post(f"/v0/project/{project}/connect_node", {"node": node}))


def state(api: Api, node: str = "n1") -> m.Node:
    with api.services.db.session() as db:
        return db.scalars(select(m.Node).where(m.Node.label == node)).one()


def test_power_calls_change_the_mock_bmc_state_and_read_back(api: Api) -> None:
    owned_node(api)
    assert_json(api.get("/v0/node/n1/power_status", user="alice"), {"power_status": "Off"})
    assert_empty_ok(api.post("/v0/node/n1/power_on", user="alice"))
    assert_json(api.get("/v0/node/n1/power_status", user="alice"), {"power_status": "On"})
    assert_empty_ok(api.post("/v0/node/n1/power_off", user="alice"))
    assert_json(api.get("/node/n1/power_status", user="alice"), {"power_status": "Off"})
    assert_empty_ok(api.post("/v0/node/n1/power_cycle", user="alice"))
    assert_empty_ok(api.post("/v0/node/n1/power_cycle", {"force": True}, user="alice"))
    assert state(api).obm_state["cycles"] == 2
    assert_json(api.get("/v0/node/n1/power_status", user="alice"), {"power_status": "On"})


@pytest.mark.parametrize("bootdev", ["pxe", "disk", "none"])
def test_boot_device_is_set_persistently(api: Api, bootdev: str) -> None:
    owned_node(api)
    assert_empty_ok(api.put("/v0/node/n1/boot_device", {"bootdev": bootdev}, user="alice"))
    assert state(api).obm_state["bootdev"] == bootdev


def test_unknown_boot_device_is_a_400_and_changes_nothing(api: Api) -> None:
    owned_node(api)
    msg = assert_error(
        api.put("/v0/node/n1/boot_device", {"bootdev": "floppy"}, user="alice"),
        400,
        "BadArgumentError",
    )
    assert "floppy" in msg and "pxe" in msg
    assert "bootdev" not in state(api).obm_state


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/node/n1/boot_device", {}),
        ("PUT", "/node/n1/boot_device", {"bootdev": 1}),
        ("POST", "/node/n1/power_cycle", {"force": "yes"}),
        ("POST", "/node/n1/power_on", {"force": True}),
        ("PUT", "/node/n1/obm", {"enabled": "true"}),
        ("PUT", "/node/n1/obm", {}),
    ],
)
def test_bad_bodies_are_400_validation_errors(
    api: Api, method: str, path: str, body: dict[str, object]
) -> None:
    owned_node(api)
    assert_error(api.request(method, "/v0" + path, body, user="alice"), 400, "ValidationError")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/node/n1/power_on", None),
        ("POST", "/node/n1/power_off", None),
        ("POST", "/node/n1/power_cycle", {"force": False}),
        ("GET", "/node/n1/power_status", None),
        ("PUT", "/node/n1/boot_device", {"bootdev": "pxe"}),
        ("GET", "/node/n1/console", None),
        ("PUT", "/node/n1/obm", {"enabled": False}),
    ],
)
def test_obm_calls_check_node_then_caller(
    api: Api, method: str, path: str, body: dict[str, object] | None
) -> None:
    assert_error(api.request(method, "/v0" + path, body, user="alice"), 404, "NotFoundError")
    owned_node(api)
    assert_error(api.request(method, "/v0" + path, body, user="bob"), 403, "AuthorizationError")
    assert_error(api.request(method, "/v0" + path, body, user=None), 401, "AuthorizationError")


def test_a_free_node_is_managed_by_admins_only(api: Api) -> None:
    assert_empty_ok(api.put("/v0/node/n1", {"obm": OBM}))
    assert_error(api.post("/v0/node/n1/power_on", user="alice"), 403, "AuthorizationError")
    assert_empty_ok(api.post("/v0/node/n1/power_on"))
    assert_json(api.get("/v0/node/n1/power_status"), {"power_status": "On"})


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/node/n1/power_on", None),
        ("POST", "/node/n1/power_off", None),
        ("POST", "/node/n1/power_cycle", None),
        ("GET", "/node/n1/power_status", None),
        ("PUT", "/node/n1/boot_device", {"bootdev": "pxe"}),
        ("GET", "/node/n1/console", None),
        ("PUT", "/node/n1/console", None),
    ],
)
def test_obm_disabled_blocks_power_bootdev_and_console_with_409(
    api: Api, method: str, path: str, body: dict[str, object] | None
) -> None:
    owned_node(api)
    assert_empty_ok(api.put("/v0/node/n1/obm", {"enabled": False}, user="alice"))
    assert state(api).obm_enabled is False
    msg = assert_error(api.request(method, "/v0" + path, body, user="alice"), 409, "BlockedError")
    assert "disabled" in msg
    assert state(api).obm_state == {}


def test_enable_after_disable_restores_power_calls(api: Api) -> None:
    owned_node(api)
    assert_empty_ok(api.put("/v0/node/n1/obm", {"enabled": False}, user="alice"))
    assert_empty_ok(api.put("/v0/node/n1/obm", {"enabled": True}, user="alice"))
    assert_empty_ok(api.post("/v0/node/n1/power_on", user="alice"))


def test_detach_disables_obm_so_the_next_owner_must_enable_it(api: Api) -> None:
    owned_node(api)
    assert_empty_ok(api.post("/v0/project/p1/detach_node", {"node": "n1"}, user="alice"))
    assert state(api).obm_enabled is False
    assert_error(api.post("/v0/node/n1/power_on", user="alice"), 403, "AuthorizationError")
    assert_empty_ok(api.post("/v0/project/p2/connect_node", {"node": "n1"}, user="bob"))
    assert_error(api.post("/v0/node/n1/power_on", user="bob"), 409, "BlockedError")
    assert_empty_ok(api.put("/v0/node/n1/obm", {"enabled": True}, user="bob"))
    assert_empty_ok(api.post("/v0/node/n1/power_on", user="bob"))


def test_console_of_a_driver_without_one_is_a_400(api: Api) -> None:
    owned_node(api)
    msg = assert_error(api.get("/v0/node/n1/console", user="alice"), 400, "BadArgumentError")
    assert "console" in msg


def test_node_register_refuses_unknown_obm_type_and_fields(api: Api) -> None:
    assert_error(
        api.put("/v0/node/n1", {"obm": {**OBM, "type": "nosuch"}}), 400, "BadArgumentError"
    )
    msg = assert_error(
        api.put("/v0/node/n1", {"obm": {**OBM, "colour": "red"}}), 400, "ValidationError"
    )
    assert "obm.colour" in msg
    assert_error(
        api.put("/v0/node/n1", {"obmd": {"uri": "file:///etc/passwd", "admin_token": "x"}}),
        400,
        "BadArgumentError",
    )
    assert_error(api.get("/v0/node/n1"), 404, "NotFoundError")

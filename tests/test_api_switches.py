"""Switches, ports and the cabling of ports to NICs (spec/api.md section 4,
"Switches and ports")."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import webtest
from sqlalchemy import func, select

from haas_core.db import models as m
from tests.support.agent import agent_thread, wait_for_action
from tests.support.app import Api
from tests.support.assertions import assert_empty_ok, assert_error

SWITCH_URL = "http://schema.massopencloud.org/haas/v0/switches/mock"
SWITCH = {
    "type": "mock",
    "hostname": "sw1.example",
    "username": "sw-admin",
    "password": "sw-secret-pw",
}
OBM = {"type": "mock", "host": "bmc", "user": "root", "password": "pw"}
#: A port label with slashes, as written in a path and %2F-encoded.
PORT_FORMS = pytest.mark.parametrize(
    "port_path", ["gi1/0/1", "gi1%2F0%2F1", "gi1%2f0%2f1", "gi1/0%2F1"]
)


# ------------------------------------------------------------------ helpers


def assert_not_found(resp: webtest.TestResponse, msg: str) -> None:
    assert resp.status_int == 404, resp.text
    assert resp.content_type == "application/json"
    assert resp.json == {"type": "NotFoundError", "msg": msg}


def register_switch(api: Api, name: str = "s1", **overrides: Any) -> None:
    assert_empty_ok(api.put(f"/v0/switch/{name}", {**SWITCH, **overrides}))


def register_port(api: Api, port: str = "gi1/0/1", switch: str = "s1") -> None:
    assert_empty_ok(api.put(f"/v0/switch/{switch}/port/{port}"))


def register_node_with_nic(api: Api, node: str = "n1", nic: str = "eth0") -> None:
    if api.get(f"/v0/node/{node}").status_int == 404:
        assert_empty_ok(api.put(f"/v0/node/{node}", {"obm": OBM}))
    assert_empty_ok(api.put(f"/v0/node/{node}/nic/{nic}", {"macaddr": f"mac-{node}-{nic}"}))


def connect(api: Api, port: str = "gi1/0/1", node: str = "n1", nic: str = "eth0") -> None:
    assert_empty_ok(api.post(f"/v0/switch/s1/port/{port}/connect_nic", {"node": node, "nic": nic}))


def cabled_world(api: Api) -> None:
    """Switch s1 with port gi1/0/1 cabled to NIC eth0 of node n1."""
    register_switch(api)
    register_port(api)
    register_node_with_nic(api)
    connect(api)


def switch_row(api: Api, name: str) -> m.Switch | None:
    with api.services.db.session() as db:
        return db.scalars(select(m.Switch).where(m.Switch.label == name)).one_or_none()


def count(api: Api, model: type[m.Base]) -> int:
    with api.services.db.session() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def add_action(api: Api, status: str) -> None:
    """Record a networking action on n1's eth0 directly in the database."""
    with api.services.db.session() as db, db.begin():
        nic = db.scalars(select(m.Nic).where(m.Nic.label == "eth0")).one()
        assert nic.port is not None
        db.add(
            m.NetworkingAction(
                uuid=str(uuid.uuid4()),
                type="modify_port",
                status=status,
                nic_id=nic.id,
                switch_id=nic.port.owner_id,
                node_label="n1",
                nic_label="eth0",
                port_id=nic.port_id,
                port_label=nic.port.label,
                channel="vlan/native",
            )
        )


# ------------------------------------------------------------------ switch_register


@pytest.mark.parametrize("type_name", ["mock", SWITCH_URL])
def test_switch_register_accepts_short_name_and_hil_type_url(api: Api, type_name: str) -> None:
    assert_empty_ok(api.put("/v0/switch/s1", {**SWITCH, "type": type_name}))
    resp = api.get("/v0/switch/s1")
    assert resp.status_int == 200
    assert resp.content_type == "application/json"
    assert resp.json == {"name": "s1", "ports": [], "capabilities": ["nativeless-trunk-mode"]}
    row = switch_row(api, "s1")
    assert row is not None
    assert row.driver == "mock"
    assert row.driver_info["hostname"] == "sw1.example"
    assert row.driver_info["username"] == "sw-admin"


def test_switch_password_is_stored_encrypted(api: Api) -> None:
    register_switch(api)
    row = switch_row(api, "s1")
    assert row is not None
    assert row.driver_info["password"] != SWITCH["password"]
    assert SWITCH["password"] not in json.dumps(row.driver_info)
    opened = api.services.secrets.open(row.driver_info, ["password"])
    assert opened["password"] == SWITCH["password"]


def test_show_switch_never_returns_credentials(api: Api) -> None:
    register_switch(api)
    register_port(api)
    text = api.get("/v0/switch/s1").text
    for secret in (SWITCH["password"], SWITCH["username"], SWITCH["hostname"], "password"):
        assert secret not in text
    assert set(api.get("/v0/switch/s1").json) == {"name", "ports", "capabilities"}


def test_switch_register_duplicate_is_409_and_keeps_the_original(api: Api) -> None:
    register_switch(api)
    msg = assert_error(
        api.put("/v0/switch/s1", {**SWITCH, "hostname": "other.example"}), 409, "DuplicateError"
    )
    assert "s1" in msg
    row = switch_row(api, "s1")
    assert row is not None and row.driver_info["hostname"] == "sw1.example"
    assert count(api, m.Switch) == 1


@pytest.mark.parametrize(
    "type_name",
    ["nosuch", "Mock", "http://schema.massopencloud.org/haas/v0/switches/nosuch", ""],
)
def test_switch_register_unknown_type_is_bad_argument(api: Api, type_name: str) -> None:
    msg = assert_error(
        api.put("/v0/switch/s1", {**SWITCH, "type": type_name}), 400, "BadArgumentError"
    )
    assert repr(type_name) in msg
    assert api.get("/v0/switches").json == []


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({k: v for k, v in SWITCH.items() if k != "type"}, "type"),
        ({**SWITCH, "type": 5}, "type"),
        ({**SWITCH, "type": None}, "type"),
        ({k: v for k, v in SWITCH.items() if k != "hostname"}, "hostname"),
        ({k: v for k, v in SWITCH.items() if k != "password"}, "password"),
        ({**SWITCH, "username": 7}, "username"),
        ({**SWITCH, "password": None}, "password"),
        ({**SWITCH, "dummy_vlan": "2"}, "dummy_vlan"),
        ({**SWITCH, "interface_type": "GigabitEthernet"}, "interface_type"),
    ],
    ids=[
        "missing-type",
        "int-type",
        "null-type",
        "missing-hostname",
        "missing-password",
        "int-username",
        "null-password",
        "unknown-dummy_vlan",
        "unknown-interface_type",
    ],
)
def test_switch_register_bad_fields_are_validation_errors_naming_the_key(
    api: Api, body: dict[str, Any], key: str
) -> None:
    msg = assert_error(api.put("/v0/switch/s1", body), 400, "ValidationError")
    assert key in msg
    assert api.get("/v0/switches").json == []
    assert count(api, m.Switch) == 0


def test_switch_register_bad_field_message_does_not_echo_the_password(api: Api) -> None:
    resp = api.put("/v0/switch/s1", {**SWITCH, "hostname": 5})
    assert_error(resp, 400, "ValidationError")
    assert SWITCH["password"] not in resp.text


def test_switch_calls_require_admin(api: Api) -> None:
    register_switch(api)
    register_port(api)
    calls = [
        ("PUT", "/v0/switch/s2", SWITCH),
        ("DELETE", "/v0/switch/s1", None),
        ("GET", "/v0/switch/s1", None),
        ("GET", "/v0/switches", None),
        ("PUT", "/v0/switch/s1/port/gi1/0/2", None),
        ("DELETE", "/v0/switch/s1/port/gi1/0/1", None),
        ("GET", "/v0/switch/s1/port/gi1/0/1", None),
        ("POST", "/v0/switch/s1/port/gi1/0/1/connect_nic", {"node": "n1", "nic": "eth0"}),
        ("POST", "/v0/switch/s1/port/gi1/0/1/detach_nic", None),
    ]
    for method, path, body in calls:
        for user, status in (("alice", 403), ("bob", 403), (None, 401)):
            resp = api.request(method, path, body, user=user)
            assert_error(resp, status, "AuthorizationError")
    assert api.get("/v0/switches").json == ["s1"]
    assert api.get("/v0/switch/s1").json["ports"] == [{"label": "gi1/0/1"}]


# ------------------------------------------------------------------ list/show/delete switch


def test_list_switches_is_sorted(api: Api) -> None:
    assert api.get("/v0/switches").json == []
    for name in ("sw-b", "sw-a", "core10", "core2"):
        register_switch(api, name)
    assert api.get("/v0/switches").json == ["core10", "core2", "sw-a", "sw-b"]


def test_show_switch_of_missing_switch_is_404(api: Api) -> None:
    assert_not_found(api.get("/v0/switch/s9"), "Switch s9 does not exist.")


def test_switch_delete_removes_the_switch(api: Api) -> None:
    register_switch(api, "s1")
    register_switch(api, "s2")
    assert_empty_ok(api.delete("/v0/switch/s1"))
    assert api.get("/v0/switches").json == ["s2"]
    assert_not_found(api.get("/v0/switch/s1"), "Switch s1 does not exist.")
    register_switch(api, "s1")  # the label is free again


def test_switch_delete_of_missing_switch_is_404(api: Api) -> None:
    assert_not_found(api.delete("/v0/switch/s9"), "Switch s9 does not exist.")


def test_switch_delete_is_blocked_while_ports_exist(api: Api) -> None:
    register_switch(api)
    register_port(api)
    assert_error(api.delete("/v0/switch/s1"), 409, "BlockedError")
    assert api.get("/v0/switches").json == ["s1"]
    assert_empty_ok(api.delete("/v0/switch/s1/port/gi1/0/1"))
    assert_empty_ok(api.delete("/v0/switch/s1"))
    assert api.get("/v0/switches").json == []


# ------------------------------------------------------------------ ports


@PORT_FORMS
def test_switch_register_port_with_slashes_in_any_encoding(api: Api, port_path: str) -> None:
    register_switch(api)
    assert_empty_ok(api.put(f"/v0/switch/s1/port/{port_path}"))
    assert api.get("/v0/switch/s1").json["ports"] == [{"label": "gi1/0/1"}]
    for form in ("gi1/0/1", "gi1%2F0%2F1"):
        resp = api.get(f"/v0/switch/s1/port/{form}")
        assert resp.status_int == 200
        assert resp.content_type == "application/json"
        assert resp.json == {}


def test_switch_register_port_without_prefix(api: Api) -> None:
    register_switch(api)
    assert_empty_ok(api.put("/switch/s1/port/1/0/10"))
    assert api.get("/switch/s1/port/1%2F0%2F10").json == {}


def test_show_switch_lists_ports_sorted(api: Api) -> None:
    register_switch(api)
    for port in ("te1/0/2", "gi1/0/2", "gi1/0/1", "eth0", "1/0/10"):
        register_port(api, port)
    assert api.get("/v0/switch/s1").json == {
        "name": "s1",
        "ports": [
            {"label": "1/0/10"},
            {"label": "eth0"},
            {"label": "gi1/0/1"},
            {"label": "gi1/0/2"},
            {"label": "te1/0/2"},
        ],
        "capabilities": ["nativeless-trunk-mode"],
    }


def test_switch_register_port_duplicate_is_409_in_either_encoding(api: Api) -> None:
    register_switch(api)
    register_port(api, "gi1/0/1")
    for form in ("gi1/0/1", "gi1%2F0%2F1"):
        msg = assert_error(api.put(f"/v0/switch/s1/port/{form}"), 409, "DuplicateError")
        assert "gi1/0/1" in msg
    assert api.get("/v0/switch/s1").json["ports"] == [{"label": "gi1/0/1"}]


def test_same_port_label_on_two_switches_is_fine(api: Api) -> None:
    register_switch(api, "s1")
    register_switch(api, "s2")
    register_port(api, "gi1/0/1", "s1")
    register_port(api, "gi1/0/1", "s2")
    assert api.get("/v0/switch/s2").json["ports"] == [{"label": "gi1/0/1"}]


@pytest.mark.parametrize("port", ["not%20a%20port", "gi1/0/1/2/3", "gi1//1", "gi-x", "gi1/0/"])
def test_switch_register_port_bad_name_is_bad_argument(api: Api, port: str) -> None:
    register_switch(api)
    assert_error(api.put(f"/v0/switch/s1/port/{port}"), 400, "BadArgumentError")
    assert api.get("/v0/switch/s1").json["ports"] == []


def test_switch_register_port_on_missing_switch_is_404(api: Api) -> None:
    assert_not_found(api.put("/v0/switch/s9/port/gi1/0/1"), "Switch s9 does not exist.")
    assert count(api, m.Port) == 0


def test_switch_register_port_takes_no_body(api: Api) -> None:
    register_switch(api)
    msg = assert_error(
        api.put("/v0/switch/s1/port/gi1/0/1", {"label": "x"}), 400, "ValidationError"
    )
    assert "label" in msg
    assert api.get("/v0/switch/s1").json["ports"] == []


def test_show_port_of_missing_port_or_switch_is_404(api: Api) -> None:
    register_switch(api)
    assert_not_found(
        api.get("/v0/switch/s1/port/gi1/0/9"), "Port gi1/0/9 on Switch s1 does not exist."
    )
    assert_not_found(
        api.get("/v0/switch/s1/port/gi1%2F0%2F9"), "Port gi1/0/9 on Switch s1 does not exist."
    )
    assert_not_found(api.get("/v0/switch/s9/port/gi1/0/1"), "Switch s9 does not exist.")


@PORT_FORMS
def test_switch_delete_port_in_any_encoding(api: Api, port_path: str) -> None:
    register_switch(api)
    register_port(api, "gi1/0/1")
    register_port(api, "gi1/0/2")
    assert_empty_ok(api.delete(f"/v0/switch/s1/port/{port_path}"))
    assert api.get("/v0/switch/s1").json["ports"] == [{"label": "gi1/0/2"}]
    assert_not_found(
        api.get("/v0/switch/s1/port/gi1/0/1"), "Port gi1/0/1 on Switch s1 does not exist."
    )


def test_switch_delete_port_of_missing_port_is_404(api: Api) -> None:
    register_switch(api)
    assert_not_found(
        api.delete("/v0/switch/s1/port/gi1/0/1"), "Port gi1/0/1 on Switch s1 does not exist."
    )


def test_switch_delete_port_is_blocked_while_a_nic_is_attached(api: Api) -> None:
    cabled_world(api)
    assert_error(api.delete("/v0/switch/s1/port/gi1/0/1"), 409, "BlockedError")
    assert api.get("/v0/switch/s1/port/gi1/0/1").json["nic"] == "eth0"
    assert_empty_ok(api.post("/v0/switch/s1/port/gi1/0/1/detach_nic"))
    assert_empty_ok(api.delete("/v0/switch/s1/port/gi1/0/1"))
    assert api.get("/v0/switch/s1").json["ports"] == []


# ------------------------------------------------------------------ port_connect_nic


@PORT_FORMS
def test_port_connect_nic_in_any_encoding(api: Api, port_path: str) -> None:
    register_switch(api)
    register_port(api)
    register_node_with_nic(api)
    assert_empty_ok(
        api.post(f"/v0/switch/s1/port/{port_path}/connect_nic", {"node": "n1", "nic": "eth0"})
    )
    assert api.get("/v0/switch/s1/port/gi1/0/1").json == {
        "node": "n1",
        "nic": "eth0",
        "networks": {},
    }
    nic = api.get("/v0/node/n1").json["nics"][0]
    assert (nic["port"], nic["switch"]) == ("gi1/0/1", "s1")


def test_show_port_shows_the_networks_of_the_nic(api: Api) -> None:
    cabled_world(api)
    assert_empty_ok(api.put("/v0/network/net1", {"owner": "admin", "access": "", "net_id": ""}))
    with api.services.db.session() as db, db.begin():
        nic = db.scalars(select(m.Nic)).one()
        net = db.scalars(select(m.Network)).one()
        db.add(m.NetworkAttachment(nic=nic, network=net, channel="vlan/native"))
    assert api.get("/v0/switch/s1/port/gi1%2F0%2F1").json == {
        "node": "n1",
        "nic": "eth0",
        "networks": {"vlan/native": "net1"},
    }


def test_port_connect_nic_refuses_a_port_already_taken(api: Api) -> None:
    cabled_world(api)
    register_node_with_nic(api, "n2", "eth0")
    msg = assert_error(
        api.post("/v0/switch/s1/port/gi1/0/1/connect_nic", {"node": "n2", "nic": "eth0"}),
        409,
        "DuplicateError",
    )
    assert "gi1/0/1" in msg
    assert api.get("/v0/switch/s1/port/gi1/0/1").json["node"] == "n1"
    assert api.get("/v0/node/n2").json["nics"][0]["port"] is None


def test_port_connect_nic_refuses_a_nic_already_cabled(api: Api) -> None:
    cabled_world(api)
    register_port(api, "gi1/0/2")
    msg = assert_error(
        api.post("/v0/switch/s1/port/gi1/0/2/connect_nic", {"node": "n1", "nic": "eth0"}),
        409,
        "DuplicateError",
    )
    assert "eth0" in msg
    assert api.get("/v0/switch/s1/port/gi1/0/2").json == {}
    assert api.get("/v0/node/n1").json["nics"][0]["port"] == "gi1/0/1"


def test_port_connect_nic_refuses_the_same_cable_twice(api: Api) -> None:
    cabled_world(api)
    assert_error(
        api.post("/v0/switch/s1/port/gi1/0/1/connect_nic", {"node": "n1", "nic": "eth0"}),
        409,
        "DuplicateError",
    )


def test_port_connect_nic_on_another_switch_is_refused_for_a_cabled_nic(api: Api) -> None:
    cabled_world(api)
    register_switch(api, "s2")
    register_port(api, "gi1/0/1", "s2")
    assert_error(
        api.post("/v0/switch/s2/port/gi1/0/1/connect_nic", {"node": "n1", "nic": "eth0"}),
        409,
        "DuplicateError",
    )
    assert api.get("/v0/switch/s2/port/gi1/0/1").json == {}


def test_port_connect_nic_missing_objects_are_404(api: Api) -> None:
    register_switch(api)
    register_port(api)
    register_node_with_nic(api)
    body = {"node": "n1", "nic": "eth0"}
    assert_not_found(
        api.post("/v0/switch/s9/port/gi1/0/1/connect_nic", body), "Switch s9 does not exist."
    )
    assert_not_found(
        api.post("/v0/switch/s1/port/gi1/0/9/connect_nic", body),
        "Port gi1/0/9 on Switch s1 does not exist.",
    )
    assert_not_found(
        api.post("/v0/switch/s1/port/gi1/0/1/connect_nic", {"node": "n9", "nic": "eth0"}),
        "Node n9 does not exist.",
    )
    assert_not_found(
        api.post("/v0/switch/s1/port/gi1/0/1/connect_nic", {"node": "n1", "nic": "eth9"}),
        "Nic eth9 on Node n1 does not exist.",
    )
    assert api.get("/v0/switch/s1/port/gi1/0/1").json == {}


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"nic": "eth0"}, "node"),
        ({"node": "n1"}, "nic"),
        ({"node": 1, "nic": "eth0"}, "node"),
        ({"node": "n1", "nic": "eth0", "port": "gi1/0/1"}, "port"),
        ({"node": "n1", "nic": "eth0", "channel": "vlan/native"}, "channel"),
    ],
)
def test_port_connect_nic_bad_body_names_the_key(api: Api, body: dict[str, Any], key: str) -> None:
    register_switch(api)
    register_port(api)
    register_node_with_nic(api)
    msg = assert_error(
        api.post("/v0/switch/s1/port/gi1/0/1/connect_nic", body), 400, "ValidationError"
    )
    assert key in msg
    assert api.get("/v0/switch/s1/port/gi1/0/1").json == {}


# ------------------------------------------------------------------ port_detach_nic


@PORT_FORMS
def test_port_detach_nic_in_any_encoding(api: Api, port_path: str) -> None:
    cabled_world(api)
    assert_empty_ok(api.post(f"/v0/switch/s1/port/{port_path}/detach_nic"))
    assert api.get("/v0/switch/s1/port/gi1/0/1").json == {}
    nic = api.get("/v0/node/n1").json["nics"][0]
    assert (nic["port"], nic["switch"]) == (None, None)
    # Both sides are free again.
    connect(api)
    assert api.get("/v0/switch/s1/port/gi1/0/1").json["nic"] == "eth0"


def test_port_detach_nic_of_a_free_port_is_404(api: Api) -> None:
    register_switch(api)
    register_port(api)
    msg = assert_error(api.post("/v0/switch/s1/port/gi1/0/1/detach_nic"), 404, "NotFoundError")
    assert "gi1/0/1" in msg


def test_port_detach_nic_missing_port_or_switch_is_404(api: Api) -> None:
    register_switch(api)
    assert_not_found(
        api.post("/v0/switch/s1/port/gi1/0/1/detach_nic"),
        "Port gi1/0/1 on Switch s1 does not exist.",
    )
    assert_not_found(
        api.post("/v0/switch/s9/port/gi1/0/1/detach_nic"), "Switch s9 does not exist."
    )


def test_port_detach_nic_is_blocked_while_the_node_is_owned(api: Api) -> None:
    cabled_world(api)
    assert_empty_ok(api.post("/v0/project/p1/connect_node", {"node": "n1"}))
    assert_error(api.post("/v0/switch/s1/port/gi1/0/1/detach_nic"), 409, "BlockedError")
    assert api.get("/v0/switch/s1/port/gi1/0/1").json["nic"] == "eth0"
    assert_empty_ok(api.post("/v0/project/p1/detach_node", {"node": "n1"}))
    assert_empty_ok(api.post("/v0/switch/s1/port/gi1/0/1/detach_nic"))


def test_port_detach_nic_is_blocked_by_a_pending_action(api: Api) -> None:
    cabled_world(api)
    revert = api.post("/v0/switch/s1/port/gi1%2F0%2F1/revert")
    assert revert.status_int == 202, revert.text
    msg = assert_error(api.post("/v0/switch/s1/port/gi1/0/1/detach_nic"), 409, "BlockedError")
    assert "pending" in msg.lower()
    assert api.get("/v0/switch/s1/port/gi1/0/1").json["nic"] == "eth0"


@pytest.mark.parametrize("status", ["DONE", "ERROR"])
def test_port_detach_nic_is_not_blocked_by_finished_actions(api: Api, status: str) -> None:
    cabled_world(api)
    add_action(api, status)
    assert_empty_ok(api.post("/v0/switch/s1/port/gi1/0/1/detach_nic"))
    assert api.get("/v0/switch/s1/port/gi1/0/1").json == {}


def test_port_detach_nic_takes_no_body(api: Api) -> None:
    cabled_world(api)
    msg = assert_error(
        api.post("/v0/switch/s1/port/gi1/0/1/detach_nic", {"node": "n1"}), 400, "ValidationError"
    )
    assert "node" in msg
    assert api.get("/v0/switch/s1/port/gi1/0/1").json["nic"] == "eth0"


def test_finished_actions_do_not_block_uncabling_and_deleting(api: Api) -> None:
    cabled_world(api)
    revert = api.post("/v0/switch/s1/port/gi1/0/1/revert")
    assert revert.status_int == 202, revert.text
    status_id = revert.json["status_id"]
    with agent_thread(api.services):
        assert wait_for_action(api, status_id)["status"] == "DONE"
    assert_empty_ok(api.post("/v0/switch/s1/port/gi1/0/1/detach_nic"))
    assert_empty_ok(api.delete("/v0/switch/s1/port/gi1/0/1"))
    assert_empty_ok(api.delete("/v0/switch/s1"))
    assert_empty_ok(api.delete("/v0/node/n1/nic/eth0"))
    assert_empty_ok(api.delete("/v0/node/n1"))
    assert api.get("/v0/switches").json == []
    assert api.get("/v0/nodes/all").json == []
    # The action's history outlives everything it touched.
    shown = api.get(f"/v0/networking_action/{status_id}")
    assert shown.status_int == 200
    assert shown.json["status"] == "DONE"
    assert shown.json["node"] == "n1"
    assert shown.json["nic"] == "eth0"

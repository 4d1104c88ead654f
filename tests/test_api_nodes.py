"""Nodes, NICs and metadata (spec/api.md section 4, "Nodes, NICs, metadata")."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from haas_core.db import models as m
from tests.conftest import USERS, MakeServices, seed_users
from tests.support.app import Api
from tests.support.assertions import assert_empty_ok, assert_error

OBM = {"type": "mock", "host": "bmc-n1.example", "user": "root", "password": "obm-secret-pw"}
OBM_URL = "http://schema.massopencloud.org/haas/v0/obm/mock"
OBMD = {"uri": "http://obmd.example:8080/node/n1", "admin_token": "obmd-admin-token-xyz"}
SWITCH = {"type": "mock", "hostname": "sw.example", "username": "sw-user", "password": "sw-pw"}


# ------------------------------------------------------------------ helpers


def register_node(api: Api, name: str = "n1", **extra: Any) -> None:
    assert_empty_ok(api.put(f"/v0/node/{name}", {"obm": dict(OBM), **extra}))


def register_nic(
    api: Api, node: str = "n1", nic: str = "eth0", mac: str = "de:ad:be:ef:00:01"
) -> None:
    assert_empty_ok(api.put(f"/v0/node/{node}/nic/{nic}", {"macaddr": mac}))


def give_to_project(api: Api, node: str = "n1", project: str = "p1") -> None:
    assert_empty_ok(api.post(f"/v0/project/{project}/connect_node", {"node": node}))


def cable(api: Api, node: str = "n1", nic: str = "eth0", port: str = "gi1/0/1") -> None:
    """Register switch s1 (if needed) and a port, and connect the port to the NIC."""
    if api.get("/v0/switch/s1").status_int == 404:
        assert_empty_ok(api.put("/v0/switch/s1", SWITCH))
    assert_empty_ok(api.put(f"/v0/switch/s1/port/{port}"))
    assert_empty_ok(api.post(f"/v0/switch/s1/port/{port}/connect_nic", {"node": node, "nic": nic}))


def node_row(api: Api, name: str) -> m.Node | None:
    with api.services.db.session() as db:
        return db.scalars(select(m.Node).where(m.Node.label == name)).one_or_none()


def count(api: Api, model: type[m.Base]) -> int:
    with api.services.db.session() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


# ------------------------------------------------------------------ node_register


def test_node_register_with_mock_obm_answers_empty_200_and_creates_a_free_node(api: Api) -> None:
    register_node(api)
    resp = api.get("/v0/node/n1")
    assert resp.status_int == 200
    assert resp.content_type == "application/json"
    assert resp.json == {"name": "n1", "project": None, "nics": [], "metadata": {}}
    assert api.get("/v0/nodes/free").json == ["n1"]
    row = node_row(api, "n1")
    assert row is not None
    assert row.obm_driver == "mock"
    assert row.obm_enabled is True
    assert row.obm_info is not None
    assert row.obm_info["host"] == "bmc-n1.example"
    assert row.obm_info["user"] == "root"


def test_node_register_accepts_hil_obm_type_url(api: Api) -> None:
    assert_empty_ok(api.put("/v0/node/n1", {"obm": {**OBM, "type": OBM_URL}}))
    row = node_row(api, "n1")
    assert row is not None and row.obm_driver == "mock"
    assert api.get("/v0/node/n1").json["name"] == "n1"


def test_node_register_obm_password_is_stored_encrypted(api: Api) -> None:
    register_node(api)
    row = node_row(api, "n1")
    assert row is not None and row.obm_info is not None
    stored = row.obm_info["password"]
    assert stored != OBM["password"]
    assert OBM["password"] not in json.dumps(row.obm_info)
    assert api.services.secrets.open(row.obm_info, ["password"])["password"] == OBM["password"]
    assert OBM["password"] not in api.get("/v0/node/n1").text


def test_node_register_errors_do_not_echo_the_obm_password(api: Api) -> None:
    resp = api.put("/v0/node/n1", {"obm": {**OBM, "host": 5}})
    assert_error(resp, 400, "ValidationError")
    assert OBM["password"] not in resp.text
    register_node(api)
    resp = api.put("/v0/node/n1", {"obm": OBM})
    assert_error(resp, 409, "DuplicateError")
    assert OBM["password"] not in resp.text


def test_node_register_with_obmd_stores_uri_and_encrypted_token(api: Api) -> None:
    assert_empty_ok(api.put("/v0/node/n1", {"obmd": OBMD}))
    assert api.get("/v0/node/n1").json == {
        "name": "n1",
        "project": None,
        "nics": [],
        "metadata": {},
    }
    row = node_row(api, "n1")
    assert row is not None
    assert row.obmd_uri == OBMD["uri"]
    assert row.obm_driver is None
    assert row.obm_enabled is False  # obmd nodes start disabled
    assert row.obmd_admin_token is not None
    assert OBMD["admin_token"] not in row.obmd_admin_token
    assert api.services.secrets.open_value(row.obmd_admin_token) == OBMD["admin_token"]


METADATA: dict[str, Any] = {
    "rack": "r12",
    "slot": 3,
    "weight": 12.5,
    "gpu": True,
    "retired": None,
    "tags": ["a", "b"],
    "bmc": {"vendor": "dell", "ports": [623]},
    "quoted": '"x"',
}


def test_node_register_with_metadata_returns_json_values(api: Api) -> None:
    register_node(api, metadata=METADATA)
    resp = api.get("/v0/node/n1")
    assert resp.json["metadata"] == METADATA
    # Not JSON-encoded a second time (HIL's defect): the raw body has a real number.
    assert '"slot": 3' in resp.text
    assert '"slot": "3"' not in resp.text


def test_node_register_with_obmd_and_metadata(api: Api) -> None:
    assert_empty_ok(api.put("/v0/node/n1", {"obmd": OBMD, "metadata": {"rack": "r1"}}))
    assert api.get("/v0/node/n1").json["metadata"] == {"rack": "r1"}


def test_node_register_duplicate_is_409_and_keeps_the_original(api: Api) -> None:
    register_node(api, metadata={"rack": "r1"})
    msg = assert_error(
        api.put("/v0/node/n1", {"obm": {**OBM, "host": "other"}, "metadata": {"rack": "r2"}}),
        409,
        "DuplicateError",
    )
    assert "n1" in msg
    assert api.get("/v0/node/n1").json["metadata"] == {"rack": "r1"}
    row = node_row(api, "n1")
    assert row is not None and row.obm_info is not None
    assert row.obm_info["host"] == "bmc-n1.example"


@pytest.mark.parametrize(
    "body",
    [{}, {"metadata": {"a": 1}}, {"obm": OBM, "obmd": OBMD}, {"obm": None}],
    ids=["nothing", "metadata-only", "both", "null-obm"],
)
def test_node_register_needs_exactly_one_of_obm_and_obmd(api: Api, body: dict[str, Any]) -> None:
    msg = assert_error(api.put("/v0/node/n1", body), 400, "ValidationError")
    assert "obm" in msg
    assert api.get("/v0/nodes/all").json == []


@pytest.mark.parametrize(
    "type_name", ["nosuch", "ipmi-but-not-installed", OBM_URL[:-4] + "nosuch"]
)
def test_node_register_unknown_obm_type_is_bad_argument(api: Api, type_name: str) -> None:
    msg = assert_error(
        api.put("/v0/node/n1", {"obm": {**OBM, "type": type_name}}), 400, "BadArgumentError"
    )
    assert type_name in msg
    assert_error(api.get("/v0/node/n1"), 404, "NotFoundError")


@pytest.mark.parametrize("obm_type", [None, 5, ["mock"]], ids=["missing", "int", "list"])
def test_node_register_obm_without_a_string_type_names_obm_type(api: Api, obm_type: Any) -> None:
    obm = {k: v for k, v in OBM.items() if k != "type"}
    if obm_type is not None:
        obm["type"] = obm_type
    msg = assert_error(api.put("/v0/node/n1", {"obm": obm}), 400, "ValidationError")
    assert "obm.type" in msg
    assert api.get("/v0/nodes/all").json == []


@pytest.mark.parametrize(
    ("obm", "key"),
    [
        ({k: v for k, v in OBM.items() if k != "host"}, "obm.host"),
        ({k: v for k, v in OBM.items() if k != "password"}, "obm.password"),
        ({**OBM, "password": 1234}, "obm.password"),
        ({**OBM, "user": None}, "obm.user"),
        ({**OBM, "port": 623}, "obm.port"),
    ],
    ids=["missing-host", "missing-password", "int-password", "null-user", "unknown-port"],
)
def test_node_register_bad_obm_fields_are_validation_errors_naming_the_key(
    api: Api, obm: dict[str, Any], key: str
) -> None:
    msg = assert_error(api.put("/v0/node/n1", {"obm": obm}), 400, "ValidationError")
    assert key in msg
    assert api.get("/v0/nodes/all").json == []


@pytest.mark.parametrize(
    ("obmd", "key"),
    [
        ({"uri": OBMD["uri"]}, "admin_token"),
        ({"admin_token": "t"}, "uri"),
        ({**OBMD, "uri": 5}, "uri"),
        ({**OBMD, "extra": "x"}, "extra"),
    ],
)
def test_node_register_bad_obmd_fields_name_the_key(
    api: Api, obmd: dict[str, Any], key: str
) -> None:
    msg = assert_error(api.put("/v0/node/n1", {"obmd": obmd}), 400, "ValidationError")
    assert key in msg
    assert api.get("/v0/nodes/all").json == []


@pytest.mark.parametrize("metadata", [[1, 2], "rack=r1", 5])
def test_node_register_metadata_must_be_an_object(api: Api, metadata: Any) -> None:
    msg = assert_error(
        api.put("/v0/node/n1", {"obm": OBM, "metadata": metadata}), 400, "ValidationError"
    )
    assert "metadata" in msg
    assert api.get("/v0/nodes/all").json == []


def test_node_register_unknown_top_level_key_is_named(api: Api) -> None:
    msg = assert_error(
        api.put("/v0/node/n1", {"obm": OBM, "project": "p1"}), 400, "ValidationError"
    )
    assert "project" in msg


def test_node_register_requires_admin(api: Api) -> None:
    assert_error(api.put("/v0/node/n1", {"obm": OBM}, user="alice"), 403, "AuthorizationError")
    assert_error(api.put("/v0/node/n1", {"obm": OBM}, user=None), 401, "AuthorizationError")
    assert api.get("/v0/nodes/all").json == []


# ------------------------------------------------------------------ node_delete


def test_node_delete_removes_the_node_and_its_metadata(api: Api) -> None:
    register_node(api, metadata={"rack": "r1", "slot": 2})
    register_node(api, "n2", metadata={"rack": "r2"})
    assert_empty_ok(api.delete("/v0/node/n1"))
    assert api.get("/v0/node/n1").json == {
        "type": "NotFoundError",
        "msg": "Node n1 does not exist.",
    }
    assert api.get("/v0/nodes/all").json == ["n2"]
    assert count(api, m.NodeMetadata) == 1
    # The label is free again, and the new node starts without the old metadata.
    register_node(api)
    assert api.get("/v0/node/n1").json["metadata"] == {}


def test_node_delete_of_missing_node_is_404(api: Api) -> None:
    resp = api.delete("/v0/node/n1")
    assert resp.status_int == 404
    assert resp.json == {"type": "NotFoundError", "msg": "Node n1 does not exist."}


def test_node_delete_is_blocked_while_the_node_has_nics(api: Api) -> None:
    register_node(api)
    register_nic(api)
    assert_error(api.delete("/v0/node/n1"), 409, "BlockedError")
    assert api.get("/v0/node/n1").json["nics"][0]["label"] == "eth0"
    assert_empty_ok(api.delete("/v0/node/n1/nic/eth0"))
    assert_empty_ok(api.delete("/v0/node/n1"))
    assert api.get("/v0/nodes/all").json == []


def test_node_delete_is_blocked_while_the_node_is_owned(api: Api) -> None:
    register_node(api)
    give_to_project(api)
    assert_error(api.delete("/v0/node/n1"), 409, "BlockedError")
    assert api.get("/v0/node/n1").json["project"] == "p1"
    assert_empty_ok(api.post("/v0/project/p1/detach_node", {"node": "n1"}))
    assert_empty_ok(api.delete("/v0/node/n1"))


def test_node_delete_requires_admin(api: Api) -> None:
    register_node(api)
    give_to_project(api)
    assert_empty_ok(api.post("/v0/project/p1/detach_node", {"node": "n1"}))
    assert_error(api.delete("/v0/node/n1", user="alice"), 403, "AuthorizationError")
    assert_error(api.delete("/v0/node/n1", user=None), 401, "AuthorizationError")
    assert api.get("/v0/nodes/all").json == ["n1"]


# ------------------------------------------------------------------ NICs


def test_node_register_nic_shows_in_show_node(api: Api) -> None:
    register_node(api)
    assert_empty_ok(api.put("/v0/node/n1/nic/eth0", {"macaddr": "de:ad:be:ef:00:01"}))
    assert api.get("/v0/node/n1").json == {
        "name": "n1",
        "project": None,
        "nics": [
            {
                "label": "eth0",
                "macaddr": "de:ad:be:ef:00:01",
                "networks": {},
                "port": None,
                "switch": None,
            }
        ],
        "metadata": {},
    }


def test_show_node_lists_nics_sorted_by_label(api: Api) -> None:
    register_node(api)
    for nic in ("eth2", "eth0", "ib1", "eth1"):
        register_nic(api, nic=nic, mac=f"mac-{nic}")
    nics = api.get("/v0/node/n1").json["nics"]
    assert [n["label"] for n in nics] == ["eth0", "eth1", "eth2", "ib1"]
    assert [n["macaddr"] for n in nics] == ["mac-eth0", "mac-eth1", "mac-eth2", "mac-ib1"]


def test_node_register_nic_duplicate_is_409_and_keeps_the_original(api: Api) -> None:
    register_node(api)
    register_nic(api, mac="aa:aa")
    msg = assert_error(
        api.put("/v0/node/n1/nic/eth0", {"macaddr": "bb:bb"}), 409, "DuplicateError"
    )
    assert "eth0" in msg
    nics = api.get("/v0/node/n1").json["nics"]
    assert [(n["label"], n["macaddr"]) for n in nics] == [("eth0", "aa:aa")]


def test_same_nic_label_on_two_nodes_is_fine(api: Api) -> None:
    register_node(api, "n1")
    register_node(api, "n2")
    register_nic(api, "n1", "eth0", "m1")
    register_nic(api, "n2", "eth0", "m2")
    assert api.get("/v0/node/n1").json["nics"][0]["macaddr"] == "m1"
    assert api.get("/v0/node/n2").json["nics"][0]["macaddr"] == "m2"


def test_node_register_nic_on_missing_node_is_404(api: Api) -> None:
    resp = api.put("/v0/node/n1/nic/eth0", {"macaddr": "aa"})
    assert resp.status_int == 404
    assert resp.json == {"type": "NotFoundError", "msg": "Node n1 does not exist."}


@pytest.mark.parametrize(
    "body", [{}, {"macaddr": 5}, {"macaddr": None}, {"macaddr": "aa", "port": "gi1/0/1"}]
)
def test_node_register_nic_bad_body_names_the_key(api: Api, body: dict[str, Any]) -> None:
    register_node(api)
    msg = assert_error(api.put("/v0/node/n1/nic/eth0", body), 400, "ValidationError")
    assert ("port" if "port" in body else "macaddr") in msg
    assert api.get("/v0/node/n1").json["nics"] == []


def test_node_register_nic_requires_admin(api: Api) -> None:
    register_node(api)
    give_to_project(api)
    body = {"macaddr": "aa"}
    assert_error(api.put("/v0/node/n1/nic/eth0", body, user="alice"), 403, "AuthorizationError")
    assert_error(api.put("/v0/node/n1/nic/eth0", body, user=None), 401, "AuthorizationError")
    assert api.get("/v0/node/n1").json["nics"] == []


def test_node_delete_nic_removes_only_that_nic(api: Api) -> None:
    register_node(api)
    register_nic(api, nic="eth0")
    register_nic(api, nic="eth1")
    assert_empty_ok(api.delete("/v0/node/n1/nic/eth0"))
    assert [n["label"] for n in api.get("/v0/node/n1").json["nics"]] == ["eth1"]
    # The label may be registered again.
    register_nic(api, nic="eth0", mac="new")
    assert api.get("/v0/node/n1").json["nics"][0]["macaddr"] == "new"


def test_node_delete_nic_missing_nic_or_node_is_404(api: Api) -> None:
    register_node(api)
    resp = api.delete("/v0/node/n1/nic/eth0")
    assert resp.status_int == 404
    assert resp.json == {"type": "NotFoundError", "msg": "Nic eth0 on Node n1 does not exist."}
    resp = api.delete("/v0/node/n9/nic/eth0")
    assert resp.status_int == 404
    assert resp.json == {"type": "NotFoundError", "msg": "Node n9 does not exist."}


def test_node_delete_nic_is_blocked_while_the_node_is_owned(api: Api) -> None:
    register_node(api)
    register_nic(api)
    give_to_project(api)
    assert_error(api.delete("/v0/node/n1/nic/eth0"), 409, "BlockedError")
    assert [n["label"] for n in api.get("/v0/node/n1").json["nics"]] == ["eth0"]


def test_node_delete_nic_is_blocked_by_a_pending_action(api: Api) -> None:
    register_node(api)
    register_nic(api)
    cable(api)
    assert api.post("/v0/switch/s1/port/gi1/0/1/revert").status_int == 202
    assert_error(api.delete("/v0/node/n1/nic/eth0"), 409, "BlockedError")
    assert [n["label"] for n in api.get("/v0/node/n1").json["nics"]] == ["eth0"]


def test_node_delete_nic_frees_its_port(api: Api) -> None:
    register_node(api)
    register_nic(api)
    cable(api)
    assert_empty_ok(api.delete("/v0/node/n1/nic/eth0"))
    assert api.get("/v0/switch/s1/port/gi1/0/1").json == {}
    # The port can be cabled to another NIC now.
    register_nic(api, nic="eth1")
    assert_empty_ok(
        api.post("/v0/switch/s1/port/gi1/0/1/connect_nic", {"node": "n1", "nic": "eth1"})
    )
    assert api.get("/v0/switch/s1/port/gi1/0/1").json == {
        "node": "n1",
        "nic": "eth1",
        "networks": {},
    }


def test_node_delete_nic_requires_admin(api: Api) -> None:
    register_node(api)
    register_nic(api)
    assert_error(api.delete("/v0/node/n1/nic/eth0", user="alice"), 403, "AuthorizationError")
    assert_error(api.delete("/v0/node/n1/nic/eth0", user=None), 401, "AuthorizationError")
    assert len(api.get("/v0/node/n1").json["nics"]) == 1


# ------------------------------------------------------------------ metadata


@pytest.mark.parametrize(
    "value",
    [
        "r12",
        "",
        '"quoted"',
        "{}",
        3,
        -7,
        2.5,
        True,
        False,
        None,
        [],
        [1, "a", None],
        {"k": {"n": [1]}},
    ],
)
def test_node_set_metadata_stores_any_json_value(api: Api, value: Any) -> None:
    register_node(api)
    assert_empty_ok(api.put("/v0/node/n1/metadata/key", {"value": value}))
    metadata = api.get("/v0/node/n1").json["metadata"]
    assert metadata == {"key": value}
    assert type(metadata["key"]) is type(value)


def test_node_set_metadata_upserts(api: Api) -> None:
    register_node(api, metadata={"rack": "r1", "slot": 1})
    assert_empty_ok(api.put("/v0/node/n1/metadata/rack", {"value": {"row": 4, "rack": "r7"}}))
    assert_empty_ok(api.put("/v0/node/n1/metadata/owner", {"value": "ops"}))
    assert api.get("/v0/node/n1").json["metadata"] == {
        "rack": {"row": 4, "rack": "r7"},
        "slot": 1,
        "owner": "ops",
    }
    assert count(api, m.NodeMetadata) == 3


def test_node_set_metadata_on_missing_node_is_404(api: Api) -> None:
    resp = api.put("/v0/node/n1/metadata/rack", {"value": "r1"})
    assert resp.status_int == 404
    assert resp.json == {"type": "NotFoundError", "msg": "Node n1 does not exist."}
    assert count(api, m.NodeMetadata) == 0


@pytest.mark.parametrize(
    ("body", "key"),
    [({}, "value"), ({"value": 1, "label": "x"}, "label"), ({"value": 1, "other": 2}, "other")],
)
def test_node_set_metadata_bad_body_names_the_key(
    api: Api, body: dict[str, Any], key: str
) -> None:
    register_node(api)
    msg = assert_error(api.put("/v0/node/n1/metadata/rack", body), 400, "ValidationError")
    assert key in msg
    assert api.get("/v0/node/n1").json["metadata"] == {}


def test_node_delete_metadata_removes_only_that_label(api: Api) -> None:
    register_node(api, metadata={"rack": "r1", "slot": 1})
    assert_empty_ok(api.delete("/v0/node/n1/metadata/rack"))
    assert api.get("/v0/node/n1").json["metadata"] == {"slot": 1}


def test_node_delete_metadata_missing_is_404(api: Api) -> None:
    register_node(api)
    msg = assert_error(api.delete("/v0/node/n1/metadata/rack"), 404, "NotFoundError")
    assert "rack" in msg and "n1" in msg
    resp = api.delete("/v0/node/n9/metadata/rack")
    assert resp.json == {"type": "NotFoundError", "msg": "Node n9 does not exist."}


def test_node_metadata_calls_require_admin(api: Api) -> None:
    register_node(api, metadata={"rack": "r1"})
    give_to_project(api)
    for user, status in (("alice", 403), (None, 401)):
        assert_error(
            api.put("/v0/node/n1/metadata/rack", {"value": "x"}, user=user),
            status,
            "AuthorizationError",
        )
        assert_error(
            api.delete("/v0/node/n1/metadata/rack", user=user), status, "AuthorizationError"
        )
    assert api.get("/v0/node/n1").json["metadata"] == {"rack": "r1"}


# ------------------------------------------------------------------ show_node


def test_show_node_of_free_node_is_visible_to_any_caller(api: Api) -> None:
    register_node(api, metadata={"rack": "r1"})
    register_nic(api)
    for user in ("admin", "alice", "bob"):
        resp = api.get("/v0/node/n1", user=user)
        assert resp.status_int == 200, user
        assert resp.json["name"] == "n1"
        assert resp.json["metadata"] == {"rack": "r1"}
    assert_error(api.get("/v0/node/n1", user=None), 401, "AuthorizationError")


def test_show_node_shows_port_and_switch_to_admins_only(api: Api) -> None:
    register_node(api)
    register_nic(api)
    cable(api)
    nic_for_admin = api.get("/v0/node/n1").json["nics"][0]
    assert nic_for_admin == {
        "label": "eth0",
        "macaddr": "de:ad:be:ef:00:01",
        "networks": {},
        "port": "gi1/0/1",
        "switch": "s1",
    }
    for user in ("alice", "bob"):
        nics = api.get("/v0/node/n1", user=user).json["nics"]
        assert nics == [{"label": "eth0", "macaddr": "de:ad:be:ef:00:01", "networks": {}}]


def test_show_node_of_owned_node_only_for_its_project_and_admins(api: Api) -> None:
    register_node(api, metadata={"rack": "r1"})
    register_nic(api)
    give_to_project(api)
    as_alice = api.get("/v0/node/n1", user="alice")
    assert as_alice.status_int == 200
    assert as_alice.json == {
        "name": "n1",
        "project": "p1",
        "nics": [{"label": "eth0", "macaddr": "de:ad:be:ef:00:01", "networks": {}}],
        "metadata": {"rack": "r1"},
    }
    as_admin = api.get("/v0/node/n1")
    assert as_admin.json["project"] == "p1"
    assert as_admin.json["nics"][0]["port"] is None
    assert_error(api.get("/v0/node/n1", user="bob"), 403, "AuthorizationError")
    assert_error(api.get("/v0/node/n1", user=None), 401, "AuthorizationError")


def test_show_node_shows_attached_networks_by_channel(api: Api) -> None:
    register_node(api)
    register_nic(api)
    assert_empty_ok(api.put("/v0/network/net1", {"owner": "admin", "access": "", "net_id": ""}))
    with api.services.db.session() as db, db.begin():
        nic = db.scalars(select(m.Nic)).one()
        net = db.scalars(select(m.Network)).one()
        db.add(m.NetworkAttachment(nic=nic, network=net, channel="vlan/native"))
    assert api.get("/v0/node/n1").json["nics"][0]["networks"] == {"vlan/native": "net1"}


def test_show_node_of_missing_node_is_404_for_anyone(api: Api) -> None:
    for user in ("admin", "alice"):
        resp = api.get("/v0/node/n1", user=user)
        assert resp.status_int == 404
        assert resp.json == {"type": "NotFoundError", "msg": "Node n1 does not exist."}


# ------------------------------------------------------------------ list_nodes


def test_list_nodes_free_and_all_are_sorted(api: Api) -> None:
    for name in ("n3", "n10", "n1", "n2"):
        register_node(api, name)
    give_to_project(api, "n2", "p1")
    give_to_project(api, "n10", "p2")
    for user in ("admin", "alice", "bob"):
        assert api.get("/v0/nodes/free", user=user).json == ["n1", "n3"]
        assert api.get("/v0/nodes/all", user=user).json == ["n1", "n10", "n2", "n3"]
    # Anything other than "free" means all nodes.
    assert api.get("/v0/nodes/anything").json == ["n1", "n10", "n2", "n3"]


def test_list_nodes_of_empty_world_is_an_empty_list(api: Api) -> None:
    resp = api.get("/v0/nodes/free")
    assert resp.status_int == 200
    assert resp.content_type == "application/json"
    assert resp.json == []


def test_list_nodes_requires_authentication(api: Api) -> None:
    assert_error(api.get("/v0/nodes/free", user=None), 401, "AuthorizationError")


# ------------------------------------------------------------------ authentication off


@pytest.fixture
def open_api(make_services: MakeServices) -> Api:
    """The default world with ``[api] require_authentication = false``."""
    services = make_services({"api": {"require_authentication": "false"}})
    seed_users(services, USERS)
    return Api(services, {name: pw for name, (pw, _, _) in USERS.items()})


def test_without_required_authentication_anyone_sees_free_nodes(open_api: Api) -> None:
    register_node(open_api, "n1", metadata={"rack": "r1"})
    register_node(open_api, "n2")
    register_nic(open_api)
    give_to_project(open_api, "n2", "p1")
    assert open_api.get("/v0/nodes/free", user=None).json == ["n1"]
    assert open_api.get("/v0/nodes/all", user=None).json == ["n1", "n2"]
    assert open_api.get("/v0/node/n1", user=None).json == {
        "name": "n1",
        "project": None,
        "nics": [{"label": "eth0", "macaddr": "de:ad:be:ef:00:01", "networks": {}}],
        "metadata": {"rack": "r1"},
    }
    # An owned node still needs its project, and admin calls still need an admin.
    assert_error(open_api.get("/v0/node/n2", user=None), 401, "AuthorizationError")
    assert open_api.get("/v0/node/n2", user="alice").status_int == 200
    assert_error(open_api.put("/v0/node/n3", {"obm": OBM}, user=None), 401, "AuthorizationError")
    assert_error(open_api.delete("/v0/node/n1", user=None), 401, "AuthorizationError")
    assert open_api.get("/v0/nodes/all", user=None).json == ["n1", "n2"]


def test_null_auth_makes_every_caller_an_admin(make_services: MakeServices) -> None:
    api = Api(make_services({"plugins": {"auth": "null"}}))
    assert_empty_ok(api.put("/v0/node/n1", {"obm": OBM}, user=None))
    assert_empty_ok(api.put("/v0/node/n1/nic/eth0", {"macaddr": "aa"}, user=None))
    assert api.get("/v0/node/n1", user=None).json["nics"] == [
        {"label": "eth0", "macaddr": "aa", "networks": {}, "port": None, "switch": None}
    ]

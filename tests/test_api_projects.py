"""Projects (spec/api.md section 4, "Projects"): create, delete and what blocks it,
connecting and detaching nodes, and the per-project listings."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from haas_core.db import models as m
from tests.support.app import Api
from tests.support.assertions import assert_empty_ok, assert_error, assert_json
from tests.support.world import attach, queue_action

OBM = {"type": "mock", "host": "bmc", "user": "root", "password": "pw"}
PUBLIC = {"owner": "admin", "access": "", "net_id": ""}


# ------------------------------------------------------------------ helpers


def register_node(api: Api, node: str, *nics: str) -> None:
    assert_empty_ok(api.put(f"/v0/node/{node}", {"obm": OBM}))
    for i, nic in enumerate(nics):
        assert_empty_ok(
            api.put(f"/v0/node/{node}/nic/{nic}", {"macaddr": f"00:00:00:00:00:{i:02x}"})
        )


def connect(api: Api, project: str, node: str) -> None:
    assert_empty_ok(api.post(f"/v0/project/{project}/connect_node", {"node": node}))


def add_headnode(api: Api, project: str, label: str) -> None:
    with api.services.db.session() as db, db.begin():
        proj = db.scalars(select(m.Project).where(m.Project.label == project)).one()
        db.add(m.Headnode(label=label, project=proj, base_img="centos", uuid=str(uuid.uuid4())))


# ------------------------------------------------------------------ list_projects


def test_list_projects_returns_sorted_labels(api: Api) -> None:
    for name in ("zeta", "alpha", "p10"):
        assert_empty_ok(api.put(f"/v0/project/{name}"))
    assert_json(api.get("/v0/projects"), ["alpha", "p1", "p10", "p2", "zeta"])


def test_list_projects_is_admin_only(api: Api) -> None:
    assert_error(api.get("/v0/projects", user="alice"), 403, "AuthorizationError")
    assert_error(api.get("/v0/projects", user=None), 401, "AuthorizationError")


# ------------------------------------------------------------------ project_create


def test_project_create_answers_empty_200_and_the_project_is_listed(api: Api) -> None:
    assert_empty_ok(api.put("/v0/project/p3"))
    assert_json(api.get("/v0/projects"), ["p1", "p2", "p3"])
    assert_json(api.get("/v0/project/p3/nodes"), [])


def test_project_create_of_existing_label_is_duplicate_error(api: Api) -> None:
    assert_error(api.put("/v0/project/p1"), 409, "DuplicateError", "Project p1 already exists.")
    assert_json(api.get("/v0/projects"), ["p1", "p2"])


def test_project_create_takes_no_body_keys(api: Api) -> None:
    msg = assert_error(api.put("/v0/project/p3", {"name": "x"}), 400, "ValidationError")
    assert "'name'" in msg
    assert_json(api.get("/v0/projects"), ["p1", "p2"])


def test_project_create_by_non_admin_is_forbidden_and_creates_nothing(api: Api) -> None:
    assert_error(api.put("/v0/project/p3", user="alice"), 403, "AuthorizationError")
    assert_json(api.get("/v0/projects"), ["p1", "p2"])


# ------------------------------------------------------------------ project_delete


def test_project_delete_removes_the_project(api: Api) -> None:
    assert_empty_ok(api.put("/v0/project/p3"))
    assert_empty_ok(api.delete("/v0/project/p3"))
    assert_json(api.get("/v0/projects"), ["p1", "p2"])


def test_project_delete_of_missing_project_is_not_found(api: Api) -> None:
    assert_error(api.delete("/v0/project/p9"), 404, "NotFoundError", "Project p9 does not exist.")


def test_project_delete_twice_is_not_found_the_second_time(api: Api) -> None:
    assert_empty_ok(api.put("/v0/project/p3"))
    assert_empty_ok(api.delete("/v0/project/p3"))
    assert_error(api.delete("/v0/project/p3"), 404, "NotFoundError", "Project p3 does not exist.")


def test_project_delete_is_blocked_while_it_has_nodes(api: Api) -> None:
    register_node(api, "n1")
    connect(api, "p1", "n1")
    assert_error(api.delete("/v0/project/p1"), 409, "BlockedError")
    assert "p1" in api.get("/v0/projects").json
    assert_empty_ok(api.post("/v0/project/p1/detach_node", {"node": "n1"}))
    assert_empty_ok(api.delete("/v0/project/p1"))
    assert_json(api.get("/v0/projects"), ["p2"])


def test_project_delete_is_blocked_while_it_owns_networks(api: Api) -> None:
    body = {"owner": "p1", "access": "p1", "net_id": ""}
    assert_empty_ok(api.put("/v0/network/net1", body))
    assert_error(api.delete("/v0/project/p1"), 409, "BlockedError")
    assert_empty_ok(api.delete("/v0/network/net1"))
    assert_empty_ok(api.delete("/v0/project/p1"))


def test_project_delete_is_blocked_while_on_a_network_access_list(api: Api) -> None:
    assert_empty_ok(api.put("/v0/network/prov", {"owner": "admin", "access": "p1", "net_id": ""}))
    assert_error(api.delete("/v0/project/p1"), 409, "BlockedError")
    assert_empty_ok(api.delete("/v0/network/prov/access/p1"))
    assert_empty_ok(api.delete("/v0/project/p1"))


def test_project_delete_is_blocked_by_access_granted_to_another_projects_network(
    api: Api,
) -> None:
    assert_empty_ok(api.put("/v0/network/net2", {"owner": "p2", "access": "p2", "net_id": ""}))
    assert_empty_ok(api.put("/v0/network/net2/access/p1"))
    assert_error(api.delete("/v0/project/p1"), 409, "BlockedError")
    assert_json(
        api.get("/v0/network/net2"),
        {
            "name": "net2",
            "channels": ["vlan/native", "vlan/100"],
            "owner": "p2",
            "access": ["p1", "p2"],
            "connected-nodes": {},
        },
    )


def test_project_delete_is_blocked_while_it_has_headnodes(api: Api) -> None:
    add_headnode(api, "p1", "hn1")
    assert_error(api.delete("/v0/project/p1"), 409, "BlockedError")
    assert "p1" in api.get("/v0/projects").json


def test_project_delete_ends_memberships_so_a_new_project_of_that_name_is_not_inherited(
    api: Api,
) -> None:
    assert_empty_ok(api.put("/v0/project/p3"))
    assert_empty_ok(api.post("/v0/auth/basic/user/alice/add_project", {"project": "p3"}))
    assert_json(api.get("/v0/project/p3/nodes", user="alice"), [])
    assert_empty_ok(api.delete("/v0/project/p3"))
    assert api.get("/v0/auth/basic/users").json["alice"]["projects"] == ["p1"]
    assert_empty_ok(api.put("/v0/project/p3"))
    assert_error(api.get("/v0/project/p3/nodes", user="alice"), 403, "AuthorizationError")


def test_project_delete_is_admin_only(api: Api) -> None:
    assert_error(api.delete("/v0/project/p1", user="alice"), 403, "AuthorizationError")
    assert "p1" in api.get("/v0/projects").json


# ------------------------------------------------------------------ project_connect_node


def test_member_connects_a_free_node_to_their_project(api: Api) -> None:
    register_node(api, "n1")
    register_node(api, "n2")
    assert_empty_ok(api.post("/v0/project/p1/connect_node", {"node": "n1"}, user="alice"))
    assert_json(api.get("/v0/project/p1/nodes", user="alice"), ["n1"])
    assert_json(api.get("/v0/nodes/free", user="alice"), ["n2"])
    assert api.get("/v0/node/n1", user="alice").json["project"] == "p1"


def test_admin_connects_a_node_to_any_project(api: Api) -> None:
    register_node(api, "n1")
    assert_empty_ok(api.post("/v0/project/p2/connect_node", {"node": "n1"}))
    assert_json(api.get("/v0/project/p2/nodes", user="bob"), ["n1"])


def test_connect_node_of_a_node_owned_by_another_project_is_blocked(api: Api) -> None:
    register_node(api, "n1")
    connect(api, "p2", "n1")
    resp = api.post("/v0/project/p1/connect_node", {"node": "n1"}, user="alice")
    assert_error(resp, 409, "BlockedError")
    assert_json(api.get("/v0/project/p2/nodes"), ["n1"])
    assert_json(api.get("/v0/project/p1/nodes"), [])


def test_connect_node_already_in_the_project_is_blocked(api: Api) -> None:
    register_node(api, "n1")
    connect(api, "p1", "n1")
    assert_error(api.post("/v0/project/p1/connect_node", {"node": "n1"}), 409, "BlockedError")
    assert_json(api.get("/v0/project/p1/nodes"), ["n1"])


def test_connect_node_to_missing_project_is_not_found(api: Api) -> None:
    register_node(api, "n1")
    resp = api.post("/v0/project/p9/connect_node", {"node": "n1"})
    assert_error(resp, 404, "NotFoundError", "Project p9 does not exist.")


def test_connect_missing_node_is_not_found(api: Api) -> None:
    resp = api.post("/v0/project/p1/connect_node", {"node": "n9"}, user="alice")
    assert_error(resp, 404, "NotFoundError", "Node n9 does not exist.")


def test_connect_node_to_someone_elses_project_is_forbidden(api: Api) -> None:
    register_node(api, "n1")
    resp = api.post("/v0/project/p1/connect_node", {"node": "n1"}, user="bob")
    assert_error(resp, 403, "AuthorizationError")
    assert_json(api.get("/v0/nodes/free"), ["n1"])


@pytest.mark.parametrize(
    ("body", "key"),
    [({}, "node"), ({"node": 1}, "node"), ({"node": "n1", "force": True}, "force")],
)
def test_connect_node_with_bad_body_is_a_validation_error_naming_the_key(
    api: Api, body: dict[str, Any], key: str
) -> None:
    register_node(api, "n1")
    msg = assert_error(api.post("/v0/project/p1/connect_node", body), 400, "ValidationError")
    assert f"'{key}'" in msg
    assert_json(api.get("/v0/nodes/free"), ["n1"])


# ------------------------------------------------------------------ project_detach_node


def test_member_detaches_a_node_which_becomes_free(api: Api) -> None:
    register_node(api, "n1", "eth0")
    connect(api, "p1", "n1")
    assert_empty_ok(api.post("/v0/project/p1/detach_node", {"node": "n1"}, user="alice"))
    assert_json(api.get("/v0/project/p1/nodes"), [])
    assert_json(api.get("/v0/nodes/free"), ["n1"])
    assert api.get("/v0/node/n1", user="bob").json["project"] is None


def test_detach_node_not_in_the_project_is_not_found(api: Api) -> None:
    register_node(api, "n1")
    resp = api.post("/v0/project/p1/detach_node", {"node": "n1"})
    assert_error(resp, 404, "NotFoundError")


def test_detach_node_of_another_project_is_not_found_and_keeps_its_owner(api: Api) -> None:
    register_node(api, "n1")
    connect(api, "p2", "n1")
    resp = api.post("/v0/project/p1/detach_node", {"node": "n1"}, user="alice")
    assert_error(resp, 404, "NotFoundError")
    assert_json(api.get("/v0/project/p2/nodes"), ["n1"])


def test_detach_missing_node_is_not_found(api: Api) -> None:
    resp = api.post("/v0/project/p1/detach_node", {"node": "n9"})
    assert_error(resp, 404, "NotFoundError", "Node n9 does not exist.")


def test_detach_node_from_missing_project_is_not_found(api: Api) -> None:
    register_node(api, "n1")
    resp = api.post("/v0/project/p9/detach_node", {"node": "n1"})
    assert_error(resp, 404, "NotFoundError", "Project p9 does not exist.")


def test_detach_node_by_non_member_is_forbidden(api: Api) -> None:
    register_node(api, "n1")
    connect(api, "p1", "n1")
    resp = api.post("/v0/project/p1/detach_node", {"node": "n1"}, user="bob")
    assert_error(resp, 403, "AuthorizationError")
    assert_json(api.get("/v0/project/p1/nodes"), ["n1"])


def test_detach_node_is_blocked_while_a_nic_has_a_network(api: Api) -> None:
    register_node(api, "n1", "eth0", "eth1")
    connect(api, "p1", "n1")
    assert_empty_ok(api.put("/v0/network/pub", PUBLIC))
    attach(api, "n1", "eth1", "pub")
    resp = api.post("/v0/project/p1/detach_node", {"node": "n1"}, user="alice")
    assert_error(resp, 409, "BlockedError")
    assert_json(api.get("/v0/project/p1/nodes"), ["n1"])


def test_detach_node_is_blocked_while_a_nic_has_a_pending_action(api: Api) -> None:
    register_node(api, "n1", "eth0")
    connect(api, "p1", "n1")
    assert_empty_ok(api.put("/v0/network/pub", PUBLIC))
    queue_action(api, "n1", "eth0", "pub")
    resp = api.post("/v0/project/p1/detach_node", {"node": "n1"}, user="alice")
    assert_error(resp, 409, "BlockedError")
    assert_json(api.get("/v0/project/p1/nodes"), ["n1"])


def test_detach_node_missing_node_key_is_a_validation_error(api: Api) -> None:
    msg = assert_error(api.post("/v0/project/p1/detach_node", {}), 400, "ValidationError")
    assert "'node'" in msg


# ------------------------------------------------------------------ list_project_nodes


def test_list_project_nodes_returns_only_that_projects_nodes_sorted(api: Api) -> None:
    for node in ("nb", "na", "nc", "nfree", "nbob"):
        register_node(api, node)
    for node in ("nb", "na", "nc"):
        connect(api, "p1", node)
    connect(api, "p2", "nbob")
    assert_json(api.get("/v0/project/p1/nodes", user="alice"), ["na", "nb", "nc"])
    assert_json(api.get("/v0/project/p2/nodes", user="bob"), ["nbob"])


def test_list_project_nodes_of_empty_project_is_empty_list(api: Api) -> None:
    assert_json(api.get("/v0/project/p1/nodes", user="alice"), [])


def test_list_project_nodes_of_missing_project_is_not_found(api: Api) -> None:
    resp = api.get("/v0/project/p9/nodes")
    assert_error(resp, 404, "NotFoundError", "Project p9 does not exist.")


def test_list_project_nodes_of_another_project_is_forbidden(api: Api) -> None:
    assert_error(api.get("/v0/project/p2/nodes", user="alice"), 403, "AuthorizationError")


# ------------------------------------------------------------------ list_project_networks


def test_list_project_networks_lists_owned_provider_and_shared_but_not_public(
    api: Api,
) -> None:
    assert_empty_ok(api.put("/v0/network/public", PUBLIC))
    assert_empty_ok(api.put("/v0/network/z-own", {"owner": "p1", "access": "p1", "net_id": ""}))
    assert_empty_ok(
        api.put("/v0/network/a-prov", {"owner": "admin", "access": "p1", "net_id": ""})
    )
    assert_empty_ok(api.put("/v0/network/m-bob", {"owner": "p2", "access": "p2", "net_id": ""}))
    assert_empty_ok(
        api.put("/v0/network/k-bobshared", {"owner": "p2", "access": "p2", "net_id": ""})
    )
    assert_empty_ok(api.put("/v0/network/k-bobshared/access/p1", user="bob"))
    assert_json(
        api.get("/v0/project/p1/networks", user="alice"), ["a-prov", "k-bobshared", "z-own"]
    )
    assert_json(api.get("/v0/project/p2/networks", user="bob"), ["k-bobshared", "m-bob"])


def test_list_project_networks_drops_a_revoked_network(api: Api) -> None:
    assert_empty_ok(api.put("/v0/network/prov", {"owner": "admin", "access": "p1", "net_id": ""}))
    assert_json(api.get("/v0/project/p1/networks"), ["prov"])
    assert_empty_ok(api.delete("/v0/network/prov/access/p1"))
    assert_json(api.get("/v0/project/p1/networks"), [])


def test_list_project_networks_of_missing_project_is_not_found(api: Api) -> None:
    resp = api.get("/v0/project/p9/networks")
    assert_error(resp, 404, "NotFoundError", "Project p9 does not exist.")


def test_list_project_networks_of_another_project_is_forbidden(api: Api) -> None:
    assert_error(api.get("/v0/project/p1/networks", user="bob"), 403, "AuthorizationError")


# ------------------------------------------------------------------ list_project_headnodes


def test_list_project_headnodes_returns_sorted_labels_of_that_project(api: Api) -> None:
    add_headnode(api, "p1", "hn-b")
    add_headnode(api, "p1", "hn-a")
    add_headnode(api, "p2", "hn-bob")
    assert_json(api.get("/v0/project/p1/headnodes", user="alice"), ["hn-a", "hn-b"])
    assert_json(api.get("/v0/project/p2/headnodes"), ["hn-bob"])


def test_list_project_headnodes_of_project_without_any_is_empty(api: Api) -> None:
    assert_json(api.get("/v0/project/p1/headnodes", user="alice"), [])


def test_list_project_headnodes_of_missing_project_is_not_found(api: Api) -> None:
    resp = api.get("/v0/project/p9/headnodes")
    assert_error(resp, 404, "NotFoundError", "Project p9 does not exist.")


def test_list_project_headnodes_of_another_project_is_forbidden(api: Api) -> None:
    assert_error(api.get("/v0/project/p1/headnodes", user="bob"), 403, "AuthorizationError")


# ------------------------------------------------------------------ legacy prefix


def test_project_calls_answer_without_the_v0_prefix(api: Api) -> None:
    assert_empty_ok(api.put("/project/legacy"))
    register_node(api, "n1")
    assert_empty_ok(api.post("/project/legacy/connect_node", {"node": "n1"}))
    assert_json(api.get("/project/legacy/nodes"), ["n1"])
    assert_json(api.get("/projects"), ["legacy", "p1", "p2"])

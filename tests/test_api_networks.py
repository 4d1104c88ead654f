"""Networks (spec/api.md section 4, "Networks"): the creation rules and the id pool,
deletion, who sees which network, attachments, and the access list."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select

from haas_core.db import models as m
from haas_core.services import Services
from tests.conftest import USERS, MakeServices, seed_users
from tests.support.app import Api
from tests.support.assertions import assert_empty_ok, assert_error, assert_json
from tests.support.world import attach, network_row, queue_action

OBM = {"type": "mock", "host": "bmc", "user": "root", "password": "pw"}
PUBLIC = {"owner": "admin", "access": "", "net_id": ""}
P1_NET = {"owner": "p1", "access": "p1", "net_id": ""}
P2_NET = {"owner": "p2", "access": "p2", "net_id": ""}
PROVIDER_P1 = {"owner": "admin", "access": "p1", "net_id": ""}
#: The pool the tests configure: 100-109 and 300, handed out in ascending order.
POOL = [str(v) for v in [*range(100, 110), 300]]


# ------------------------------------------------------------------ helpers


def create(api: Api, name: str, body: dict[str, str], user: str = "admin") -> None:
    assert_empty_ok(api.put(f"/v0/network/{name}", body, user=user))


def net_ids(api: Api) -> dict[str, str]:
    """``{network: network id}`` as the admin sees it."""
    return {name: info["network_id"] for name, info in api.get("/v0/networks").json.items()}


def node_in(api: Api, node: str, project: str | None, *nics: str) -> None:
    assert_empty_ok(api.put(f"/v0/node/{node}", {"obm": OBM}))
    for nic in nics:
        assert_empty_ok(api.put(f"/v0/node/{node}/nic/{nic}", {"macaddr": "00:11:22:33:44:55"}))
    if project is not None:
        assert_empty_ok(api.post(f"/v0/project/{project}/connect_node", {"node": node}))


def connect_headnode(api: Api, project: str, network: str) -> None:
    """A headnode of ``project`` with an hnic on ``network``."""
    with api.services.db.session() as db, db.begin():
        proj = db.scalars(select(m.Project).where(m.Project.label == project)).one()
        net = network_row(db, network)
        hn = m.Headnode(label="hn1", project=proj, base_img="centos", uuid=str(uuid.uuid4()))
        hn.hnics.append(m.Hnic(label="hnic0", network=net))
        db.add(hn)


def show(name: str, net_id: str, owner: str, access: list[str] | None, **nodes: list[str]) -> dict:
    return {
        "name": name,
        "channels": ["vlan/native", f"vlan/{net_id}"],
        "owner": owner,
        "access": access,
        "connected-nodes": nodes,
    }


# ------------------------------------------------------------------ network_create: public


def test_public_network_takes_the_lowest_free_pool_id(api: Api) -> None:
    create(api, "pub", PUBLIC)
    assert_json(api.get("/v0/network/pub"), show("pub", "100", "admin", None))
    assert_json(api.get("/v0/networks"), {"pub": {"network_id": "100", "projects": None}})


def test_public_network_is_visible_to_every_project(api: Api) -> None:
    create(api, "pub", PUBLIC)
    for user in ("alice", "bob"):
        assert_json(api.get("/v0/network/pub", user=user), show("pub", "100", "admin", None))
        assert_json(
            api.get("/v0/networks", user=user), {"pub": {"network_id": "100", "projects": None}}
        )


def test_public_network_with_external_id_outside_the_pool_keeps_it(api: Api) -> None:
    create(api, "ext", {"owner": "admin", "access": "", "net_id": "500"})
    create(api, "pooled", PUBLIC)
    assert net_ids(api) == {"ext": "500", "pooled": "100"}
    assert api.get("/v0/network/ext").json["channels"] == ["vlan/native", "vlan/500"]


def test_explicit_id_inside_the_pool_is_claimed_and_never_allocated_again(api: Api) -> None:
    create(api, "claimed", {"owner": "admin", "access": "", "net_id": "105"})
    for i in range(len(POOL) - 1):
        create(api, f"n{i:02d}", PUBLIC)
    ids = net_ids(api)
    assert ids["claimed"] == "105"
    assert sorted(ids.values(), key=int) == POOL
    assert_error(api.put("/v0/network/more", PUBLIC), 409, "AllocationError")


def test_explicit_id_of_an_existing_network_is_refused(api: Api) -> None:
    create(api, "pub", PUBLIC)  # takes 100
    create(api, "ext", {"owner": "admin", "access": "", "net_id": "500"})
    for net_id in ("100", "500"):
        resp = api.put("/v0/network/again", {"owner": "admin", "access": "", "net_id": net_id})
        assert_error(resp, 409, "DuplicateError")
    assert net_ids(api) == {"ext": "500", "pub": "100"}


def test_explicit_id_outside_the_pool_cannot_be_shared_through_another_spelling(
    api: Api,
) -> None:
    # "0500" would name VLAN 500 on the switch: it must not slip past "500".
    create(api, "ext", {"owner": "admin", "access": "", "net_id": "500"})
    resp = api.put("/v0/network/again", {"owner": "admin", "access": "", "net_id": "0500"})
    assert_error(resp, 400, "BadArgumentError")
    assert set(net_ids(api).values()) == {"500"}


def test_explicit_id_with_leading_zero_is_a_bad_argument(api: Api) -> None:
    resp = api.put("/v0/network/z", {"owner": "admin", "access": "", "net_id": "0105"})
    assert_error(resp, 400, "BadArgumentError")
    create(api, "z", {"owner": "admin", "access": "", "net_id": "105"})
    assert net_ids(api) == {"z": "105"}


@pytest.mark.parametrize("net_id", ["abc", "0", "4095", "-5", "10.5", " 200", "1e3"])
def test_explicit_id_that_is_not_a_vlan_number_is_a_bad_argument(api: Api, net_id: str) -> None:
    resp = api.put("/v0/network/bad", {"owner": "admin", "access": "", "net_id": net_id})
    assert_error(resp, 400, "BadArgumentError")
    assert_json(api.get("/v0/networks"), {})


@pytest.mark.parametrize("net_id", ["1", "4094"])
def test_explicit_id_at_the_vlan_range_bounds_is_accepted(api: Api, net_id: str) -> None:
    create(api, "edge", {"owner": "admin", "access": "", "net_id": net_id})
    assert net_ids(api) == {"edge": net_id}


def test_public_network_creation_by_non_admin_is_forbidden(api: Api) -> None:
    assert_error(api.put("/v0/network/pub", PUBLIC, user="alice"), 403, "AuthorizationError")
    assert_json(api.get("/v0/networks"), {})


# ------------------------------------------------------------------ network_create: provider


def test_provider_network_is_owned_by_admin_and_shared_with_its_project(api: Api) -> None:
    create(api, "prov", PROVIDER_P1)
    expected = show("prov", "100", "admin", ["p1"])
    assert_json(api.get("/v0/network/prov"), expected)
    assert_json(api.get("/v0/network/prov", user="alice"), expected)
    assert_error(api.get("/v0/network/prov", user="bob"), 403, "AuthorizationError")


def test_provider_network_may_take_an_external_id(api: Api) -> None:
    create(api, "prov", {"owner": "admin", "access": "p1", "net_id": "1000"})
    assert_json(
        api.get("/v0/networks", user="alice"), {"prov": {"network_id": "1000", "projects": ["p1"]}}
    )


def test_provider_network_creation_by_member_is_forbidden(api: Api) -> None:
    assert_error(api.put("/v0/network/prov", PROVIDER_P1, user="alice"), 403, "AuthorizationError")
    assert_json(api.get("/v0/networks"), {})


def test_network_for_missing_access_project_is_not_found(api: Api) -> None:
    resp = api.put("/v0/network/prov", {"owner": "admin", "access": "p9", "net_id": ""})
    assert_error(resp, 404, "NotFoundError", "Project p9 does not exist.")
    assert_json(api.get("/v0/networks"), {})


# ------------------------------------------------------------------ network_create: project


def test_member_creates_a_project_network_from_the_pool(api: Api) -> None:
    create(api, "mine", P1_NET, user="alice")
    assert_json(api.get("/v0/network/mine", user="alice"), show("mine", "100", "p1", ["p1"]))
    assert_json(api.get("/v0/project/p1/networks", user="alice"), ["mine"])


def test_admin_creates_a_network_owned_by_a_project(api: Api) -> None:
    create(api, "theirs", P2_NET)
    assert_json(api.get("/v0/network/theirs", user="bob"), show("theirs", "100", "p2", ["p2"]))


@pytest.mark.parametrize(
    "body",
    [
        {"owner": "p1", "access": "", "net_id": ""},
        {"owner": "p1", "access": "p2", "net_id": ""},
        {"owner": "p1", "access": "p1", "net_id": "105"},
        {"owner": "p1", "access": "p1", "net_id": "500"},
    ],
)
def test_project_network_must_be_its_own_and_from_the_pool(api: Api, body: dict[str, str]) -> None:
    assert_error(api.put("/v0/network/mine", body, user="alice"), 400, "BadArgumentError")
    assert_error(api.put("/v0/network/mine", body), 400, "BadArgumentError")
    assert_json(api.get("/v0/networks"), {})


def test_project_network_for_another_project_is_forbidden(api: Api) -> None:
    assert_error(api.put("/v0/network/x", P1_NET, user="bob"), 403, "AuthorizationError")
    assert_json(api.get("/v0/networks"), {})


def test_network_of_missing_owner_project_is_not_found(api: Api) -> None:
    resp = api.put("/v0/network/x", {"owner": "p9", "access": "p9", "net_id": ""})
    assert_error(resp, 404, "NotFoundError", "Project p9 does not exist.")


def test_anonymous_network_creation_is_unauthenticated(api: Api) -> None:
    assert_error(api.put("/v0/network/x", P1_NET, user=None), 401, "AuthorizationError")
    assert_json(api.get("/v0/networks"), {})


# ------------------------------------------------------------------ network_create: errors


def test_network_create_of_existing_label_is_duplicate_and_takes_no_id(api: Api) -> None:
    create(api, "pub", PUBLIC)
    resp = api.put("/v0/network/pub", PUBLIC)
    assert_error(resp, 409, "DuplicateError", "Network pub already exists.")
    create(api, "next", PUBLIC)
    assert net_ids(api) == {"next": "101", "pub": "100"}


def test_pool_exhaustion_is_allocation_error_and_a_delete_makes_room(api: Api) -> None:
    for i in range(len(POOL)):
        create(api, f"n{i:02d}", PUBLIC)
    assert sorted(net_ids(api).values(), key=int) == POOL
    assert_error(api.put("/v0/network/extra", PUBLIC), 409, "AllocationError")
    assert_error(api.put("/v0/network/extra", P1_NET, user="alice"), 409, "AllocationError")
    assert "extra" not in net_ids(api)
    assert_empty_ok(api.delete("/v0/network/n04"))  # held 104
    create(api, "extra", P1_NET, user="alice")
    assert net_ids(api)["extra"] == "104"


def test_external_ids_still_work_when_the_pool_is_exhausted(api: Api) -> None:
    for i in range(len(POOL)):
        create(api, f"n{i:02d}", PUBLIC)
    create(api, "ext", {"owner": "admin", "access": "", "net_id": "2000"})
    assert net_ids(api)["ext"] == "2000"


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"owner": "admin", "access": ""}, "net_id"),
        ({"owner": "admin", "net_id": ""}, "access"),
        ({"access": "", "net_id": ""}, "owner"),
        ({"owner": "admin", "access": "", "net_id": 105}, "net_id"),
        ({"owner": "admin", "access": None, "net_id": ""}, "access"),
        ({"owner": "admin", "access": "", "net_id": "", "public": True}, "public"),
    ],
)
def test_network_create_schema_is_strict(api: Api, body: dict[str, Any], key: str) -> None:
    msg = assert_error(api.put("/v0/network/x", body), 400, "ValidationError")
    assert f"'{key}'" in msg
    assert_json(api.get("/v0/networks"), {})


# ------------------------------------------------------------------ network_delete


def test_deleting_a_network_removes_it_and_frees_its_pool_id(api: Api) -> None:
    create(api, "pub", PUBLIC)
    create(api, "other", PUBLIC)
    assert_empty_ok(api.delete("/v0/network/pub"))
    assert_error(api.get("/v0/network/pub"), 404, "NotFoundError", "Network pub does not exist.")
    create(api, "again", PUBLIC)
    assert net_ids(api) == {"again": "100", "other": "101"}


def test_deleting_a_claimed_network_frees_its_explicit_pool_id(api: Api) -> None:
    create(api, "claimed", {"owner": "admin", "access": "", "net_id": "107"})
    assert_empty_ok(api.delete("/v0/network/claimed"))
    create(api, "reclaimed", {"owner": "admin", "access": "", "net_id": "107"})
    assert net_ids(api) == {"reclaimed": "107"}


def test_deleting_a_network_with_an_external_id_lets_the_id_be_used_again(api: Api) -> None:
    create(api, "ext", {"owner": "admin", "access": "", "net_id": "500"})
    assert_empty_ok(api.delete("/v0/network/ext"))
    create(api, "ext2", {"owner": "admin", "access": "", "net_id": "500"})
    create(api, "pooled", PUBLIC)
    assert net_ids(api) == {"ext2": "500", "pooled": "100"}


def test_member_deletes_their_projects_network(api: Api) -> None:
    create(api, "mine", P1_NET, user="alice")
    assert_empty_ok(api.delete("/v0/network/mine", user="alice"))
    assert_json(api.get("/v0/project/p1/networks"), [])
    assert_json(api.get("/v0/networks"), {})


def test_deleting_another_projects_network_is_forbidden(api: Api) -> None:
    create(api, "mine", P1_NET)
    assert_error(api.delete("/v0/network/mine", user="bob"), 403, "AuthorizationError")
    assert "mine" in net_ids(api)


@pytest.mark.parametrize("body", [PUBLIC, PROVIDER_P1])
def test_only_admins_delete_admin_owned_networks(api: Api, body: dict[str, str]) -> None:
    create(api, "adm", body)
    assert_error(api.delete("/v0/network/adm", user="alice"), 403, "AuthorizationError")
    assert "adm" in net_ids(api)
    assert_empty_ok(api.delete("/v0/network/adm"))
    assert net_ids(api) == {}


def test_deleting_missing_network_is_not_found(api: Api) -> None:
    resp = api.delete("/v0/network/nope")
    assert_error(resp, 404, "NotFoundError", "Network nope does not exist.")


def test_network_delete_is_blocked_while_attached_to_a_node(api: Api) -> None:
    create(api, "mine", P1_NET)
    node_in(api, "n1", "p1", "eth0")
    attach(api, "n1", "eth0", "mine")
    assert_error(api.delete("/v0/network/mine", user="alice"), 409, "BlockedError")
    assert net_ids(api) == {"mine": "100"}
    create(api, "next", PUBLIC)  # the id stayed taken
    assert net_ids(api)["next"] == "101"


def test_network_delete_is_blocked_while_a_headnode_uses_it(api: Api) -> None:
    create(api, "mine", P1_NET)
    connect_headnode(api, "p1", "mine")
    assert_error(api.delete("/v0/network/mine", user="alice"), 409, "BlockedError")
    assert "mine" in net_ids(api)


def test_network_delete_is_blocked_while_an_action_on_it_is_pending(api: Api) -> None:
    create(api, "mine", P1_NET)
    node_in(api, "n1", "p1", "eth0")
    queue_action(api, "n1", "eth0", "mine")
    assert_error(api.delete("/v0/network/mine", user="alice"), 409, "BlockedError")
    assert "mine" in net_ids(api)


# ------------------------------------------------------------------ show_network


def test_show_network_of_missing_network_is_not_found(api: Api) -> None:
    resp = api.get("/v0/network/nope", user="alice")
    assert_error(resp, 404, "NotFoundError", "Network nope does not exist.")


def test_show_network_of_another_projects_network_is_forbidden(api: Api) -> None:
    create(api, "mine", P1_NET)
    assert_error(api.get("/v0/network/mine", user="bob"), 403, "AuthorizationError")
    assert_error(api.get("/v0/network/mine", user=None), 401, "AuthorizationError")


def test_show_network_shared_with_a_project_is_visible_to_its_members(api: Api) -> None:
    create(api, "mine", P1_NET)
    assert_empty_ok(api.put("/v0/network/mine/access/p2", user="alice"))
    assert_json(api.get("/v0/network/mine", user="bob"), show("mine", "100", "p1", ["p1", "p2"]))


def test_show_network_lists_access_sorted(api: Api) -> None:
    assert_empty_ok(api.put("/v0/project/a0"))
    create(api, "prov", {"owner": "admin", "access": "p2", "net_id": ""})
    assert_empty_ok(api.put("/v0/network/prov/access/p1"))
    assert_empty_ok(api.put("/v0/network/prov/access/a0"))
    assert api.get("/v0/network/prov").json["access"] == ["a0", "p1", "p2"]


def test_show_network_connected_nodes_hide_other_projects_nodes(api: Api) -> None:
    create(api, "pub", PUBLIC)
    node_in(api, "n1", "p1", "eth0", "eth1")
    node_in(api, "n2", "p2", "eth0")
    attach(api, "n1", "eth1", "pub")
    attach(api, "n1", "eth0", "pub", channel="vlan/100")
    attach(api, "n2", "eth0", "pub")
    assert_json(
        api.get("/v0/network/pub"),
        show("pub", "100", "admin", None, n1=["eth0", "eth1"], n2=["eth0"]),
    )
    assert_json(
        api.get("/v0/network/pub", user="alice"),
        show("pub", "100", "admin", None, n1=["eth0", "eth1"]),
    )
    assert_json(
        api.get("/v0/network/pub", user="bob"), show("pub", "100", "admin", None, n2=["eth0"])
    )


def test_show_network_owner_members_see_every_connected_node(api: Api) -> None:
    create(api, "mine", P1_NET)
    assert_empty_ok(api.put("/v0/network/mine/access/p2", user="alice"))
    node_in(api, "n1", "p1", "eth0")
    node_in(api, "n2", "p2", "eth0")
    attach(api, "n1", "eth0", "mine")
    attach(api, "n2", "eth0", "mine")
    both = show("mine", "100", "p1", ["p1", "p2"], n1=["eth0"], n2=["eth0"])
    assert_json(api.get("/v0/network/mine", user="alice"), both)
    assert_json(
        api.get("/v0/network/mine", user="bob"),
        show("mine", "100", "p1", ["p1", "p2"], n2=["eth0"]),
    )


# ------------------------------------------------------------------ list_networks


@pytest.fixture
def networks_world(api: Api) -> Api:
    """pub (public), prov1 (provider for p1), own1 (p1's), own2 (p2's, shared with p1),
    own2b (p2's), ext (public, external id)."""
    create(api, "pub", PUBLIC)  # 100
    create(api, "prov1", PROVIDER_P1)  # 101
    create(api, "own1", P1_NET)  # 102
    create(api, "own2", P2_NET)  # 103
    assert_empty_ok(api.put("/v0/network/own2/access/p1", user="bob"))
    create(api, "own2b", P2_NET)  # 104
    create(api, "ext", {"owner": "admin", "access": "", "net_id": "900"})
    return api


def test_list_networks_shows_admins_every_network(networks_world: Api) -> None:
    assert_json(
        networks_world.get("/v0/networks"),
        {
            "ext": {"network_id": "900", "projects": None},
            "own1": {"network_id": "102", "projects": ["p1"]},
            "own2": {"network_id": "103", "projects": ["p1", "p2"]},
            "own2b": {"network_id": "104", "projects": ["p2"]},
            "prov1": {"network_id": "101", "projects": ["p1"]},
            "pub": {"network_id": "100", "projects": None},
        },
    )


def test_list_networks_shows_members_public_and_shared_networks_only(
    networks_world: Api,
) -> None:
    assert_json(
        networks_world.get("/v0/networks", user="alice"),
        {
            "ext": {"network_id": "900", "projects": None},
            "own1": {"network_id": "102", "projects": ["p1"]},
            "own2": {"network_id": "103", "projects": ["p1", "p2"]},
            "prov1": {"network_id": "101", "projects": ["p1"]},
            "pub": {"network_id": "100", "projects": None},
        },
    )
    assert_json(
        networks_world.get("/v0/networks", user="bob"),
        {
            "ext": {"network_id": "900", "projects": None},
            "own2": {"network_id": "103", "projects": ["p1", "p2"]},
            "own2b": {"network_id": "104", "projects": ["p2"]},
            "pub": {"network_id": "100", "projects": None},
        },
    )


def test_list_networks_for_a_user_without_projects_is_public_networks(
    networks_world: Api,
) -> None:
    assert_empty_ok(networks_world.put("/v0/auth/basic/user/carol", {"password": "pw"}))
    networks_world.passwords["carol"] = "pw"
    assert_json(
        networks_world.get("/v0/networks", user="carol"),
        {
            "ext": {"network_id": "900", "projects": None},
            "pub": {"network_id": "100", "projects": None},
        },
    )


def test_list_networks_requires_authentication(networks_world: Api) -> None:
    assert_error(networks_world.get("/v0/networks", user=None), 401, "AuthorizationError")


def test_list_networks_in_empty_world_is_empty_object(api: Api) -> None:
    assert_json(api.get("/v0/networks", user="alice"), {})


# ------------------------------------------------------------------ list_network_attachments


@pytest.fixture
def attached_world(api: Api) -> Api:
    """p1's network "mine", shared with p2; n1 (p1) and n2 (p2) on it; n3 free."""
    create(api, "mine", P1_NET)
    assert_empty_ok(api.put("/v0/network/mine/access/p2", user="alice"))
    node_in(api, "n1", "p1", "eth0")
    node_in(api, "n2", "p2", "eth0")
    attach(api, "n1", "eth0", "mine")
    attach(api, "n2", "eth0", "mine", channel="vlan/100")
    return api


N1 = {"nic": "eth0", "channel": "vlan/native", "project": "p1"}
N2 = {"nic": "eth0", "channel": "vlan/100", "project": "p2"}


def test_owner_lists_every_attachment_of_their_network(attached_world: Api) -> None:
    expected = {"n1": N1, "n2": N2}
    assert_json(attached_world.get("/v0/network/mine/attachments", user="alice"), expected)
    assert_json(attached_world.get("/v0/network/mine/attachments"), expected)


def test_attachments_filtered_by_project(attached_world: Api) -> None:
    resp = attached_world.get("/v0/network/mine/attachments?project=p2", user="alice")
    assert_json(resp, {"n2": N2})
    resp = attached_world.get("/v0/network/mine/attachments?project=p1", user="alice")
    assert_json(resp, {"n1": N1})


def test_member_of_a_project_with_access_lists_their_projects_attachments(
    attached_world: Api,
) -> None:
    resp = attached_world.get("/v0/network/mine/attachments?project=p2", user="bob")
    assert_json(resp, {"n2": N2})


def test_member_of_a_project_with_access_may_not_list_all_attachments(
    attached_world: Api,
) -> None:
    resp = attached_world.get("/v0/network/mine/attachments", user="bob")
    assert_error(resp, 403, "AuthorizationError")
    resp = attached_world.get("/v0/network/mine/attachments?project=p1", user="bob")
    assert_error(resp, 403, "AuthorizationError")


def test_member_of_a_project_without_access_may_not_list_attachments(api: Api) -> None:
    create(api, "mine", P1_NET)
    resp = api.get("/v0/network/mine/attachments?project=p2", user="bob")
    assert_error(resp, 403, "AuthorizationError")


def test_attachments_of_a_public_network_are_for_admins(api: Api) -> None:
    create(api, "pub", PUBLIC)
    node_in(api, "n1", "p1", "eth0")
    attach(api, "n1", "eth0", "pub")
    assert_json(api.get("/v0/network/pub/attachments"), {"n1": N1})
    assert_error(api.get("/v0/network/pub/attachments", user="alice"), 403, "AuthorizationError")


def test_attachments_of_network_without_any_is_empty(api: Api) -> None:
    create(api, "mine", P1_NET)
    assert_json(api.get("/v0/network/mine/attachments", user="alice"), {})


def test_attachments_of_missing_network_is_not_found(api: Api) -> None:
    resp = api.get("/v0/network/nope/attachments")
    assert_error(resp, 404, "NotFoundError", "Network nope does not exist.")


def test_attachments_for_missing_project_is_not_found(attached_world: Api) -> None:
    resp = attached_world.get("/v0/network/mine/attachments?project=p9", user="alice")
    assert_error(resp, 404, "NotFoundError", "Project p9 does not exist.")


@pytest.mark.parametrize("query", ["project=", "owner=p1"])
def test_attachments_with_bad_query_is_a_validation_error(attached_world: Api, query: str) -> None:
    resp = attached_world.get(f"/v0/network/mine/attachments?{query}", user="alice")
    assert_error(resp, 400, "ValidationError")


# ------------------------------------------------------------------ network_grant_project_access


def test_owner_grants_access_and_the_project_sees_the_network(api: Api) -> None:
    create(api, "mine", P1_NET)
    assert_empty_ok(api.put("/v0/network/mine/access/p2", user="alice"))
    assert_json(api.get("/v0/network/mine", user="bob"), show("mine", "100", "p1", ["p1", "p2"]))
    assert_json(api.get("/v0/project/p2/networks", user="bob"), ["mine"])
    assert "mine" in api.get("/v0/networks", user="bob").json


def test_admin_grants_access_to_a_provider_network(api: Api) -> None:
    create(api, "prov", PROVIDER_P1)
    assert_empty_ok(api.put("/v0/network/prov/access/p2"))
    assert api.get("/v0/network/prov").json["access"] == ["p1", "p2"]


def test_granting_access_twice_is_duplicate_error(api: Api) -> None:
    create(api, "mine", P1_NET)
    assert_empty_ok(api.put("/v0/network/mine/access/p2", user="alice"))
    assert_error(api.put("/v0/network/mine/access/p2", user="alice"), 409, "DuplicateError")
    assert_error(api.put("/v0/network/mine/access/p1", user="alice"), 409, "DuplicateError")
    assert api.get("/v0/network/mine").json["access"] == ["p1", "p2"]


def test_granting_access_to_a_network_one_does_not_own_is_forbidden(api: Api) -> None:
    create(api, "mine", P1_NET)
    # bob would be a member of the grantee, but only the owner may grant.
    assert_error(api.put("/v0/network/mine/access/p2", user="bob"), 403, "AuthorizationError")
    create(api, "prov", PROVIDER_P1)
    assert_error(api.put("/v0/network/prov/access/p2", user="alice"), 403, "AuthorizationError")
    assert api.get("/v0/network/mine").json["access"] == ["p1"]
    assert api.get("/v0/network/prov").json["access"] == ["p1"]


def test_granting_access_on_missing_network_or_project_is_not_found(api: Api) -> None:
    create(api, "mine", P1_NET)
    resp = api.put("/v0/network/nope/access/p2")
    assert_error(resp, 404, "NotFoundError", "Network nope does not exist.")
    resp = api.put("/v0/network/mine/access/p9", user="alice")
    assert_error(resp, 404, "NotFoundError", "Project p9 does not exist.")


# ------------------------------------------------------------------ network_revoke_project_access


def test_owner_revokes_access_and_the_project_loses_the_network(api: Api) -> None:
    create(api, "mine", P1_NET)
    assert_empty_ok(api.put("/v0/network/mine/access/p2", user="alice"))
    assert_empty_ok(api.delete("/v0/network/mine/access/p2", user="alice"))
    assert api.get("/v0/network/mine").json["access"] == ["p1"]
    assert_error(api.get("/v0/network/mine", user="bob"), 403, "AuthorizationError")
    assert_json(api.get("/v0/project/p2/networks", user="bob"), [])


def test_member_of_the_grantee_may_give_up_access(api: Api) -> None:
    create(api, "mine", P1_NET)
    assert_empty_ok(api.put("/v0/network/mine/access/p2", user="alice"))
    assert_empty_ok(api.delete("/v0/network/mine/access/p2", user="bob"))
    assert api.get("/v0/network/mine").json["access"] == ["p1"]


def test_member_gives_up_access_to_a_provider_network(api: Api) -> None:
    create(api, "prov", {"owner": "admin", "access": "p2", "net_id": ""})
    assert_empty_ok(api.put("/v0/network/prov/access/p1"))
    assert_empty_ok(api.delete("/v0/network/prov/access/p1", user="alice"))
    assert api.get("/v0/network/prov").json["access"] == ["p2"]


def test_revoking_access_of_a_third_project_is_forbidden(api: Api) -> None:
    assert_empty_ok(api.put("/v0/project/p3"))
    create(api, "mine", P1_NET)
    assert_empty_ok(api.put("/v0/network/mine/access/p3", user="alice"))
    assert_error(api.delete("/v0/network/mine/access/p3", user="bob"), 403, "AuthorizationError")
    assert_error(api.delete("/v0/network/mine/access/p1", user="bob"), 403, "AuthorizationError")
    assert api.get("/v0/network/mine").json["access"] == ["p1", "p3"]


def test_revoking_the_owners_access_is_blocked(api: Api) -> None:
    create(api, "mine", P1_NET)
    assert_error(api.delete("/v0/network/mine/access/p1", user="alice"), 409, "BlockedError")
    assert_error(api.delete("/v0/network/mine/access/p1"), 409, "BlockedError")
    assert api.get("/v0/network/mine").json["access"] == ["p1"]


def test_revoking_access_while_the_project_has_nodes_on_it_is_blocked(api: Api) -> None:
    create(api, "mine", P1_NET)
    assert_empty_ok(api.put("/v0/network/mine/access/p2", user="alice"))
    node_in(api, "n2", "p2", "eth0")
    attach(api, "n2", "eth0", "mine")
    assert_error(api.delete("/v0/network/mine/access/p2", user="alice"), 409, "BlockedError")
    assert api.get("/v0/network/mine").json["access"] == ["p1", "p2"]


def test_revoking_access_while_the_projects_headnode_uses_it_is_blocked(api: Api) -> None:
    create(api, "mine", P1_NET)
    assert_empty_ok(api.put("/v0/network/mine/access/p2", user="alice"))
    connect_headnode(api, "p2", "mine")
    assert_error(api.delete("/v0/network/mine/access/p2", user="alice"), 409, "BlockedError")
    assert api.get("/v0/network/mine").json["access"] == ["p1", "p2"]


def test_revoking_access_while_a_connect_for_the_project_is_pending_is_blocked(
    api: Api,
) -> None:
    # Once applied, the action would leave p2's node on a network p2 cannot use.
    create(api, "mine", P1_NET)
    assert_empty_ok(api.put("/v0/network/mine/access/p2", user="alice"))
    node_in(api, "n2", "p2", "eth0")
    queue_action(api, "n2", "eth0", "mine")
    assert_error(api.delete("/v0/network/mine/access/p2", user="alice"), 409, "BlockedError")
    assert api.get("/v0/network/mine").json["access"] == ["p1", "p2"]


def test_revoking_access_ignores_other_projects_headnodes_and_actions(api: Api) -> None:
    create(api, "prov", PROVIDER_P1)
    assert_empty_ok(api.put("/v0/network/prov/access/p2"))
    connect_headnode(api, "p1", "prov")
    node_in(api, "n1", "p1", "eth0")
    queue_action(api, "n1", "eth0", "prov")
    assert_empty_ok(api.delete("/v0/network/prov/access/p2", user="bob"))
    assert api.get("/v0/network/prov").json["access"] == ["p1"]


def test_revoking_access_ignores_other_projects_attachments(api: Api) -> None:
    create(api, "prov", PROVIDER_P1)
    assert_empty_ok(api.put("/v0/network/prov/access/p2"))
    node_in(api, "n1", "p1", "eth0")
    attach(api, "n1", "eth0", "prov")
    assert_empty_ok(api.delete("/v0/network/prov/access/p2", user="bob"))
    assert api.get("/v0/network/prov").json["access"] == ["p1"]


def test_revoking_access_the_project_does_not_have_is_not_found(api: Api) -> None:
    create(api, "mine", P1_NET)
    assert_error(api.delete("/v0/network/mine/access/p2", user="alice"), 404, "NotFoundError")


def test_revoking_access_on_missing_network_or_project_is_not_found(api: Api) -> None:
    create(api, "mine", P1_NET)
    resp = api.delete("/v0/network/nope/access/p1")
    assert_error(resp, 404, "NotFoundError", "Network nope does not exist.")
    resp = api.delete("/v0/network/mine/access/p9")
    assert_error(resp, 404, "NotFoundError", "Project p9 does not exist.")


# ------------------------------------------------------------------ the null allocator


@pytest.fixture
def null_alloc_api(make_services: MakeServices) -> Api:
    services: Services = make_services({"plugins": {"network_allocator": "null"}})
    seed_users(services, USERS)
    return Api(services, {name: pw for name, (pw, _, _) in USERS.items()})


def test_null_allocator_gives_each_network_a_fresh_uuid(null_alloc_api: Api) -> None:
    api = null_alloc_api
    create(api, "a", PUBLIC)
    create(api, "b", P1_NET, user="alice")
    ids = net_ids(api)
    for net_id in ids.values():
        assert uuid.UUID(net_id).version == 4
        assert str(uuid.UUID(net_id)) == net_id
    assert ids["a"] != ids["b"]


def test_null_allocator_networks_have_the_single_channel_null(null_alloc_api: Api) -> None:
    api = null_alloc_api
    create(api, "b", P1_NET, user="alice")
    assert_json(
        api.get("/v0/network/b", user="alice"),
        {
            "name": "b",
            "channels": ["null"],
            "owner": "p1",
            "access": ["p1"],
            "connected-nodes": {},
        },
    )


def test_null_allocator_keeps_explicit_ids_unique(null_alloc_api: Api) -> None:
    api = null_alloc_api
    create(api, "ext", {"owner": "admin", "access": "", "net_id": "campus-net"})
    resp = api.put("/v0/network/ext2", {"owner": "admin", "access": "", "net_id": "campus-net"})
    assert_error(resp, 409, "DuplicateError")
    assert net_ids(api) == {"ext": "campus-net"}
    assert_empty_ok(api.delete("/v0/network/ext"))
    create(api, "ext2", {"owner": "admin", "access": "", "net_id": "campus-net"})
    assert net_ids(api) == {"ext2": "campus-net"}


def test_null_allocator_never_runs_out(null_alloc_api: Api) -> None:
    api = null_alloc_api
    for i in range(len(POOL) + 3):
        create(api, f"n{i:02d}", PUBLIC)
    assert len(set(net_ids(api).values())) == len(POOL) + 3


def test_emptying_a_provider_networks_access_list_never_makes_it_public(api: Api) -> None:
    api.put("/v0/network/prov", {"owner": "admin", "access": "p1", "net_id": ""})
    assert api.delete("/v0/network/prov/access/p1", user="alice").status_int == 200
    assert api.get("/v0/network/prov", user="bob").status_int == 403
    assert "prov" not in api.get("/v0/networks", user="bob").json
    assert api.get("/v0/networks").json["prov"]["projects"] is None


def test_granting_access_to_a_public_network_keeps_it_public(api: Api) -> None:
    api.put("/v0/network/pub", {"owner": "admin", "access": "", "net_id": ""})
    assert api.put("/v0/network/pub/access/p1").status_int == 200
    assert api.get("/v0/network/pub", user="bob").status_int == 200
    assert "pub" in api.get("/v0/networks", user="bob").json

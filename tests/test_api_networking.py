"""Networking calls (spec/api.md section 4, "Networking (asynchronous)"): the checks of
``node_connect_network`` in the spec's order, detach and revert, the action history and
who may see it, the calls that pending actions and attachments block, and attachments
that only show once the network agent has applied the action."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import webtest
from sqlalchemy import delete, func, select, update

from haas_core.db import models as m
from haas_core.drivers import SwitchDriver
from haas_core.hookspecs import hookimpl
from haas_core.services import Services, build_services
from haas_plugins_switches.mock.driver import MockSwitchDriver
from tests.conftest import USERS, MakeServices, seed_users
from tests.support.agent import agent_thread, wait_for_action
from tests.support.app import Api, make_conf
from tests.support.assertions import assert_empty_ok, assert_error, assert_json
from tests.support.world import attach, network_row, nic_row

OBM = {"type": "mock", "host": "bmc", "user": "root", "password": "pw"}
SWITCH = {"type": "mock", "hostname": "sw", "username": "sw-admin", "password": "sw-pw"}
PUBLIC = {"owner": "admin", "access": "", "net_id": ""}
#: A fast agent for the tests that need actions applied.
FAST_AGENT = {"network_agent": {"poll_interval_seconds": 0.05, "fallback_poll_seconds": 0.5}}
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


# ------------------------------------------------------------------ helpers


def accepted(resp: webtest.TestResponse) -> str:
    """A 202 with ``{"status_id": <uuid>}``; returns the id."""
    assert resp.status_int == 202, resp.text
    assert resp.content_type == "application/json"
    assert set(resp.json) == {"status_id"}
    status_id = resp.json["status_id"]
    assert str(uuid.UUID(status_id)) == status_id
    return str(status_id)


def connect(
    api: Api,
    network: str,
    *,
    node: str = "n1",
    nic: str = "eth0",
    channel: str | None = None,
    user: str | None = "alice",
) -> webtest.TestResponse:
    body: dict[str, Any] = {"network": network}
    if channel is not None:
        body["channel"] = channel
    return api.post(f"/v0/node/{node}/nic/{nic}/connect_network", body, user=user)


def detach(
    api: Api, network: str, *, node: str = "n1", nic: str = "eth0", user: str | None = "alice"
) -> webtest.TestResponse:
    return api.post(f"/v0/node/{node}/nic/{nic}/detach_network", {"network": network}, user=user)


def revert(api: Api, port: str = "gi1/0/1", switch: str = "s1", **kw: Any) -> webtest.TestResponse:
    return api.post(f"/v0/switch/{switch}/port/{port}/revert", **kw)


def show_action(api: Api, status_id: str, user: str | None = "admin") -> webtest.TestResponse:
    return api.get(f"/v0/networking_action/{status_id}", user=user)


def action_count(api: Api) -> int:
    with api.services.db.session() as db:
        return int(db.scalar(select(func.count()).select_from(m.NetworkingAction)) or 0)


def net_id(api: Api, network: str) -> str:
    return str(api.get("/v0/networks").json[network]["network_id"])


def nic_networks(api: Api, node: str = "n1", nic: str = "eth0") -> dict[str, str]:
    nics = api.get(f"/v0/node/{node}").json["nics"]
    return dict(next(n for n in nics if n["label"] == nic)["networks"])


def register_switch(api: Api, name: str = "s1", **fields: Any) -> None:
    assert_empty_ok(api.put(f"/v0/switch/{name}", {**SWITCH, **fields}))


def register_port(api: Api, port: str, switch: str = "s1") -> None:
    assert_empty_ok(api.put(f"/v0/switch/{switch}/port/{port}"))


def register_nic(api: Api, node: str, nic: str) -> None:
    if api.get(f"/v0/node/{node}").status_int == 404:
        assert_empty_ok(api.put(f"/v0/node/{node}", {"obm": OBM}))
    assert_empty_ok(api.put(f"/v0/node/{node}/nic/{nic}", {"macaddr": f"{node}-{nic}"}))


def cable(api: Api, port: str, node: str, nic: str, switch: str = "s1") -> None:
    assert_empty_ok(
        api.post(f"/v0/switch/{switch}/port/{port}/connect_nic", {"node": node, "nic": nic})
    )


def own(api: Api, project: str, node: str) -> None:
    assert_empty_ok(api.post(f"/v0/project/{project}/connect_node", {"node": node}))


def create_network(api: Api, name: str, body: dict[str, str], user: str = "admin") -> None:
    assert_empty_ok(api.put(f"/v0/network/{name}", body, user=user))


def build_world(api: Api) -> None:
    """Switch s1; n1 (project p1: alice) with eth0 on gi1/0/1, eth1 on gi1/0/2 and eth2 not
    cabled; n2 (project p2: bob) with eth0 on gi1/0/3; networks pub (public), p1net, p2net
    (project networks) and prov (admin's, shared with p1)."""
    register_switch(api)
    for port in ("gi1/0/1", "gi1/0/2", "gi1/0/3", "gi1/0/4"):
        register_port(api, port)
    for node, nic in (("n1", "eth0"), ("n1", "eth1"), ("n1", "eth2"), ("n2", "eth0")):
        register_nic(api, node, nic)
    cable(api, "gi1/0/1", "n1", "eth0")
    cable(api, "gi1/0/2", "n1", "eth1")
    cable(api, "gi1/0/3", "n2", "eth0")
    own(api, "p1", "n1")
    own(api, "p2", "n2")
    create_network(api, "pub", PUBLIC)
    create_network(api, "p1net", {"owner": "p1", "access": "p1", "net_id": ""})
    create_network(api, "p2net", {"owner": "p2", "access": "p2", "net_id": ""})
    create_network(api, "prov", {"owner": "admin", "access": "p1", "net_id": ""})


@pytest.fixture
def world(api: Api) -> Api:
    build_world(api)
    return api


@pytest.fixture
def agent_services(make_services: MakeServices) -> Services:
    """Services for an in-test agent, against the same database as ``api``."""
    return make_services(FAST_AGENT)


def apply(api: Api, agent_services: Services, *status_ids: str) -> list[dict[str, Any]]:
    """Run an agent until the actions are no longer pending; their JSON."""
    with agent_thread(agent_services):
        return [wait_for_action(api, sid) for sid in status_ids]


def db_detach(api: Api, node: str, nic: str, network: str) -> None:
    with api.services.db.session() as db, db.begin():
        db.execute(
            delete(m.NetworkAttachment).where(
                m.NetworkAttachment.nic_id == nic_row(db, node, nic).id,
                m.NetworkAttachment.network_id == network_row(db, network).id,
            )
        )


def db_pending_action(api: Api, node: str, nic: str) -> str:
    """A pending action on the NIC written directly; returns its uuid."""
    status_id = str(uuid.uuid4())
    with api.services.db.session() as db, db.begin():
        db.add(
            m.NetworkingAction(
                uuid=status_id,
                type="modify_port",
                status="PENDING",
                nic=nic_row(db, node, nic),
                node_label=node,
                nic_label=nic,
                channel="vlan/native",
            )
        )
    return status_id


def pending_json(network: str | None, channel: str | None, **over: Any) -> dict[str, Any]:
    """The expected show_networking_action body of a fresh action (timestamps aside)."""
    return {
        "status": "PENDING",
        "node": "n1",
        "nic": "eth0",
        "type": "modify_port",
        "channel": channel,
        "new_network": network,
        "error": None,
        "finished": None,
        **over,
    }


def without_created(body: dict[str, Any]) -> dict[str, Any]:
    assert TIMESTAMP.fullmatch(body["created"]), body["created"]
    return {k: v for k, v in body.items() if k != "created"}


# ------------------------------------------------------------------ a native-first switch


class NativeFirstSwitchDriver(MockSwitchDriver):
    """The mock switch without ``nativeless-trunk-mode``: tagged networks need a native one."""

    name = "mock-native-first"
    aliases = ()
    capabilities = ()


class NativeFirstPlugin:
    @hookimpl
    def haas_register_switch_drivers(self) -> list[type[SwitchDriver]]:
        return [NativeFirstSwitchDriver]


@pytest.fixture
def native_first_api(db_url: str, tmp_path: Path) -> Iterator[Api]:
    conf = make_conf(tmp_path / "native-first.conf", db_url)
    services = build_services(conf, extra_plugins=[NativeFirstPlugin()])
    seed_users(services, USERS)
    try:
        yield Api(services, {name: pw for name, (pw, _, _) in USERS.items()})
    finally:
        services.db.dispose()


# ------------------------------------------------------------------ connect_network


def test_connect_network_answers_202_and_queues_one_pending_action_on_the_native_channel(
    world: Api,
) -> None:
    status_id = accepted(connect(world, "pub"))
    body = show_action(world, status_id, user="alice").json
    assert without_created(body) == pending_json("pub", "vlan/native")
    created = dt.datetime.fromisoformat(body["created"].rstrip("Z"))
    assert abs(created - dt.datetime.now(dt.UTC).replace(tzinfo=None)) < dt.timedelta(minutes=5)
    with world.services.db.session() as db:
        row = db.scalars(select(m.NetworkingAction)).one()
        assert (row.uuid, row.status, row.port_label) == (status_id, "PENDING", "gi1/0/1")
        assert row.switch is not None and row.switch.label == "s1"
    # Nothing changes on the NIC until the agent applied the action.
    assert nic_networks(world) == {}


def test_connect_network_checks_run_in_the_spec_order_and_a_refused_request_queues_nothing(
    native_first_api: Api,
) -> None:
    """Each step leaves every later check failing too, then fixes the first failing one:
    the error moves to the next check of the spec's list, and nothing is queued."""
    api = native_first_api
    register_switch(api, type="mock-native-first")
    register_port(api, "gi1/0/1")
    register_nic(api, "n1", "eth0")
    create_network(api, "netA", {"owner": "p2", "access": "p2", "net_id": ""})
    create_network(api, "netB", PUBLIC)
    a, b = net_id(api, "netA"), net_id(api, "netB")
    # Later checks fail as well: a pending action, netA already on the NIC, channel vlan/<b>
    # taken by netB, vlan/<b> illegal for netA, and no native network for a tagged one.
    attach(api, "n1", "eth0", "netA", f"vlan/{a}")
    attach(api, "n1", "eth0", "netB", f"vlan/{b}")
    pending = db_pending_action(api, "n1", "eth0")
    queued = action_count(api)

    def attempt(
        status: int,
        type_: str,
        msg: str | None = None,
        *,
        path: str = "/v0/node/n1/nic/eth0",
        network: str = "netA",
        channel: str | None = f"vlan/{b}",
        user: str = "alice",
    ) -> str:
        body = (
            {"network": network} if channel is None else {"network": network, "channel": channel}
        )
        resp = api.post(f"{path}/connect_network", body, user=user)
        text = assert_error(resp, status, type_, msg)
        assert action_count(api) == queued, "a refused request queued an action"
        return text

    # 1-3. node, nic, network exist.
    attempt(404, "NotFoundError", "Node nX does not exist.", path="/v0/node/nX/nic/ethX",
            network="nonet")  # fmt: skip
    attempt(404, "NotFoundError", "Nic ethX on Node n1 does not exist.",
            path="/v0/node/n1/nic/ethX", network="nonet")  # fmt: skip
    attempt(404, "NotFoundError", "Network nonet does not exist.", network="nonet")
    # 4. the node is in a project (before any authorization: bob gets the same answer).
    for user in ("alice", "bob", "admin"):
        assert "project" in attempt(409, "ProjectMismatchError", user=user)
    own(api, "p1", "n1")
    # 5. the caller is authorized.
    attempt(403, "AuthorizationError", user="bob")
    # 6. the NIC has a port.
    attempt(404, "NotFoundError", "No port is connected to given nic.")
    cable(api, "gi1/0/1", "n1", "eth0")
    # 7. no pending action on the NIC.
    assert "pending" in attempt(409, "BlockedError")
    with api.services.db.session() as db, db.begin():
        db.execute(
            update(m.NetworkingAction)
            .where(m.NetworkingAction.uuid == pending)
            .values(status="DONE", finished=m.utcnow())
        )
    # 8. the project may use the network.
    assert "netA" in attempt(409, "ProjectMismatchError")
    assert_empty_ok(api.put("/v0/network/netA/access/p1"))
    # 9. the network is not already on the NIC.
    assert "already attached" in attempt(409, "BlockedError")
    db_detach(api, "n1", "eth0", "netA")
    # 10. the channel is not already used on the NIC.
    assert f"vlan/{b}" in attempt(409, "BlockedError")
    db_detach(api, "n1", "eth0", "netB")
    # 11. the channel is legal for the network.
    assert f"vlan/{b}" in attempt(400, "BadArgumentError")
    # 12. the switch driver accepts the operation.
    assert "attach a native network first" in attempt(409, "BlockedError", channel=f"vlan/{a}")
    # All checks pass: the default channel comes from the allocator.
    status_id = accepted(api.post("/v0/node/n1/nic/eth0/connect_network", {"network": "netA"},
                                  user="alice"))  # fmt: skip
    assert action_count(api) == queued + 1
    assert show_action(api, status_id).json["channel"] == "vlan/native"


def test_connect_network_by_anonymous_is_401_and_queues_nothing(world: Api) -> None:
    assert_error(connect(world, "pub", user=None), 401, "AuthorizationError")
    assert action_count(world) == 0


def test_connect_network_on_another_projects_node_is_403_and_queues_nothing(world: Api) -> None:
    assert_error(connect(world, "pub", user="bob"), 403, "AuthorizationError")
    assert_error(connect(world, "pub", node="n2", user="alice"), 403, "AuthorizationError")
    assert action_count(world) == 0


def test_admin_may_connect_any_projects_node(world: Api) -> None:
    accepted(connect(world, "p2net", node="n2", user="admin"))


@pytest.mark.parametrize("network", ["pub", "p1net", "prov"])
def test_connect_network_accepts_public_own_and_shared_networks(world: Api, network: str) -> None:
    accepted(connect(world, network))


def test_connect_network_to_a_network_the_project_may_not_use_is_project_mismatch(
    world: Api,
) -> None:
    msg = assert_error(connect(world, "p2net"), 409, "ProjectMismatchError")
    assert "p1" in msg and "p2net" in msg
    assert action_count(world) == 0


def test_connect_network_on_a_nic_without_port_is_not_found(world: Api) -> None:
    assert_error(
        connect(world, "pub", nic="eth2"),
        404,
        "NotFoundError",
        "No port is connected to given nic.",
    )
    assert action_count(world) == 0


def test_connect_network_on_a_free_node_is_project_mismatch_even_for_admins(api: Api) -> None:
    build_world(api)
    assert_empty_ok(api.post("/v0/project/p1/detach_node", {"node": "n1"}))
    assert_error(connect(api, "pub", user="admin"), 409, "ProjectMismatchError")
    assert action_count(api) == 0


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({}, "network"),
        ({"network": "pub", "vlan": "vlan/native"}, "vlan"),
        ({"network": 7}, "network"),
        ({"network": "pub", "channel": 100}, "channel"),
    ],
)
def test_connect_network_schema_is_strict(world: Api, body: dict[str, Any], key: str) -> None:
    resp = world.post("/v0/node/n1/nic/eth0/connect_network", body, user="alice")
    assert key in assert_error(resp, 400, "ValidationError")
    assert action_count(world) == 0


def test_connect_network_accepts_the_native_channel_and_the_networks_own_vlan(
    world: Api, agent_services: Services
) -> None:
    pub, prov = net_id(world, "pub"), net_id(world, "prov")
    first = accepted(connect(world, "pub", channel="vlan/native"))
    assert apply(world, agent_services, first)[0]["status"] == "DONE"
    second = accepted(connect(world, "prov", channel=f"vlan/{prov}"))
    done = apply(world, agent_services, second)[0]
    assert without_created(done) | {"finished": None} == pending_json(
        "prov", f"vlan/{prov}", status="DONE"
    )
    assert nic_networks(world) == {"vlan/native": "pub", f"vlan/{prov}": "prov"}
    assert world.get("/v0/network/pub").json["channels"] == ["vlan/native", f"vlan/{pub}"]


@pytest.mark.parametrize("channel", ["vlan/{other}", "vlan/abc", "vlan/", "native", "", "null"])
def test_connect_network_on_a_channel_illegal_for_the_network_is_bad_argument(
    world: Api, channel: str
) -> None:
    channel = channel.format(other=net_id(world, "p1net"))
    msg = assert_error(connect(world, "pub", channel=channel), 400, "BadArgumentError")
    assert "pub" in msg
    assert action_count(world) == 0


def test_connecting_a_network_already_on_the_nic_is_blocked_on_any_channel(
    world: Api, agent_services: Services
) -> None:
    apply(world, agent_services, accepted(connect(world, "pub")))
    for channel in (None, f"vlan/{net_id(world, 'pub')}"):
        msg = assert_error(connect(world, "pub", channel=channel), 409, "BlockedError")
        assert "already attached" in msg
    assert action_count(world) == 1


def test_connecting_a_second_network_on_a_taken_channel_is_blocked(
    world: Api, agent_services: Services
) -> None:
    apply(world, agent_services, accepted(connect(world, "pub")))
    msg = assert_error(connect(world, "p1net"), 409, "BlockedError")
    assert "vlan/native" in msg
    assert action_count(world) == 1


def test_concurrent_connect_requests_on_one_nic_get_one_202_and_the_rest_409(world: Api) -> None:
    networks = ["pub", "p1net", "prov"]

    def attempt(i: int) -> webtest.TestResponse:
        return connect(world, networks[i % 3])

    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(attempt, range(20)))
    statuses = sorted(resp.status_int for resp in responses)
    assert statuses == [202] + [409] * 19, [r.text for r in responses]
    # Losers of the race to the one-pending-action index get the answer of the check.
    assert {(r.json["type"], r.json["msg"]) for r in responses if r.status_int == 409} == {
        ("BlockedError", "A networking action is already pending on nic eth0.")
    }
    (winner,) = [r.json["status_id"] for r in responses if r.status_int == 202]
    with world.services.db.session() as db:
        assert list(db.scalars(select(m.NetworkingAction.uuid))) == [winner]


# ------------------------------------------------------------------ detach_network


def test_detach_network_queues_an_action_that_removes_the_attachment_once_done(
    world: Api, agent_services: Services
) -> None:
    prov = net_id(world, "prov")
    apply(world, agent_services, accepted(connect(world, "pub")))
    apply(world, agent_services, accepted(connect(world, "prov", channel=f"vlan/{prov}")))
    status_id = accepted(detach(world, "prov"))
    body = show_action(world, status_id, user="alice").json
    assert without_created(body) == pending_json(None, f"vlan/{prov}")
    assert nic_networks(world) == {"vlan/native": "pub", f"vlan/{prov}": "prov"}
    assert apply(world, agent_services, status_id)[0]["status"] == "DONE"
    assert nic_networks(world) == {"vlan/native": "pub"}


def test_detach_network_the_switch_driver_refuses_is_blocked_and_queues_nothing(
    native_first_api: Api,
) -> None:
    api = native_first_api
    register_switch(api, type="mock-native-first")
    register_port(api, "gi1/0/1")
    register_nic(api, "n1", "eth0")
    cable(api, "gi1/0/1", "n1", "eth0")
    own(api, "p1", "n1")
    create_network(api, "native", PUBLIC)
    create_network(api, "tagged", PUBLIC)
    attach(api, "n1", "eth0", "native", "vlan/native")
    attach(api, "n1", "eth0", "tagged", f"vlan/{net_id(api, 'tagged')}")
    msg = assert_error(detach(api, "native"), 409, "BlockedError")
    assert "detach the tagged networks first" in msg
    assert action_count(api) == 0
    accepted(detach(api, "tagged"))


def test_detach_network_not_attached_to_the_nic_is_bad_argument(world: Api) -> None:
    msg = assert_error(detach(world, "pub"), 400, "BadArgumentError")
    assert "pub" in msg and "eth0" in msg
    assert action_count(world) == 0


def test_detach_network_while_an_action_is_pending_is_blocked(
    world: Api, agent_services: Services
) -> None:
    apply(world, agent_services, accepted(connect(world, "pub")))
    accepted(connect(world, "p1net", channel=f"vlan/{net_id(world, 'p1net')}"))
    assert_error(detach(world, "pub"), 409, "BlockedError")
    assert action_count(world) == 2


def test_detach_network_authorization(world: Api, agent_services: Services) -> None:
    apply(world, agent_services, accepted(connect(world, "pub")))
    assert_error(detach(world, "pub", user="bob"), 403, "AuthorizationError")
    assert_error(detach(world, "pub", user=None), 401, "AuthorizationError")
    assert_error(detach(world, "nonet"), 404, "NotFoundError", "Network nonet does not exist.")
    assert action_count(world) == 1
    accepted(detach(world, "pub", user="admin"))


# ------------------------------------------------------------------ port_revert


def test_port_revert_is_for_admins_only(world: Api) -> None:
    assert_error(revert(world, user="alice"), 403, "AuthorizationError")
    assert_error(revert(world, user=None), 401, "AuthorizationError")
    assert action_count(world) == 0


def test_port_revert_of_missing_switch_or_port_is_not_found(world: Api) -> None:
    assert_error(revert(world, switch="nosw"), 404, "NotFoundError", "Switch nosw does not exist.")
    assert_error(
        revert(world, port="gi1/0/9"),
        404,
        "NotFoundError",
        "Port gi1/0/9 on Switch s1 does not exist.",
    )
    assert action_count(world) == 0


def test_port_revert_removes_every_network_of_the_port_once_done(
    world: Api, agent_services: Services
) -> None:
    prov = net_id(world, "prov")
    apply(world, agent_services, accepted(connect(world, "pub")))
    apply(world, agent_services, accepted(connect(world, "prov", channel=f"vlan/{prov}")))
    status_id = accepted(revert(world, port="gi1%2F0%2F1"))
    body = show_action(world, status_id, user="alice").json
    assert without_created(body) == pending_json(None, None, type="revert_port")
    assert nic_networks(world) == {"vlan/native": "pub", f"vlan/{prov}": "prov"}
    assert apply(world, agent_services, status_id)[0]["status"] == "DONE"
    assert nic_networks(world) == {}
    assert_json(
        world.get("/v0/switch/s1/port/gi1/0/1"), {"node": "n1", "nic": "eth0", "networks": {}}
    )


def test_port_revert_of_a_port_without_a_nic_is_applied_with_no_node(
    world: Api, agent_services: Services
) -> None:
    status_id = accepted(revert(world, port="gi1/0/4"))
    done = apply(world, agent_services, status_id)[0]
    assert without_created(done) | {"finished": None} == pending_json(
        None, None, type="revert_port", status="DONE", node=None, nic=None
    )
    # An action on no project's node is the admins' business.
    assert_error(show_action(world, status_id, user="alice"), 403, "AuthorizationError")


def test_port_revert_while_the_nic_has_a_pending_action_is_blocked(world: Api) -> None:
    accepted(connect(world, "pub"))
    assert_error(revert(world), 409, "BlockedError")
    assert action_count(world) == 1


# ------------------------------------------------------------------ show_networking_action


def test_show_networking_action_of_unknown_id_is_not_found(world: Api) -> None:
    missing = str(uuid.uuid4())
    assert_error(
        show_action(world, missing),
        404,
        "NotFoundError",
        f"Networking action {missing} does not exist.",
    )


def test_show_networking_action_is_for_the_node_owners_and_admins(world: Api) -> None:
    status_id = accepted(connect(world, "pub"))
    expected = show_action(world, status_id, user="admin").json
    assert_json(show_action(world, status_id, user="alice"), expected)
    assert_error(show_action(world, status_id, user="bob"), 403, "AuthorizationError")
    assert_error(show_action(world, status_id, user=None), 401, "AuthorizationError")


def test_finished_action_shows_done_with_a_finished_time_not_before_created(
    world: Api, agent_services: Services
) -> None:
    status_id = accepted(connect(world, "pub"))
    (done,) = apply(world, agent_services, status_id)
    assert without_created(done) | {"finished": None} == pending_json(
        "pub", "vlan/native", status="DONE"
    )
    assert TIMESTAMP.fullmatch(done["finished"])
    assert done["finished"] >= done["created"]
    assert_json(show_action(world, status_id, user="alice"), done)


def test_status_ids_never_disappear_even_when_everything_they_name_is_gone(
    api: Api, agent_services: Services
) -> None:
    register_switch(api)
    register_port(api, "gi1/0/1")
    register_nic(api, "n1", "eth0")
    cable(api, "gi1/0/1", "n1", "eth0")
    own(api, "p1", "n1")
    create_network(api, "pub", PUBLIC)
    connected = accepted(connect(api, "pub"))
    apply(api, agent_services, connected)
    detached = accepted(detach(api, "pub"))
    apply(api, agent_services, detached)
    reverted = accepted(revert(api))
    apply(api, agent_services, reverted)
    before = {sid: show_action(api, sid).json for sid in (connected, detached, reverted)}
    assert [body["status"] for body in before.values()] == ["DONE"] * 3
    # Take it all away: the node leaves its project; NIC, node, port, switch, network go.
    assert_empty_ok(api.post("/v0/project/p1/detach_node", {"node": "n1"}))
    assert_empty_ok(api.post("/v0/switch/s1/port/gi1/0/1/detach_nic"))
    assert_empty_ok(api.delete("/v0/node/n1/nic/eth0"))
    assert_empty_ok(api.delete("/v0/node/n1"))
    assert_empty_ok(api.delete("/v0/switch/s1/port/gi1/0/1"))
    assert_empty_ok(api.delete("/v0/switch/s1"))
    assert_empty_ok(api.delete("/v0/network/pub"))
    for sid, body in before.items():
        assert_json(show_action(api, sid), body)
    listed = api.get("/v0/networking_actions").json
    assert listed == [
        {"id": sid, **before[sid], "switch": None, "port": "gi1/0/1"}
        for sid in (reverted, detached, connected)
    ]


# ------------------------------------------------------------------ list_networking_actions


def test_list_networking_actions_is_newest_first_with_ids_switch_and_port(world: Api) -> None:
    first = accepted(connect(world, "pub"))
    second = accepted(connect(world, "p2net", node="n2", user="bob"))
    third = accepted(revert(world, port="gi1/0/4"))
    listed = world.get("/v0/networking_actions").json
    assert [a["id"] for a in listed] == [third, second, first]
    for entry in listed:
        assert entry == {
            "id": entry["id"],
            **show_action(world, entry["id"]).json,
            "switch": "s1",
            "port": entry["port"],
        }
    assert [a["port"] for a in listed] == ["gi1/0/4", "gi1/0/3", "gi1/0/1"]


def test_list_networking_actions_filters(world: Api, agent_services: Services) -> None:
    on_n1 = accepted(connect(world, "pub"))
    apply(world, agent_services, on_n1)
    on_n1_eth1 = accepted(connect(world, "p1net", nic="eth1"))
    on_n2 = accepted(connect(world, "p2net", node="n2", user="bob"))

    def ids(query: str) -> set[str]:
        resp = world.get(f"/v0/networking_actions{query}")
        assert resp.status_int == 200, resp.text
        return {a["id"] for a in resp.json}

    assert ids("?node=n1") == {on_n1, on_n1_eth1}
    assert ids("?nic=eth0") == {on_n1, on_n2}
    assert ids("?node=n1&nic=eth1") == {on_n1_eth1}
    assert ids("?switch=s1") == {on_n1, on_n1_eth1, on_n2}
    assert ids("?switch=s2") == set()
    assert ids("?status=DONE") == {on_n1}
    assert ids("?status=PENDING") == {on_n1_eth1, on_n2}
    assert ids("?status=ERROR") == set()
    assert len(ids("?limit=2")) == 2
    assert ids("?limit=1&status=PENDING") <= {on_n1_eth1, on_n2}


def test_list_networking_actions_shows_members_only_their_projects_nodes(world: Api) -> None:
    mine = accepted(connect(world, "pub"))
    theirs = accepted(connect(world, "p2net", node="n2", user="bob"))
    free_port = accepted(revert(world, port="gi1/0/4"))
    assert [a["id"] for a in world.get("/v0/networking_actions", user="alice").json] == [mine]
    assert [a["id"] for a in world.get("/v0/networking_actions", user="bob").json] == [theirs]
    assert {a["id"] for a in world.get("/v0/networking_actions").json} == {
        mine,
        theirs,
        free_port,
    }
    assert_error(world.get("/v0/networking_actions", user=None), 401, "AuthorizationError")


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("?limit=0", "limit"),
        ("?limit=1001", "limit"),
        ("?limit=ten", "limit"),
        ("?status=RUNNING", "status"),
        ("?colour=red", "colour"),
        ("?node=", "node"),
    ],
)
def test_list_networking_actions_with_bad_query_is_a_validation_error(
    world: Api, query: str, key: str
) -> None:
    resp = world.get(f"/v0/networking_actions{query}")
    assert key in assert_error(resp, 400, "ValidationError")


# ------------------------------------------------------------------ what actions block


def test_pending_action_blocks_project_detach_node_and_network_delete_until_applied(
    world: Api, agent_services: Services
) -> None:
    status_id = accepted(connect(world, "p1net"))
    assert "pending" in assert_error(
        world.post("/v0/project/p1/detach_node", {"node": "n1"}), 409, "BlockedError"
    )
    assert "pending" in assert_error(world.delete("/v0/network/p1net"), 409, "BlockedError")
    apply(world, agent_services, status_id)
    # Now the attachment blocks them.
    assert "attached" in assert_error(
        world.post("/v0/project/p1/detach_node", {"node": "n1"}), 409, "BlockedError"
    )
    assert "attached" in assert_error(world.delete("/v0/network/p1net"), 409, "BlockedError")
    apply(world, agent_services, accepted(detach(world, "p1net")))
    assert_empty_ok(world.delete("/v0/network/p1net", user="alice"))
    assert_empty_ok(world.post("/v0/project/p1/detach_node", {"node": "n1"}))


def test_pending_revert_blocks_port_detach_nic_and_node_delete_nic_until_applied(
    world: Api, agent_services: Services
) -> None:
    assert_empty_ok(world.post("/v0/project/p1/detach_node", {"node": "n1"}))
    status_id = accepted(revert(world))
    assert "pending" in assert_error(
        world.post("/v0/switch/s1/port/gi1/0/1/detach_nic"), 409, "BlockedError"
    )
    assert "pending" in assert_error(world.delete("/v0/node/n1/nic/eth0"), 409, "BlockedError")
    apply(world, agent_services, status_id)
    assert_empty_ok(world.post("/v0/switch/s1/port/gi1/0/1/detach_nic"))
    assert_empty_ok(world.delete("/v0/node/n1/nic/eth0"))


def test_a_second_action_on_a_nic_is_blocked_while_one_is_pending(world: Api) -> None:
    accepted(connect(world, "pub"))
    for resp in (
        connect(world, "p1net", channel=f"vlan/{net_id(world, 'p1net')}"),
        detach(world, "pub"),
        revert(world),
    ):
        assert "pending" in assert_error(resp, 409, "BlockedError")
    # Another NIC of the same node is not held up.
    accepted(connect(world, "pub", nic="eth1"))


# ------------------------------------------------------------------ attachments show once DONE


def test_attachments_show_in_node_network_port_and_attachment_views_only_once_done(
    world: Api, agent_services: Services
) -> None:
    def views() -> tuple[Any, ...]:
        return (
            nic_networks(world),
            world.get("/v0/network/p1net", user="alice").json["connected-nodes"],
            world.get("/v0/switch/s1/port/gi1/0/1").json,
            world.get("/v0/network/p1net/attachments", user="alice").json,
        )

    status_id = accepted(connect(world, "p1net"))
    assert views() == ({}, {}, {"node": "n1", "nic": "eth0", "networks": {}}, {})
    apply(world, agent_services, status_id)
    assert views() == (
        {"vlan/native": "p1net"},
        {"n1": ["eth0"]},
        {"node": "n1", "nic": "eth0", "networks": {"vlan/native": "p1net"}},
        {"n1": {"nic": "eth0", "channel": "vlan/native", "project": "p1"}},
    )
    status_id = accepted(detach(world, "p1net"))
    assert views()[0] == {"vlan/native": "p1net"}
    apply(world, agent_services, status_id)
    assert views() == ({}, {}, {"node": "n1", "nic": "eth0", "networks": {}}, {})

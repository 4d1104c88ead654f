"""Who may make which call: one table of every implemented call of spec/api.md
(Projects, Networks, Nodes/NICs/metadata, OBM and console, Switches and ports, Users,
Misc) with the outcome for each caller, run as call x caller.

Callers: ``anonymous`` (no credentials), ``other`` (bob, member of p2 only),
``member`` (alice, member of p1, the project the objects belong to) and ``admin``.
haas answers 403, not 404, to a known caller who may not touch an existing object
(docs/api.md: "404 before 403", as in HIL), so no outcome here is a hiding 404.

Every case starts from the same world (see ``world``). A denied call must change
nothing; an allowed one must answer the expected body and leave the expected state,
both read back by an admin.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from haas_core import __version__
from haas_core.api.app import all_routes
from haas_core.api.routing import RouteTable
from haas_core.db import models as m
from haas_plugins_auth.database.backend import DatabaseAuth
from haas_plugins_auth.database.models import User
from tests.support.app import Api

# ------------------------------------------------------------------ outcomes

CALLERS = ("anonymous", "other", "member", "admin")
USER_OF = {"anonymous": None, "other": "bob", "member": "alice", "admin": "admin"}

OK = "ok"
DENIED = (403, "AuthorizationError")
UNAUTHENTICATED = (401, "AuthorizationError")
EMPTY = b""  # result of calls that answer 200 with no body
NO_CONSOLE = (400, "BadArgumentError")


class ByCaller(dict):  # type: ignore[type-arg]
    """A result that depends on who asks: ``{caller: body}``."""


@dataclass(frozen=True)
class Case:
    name: str  # the spec's call name (the route handler's name)
    method: str
    path: str
    body: dict[str, Any] | None = None
    member: Any = OK
    other: Any = DENIED
    admin: Any = OK
    #: Body of a successful answer (EMPTY, a JSON value, or ByCaller).
    result: Any = EMPTY
    #: (path, JSON an admin reads there after success); unchanged after a denial.
    readback: tuple[str, Any] | None = None
    id_suffix: str = ""

    def outcome(self, caller: str) -> Any:
        return UNAUTHENTICATED if caller == "anonymous" else getattr(self, caller)

    def expected_result(self, caller: str) -> Any:
        return self.result[caller] if isinstance(self.result, ByCaller) else self.result

    @property
    def id(self) -> str:
        return self.name + (f"[{self.id_suffix}]" if self.id_suffix else "")


def admin_only(
    name: str, method: str, path: str, body: dict[str, Any] | None = None, **kw: Any
) -> Case:
    return Case(name, method, path, body, member=DENIED, other=DENIED, **kw)


def anyone(
    name: str, method: str, path: str, body: dict[str, Any] | None = None, **kw: Any
) -> Case:
    return Case(name, method, path, body, member=OK, other=OK, **kw)


# ------------------------------------------------------------------ the world

OBM = {"type": "mock", "host": "bmc", "user": "root", "password": "pw"}
SW0_PORT_LABELS = ("gi1/0/1", "gi1/0/2", "gi1/0/3")
SWITCH = {"type": "mock", "hostname": "sw.example", "username": "u", "password": "pw"}
MAC = {
    "n1/eth0": "52:54:00:00:01:00",
    "n2/eth0": "52:54:00:00:02:00",
    "free1/eth0": "52:54:00:00:0f:00",
    "free1/eth1": "52:54:00:00:0f:01",
}


@pytest.fixture
def world(api: Api) -> Api:
    """Users admin, alice (p1), bob (p2), carol (no project); projects p1, p2, p3 (empty).

    Switches: sw0 with ports gi1/0/1 (cabled to n1/eth0), gi1/0/2 (free),
    gi1/0/3 (cabled to free1/eth1); sw1 without ports.
    Nodes: n1 (p1; eth0; metadata rack=3), n1b (p1), n2 (p2; eth0), free1 (free;
    eth0, eth1), spare (free).
    Networks (pool ids in order): pub 100 (public; n1/eth0 on vlan/native), spare-pub 101
    (public), prov 102 (provider for p1 and p2), p1net 103 (p1's; n1/eth0 on vlan/103),
    p1shared 104 (p1's, shared with p2; n2/eth0 on vlan/native), p1lent 105 (p1's,
    shared with p2), p2net 106 (p2's). Headnode hn1 of p1.

    Written in one transaction (hundreds of cases each need a fresh copy);
    ``test_world_matches_its_description`` reads it back through the API.
    """
    services = api.services
    auth = services.auth
    assert isinstance(auth, DatabaseAuth)
    with services.db.session() as db, db.begin():
        projects = {p.label: p for p in db.scalars(select(m.Project))}
        pool_ids = iter([services.allocator.allocate(db) for _ in range(7)])
        projects["p3"] = m.Project(label="p3")
        db.add(User(label="carol", hashed_password=auth.hash_password("carol-pw")))
        switches = {
            label: m.Switch(
                label=label,
                driver="mock",
                driver_info=services.secrets.seal(
                    {k: v for k, v in SWITCH.items() if k != "type"}, ["password"]
                ),
            )
            for label in ("sw0", "sw1")
        }
        ports = {label: m.Port(owner=switches["sw0"], label=label) for label in SW0_PORT_LABELS}
        obm_info = {k: v for k, v in OBM.items() if k != "type"}
        nodes = {
            label: m.Node(
                label=label,
                project=projects.get(owner) if owner else None,
                obm_driver="mock",
                obm_info=services.secrets.seal(obm_info, ["password"]),
                obm_enabled=True,
                obm_state={},
            )
            for label, owner in [
                ("n1", "p1"),
                ("n1b", "p1"),
                ("n2", "p2"),
                ("free1", None),
                ("spare", None),
            ]
        }
        nics = {}
        for label, mac in MAC.items():
            node, nic = label.split("/")
            nics[label] = m.Nic(owner=nodes[node], label=nic, macaddr=mac)
        nics["n1/eth0"].port = ports["gi1/0/1"]
        nics["free1/eth1"].port = ports["gi1/0/3"]
        nodes["n1"].metadata_items.append(m.NodeMetadata(label="rack", value=3))
        nets = {}
        for label, owner, access in [
            ("pub", None, []),
            ("spare-pub", None, []),
            ("prov", None, ["p1", "p2"]),
            ("p1net", "p1", ["p1"]),
            ("p1shared", "p1", ["p1", "p2"]),
            ("p1lent", "p1", ["p1", "p2"]),
            ("p2net", "p2", ["p2"]),
        ]:
            nets[label] = m.Network(
                label=label,
                owner=projects[owner] if owner else None,
                access=[projects[p] for p in access],
                network_id=next(pool_ids),
                allocated=True,
                public=owner is None and not access,
            )
        for nic, net, channel in [
            ("n1/eth0", "pub", "vlan/native"),
            ("n1/eth0", "p1net", "vlan/103"),
            ("n2/eth0", "p1shared", "vlan/native"),
        ]:
            db.add(m.NetworkAttachment(nic=nics[nic], network=nets[net], channel=channel))
        db.add(
            m.Headnode(
                label="hn1", project=projects["p1"], base_img="centos", uuid=str(uuid.uuid4())
            )
        )
        db.add_all([*projects.values(), *switches.values(), *nodes.values(), *nets.values()])
    api.passwords["carol"] = "carol-pw"
    return api


# ------------------------------------------------------------------ expected bodies


def net(name: str, vlan: int, owner: str, access: list[str] | None, **nodes: list[str]) -> dict:
    return {
        "name": name,
        "channels": ["vlan/native", f"vlan/{vlan}"],
        "owner": owner,
        "access": access,
        "connected-nodes": nodes,
    }


def not_found(what: str) -> dict[str, str]:
    return {"type": "NotFoundError", "msg": f"{what} does not exist."}


ALL_NETWORKS = {
    "p1lent": {"network_id": "105", "projects": ["p1", "p2"]},
    "p1net": {"network_id": "103", "projects": ["p1"]},
    "p1shared": {"network_id": "104", "projects": ["p1", "p2"]},
    "p2net": {"network_id": "106", "projects": ["p2"]},
    "prov": {"network_id": "102", "projects": ["p1", "p2"]},
    "pub": {"network_id": "100", "projects": None},
    "spare-pub": {"network_id": "101", "projects": None},
}


def networks_without(*names: str) -> dict[str, Any]:
    return {k: v for k, v in ALL_NETWORKS.items() if k not in names}


N1_ETH0 = {
    "label": "eth0",
    "macaddr": MAC["n1/eth0"],
    "networks": {"vlan/native": "pub", "vlan/103": "p1net"},
}
N1_ADMIN = {
    "name": "n1",
    "project": "p1",
    "nics": [{**N1_ETH0, "port": "gi1/0/1", "switch": "sw0"}],
    "metadata": {"rack": 3},
}
N1_MEMBER = {**N1_ADMIN, "nics": [N1_ETH0]}
FREE1_ETH0 = {"label": "eth0", "macaddr": MAC["free1/eth0"], "networks": {}}
FREE1_ETH1 = {"label": "eth1", "macaddr": MAC["free1/eth1"], "networks": {}}
FREE1_ADMIN = {
    "name": "free1",
    "project": None,
    "nics": [
        {**FREE1_ETH0, "port": None, "switch": None},
        {**FREE1_ETH1, "port": "gi1/0/3", "switch": "sw0"},
    ],
    "metadata": {},
}
FREE1_USER = {**FREE1_ADMIN, "nics": [FREE1_ETH0, FREE1_ETH1]}

ALL_NODES = ["free1", "n1", "n1b", "n2", "spare"]
USERS = {
    "admin": {"is_admin": True, "projects": []},
    "alice": {"is_admin": False, "projects": ["p1"]},
    "bob": {"is_admin": False, "projects": ["p2"]},
    "carol": {"is_admin": False, "projects": []},
}
SW0_PORTS = [{"label": label} for label in SW0_PORT_LABELS]


def sw0(*ports: dict[str, str]) -> dict[str, Any]:
    return {"name": "sw0", "ports": list(ports), "capabilities": ["nativeless-trunk-mode"]}


# ------------------------------------------------------------------ the table

TABLE: list[Case] = [
    # ---- Projects
    admin_only("list_projects", "GET", "/projects", result=["p1", "p2", "p3"]),
    admin_only(
        "project_create", "PUT", "/project/p4", readback=("/projects", ["p1", "p2", "p3", "p4"])
    ),
    admin_only("project_delete", "DELETE", "/project/p3", readback=("/projects", ["p1", "p2"])),
    Case(
        "project_connect_node",
        "POST",
        "/project/p1/connect_node",
        {"node": "free1"},
        readback=("/project/p1/nodes", ["free1", "n1", "n1b"]),
    ),
    Case(
        "project_detach_node",
        "POST",
        "/project/p1/detach_node",
        {"node": "n1b"},
        readback=("/project/p1/nodes", ["n1"]),
    ),
    Case("list_project_nodes", "GET", "/project/p1/nodes", result=["n1", "n1b"]),
    Case(
        "list_project_networks",
        "GET",
        "/project/p1/networks",
        result=["p1lent", "p1net", "p1shared", "prov"],
    ),
    Case("list_project_headnodes", "GET", "/project/p1/headnodes", result=["hn1"]),
    # ---- Networks
    admin_only(
        "network_create",
        "PUT",
        "/network/newpub",
        {"owner": "admin", "access": "", "net_id": ""},
        readback=("/network/newpub", net("newpub", 107, "admin", None)),
        id_suffix="public",
    ),
    admin_only(
        "network_create",
        "PUT",
        "/network/newprov",
        {"owner": "admin", "access": "p1", "net_id": "2000"},
        readback=("/network/newprov", {**net("newprov", 2000, "admin", ["p1"])}),
        id_suffix="provider",
    ),
    Case(
        "network_create",
        "PUT",
        "/network/newp1",
        {"owner": "p1", "access": "p1", "net_id": ""},
        readback=("/network/newp1", net("newp1", 107, "p1", ["p1"])),
        id_suffix="project",
    ),
    Case(
        "network_delete",
        "DELETE",
        "/network/p1lent",
        readback=("/network/p1lent", not_found("Network p1lent")),
        id_suffix="project",
    ),
    admin_only(
        "network_delete",
        "DELETE",
        "/network/spare-pub",
        readback=("/network/spare-pub", not_found("Network spare-pub")),
        id_suffix="public",
    ),
    anyone(
        "show_network",
        "GET",
        "/network/pub",
        result=ByCaller(
            admin=net("pub", 100, "admin", None, n1=["eth0"]),
            member=net("pub", 100, "admin", None, n1=["eth0"]),
            other=net("pub", 100, "admin", None),
        ),
        id_suffix="public",
    ),
    Case(
        "show_network",
        "GET",
        "/network/p1net",
        result=net("p1net", 103, "p1", ["p1"], n1=["eth0"]),
        id_suffix="project",
    ),
    anyone(
        "show_network",
        "GET",
        "/network/p1shared",
        result=ByCaller(
            admin=net("p1shared", 104, "p1", ["p1", "p2"], n2=["eth0"]),
            member=net("p1shared", 104, "p1", ["p1", "p2"], n2=["eth0"]),
            other=net("p1shared", 104, "p1", ["p1", "p2"], n2=["eth0"]),
        ),
        id_suffix="shared",
    ),
    anyone(
        "list_networks",
        "GET",
        "/networks",
        result=ByCaller(
            admin=ALL_NETWORKS,
            member=networks_without("p2net"),
            other=networks_without("p1net"),
        ),
    ),
    Case(
        "list_network_attachments",
        "GET",
        "/network/p1net/attachments",
        result={"n1": {"nic": "eth0", "channel": "vlan/103", "project": "p1"}},
        id_suffix="owner",
    ),
    anyone(
        "list_network_attachments",
        "GET",
        "/network/p1shared/attachments?project=p2",
        result={"n2": {"nic": "eth0", "channel": "vlan/native", "project": "p2"}},
        id_suffix="grantee",
    ),
    admin_only(
        "list_network_attachments",
        "GET",
        "/network/pub/attachments",
        result={"n1": {"nic": "eth0", "channel": "vlan/native", "project": "p1"}},
        id_suffix="public",
    ),
    Case(
        "network_grant_project_access",
        "PUT",
        "/network/p1net/access/p2",
        readback=("/network/p1net", net("p1net", 103, "p1", ["p1", "p2"], n1=["eth0"])),
    ),
    anyone(
        "network_revoke_project_access",
        "DELETE",
        "/network/p1lent/access/p2",
        readback=("/network/p1lent", net("p1lent", 105, "p1", ["p1"])),
        id_suffix="by-grantee",
    ),
    Case(
        "network_revoke_project_access",
        "DELETE",
        "/network/prov/access/p1",
        readback=("/network/prov", net("prov", 102, "admin", ["p2"])),
        id_suffix="provider",
    ),
    # ---- Nodes, NICs, metadata
    admin_only(
        "node_register",
        "PUT",
        "/node/new",
        {"obm": OBM, "metadata": {"rack": 9}},
        readback=(
            "/node/new",
            {"name": "new", "project": None, "nics": [], "metadata": {"rack": 9}},
        ),
    ),
    admin_only(
        "node_delete",
        "DELETE",
        "/node/spare",
        readback=("/nodes/all", ["free1", "n1", "n1b", "n2"]),
    ),
    admin_only(
        "node_register_nic",
        "PUT",
        "/node/spare/nic/eth9",
        {"macaddr": "52:54:00:00:09:09"},
        readback=(
            "/node/spare",
            {
                "name": "spare",
                "project": None,
                "nics": [
                    {
                        "label": "eth9",
                        "macaddr": "52:54:00:00:09:09",
                        "networks": {},
                        "port": None,
                        "switch": None,
                    }
                ],
                "metadata": {},
            },
        ),
    ),
    admin_only(
        "node_delete_nic",
        "DELETE",
        "/node/free1/nic/eth0",
        readback=("/node/free1", {**FREE1_ADMIN, "nics": FREE1_ADMIN["nics"][1:]}),
    ),
    admin_only(
        "node_set_metadata",
        "PUT",
        "/node/n1/metadata/rack",
        {"value": {"row": 4, "slot": [1, 2]}},
        readback=("/node/n1", {**N1_ADMIN, "metadata": {"rack": {"row": 4, "slot": [1, 2]}}}),
    ),
    admin_only(
        "node_delete_metadata",
        "DELETE",
        "/node/n1/metadata/rack",
        readback=("/node/n1", {**N1_ADMIN, "metadata": {}}),
    ),
    Case(
        "show_node",
        "GET",
        "/node/n1",
        result=ByCaller(admin=N1_ADMIN, member=N1_MEMBER),
        id_suffix="owned",
    ),
    anyone(
        "show_node",
        "GET",
        "/node/free1",
        result=ByCaller(admin=FREE1_ADMIN, member=FREE1_USER, other=FREE1_USER),
        id_suffix="free",
    ),
    anyone("list_nodes", "GET", "/nodes/free", result=["free1", "spare"], id_suffix="free"),
    anyone("list_nodes", "GET", "/nodes/all", result=ALL_NODES, id_suffix="all"),
    # ---- Switches and ports
    admin_only(
        "switch_register",
        "PUT",
        "/switch/sw9",
        SWITCH,
        readback=("/switches", ["sw0", "sw1", "sw9"]),
    ),
    admin_only("switch_delete", "DELETE", "/switch/sw1", readback=("/switches", ["sw0"])),
    admin_only("show_switch", "GET", "/switch/sw0", result=sw0(*SW0_PORTS)),
    admin_only("list_switches", "GET", "/switches", result=["sw0", "sw1"]),
    admin_only(
        "switch_register_port",
        "PUT",
        "/switch/sw0/port/gi1/0/9",
        readback=("/switch/sw0", sw0(*SW0_PORTS, {"label": "gi1/0/9"})),
    ),
    admin_only(
        "switch_delete_port",
        "DELETE",
        "/switch/sw0/port/gi1/0/2",
        readback=("/switch/sw0", sw0(SW0_PORTS[0], SW0_PORTS[2])),
    ),
    admin_only(
        "show_port",
        "GET",
        "/switch/sw0/port/gi1/0/1",
        result={
            "node": "n1",
            "nic": "eth0",
            "networks": {"vlan/native": "pub", "vlan/103": "p1net"},
        },
    ),
    admin_only(
        "port_connect_nic",
        "POST",
        "/switch/sw0/port/gi1/0/2/connect_nic",
        {"node": "free1", "nic": "eth0"},
        readback=("/switch/sw0/port/gi1/0/2", {"node": "free1", "nic": "eth0", "networks": {}}),
    ),
    admin_only(
        "port_detach_nic",
        "POST",
        "/switch/sw0/port/gi1/0/3/detach_nic",
        readback=("/switch/sw0/port/gi1/0/3", {}),
    ),
    # ---- Users (database auth plugin)
    admin_only("list_users", "GET", "/auth/basic/users", result=USERS),
    admin_only(
        "user_create",
        "PUT",
        "/auth/basic/user/dave",
        {"password": "dave-pw", "is_admin": True},
        readback=("/auth/basic/users", {**USERS, "dave": {"is_admin": True, "projects": []}}),
    ),
    admin_only(
        "user_delete",
        "DELETE",
        "/auth/basic/user/carol",
        readback=("/auth/basic/users", {k: v for k, v in USERS.items() if k != "carol"}),
    ),
    admin_only(
        "user_add_project",
        "POST",
        "/auth/basic/user/carol/add_project",
        {"project": "p1"},
        readback=(
            "/auth/basic/users",
            {**USERS, "carol": {"is_admin": False, "projects": ["p1"]}},
        ),
    ),
    admin_only(
        "user_remove_project",
        "POST",
        "/auth/basic/user/alice/remove_project",
        {"project": "p1"},
        readback=("/auth/basic/users", {**USERS, "alice": {"is_admin": False, "projects": []}}),
    ),
    admin_only(
        "user_set_admin",
        "PATCH",
        "/auth/basic/user/carol",
        {"is_admin": True},
        readback=("/auth/basic/users", {**USERS, "carol": {"is_admin": True, "projects": []}}),
    ),
    # ---- OBM and console (n1: p1's, mock OBM enabled, powered off)
    Case(
        "node_power_on",
        "POST",
        "/node/n1/power_on",
        readback=("/node/n1/power_status", {"power_status": "On"}),
    ),
    Case("node_power_off", "POST", "/node/n1/power_off"),
    Case(
        "node_power_cycle",
        "POST",
        "/node/n1/power_cycle",
        {"force": True},
        readback=("/node/n1/power_status", {"power_status": "On"}),
    ),
    Case("node_power_status", "GET", "/node/n1/power_status", result={"power_status": "Off"}),
    Case("node_set_bootdev", "PUT", "/node/n1/boot_device", {"bootdev": "pxe"}),
    Case(
        "node_enable_disable_obm",
        "PUT",
        "/node/n1/obm",
        {"enabled": False},
        readback=(
            "/node/n1/power_status",
            {
                "type": "BlockedError",
                "msg": "OBM of node n1 is disabled; enable it with PUT /node/n1/obm.",
            },
        ),
    ),
    # The mock BMC has no serial console: allowed callers learn so (400).
    Case("show_console", "GET", "/node/n1/console", member=NO_CONSOLE, admin=NO_CONSOLE),
    Case("start_console", "PUT", "/node/n1/console", member=NO_CONSOLE, admin=NO_CONSOLE),
    Case("stop_console", "DELETE", "/node/n1/console", member=NO_CONSOLE, admin=NO_CONSOLE),
    # ---- Misc
    admin_only(
        "list_active_extensions",
        "GET",
        "/active_extensions",
        result=[
            "haas.auth.database",
            "haas.network_allocators.vlan_pool",
            "haas.obm.mock",
            "haas.switches.mock",
        ],
    ),
    anyone("version", "GET", "/version", result={"version": __version__, "api": "v0"}),
]

#: Calls of the spec sections this table leaves out (networking actions, headnodes):
#: they get their own tables when implemented.
NOT_IN_TABLE = {
    "list_networking_actions",  # haas's own networking call, beside the spec's
    "node_connect_network",
    "node_detach_network",
    "port_revert",
    "show_networking_action",
    "headnode_create",
    "headnode_delete",
    "headnode_start",
    "headnode_stop",
    "headnode_create_hnic",
    "headnode_delete_hnic",
    "headnode_connect_network",
    "headnode_detach_network",
    "show_headnode",
    "list_headnode_images",
}


# ------------------------------------------------------------------ the tests


def _read(api: Api, path: str) -> Any:
    resp = api.get("/v0" + path)
    assert resp.content_type == "application/json", resp.text
    return resp.json


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("case", TABLE, ids=[c.id for c in TABLE])
def test_call_answers_each_caller_as_the_table_says(world: Api, case: Case, caller: str) -> None:
    before = _read(world, case.readback[0]) if case.readback else None
    resp = world.request(case.method, "/v0" + case.path, case.body, user=USER_OF[caller])
    outcome = case.outcome(caller)
    if outcome == OK:
        assert resp.status_int == 200, resp.text
        expected = case.expected_result(caller)
        if expected == EMPTY:
            assert resp.body == b""
        else:
            assert resp.content_type == "application/json"
            assert resp.json == expected
        if case.readback:
            assert _read(world, case.readback[0]) == case.readback[1]
    else:
        status, type_ = outcome
        assert resp.status_int == status, resp.text
        assert resp.content_type == "application/json"
        assert resp.json["type"] == type_
        assert resp.json["msg"]
        if status == 401:
            assert resp.headers["WWW-Authenticate"] == 'Basic realm="haas"'
        if case.readback:
            assert _read(world, case.readback[0]) == before


@pytest.mark.parametrize("case", [c for c in TABLE if c.readback], ids=lambda c: c.id)
def test_table_readbacks_change_when_the_call_succeeds(world: Api, case: Case) -> None:
    """A readback equal to the world's initial state could not tell success from denial."""
    assert case.readback is not None
    assert _read(world, case.readback[0]) != case.readback[1]


def test_table_names_the_route_each_row_calls(api: Api) -> None:
    table = RouteTable(all_routes(api.services))
    for case in TABLE:
        route, _ = table.match(case.method, case.path.split("?")[0])
        assert route.name == case.name, case.id


def test_table_covers_every_implemented_call_of_its_sections(api: Api) -> None:
    implemented = {route.name for route in all_routes(api.services)}
    assert implemented - NOT_IN_TABLE <= {case.name for case in TABLE}


def test_world_matches_its_description(world: Api) -> None:
    """The setup every case relies on (so a broken setup fails here, once, clearly)."""
    assert _read(world, "/networks") == ALL_NETWORKS
    assert _read(world, "/node/n1") == N1_ADMIN
    assert _read(world, "/node/free1") == FREE1_ADMIN
    assert _read(world, "/nodes/all") == ALL_NODES
    assert _read(world, "/auth/basic/users") == USERS
    assert _read(world, "/switch/sw0") == sw0(*SW0_PORTS)
    assert _read(world, "/project/p2/nodes") == ["n2"]

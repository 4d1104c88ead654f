"""Headnodes (spec/api.md section 4, "Headnodes") through the API, with the libvirt backend
on libvirt's test driver, so every start, stop and delete changes real libvirt objects; and
the ``null`` backend and no backend at all."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.conftest import USERS, MakeServices, seed_users
from tests.support.app import Api
from tests.support.assertions import assert_empty_ok, assert_error, assert_json
from tests.support.libvirt_world import GIB, URI, LibvirtWorld, libvirt_world

P1_NET = {"owner": "p1", "access": "p1", "net_id": ""}
P2_NET = {"owner": "p2", "access": "p2", "net_id": ""}
PUBLIC = {"owner": "admin", "access": "", "net_id": ""}
PASSWORDS = {name: pw for name, (pw, _, _) in USERS.items()}


@pytest.fixture
def world() -> Iterator[LibvirtWorld]:
    with libvirt_world() as made:
        yield made


def libvirt_config(world: LibvirtWorld, **options: str) -> dict[str, dict[str, Any]]:
    return {
        "plugins": {"headnode": "libvirt"},
        "headnode_libvirt": {
            "uri": URI,
            "base_images": f"centos:{world.base_domain}, debian:{world.base_domain}",
            "storage_pool": world.pool_name,
            "domain_prefix": world.prefix,
            "network_mode": "ovs",
            "ovs_bridge": "br-fabric",
            **options,
        },
    }


def make_api(make_services: MakeServices, overrides: dict[str, dict[str, Any]]) -> Api:
    services = make_services(overrides)
    seed_users(services, USERS)
    return Api(services, PASSWORDS)


@pytest.fixture
def api(make_services: MakeServices, world: LibvirtWorld) -> Api:
    """admin; alice in p1; bob in p2; the libvirt backend with images centos and debian."""
    return make_api(make_services, libvirt_config(world))


# ------------------------------------------------------------------ helpers


def create(api: Api, name: str = "hn1", user: str = "alice", img: str = "centos") -> None:
    assert_empty_ok(api.put(f"/v0/headnode/{name}", {"project": "p1", "base_img": img}, user=user))


def hnic(api: Api, headnode: str, label: str, network: str | None = None) -> None:
    assert_empty_ok(api.put(f"/v0/headnode/{headnode}/hnic/{label}", user="alice"))
    if network is not None:
        connect(api, headnode, label, network)


def connect(api: Api, headnode: str, label: str, network: str) -> None:
    path = f"/v0/headnode/{headnode}/hnic/{label}/connect_network"
    assert_empty_ok(api.post(path, {"network": network}, user="alice"))


def network(api: Api, name: str, body: dict[str, str]) -> str:
    """Create a network; its id on the wire."""
    assert_empty_ok(api.put(f"/v0/network/{name}", body))
    return str(api.get("/v0/networks").json[name]["network_id"])


def show(api: Api, name: str = "hn1") -> dict[str, Any]:
    resp = api.get(f"/v0/headnode/{name}")
    assert resp.status_int == 200, resp.text
    return dict(resp.json)


def domain(world: LibvirtWorld, api: Api, name: str = "hn1") -> Any:
    return world.domain(show(api, name)["uuid"])


def tags(dom: Any) -> list[list[str | None]]:
    root = ET.fromstring(dom.XMLDesc(0))  # noqa: S314 - libvirt's own XML
    return [[t.get("id") for t in i.findall("./vlan/tag")] for i in root.iter("interface")]


def start(api: Api, name: str = "hn1") -> None:
    assert_empty_ok(api.post(f"/v0/headnode/{name}/start", user="alice"))


# ------------------------------------------------------------------ images, create, show


def test_list_headnode_images_is_sorted_and_open_to_any_caller(api: Api) -> None:
    for user in ("admin", "alice", "bob"):
        assert_json(api.get("/v0/headnode_images/", user=user), ["centos", "debian"])
    assert_json(api.get("/v0/headnode_images"), ["centos", "debian"])
    assert_error(api.get("/v0/headnode_images/", user=None), 401, "AuthorizationError")


def test_create_stores_the_headnode_and_makes_no_vm(api: Api, world: LibvirtWorld) -> None:
    create(api)
    body = show(api)
    assert str(uuid.UUID(body["uuid"])) == body["uuid"]
    assert body == {
        "name": "hn1",
        "project": "p1",
        "hnics": [],
        "vncport": None,
        "uuid": body["uuid"],
        "base_img": "centos",
    }
    assert world.domain(body["uuid"]) is None and world.volumes() == []
    assert_json(api.get("/v0/project/p1/headnodes", user="alice"), ["hn1"])
    assert show(api, "hn1") == body  # admins see it too
    assert_json(api.get("/v0/headnode/hn1", user="alice"), body)


def test_each_headnode_has_its_own_uuid(api: Api) -> None:
    create(api, "hn1")
    create(api, "hn2", user="admin")
    assert show(api, "hn1")["uuid"] != show(api, "hn2")["uuid"]


def test_create_with_an_unknown_image_is_a_bad_argument(api: Api) -> None:
    resp = api.put("/v0/headnode/hn1", {"project": "p1", "base_img": "windows"}, user="alice")
    assert_error(resp, 400, "BadArgumentError", "Unknown base image 'windows'.")
    assert_json(api.get("/v0/project/p1/headnodes"), [])


def test_create_with_a_name_libvirt_would_refuse_changes_nothing(
    api: Api, world: LibvirtWorld
) -> None:
    long_name = "h" * (201 - len(world.prefix))
    resp = api.put(f"/v0/headnode/{long_name}", {"project": "p1", "base_img": "centos"})
    assert "too long for a VM name" in assert_error(resp, 400, "BadArgumentError")
    assert_json(api.get("/v0/project/p1/headnodes"), [])
    create(api, "h" * (200 - len(world.prefix)))


def test_create_duplicate_is_a_conflict(api: Api) -> None:
    create(api)
    uuid_before = show(api)["uuid"]
    resp = api.put("/v0/headnode/hn1", {"project": "p2", "base_img": "debian"})
    assert_error(resp, 409, "DuplicateError", "Headnode hn1 already exists.")
    assert show(api)["uuid"] == uuid_before and show(api)["project"] == "p1"


def test_create_in_a_missing_project_is_not_found(api: Api) -> None:
    resp = api.put("/v0/headnode/hn1", {"project": "nope", "base_img": "centos"})
    assert_error(resp, 404, "NotFoundError", "Project nope does not exist.")


def test_create_in_another_project_is_forbidden(api: Api) -> None:
    resp = api.put("/v0/headnode/hn1", {"project": "p1", "base_img": "centos"}, user="bob")
    assert_error(resp, 403, "AuthorizationError")
    assert_json(api.get("/v0/project/p1/headnodes"), [])


@pytest.mark.parametrize(
    "body",
    [{"project": "p1"}, {"base_img": "centos"}, {"project": "p1", "base_img": 7}, {"x": 1}],
)
def test_create_with_a_bad_body_is_a_validation_error(api: Api, body: dict[str, Any]) -> None:
    assert_error(api.put("/v0/headnode/hn1", body, user="alice"), 400, "ValidationError")


def test_show_of_a_missing_headnode_is_not_found(api: Api) -> None:
    assert_error(
        api.get("/v0/headnode/nope"), 404, "NotFoundError", "Headnode nope does not exist."
    )


# ------------------------------------------------------------------ hnics


def test_hnics_are_listed_sorted_and_can_be_deleted(api: Api) -> None:
    create(api)
    for label in ("eth1", "eth0", "mgmt"):
        hnic(api, "hn1", label)
    assert show(api)["hnics"] == ["eth0", "eth1", "mgmt"]
    assert_empty_ok(api.delete("/v0/headnode/hn1/hnic/eth1", user="alice"))
    assert show(api)["hnics"] == ["eth0", "mgmt"]


def test_hnic_create_duplicate_and_delete_missing(api: Api) -> None:
    create(api)
    hnic(api, "hn1", "eth0")
    resp = api.put("/v0/headnode/hn1/hnic/eth0", user="alice")
    assert_error(resp, 409, "DuplicateError", "Hnic eth0 on Headnode hn1 already exists.")
    resp = api.delete("/v0/headnode/hn1/hnic/eth9", user="alice")
    assert_error(resp, 404, "NotFoundError", "Hnic eth9 on Headnode hn1 does not exist.")
    assert_error(api.put("/v0/headnode/nope/hnic/eth0"), 404, "NotFoundError")


def test_same_hnic_label_on_two_headnodes(api: Api) -> None:
    create(api, "hn1")
    create(api, "hn2")
    hnic(api, "hn1", "eth0")
    hnic(api, "hn2", "eth0")
    assert show(api, "hn2")["hnics"] == ["eth0"]


def test_hnic_changes_by_another_project_are_forbidden(api: Api) -> None:
    create(api)
    hnic(api, "hn1", "eth0")
    assert_error(api.put("/v0/headnode/hn1/hnic/eth1", user="bob"), 403, "AuthorizationError")
    assert_error(api.delete("/v0/headnode/hn1/hnic/eth0", user="bob"), 403, "AuthorizationError")
    assert show(api)["hnics"] == ["eth0"]


# ------------------------------------------------------------------ connect and detach


def test_connected_hnics_become_tagged_interfaces_at_the_first_start(
    api: Api, world: LibvirtWorld
) -> None:
    own = network(api, "net-a", P1_NET)
    public = network(api, "pub", PUBLIC)
    create(api)
    hnic(api, "hn1", "eth0", "net-a")
    hnic(api, "hn1", "eth1")
    hnic(api, "hn1", "eth2", "pub")
    start(api)
    assert tags(domain(world, api)) == [[own], [public]]


def test_connect_replaces_the_network_and_detach_removes_it(api: Api, world: LibvirtWorld) -> None:
    network(api, "net-a", P1_NET)
    net_b = network(api, "net-b", P1_NET)
    create(api)
    hnic(api, "hn1", "eth0", "net-a")
    connect(api, "hn1", "eth0", "net-b")
    hnic(api, "hn1", "eth1", "net-a")
    assert_empty_ok(api.post("/v0/headnode/hn1/hnic/eth1/detach_network", user="alice"))
    # Detaching an hnic without a network is harmless.
    assert_empty_ok(api.post("/v0/headnode/hn1/hnic/eth1/detach_network", user="alice"))
    start(api)
    assert tags(domain(world, api)) == [[net_b]]


def test_connect_to_a_network_with_an_id_outside_the_pool_is_a_bad_argument(api: Api) -> None:
    network(api, "ext", {"owner": "admin", "access": "", "net_id": "500"})
    network(api, "prov", {"owner": "admin", "access": "p1", "net_id": "3000"})
    create(api)
    hnic(api, "hn1", "eth0")
    for net in ("ext", "prov"):
        resp = api.post(
            "/v0/headnode/hn1/hnic/eth0/connect_network", {"network": net}, user="alice"
        )
        assert "outside the pool" in assert_error(resp, 400, "BadArgumentError")
    # Nothing changed: the hnic can still be deleted, the networks too.
    assert_empty_ok(api.delete("/v0/network/ext"))


def test_connect_to_a_network_the_project_may_not_use_is_a_mismatch(api: Api) -> None:
    network(api, "bobs", P2_NET)
    create(api)
    hnic(api, "hn1", "eth0")
    resp = api.post("/v0/headnode/hn1/hnic/eth0/connect_network", {"network": "bobs"})
    assert_error(resp, 409, "ProjectMismatchError")
    assert_empty_ok(api.delete("/v0/network/bobs", user="bob"))  # not held by the hnic


def test_connect_and_detach_missing_objects_are_not_found(api: Api) -> None:
    network(api, "net-a", P1_NET)
    create(api)
    hnic(api, "hn1", "eth0")
    cases = [
        ("/v0/headnode/nope/hnic/eth0/connect_network", {"network": "net-a"}, "Headnode nope"),
        ("/v0/headnode/hn1/hnic/eth9/connect_network", {"network": "net-a"}, "Hnic eth9"),
        ("/v0/headnode/hn1/hnic/eth0/connect_network", {"network": "nope"}, "Network nope"),
        ("/v0/headnode/hn1/hnic/eth9/detach_network", None, "Hnic eth9"),
    ]
    for path, body, what in cases:
        assert assert_error(api.post(path, body), 404, "NotFoundError").startswith(what)


def test_connect_and_detach_by_another_project_are_forbidden(api: Api) -> None:
    network(api, "pub", PUBLIC)
    create(api)
    hnic(api, "hn1", "eth0", "pub")
    path = "/v0/headnode/hn1/hnic/eth0/"
    resp = api.post(path + "connect_network", {"network": "pub"}, user="bob")
    assert_error(resp, 403, "AuthorizationError")
    assert_error(api.post(path + "detach_network", user="bob"), 403, "AuthorizationError")
    assert_error(api.delete("/v0/network/pub"), 409, "BlockedError")  # still connected


def test_connect_requires_the_network_key(api: Api) -> None:
    create(api)
    hnic(api, "hn1", "eth0")
    resp = api.post("/v0/headnode/hn1/hnic/eth0/connect_network", {}, user="alice")
    assert_error(resp, 400, "ValidationError")


def test_connect_to_a_network_the_backend_cannot_attach_is_a_bad_argument(
    make_services: MakeServices, world: LibvirtWorld
) -> None:
    # In bridge mode with the null allocator, a network id (a uuid) makes no bridge name.
    overrides = libvirt_config(world, network_mode="bridge")
    overrides["plugins"]["network_allocator"] = "null"
    api = make_api(make_services, overrides)
    network(api, "net-a", P1_NET)
    create(api)
    hnic(api, "hn1", "eth0")
    resp = api.post("/v0/headnode/hn1/hnic/eth0/connect_network", {"network": "net-a"})
    assert "not a valid interface name" in assert_error(resp, 400, "BadArgumentError")
    assert_empty_ok(api.delete("/v0/network/net-a"))  # not held by the hnic


# ------------------------------------------------------------------ start, stop, frozen hnics


def test_first_start_creates_the_vm_and_freezes_the_hnics(api: Api, world: LibvirtWorld) -> None:
    network(api, "net-a", P1_NET)
    network(api, "net-b", P1_NET)
    create(api)
    hnic(api, "hn1", "eth0", "net-a")
    hnic(api, "hn1", "eth1")
    start(api)
    dom = domain(world, api)
    assert dom.isActive() and dom.autostart() and dom.name() == f"{world.prefix}hn1"
    uid = show(api)["uuid"]
    assert world.volumes() == [f"{uid}-vda.qcow2", f"{uid}-vdb.qcow2"]
    frozen = [
        ("PUT", "/v0/headnode/hn1/hnic/eth2", None),
        ("DELETE", "/v0/headnode/hn1/hnic/eth0", None),
        ("POST", "/v0/headnode/hn1/hnic/eth1/connect_network", {"network": "net-b"}),
        ("POST", "/v0/headnode/hn1/hnic/eth0/detach_network", None),
    ]
    for stopped in (False, True):
        if stopped:
            assert_empty_ok(api.post("/v0/headnode/hn1/stop", user="alice"))
        for method, path, body in frozen:
            resp = api.request(method, path, body, user="alice")
            assert "has been started" in assert_error(resp, 409, "IllegalStateError")
    assert show(api)["hnics"] == ["eth0", "eth1"]
    assert_error(api.delete("/v0/network/net-a"), 409, "BlockedError")
    assert_empty_ok(api.delete("/v0/network/net-b"))


def test_stop_and_start_again_power_the_same_vm(api: Api, world: LibvirtWorld) -> None:
    create(api)
    assert_empty_ok(api.post("/v0/headnode/hn1/stop", user="alice"))  # never started: no-op
    start(api)
    dom = domain(world, api)
    assert_empty_ok(api.post("/v0/headnode/hn1/stop", user="alice"))
    assert not dom.isActive()
    start(api)
    start(api)
    assert dom.isActive()
    assert len(world.volumes()) == 2


def test_start_and_stop_by_another_project_or_of_a_missing_headnode(
    api: Api, world: LibvirtWorld
) -> None:
    create(api)
    assert_error(api.post("/v0/headnode/hn1/start", user="bob"), 403, "AuthorizationError")
    assert world.domain(show(api)["uuid"]) is None
    start(api)
    assert_error(api.post("/v0/headnode/hn1/stop", user="bob"), 403, "AuthorizationError")
    assert domain(world, api).isActive()
    for action in ("start", "stop"):
        assert_error(api.post(f"/v0/headnode/nope/{action}"), 404, "NotFoundError")


def test_show_reports_the_vnc_port_of_the_running_vm(api: Api, world: LibvirtWorld) -> None:
    create(api)
    assert show(api)["vncport"] is None
    start(api)
    assert show(api)["vncport"] is None  # autoport: the test driver never assigns one
    # Stand in for real libvirt's automatic port (see the integration test): run the
    # headnode's VM with a port of its own.
    dom = domain(world, api)
    dom.destroy()
    xml = dom.XMLDesc(0).replace("port='-1' autoport='yes'", "port='5911' autoport='no'")
    world.conn.defineXML(xml).create()
    assert show(api)["vncport"] == 5911
    assert_json(api.get("/v0/headnode/hn1", user="alice"), show(api))
    assert_error(api.get("/v0/headnode/hn1", user="bob"), 403, "AuthorizationError")
    assert_empty_ok(api.post("/v0/headnode/hn1/stop", user="alice"))
    assert show(api)["vncport"] is None


def test_concurrent_first_starts_make_one_vm(api: Api, world: LibvirtWorld) -> None:
    create(api)
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(
            pool.map(lambda _: api.post("/v0/headnode/hn1/start").status_int, range(4))
        )
    assert statuses == [200] * 4
    uid = show(api)["uuid"]
    assert world.domain(uid).isActive()
    assert world.volumes() == [f"{uid}-vda.qcow2", f"{uid}-vdb.qcow2"]


def test_hnic_changes_racing_the_first_start_are_before_it_or_refused(
    api: Api, world: LibvirtWorld
) -> None:
    network(api, "net-a", P1_NET)
    create(api)
    calls = ["eth0", "eth1", "eth2", "start", "eth3", "eth4", "eth5"]

    def call(label: str) -> tuple[int, int | None]:
        if label == "start":
            return api.post("/v0/headnode/hn1/start").status_int, None
        created = api.put(f"/v0/headnode/hn1/hnic/{label}").status_int
        if created != 200:
            return created, None
        path = f"/v0/headnode/hn1/hnic/{label}/connect_network"
        return created, api.post(path, {"network": "net-a"}).status_int

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(zip(calls, pool.map(call, calls), strict=True))
    assert results.pop("start") == (200, None)
    assert {status for pair in results.values() for status in pair if status} <= {200, 409}
    assert show(api)["hnics"] == sorted(h for h, (made, _) in results.items() if made == 200)
    # The VM has an interface for every connect that succeeded: none slipped in after the
    # VM was built, and every later one was refused.
    connected = [h for h, (_, joined) in results.items() if joined == 200]
    assert len(tags(domain(world, api))) == len(connected)


# ------------------------------------------------------------------ libvirt failures


def test_a_libvirt_failure_is_a_json_error_and_leaves_nothing(
    make_services: MakeServices, world: LibvirtWorld
) -> None:
    base = world.define_base(f"haas-big-{world.suffix}", {"vda": 1024**2, "vdb": 40 * GIB})
    world.add_volume(world.pool, "filler.img", 25 * GIB, fmt="raw")
    api = make_api(make_services, libvirt_config(world, base_images=f"big:{base}"))
    network(api, "net-a", P1_NET)
    create(api, img="big")
    hnic(api, "hn1", "eth0", "net-a")
    resp = api.post("/v0/headnode/hn1/start", user="alice")
    msg = assert_error(resp, 502, "HeadnodeError")
    assert msg.startswith(f"Headnode hn1: could not clone base domain {base}: ")
    assert "Traceback" not in resp.text
    assert world.domain(show(api)["uuid"]) is None
    assert world.volumes() == ["filler.img"]
    # Not started: the hnics can still change, and a retry after making room works.
    hnic(api, "hn1", "eth1")
    world.volume("filler.img").delete(0)
    start(api)
    assert domain(world, api).isActive()


def test_a_base_domain_gone_from_libvirt_fails_the_start_cleanly(
    api: Api, world: LibvirtWorld
) -> None:
    create(api)
    world.conn.lookupByName(world.base_domain).undefine()
    world.extra_domains.remove(world.base_domain)
    resp = api.post("/v0/headnode/hn1/start", user="alice")
    assert "could not read base domain" in assert_error(resp, 502, "HeadnodeError")
    assert world.volumes() == []
    hnic(api, "hn1", "eth0")  # still not started


def test_a_vm_removed_behind_haass_back_fails_start_stop_and_show(
    api: Api, world: LibvirtWorld
) -> None:
    create(api)
    start(api)
    dom = domain(world, api)
    dom.destroy()
    dom.undefine()
    for resp in (
        api.post("/v0/headnode/hn1/start", user="alice"),
        api.post("/v0/headnode/hn1/stop", user="alice"),
    ):
        assert "gone from libvirt" in assert_error(resp, 502, "HeadnodeError")
    assert show(api)["vncport"] is None
    assert_empty_ok(api.delete("/v0/headnode/hn1", user="alice"))
    assert world.volumes() == []


def test_unreachable_libvirt_is_a_json_error(
    make_services: MakeServices, world: LibvirtWorld
) -> None:
    api = make_api(make_services, libvirt_config(world, uri="test:///nonexistent/haas.xml"))
    create(api)
    resp = api.post("/v0/headnode/hn1/start", user="alice")
    assert "Cannot connect to libvirt" in assert_error(resp, 502, "HeadnodeError")
    resp = api.delete("/v0/headnode/hn1", user="alice")
    assert_error(resp, 502, "HeadnodeError")
    assert show(api)["name"] == "hn1"  # the failed delete changed nothing


# ------------------------------------------------------------------ delete


def test_delete_destroys_the_vm_and_its_disks(api: Api, world: LibvirtWorld) -> None:
    network(api, "net-a", P1_NET)
    create(api)
    create(api, "hn2")
    hnic(api, "hn1", "eth0", "net-a")
    start(api)
    start(api, "hn2")
    uid = show(api)["uuid"]
    assert_empty_ok(api.delete("/v0/headnode/hn1", user="alice"))
    assert world.domain(uid) is None
    uid2 = show(api, "hn2")["uuid"]
    assert world.volumes() == [f"{uid2}-vda.qcow2", f"{uid2}-vdb.qcow2"]
    assert_error(api.get("/v0/headnode/hn1"), 404, "NotFoundError")
    assert_json(api.get("/v0/project/p1/headnodes"), ["hn2"])
    assert_empty_ok(api.delete("/v0/network/net-a"))  # its hnic went with it
    create(api)  # the name is free again


def test_delete_of_a_never_started_headnode(api: Api) -> None:
    create(api)
    hnic(api, "hn1", "eth0")
    assert_empty_ok(api.delete("/v0/headnode/hn1"))
    assert_json(api.get("/v0/project/p1/headnodes"), [])
    assert_empty_ok(api.delete("/v0/project/p1"))


def test_delete_by_another_project_or_of_a_missing_headnode(api: Api, world: LibvirtWorld) -> None:
    create(api)
    start(api)
    assert_error(api.delete("/v0/headnode/hn1", user="bob"), 403, "AuthorizationError")
    assert domain(world, api).isActive()
    assert_error(api.delete("/v0/headnode/nope"), 404, "NotFoundError")


# ------------------------------------------------------------------ who may call what

CALLS = [
    ("PUT", "/v0/headnode/hn2", {"project": "p1", "base_img": "centos"}),
    ("DELETE", "/v0/headnode/hn1", None),
    ("POST", "/v0/headnode/hn1/start", None),
    ("POST", "/v0/headnode/hn1/stop", None),
    ("PUT", "/v0/headnode/hn1/hnic/eth1", None),
    ("DELETE", "/v0/headnode/hn1/hnic/eth0", None),
    ("POST", "/v0/headnode/hn1/hnic/eth0/connect_network", {"network": "pub"}),
    ("POST", "/v0/headnode/hn1/hnic/eth0/detach_network", None),
    ("GET", "/v0/headnode/hn1", None),
]


@pytest.mark.parametrize("user", ["alice", "admin"])
@pytest.mark.parametrize(("method", "path", "body"), CALLS, ids=[f"{m} {p}" for m, p, _ in CALLS])
def test_each_call_is_for_project_members_and_admins(
    api: Api, method: str, path: str, body: Any, user: str
) -> None:
    network(api, "pub", PUBLIC)
    create(api)
    hnic(api, "hn1", "eth0")
    before = show(api)
    assert_error(api.request(method, path, body, user=None), 401, "AuthorizationError")
    assert_error(api.request(method, path, body, user="bob"), 403, "AuthorizationError")
    assert show(api) == before
    assert_json(api.get("/v0/project/p1/headnodes"), ["hn1"])
    resp = api.request(method, path, body, user=user)
    assert resp.status_int == 200, resp.text


# ------------------------------------------------------------------ other backends


def test_null_backend_keeps_headnodes_in_the_database_only(make_services: MakeServices) -> None:
    api = make_api(
        make_services, {"plugins": {"headnode": "null"}, "headnode_null": {"images": "b, a"}}
    )
    assert_json(api.get("/v0/headnode_images/"), ["a", "b"])
    network(api, "net-a", P1_NET)
    create(api, img="a")
    hnic(api, "hn1", "eth0", "net-a")
    start(api)
    assert show(api)["vncport"] is None
    assert_error(api.put("/v0/headnode/hn1/hnic/eth1", user="alice"), 409, "IllegalStateError")
    assert_empty_ok(api.post("/v0/headnode/hn1/stop", user="alice"))
    assert_empty_ok(api.delete("/v0/headnode/hn1", user="alice"))
    assert_json(
        api.get("/v0/active_extensions"),
        sorted(
            [
                "haas.auth.database",
                "haas.headnodes.null",
                "haas.network_allocators.vlan_pool",
                "haas.obm.mock",
                "haas.switches.mock",
            ]
        ),
    )


def test_without_a_backend_there_are_no_images_to_create_from(
    make_services: MakeServices,
) -> None:
    api = make_api(make_services, {})
    assert_json(api.get("/v0/headnode_images/"), [])
    resp = api.put("/v0/headnode/hn1", {"project": "p1", "base_img": "centos"})
    assert_error(resp, 400, "BadArgumentError")

"""The haas_client library against a live haas (real HTTP, database auth, a network agent)."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

import haas_client
from haas_client import Client, HaasError
from tests.support.live import ADMIN_PASSWORD, LiveHaas, live_haas
from tests.support.pgcluster import free_port

MOCK_OBM = {"type": "mock", "host": "bmc", "user": "root", "password": "calvin"}
MOCK_SWITCH = {"hostname": "sw", "username": "admin", "password": "secret"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHaas]:
    with live_haas(tmp_path_factory.mktemp("haas")) as live:
        yield live


@pytest.fixture
def admin(server: LiveHaas) -> Client:
    return server.client()


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def raises(call: Callable[[], Any], type: str, status: int | None) -> HaasError:
    with pytest.raises(HaasError) as info:
        call()
    assert (info.value.type, info.value.status) == (type, status), info.value
    return info.value


def test_importing_the_client_needs_none_of_the_server_dependencies() -> None:
    code = (
        "import sys, haas_client, haas_client.cli, haas_client.sync, haas_client.server_state\n"
        "server = {'haas_core', 'sqlalchemy', 'pecan', 'oslo_config', 'pydantic',"
        " 'werkzeug', 'waitress', 'alembic', 'psycopg2'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in server))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_the_public_surface_is_the_client_and_its_error() -> None:
    assert haas_client.__all__ == ["Client", "HaasError"]


def test_projects_nodes_nics_and_metadata(admin: Client) -> None:
    project, node = unique("proj"), unique("node")
    admin.projects.create(project)
    assert project in admin.projects.list()
    admin.nodes.register(node, MOCK_OBM, metadata={"rack": "A3", "cores": 32})
    admin.nodes.register_nic(node, "eth0", "52:54:00:00:00:01")
    admin.nodes.set_metadata(node, "tags", ["gpu", "big"])
    assert node in admin.nodes.list("free") and node in admin.nodes.list("all")
    shown = admin.nodes.show(node)
    assert shown["name"] == node and shown["project"] is None
    assert shown["metadata"] == {"rack": "A3", "cores": 32, "tags": ["gpu", "big"]}
    assert shown["nics"] == [
        {"label": "eth0", "macaddr": "52:54:00:00:00:01", "networks": {}, "port": None,
         "switch": None}
    ]  # fmt: skip
    admin.projects.connect_node(project, node)
    assert admin.projects.nodes(project) == [node]
    assert node not in admin.nodes.list("free")
    admin.projects.detach_node(project, node)
    admin.nodes.delete_metadata(node, "tags")
    admin.nodes.delete_nic(node, "eth0")
    assert admin.nodes.show(node)["nics"] == []
    admin.nodes.delete(node)
    admin.projects.delete(project)
    assert project not in admin.projects.list()


def test_errors_carry_the_servers_type_message_and_status(server: LiveHaas, admin: Client) -> None:
    error = raises(lambda: admin.nodes.show("no-such-node"), "NotFoundError", 404)
    assert error.msg == "Node no-such-node does not exist."
    assert str(error) == "NotFoundError: Node no-such-node does not exist."
    project = unique("proj")
    admin.projects.create(project)
    raises(lambda: admin.projects.create(project), "DuplicateError", 409)
    raises(lambda: admin.nodes.register(unique("n"), {"type": 3}), "ValidationError", 400)
    raises(lambda: server.client("admin", "wrong").projects.list(), "AuthorizationError", 401)
    user = unique("user")
    admin.users.create(user, "pw")
    raises(lambda: server.client(user, "pw").projects.list(), "AuthorizationError", 403)
    with pytest.raises(ValueError, match="exactly one of obm and obmd"):
        admin.nodes.register("n", None)


def test_an_unreachable_server_is_a_haas_error_without_status() -> None:
    dead = Client(f"http://127.0.0.1:{free_port()}/v0", "admin", "pw")
    error = raises(dead.version, "ConnectionError", None)
    assert "cannot reach haas" in error.msg


def test_labels_are_url_encoded_so_port_names_keep_their_slashes(admin: Client) -> None:
    assert admin.transport.url("switch", "sw0", "port", "gi1/0/1").endswith(
        "/switch/sw0/port/gi1%2F0%2F1"
    )
    switch, node = unique("sw"), f"rack 1#{uuid.uuid4().hex[:6]}?x"  # space, '#' and '?' too
    admin.switches.register(switch, "mock", **MOCK_SWITCH)
    admin.ports.register(switch, "gi1/0/1")
    admin.nodes.register(node, MOCK_OBM)
    admin.nodes.register_nic(node, "eth0", "52:54:00:00:00:02")
    admin.ports.connect_nic(switch, "gi1/0/1", node, "eth0")
    assert admin.ports.show(switch, "gi1/0/1") == {"node": node, "nic": "eth0", "networks": {}}
    assert admin.switches.show(switch)["ports"] == [{"label": "gi1/0/1"}]
    assert admin.nodes.show(node)["nics"][0]["port"] == "gi1/0/1"
    admin.ports.detach_nic(switch, "gi1/0/1")
    assert admin.ports.show(switch, "gi1/0/1") == {}
    admin.ports.delete(switch, "gi1/0/1")
    raises(lambda: admin.ports.show(switch, "gi1/0/1"), "NotFoundError", 404)
    admin.nodes.delete_nic(node, "eth0")
    admin.nodes.delete(node)
    admin.switches.delete(switch)
    assert switch not in admin.switches.list()


def _cabled_node(admin: Client, project: str, switch_fields: dict[str, Any] | None = None) -> str:
    """A node of ``project`` whose eth0 is cabled to port gi1/0/1 of a new mock switch."""
    node, switch = unique("node"), unique("sw")
    admin.switches.register(switch, "mock", **MOCK_SWITCH, **(switch_fields or {}))
    admin.ports.register(switch, "gi1/0/1")
    admin.nodes.register(node, MOCK_OBM)
    admin.nodes.register_nic(node, "eth0", "52:54:00:00:00:03")
    admin.ports.connect_nic(switch, "gi1/0/1", node, "eth0")
    admin.projects.connect_node(project, node)
    return node


def test_networks_and_networking_actions_through_the_agent(admin: Client) -> None:
    project, other, net = unique("proj"), unique("proj"), unique("net")
    admin.projects.create(project)
    admin.projects.create(other)
    node = _cabled_node(admin, project)
    switch = admin.nodes.show(node)["nics"][0]["switch"]
    admin.networks.create(net, project, project, "")
    assert admin.networks.list()[net]["projects"] == [project]
    assert admin.projects.networks(project) == [net]
    status_id = admin.nodes.connect_network(node, "eth0", net)
    action = admin.wait_for_action(status_id, timeout=30)
    assert action["status"] == "DONE", action
    assert (action["node"], action["nic"], action["new_network"]) == (node, "eth0", net)
    assert admin.nodes.show(node)["nics"][0]["networks"] == {"vlan/native": net}
    assert admin.networks.attachments(net) == {
        node: {"nic": "eth0", "channel": "vlan/native", "project": project}
    }
    assert admin.networks.attachments(net, project=project) == admin.networks.attachments(net)
    shown = admin.networks.show(net)
    assert (shown["owner"], shown["access"]) == (project, [project])
    assert shown["connected-nodes"] == {node: ["eth0"]}
    admin.networks.grant_access(net, other)
    assert sorted(admin.networks.show(net)["access"]) == sorted([project, other])
    admin.networks.revoke_access(net, other)
    listed = admin.networking_actions.list(node=node, limit=5)
    assert [a["id"] for a in listed] == [status_id]
    assert admin.networking_actions.list(switch=switch, status="ERROR") == []
    detach = admin.nodes.detach_network(node, "eth0", net)
    assert admin.networking_actions.wait(detach, timeout=30)["status"] == "DONE"
    revert = admin.ports.revert(switch, "gi1/0/1")
    assert admin.wait_for_action(revert, timeout=30)["type"] == "revert_port"
    admin.networks.delete(net)
    raises(lambda: admin.networks.show(net), "NotFoundError", 404)


def test_wait_for_action_reports_error_and_times_out(admin: Client) -> None:
    project, net = unique("proj"), unique("net")
    admin.projects.create(project)
    admin.networks.create(net, project, project)
    broken = _cabled_node(admin, project, {"simulate_failure": "the switch is on fire"})
    action = admin.wait_for_action(admin.nodes.connect_network(broken, "eth0", net), 30)
    assert action["status"] == "ERROR" and "the switch is on fire" in action["error"]
    slow = _cabled_node(admin, project, {"session_open_seconds": 3})
    status_id = admin.nodes.connect_network(slow, "eth0", net)
    error = raises(lambda: admin.wait_for_action(status_id, timeout=0.3), "TimeoutError", None)
    assert status_id in error.msg
    assert admin.wait_for_action(status_id, timeout=30)["status"] == "DONE"


def test_users_and_their_projects(server: LiveHaas, admin: Client) -> None:
    user, project = unique("user"), unique("proj")
    admin.projects.create(project)
    admin.users.create(user, "s3cret")
    assert admin.users.list()[user] == {"is_admin": False, "projects": []}
    admin.users.add_project(user, project)
    assert admin.users.list()[user]["projects"] == [project]
    as_user = server.client(user, "s3cret")
    assert as_user.projects.nodes(project) == []
    admin.users.set_admin(user, True)
    assert admin.users.list()[user]["is_admin"] is True
    raises(lambda: admin.users.set_admin("admin", False), "IllegalStateError", 409)
    admin.users.remove_project(user, project)
    admin.users.delete(user)
    assert user not in admin.users.list()


def test_version_and_extensions(admin: Client) -> None:
    assert admin.version()["api"] == "v0"
    assert "database" in " ".join(admin.extensions.list())


def test_a_keystoneauth1_session_carries_the_requests(server: LiveHaas) -> None:
    session_mod = pytest.importorskip("keystoneauth1.session")
    basic = requests.Session()
    basic.auth = ("admin", ADMIN_PASSWORD)  # what a Keystone plugin would add, here Basic
    haas = Client(server.endpoint, session=session_mod.Session(session=basic))
    assert haas.version()["api"] == "v0"
    raises(lambda: haas.nodes.show("no-such-node"), "NotFoundError", 404)
    with pytest.raises(ValueError, match="not both"):
        Client(server.endpoint, "admin", "pw", session=basic)


def test_power_and_boot_device(server: LiveHaas, admin: Client) -> None:
    project = unique("proj")
    admin.projects.create(project)
    node = _cabled_node(admin, project)
    admin.nodes.enable_obm(node)
    admin.nodes.power_off(node)
    assert admin.nodes.power_status(node) == "Off"
    admin.nodes.power_on(node)
    assert admin.nodes.power_status(node) == "On"
    admin.nodes.power_cycle(node, force=True)
    admin.nodes.set_bootdev(node, "pxe")
    raises(lambda: admin.nodes.set_bootdev(node, "floppy"), "BadArgumentError", 400)
    admin.nodes.disable_obm(node)
    raises(lambda: admin.nodes.power_on(node), "BlockedError", 409)


def test_headnodes(server: LiveHaas, admin: Client) -> None:
    images = admin.headnodes.list_images()
    assert images == ["centos7", "ubuntu"]  # the live server's null backend
    project, headnode = unique("proj"), unique("hn")
    admin.projects.create(project)
    admin.headnodes.create(headnode, project, images[0])
    admin.headnodes.create_hnic(headnode, "eth0")
    assert admin.headnodes.list(project) == [headnode]
    assert admin.projects.headnodes(project) == [headnode]
    shown = admin.headnodes.show(headnode)
    assert (shown["name"], shown["project"], shown["base_img"]) == (headnode, project, images[0])
    admin.headnodes.delete_hnic(headnode, "eth0")
    admin.headnodes.delete(headnode)
    raises(lambda: admin.headnodes.show(headnode), "NotFoundError", 404)


class _SlowConsole(http.server.BaseHTTPRequestHandler):
    """Sends one line, then a second only once the test says the first arrived."""

    first_seen = threading.Event()
    protocol_version = "HTTP/1.1"  # chunked, as a WSGI server streams an open-ended body

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._chunk(b"login: ")
        self.first_seen.wait(10)
        self._chunk(b"root\n")
        self._chunk(b"")  # the end of the stream
        self.close_connection = True

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def log_message(self, *args: object) -> None:
        pass


def test_the_console_streams_bytes_as_they_arrive(tmp_path: Path) -> None:
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _SlowConsole)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        haas = Client(f"http://127.0.0.1:{httpd.server_address[1]}/v0", "u", "p", timeout=10)
        chunks = haas.nodes.console("node-01")
        assert next(chunks) == b"login: "  # before the server sends the rest
        _SlowConsole.first_seen.set()
        assert b"".join(chunks) == b"root\n"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()

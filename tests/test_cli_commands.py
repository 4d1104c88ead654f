"""The ``haas`` CLI against a live haas: every command's happy path and an error path."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from haas_client.cli import cli
from tests.support.live import ADMIN_PASSWORD, LiveHaas, live_haas
from tests.support.pgcluster import free_port

HAAS = str(Path(sys.executable).with_name("haas"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHaas]:
    with live_haas(tmp_path_factory.mktemp("haas")) as live:
        yield live


class Haas:
    """Runs ``haas ...`` in-process (click's runner) with the server's environment."""

    def __init__(self, server: LiveHaas, user: str = "admin", password: str = ADMIN_PASSWORD):
        self.env = server.env(user, password)

    def run(self, *args: str) -> Result:
        # catch_exceptions=False: a traceback would fail the test instead of being hidden.
        return CliRunner().invoke(cli, list(args), env=self.env, catch_exceptions=False)

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args, "--json"))

    def fails(self, *args: str, code: int = 1) -> str:
        result = self.run(*args)
        assert result.exit_code == code, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.output
        return result.stderr


@pytest.fixture
def haas(server: LiveHaas) -> Haas:
    return Haas(server)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def cabled_node(haas: Haas, project: str | None = None, **switch_fields: str) -> tuple[str, str]:
    """A node whose eth0 is cabled to port gi1/0/1 of a new mock switch: (node, switch)."""
    node, switch = unique("node"), unique("sw")
    fields = {"hostname": "sw", "username": "admin", "password": "pw", **switch_fields}
    haas.ok("switch", "register", switch, "mock", *(f"{k}={v}" for k, v in fields.items()))
    haas.ok("port", "register", switch, "gi1/0/1")
    haas.ok("node", "register", node, "mock", "bmc", "root", "calvin")
    haas.ok("node", "nic", "register", node, "eth0", "52:54:00:00:00:01")
    haas.ok("port", "nic", "add", switch, "gi1/0/1", node, "eth0")
    if project is not None:
        haas.ok("project", "node", "add", project, node)
    return node, switch


def test_projects(haas: Haas) -> None:
    project = unique("proj")
    assert haas.ok("project", "create", project) == ""
    assert project in haas.ok("project", "list")
    assert project in haas.json("project", "list")
    assert haas.json("project", "list-networks", project) == []
    assert "DuplicateError: Project" in haas.fails("project", "create", project)
    node, _ = cabled_node(haas, project)
    assert haas.json("project", "node", "list", project) == [node]
    assert "BlockedError" in haas.fails("project", "delete", project)
    haas.ok("project", "node", "remove", project, node)
    assert "is not attached" in haas.fails("project", "node", "remove", project, node)
    assert node in haas.json("node", "list", "free")
    haas.ok("project", "delete", project)
    assert "NotFoundError" in haas.fails("project", "list-networks", project)


def test_nodes_nics_and_metadata(haas: Haas) -> None:
    node = unique("node")
    haas.ok("node", "register", node, "mock", "bmc", "root", "calvin", "--metadata", "rack=A3")
    haas.ok("node", "nic", "register", node, "eth0", "52:54:00:00:00:09")
    haas.ok("node", "metadata", "add", node, "cores", "32")
    haas.ok("node", "metadata", "add", node, "owner", "team blue")
    shown = haas.json("node", "show", node)
    assert shown["metadata"] == {"rack": "A3", "cores": 32, "owner": "team blue"}
    assert [n["label"] for n in shown["nics"]] == ["eth0"]
    table = haas.ok("node", "show", node)
    assert "52:54:00:00:00:09" in table and "NIC" in table and node in table
    assert node in haas.ok("node", "list", "all").split()
    assert node in haas.json("node", "list", "free")
    haas.ok("node", "metadata", "delete", node, "owner")
    assert "NotFoundError" in haas.fails("node", "metadata", "delete", node, "owner")
    assert "DuplicateError" in haas.fails("node", "nic", "register", node, "eth0", "aa")
    assert "BlockedError" in haas.fails("node", "delete", node)  # it still has a NIC
    haas.ok("node", "nic", "delete", node, "eth0")
    assert "NotFoundError" in haas.fails("node", "nic", "delete", node, "eth0")
    haas.ok("node", "delete", node)
    assert f"Node {node} does not exist." in haas.fails("node", "show", node)
    assert "Invalid value" in haas.fails("node", "list", "some", code=2)


def test_node_register_forms(haas: Haas) -> None:
    node = unique("node")
    haas.ok("node", "register", node, "mock", "--obm-field", "host=b", "--obm-field", "user=u",
            "--obm-field", "password=p")  # fmt: skip
    assert "DuplicateError" in haas.fails("node", "register", node, "mock", "b", "u", "p")
    assert "give OBM_TYPE" in haas.fails("node", "register", unique("n"), code=2)
    assert "not KEY=VALUE" in haas.fails(
        "node", "register", unique("n"), "mock", "--obm-field", "oops", code=2
    )
    both = ("--obmd-uri", "http://obmd/n", "--obmd-admin-token", "t")
    assert "without OBM" in haas.fails("node", "register", unique("n"), "mock", *both, code=2)
    obmd_node = unique("node")
    haas.ok("node", "register", obmd_node, *both)
    assert haas.json("node", "show", obmd_node)["name"] == obmd_node
    error = haas.fails("node", "register", unique("n"), "no-such-obm", "b", "u", "p")
    assert "BadArgumentError" in error


def test_switches_and_ports(haas: Haas) -> None:
    node, switch = cabled_node(haas)
    assert switch in haas.json("switch", "list")
    assert switch in haas.ok("switch", "list")
    shown = haas.json("switch", "show", switch)
    assert shown["name"] == switch and shown["ports"] == [{"label": "gi1/0/1"}]
    assert "gi1/0/1" in haas.ok("switch", "show", switch)
    assert haas.json("port", "show", switch, "gi1/0/1") == {
        "node": node,
        "nic": "eth0",
        "networks": {},
    }
    assert "DuplicateError" in haas.fails("port", "nic", "add", switch, "gi1/0/1", node, "eth0")
    haas.ok("port", "nic", "remove", switch, "gi1/0/1")
    assert "NotFoundError" in haas.fails("port", "nic", "remove", switch, "gi1/0/1")
    assert haas.ok("port", "show", switch, "gi1/0/1").strip() == "no NIC cabled"
    assert haas.json("port", "show", switch, "gi1/0/1") == {}
    assert "BlockedError" in haas.fails("switch", "delete", switch)  # it has a port
    haas.ok("port", "delete", switch, "gi1/0/1")
    assert "NotFoundError" in haas.fails("port", "delete", switch, "gi1/0/1")
    assert "BadArgumentError" in haas.fails("port", "register", switch, "not a port")
    haas.ok("switch", "delete", switch)
    assert "NotFoundError" in haas.fails("switch", "show", switch)
    assert "BadArgumentError" in haas.fails("switch", "register", unique("s"), "no-such-type")
    assert "not KEY=VALUE" in haas.fails("switch", "register", unique("s"), "mock", "x", code=2)


def test_networks(haas: Haas) -> None:
    project, other, net, public = unique("proj"), unique("proj"), unique("net"), unique("pub")
    haas.ok("project", "create", project)
    haas.ok("project", "create", other)
    haas.ok("network", "create", net, project)
    haas.ok("network", "create", public, "admin")
    listed = haas.json("network", "list")
    assert listed[net]["projects"] == [project] and listed[public]["projects"] is None
    assert "(public)" in haas.ok("network", "list")
    shown = haas.json("network", "show", net)
    assert (shown["owner"], shown["access"], shown["connected-nodes"]) == (project, [project], {})
    assert net in haas.ok("network", "show", net)
    haas.ok("network", "grant-access", net, other)
    assert haas.json("project", "list-networks", other) == [net]
    haas.ok("network", "revoke-access", net, other)
    assert "BlockedError" in haas.fails("network", "revoke-access", net, project)  # the owner
    assert "NotFoundError" in haas.fails("network", "grant-access", net, unique("nope"))
    assert haas.json("network", "list-attachments", net) == {}
    assert haas.json("network", "list-attachments", net, "--project", project) == {}
    assert "NotFoundError" in haas.fails("network", "list-attachments", unique("nope"))
    assert "DuplicateError" in haas.fails("network", "create", net, project)
    haas.ok("network", "delete", net)
    assert "NotFoundError" in haas.fails("network", "delete", net)
    assert "NotFoundError" in haas.fails("network", "show", net)


def test_networking_with_wait_and_actions(haas: Haas) -> None:
    project, net = unique("proj"), unique("net")
    haas.ok("project", "create", project)
    haas.ok("network", "create", net, project)
    node, switch = cabled_node(haas, project)
    queued = haas.json("node", "network", "connect", node, "eth0", net)
    assert set(queued) == {"status_id"}
    action = haas.json("networking-action", "show", queued["status_id"])
    assert action["node"] == node and action["status"] in ("PENDING", "DONE")
    assert queued["status_id"] in haas.ok("networking-action", "list", "--node", node)
    done = haas.json("networking-action", "list", "--node", node, "--limit", "1")
    assert [a["id"] for a in done] == [queued["status_id"]]
    attachments = _wait_attached(haas, net, node)
    assert attachments[node]["channel"] == "vlan/native"
    detached = haas.json("node", "network", "detach", node, "eth0", net, "--wait")
    assert detached["status"] == "DONE" and detached["new_network"] is None
    text = haas.ok("node", "network", "connect", node, "eth0", net, "vlan/native", "--wait")
    assert "DONE" in text and "\r" not in text  # no spinner when not on a terminal
    error = haas.fails("node", "network", "connect", node, "eth0", net)
    assert "BlockedError" in error and "already attached" in error
    reverted = haas.json("port", "revert", switch, "gi1/0/1", "--wait")
    assert (reverted["status"], reverted["type"]) == ("DONE", "revert_port")
    assert "queued" in haas.ok("port", "revert", switch, "gi1/0/1")
    assert "NotFoundError" in haas.fails("port", "revert", switch, "gi9/9/9")
    assert "NotFoundError" in haas.fails("node", "network", "detach", node, "eth9", net)
    assert "NotFoundError" in haas.fails("networking-action", "show", str(uuid.uuid4()))
    assert "Invalid value" in haas.fails("networking-action", "list", "--status", "x", code=2)


def _wait_attached(haas: Haas, net: str, node: str) -> dict[str, Any]:
    for _ in range(300):
        attachments = haas.json("network", "list-attachments", net)
        if node in attachments:
            return attachments
        time.sleep(0.1)
    raise AssertionError("the agent never attached the network")


def test_wait_fails_when_the_action_ends_in_error(haas: Haas) -> None:
    project, net = unique("proj"), unique("net")
    haas.ok("project", "create", project)
    haas.ok("network", "create", net, project)
    node, _ = cabled_node(haas, project, simulate_failure="port is err-disabled")
    result = haas.run("node", "network", "connect", node, "eth0", net, "--wait", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["status"] == "ERROR"
    assert "failed: " in result.stderr and "port is err-disabled" in result.stderr


def test_users(server: LiveHaas, haas: Haas) -> None:
    user, project = unique("user"), unique("proj")
    haas.ok("project", "create", project)
    haas.ok("user", "create", user, "s3cret")
    assert haas.json("user", "list")[user] == {"is_admin": False, "projects": []}
    haas.ok("user", "project", "add", user, project)
    assert project in haas.ok("user", "list")
    as_user = Haas(server, user, "s3cret")
    assert as_user.json("project", "node", "list", project) == []
    assert "AuthorizationError" in as_user.fails("project", "list")  # 403: not an admin
    haas.ok("user", "set-admin", user, "admin")
    assert project in as_user.json("project", "list")
    assert "IllegalStateError" in haas.fails("user", "set-admin", "admin", "regular")
    assert "Invalid value" in haas.fails("user", "set-admin", user, "maybe", code=2)
    haas.ok("user", "project", "remove", user, project)
    assert "NotFoundError" in haas.fails("user", "project", "add", user, unique("nope"))
    assert "NotFoundError" in haas.fails("user", "project", "remove", unique("nope"), project)
    haas.ok("user", "delete", user)
    assert "NotFoundError" in haas.fails("user", "delete", user)
    admin, hil_admin = unique("admin"), unique("admin")
    haas.ok("user", "create", admin, "pw", "--admin")
    haas.ok("user", "create", hil_admin, "pw", "admin")  # HIL's form
    users = haas.json("user", "list")
    assert users[admin]["is_admin"] is True and users[hil_admin]["is_admin"] is True
    haas.ok("user", "set-admin", hil_admin, "false")
    assert haas.json("user", "list")[hil_admin]["is_admin"] is False
    assert "DuplicateError" in haas.fails("user", "create", admin, "pw")


def test_misc_calls_and_auth_errors(server: LiveHaas, haas: Haas) -> None:
    assert haas.json("server-version")["api"] == "v0"
    assert "v0" in haas.ok("server-version")
    assert "database" in " ".join(haas.json("extensions"))
    wrong = Haas(server, "admin", "wrong")
    assert "AuthorizationError: Invalid username or password." in wrong.fails("extensions")
    assert "AuthorizationError" in wrong.fails("node", "list", "all")
    assert "AuthorizationError" in wrong.fails("networking-action", "list")


def test_the_root_json_flag_and_hil_variables(server: LiveHaas) -> None:
    env = {
        "HIL_ENDPOINT": server.endpoint,
        "HIL_USERNAME": "admin",
        "HIL_PASSWORD": ADMIN_PASSWORD,
    }
    result = CliRunner().invoke(cli, ["--json", "project", "list"], env=env)
    assert result.exit_code == 0, result.output
    assert isinstance(json.loads(result.stdout), list)


def test_power_obm_and_bootdev_commands(server: LiveHaas, haas: Haas) -> None:
    project = unique("proj")
    haas.ok("project", "create", project)
    node, _ = cabled_node(haas, project)
    haas.ok("node", "obm", "enable", node)
    haas.ok("node", "power", "off", node)
    assert haas.json("node", "power", "status", node) == {"power_status": "Off"}
    haas.ok("node", "power", "on", node)
    assert haas.ok("node", "power", "status", node).strip() == "On"
    haas.ok("node", "power", "cycle", node)
    haas.ok("node", "bootdev", node, "pxe")
    assert "BadArgumentError" in haas.fails("node", "bootdev", node, "floppy")
    haas.ok("node", "obm", "disable", node)
    assert "BlockedError" in haas.fails("node", "power", "on", node)


def test_headnode_commands(server: LiveHaas, haas: Haas) -> None:
    images = haas.json("headnode", "list-images")
    assert images == ["centos7", "ubuntu"]  # the live server's null backend
    project, headnode = unique("proj"), unique("hn")
    haas.ok("project", "create", project)
    haas.ok("headnode", "create", headnode, project, images[0])
    haas.ok("headnode", "nic", "create", headnode, "eth0")
    assert haas.json("headnode", "list", project) == [headnode]
    assert haas.json("headnode", "show", headnode)["project"] == project
    haas.ok("headnode", "nic", "delete", headnode, "eth0")
    haas.ok("headnode", "delete", headnode)
    assert "NotFoundError" in haas.fails("headnode", "show", headnode)


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HAAS, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": os.environ.get("PATH", ""), **env},
    )


def test_the_installed_command_reports_errors_without_tracebacks(server: LiveHaas) -> None:
    refused = _run("project", "list", env={"HAAS_ENDPOINT": f"http://127.0.0.1:{free_port()}/v0"})
    assert refused.returncode == 1
    assert refused.stderr.startswith("Error: ConnectionError: cannot reach haas at")
    assert "Traceback" not in refused.stderr
    no_scheme = _run("project", "list", env={"HAAS_ENDPOINT": "127.0.0.1:5000/v0"})
    assert no_scheme.returncode == 1 and "Error: RequestError: cannot send GET" in no_scheme.stderr
    assert "Traceback" not in no_scheme.stderr
    missing = _run("project", "list", env={})
    assert (missing.returncode, missing.stderr.strip()) == (
        1,
        "Error: no haas endpoint: set HAAS_ENDPOINT or pass --endpoint",
    )
    not_found = _run("node", "show", "nope", env=server.env())
    assert (not_found.returncode, not_found.stdout) == (1, "")
    assert not_found.stderr.strip() == "Error: NotFoundError: Node nope does not exist."


def test_shell_completion_is_built_in() -> None:
    script = _run(env={"_HAAS_COMPLETE": "bash_source"})
    assert script.returncode == 0 and "_haas_completion" in script.stdout
    words = _run(
        env={"_HAAS_COMPLETE": "bash_complete", "COMP_WORDS": "haas node po", "COMP_CWORD": "2"}
    )
    assert words.stdout.split() == ["plain,power"]


class _FakeKeystone(http.server.BaseHTTPRequestHandler):
    """Keystone's token call, enough for keystoneauth1: records what it was sent."""

    requests: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.requests.append({"path": self.path, "body": json.loads(self.rfile.read(length))})
        token = {
            "methods": ["password"],
            "expires_at": "2099-01-01T00:00:00.000000Z",
            "user": {"id": "u1", "name": "alice", "domain": {"id": "default"}},
            "catalog": [],
        }
        body = json.dumps({"token": token}).encode()
        self.send_response(201)
        self.send_header("X-Subject-Token", "a-keystone-token")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_os_variables_authenticate_through_keystone(server: LiveHaas) -> None:
    pytest.importorskip("keystoneauth1")
    keystone = http.server.HTTPServer(("127.0.0.1", 0), _FakeKeystone)
    thread = threading.Thread(target=keystone.serve_forever, daemon=True)
    thread.start()
    try:
        env = {
            "HAAS_ENDPOINT": server.endpoint,
            "OS_AUTH_URL": f"http://127.0.0.1:{keystone.server_address[1]}/v3",
            "OS_USERNAME": "alice",
            "OS_PASSWORD": "wonderland",
            "OS_PROJECT_NAME": "lab",
        }
        result = CliRunner().invoke(cli, ["project", "list"], env=env, catch_exceptions=False)
    finally:
        keystone.shutdown()
        keystone.server_close()
        thread.join()
    sent = _FakeKeystone.requests[0]
    assert sent["path"] == "/v3/auth/tokens"
    user = sent["body"]["auth"]["identity"]["password"]["user"]
    assert (user["name"], user["password"]) == ("alice", "wonderland")
    # The token went to haas, whose database auth does not know Keystone tokens: a clean 401.
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: AuthorizationError")

"""``haas import`` / ``haas export`` against a live haas: plans, idempotence, round trips."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from haas_client import Client
from haas_client.cli import cli
from haas_client.inventory import Inventory, parse
from tests.support.live import LiveHaas, live_haas

HAAS = str(Path(sys.executable).with_name("haas"))

# Hand-written, so not in export's canonical layout; one MAC left unquoted on purpose
# (YAML 1.1 would read 52:54:00:00:01:01 as a base-60 number).
INVENTORY = """\
projects:
  - lab
  - research

switches:
  sw0:
    type: mock
    hostname: sw0.example
    username: admin
    password: secret
  sw1: {type: mock, hostname: sw1.example, username: admin, password: secret}

nodes:
  node-01:
    obm: {type: mock, host: 10.0.0.1, user: root, password: calvin}
    project: lab
    metadata: {rack: A3, cores: 32, gpus: [a100, a100]}
    nics:
      eth0: 52:54:00:00:01:01
      eth1: "52:54:00:00:01:02"
  node-02:
    obm: {type: mock, host: 10.0.0.2, user: root, password: calvin}
    nics: {eth0: "52:54:00:00:02:01"}
  node-03:
    obm: {type: mock, host: 10.0.0.3, user: root, password: calvin}
    metadata: {rack: B1}

ports:
  - {switch: sw0, port: gi1/0/1, node: node-01, nic: eth0}
  - {switch: sw0, port: gi1/0/2, node: node-01, nic: eth1}
  - {switch: sw1, port: gi1/0/1, node: node-02, nic: eth0}
  - {switch: sw1, port: gi1/0/2}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHaas]:
    with live_haas(tmp_path_factory.mktemp("haas")) as live:
        yield live


@pytest.fixture
def haas(server: LiveHaas, tmp_path: Path) -> Iterator[Runner]:
    """A runner on an emptied server (``import --prune`` of an empty file empties it)."""
    runner = Runner(server, tmp_path)
    yield runner
    empty = runner.write("empty.yaml", "")
    runner.ok("import", str(empty), "--prune")


class Runner:
    def __init__(self, server: LiveHaas, tmp_path: Path) -> None:
        self.server = server
        self.tmp_path = tmp_path

    def write(self, name: str, text: str) -> Path:
        path = self.tmp_path / name
        path.write_text(text)
        return path

    def run(self, *args: str, server: LiveHaas | None = None) -> Result:
        env = (server or self.server).env()
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    def ok(self, *args: str, server: LiveHaas | None = None) -> str:
        result = self.run(*args, server=server)
        assert result.exit_code == 0, (args, result.stdout, result.stderr)
        return result.stdout

    def fails(self, *args: str) -> str:
        result = self.run(*args)
        assert result.exit_code == 1, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.output
        return result.stderr

    def export(self, server: LiveHaas | None = None) -> str:
        return self.ok("export", server=server)

    @property
    def client(self) -> Client:
        return self.server.client()


def summary(inv: Inventory) -> dict[str, Any]:
    """An inventory without its line numbers, to compare two files."""
    return {
        "projects": sorted(inv.projects),
        "switches": {name: s.driver for name, s in inv.switches.items()},
        "nodes": {
            name: (n.obm, n.obmd, n.project, n.metadata, {k: v.macaddr for k, v in n.nics.items()})
            for name, n in inv.nodes.items()
        },
        "ports": {key: (p.node, p.nic) for key, p in inv.ports.items()},
    }


def test_import_creates_everything_once(haas: Runner) -> None:
    path = haas.write("inventory.yaml", INVENTORY)
    out = haas.ok("import", str(path))
    assert "+ create project lab  (line 2)" in out
    assert "+ create node node-01  (line 14)" in out
    assert "+ create port sw0 gi1/0/1  (line 29)" in out
    assert "Plan: 11 to create, 0 to change, 0 to remove." in out
    c = haas.client
    assert c.projects.list() == ["lab", "research"]
    assert c.projects.nodes("lab") == ["node-01"]
    node = c.nodes.show("node-01")
    assert node["metadata"] == {"rack": "A3", "cores": 32, "gpus": ["a100", "a100"]}
    assert [(n["label"], n["macaddr"], n["switch"], n["port"]) for n in node["nics"]] == [
        ("eth0", "52:54:00:00:01:01", "sw0", "gi1/0/1"),
        ("eth1", "52:54:00:00:01:02", "sw0", "gi1/0/2"),
    ]
    assert c.ports.show("sw1", "gi1/0/2") == {}
    assert c.nodes.show("node-03")["nics"] == []
    again = haas.ok("import", str(path))
    assert again.strip() == f"Nothing to do: the server already matches {path}."
    plan = json.loads(haas.ok("import", str(path), "--json"))
    assert plan == {"plan": [], "applied": 0, "dry_run": False}


def test_dry_run_shows_the_plan_and_changes_nothing(haas: Runner) -> None:
    before = haas.export()
    path = haas.write("inventory.yaml", INVENTORY)
    out = haas.ok("import", str(path), "--dry-run")
    assert "Plan: 11 to create" in out and "Applied" not in out
    plan = json.loads(haas.ok("import", str(path), "--dry-run", "--json"))
    assert plan["dry_run"] is True and plan["applied"] == 0
    first = plan["plan"][0]
    assert first == {"action": "create", "object": "project lab", "details": [], "line": 2}
    assert {"create"} == {entry["action"] for entry in plan["plan"]}
    assert haas.export() == before


def test_export_round_trips_through_an_empty_server(haas: Runner, tmp_path: Path) -> None:
    source = haas.write("inventory.yaml", INVENTORY)
    haas.ok("import", str(source))
    first = haas.ok("export", "--drivers-from", str(source))
    assert summary(parse(first, "export")) == summary(parse(INVENTORY, "inventory"))
    exported = haas.write("exported.yaml", first)
    with live_haas(tmp_path / "empty-haas") as empty:
        assert "Plan: 11 to create" in haas.ok("import", str(exported), server=empty)
        second = haas.ok("export", "--drivers-from", str(exported), server=empty)
    assert second == first
    as_json = json.loads(haas.ok("export", "--json", "--drivers-from", str(source)))
    assert as_json["ports"][0] == {
        "switch": "sw0",
        "port": "gi1/0/1",
        "node": "node-01",
        "nic": "eth0",
    }
    out = tmp_path / "out.yaml"
    haas.ok("export", "-o", str(out), "--drivers-from", str(source))
    assert out.read_text() == first
    assert out.stat().st_mode & 0o077 == 0  # it holds passwords


def test_export_without_driver_settings_cannot_create_but_can_check(
    haas: Runner, tmp_path: Path
) -> None:
    haas.ok("import", str(haas.write("inventory.yaml", INVENTORY)))
    bare = haas.write("bare.yaml", haas.export())
    assert "sw0: {}" in bare.read_text() and "obm" not in bare.read_text()
    assert "Nothing to do" in haas.ok("import", str(bare))  # the server has them all
    with live_haas(tmp_path / "empty-haas") as empty:
        result = haas.run("import", str(bare), server=empty)
        assert result.exit_code == 1
        assert f"{bare}:5: switch sw0 is not on the server and has no driver" in result.stderr
        assert "node node-01 is not on the server and has no obm" in result.stderr
        assert empty.client().projects.list() == []  # nothing was applied


CHANGED = (
    INVENTORY.replace("rack: A3, cores: 32", "rack: A4, cores: 32, row: 7")
    .replace('nics: {eth0: "52:54:00:00:02:01"}', 'nics: {eth0: "52:54:00:00:02:99", eth1: "aa"}')
    .replace("port: gi1/0/2}", "port: gi1/0/2, node: node-02, nic: eth1}")
    .replace("    metadata: {rack: B1}", "    metadata: {rack: B1}\n    project: research")
)  # fmt: skip


def test_changes_are_planned_applied_and_then_settled(haas: Runner) -> None:
    haas.ok("import", str(haas.write("inventory.yaml", INVENTORY)))
    changed = haas.write("changed.yaml", CHANGED)
    out = haas.ok("import", str(changed))
    assert "~ change port sw1 gi1/0/1  (line 32)" in out
    assert "uncable nic eth0 of node node-02" in out  # its MAC changes: it is re-registered
    assert "metadata rack: 'A3' -> 'A4'" in out and "metadata row (new)" in out
    assert "nic eth0: 52:54:00:00:02:01 -> 52:54:00:00:02:99" in out and "nic eth1 aa (new)" in out
    assert "cable to nic eth1 of node node-02" in out and "project research" in out
    assert "+ create" not in out and "- remove" not in out
    c = haas.client
    node = c.nodes.show("node-01")
    assert node["metadata"] == {"rack": "A4", "cores": 32, "gpus": ["a100", "a100"], "row": 7}
    cabling = {
        n["label"]: (n["macaddr"], n["switch"], n["port"]) for n in c.nodes.show("node-02")["nics"]
    }
    assert cabling == {
        "eth0": ("52:54:00:00:02:99", "sw1", "gi1/0/1"),
        "eth1": ("aa", "sw1", "gi1/0/2"),
    }
    assert c.projects.nodes("research") == ["node-03"]
    assert "Nothing to do" in haas.ok("import", str(changed))


def test_prune_removes_only_when_asked(haas: Runner) -> None:
    haas.ok("import", str(haas.write("inventory.yaml", INVENTORY)))
    smaller = haas.write(
        "smaller.yaml",
        """\
projects: [lab]
switches:
  sw0: {}
nodes:
  node-01:
    metadata: {rack: A3}
    nics: {eth0: "52:54:00:00:01:01", eth1: "52:54:00:00:01:02"}
ports:
  - {switch: sw0, port: gi1/0/1, node: node-01, nic: eth0}
  - {switch: sw0, port: gi1/0/2, node: node-01, nic: eth1}
""",
    )
    assert "Nothing to do" in haas.ok("import", str(smaller))  # without --prune: all stays
    plan = json.loads(haas.ok("import", str(smaller), "--prune", "--dry-run", "--json"))["plan"]
    removed = [e["object"] for e in plan if e["action"] == "remove"]
    assert [e["object"] for e in plan if e["action"] == "change"] == ["node node-01"]
    assert removed == [
        "node node-02",
        "node node-03",
        "port sw1 gi1/0/1",
        "port sw1 gi1/0/2",
        "switch sw1",
        "project research",
    ]
    out = haas.ok("import", str(smaller), "--prune")
    assert "- remove node node-02" in out
    c = haas.client
    assert (c.projects.list(), c.switches.list(), c.nodes.list("all")) == (
        ["lab"],
        ["sw0"],
        ["node-01"],
    )
    assert c.nodes.show("node-01")["metadata"] == {"rack": "A3"}
    assert c.projects.nodes("lab") == ["node-01"]  # an absent project key leaves it alone
    assert "Nothing to do" in haas.ok("import", str(smaller), "--prune")


BAD = {
    "unknown top-level key": ("projects: [a]\nnetworks: {}\n", 2, "unknown key 'networks'"),
    "unknown node key": (
        "nodes:\n  n1:\n    obm: {type: mock}\n    colour: red\n",
        4,
        "unknown key 'colour' in node n1",
    ),
    "nic cabled to two ports": (
        "switches: {sw0: {type: mock}}\n"
        "nodes: {n1: {obm: {type: mock}, nics: {eth0: aa}}}\n"
        "ports:\n"
        "  - {switch: sw0, port: gi1/0/1, node: n1, nic: eth0}\n"
        "  - {switch: sw0, port: gi1/0/2, node: n1, nic: eth0}\n",
        5,
        "nic eth0 of node n1 is cabled to two ports: sw0 gi1/0/1 (line 4) and sw0 gi1/0/2",
    ),
    "port on an unknown switch": (
        "switches: {sw0: {type: mock}}\nports:\n  - switch: sw9\n    port: gi1/0/1\n",
        3,
        "port sw9 gi1/0/1: switch sw9 is not in switches",
    ),
    "cabling to an unknown nic": (
        "switches: {sw0: {type: mock}}\nnodes: {n1: {obm: {type: mock}}}\n"
        "ports: [{switch: sw0, port: p1, node: n1, nic: eth7}]\n",
        3,
        "node n1 has no nic eth7",
    ),
    "a project nobody declared": (
        "nodes:\n  n1:\n    project: ghost\n", 3, "project ghost is not in projects"
    ),
    "a repeated key": (
        "nodes:\n  n1: {}\n  n1: {}\n", 3, "'n1' is repeated in nodes (first on line 2)"
    ),
    "not YAML": ("nodes:\n  n1: [unclosed\n", 3, "not valid YAML"),
    "a metadata value that is not JSON": (
        "nodes:\n  n1:\n    metadata: {bought: 2020-01-01}\n", 3, "must be a JSON value"
    ),
    "obm without a type": ("nodes:\n  n1:\n    obm: {host: b}\n", 3, "needs a 'type'"),
    "a port listed twice": (
        "switches: {sw0: {}}\nports:\n  - {switch: sw0, port: p1}\n  - {switch: sw0, port: p1}\n",
        4,
        "port sw0 p1 is listed twice (first on line 3)",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD))
def test_malformed_inventories_are_rejected_with_their_line(haas: Runner, case: str) -> None:
    text, line, message = BAD[case]
    path = haas.write("bad.yaml", text)
    before = haas.export()
    error = haas.fails("import", str(path))
    assert f"{path}:{line}: " in error and message in error, error
    assert haas.export() == before


def test_a_missing_file_is_an_error(haas: Runner, tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert f"{missing}: No such file or directory" in haas.fails("import", str(missing))


def test_a_failing_entry_is_undone_and_named_by_its_line(haas: Runner) -> None:
    long_nic = "e" * 300  # the server refuses labels over 255 characters
    path = haas.write(
        "failing.yaml",
        f"""\
projects: [lab]
nodes:
  good:
    obm: {{type: mock, host: b, user: u, password: p}}
  bad:
    obm: {{type: mock, host: b, user: u, password: p}}
    metadata: {{rack: A1}}
    nics: {{eth0: "52:54:00:00:00:01", {long_nic}: "52:54:00:00:00:02"}}
    project: lab
  later:
    obm: {{type: mock, host: b, user: u, password: p}}
""",
    )
    error = haas.fails("import", str(path))
    assert f"{path}:5: create node bad: register nic {long_nic} failed: ValidationError" in error
    assert "(undone; 2 earlier change(s) stay applied)" in error
    c = haas.client
    assert c.nodes.list("all") == ["good"]  # bad was undone, later never started
    assert c.projects.list() == ["lab"]


def _run_on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run ``haas`` with stdout and stderr on a pseudo-terminal; everything it wrote."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [HAAS, *args],
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env={**os.environ, **env},
    )
    os.close(follower)
    output = b""
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 60)
            if not ready:
                break
            try:
                data = os.read(leader, 4096)
            except OSError:  # the terminal closed: the process is done
                break
            if not data:
                break
            output += data
    finally:
        os.close(leader)
        assert proc.wait(timeout=60) == 0, output
    return output.decode(errors="replace")


def test_progress_bar_and_spinner_show_on_a_terminal(haas: Runner) -> None:
    path = haas.write("inventory.yaml", INVENTORY)
    out = _run_on_a_terminal(["import", str(path)], haas.server.env())
    assert "applying" in out and "100%" in out
    haas.client.networks.create("tty-net", "lab", "lab")  # the spinner waits for an action
    out = _run_on_a_terminal(
        ["node", "network", "connect", "node-01", "eth0", "tty-net", "--wait"], haas.server.env()
    )
    assert "waiting for networking action" in out and "DONE" in out
    detach = haas.client.nodes.detach_network("node-01", "eth0", "tty-net")
    haas.client.wait_for_action(detach, 30)
    haas.client.networks.delete("tty-net")

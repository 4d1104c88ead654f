"""Inventory files: a datacenter's projects, nodes, NICs, switches, ports and cabling in YAML.

    projects: [lab]
    switches:
      sw0: {type: mock, hostname: sw0.example, username: admin, password: secret}
    nodes:
      node-01:
        obm: {type: ipmi, host: 10.0.0.1, user: root, password: calvin}
        project: lab                 # optional; absent leaves the node's project alone
        metadata: {rack: A3}
        nics: {eth0: "52:54:00:00:00:01"}
    ports:
      - {switch: sw0, port: gi1/0/1, node: node-01, nic: eth0}

The whole file is checked before anything is applied; every problem is reported with its
line. The file is read as YAML nodes (PyYAML's composer keeps each node's position), so
labels and MAC addresses are taken as written (``01`` stays "01", an unquoted MAC is not
read as a base-60 number).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

TOP_KEYS = ("projects", "switches", "nodes", "ports")
NODE_KEYS = ("obm", "obmd", "project", "metadata", "nics")
PORT_KEYS = ("switch", "port", "node", "nic")


class InventoryError(Exception):
    """The inventory is malformed: every problem as ``file:line: message``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class NicSpec:
    name: str
    macaddr: str
    line: int


@dataclass
class NodeSpec:
    name: str
    line: int
    obm: dict[str, Any] | None = None
    obmd: dict[str, str] | None = None
    project: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    nics: dict[str, NicSpec] = field(default_factory=dict)


@dataclass
class SwitchSpec:
    name: str
    line: int
    driver: dict[str, Any] | None = None  # {"type": ..., fields}; None: not given


@dataclass
class PortSpec:
    switch: str
    port: str
    line: int
    node: str | None = None
    nic: str | None = None


@dataclass
class Inventory:
    source: str
    projects: dict[str, int] = field(default_factory=dict)  # label -> line
    switches: dict[str, SwitchSpec] = field(default_factory=dict)
    nodes: dict[str, NodeSpec] = field(default_factory=dict)
    ports: dict[tuple[str, str], PortSpec] = field(default_factory=dict)


class _Reader:
    """Walks the composed YAML nodes, collecting problems instead of stopping at the first."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []
        self._constructor = yaml.SafeLoader("")

    def problem(self, node: yaml.Node, message: str) -> None:
        self.problems.append(f"{self.source}:{line_of(node)}: {message}")

    def mapping(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
        """(key, key node, value node) of a mapping; problems for non-mappings and repeats."""
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return []
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping")
            return []
        seen: dict[str, int] = {}
        items = []
        for key_node, value_node in node.value:
            key = self.label(key_node, f"a key of {what}")
            if key is None:
                continue
            if key in seen:
                self.problem(
                    key_node, f"{key!r} is repeated in {what} (first on line {seen[key]})"
                )
                continue
            seen[key] = line_of(key_node)
            items.append((key, key_node, value_node))
        return items

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what} must be a list")
            return []
        return list(node.value)

    def label(self, node: yaml.Node, what: str) -> str | None:
        """A name as written in the file (never reinterpreted as a number or a date)."""
        if not isinstance(node, yaml.ScalarNode) or node.value == "":
            self.problem(node, f"{what} must be a non-empty name")
            return None
        return str(node.value)

    def value(self, node: yaml.Node, what: str) -> Any:
        """Any JSON value (metadata, driver fields)."""
        value = self._constructor.construct_object(node, deep=True)
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            self.problem(node, f"{what} must be a JSON value (string, number, list, mapping)")
            return None
        return value

    def known_keys(
        self, items: list[tuple[str, yaml.Node, yaml.Node]], allowed: tuple[str, ...], what: str
    ) -> dict[str, yaml.Node]:
        found = {}
        for key, key_node, value_node in items:
            if key not in allowed:
                self.problem(
                    key_node, f"unknown key {key!r} in {what} (allowed: {', '.join(allowed)})"
                )
            else:
                found[key] = value_node
        return found


def line_of(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def load(path: Path) -> Inventory:
    """Read and check an inventory file. :raises InventoryError: with every problem found."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise InventoryError([f"{path}: {exc.strerror}"]) from None
    return parse(text, str(path))


def parse(text: str, source: str) -> Inventory:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else "?"
        raise InventoryError([f"{source}:{line}: not valid YAML: {exc.problem}"]) from None
    except yaml.YAMLError as exc:
        raise InventoryError([f"{source}: not valid YAML: {exc}"]) from None
    inv = Inventory(source)
    if root is None:
        return inv
    reader = _Reader(source)
    top = reader.known_keys(reader.mapping(root, "the inventory"), TOP_KEYS, "the inventory")
    if "projects" in top:
        _read_projects(reader, top["projects"], inv)
    if "switches" in top:
        _read_switches(reader, top["switches"], inv)
    if "nodes" in top:
        _read_nodes(reader, top["nodes"], inv)
    if "ports" in top:
        _read_ports(reader, top["ports"], inv)
    if reader.problems:
        raise InventoryError(reader.problems)
    return inv


def _read_projects(reader: _Reader, node: yaml.Node, inv: Inventory) -> None:
    for item in reader.sequence(node, "projects"):
        label = reader.label(item, "a project")
        if label is None:
            continue
        if label in inv.projects:
            reader.problem(
                item, f"project {label} is listed twice (first on line {inv.projects[label]})"
            )
        else:
            inv.projects[label] = line_of(item)


def _driver(reader: _Reader, node: yaml.Node, what: str) -> dict[str, Any] | None:
    fields = {
        key: reader.value(value, f"{what}.{key}") for key, _, value in reader.mapping(node, what)
    }
    if not fields:
        return None
    if not isinstance(fields.get("type"), str):
        reader.problem(node, f"{what} needs a 'type' (the driver name)")
    return fields


def _read_switches(reader: _Reader, node: yaml.Node, inv: Inventory) -> None:
    for name, key_node, value in reader.mapping(node, "switches"):
        driver = _driver(reader, value, f"switch {name}")
        inv.switches[name] = SwitchSpec(name, line_of(key_node), driver)


def _read_nodes(reader: _Reader, node: yaml.Node, inv: Inventory) -> None:
    for name, key_node, value in reader.mapping(node, "nodes"):
        what = f"node {name}"
        spec = NodeSpec(name, line_of(key_node))
        keys = reader.known_keys(reader.mapping(value, what), NODE_KEYS, what)
        if "obm" in keys:
            spec.obm = _driver(reader, keys["obm"], f"{what} obm")
        if "obmd" in keys:
            obmd = keys["obmd"]
            found = reader.known_keys(
                reader.mapping(obmd, f"{what} obmd"), ("uri", "admin_token"), f"{what} obmd"
            )
            values = {k: reader.label(v, f"{what} obmd.{k}") for k, v in found.items()}
            if set(values) != {"uri", "admin_token"}:
                reader.problem(obmd, f"{what} obmd needs 'uri' and 'admin_token'")
            spec.obmd = {k: v for k, v in values.items() if v is not None}
            if spec.obm is not None:
                reader.problem(obmd, f"{what} has both obm and obmd")
        if "project" in keys:
            spec.project = reader.label(keys["project"], f"{what} project")
            if spec.project is not None and spec.project not in inv.projects:
                reader.problem(
                    keys["project"], f"{what}: project {spec.project} is not in projects"
                )
        if "metadata" in keys:
            for label, _, item in reader.mapping(keys["metadata"], f"{what} metadata"):
                spec.metadata[label] = reader.value(item, f"{what} metadata {label}")
        if "nics" in keys:
            for nic, nic_key, mac in reader.mapping(keys["nics"], f"{what} nics"):
                macaddr = reader.label(mac, f"{what} nic {nic} (its MAC address)")
                if macaddr is not None:
                    spec.nics[nic] = NicSpec(nic, macaddr, line_of(nic_key))
        inv.nodes[name] = spec


def _read_ports(reader: _Reader, node: yaml.Node, inv: Inventory) -> None:
    cabled: dict[tuple[str, str], PortSpec] = {}
    for item in reader.sequence(node, "ports"):
        keys = reader.known_keys(reader.mapping(item, "a port"), PORT_KEYS, "a port")
        if "switch" not in keys or "port" not in keys:
            reader.problem(item, "a port needs 'switch' and 'port'")
            continue
        labels = {key: reader.label(value, f"port {key}") for key, value in keys.items()}
        switch, port = labels["switch"], labels["port"]
        if switch is None or port is None:
            continue
        spec = PortSpec(switch, port, line_of(item), labels.get("node"), labels.get("nic"))
        where = f"port {switch} {port}"
        if switch not in inv.switches:
            reader.problem(keys["switch"], f"{where}: switch {switch} is not in switches")
        if (switch, port) in inv.ports:
            first = inv.ports[switch, port].line
            reader.problem(item, f"{where} is listed twice (first on line {first})")
            continue
        inv.ports[switch, port] = spec
        if ("node" in keys) != ("nic" in keys):
            reader.problem(item, f"{where}: cabling needs both 'node' and 'nic'")
            continue
        if spec.node is None or spec.nic is None:
            continue
        owner = inv.nodes.get(spec.node)
        if owner is None:
            reader.problem(keys["node"], f"{where}: node {spec.node} is not in nodes")
        elif spec.nic not in owner.nics:
            reader.problem(keys["nic"], f"{where}: node {spec.node} has no nic {spec.nic}")
        other = cabled.get((spec.node, spec.nic))
        if other is not None:
            reader.problem(
                item,
                f"nic {spec.nic} of node {spec.node} is cabled to two ports: "
                f"{other.switch} {other.port} (line {other.line}) and {switch} {port}",
            )
        cabled[spec.node, spec.nic] = spec


def dump(data: dict[str, Any]) -> str:
    """YAML text for an inventory dictionary, keys in the order given."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True)

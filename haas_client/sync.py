"""Bringing a haas server in line with an inventory: a plan of entries, applied one by one.

``plan()`` compares the file with what the server holds and returns entries (create, change,
remove), each a list of API calls with, for the calls that create something, the call that
undoes it. ``Entry.apply()`` runs one entry; when a call fails, what the entry already did is
undone and the error names the file line of the entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from haas_client import Client, HaasError
from haas_client.inventory import Inventory, NodeSpec
from haas_client.server_state import ServerNode, ServerState

CREATE, CHANGE, REMOVE = "create", "change", "remove"


@dataclass
class Op:
    describe: str
    run: Callable[[], object]
    undo: Callable[[], object] | None = None


@dataclass
class Entry:
    kind: str  # create / change / remove
    what: str  # "node node-01"
    details: list[str]
    line: int | None
    ops: list[Op] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.kind,
            "object": self.what,
            "details": self.details,
            "line": self.line,
        }

    def apply(self, source: str) -> None:
        """Run the calls; on failure undo the done ones, newest first, and raise ApplyError."""
        done: list[Op] = []
        for op in self.ops:
            try:
                op.run()
            except HaasError as exc:
                undo_errors = []
                for previous in reversed(done):
                    if previous.undo is None:
                        continue
                    try:
                        previous.undo()
                    except HaasError as undo_exc:
                        undo_errors.append(f"{previous.describe}: {undo_exc.msg}")
                where = f"{source}:{self.line}: " if self.line else ""
                message = (
                    f"{where}{self.kind} {self.what}: {op.describe} failed: {exc.type}: {exc.msg}"
                )
                if undo_errors:
                    message += "; could not undo " + "; ".join(undo_errors)
                raise ApplyError(message) from None
            done.append(op)


class ApplyError(Exception):
    pass


class PlanError(Exception):
    pass


def plan(haas: Client, inv: Inventory, state: ServerState, prune: bool) -> list[Entry]:
    """The entries that make the server match ``inv``, in the order they must run.

    :raises PlanError: when the file lacks what creating an object needs (driver settings).
    """
    problems: list[str] = []
    entries = _project_entries(haas, inv, state)
    entries += _switch_entries(haas, inv, state, problems)
    recabled = _nics_to_recable(inv, state)
    # Cabling that goes away comes first, so that a NIC can move to another port.
    entries += _uncabling_entries(haas, inv, state, prune, recabled)
    for name, node_spec in inv.nodes.items():
        current = state.nodes.get(name)
        if current is None:
            entry = _create_node(haas, inv.source, node_spec, problems)
        else:
            entry = _change_node(haas, node_spec, current, prune)
        if entry is not None:
            entries.append(entry)
    entries += _port_entries(haas, inv, state, recabled)
    if prune:
        entries += _prune(haas, inv, state)
    if problems:
        raise PlanError("\n".join(problems))
    return entries


def _project_entries(haas: Client, inv: Inventory, state: ServerState) -> list[Entry]:
    return [
        Entry(
            CREATE,
            f"project {name}",
            [],
            line,
            [
                Op(
                    f"create project {name}",
                    partial(haas.projects.create, name),
                    partial(haas.projects.delete, name),
                ),
            ],
        )
        for name, line in inv.projects.items()
        if name not in state.projects
    ]


def _switch_entries(
    haas: Client, inv: Inventory, state: ServerState, problems: list[str]
) -> list[Entry]:
    entries = []
    for name, spec in inv.switches.items():
        if name in state.switches:
            continue  # driver settings cannot be read back: an existing switch is left as is
        if spec.driver is None:
            problems.append(
                f"{inv.source}:{spec.line}: switch {name} is not on the server and has no "
                "driver settings (type, ...) to register it with"
            )
            continue
        driver = dict(spec.driver)
        kind = driver.pop("type")
        entries.append(
            Entry(
                CREATE,
                f"switch {name}",
                [f"type {kind}"],
                spec.line,
                [
                    Op(
                        f"register switch {name}",
                        partial(haas.switches.register, name, kind, **driver),
                        partial(haas.switches.delete, name),
                    ),
                ],
            )
        )
    return entries


def _nics_to_recable(inv: Inventory, state: ServerState) -> set[tuple[str, str]]:
    """NICs whose MAC address changes: they are deleted and registered again, so their
    cabling is removed first and made again afterwards."""
    return {
        (name, nic.name)
        for name, spec in inv.nodes.items()
        for nic in spec.nics.values()
        if name in state.nodes
        and nic.name in state.nodes[name].nics
        and state.nodes[name].nics[nic.name]["macaddr"] != nic.macaddr
    }


def _uncabling_entries(
    haas: Client,
    inv: Inventory,
    state: ServerState,
    prune: bool,
    recabled: set[tuple[str, str]],
) -> list[Entry]:
    wanted = {key: (p.node, p.nic) for key, p in inv.ports.items() if p.node is not None}
    wanted_nics = set(wanted.values())
    entries = []
    for (switch, port), (node, nic) in sorted(state.cabling.items()):
        target = wanted.get((switch, port))
        if target == (node, nic) and target not in recabled:
            continue
        if prune and node not in inv.nodes:
            continue  # a pruned node's NICs are uncabled when the node is removed
        # Without --prune, cabling the file does not mention stays, unless the file
        # cables that NIC to another port.
        if target is None and not prune and (node, nic) not in wanted_nics:
            continue
        spec = inv.ports.get((switch, port))
        entries.append(
            Entry(
                CHANGE if spec else REMOVE,
                f"port {switch} {port}",
                [f"uncable nic {nic} of node {node}"],
                spec.line if spec else None,
                [
                    Op(
                        f"detach nic from port {switch} {port}",
                        partial(haas.ports.detach_nic, switch, port),
                        partial(haas.ports.connect_nic, switch, port, node, nic),
                    ),
                ],
            )
        )
    return entries


def _port_entries(
    haas: Client, inv: Inventory, state: ServerState, recabled: set[tuple[str, str]]
) -> list[Entry]:
    entries = []
    for (switch, port), spec in inv.ports.items():
        exists = port in state.switches.get(switch, [])
        ops = []
        details = []
        if not exists:
            ops.append(
                Op(
                    f"register port {switch} {port}",
                    partial(haas.ports.register, switch, port),
                    partial(haas.ports.delete, switch, port),
                )
            )
        if spec.node is not None and spec.nic is not None:
            target = (spec.node, spec.nic)
            if state.cabling.get((switch, port)) != target or target in recabled:
                details.append(f"cable to nic {spec.nic} of node {spec.node}")
                ops.append(
                    Op(
                        f"cable port {switch} {port} to {spec.node} {spec.nic}",
                        partial(haas.ports.connect_nic, switch, port, *target),
                        partial(haas.ports.detach_nic, switch, port),
                    )
                )
        if ops:
            kind = CHANGE if exists else CREATE
            entries.append(Entry(kind, f"port {switch} {port}", details, spec.line, ops))
    return entries


def _create_node(haas: Client, src: str, spec: NodeSpec, problems: list[str]) -> Entry | None:
    name = spec.name
    if spec.obm is None and spec.obmd is None:
        problems.append(
            f"{src}:{spec.line}: node {name} is not on the server and has no obm "
            "or obmd to register it with"
        )
        return None
    details = [f"obm {spec.obm['type']}" if spec.obm else "obmd"]
    ops = [
        Op(
            f"register node {name}",
            partial(
                haas.nodes.register, name, spec.obm, obmd=spec.obmd, metadata=spec.metadata or None
            ),
            partial(haas.nodes.delete, name),
        )
    ]
    for nic in spec.nics.values():
        details.append(f"nic {nic.name} {nic.macaddr}")
        ops.append(
            Op(
                f"register nic {nic.name}",
                partial(haas.nodes.register_nic, name, nic.name, nic.macaddr),
                partial(haas.nodes.delete_nic, name, nic.name),
            )
        )
    details.extend(f"metadata {label}" for label in spec.metadata)
    if spec.project is not None:
        details.append(f"project {spec.project}")
        ops.append(
            Op(
                f"give node {name} to project {spec.project}",
                partial(haas.projects.connect_node, spec.project, name),
                partial(haas.projects.detach_node, spec.project, name),
            )
        )
    return Entry(CREATE, f"node {name}", details, spec.line, ops)


def _change_node(haas: Client, spec: NodeSpec, current: ServerNode, prune: bool) -> Entry | None:
    name = spec.name
    ops: list[Op] = []
    details: list[str] = []
    for label, value in spec.metadata.items():
        if label not in current.metadata:
            details.append(f"metadata {label} (new)")
            ops.append(
                Op(
                    f"set metadata {label}",
                    partial(haas.nodes.set_metadata, name, label, value),
                    partial(haas.nodes.delete_metadata, name, label),
                )
            )
        elif current.metadata[label] != value:
            old = current.metadata[label]
            details.append(f"metadata {label}: {old!r} -> {value!r}")
            ops.append(
                Op(
                    f"set metadata {label}",
                    partial(haas.nodes.set_metadata, name, label, value),
                    partial(haas.nodes.set_metadata, name, label, old),
                )
            )
    for nic in spec.nics.values():
        have = current.nics.get(nic.name)
        if have is not None and have["macaddr"] == nic.macaddr:
            continue
        if have is not None:
            details.append(f"nic {nic.name}: {have['macaddr']} -> {nic.macaddr}")
            ops.append(
                Op(
                    f"delete nic {nic.name}",
                    partial(haas.nodes.delete_nic, name, nic.name),
                    partial(haas.nodes.register_nic, name, nic.name, have["macaddr"]),
                )
            )
        else:
            details.append(f"nic {nic.name} {nic.macaddr} (new)")
        ops.append(
            Op(
                f"register nic {nic.name}",
                partial(haas.nodes.register_nic, name, nic.name, nic.macaddr),
                partial(haas.nodes.delete_nic, name, nic.name),
            )
        )
    if prune:
        for label in sorted(set(current.metadata) - set(spec.metadata)):
            details.append(f"metadata {label} (remove)")
            ops.append(
                Op(
                    f"delete metadata {label}",
                    partial(haas.nodes.delete_metadata, name, label),
                    partial(haas.nodes.set_metadata, name, label, current.metadata[label]),
                )
            )
        for label in sorted(set(current.nics) - set(spec.nics)):
            details.append(f"nic {label} (remove)")
            ops.append(
                Op(
                    f"delete nic {label}",
                    partial(haas.nodes.delete_nic, name, label),
                    partial(haas.nodes.register_nic, name, label, current.nics[label]["macaddr"]),
                )
            )
    if spec.project is not None and spec.project != current.project:
        if current.project is not None:
            details.append(f"project {current.project} -> {spec.project}")
            ops.append(
                Op(
                    f"take node {name} from project {current.project}",
                    partial(haas.projects.detach_node, current.project, name),
                    partial(haas.projects.connect_node, current.project, name),
                )
            )
        else:
            details.append(f"project {spec.project}")
        ops.append(
            Op(
                f"give node {name} to project {spec.project}",
                partial(haas.projects.connect_node, spec.project, name),
                partial(haas.projects.detach_node, spec.project, name),
            )
        )
    if not ops:
        return None
    return Entry(CHANGE, f"node {name}", details, spec.line, ops)


def _prune(haas: Client, inv: Inventory, state: ServerState) -> list[Entry]:
    """Removal of what the server has and the file does not: nodes, ports, switches, projects."""
    entries = []
    for name, node in sorted(state.nodes.items()):
        if name in inv.nodes:
            continue
        ops = []
        if node.project is not None:
            ops.append(
                Op(
                    f"take node {name} from project {node.project}",
                    partial(haas.projects.detach_node, node.project, name),
                    partial(haas.projects.connect_node, node.project, name),
                )
            )
        for nic, info in sorted(node.nics.items()):
            if info.get("port") is not None:  # uncabled here: haas refuses it while owned
                ops.append(
                    Op(
                        f"uncable nic {nic}",
                        partial(haas.ports.detach_nic, info["switch"], info["port"]),
                        partial(haas.ports.connect_nic, info["switch"], info["port"], name, nic),
                    )
                )
            ops.append(
                Op(
                    f"delete nic {nic}",
                    partial(haas.nodes.delete_nic, name, nic),
                    partial(haas.nodes.register_nic, name, nic, info["macaddr"]),
                )
            )
        ops.append(Op(f"delete node {name}", partial(haas.nodes.delete, name)))
        entries.append(Entry(REMOVE, f"node {name}", [], None, ops))
    for switch, ports in sorted(state.switches.items()):
        for port in ports:
            if (switch, port) not in inv.ports:
                entries.append(
                    Entry(
                        REMOVE,
                        f"port {switch} {port}",
                        [],
                        None,
                        [
                            Op(
                                f"delete port {switch} {port}",
                                partial(haas.ports.delete, switch, port),
                            )
                        ],
                    )
                )
    for switch in sorted(state.switches):
        if switch not in inv.switches:
            entries.append(
                Entry(
                    REMOVE,
                    f"switch {switch}",
                    [],
                    None,
                    [Op(f"delete switch {switch}", partial(haas.switches.delete, switch))],
                )
            )
    for project in state.projects:
        if project not in inv.projects:
            entries.append(
                Entry(
                    REMOVE,
                    f"project {project}",
                    [],
                    None,
                    [Op(f"delete project {project}", partial(haas.projects.delete, project))],
                )
            )
    return entries

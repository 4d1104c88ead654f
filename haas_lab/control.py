"""``haas-manage lab up|status|down|console-write``: start, inspect and stop a background lab.

One lab per state directory (``--state-dir``, else ``$HAAS_LAB_DIR``, else
``/var/lib/haas-lab``). ``up`` starts :mod:`haas_lab.supervisor` detached, waits until it has
written ``state.json``, then registers the lab in a running haas or writes an inventory file.
``down`` stops the supervisor by its PID; whatever it leaves (OVS daemons, namespaces) is then
stopped by the PIDs and deleted by the exact names recorded in ``state.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from haas_lab.fabric import delete_netns, missing_tools, stop_pids
from haas_lab.lab import DIALECTS, LabSpec
from haas_lab.register import RegistrationError, register, write_inventory
from haas_lab.supervisor import SPEC_FILE, STATE_FILE, write_private_json

DEFAULT_STATE_DIR = "/var/lib/haas-lab"
UP_TIMEOUT = 120.0


def state_dir(args: argparse.Namespace) -> Path:
    # Absolute: OVS reads a relative socket path as relative to its run directory.
    return Path(args.state_dir or os.environ.get("HAAS_LAB_DIR") or DEFAULT_STATE_DIR).absolute()


def read_state(directory: Path) -> dict[str, Any] | None:
    try:
        state: dict[str, Any] = json.loads((directory / STATE_FILE).read_text())
    except FileNotFoundError:
        return None
    return state


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def build_parser() -> argparse.ArgumentParser:
    lab = argparse.ArgumentParser(
        prog="haas-manage lab",
        description="Start, inspect and stop a background lab (docs/lab.md).",
    )
    lab.add_argument("--state-dir", help=f"default: $HAAS_LAB_DIR or {DEFAULT_STATE_DIR}")
    sub = lab.add_subparsers(dest="lab_command", required=True)
    up = sub.add_parser("up", help="bring a lab up in the background")
    up.add_argument("--nodes", type=int, default=2)
    up.add_argument("--switches", type=int, default=1)
    up.add_argument("--dialect", choices=[*DIALECTS, "mixed"], default="nexus")
    up.add_argument("--protocol", choices=["ssh", "telnet"], default="ssh")
    up.add_argument("--login-delay", type=float, default=0.0, help="seconds per CLI login")
    up.add_argument("--command-delay", type=float, default=0.0, help="seconds per command")
    up.add_argument("--prefix", default="", help="prepended to switch and node labels")
    up.add_argument("--ports", type=int, default=0, help="ports per switch (default: cabled)")
    up.add_argument("--register", metavar="URL", help="haas API to register the lab in")
    up.add_argument(
        "--user", default=os.environ.get("HAAS_USERNAME"), help="default: $HAAS_USERNAME"
    )
    up.add_argument(
        "--password",
        default=os.environ.get("HAAS_PASSWORD"),
        help="default: $HAAS_PASSWORD (keeps it off the command line)",
    )
    up.add_argument("--inventory", metavar="FILE", help="write the inventory (.json or .yaml)")
    up.add_argument(
        "--no-bmcs", action="store_true", help="no simulated BMCs: nodes get a mock OBM"
    )
    up.set_defaults(func=cmd_up)
    sub.add_parser("status", help="show the running lab").set_defaults(func=cmd_status)
    sub.add_parser("down", help="stop the lab and remove everything it made").set_defaults(
        func=cmd_down
    )
    write = sub.add_parser(
        "console-write",
        help="print on a node's serial console, as the node would (reads stdin without TEXT)",
    )
    write.add_argument("node", help="the node's label, e.g. node0")
    write.add_argument("text", nargs="*", help="words to print, followed by CR LF")
    write.set_defaults(func=cmd_console_write)
    return lab


def cmd_up(args: argparse.Namespace) -> int:
    if os.geteuid() != 0:
        return _fail("the lab needs root (network namespaces and Open vSwitch)")
    if missing := missing_tools():
        return _fail(
            f"missing programs: {', '.join(missing)} (apt-get install openvswitch-switch)"
        )
    directory = state_dir(args)
    state = read_state(directory)
    if state and state.get("status") == "running" and pid_alive(state["supervisor_pid"]):
        return _fail(f"a lab is already running from {directory}; 'lab down' first")
    try:
        spec = LabSpec(
            switches=args.switches,
            nodes=args.nodes,
            dialect=args.dialect,
            protocol=args.protocol,
            login_delay=args.login_delay,
            command_delay=args.command_delay,
            prefix=args.prefix,
            ports_per_switch=args.ports,
            bmcs=not args.no_bmcs,
        )
    except ValueError as exc:
        return _fail(str(exc))
    directory.mkdir(parents=True, exist_ok=True)
    (directory / STATE_FILE).unlink(missing_ok=True)
    write_private_json(directory / SPEC_FILE, asdict(spec))
    with open(directory / "supervisor.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "haas_lab.supervisor", str(directory)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        state = _wait_for_state(directory, proc)
    except BaseException:  # interrupted: the lab must not come up behind our back
        stop_pids([proc.pid], timeout=30)
        raise
    if state is None or state.get("status") != "running":
        error = state.get("error") if state else "the supervisor exited early"
        (directory / STATE_FILE).unlink(missing_ok=True)
        return _fail(f"lab did not come up: {error}; see {directory / 'supervisor.log'}")
    inventory = state["inventory"]
    print(_summary(directory, state))
    try:
        if args.inventory:
            write_inventory(inventory, Path(args.inventory))
            print(f"inventory written to {args.inventory}")
        if args.register:
            register(inventory, args.register, args.user, args.password)
            print(f"lab registered in {args.register}")
    except (RegistrationError, OSError) as exc:
        print(
            f"haas-manage: error: {exc} (the lab stays up; 'lab down' stops it)", file=sys.stderr
        )
        return 1
    return 0


def _wait_for_state(directory: Path, proc: subprocess.Popen[bytes]) -> dict[str, Any] | None:
    deadline = time.monotonic() + UP_TIMEOUT
    while time.monotonic() < deadline:
        state = read_state(directory)
        if state is not None:
            return state
        if proc.poll() is not None:
            return read_state(directory)
        time.sleep(0.1)
    stop_pids([proc.pid])
    return {"status": "failed", "error": f"not up within {UP_TIMEOUT:.0f} s"}


def _summary(directory: Path, state: dict[str, Any]) -> str:
    inv = state["inventory"]
    lines = [
        f"lab {inv['lab_id']} running (supervisor pid {state['supervisor_pid']}, "
        f"state {directory})"
    ]
    for sw in inv["switches"]:
        where = (
            f"ssh 127.0.0.1:{sw['ssh_port']} telnet 127.0.0.1:{sw['telnet_port']}"
            if "ssh_port" in sw
            else sw.get("url") or inv["ovsdb"]
        )
        lines.append(f"  switch {sw['name']}: {sw['dialect']}, {len(sw['ports'])} ports, {where}")
    for node in inv["nodes"]:
        nics = ", ".join(
            f"{n['label']} {n['ip']} -> {n['switch']} {n['port']}" for n in node["nics"]
        )
        lines.append(f"  node {node['name']} (netns {node['netns']}{_bmc(node)}): {nics}")
    return "\n".join(lines)


def _bmc(node: dict[str, Any]) -> str:
    """`, BMC udp 127.0.0.1:<port> power on` for a node with a simulated BMC."""
    if "console" not in node:
        return ""
    try:
        bmc_state = json.loads(Path(node["console"]).with_suffix(".json").read_text())
        power = f" power {bmc_state['power']}"
    except (OSError, ValueError, KeyError):
        power = ""
    return f", BMC udp {node['obm']['host']}:{node['obm']['port']}{power}"


def cmd_status(args: argparse.Namespace) -> int:
    directory = state_dir(args)
    state = read_state(directory)
    if state is None or state.get("status") != "running":
        print(f"no lab running from {directory}")
        return 1
    print(_summary(directory, state))
    dead = [name for name, pid in state["pids"].items() if not pid_alive(pid)]
    if not pid_alive(state["supervisor_pid"]):
        dead.insert(0, "supervisor")
    if dead:
        print(f"  not running: {', '.join(dead)} ('lab down' cleans up)")
        return 1
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    directory = state_dir(args)
    state = read_state(directory)
    if state is None:
        print(f"no lab running from {directory}")
        return 0
    supervisor = state.get("supervisor_pid")
    if supervisor and pid_alive(supervisor):
        stop_pids([supervisor], timeout=30)
    # Whatever the supervisor could not clean up, by the PIDs and names it recorded.
    stop_pids([pid for pid in state.get("pids", {}).values() if pid_alive(pid)])
    for name in state.get("namespaces", []):
        delete_netns(name)
    if state.get("workdir"):
        shutil.rmtree(state["workdir"], ignore_errors=True)
    (directory / STATE_FILE).unlink(missing_ok=True)
    print(f"lab {state.get('inventory', {}).get('lab_id', '')} down")
    return 0


def cmd_console_write(args: argparse.Namespace) -> int:
    directory = state_dir(args)
    state = read_state(directory)
    if state is None or state.get("status") != "running":
        return _fail(f"no lab running from {directory}")
    nodes = {node["name"]: node for node in state["inventory"]["nodes"]}
    if args.node not in nodes:
        return _fail(f"no node {args.node} in the lab (it has {', '.join(nodes) or 'none'})")
    if "console" not in nodes[args.node]:
        return _fail("the lab runs without BMCs (--no-bmcs): its nodes have no console")
    data = (" ".join(args.text) + "\r\n").encode() if args.text else sys.stdin.buffer.read()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10)
            sock.connect(nodes[args.node]["console"])
            sock.sendall(data)
    except OSError as exc:
        return _fail(f"cannot reach {args.node}'s console: {exc}")
    return 0


def _fail(message: str) -> int:
    print(f"haas-manage: error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result

#!/usr/bin/env python3
"""Network agent throughput against the lab's CLI switches, with login and command latency.

Needs root and Open vSwitch (the lab). It brings up a lab of S emulated switches (default 5
``nexus`` over ssh, each login taking ``--login-delay`` and each command ``--command-delay``)
with enough nodes for N NICs, starts ``haas-manage serve`` (SQLite, database auth, the VLAN
pool, the lab's switch driver) and one ``haas-network-agent`` as processes, and registers the
lab through the API as ``haas-manage lab up --register`` does. Untimed so far.

Then it fires N ``connect_network`` requests (every NIC's native channel, 10 networks round
robin) from one client, as fast as the API takes them, while the agent works; the wall time runs
from the first request to the last action's ``finished`` time (the agent is not paused while
they queue: a process stopped inside an SQLite transaction would lock the API out). The
physical limit is what the busiest switch cannot go below: one login plus the command lines it
received times the per-command delay, counted by the emulator up to the last action (max over
switches). It prints the wall time,
the limit and their ratio, and per switch the logins and command lines the agent used. Every
process it starts is stopped by its PID; the lab is torn down by the names it made. Run
``.venv/bin/python bench/lab_bench.py --help``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from haas_lab.fabric import missing_tools  # noqa: E402
from haas_lab.lab import LabSpec, running_lab  # noqa: E402
from haas_lab.register import register  # noqa: E402
from tests.support.agent import start_agent_process, stop_process  # noqa: E402
from tests.support.app import write_config  # noqa: E402
from tests.support.pgcluster import free_port  # noqa: E402

NETWORKS = 10
HAAS_MANAGE = str(Path(sys.executable).with_name("haas-manage"))


def log(msg: str) -> None:
    print(f"[lab_bench] {msg}", file=sys.stderr, flush=True)


def epoch(timestamp: str) -> float:
    """An API time (UTC ISO 8601, maybe with a Z) as seconds since the epoch."""
    parsed = dt.datetime.fromisoformat(timestamp.removesuffix("Z"))
    return parsed.replace(tzinfo=dt.UTC).timestamp()


def manage(config: Path, *args: str) -> None:
    done = subprocess.run(
        [HAAS_MANAGE, "--config-file", str(config), *args], capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"haas-manage {args[0]} failed: {done.stderr.strip()}")


class Api:
    def __init__(self, url: str, password: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.http.auth = ("admin", password)

    def call(self, method: str, path: str, body: Any = None) -> Any:
        resp = self.http.request(method, self.url + path, json=body, timeout=60)
        if resp.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {resp.status_code} {resp.text}")
        return resp.json() if resp.content else None


def wait_for_api(api: Api, server: subprocess.Popen[bytes], log_file: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            api.call("GET", "/networks")
            return
        except requests.ConnectionError:
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"haas did not start: {log_file.read_text()[-2000:]}")
            time.sleep(0.1)


def run(args: argparse.Namespace, workdir: Path) -> None:
    nics = args.actions
    spec = LabSpec(
        switches=args.switches,
        nodes=(nics + 1) // 2,
        dialect=args.dialect,
        protocol=args.protocol,
        login_delay=args.login_delay,
        command_delay=args.command_delay,
        bmcs=False,  # the switches are measured; nodes get a mock OBM
    )
    password = secrets.token_urlsafe(12)
    config = write_config(
        workdir / "haas.conf",
        f"sqlite:///{workdir / 'haas.db'}",
        {
            "plugins": {"switches": args.dialect},
            "network_allocator_vlan_pool": {"vlans": "100-199"},
            "network_agent": {"workers": max(8, args.switches)},
        },
    )
    manage(config, "db", "upgrade")
    manage(config, "create-admin-user", "admin", password)
    port = free_port()
    server_log = workdir / "haas.log"
    log(f"lab: {spec.switches} {spec.dialect} switches over {spec.protocol}, {spec.nodes} nodes")
    with running_lab(spec) as lab, open(server_log, "ab") as out:
        server = subprocess.Popen(
            [HAAS_MANAGE, "--config-file", str(config), "serve", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        agent = None
        try:
            api = Api(f"http://127.0.0.1:{port}/v0", password)
            wait_for_api(api, server, server_log)
            inventory = lab.inventory()
            register(inventory, api.url, "admin", password)
            api.call("PUT", "/project/bench")
            for n in range(NETWORKS):
                api.call("PUT", f"/network/net{n}", {"owner": "admin", "access": "", "net_id": ""})
            for node in inventory["nodes"]:
                api.call("POST", "/project/bench/connect_node", {"node": node["name"]})
            agent = start_agent_process(config, workdir / "agent.log")
            time.sleep(1)  # started and idle
            logins = [sw.logins for sw in lab.switches]
            commands = [sw.commands for sw in lab.switches]
            targets = [(n["name"], nic["label"]) for n in inventory["nodes"] for nic in n["nics"]]
            ids = []
            started = time.time()
            for i, (node, nic) in enumerate(targets[:nics]):
                body = {"network": f"net{i % NETWORKS}"}
                path = f"/node/{node}/nic/{nic}/connect_network"
                ids.append(api.call("POST", path, body)["status_id"])
            log(f"{len(ids)} actions queued in {time.time() - started:.2f} s")
            finished = []
            deadline = time.monotonic() + 600
            for sid in ids:
                while True:
                    action = api.call("GET", f"/networking_action/{sid}")
                    if action["status"] != "PENDING":
                        break
                    if time.monotonic() > deadline:
                        sys.exit(f"action {sid} still pending after 600 s")
                    time.sleep(0.05)
                if action["status"] != "DONE":
                    sys.exit(f"action {sid} failed: {action['error']}")
                finished.append(epoch(action["finished"]))
            wall = max(finished) - started
            # What the switches ran until then (a save after the last action is not waited for).
            used_logins = [
                sw.logins - before for sw, before in zip(lab.switches, logins, strict=True)
            ]
            used = [
                sw.commands - before for sw, before in zip(lab.switches, commands, strict=True)
            ]
        finally:
            if agent is not None:
                stop_process(agent)
            stop_process(server)
    limits = [args.login_delay + c * args.command_delay for c in used]
    limit = max(limits)
    print(
        f"{args.switches} x {args.dialect} over {args.protocol}, {nics} connect_network actions, "
        f"login {args.login_delay:g} s, {args.command_delay:g} s a command"
    )
    for s, (lg, c, lim) in enumerate(zip(used_logins, used, limits, strict=True)):
        print(f"  sw{s}: {lg} logins, {c} command lines, limit {lim:.2f} s")
    print(f"wall time {wall:.2f} s, physical limit {limit:.2f} s, ratio {wall / limit:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--switches", type=int, default=5)
    parser.add_argument("--actions", type=int, default=100)
    parser.add_argument(
        "--dialect", choices=["powerconnect55xx", "delln3000", "nexus"], default="nexus"
    )
    parser.add_argument("--protocol", choices=["ssh", "telnet"], default="ssh")
    parser.add_argument("--login-delay", type=float, default=1.0)
    parser.add_argument("--command-delay", type=float, default=0.05)
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        sys.exit("the lab needs root (network namespaces and Open vSwitch)")
    if missing := missing_tools():
        sys.exit(f"missing programs: {', '.join(missing)}")
    with tempfile.TemporaryDirectory(prefix="haas-lab-bench-") as tmp:
        try:
            run(args, Path(tmp))
        except Exception:
            for name in ("haas.log", "agent.log"):  # gone with the directory otherwise
                if (Path(tmp) / name).exists():
                    log(f"{name}:\n" + (Path(tmp) / name).read_text()[-3000:])
            raise
    return 0


if __name__ == "__main__":
    sys.exit(main())

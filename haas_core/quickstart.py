"""``haas-manage quickstart``: a working haas on one machine in one command.

Without the lab: writes a configuration (SQLite, database auth, mock switch and
OBM, the VLAN pool) into a state directory unless one is there, upgrades the
database, creates an admin user with a generated password, prints what to try,
and serves the API with a network agent beside it. Running it again reuses what
it made.

With the lab (root, Open vSwitch and ipmitool installed; the default when they
are): brings up a lab (``haas_lab``: switches that forward real frames, nodes
as network namespaces, one IPMI BMC per node) under ``<state>/lab``, serves a
haas configured for it (``lab.conf``, ``lab.db``: remade on every run, because
the lab is new every time) with a network agent and the console service,
registers the lab in it and prints a walkthrough. SIGTERM or Ctrl-C stops
everything, by PID, the lab included.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from oslo_config import cfg

from haas_core.crypto import generate_key

#: Before the lab's switch and node names: the README's own examples (sw0, node-01) can be
#: registered beside the lab.
LAB_PREFIX = "lab-"

CONFIG_TEMPLATE = """\
# Written by 'haas-manage quickstart'. It holds secrets: keep it mode 0600.
[DEFAULT]
secret_key = {secret_key}

[database]
connection = sqlite:///{db_path}

[plugins]
auth = database
switches = mock
obm = mock
network_allocator = vlan_pool

[network_allocator_vlan_pool]
vlans = 100-199
"""


def write_config(state_dir: Path) -> Path:
    """The quickstart config in ``state_dir`` (written once, mode 0600)."""
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = state_dir / "haas.conf"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(
                CONFIG_TEMPLATE.format(
                    secret_key=generate_key(), db_path=(state_dir / "haas.db").resolve()
                )
            )
    return path


def admin_password(state_dir: Path) -> tuple[str, bool]:
    """The admin password kept in ``state_dir`` (made on first use), and whether it is new."""
    path = state_dir / "admin-password"
    if path.exists():
        return path.read_text().strip(), False
    password = secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password + "\n")
    return password, True


def walkthrough(host: str, port: int, password: str) -> str:
    url = f"http://{host}:{port}/v0"
    auth = f"-u admin:{password}"
    return f"""
haas is serving on {url} (SQLite, database auth, mock switch, VLAN pool 100-199),
with a network agent applying networking actions.
Admin user: admin, password: {password}  (kept in the state directory)

Try, in another shell:
  curl {auth} -X PUT {url}/project/lab
  curl {auth} -X PUT {url}/node/node-01 -d '{{"obm": {{"type": "mock", "host": "bmc-01", "user": "root", "password": "calvin"}}}}'
  curl {auth} -X PUT {url}/node/node-01/nic/eth0 -d '{{"macaddr": "52:54:00:00:00:01"}}'
  curl {auth} -X PUT {url}/switch/sw0 -d '{{"type": "mock", "hostname": "sw0", "username": "admin", "password": "secret"}}'
  curl {auth} -X PUT {url}/switch/sw0/port/gi1/0/1
  curl {auth} -X POST {url}/switch/sw0/port/gi1/0/1/connect_nic -d '{{"node": "node-01", "nic": "eth0"}}'
  curl {auth} -X POST {url}/project/lab/connect_node -d '{{"node": "node-01"}}'
  curl {auth} -X PUT {url}/network/lab-net -d '{{"owner": "lab", "access": "lab", "net_id": ""}}'
  curl {auth} -X POST {url}/node/node-01/nic/eth0/connect_network -d '{{"network": "lab-net"}}'
  curl {auth} {url}/networking_actions
  curl {auth} {url}/node/node-01
  curl {auth} {url}/networks

Stop the server with Ctrl-C.
"""  # noqa: E501


LAB_CONFIG_TEMPLATE = """\
# Written by 'haas-manage quickstart' for its lab, anew on every run. It holds secrets.
[DEFAULT]
secret_key = {secret_key}

[database]
connection = sqlite:///{db_path}

[plugins]
auth = database
switches = mock, {dialect}
obm = mock, ipmi
network_allocator = vlan_pool

[network_allocator_vlan_pool]
vlans = 100-199

[console]
log_dir = {console_dir}
poll_seconds = 0.5
reconnect_seconds = 1
"""


def lab_unavailable() -> str | None:
    """Why this machine cannot run the lab, or None when it can."""
    if os.geteuid() != 0:
        return "not running as root (the lab's network namespaces and Open vSwitch need root)"
    from haas_lab.fabric import missing_tools

    missing = missing_tools() + [t for t in ("ipmitool", "ping") if shutil.which(t) is None]
    if missing:
        return f"missing programs: {', '.join(missing)} (scripts/setup.sh installs them as root)"
    return None


def write_lab_config(state_dir: Path, dialect: str) -> Path:
    """A fresh configuration and an empty database for this run's lab."""
    from haas_lab.lab import DIALECTS

    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path, db = state_dir / "lab.conf", (state_dir / "lab.db").resolve()
    db.unlink(missing_ok=True)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(
            LAB_CONFIG_TEMPLATE.format(
                secret_key=generate_key(),
                db_path=db,
                dialect=", ".join(DIALECTS) if dialect == "mixed" else dialect,
                console_dir=(state_dir / "console").resolve(),
            )
        )
    return path


def lab_walkthrough(
    url: str, password: str, state_dir: Path, inventory: dict[str, Any], dialect: str
) -> str:
    nodes = inventory["nodes"]
    n0, n1 = nodes[0], nodes[1]
    ip1 = n1["nics"][0]["ip"]
    bindir = Path(sys.executable).parent
    lab_dir = state_dir / "lab"
    outsider = ""
    if len(nodes) > 2:
        outsider = (
            f"  ip netns exec {nodes[2]['netns']} ping -c1 -W1 {ip1}"
            f"   # {nodes[2]['name']} is not on demo-net: no answer\n"
        )
    switches = len(inventory["switches"])
    switches_text = f"{switches} {dialect} switch{'es' if switches > 1 else ''}"
    return f"""
haas is serving on {url} (SQLite, database auth, VLAN pool 100-199), with a network
agent and the console service, and a lab registered in it: {switches_text} forwarding real
frames (Open vSwitch), {len(nodes)} nodes ({", ".join(n["name"] for n in nodes)}), each a network
namespace with NICs eth0/eth1 and an IPMI BMC. Lab state: {lab_dir}.
Admin user: admin, password: {password}  (kept in {state_dir / "admin-password"})

Try, in another shell (as root):
  export PATH={bindir}:$PATH HAAS_ENDPOINT={url}
  export HAAS_USERNAME=admin HAAS_PASSWORD=$(cat {state_dir / "admin-password"})
  haas node list all
  haas project create demo
  haas project node add demo {n0["name"]}
  haas project node add demo {n1["name"]}
  haas network create demo-net demo
  haas node network connect {n0["name"]} eth0 demo-net --wait
  haas node network connect {n1["name"]} eth0 demo-net --wait
  ip netns exec {n0["netns"]} ping -c3 {ip1}   # {n0["name"]} reaches {n1["name"]}
{outsider}  haas node power off {n1["name"]}    # its NICs go down: the ping above fails now
  haas node power on {n1["name"]}
  haas node console show {n1["name"]} &   # its serial console (kill %1 to stop watching)
  haas node power cycle {n1["name"]}  # ... prints its boot banner
  haas-manage lab --state-dir {lab_dir} console-write {n1["name"]} hello from {n1["name"]}

Stop everything (haas, agent, console service, the lab) with Ctrl-C.
"""


def run(args: argparse.Namespace) -> int:
    """The whole quickstart: set up, then serve (with the lab when asked or possible)."""
    from haas_core.config import load_config
    from haas_core.log import configure_logging
    from haas_core.manage import cmd_create_admin_user, cmd_db_upgrade, cmd_serve

    # Absolute: the paths go into child processes' command lines and the walkthrough.
    state = Path(args.state_dir).absolute()
    why_not = None if args.lab is False or args.no_serve else lab_unavailable()
    if args.lab and why_not:
        print(f"haas-manage: error: cannot run the lab: {why_not}", file=sys.stderr)
        return 2
    use_lab = args.lab is not False and not args.no_serve and why_not is None
    if use_lab and (problem := _bad_lab_arguments(args)):
        print(f"haas-manage: error: {problem}", file=sys.stderr)
        return 2
    if use_lab:
        config_file = str(write_lab_config(state, args.lab_dialect))
    else:
        config_file = str(write_config(state))
    conf = load_config(config_file)
    configure_logging(conf.log_level)
    cmd_db_upgrade(conf, argparse.Namespace(revision="heads"))
    password, new = admin_password(state)
    if new or use_lab:
        cmd_create_admin_user(conf, argparse.Namespace(user="admin", password=password))
    print(f"configuration: {config_file}")
    if args.no_serve:
        return 0
    # Children run beside the API and stop with it; SIGTERM must unwind through the
    # finally blocks (waitress would just die).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        with ExitStack() as stack:
            stack.enter_context(_child("haas_core.agent", config_file))
            if not use_lab:
                if why_not:
                    print(f"No lab: {why_not}; serving with the mock switch and OBM instead.")
                print(walkthrough(args.host, args.port, password))
                return cmd_serve(conf, args)
            return _serve_with_lab(stack, conf, args, config_file, state, password)
    except KeyboardInterrupt:  # Ctrl-C: everything is stopped by now
        print("stopped")
        return 0


def _bad_lab_arguments(args: argparse.Namespace) -> str | None:
    from haas_lab.lab import DIALECTS

    if args.lab_dialect not in (*DIALECTS, "mixed"):
        return f"--lab-dialect: one of {', '.join(DIALECTS)}, mixed"
    if args.lab_nodes < 2 or args.lab_switches < 1:
        return "the lab needs at least 2 nodes (the walkthrough connects two) and 1 switch"
    return None


def _serve_with_lab(
    stack: ExitStack,
    conf: cfg.ConfigOpts,
    args: argparse.Namespace,
    config_file: str,
    state: Path,
    password: str,
) -> int:
    from waitress.server import create_server

    from haas_core.api.app import setup_app
    from haas_core.manage import _services
    from haas_lab import control
    from haas_lab.register import RegistrationError, register

    lab_dir = state / "lab"
    if control.read_state(lab_dir) is not None:
        print("stopping the lab a killed earlier run left behind")
        control.main(["--state-dir", str(lab_dir), "down"])
    # Registered first: also cleans up a lab interrupted half way up.
    stack.callback(control.main, ["--state-dir", str(lab_dir), "down"])
    up = ["--state-dir", str(lab_dir), "up", "--nodes", str(args.lab_nodes)]
    up += ["--switches", str(args.lab_switches), "--dialect", args.lab_dialect]
    up += ["--prefix", LAB_PREFIX]
    if control.main(up) != 0:
        return 1
    stack.enter_context(_child("haas_core.console_service", config_file))
    server = create_server(
        setup_app(_services(conf)),
        host=args.host,
        port=args.port,
        threads=args.threads,
        ident="haas",
        channel_request_lookahead=1,
    )
    thread = threading.Thread(target=server.run, name="haas-api", daemon=True)
    thread.start()
    stack.callback(server.close)
    url = f"http://{args.host}:{args.port}/v0"
    inventory = control.read_state(lab_dir)["inventory"]  # type: ignore[index]
    for switch in inventory["switches"]:
        if switch["driver_info"].get("protocol") == "ssh":
            # Every lab has new ssh host keys (and ports): trust them for this lab only.
            known_hosts = str(lab_dir / "fabric" / "known_hosts")
            switch["driver_info"].setdefault("known_hosts_file", known_hosts)
    try:
        register(inventory, url, "admin", password)
    except RegistrationError as exc:
        print(f"haas-manage: error: registering the lab: {exc}", file=sys.stderr)
        return 1
    print(lab_walkthrough(url, password, state, inventory, args.lab_dialect), flush=True)
    while thread.is_alive():
        thread.join(timeout=1)
    return 0


@contextlib.contextmanager
def _child(module: str, config_file: str) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m <module> --config-file ...`` for the block, stopped by its PID (and by
    the kernel should the quickstart be killed outright)."""
    from haas_core.console_service import _die_with_parent

    argv = [sys.executable, "-m", module, "--config-file", config_file]
    proc = subprocess.Popen(argv, preexec_fn=_die_with_parent)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

#!/usr/bin/env python3
"""Network agent benchmark: ``haas-network-agent`` against slow mock switches.

For each database (SQLite, PostgreSQL) the benchmark writes a configuration
(``[plugins] auth = null``, the mock switch driver, a VLAN pool), runs
``haas-manage db upgrade``, and starts ``haas-manage serve`` and one
``haas-network-agent`` as subprocesses. Through the API it registers S mock
switches with simulated latency (``session_open_seconds`` = L,
``per_change_seconds`` = c), N nodes with one NIC each, cabled to ports spread
round-robin over the switches, a project owning the nodes, and 10 project
networks. None of this touches a switch; the clock has not started yet.

Then it measures:

* **single-action latency** on an idle system, on an extra switch with L = c = 0:
  sequential connect / detach cycles, each from the request to the action's
  ``finished`` time (median, p95), with a random pause before each request;
* **throughput**: N ``connect_network`` requests fired by ``--clients`` threads
  as fast as the API takes them; the wall time runs from the first request (local
  clock) to the last action's ``finished`` time (from the API), and is compared
  with the physical limit, the max over switches of (L + n_s x c);
* **throughput of the agent alone**: N ``detach_network`` requests queued while
  the agent is paused (SIGSTOP); the clock starts at its SIGCONT.

``--busy-cores K`` keeps K busy loops running through the measurements (a host with
less CPU to spare). It prints one table, then the issue's targets with PASS/FAIL (a
report: the exit status is 0 either way). All traffic goes to 127.0.0.1; PostgreSQL runs in a
throwaway cluster (``tests/support/pgcluster.py``). Every process started here is
stopped by its PID, also on Ctrl-C. Run ``python bench/agent_bench.py --help``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
for _path in (str(REPO), str(BENCH)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from api_bench import (  # noqa: E402
    Client,
    HttpError,
    Server,
    haas_manage,
    manage,
    percentile,
    run_threads,
)

from tests.support.config import write_ini  # noqa: E402
from tests.support.pgcluster import PgCluster  # noqa: E402

PROJECT = "bench"
NETWORKS = 10
LATENCY_SWITCH = "swlat"
LATENCY_NODE = "nlat"
LATENCY_NETWORK = "netlat"
WARMUP_CYCLES = 4
LATENCY_POLL_SECONDS = 0.01
#: Longer than the agent's session_idle_seconds (default 1 s), which this bench leaves alone.
SESSIONS_CLOSED_SECONDS = 2.5
#: Pause before each single-action request: the previous action's batch has ended, and
#: requests do not fall in step with the agent's poll timer on SQLite.
THINK_SECONDS = (0.05, 0.45)
DONE_POLL_SECONDS = 0.05
AGENT_LINE = re.compile(r"action (\S+) switch=(\S+) port=\S+ (DONE|ERROR) in (\d+) ms")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time so far of a process (all its threads) and of its children
    (the server's worker processes)."""
    if pid is None:
        return float("nan")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def host_speed_ms() -> float:
    """Milliseconds one core takes for a fixed loop of Python: how fast the host runs right
    now. On a shared virtual machine this swings by half from minute to minute, and every
    process of the benchmark (server, agent, database, load) slows with it."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(1_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return best * 1000


@contextmanager
def busy_cores(count: int) -> Iterator[None]:
    """``count`` processes that each keep a core busy with a loop of Python: a host with
    less CPU to spare (a shared machine's slow spell, other services on the box)."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def haas_agent() -> str:
    """The ``haas-network-agent`` beside ``haas-manage`` (the venv)."""
    candidate = Path(haas_manage()).with_name("haas-network-agent")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("haas-network-agent")
    if found is None:
        sys.exit("haas-network-agent not found: run this with the venv's python")
    return found


def epoch(timestamp: str) -> float:
    """An API time (UTC ISO 8601 with a Z) as seconds since the epoch."""
    parsed = dt.datetime.fromisoformat(timestamp.removesuffix("Z"))
    return parsed.replace(tzinfo=dt.UTC).timestamp()


# --------------------------------------------------------------------------- processes


@dataclass
class AgentProcess:
    config: Path
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                [haas_agent(), "--config-file", str(self.config)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        deadline = time.monotonic() + 60
        while " started with " not in self.log.read_text(errors="replace"):
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"the agent exited with {self.proc.returncode}; "
                    f"log:\n{self.log.read_text()[-3000:]}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError("the agent did not start within 60 s")
            time.sleep(0.05)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def pause(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGCONT)

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        os.kill(proc.pid, signal.SIGCONT)  # in case it was paused
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


def write_config(path: Path, db_url: str, secret_key: str, log_level: str, workers: int) -> Path:
    sections: dict[str, dict[str, Any]] = {
        "DEFAULT": {"secret_key": secret_key, "log_level": log_level},
        "database": {"connection": db_url, "pool_size": max(10, workers + 2)},
        "plugins": {
            "auth": "null",
            "switches": "mock",
            "obm": "mock",
            "network_allocator": "vlan_pool",
        },
        "network_allocator_vlan_pool": {"vlans": "100-3000"},
        "network_agent": {"workers": workers},
    }
    return write_ini(path, sections)


@contextmanager
def database_url(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'haas.db'}"
        return
    cluster = PgCluster()
    try:
        cluster.start()
        yield cluster.create_database("haas_agent_bench")
    finally:
        cluster.stop()


# --------------------------------------------------------------------------- set-up


def switch_body(latency: float, per_change: float) -> dict[str, Any]:
    return {
        "type": "mock",
        "hostname": "127.0.0.1",
        "username": "bench",
        "password": "bench",
        "session_open_seconds": latency,
        "per_change_seconds": per_change,
    }


def node_name(i: int) -> str:
    return f"n{i:05d}"


def switch_of(i: int, switches: int) -> str:
    return f"sw{i % switches:03d}"


def add_node(client: Client, node: str, switch: str, port: str, mac: int) -> None:
    """A node in the project with NIC eth0 cabled to ``switch``/``port``."""
    client.call(
        "PUT",
        f"/node/{node}",
        {"obm": {"type": "mock", "host": node, "user": "u", "password": "p"}},
    )
    macaddr = ":".join(
        f"{b:02x}" for b in (2, 0, 0, (mac >> 16) & 255, (mac >> 8) & 255, mac & 255)
    )
    client.call("PUT", f"/node/{node}/nic/eth0", {"macaddr": macaddr})
    client.call("PUT", f"/switch/{switch}/port/{port}")
    client.call("POST", f"/switch/{switch}/port/{port}/connect_nic", {"node": node, "nic": "eth0"})
    client.call("POST", f"/project/{PROJECT}/connect_node", {"node": node})


def set_up(port: int, args: argparse.Namespace) -> float:
    t0 = time.perf_counter()
    client = Client(port, None)
    try:
        client.call("PUT", f"/project/{PROJECT}")
        for s in range(args.switches):
            client.call(
                "PUT",
                f"/switch/{switch_of(s, args.switches)}",
                switch_body(args.latency, args.per_change),
            )
        client.call("PUT", f"/switch/{LATENCY_SWITCH}", switch_body(0, 0))
        net = {"owner": PROJECT, "access": PROJECT, "net_id": ""}
        for k in range(NETWORKS):
            client.call("PUT", f"/network/net{k}", net)
        client.call("PUT", f"/network/{LATENCY_NETWORK}", net)
        add_node(client, LATENCY_NODE, LATENCY_SWITCH, "gi1/0/1", 0xFFFFFF)
    finally:
        client.close()

    todo = iter(range(args.actions))
    lock = threading.Lock()

    def worker(_: int) -> None:
        c = Client(port, None)
        try:
            while True:
                with lock:
                    i = next(todo, None)
                if i is None:
                    return
                add_node(
                    c,
                    node_name(i),
                    switch_of(i, args.switches),
                    f"gi1/0/{i // args.switches + 1}",
                    i,
                )
        finally:
            c.close()

    run_threads(args.clients, worker)
    return time.perf_counter() - t0


# --------------------------------------------------------------------------- measuring


@dataclass
class Latency:
    database: str
    samples: list[float] = field(default_factory=list)  # request -> finished, ms
    observed: list[float] = field(default_factory=list)  # request -> DONE seen by polling, ms
    posted: list[float] = field(default_factory=list)  # request -> its 202, ms
    queued: list[float] = field(default_factory=list)  # 'created' -> 'finished', ms
    load: float = float("nan")


@dataclass
class Throughput:
    database: str
    mode: str
    switches: int
    actions: int
    latency: float
    per_change: float
    limit: float = float("nan")
    submit: float = float("nan")
    wall: float = float("nan")
    errors: int = 0
    opens: int = 0
    max_opens: int = 0
    load: float = float("nan")
    host_ms: float = float("nan")  # the fixed loop of host_speed_ms(), before the phase
    server_cpu_ms: float = float("nan")  # per action, while the requests were sent
    agent_cpu_ms: float = float("nan")  # per action, until the last was DONE

    @property
    def ratio(self) -> float:
        return self.wall / self.limit


def wait_done(client: Client, status_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = client_json(client, "GET", f"/networking_action/{status_id}")
        if body["status"] != "PENDING":
            return body
        if time.monotonic() > deadline:
            raise RuntimeError(f"action {status_id} still PENDING after {timeout:g} s")
        time.sleep(LATENCY_POLL_SECONDS)


def client_json(client: Client, method: str, path: str, body: Any = None) -> Any:
    return json.loads(client.call(method, path, body) or b"null")


def measure_latency(port: int, kind: str, samples: int) -> Latency:
    result = Latency(kind, load=os.getloadavg()[0])
    client = Client(port, None)
    nic = f"/node/{LATENCY_NODE}/nic/eth0"
    rng = random.Random(1)
    try:
        for k in range(WARMUP_CYCLES + samples):
            time.sleep(rng.uniform(*THINK_SECONDS))
            if k % 2 == 0:
                path, body = f"{nic}/connect_network", {"network": LATENCY_NETWORK}
            else:
                path, body = f"{nic}/detach_network", {"network": LATENCY_NETWORK}
            t0 = time.time()
            status_id = client_json(client, "POST", path, body)["status_id"]
            posted = time.time()
            action = wait_done(client, status_id)
            seen = time.time()
            if action["status"] != "DONE":
                raise RuntimeError(f"latency action {status_id}: {action}")
            if k >= WARMUP_CYCLES:
                result.samples.append((epoch(action["finished"]) - t0) * 1000)
                result.observed.append((seen - t0) * 1000)
                result.posted.append((posted - t0) * 1000)
                result.queued.append((epoch(action["finished"]) - epoch(action["created"])) * 1000)
    finally:
        client.close()
    return result


def session_opens(agent_log: Path, ids: set[str], latency: float) -> Counter[str]:
    """Per switch, the actions whose duration in the agent's log includes a session
    open (>= L): how many sessions each switch opened."""
    opens: Counter[str] = Counter()
    if latency <= 0:
        return opens
    for line in agent_log.read_text(errors="replace").splitlines():
        match = AGENT_LINE.search(line)
        if match and match[1] in ids and int(match[4]) >= latency * 1000 * 0.95:
            opens[match[2]] += 1
    return opens


def fire(port: int, clients: int, requests: list[tuple[str, Any]]) -> tuple[float, set[str]]:
    """POST ``requests`` from ``clients`` threads as fast as the API takes them.

    Returns the local time of the first request and the status ids."""
    todo = iter(requests)
    lock = threading.Lock()
    firsts: list[float] = []
    ids: set[str] = set()
    start = threading.Barrier(clients)

    def worker(_: int) -> None:
        c = Client(port, None)
        mine: list[str] = []
        first: float | None = None
        try:
            c.request("GET", "/version")  # connected before the clock starts
            start.wait()
            while True:
                with lock:
                    item = next(todo, None)
                if item is None:
                    break
                if first is None:
                    first = time.time()
                mine.append(client_json(c, "POST", *item)["status_id"])
        except BaseException:
            start.abort()
            raise
        finally:
            c.close()
            with lock:
                ids.update(mine)
                if first is not None:
                    firsts.append(first)

    run_threads(clients, worker)
    return min(firsts), ids


def wait_settled(port: int, timeout: float) -> None:
    """Wait until no action is PENDING."""
    client = Client(port, None)
    try:
        deadline = time.monotonic() + timeout
        while client_json(client, "GET", "/networking_actions?status=PENDING&limit=1"):
            if time.monotonic() > deadline:
                raise RuntimeError("actions still PENDING at the deadline")
            time.sleep(DONE_POLL_SECONDS)
    finally:
        client.close()


def finished_times(port: int, switches: list[str], ids: set[str], result: Throughput) -> float:
    """The latest ``finished`` time of ``ids``; counts those not DONE in ``result``."""
    client = Client(port, None)
    finished: list[float] = []
    try:
        rows = []
        for switch in switches:
            rows += client_json(client, "GET", f"/networking_actions?switch={switch}&limit=1000")
        rows = [row for row in rows if row["id"] in ids]
        for missing in ids - {row["id"] for row in rows}:  # beyond the newest 1000 per switch
            rows.append(client_json(client, "GET", f"/networking_action/{missing}"))
        for row in rows:
            if row["status"] != "DONE":
                result.errors += 1
            if row["finished"]:
                finished.append(epoch(row["finished"]))
    finally:
        client.close()
    return max(finished)


def measure_throughput(
    server: Server, kind: str, args: argparse.Namespace, agent: AgentProcess, queued: bool
) -> Throughput:
    """``queued`` False: N connect_network requests while the agent runs, the clock from the
    first request. True: N detach_network requests while the agent is paused (SIGSTOP),
    the clock from its SIGCONT: the agent's own speed, without the API's."""
    mode = "queued" if queued else "api"
    result = Throughput(kind, mode, args.switches, args.actions, args.latency, args.per_change)
    result.load = os.getloadavg()[0]
    result.host_ms = host_speed_ms()
    per_switch = Counter(switch_of(i, args.switches) for i in range(args.actions))
    result.limit = max(args.latency + n * args.per_change for n in per_switch.values())
    verb = "detach_network" if queued else "connect_network"
    requests = [
        (f"/node/{node_name(i)}/nic/eth0/{verb}", {"network": f"net{i % NETWORKS}"})
        for i in range(args.actions)
    ]
    server_cpu = cpu_seconds(server.proc.pid if server.proc else None)
    if queued:
        agent.pause()
        try:
            first, ids = fire(server.port, args.clients, requests)
            result.submit = time.time() - first
        finally:
            agent_cpu = cpu_seconds(agent.pid)
            t0 = time.time()
            agent.resume()
    else:
        agent_cpu = cpu_seconds(agent.pid)
        t0, ids = fire(server.port, args.clients, requests)
        result.submit = time.time() - t0
    result.server_cpu_ms = (
        (cpu_seconds(server.proc.pid if server.proc else None) - server_cpu) * 1000 / args.actions
    )
    wait_settled(server.port, 3 * result.limit + 120)
    result.agent_cpu_ms = (cpu_seconds(agent.pid) - agent_cpu) * 1000 / args.actions
    result.wall = finished_times(server.port, sorted(per_switch), ids, result) - t0
    opens = session_opens(agent.log, ids, args.latency)
    result.opens = sum(opens.values())
    result.max_opens = max(opens.values(), default=0)
    return result


# --------------------------------------------------------------------------- the run


def bench_database(
    kind: str, args: argparse.Namespace, lat: list[Latency], thr: list[Throughput]
) -> None:
    from cryptography.fernet import Fernet

    workdir = Path(tempfile.mkdtemp(prefix=f"haas-agent-bench-{kind}-"))
    failed = False
    try:
        # Unwinds in reverse: the agent, the server, then the database they use.
        with ExitStack() as stack:
            url = stack.enter_context(database_url(kind, workdir))
            key = Fernet.generate_key().decode()
            workers = max(args.workers, args.switches + 1)
            server_conf = write_config(workdir / "serve.conf", url, key, "WARNING", workers)
            agent_conf = write_config(workdir / "agent.conf", url, key, "INFO", workers)
            log(f"[{kind}] db upgrade")
            manage(server_conf, "db", "upgrade")
            server = Server(kind, server_conf, workdir / "serve.log")
            stack.callback(server.stop)
            server.start(args.threads, server_workers(args, kind))
            agent = AgentProcess(agent_conf, workdir / "agent.log")
            stack.callback(agent.stop)
            agent.start()
            log(f"[{kind}] setting up {args.switches} switches, {args.actions} nodes")
            seconds = set_up(server.port, args)
            log(f"[{kind}]   set-up took {seconds:.1f} s")
            if args.busy_cores:
                log(f"[{kind}] {args.busy_cores} busy loop(s) run from here on")
                stack.enter_context(busy_cores(args.busy_cores))
            log(f"[{kind}] single-action latency, {args.samples} samples")
            lat.append(measure_latency(server.port, kind, args.samples))
            log(f"[{kind}] throughput: {args.actions} actions over {args.switches} switches")
            thr.append(measure_throughput(server, kind, args, agent, queued=False))
            log(f"[{kind}] throughput, pre-queued: {args.actions} actions, agent paused")
            # Sessions kept open after the last phase ([network_agent] session_idle_seconds)
            # must be closed first: every switch logs in again.
            time.sleep(SESSIONS_CLOSED_SECONDS)
            thr.append(measure_throughput(server, kind, args, agent, queued=True))
    except Exception:
        failed = True
        for path in (workdir / "serve.log", workdir / "agent.log"):
            if path.exists():
                log(f"--- tail of {path}:\n{path.read_text(errors='replace')[-2000:]}")
        raise
    finally:
        if args.keep_logs or failed:
            kept = Path(tempfile.mkdtemp(prefix=f"haas-agent-bench-logs-{kind}-"))
            for name in ("serve.log", "agent.log"):
                if (workdir / name).exists():
                    shutil.copy(workdir / name, kept / name)
            log(f"[{kind}] logs kept in {kept}")
        shutil.rmtree(workdir, ignore_errors=True)


def server_workers(args: argparse.Namespace, kind: str) -> int:
    """SQLite takes one writer at a time: a second server process only adds hand-overs of
    its write lock. PostgreSQL takes many: a second process puts the other core to work."""
    if args.server_workers is not None:
        return int(args.server_workers)
    return 1 if kind == "sqlite" else 2


def fmt(value: float, digits: int = 1) -> str:
    return "-" if value != value else f"{value:.{digits}f}"


def print_tables(lat: list[Latency], thr: list[Throughput], args: argparse.Namespace) -> None:
    print()
    print(
        f"haas network agent benchmark: {args.clients} client threads, agent workers "
        f"{max(args.workers, args.switches + 1)}, server processes "
        + ", ".join(f"{server_workers(args, kind)} on {kind}" for kind in args.databases)
        + f" x {args.threads} threads, "
        f"{os.cpu_count()} CPUs"
        + (f", {args.busy_cores} of them kept busy" if args.busy_cores else "")
    )
    print()
    print("throughput (limit = max over switches of L + n_s x c; ratio = wall / limit):")
    header = (
        f"{'database':<11} {'clock from':<13} {'S':>3} {'N':>5} {'L s':>4} {'c s':>5} "
        f"{'submit s':>8} {'wall s':>7} {'limit s':>7} {'ratio':>6} {'opens':>5} "
        f"{'max/sw':>6} {'errors':>6} {'API ms':>6} {'agent ms':>8} {'load':>5} {'host ms':>7}"
    )
    print(header)
    print("-" * len(header))
    for t in thr:
        clock = "SIGCONT" if t.mode == "queued" else "first request"
        print(
            f"{t.database:<11} {clock:<13} {t.switches:>3} {t.actions:>5} {t.latency:>4g} "
            f"{t.per_change:>5g} {fmt(t.submit, 2):>8} {fmt(t.wall, 2):>7} {fmt(t.limit, 2):>7} "
            f"{fmt(t.ratio, 3):>6} {t.opens:>5} {t.max_opens:>6} {t.errors:>6} "
            f"{fmt(t.server_cpu_ms, 2):>6} {fmt(t.agent_cpu_ms, 2):>8} {fmt(t.load, 1):>5} "
            f"{fmt(t.host_ms, 0):>7}"
        )
    print("  first request: N connect_network requests while the agent runs (the issue's figure);")
    print("  SIGCONT: N detach_network requests queued while the agent was paused (SIGSTOP),")
    print("    the clock from its SIGCONT: the agent alone, without the API's pace.")
    print("  wall: clock start -> last action's 'finished'; submit: first request -> last 202;")
    print("  opens: actions that took at least L in the agent log (each session open, and any")
    print("    action as slow as one), max/sw: most on one switch (1 = one session per switch);")
    print("  API ms, agent ms: CPU time of the server processes (while the requests were sent)")
    print("    and of the agent process (until the last DONE) per action;")
    print("  load: 1-minute load average of the machine when the phase started;")
    print("  host ms: one core's time for a fixed Python loop just before the phase (the")
    print("    host's speed at that moment: lower is faster).")
    print()
    print("single-action latency, idle system, L = c = 0 (request -> DONE):")
    header = (
        f"{'database':<11} {'samples':>7} {'median ms':>10} {'p95 ms':>8} {'max ms':>8} "
        f"{'polled median':>13} {'202 median':>10} {'queued->DONE':>12} {'load':>5}"
    )
    print(header)
    print("-" * len(header))
    for r in lat:
        med = {k: fmt(statistics.median(v), 1) for k, v in vars(r).items() if isinstance(v, list)}
        print(
            f"{r.database:<11} {len(r.samples):>7} {med['samples']:>10} "
            f"{fmt(percentile(r.samples, 0.95), 1):>8} {fmt(max(r.samples), 1):>8} "
            f"{med['observed']:>13} {med['posted']:>10} {med['queued']:>12} {fmt(r.load, 1):>5}"
        )
    poll_ms = LATENCY_POLL_SECONDS * 1000
    low, high = THINK_SECONDS
    print("  (ms from the local clock before the request to the action's 'finished' time;")
    print(f"   polled: when polling show_networking_action every {poll_ms:g} ms saw DONE;")
    print("   202: when the request's answer came; queued->DONE: the action's 'created' to its")
    print(f"   'finished' (the agent's part). A random pause of {low:g}-{high:g} s before each")
    print("   request keeps the system idle and the arrivals independent of the agent's poll")
    print("   timer on SQLite; all medians)")


def print_targets(lat: list[Latency], thr: list[Throughput], args: argparse.Namespace) -> None:
    lines: list[tuple[bool, str]] = []
    for t in thr:
        if t.mode != "api":
            continue
        lines.append(
            (
                t.ratio <= 1.25 and t.errors == 0,
                f"throughput ratio, {t.database:<10} S={t.switches} N={t.actions} "
                f"L={t.latency:g} c={t.per_change:g}: {t.wall:.2f} / {t.limit:.2f} s = "
                f"{t.ratio:.3f} (<= 1.25)" + (f", {t.errors} not DONE" if t.errors else ""),
            )
        )
    bounds = {"postgresql": 100.0, "sqlite": 300.0}
    for r in lat:
        median = statistics.median(r.samples)
        bound = bounds[r.database]
        lines.append(
            (
                median < bound,
                f"single-action latency, {r.database:<10}: median {median:.1f} ms "
                f"(< {bound:g} ms)",
            )
        )
    print()
    print("targets:")
    issue = (args.switches, args.actions, args.latency, args.per_change) == (20, 1000, 1.0, 0.05)
    if not issue:
        print("  (the issue's throughput target is stated for S=20, N=1000, L=1, c=0.05)")
    for ok, text in lines:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    print(f"  {sum(ok for ok, _ in lines)}/{len(lines)} passed")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql", help="sqlite,postgresql")
    parser.add_argument("--switches", type=int, default=20, help="S, switches (default 20)")
    parser.add_argument("--actions", type=int, default=1000, help="N, actions (default 1000)")
    parser.add_argument("--latency", type=float, default=1.0, help="L, session open seconds")
    parser.add_argument("--per-change", type=float, default=0.05, help="c, seconds per change")
    parser.add_argument("--quick", action="store_true", help="smoke run: S=5, N=100")
    parser.add_argument("--samples", type=int, default=50, help="single-action latency samples")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=24, help="[network_agent] workers (>= S+1)")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads per process")
    parser.add_argument(
        "--server-workers",
        type=int,
        default=None,
        help="server processes (serve --workers); default 1 on SQLite, 2 on PostgreSQL",
    )
    parser.add_argument(
        "--busy-cores",
        type=int,
        default=0,
        help="K processes spinning on a core each during the measurements (a busier host)",
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the server and agent logs")
    args = parser.parse_args(argv)
    if args.quick:
        args.switches, args.actions = 5, 100
        args.samples = min(args.samples, 20)
    args.databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    for d in args.databases:
        if d not in ("sqlite", "postgresql"):
            parser.error(f"unknown database {d!r}")
    if args.busy_cores < 0:
        parser.error("--busy-cores must not be negative")
    if args.switches < 1 or args.actions < 1 or args.samples < 1:
        parser.error("--switches, --actions and --samples must be positive")
    if args.latency < 0 or args.per_change < 0:
        parser.error("--latency and --per-change must not be negative")
    return args


def interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C and SIGTERM unwind through the finally blocks that stop every process started
    # here (also when started in the background, where SIGINT would be ignored).
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    lat: list[Latency] = []
    thr: list[Throughput] = []
    t0 = time.perf_counter()
    try:
        for kind in args.databases:
            bench_database(kind, args, lat, thr)
    except KeyboardInterrupt:
        log("interrupted: partial results")
    except (HttpError, RuntimeError) as exc:
        log(f"benchmark failed: {exc}")
    print_tables(lat, thr, args)
    print_targets(lat, thr, args)
    print(f"\ntotal time {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

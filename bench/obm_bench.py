#!/usr/bin/env python3
"""OBM benchmark: power status across simulated BMCs, and console latency.

Starts ``--nodes`` simulated IPMI BMCs (``haas_lab.bmc``, one process, 127.0.0.1 UDP
ports), ``haas-manage serve`` on SQLite with the ipmi driver, and registers one node per
BMC. Then:

* ``power_status``: ``--clients`` concurrent keep-alive clients each send
  ``--requests``/``--clients`` ``GET /node/<n>/power_status`` for random nodes; each is a
  real ``ipmitool`` run against its BMC. Prints median and p95 latency and requests/s.
* console latency: ``haas-console-service`` holds node 0's SOL; an HTTP client streams
  ``GET /node/<n>/console``; the benchmark writes a line on the node's serial side and
  times its arrival in the HTTP stream, ``--console-samples`` times. Prints median and p95.

Everything listens on 127.0.0.1 and is stopped by PID at the end (also on errors).
Run it with the venv's Python: ``.venv/bin/python bench/obm_bench.py``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from cryptography.fernet import Fernet  # noqa: E402

from tests.support.bmc import BmcSim, require_ipmitool  # noqa: E402
from tests.support.config import write_ini  # noqa: E402
from tests.support.console import (  # noqa: E402
    Viewer,
    auth_header,
    start_console_service,
    stop_console_service,
)
from tests.support.pgcluster import free_port  # noqa: E402

ADMIN, PASSWORD = "benchadmin", "bench-password"


def manage(*args: str, config: Path) -> None:
    exe = str(Path(sys.executable).with_name("haas-manage"))
    subprocess.run([exe, "--config-file", str(config), *args], check=True, capture_output=True)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def wait_http(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/v0/version")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("haas-manage serve did not start") from None
            time.sleep(0.1)


def call(conn: http.client.HTTPConnection, method: str, path: str, body: str = "") -> bytes:
    conn.request(method, path, body=body.encode(), headers=auth_header(ADMIN, PASSWORD))
    resp = conn.getresponse()
    data = resp.read()
    if resp.status != 200:
        raise RuntimeError(f"{method} {path}: {resp.status} {data[:200]!r}")
    return data


def bench_power_status(port: int, nodes: int, clients: int, requests: int) -> None:
    latencies: list[float] = []
    failures: list[str] = []  # a BMC that did not answer in time is a 502: count it
    lock = threading.Lock()
    per_client = max(1, requests // clients)

    def client(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, failed = [], []
        for _ in range(per_client):
            node = rng.randrange(nodes)
            started = time.perf_counter()
            try:
                call(conn, "GET", f"/v0/node/n{node}/power_status")
            except RuntimeError as exc:
                failed.append(str(exc))
                continue
            mine.append(time.perf_counter() - started)
        conn.close()
        with lock:
            latencies.extend(mine)
            failures.extend(failed)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    print(
        f"power_status, {nodes} BMCs, {clients} clients, {len(latencies)} requests: "
        f"median {statistics.median(latencies) * 1000:.1f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.1f} ms, "
        f"{len(latencies) / elapsed:.1f} requests/s, {len(failures)} failed"
    )
    if failures:
        print(f"  first failure: {failures[0]}")


def bench_console(port: int, bmc: BmcSim, samples: int) -> None:
    bmc.wait_for(0, "sol_active", True, timeout=30)
    viewer = Viewer(port, "n0", ADMIN, PASSWORD)
    node = bmc.console(0)
    try:
        node.sendall(b"warm-up\r\n")
        viewer.wait_for(b"warm-up")
        latencies = []
        for i in range(samples):
            marker = f"<{i}>".encode()
            started = time.perf_counter()
            node.sendall(marker)
            viewer.wait_for(marker)
            latencies.append(time.perf_counter() - started)
            time.sleep(0.02)
        print(
            f"console latency (node serial -> HTTP client), {samples} samples: "
            f"median {statistics.median(latencies) * 1000:.1f} ms, "
            f"p95 {percentile(latencies, 0.95) * 1000:.1f} ms"
        )
    finally:
        node.close()
        viewer.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=800)
    parser.add_argument("--console-samples", type=int, default=50)
    parser.add_argument(
        "--bmc-processes",
        type=int,
        default=4,
        help="simulator processes the BMCs are spread over (real BMCs are independent)",
    )
    args = parser.parse_args()
    require_ipmitool()
    work = Path(tempfile.mkdtemp(prefix="haas-obm-bench-"))
    config = write_ini(
        work / "haas.conf",
        {
            "DEFAULT": {"secret_key": Fernet.generate_key().decode(), "log_level": "WARNING"},
            "database": {"connection": f"sqlite:///{work / 'haas.db'}"},
            "plugins": {"obm": "ipmi", "switches": "mock", "network_allocator": "null"},
            "console": {"log_dir": str(work / "console"), "poll_seconds": 0.5},
        },
    )
    manage("db", "upgrade", config=config)
    manage("create-admin-user", ADMIN, PASSWORD, config=config)
    per = -(-args.nodes // args.bmc_processes)
    sims = [
        BmcSim(work / f"bmc{i}", count=min(per, args.nodes - i * per))
        for i in range(-(-args.nodes // per))
    ]
    bmc = sims[0]  # node 0's BMC (the console measurement)
    server: subprocess.Popen[bytes] | None = None
    service: subprocess.Popen[bytes] | None = None
    try:
        for sim in sims:
            sim.start()
        port = free_port()
        with (work / "serve.log").open("ab") as log:
            server = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("haas-manage")),
                    "--config-file",
                    str(config),
                    "serve",
                    "--port",
                    str(port),
                    "--threads",
                    str(args.clients + 2),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        wait_http(port)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for i in range(args.nodes):
            obm = sims[i // per].obm(i % per)
            call(conn, "PUT", f"/v0/node/n{i}", json.dumps({"obm": obm}))
            if i:  # only node 0 keeps its console (the latency measurement)
                call(conn, "DELETE", f"/v0/node/n{i}/console")
        conn.close()
        print(
            f"{args.nodes} nodes registered; BMCs in {len(sims)} simulator process(es)",
            flush=True,
        )
        bench_power_status(port, args.nodes, args.clients, args.requests)
        service = start_console_service(config, work / "console-service.log")
        bench_console(port, bmc, args.console_samples)
    finally:
        if service is not None:
            stop_console_service(service)
        if server is not None and server.poll() is None:
            os.kill(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        for sim in sims:
            sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

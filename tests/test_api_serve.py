"""``haas-manage serve --workers N`` (haas_core/api/serve.py): N worker processes serve
one port; a worker that dies is replaced; SIGTERM stops them all, by PID."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.support.agent import stop_process
from tests.support.app import write_config
from tests.support.live import HAAS_MANAGE, _manage
from tests.support.pgcluster import free_port


def children(pid: int) -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry))
    return found


def wait_for(what: str, predicate: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path

    def answers(self) -> bool:
        try:
            return requests.get(f"{self.url}/v0/version", timeout=5).status_code == 200
        except requests.ConnectionError:
            return False


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[Served]:
    config = write_config(
        tmp_path / "haas.conf", f"sqlite:///{tmp_path / 'haas.db'}", {"plugins": {"auth": "null"}}
    )
    _manage(config, "db", "upgrade")
    port = free_port()
    log = tmp_path / "serve.log"
    argv = [HAAS_MANAGE, "--config-file", str(config), "serve", "--port", str(port)]
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [*argv, "--workers", "2", "--threads", "2"], stdout=out, stderr=subprocess.STDOUT
        )
    served = Served(proc, f"http://127.0.0.1:{port}", log)
    try:
        wait_for("the server", served.answers, timeout=60)
        yield served
    finally:
        for pid in children(proc.pid):
            os.kill(pid, signal.SIGKILL)
        stop_process(proc)


def test_two_worker_processes_serve_one_port_and_a_dead_one_is_replaced(
    two_workers: Served,
) -> None:
    wait_for("two workers", lambda: len(children(two_workers.proc.pid)) == 2)
    workers = children(two_workers.proc.pid)
    session = requests.Session()
    for k in range(20):
        resp = session.put(f"{two_workers.url}/v0/project/p{k}")
        assert resp.status_code == 200, resp.text
    assert len(requests.get(f"{two_workers.url}/v0/projects", timeout=5).json()) == 20

    victim = min(workers)
    os.kill(victim, signal.SIGKILL)
    wait_for(
        "a new worker",
        lambda: (
            len(children(two_workers.proc.pid)) == 2
            and victim not in children(two_workers.proc.pid)
        ),
    )
    assert two_workers.answers()
    assert "ended (signal 9); starting another" in two_workers.log.read_text()


def test_sigterm_stops_every_worker_and_the_supervisor(two_workers: Served) -> None:
    wait_for("two workers", lambda: len(children(two_workers.proc.pid)) == 2)
    workers = children(two_workers.proc.pid)
    two_workers.proc.send_signal(signal.SIGTERM)
    assert two_workers.proc.wait(timeout=30) == 0
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
    assert not two_workers.answers()

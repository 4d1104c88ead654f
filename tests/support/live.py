"""A live haas for client and CLI tests: ``haas-manage serve`` and a network agent as processes.

SQLite, database auth, mock switch and OBM, the VLAN pool; listening on 127.0.0.1 on a
free port; both processes are stopped by their PIDs when the block ends, also on failure.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from haas_client import Client, HaasError
from tests.support.agent import start_agent_process, stop_process
from tests.support.app import write_config
from tests.support.pgcluster import free_port

HAAS_MANAGE = str(Path(sys.executable).with_name("haas-manage"))
ADMIN_PASSWORD = "admin-pw"


@dataclass
class LiveHaas:
    endpoint: str
    config: Path
    log: Path

    def client(self, user: str = "admin", password: str = ADMIN_PASSWORD) -> Client:
        return Client(self.endpoint, user, password)

    def env(self, user: str = "admin", password: str = ADMIN_PASSWORD) -> dict[str, str]:
        """The environment the ``haas`` CLI reads its connection from."""
        return {"HAAS_ENDPOINT": self.endpoint, "HAAS_USERNAME": user, "HAAS_PASSWORD": password}


def _manage(config: Path, *args: str) -> None:
    done = subprocess.run(
        [HAAS_MANAGE, "--config-file", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@contextmanager
def live_haas(state: Path) -> Iterator[LiveHaas]:
    state.mkdir(parents=True, exist_ok=True)
    config = write_config(
        state / "haas.conf",
        f"sqlite:///{state / 'haas.db'}",
        # Headnodes in the database only: the client's headnode calls run for real.
        {"plugins": {"headnode": "null"}, "headnode_null": {"images": "centos7, ubuntu"}},
    )
    _manage(config, "db", "upgrade")
    _manage(config, "create-admin-user", "admin", ADMIN_PASSWORD)
    port = free_port()
    log = state / "haas.log"
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("ab") as out:
        server = subprocess.Popen(
            [HAAS_MANAGE, "--config-file", str(config), *serve],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    agent = start_agent_process(config, state / "agent.log")
    try:
        live = LiveHaas(f"http://127.0.0.1:{port}/v0", config, log)
        deadline = time.monotonic() + 60
        while True:
            try:
                live.client().version()
                break
            except HaasError as exc:
                if exc.type != "ConnectionError":
                    raise
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "haas did not start"
                time.sleep(0.1)
        yield live
    finally:
        stop_process(agent)
        stop_process(server)

"""Running network agents in tests: in a thread of the test, or as real processes."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from haas_core.agent.runner import Agent
from haas_core.services import Services
from tests.support.app import Api

AGENT_BIN = str(Path(sys.executable).with_name("haas-network-agent"))


@contextmanager
def agent_thread(services: Services) -> Iterator[Agent]:
    """An agent running in a thread for the duration of the block."""
    agent = Agent(services)
    thread = threading.Thread(target=agent.run, name="test-agent", daemon=True)
    thread.start()
    try:
        yield agent
    finally:
        agent.stop()
        thread.join(timeout=60)
        assert not thread.is_alive(), "the agent did not stop"


def wait_for_action(
    api: Api, status_id: str, *, user: str = "admin", timeout: float = 30.0
) -> dict:
    """The action's JSON once it is no longer PENDING."""
    deadline = time.monotonic() + timeout
    while True:
        body = api.get(f"/v0/networking_action/{status_id}", user=user).json
        if body["status"] != "PENDING":
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"action {status_id} still PENDING after {timeout} s")
        time.sleep(0.02)


def start_agent_process(config: Path, log: Path) -> subprocess.Popen[bytes]:
    """``haas-network-agent --config-file config`` as a real process (stop it by its PID)."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [AGENT_BIN, "--config-file", str(config)], stdout=out, stderr=subprocess.STDOUT
        )


def stop_process(
    proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 60
) -> int:
    if proc.poll() is None:
        proc.send_signal(sig)
    return proc.wait(timeout=timeout)

"""Serial console tests and benchmarks: the API served over real HTTP (waitress in a
thread, on 127.0.0.1), console viewers reading its stream, the console service as a real
process, and the ipmitool processes it runs."""

from __future__ import annotations

import base64
import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import waitress
from waitress.server import BaseWSGIServer

from haas_core.api.app import setup_app
from haas_core.services import Services

CONSOLE_SERVICE_BIN = str(Path(sys.executable).with_name("haas-console-service"))


@contextmanager
def http_api(services: Services, threads: int = 8) -> Iterator[int]:
    """The API on ``http://127.0.0.1:<port>`` for the block; yields the port."""
    server = waitress.create_server(
        setup_app(services),
        host="127.0.0.1",
        port=0,
        threads=threads,
        channel_request_lookahead=1,
        ident="haas-test",
    )
    assert isinstance(server, BaseWSGIServer)
    thread = threading.Thread(target=server.run, name="test-http", daemon=True)
    thread.start()
    try:
        yield int(server.effective_port)
    finally:
        # Closed from its own loop thread: closing the listening socket from this thread
        # while the loop is in select() on it failed that select (EBADF) now and then.
        def close_everything() -> None:
            for dispatcher in list(server._map.values()):
                dispatcher.close()

        server.trigger.pull_trigger(close_everything)
        thread.join(timeout=10)
        assert not thread.is_alive(), "the test API server did not stop"
        server.task_dispatcher.shutdown()


def auth_header(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


class Viewer:
    """One client of ``GET /v0/node/<node>/console``, reading in a thread."""

    def __init__(self, port: int, node: str, user: str, password: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.conn.request("GET", f"/v0/node/{node}/console", headers=auth_header(user, password))
        assert self.conn.sock is not None
        self.sock: socket.socket = self.conn.sock
        self.received = bytearray()
        self.status: int | None = None
        self.ended = threading.Event()
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            resp = self.conn.getresponse()
            self.status = resp.status
            while True:
                chunk = resp.read1(65536)
                if not chunk:
                    break
                with self.changed:
                    self.received += chunk
                    self.changed.notify_all()
        except (OSError, http.client.HTTPException):
            pass
        finally:
            self.ended.set()
            with self.changed:
                self.changed.notify_all()

    def wait_for(self, data: bytes, timeout: float = 10.0) -> float:
        """Block until ``data`` has arrived; the time it took."""
        started = time.monotonic()
        deadline = started + timeout
        with self.changed:
            while data not in self.received:
                left = deadline - time.monotonic()
                if left <= 0 or self.ended.is_set():
                    raise AssertionError(
                        f"{data!r} never arrived; got {bytes(self.received[-200:])!r}"
                    )
                self.changed.wait(left)
        return time.monotonic() - started

    def close(self) -> None:
        # shutdown() wakes the reading thread; close() alone would leave it blocked.
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.conn.close()
        self.thread.join(timeout=10)


def start_console_service(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [CONSOLE_SERVICE_BIN, "--config-file", str(config)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def stop_console_service(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


def ipmitool_pids(bmc_port: int) -> list[int]:
    """Running ``ipmitool`` processes talking to the BMC on ``bmc_port``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if ") Z " in stat:  # a zombie has exited; its parent just has not reaped it
            continue
        if argv and argv[0].endswith(b"ipmitool") and str(bmc_port).encode() in argv:
            found.append(int(entry.name))
    return found


def wait_until(
    predicate: Callable[[], object], timeout: float = 10.0, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)

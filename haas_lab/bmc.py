"""Simulated IPMI BMCs for tests and the lab: pyghmi ``Bmc`` servers on 127.0.0.1.

One process serves ``--count`` BMCs on consecutive UDP ports (one per node). Each keeps a
power state and a boot device, written as JSON to ``<state-dir>/<port>.json`` on every
change so a test reads back what ``ipmitool`` did, and carries a serial console over SOL:
bytes written to the unix socket ``<console-dir>/<port>.sock`` are the node's serial output
(what ``ipmitool sol activate`` prints), and what the SOL client types is sent back to the
socket's clients. ``--power-command`` runs ``CMD on|off <port>`` on every power change
(``CMD`` is split like a shell line; the lab uses it to take a node's NICs up and down).
BMCs start powered off unless ``--power on``.

Run ``python -m haas_lab.bmc --port 9623 --state-dir D --console-dir D``; it prints
``READY`` once every BMC listens and stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import select
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from pyghmi.ipmi import bmc as ipmi_bmc
from pyghmi.ipmi.private import session as ipmi_session

#: How long the event loop waits before it forwards queued console bytes.
LOOP_SECONDS = 0.005


class SimulatedBmc(ipmi_bmc.Bmc):  # type: ignore[misc]
    """One node's BMC: power, boot device and an SOL console."""

    def __init__(
        self,
        port: int,
        user: str,
        password: str,
        state_dir: Path,
        console_dir: Path | None,
        power_command: str | None,
        power: str = "off",
    ) -> None:
        super().__init__({user: password}, port=port, address="127.0.0.1")
        self.power = power
        self.bootdev = "default"
        self.cycles = 0
        self.resets = 0
        self.state_file = state_dir / f"{port}.json"
        self.power_command = power_command
        self.to_console: queue.SimpleQueue[bytes] = queue.SimpleQueue()
        self.clients: list[socket.socket] = []
        self.clients_lock = threading.Lock()
        if console_dir is not None:
            self.iohandler = self._typed_on_sol
            self._serve_console_socket(console_dir / f"{port}.sock")
        self._save()

    # ------------------------------------------------------------ state

    def _save(self) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(
            json.dumps(
                {
                    "power": self.power,
                    "bootdev": self.bootdev,
                    "cycles": self.cycles,
                    "resets": self.resets,
                    "sol_active": bool(self.activated),
                }
            )
        )
        os.replace(tmp, self.state_file)

    def _set_power(self, power: str) -> None:
        self.power = power
        self._save()
        if self.power_command:
            argv = [*shlex.split(self.power_command), power, str(self.port)]
            subprocess.run(argv, check=False, timeout=30)

    # ------------------------------------------------------------ pyghmi's Bmc interface

    def get_power_state(self) -> str:
        return self.power

    def power_on(self) -> None:
        self._set_power("on")

    def power_off(self) -> None:
        self._set_power("off")

    def power_shutdown(self) -> None:
        self._set_power("off")

    def power_cycle(self) -> int | None:
        if self.power == "off":
            return 0xD5  # IPMI: "not supported in present state", as real BMCs answer
        self.cycles += 1
        self._set_power("off")
        self._set_power("on")
        return None

    def power_reset(self) -> int | None:
        if self.power == "off":
            return 0xD5
        self.resets += 1
        self._save()
        return None

    def get_boot_device(self) -> str:
        return self.bootdev

    def set_boot_device(self, bootdevice: str) -> None:
        self.bootdev = bootdevice
        self._save()

    def is_active(self) -> bool:
        return True

    def cold_reset(self) -> int:
        return 0

    def activate_payload(self, request: Any, session: Any) -> None:
        super().activate_payload(request, session)
        self._save()

    def deactivate_payload(self, request: Any, session: Any) -> None:
        if not self.activated:
            session.send_ipmi_response(code=0x80)
            return
        session.send_ipmi_response()
        # pyghmi's close() can fail on a session whose client died; free the SOL anyway.
        with contextlib.suppress(Exception):
            self.sol.close()
        self.sol = None
        self.activated = False
        self._save()

    # ------------------------------------------------------------ the serial console

    def _typed_on_sol(self, data: Any) -> None:
        if isinstance(data, dict):  # pyghmi reports SOL errors as dicts
            return
        raw = data if isinstance(data, bytes) else str(data).encode()
        with self.clients_lock:
            for client in list(self.clients):
                try:
                    client.sendall(raw)
                except OSError:
                    self.clients.remove(client)

    def _serve_console_socket(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(path))
        server.listen(8)
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            client, _ = server.accept()
            with self.clients_lock:
                self.clients.append(client)
            threading.Thread(target=self._read_client, args=(client,), daemon=True).start()

    def _read_client(self, client: socket.socket) -> None:
        while True:
            try:
                data = client.recv(4096)
            except OSError:
                data = b""
            if not data:
                with self.clients_lock:
                    if client in self.clients:
                        self.clients.remove(client)
                client.close()
                return
            self.to_console.put(data)

    def forward_console(self) -> None:
        """Send queued node output over SOL (from the event loop's thread: pyghmi's
        sessions are not thread-safe). Without an active SOL the output is lost, as on
        a real serial line nobody listens to."""
        while True:
            try:
                data = self.to_console.get_nowait()
            except queue.Empty:
                return
            sol = self.sol
            if sol is None:
                continue
            try:
                # Blocks (running the event loop) while a dead client is retried.
                sol.send_data(data)
            except Exception as exc:  # noqa: BLE001 (pyghmi fails oddly on a dead client)
                # The SOL client vanished without deactivating: free the payload, as a
                # real BMC does when its session times out, unless a new client took
                # it over meanwhile.
                print(f"BMC {self.port}: SOL client lost ({exc!r})", file=sys.stderr)
                if self.sol is sol:
                    self.sol = None
                    self.activated = False
                    self._save()


def free_udp_ports(count: int) -> int:
    """The first of ``count`` consecutive UDP ports free on 127.0.0.1 right now."""
    for _ in range(50):
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.bind(("127.0.0.1", 0))
        first = int(probe.getsockname()[1])
        probe.close()
        if first + count > 65535:
            continue
        held = []
        try:
            for port in range(first, first + count):
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                held.append(sock)
                sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
        finally:
            for sock in held:
                sock.close()
    raise RuntimeError("no free UDP port range")


def spawn(
    count: int,
    directory: Path,
    password: str,
    user: str = "admin",
    power_command: str | None = None,
    power: str = "off",
    log: Path | None = None,
    timeout: float = 20.0,
) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``count`` BMCs in one process (its own session); the process and first port.

    State files and console sockets go to ``directory``; the password travels in the
    environment. Returns once every BMC listens; a port taken meanwhile by someone else
    makes it try another range.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for _ in range(5):
        port = free_udp_ports(count)
        argv = [sys.executable, "-m", "haas_lab.bmc", "--port", str(port), "--count", str(count)]
        argv += ["--user", user, "--state-dir", str(directory), "--console-dir", str(directory)]
        argv += ["--power", power]
        if power_command:
            argv += ["--power-command", power_command]
        with open(log or os.devnull, "ab") as err:
            proc = subprocess.Popen(
                argv,
                env={**os.environ, "BMC_PASSWORD": password},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=err,
                start_new_session=True,
            )
        assert proc.stdout is not None
        ready = select.select([proc.stdout], [], [], timeout)[0]
        line = proc.stdout.readline() if ready else b""
        proc.stdout.close()  # READY is all it ever prints
        if line.strip() == b"READY":
            return proc, port
        proc.kill()
        proc.wait()
        time.sleep(0.1)
    raise RuntimeError(f"the BMC simulator did not start; see {log or 'its stderr'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True, help="UDP port of the first BMC")
    parser.add_argument("--count", type=int, default=1, help="BMCs on consecutive ports")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="", help="default: $BMC_PASSWORD")
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--console-dir", type=Path)
    parser.add_argument("--power-command")
    parser.add_argument("--power", choices=["on", "off"], default="off", help="at start")
    args = parser.parse_args(argv)
    password = args.password or os.environ.get("BMC_PASSWORD", "password")
    bmcs = [
        SimulatedBmc(
            args.port + i,
            args.user,
            password,
            args.state_dir,
            args.console_dir,
            args.power_command,
            args.power,
        )
        for i in range(args.count)
    ]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("READY", flush=True)
    while True:
        ipmi_session.Session.wait_for_rsp(LOOP_SECONDS)
        for sim in bmcs:
            sim.forward_console()


if __name__ == "__main__":
    sys.exit(main())

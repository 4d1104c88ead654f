"""``haas-console-service``: holds one serial console (SOL) session per node.

Every ``[console] poll_seconds`` the service reads which nodes want a console (OBM enabled,
console not stopped, a driver with a console) and starts or stops one session thread per
node to match. A session ends a stale SOL on the BMC, runs the driver's console command
(``ipmitool ... sol activate``) under a pseudo-terminal, appends what it prints to the
node's log (:mod:`haas_core.console_log`), and re-attaches when it drops. The API streams
the logs to viewers, so the service survives API restarts and vice versa. See
``docs/console.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pexpect
from oslo_config import cfg
from sqlalchemy import select

from haas_core.config import load_config
from haas_core.console_log import ConsoleLog
from haas_core.db import models as m
from haas_core.drivers import ConsoleCommand
from haas_core.errors import ConfigError, HaasError
from haas_core.log import configure_logging
from haas_core.obm import build_driver
from haas_core.services import Services, build_services
from haas_core.signals import call_on_signals

LOG = logging.getLogger(__name__)

#: Longest wait for the stale-session reset command.
RESET_TIMEOUT_SECONDS = 10.0
#: How long a session waits for console bytes before it looks at its stop flag.
READ_TIMEOUT_SECONDS = 0.2
#: How long the console command gets to exit after its escape sequence.
ESCAPE_TIMEOUT_SECONDS = 2.0
PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the service dies, even by SIGKILL,
    so no console command outlives it."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass(frozen=True)
class Wanted:
    """What a node's session is built from; a change restarts the session."""

    node_id: int
    label: str
    owner: str
    fingerprint: str
    command: ConsoleCommand


class ConsoleSession:
    """One node's console: a thread keeping the console command attached."""

    def __init__(self, wanted: Wanted, log: ConsoleLog, reconnect_seconds: float) -> None:
        self.wanted = wanted
        self.log = log
        self.reconnect_seconds = reconnect_seconds
        self.stopping = threading.Event()
        self.child: pexpect.spawn[bytes] | None = None
        self.attaches = 0
        self.thread = threading.Thread(
            target=self._run, name=f"console-{wanted.label}", daemon=True
        )

    def start(self) -> None:
        self.log.claim(self.wanted.owner)
        self.thread.start()

    def stop(self, wipe: bool) -> None:
        self.stopping.set()
        self.thread.join(timeout=RESET_TIMEOUT_SECONDS + 5)
        if wipe:
            self.log.wipe()
        else:
            self.log.close()

    def _env(self) -> dict[str, str]:
        return {**os.environ, **self.wanted.command.env}

    def _reset(self) -> None:
        """End a session someone (a crashed service, another tool) left open on the BMC:
        a BMC holds one SOL at a time."""
        argv = self.wanted.command.reset_argv
        if not argv:
            return
        try:
            subprocess.run(
                argv,
                env=self._env(),
                capture_output=True,
                timeout=RESET_TIMEOUT_SECONDS,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            LOG.warning("console %s: reset failed: %s", self.wanted.label, exc)

    def _run(self) -> None:
        label = self.wanted.label
        argv = self.wanted.command.argv
        while not self.stopping.is_set():
            self._reset()
            if self.stopping.is_set():
                break
            try:
                child: pexpect.spawn[bytes] = pexpect.spawn(
                    argv[0],
                    argv[1:],
                    env=self._env(),
                    echo=False,
                    preexec_fn=_die_with_parent,
                )
            except (OSError, pexpect.ExceptionPexpect) as exc:
                LOG.error("console %s: cannot start the console command: %s", label, exc)
                self.stopping.wait(self.reconnect_seconds)
                continue
            self.child = child
            self.attaches += 1
            LOG.info("console %s: attached (pid %s)", label, child.pid)
            try:
                while not self.stopping.is_set():
                    try:
                        data = child.read_nonblocking(4096, timeout=READ_TIMEOUT_SECONDS)
                    except pexpect.TIMEOUT:
                        continue
                    except pexpect.EOF:
                        break
                    self.log.append(data)
            finally:
                self._detach(child)
            if not self.stopping.is_set():
                LOG.warning(
                    "console %s: session dropped (exit %s); re-attaching in %gs",
                    label,
                    child.exitstatus,
                    self.reconnect_seconds,
                )
                self.stopping.wait(self.reconnect_seconds)
        # Leave the BMC's SOL free for whoever comes next.
        self._reset()
        LOG.info("console %s: stopped", label)

    def _detach(self, child: pexpect.spawn[bytes]) -> None:
        """End the console command: its escape sequence first (ipmitool then closes the
        SOL itself), a signal when it does not listen."""
        if child.isalive():
            try:
                child.send(b"\r~.")
                child.expect(pexpect.EOF, timeout=ESCAPE_TIMEOUT_SECONDS)
            except (OSError, pexpect.ExceptionPexpect):
                pass
        child.close(force=True)
        self.child = None


class ConsoleService:
    def __init__(self, services: Services) -> None:
        self.services = services
        conf = services.conf.console
        self.log_dir = Path(conf.log_dir)
        self.max_bytes: int = conf.log_max_bytes
        self.poll_seconds: float = conf.poll_seconds
        self.reconnect_seconds: float = conf.reconnect_seconds
        self.sessions: dict[int, ConsoleSession] = {}
        self.stopping = threading.Event()

    def wanted(self) -> dict[int, Wanted]:
        """The nodes whose console should be held now."""
        found: dict[int, Wanted] = {}
        with self.services.db.session(write=False) as db:
            nodes = db.scalars(
                select(m.Node).where(
                    m.Node.obm_enabled.is_(True),
                    m.Node.console_enabled.is_(True),
                    m.Node.obm_driver.is_not(None),
                )
            ).all()
            for node in nodes:
                try:
                    command = build_driver(self.services, node).console_command()
                except (HaasError, ValueError) as exc:
                    LOG.warning("console %s: OBM unusable: %s", node.label, exc)
                    continue
                if command is None:
                    continue
                owner = "" if node.project_id is None else str(node.project_id)
                digest = hashlib.sha256(
                    json.dumps([node.obm_driver, node.obm_info], sort_keys=True).encode()
                ).hexdigest()
                found[node.id] = Wanted(node.id, node.label, owner, digest, command)
        return found

    def sync(self) -> None:
        wanted = self.wanted()
        for node_id, session in list(self.sessions.items()):
            want = wanted.get(node_id)
            if want is None or want != session.wanted:
                # A node leaving its project (or its BMC changing) loses its log: the
                # next owner never sees the previous one's console.
                wipe = want is None or want.owner != session.wanted.owner
                session.stop(wipe=wipe)
                del self.sessions[node_id]
        for node_id, want in wanted.items():
            if node_id not in self.sessions:
                session = ConsoleSession(
                    want,
                    ConsoleLog(self.log_dir, node_id, self.max_bytes),
                    self.reconnect_seconds,
                )
                session.start()
                self.sessions[node_id] = session

    def run(self) -> None:
        LOG.info("console service: logs in %s", self.log_dir)
        self.log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            while not self.stopping.is_set():
                try:
                    self.sync()
                except Exception:
                    LOG.exception("console service: sync failed; retrying")
                self.stopping.wait(self.poll_seconds)
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        """Stop every session; their logs stay for the next start."""
        for session in self.sessions.values():
            session.stopping.set()
        for session in self.sessions.values():
            session.stop(wipe=False)
        self.sessions.clear()


def run_console_service(conf: cfg.ConfigOpts) -> int:
    """Run the service until SIGTERM or SIGINT. :raises ConfigError:"""
    from haas_core.db import migrate

    if not migrate.is_up_to_date(conf.database.connection):
        raise ConfigError("the database is not at the latest schema: run 'haas-manage db upgrade'")
    service = ConsoleService(build_services(conf))
    call_on_signals(lambda _signum: service.stopping.set())
    service.run()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="haas-console-service", description=__doc__)
    parser.add_argument("--config-file", help="haas.conf to read")
    args = parser.parse_args(argv)
    try:
        conf = load_config(args.config_file)
        configure_logging(conf.log_level)
        return run_console_service(conf)
    except ConfigError as exc:
        print(f"haas-console-service: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

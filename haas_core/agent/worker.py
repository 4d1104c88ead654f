"""Driving one switch: one driver session for a batch of its actions, applied in order.

Actions queued while the batch runs join it, and so do those queued within
``session_idle_seconds`` after it: the session stays open that long, sparing
a login when actions trickle in. Every driver call runs under a
timeout; any failure marks only the actions it concerns ERROR (a failed login:
the batch in hand; anything else: that action) and the next action starts on a
fresh session.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select

from haas_core.agent import claims
from haas_core.agent.apply import Job, pending_jobs
from haas_core.agent.converge import converge_port, recorded_networks
from haas_core.db import models as m
from haas_core.drivers import SwitchDriver, SwitchSession
from haas_core.errors import HaasError, SwitchConnectionError
from haas_core.networking import MODIFY_PORT
from haas_core.switches import switch_driver

if TYPE_CHECKING:
    from haas_core.agent.runner import Agent, IdleSession

LOG = logging.getLogger(__name__)
T = TypeVar("T")


class SwitchTimeout(Exception):
    pass


def describe(exc: BaseException) -> str:
    """An exception as an action's error text: the switch's own words where it has them."""
    if isinstance(exc, HaasError):
        return exc.msg
    if isinstance(exc, SwitchTimeout):
        return str(exc)
    return f"Driver error: {type(exc).__name__}: {exc}"


class SwitchWorker:
    def __init__(self, agent: Agent, switch_id: int) -> None:
        self.agent = agent
        self.services = agent.services
        self.opts = agent.opts
        self.switch_id = switch_id
        self.label = str(switch_id)
        self.driver: SwitchDriver | None = None
        self.session: SwitchSession | None = None
        self.driver_problem: str | None = None
        #: Why the last login failed; fails the rest of the batch in hand at once.
        self.login_failure: str | None = None
        self._calls = ThreadPoolExecutor(1, thread_name_prefix=f"switch{switch_id}")
        #: Outcomes go to the agent's recorder while the switch goes on with the next
        #: action: under write contention (SQLite's single writer behind a stream of API
        #: requests) waiting for each write stalled the switch between changes, and
        #: waiting for a batch's outcomes before looking again cost 50-100 ms per batch.
        #: Looks leave out the actions whose outcomes are still on their way (they are
        #: PENDING in the database but applied), and all are written before the worker
        #: lets its claim go, so no other agent ever sees an applied action PENDING.
        self._unwritten: dict[int, Future[None]] = {}
        #: Ports whose last change failed partway or hung: what they carry is unknown
        #: until read back (haas_core/agent/converge.py).
        self._unsure_ports: set[str] = set()
        #: Ports whose change was abandoned when it hung, each with the time by which a
        #: change still on its way to the switch is taken to have landed or never to land:
        #: then the port is read back once more (the first read-back may come too early).
        self._late_checks: dict[str, float] = {}
        self._renewed = time.monotonic()

    # ------------------------------------------------------------ the batch

    def run(self) -> None:
        try:
            while True:
                self._forget_written()
                if self._late_checks_due():
                    self._converge_unsure_ports()
                # Registered before looking, so that work queued after the look is announced.
                idle = self._idle_session()
                try:
                    with self.services.db.session(write=False) as db:
                        jobs = pending_jobs(
                            db, self.switch_id, self.opts.batch_size, self._unwritten.keys()
                        )
                        if jobs and self.driver is None:
                            self._load_driver(db)
                    woke = jobs or (idle is not None and idle.wait())
                    # Nothing came: leave, unless waiting for a late read-back to fall due.
                    if not woke and (
                        idle is None or not self._late_checks or self.agent.stopping.is_set()
                    ):
                        return
                finally:
                    if idle is not None:
                        idle.done()
                if not jobs:
                    continue
                self.login_failure = None
                for job in jobs:
                    if not self._keep_claim():
                        LOG.warning("switch %s: claim lost, leaving the batch", self.label)
                        return
                    self.process(job)
                if self.agent.stopping.is_set():
                    return  # SIGTERM: the batch in hand is done
        finally:
            try:
                self._write_outcomes()
                self._unsure_ports.update(self._late_checks)  # leaving: read back now
                self._converge_unsure_ports(last_chance=True)
            finally:
                self._close_session()
                self._calls.shutdown(wait=False)
                claims.release(self.services.db, self.switch_id, self.agent.id)

    def _idle_session(self) -> IdleSession | None:
        """While a session is open, wait a little for more work before closing it: the
        next login is saved when actions trickle in. While a port awaits its late
        read-back, wait (for work too) until it is due. Never longer than a third of the
        lease, which is renewed only between waits and actions."""
        if self._late_checks and not self.agent.stopping.is_set():
            seconds = min(self._late_checks.values()) - time.monotonic()
        elif self.session is not None:
            seconds = self.opts.session_idle_seconds
        else:
            return None
        seconds = min(seconds, self.opts.lease_seconds / 3)
        if seconds <= 0 or not self._keep_claim():
            return None
        return self.agent.wait_for_work(self.switch_id, seconds)

    def _late_checks_due(self) -> bool:
        """Make the ports whose late read-back is due unsure again; whether any were."""
        now = time.monotonic()
        due = [port for port, when in self._late_checks.items() if when <= now]
        for port in due:
            del self._late_checks[port]
            self._unsure_ports.add(port)
        return bool(due)

    def _load_driver(self, db: Any) -> None:
        switch = db.scalars(select(m.Switch).where(m.Switch.id == self.switch_id)).one()
        self.label = switch.label
        try:
            self.driver = switch_driver(self.services, switch)
        except Exception as exc:  # noqa: BLE001 - a bad row fails its actions, not the agent
            self.driver_problem = f"Cannot use switch {switch.label}: {describe(exc)}"

    def _keep_claim(self) -> bool:
        if time.monotonic() - self._renewed < self.opts.lease_seconds / 3:
            return True
        self._renewed = time.monotonic()
        return claims.renew(
            self.services.db, self.switch_id, self.agent.id, self.opts.lease_seconds
        )

    # ------------------------------------------------------------ one action

    def process(self, job: Job) -> None:
        started = time.monotonic()
        error = job.problem or self.driver_problem or self.login_failure
        self._late_checks_due()
        if error is None and self._unsure_ports:
            self._converge_unsure_ports()
        if error is None:
            try:
                self._apply(job)
            except Exception as exc:
                error = describe(exc)
                if not isinstance(exc, HaasError | SwitchTimeout):
                    LOG.exception("switch %s: driver failure on action %s", self.label, job.uuid)
                self._close_session()
        self._finish(job, error, time.monotonic() - started)

    def _apply(self, job: Job) -> None:
        assert job.port is not None
        session = self._open_session()
        try:
            if job.type == MODIFY_PORT:
                assert job.channel is not None
                self._call(session.modify_port, job.port, job.channel, job.network_id)
            else:
                self._call(session.revert_port, job.port)
        except Exception as exc:
            self._unsure_ports.add(job.port)
            if isinstance(exc, SwitchTimeout):
                self._expect_late_change(job.port)
            raise

    def _expect_late_change(self, port: str) -> None:
        """A change abandoned when it hung may still reach the switch after the port is
        read back (a request already sent when its connection was dropped): read the port
        back once more when one more action timeout has passed."""
        self._late_checks[port] = time.monotonic() + self.opts.action_timeout_seconds

    def _converge_unsure_ports(self, last_chance: bool = False) -> None:
        """Read back each port whose last change failed and take it to what the database
        records; a port that cannot be read yet is tried again before the next action."""
        for port in sorted(self._unsure_ports):
            try:
                with self.services.db.session(write=False) as db:
                    recorded = recorded_networks(db, self.switch_id, port)
                session = self._open_session()
                changes = self._call(converge_port, session, port, recorded)
            except Exception as exc:  # noqa: BLE001 - the port stays unsure
                # No late read-back for a read-back that hung: one per abandoned action,
                # so a switch that keeps hanging does not hold a worker forever.
                self._close_session()
                if last_chance:
                    LOG.error(
                        "switch %s port %s: cannot read it back after a failed change (%s); "
                        "it may carry networks haas did not record: port_revert clears it",
                        self.label,
                        port,
                        describe(exc),
                    )
                else:
                    LOG.warning(
                        "switch %s port %s: cannot read it back yet: %s",
                        self.label,
                        port,
                        describe(exc),
                    )
                return
            self._unsure_ports.discard(port)
            if changes:
                LOG.warning(
                    "switch %s port %s carried what haas did not record after a failed change: %s",
                    self.label,
                    port,
                    "; ".join(changes),
                )

    def _finish(self, job: Job, error: str | None, seconds: float) -> None:
        def then(shown: dict[str, Any] | None) -> None:
            LOG.info(
                "action %s switch=%s port=%s %s in %.0f ms%s",
                job.uuid,
                self.label,
                job.port,
                "DONE" if error is None else "ERROR",
                seconds * 1000,
                f": {error}" if error else "",
            )
            if shown is not None:
                self.agent.announce(shown)

        self._unwritten[job.id] = self.agent.recorder.submit((job, error), then)

    def _forget_written(self) -> None:
        """Stop tracking the outcomes already in the database."""
        for action_id, future in list(self._unwritten.items()):
            if future.done():
                del self._unwritten[action_id]
                future.result()  # a database failure ends the worker, as it did inline

    def _write_outcomes(self) -> None:
        """Wait until every outcome handed to the recorder is in the database."""
        unwritten, self._unwritten = self._unwritten, {}
        for future in unwritten.values():
            future.result()

    # ------------------------------------------------------------ the session

    def _open_session(self) -> SwitchSession:
        if self.session is not None:
            return self.session
        assert self.driver is not None
        attempt = 0
        while True:
            try:
                self.session = self._call(self.driver.open_session)
                return self.session
            except SwitchConnectionError as exc:
                if attempt < self.opts.connect_retries:
                    delay = self.opts.retry_backoff_seconds * 2**attempt
                    LOG.warning("switch %s: %s; retrying in %.1f s", self.label, exc.msg, delay)
                    time.sleep(delay)
                    attempt += 1
                    continue
                self.login_failure = describe(exc)
                raise
            except Exception as exc:
                self.login_failure = describe(exc)
                raise

    def _call(self, fn: Callable[..., T], *args: Any) -> T:
        future = self._calls.submit(fn, *args)
        try:
            return future.result(timeout=self.opts.action_timeout_seconds)
        except FutureTimeout:
            # The call is stuck: drop its connection, abandon its thread and its session.
            if self.session is not None:
                try:
                    self.session.abort()
                except Exception as exc:  # noqa: BLE001 - best effort, the session is gone
                    LOG.warning("switch %s: aborting the session failed: %s", self.label, exc)
            self._calls.shutdown(wait=False)
            self._calls = ThreadPoolExecutor(1, thread_name_prefix=f"switch{self.switch_id}")
            self.session = None
            raise SwitchTimeout(
                f"Switch {self.label} did not answer within "
                f"{self.opts.action_timeout_seconds:g} s."
            ) from None

    def _close_session(self) -> None:
        session, self.session = self.session, None
        if session is None:
            return
        try:
            self._call(session.close)
        except Exception as exc:  # noqa: BLE001 - closing is best effort
            LOG.warning("switch %s: closing the session failed: %s", self.label, describe(exc))

"""The network agent's main loop: find switches with work, claim them, and hand each
to a worker thread; switches run in parallel, each switch serially."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from haas_core.agent import claims
from haas_core.agent.apply import record_outcomes
from haas_core.agent.recorder import OutcomeRecorder
from haas_core.agent.wakeup import make_waiter
from haas_core.agent.worker import SwitchWorker
from haas_core.services import Services
from haas_core.signals import call_on_signals

LOG = logging.getLogger(__name__)


class Agent:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.opts = services.conf.network_agent
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.stopping = threading.Event()
        self._busy: set[int] = set()
        #: Workers whose switch has nothing left, keeping its session open a while.
        self._idle_sessions: dict[int, IdleSession] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(self.opts.workers, thread_name_prefix="agent")
        self.recorder = OutcomeRecorder(services.db, record_outcomes)
        self._waiter = make_waiter(
            services.db,
            self.opts.poll_interval_seconds,
            self.opts.fallback_poll_seconds,
            self.opts.busy_poll_interval_seconds,
        )

    def stop(self, *_: Any) -> None:
        """Finish the batches in hand, then leave (SIGTERM, SIGINT)."""
        if not self.stopping.is_set():
            LOG.info("agent %s stopping after the batches in hand", self.id)
        self.stopping.set()
        with self._lock:
            for idle in self._idle_sessions.values():
                idle.leave()
        self._waiter.wake()

    def install_signal_handlers(self) -> None:
        # Not a plain handler: stop() takes self._lock, which the main thread may hold.
        call_on_signals(self.stop)

    def run(self) -> None:
        LOG.info("agent %s started with %d workers", self.id, self.opts.workers)
        gap = self.opts.dispatch_gap_seconds
        named: set[int] | None = None  # the first look is a full one
        try:
            while not self.stopping.is_set():
                looked = time.monotonic()
                try:
                    self.dispatch(named)
                except Exception:
                    LOG.exception("agent %s: looking for work failed", self.id)
                with self._lock:
                    busy = bool(self._busy)
                named = self._waiter.wait(busy)
                # On PostgreSQL every queued action notifies: while they stream in, one
                # look per gap serves them all instead of one query each.
                rest = looked + gap - time.monotonic()
                if rest > 0:
                    self.stopping.wait(rest)
        finally:
            self._pool.shutdown(wait=True)
            self.recorder.close()
            self._waiter.close()
            LOG.info("agent %s stopped", self.id)

    def dispatch(self, named: set[int] | None = None) -> None:
        """Hand new work to the workers keeping their switch's session open, and claim as
        many other switches with work as there are idle workers (asking workers that keep
        an idle session to leave when there are too few).

        ``named``: the switches that notifications said have new work, if known. When this
        agent holds them all, no look at the table is needed: a worker between batches
        looks again by itself, one waiting with its session open is resumed, and one that
        leaves wakes the loop for a full look. While actions stream in on PostgreSQL (a
        notification each), this spares most looks."""
        with self._lock:
            idle = self.opts.workers - len(self._busy)
            waiting = dict(self._idle_sessions)
            busy = self._busy - waiting.keys()
            held = set(self._busy)
        if named is not None and named <= held:
            for switch_id in named & waiting.keys():
                waiting[switch_id].resume()
            return
        if idle <= 0 and not waiting:
            claims.fail_orphans(self.services.db)
            return
        # One query per wake finds both the work and any orphaned actions (PostgreSQL wakes
        # the loop once per queued action).
        found, orphans = claims.find_work(self.services.db, busy, holder=self.id)
        if orphans:
            claims.fail_orphans(self.services.db)
        others = [switch_id for switch_id in found if switch_id not in waiting]
        for switch_id in found:
            if switch_id in waiting:
                waiting.pop(switch_id).resume()
        for spare in list(waiting.values())[: max(0, len(others) - idle)]:
            spare.leave()  # its worker is wanted for another switch
        if self.stopping.is_set() or idle <= 0:
            return
        for switch_id in claims.claim_many(
            self.services.db, others[:idle], self.id, self.opts.lease_seconds
        ):  # the others are held by another agent
            with self._lock:
                self._busy.add(switch_id)
            self._pool.submit(self._work, switch_id)

    def _work(self, switch_id: int) -> None:
        try:
            SwitchWorker(self, switch_id).run()
        except Exception:
            LOG.exception("agent %s: worker for switch %s failed", self.id, switch_id)
        finally:
            with self._lock:
                self._busy.discard(switch_id)
            self._waiter.wake()  # more work may be waiting for a free worker

    def wait_for_work(self, switch_id: int, seconds: float) -> IdleSession:
        """Register ``switch_id``'s worker as keeping an idle session; the dispatcher will
        :meth:`IdleSession.resume` it when new work for the switch shows up."""
        idle = IdleSession(self, switch_id, seconds)
        with self._lock:
            if self.stopping.is_set():
                idle.leave()
            self._idle_sessions[switch_id] = idle
        return idle

    def forget_idle_session(self, idle: IdleSession) -> None:
        with self._lock:
            if self._idle_sessions.get(idle.switch_id) is idle:
                del self._idle_sessions[idle.switch_id]

    def announce(self, action: dict[str, Any]) -> None:
        """Tell observers (``haas_networking_action_applied``); their failures are logged."""
        try:
            self.services.pm.hook.haas_networking_action_applied(action=action)
        except Exception:
            LOG.exception("an observer of action %s failed", action.get("id"))


class IdleSession:
    """A worker waiting, session open, for more work on its switch."""

    def __init__(self, agent: Agent, switch_id: int, seconds: float) -> None:
        self.agent = agent
        self.switch_id = switch_id
        self.seconds = seconds
        self.has_work = False
        self._event = threading.Event()

    def resume(self) -> None:
        self.has_work = True
        self._event.set()

    def leave(self) -> None:
        self._event.set()

    def wait(self) -> bool:
        """True when new work came within ``seconds``; False: close the session and go."""
        self._event.wait(self.seconds)
        return self.has_work and not self.agent.stopping.is_set()

    def done(self) -> None:
        """The wait is over (or never began): the dispatcher forgets it."""
        self.agent.forget_idle_session(self)

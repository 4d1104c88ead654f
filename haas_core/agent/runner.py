"""The network agent's main loop: find switches with work, claim them, and hand each
to a worker thread; switches run in parallel, each switch serially."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from haas_core.agent import claims
from haas_core.agent.wakeup import make_waiter
from haas_core.agent.worker import SwitchWorker
from haas_core.services import Services

LOG = logging.getLogger(__name__)


class Agent:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.opts = services.conf.network_agent
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.stopping = threading.Event()
        self._busy: set[int] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(self.opts.workers, thread_name_prefix="agent")
        self._waiter = make_waiter(
            services.db, self.opts.poll_interval_seconds, self.opts.fallback_poll_seconds
        )

    def stop(self, *_: Any) -> None:
        """Finish the batches in hand, then leave (SIGTERM, SIGINT)."""
        if not self.stopping.is_set():
            LOG.info("agent %s stopping after the batches in hand", self.id)
        self.stopping.set()
        self._waiter.wake()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def run(self) -> None:
        LOG.info("agent %s started with %d workers", self.id, self.opts.workers)
        try:
            while not self.stopping.is_set():
                try:
                    self.dispatch()
                except Exception:
                    LOG.exception("agent %s: looking for work failed", self.id)
                self._waiter.wait()
        finally:
            self._pool.shutdown(wait=True)
            self._waiter.close()
            LOG.info("agent %s stopped", self.id)

    def dispatch(self) -> None:
        """Claim as many switches with work as there are idle workers."""
        claims.fail_orphans(self.services.db)
        with self._lock:
            idle = self.opts.workers - len(self._busy)
            busy = set(self._busy)
        if idle <= 0:
            return
        for switch_id in claims.switches_with_work(self.services.db, busy):
            if idle == 0 or self.stopping.is_set():
                break
            if not claims.claim(self.services.db, switch_id, self.id, self.opts.lease_seconds):
                continue  # another agent holds it
            with self._lock:
                self._busy.add(switch_id)
            idle -= 1
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

    def announce(self, action: dict[str, Any]) -> None:
        """Tell observers (``haas_networking_action_applied``); their failures are logged."""
        try:
            self.services.pm.hook.haas_networking_action_applied(action=action)
        except Exception:
            LOG.exception("an observer of action %s failed", action.get("id"))

"""Serving the API: waitress, in this process or in several worker processes.

One process runs Python on one core at a time (the GIL), whatever its thread count.
With ``workers`` above 1 the listening socket is opened here, then that many
processes are forked, each serving it with its own threads and its own database
connections; this process only supervises them. A worker that dies is started
again; SIGTERM or SIGINT stops every worker, by its PID, and then this process.

A small supervisor of our own rather than another server (gunicorn): the console
stream relies on waitress noticing a viewer that left
(``waitress.client_disconnected``), and every worker stays the same waitress as a
single-process server.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from collections.abc import Callable
from typing import Any

LOG = logging.getLogger(__name__)

#: Least time between two starts of a worker that keeps dying.
RESTART_DELAY_SECONDS = 1.0


def run_waitress(app: Any, threads: int, **where: Any) -> None:
    import waitress

    # channel_request_lookahead lets a console stream notice its viewer has gone
    # (waitress.client_disconnected) while the node prints nothing.
    waitress.serve(app, threads=threads, ident="haas", channel_request_lookahead=1, **where)


def serve(
    make_app: Callable[[], Any], host: str, port: int, threads: int, workers: int = 1
) -> int:
    """Serve ``make_app()`` (built in each worker, after the fork: database
    connections are never shared between processes)."""
    if workers <= 1:
        run_waitress(make_app(), threads, host=host, port=port)
        return 0
    listener = socket.create_server((host, port), backlog=1024)
    return Supervisor(lambda: run_waitress(make_app(), threads, sockets=[listener]), workers).run()


class Supervisor:
    def __init__(self, work: Callable[[], None], workers: int) -> None:
        self.work = work
        self.workers = workers
        self.children: set[int] = set()
        self.stopping = False

    def run(self) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._stop)
        LOG.info("starting %d API worker processes", self.workers)
        for _ in range(self.workers):
            self._spawn()
        last_start = time.monotonic()
        while self.children:
            pid, status = os.wait()
            self.children.discard(pid)
            if self.stopping:
                continue
            LOG.warning("API worker %d ended (%s); starting another", pid, _describe(status))
            time.sleep(max(0.0, last_start + RESTART_DELAY_SECONDS - time.monotonic()))
            last_start = time.monotonic()
            if not self.stopping:
                self._spawn()
        LOG.info("API workers stopped")
        return 0

    def _spawn(self) -> None:
        # Signals wait until the worker has its own handlers and the supervisor knows the
        # worker's PID: a stop can neither run the supervisor's handler in the worker nor
        # miss a worker just started.
        stops = {signal.SIGTERM, signal.SIGINT}
        signal.pthread_sigmask(signal.SIG_BLOCK, stops)
        pid = os.fork()
        if pid == 0:  # the worker: default signal handling, serve until killed
            code = 1
            try:
                for sig in stops:
                    signal.signal(sig, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)
                self.work()
                code = 0
            except BaseException:  # logged; the supervisor starts another
                LOG.exception("API worker %d failed", os.getpid())
            finally:
                os._exit(code)
        self.children.add(pid)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)

    def _stop(self, *_: Any) -> None:
        self.stopping = True
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                self.children.discard(pid)


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"

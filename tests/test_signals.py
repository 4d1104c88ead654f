"""Stop signals reach the threaded services' stop code outside the main thread, so a
signal that lands while the main thread holds the stop code's lock cannot hang the
process (it once hung the network agent's SIGTERM for good, now and then)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from haas_core.signals import call_on_signals


@dataclass
class StopCode:
    """A stop callback that needs a lock, like the network agent's."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Event = field(default_factory=threading.Event)
    seen: list[tuple[int, str]] = field(default_factory=list)

    def __call__(self, signum: int) -> None:
        with self.lock:
            self.seen.append((signum, threading.current_thread().name))
            self.arrived.set()


@pytest.fixture
def stop_code() -> Iterator[StopCode]:
    stop = StopCode()
    restore = call_on_signals(stop)
    try:
        yield stop
    finally:
        restore()


# Run in a process of its own: were the callback run in the main thread, the process
# would hang for good, and so would pytest's own stop signals.
HOLD_THE_LOCK_AND_SIGNAL = """
import os, signal, sys, threading, time
from haas_core.signals import call_on_signals
lock = threading.Lock()
stopped = threading.Event()
def stop(signum):
    with lock:
        stopped.set()
call_on_signals(stop)
with lock:
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(0.2)  # a plain handler would run here and wait on the lock forever
    assert not stopped.is_set()
sys.exit(0 if stopped.wait(5) else 3)
"""


def test_a_stop_signal_landing_while_the_main_thread_holds_the_stop_lock_waits_for_it() -> None:
    proc = subprocess.Popen([sys.executable, "-c", HOLD_THE_LOCK_AND_SIGNAL])
    try:
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_the_callback_runs_in_the_signal_thread(stop_code: StopCode) -> None:
    os.kill(os.getpid(), signal.SIGTERM)
    assert stop_code.arrived.wait(5), "the stop callback never ran"
    assert stop_code.seen == [(signal.SIGTERM, "signals")]


def test_each_stop_signal_calls_back_once(stop_code: StopCode) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        stop_code.arrived.clear()
        os.kill(os.getpid(), sig)
        assert stop_code.arrived.wait(5)
    time.sleep(0.1)
    assert [signum for signum, _ in stop_code.seen] == [signal.SIGINT, signal.SIGTERM]


def test_restoring_puts_the_previous_handlers_and_wakeup_fd_back() -> None:
    handler_before = signal.getsignal(signal.SIGTERM)
    fd_before = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(fd_before)
    restore = call_on_signals(lambda _signum: None)
    assert signal.getsignal(signal.SIGTERM) is not handler_before
    restore()
    assert signal.getsignal(signal.SIGTERM) is handler_before
    assert signal.set_wakeup_fd(fd_before) == fd_before

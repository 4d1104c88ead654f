"""Stop signals for the threaded services (network agent, console service).

A Python signal handler runs in the main thread, between two of its bytecodes, maybe
while that thread holds a lock the handler then asks for (the agent's own lock, or the
condition inside a ``threading.Event``): the process hangs for good, now and then. So
the handler here does nothing in Python. ``signal.set_wakeup_fd`` has the C-level
handler write the signal's number to a pipe, and a thread of its own reads it and
calls back, where taking locks is safe.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterable

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _ignore(_signum: int, _frame: object) -> None:
    """A Python-level handler is needed (the default would end the process); the work
    happens in the watcher thread."""


def call_on_signals(
    callback: Callable[[int], None], signals: Iterable[int] = STOP_SIGNALS
) -> Callable[[], None]:
    """Call ``callback(signum)`` from a thread of its own for each of ``signals`` that
    arrives. Call it from the main thread, once per process (the wakeup fd is one per
    process). Returns a function that puts the previous handlers back."""
    wanted = set(signals)
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)  # set_wakeup_fd requires it
    previous = {sig: signal.signal(sig, _ignore) for sig in wanted}
    previous_fd = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)

    def watch() -> None:
        while data := os.read(read_fd, 64):
            for signum in data:
                if signum in wanted:
                    callback(signum)
        os.close(read_fd)

    threading.Thread(target=watch, name="signals", daemon=True).start()

    def restore() -> None:
        signal.set_wakeup_fd(previous_fd)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        os.close(write_fd)  # the watcher reads end-of-file and ends

    return restore

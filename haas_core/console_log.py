"""Per-node serial console logs: written by the console service, read by the API.

A node's console goes to ``<log_dir>/node-<id>.log``; beyond ``log_max_bytes`` it is
renamed ``node-<id>.log.1`` (replacing the previous one) and a new file starts, so a
node's log never exceeds twice the limit. ``node-<id>.owner`` records the project the log
was written for: a log is wiped before it is shown to anyone else.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

#: How often a viewer's stream looks for new console bytes.
TAIL_INTERVAL_SECONDS = 0.01
#: The most a stream sends at once.
CHUNK = 65536


class ConsoleLog:
    def __init__(self, log_dir: Path, node_id: int, max_bytes: int) -> None:
        self.path = log_dir / f"node-{node_id}.log"
        self.rotated = log_dir / f"node-{node_id}.log.1"
        self.owner_file = log_dir / f"node-{node_id}.owner"
        self.max_bytes = max_bytes
        self._out: BinaryIO | None = None

    # ------------------------------------------------------------ writing (console service)

    def claim(self, owner: str) -> None:
        """Start writing for ``owner`` (a project id, or "" for a free node); a log
        written for another owner is wiped first."""
        # Tenants' console output: readable by the haas user only.
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            previous = self.owner_file.read_text()
        except FileNotFoundError:
            previous = None
        if previous != owner:
            self.wipe()
            self.owner_file.write_text(owner)

    def append(self, data: bytes) -> None:
        if self._out is None:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self._out = open(fd, "ab", buffering=0)  # noqa: SIM115 (kept open)
        self._out.write(data)
        if self._out.tell() >= self.max_bytes:
            self._out.close()
            self._out = None
            os.replace(self.path, self.rotated)

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def wipe(self) -> None:
        self.close()
        for path in (self.path, self.rotated, self.owner_file):
            path.unlink(missing_ok=True)

    # ------------------------------------------------------------ reading (API)

    def follow(self, keep_going: Callable[[], bool], check_every: float) -> Iterator[bytes]:
        """The recent log, then what is appended, until ``keep_going()`` (asked every
        ``check_every`` seconds) says stop. Survives rotation and the log's creation."""
        current: BinaryIO | None = None
        try:
            backlog = b""
            with contextlib.suppress(FileNotFoundError):
                backlog = self.rotated.read_bytes()
            current = _open_or_none(self.path)
            if current is not None:
                backlog += current.read()
            if backlog:
                yield backlog
            next_check = time.monotonic() + check_every
            while True:
                chunk = current.read(CHUNK) if current is not None else b""
                if chunk:
                    yield chunk
                    continue
                if _replaced(self.path, current):
                    # Rotated, wiped or created: whatever the old file got is read above.
                    if current is not None:
                        current.close()
                    current = _open_or_none(self.path)
                    continue
                now = time.monotonic()
                if now >= next_check:
                    if not keep_going():
                        return
                    next_check = now + check_every
                time.sleep(TAIL_INTERVAL_SECONDS)
        finally:
            if current is not None:
                current.close()


def _open_or_none(path: Path) -> BinaryIO | None:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        return None


def _replaced(path: Path, current: BinaryIO | None) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    if current is None:
        return True
    mine = os.fstat(current.fileno())
    return st.st_ino != mine.st_ino or st.st_size < current.tell()

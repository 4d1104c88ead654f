"""How the CLI prints: plain tables for people, ``--json`` for scripts, a spinner on a tty."""

from __future__ import annotations

import itertools
import json
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import click


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Columns padded to their widest cell, a rule under the header."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells)
    return "\n".join(line.rstrip() for line in lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value) or "-"
    if isinstance(value, dict):
        return ", ".join(f"{k}={_cell(v)}" for k, v in value.items()) or "-"
    return str(value)


def emit(data: Any, as_table: Callable[[Any], str]) -> None:
    """``data`` as JSON under ``--json``, else as the table ``as_table`` makes of it."""
    if json_wanted():
        click.echo(json.dumps(data, indent=2, sort_keys=True))
    else:
        click.echo(as_table(data))


def json_wanted() -> bool:
    ctx = click.get_current_context()
    return bool(ctx.find_root().meta.get("haas.json"))


def labels(header: str) -> Callable[[list[str]], str]:
    return lambda items: table([header], [[item] for item in items])


def record(data: dict[str, Any]) -> str:
    """A show answer as two columns, field and value."""
    return table(["field", "value"], [[key, value] for key, value in data.items()])


@contextmanager
def spinner(message: str) -> Iterator[None]:
    """A spinner on stderr while the block runs, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield
        return
    done = threading.Event()

    def spin() -> None:
        for frame in itertools.cycle("|/-\\"):
            sys.stderr.write(f"\r{message} {frame}")
            sys.stderr.flush()
            if done.wait(0.1):
                break
        sys.stderr.write("\r" + " " * (len(message) + 2) + "\r")
        sys.stderr.flush()

    thread = threading.Thread(target=spin, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()

"""docs/cli.md lists every command of the ``haas`` CLI."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click

from haas_client.cli import cli

DOC = Path(__file__).parent.parent / "docs" / "cli.md"


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from command_paths(command, (*prefix, name))
        else:
            yield (*prefix, name)


def documented() -> list[list[list[str]]]:
    """Each `haas ...` of the doc as words, each word as its `a|b` alternatives."""
    found = []
    for text in re.findall(r"`haas ([^`]+)`", DOC.read_text()):
        found.append([word.split("\\|") for word in text.split()])
    return found


def test_every_command_is_in_docs_cli_md() -> None:
    docs = documented()
    missing = [
        " ".join(path)
        for path in command_paths(cli)
        if not any(
            len(words) >= len(path) and all(p in words[i] for i, p in enumerate(path))
            for words in docs
        )
    ]
    assert not missing, f"commands missing from docs/cli.md: {missing}"

"""``haas import`` and ``haas export``: a whole datacenter in one YAML file."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from haas_client import inventory, server_state, sync
from haas_client.cli._base import CliError, HaasCommand, client
from haas_client.cli._output import json_wanted

SIGNS = {sync.CREATE: "+", sync.CHANGE: "~", sync.REMOVE: "-"}


def _load(path: Path) -> inventory.Inventory:
    try:
        return inventory.load(path)
    except inventory.InventoryError as exc:
        raise CliError(f"{path} is not a valid inventory:\n" + str(exc)) from None


def _show_plan(entries: list[sync.Entry], source: str) -> None:
    if json_wanted():
        return
    if not entries:
        click.echo(f"Nothing to do: the server already matches {source}.")
        return
    for entry in entries:
        where = f"  (line {entry.line})" if entry.line else ""
        click.echo(f"{SIGNS[entry.kind]} {entry.kind} {entry.what}{where}")
        for detail in entry.details:
            click.echo(f"    {detail}")
    counts = {kind: sum(e.kind == kind for e in entries) for kind in SIGNS}
    click.echo(
        f"Plan: {counts[sync.CREATE]} to create, {counts[sync.CHANGE]} to change, "
        f"{counts[sync.REMOVE]} to remove."
    )


@click.command("import", cls=HaasCommand)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show the plan and change nothing.")
@click.option("--prune", is_flag=True, help="Also remove what the server has and FILE lacks.")
def import_cmd(file: Path, dry_run: bool, prune: bool) -> None:
    """Make the server hold the projects, nodes, switches, ports and cabling of FILE.

    The whole file is checked first; then the plan (create ~change -remove) is shown and
    applied entry by entry. An entry that fails is undone and named by its line.
    Running it again changes nothing.
    """
    inv = _load(file)
    haas = client()
    try:
        entries = sync.plan(haas, inv, server_state.fetch(haas), prune)
    except sync.PlanError as exc:
        raise CliError(f"{file} cannot be applied:\n{exc}") from None
    _show_plan(entries, str(file))
    applied: list[sync.Entry] = []
    try:
        if not dry_run:
            _apply(entries, str(file), applied)
    finally:
        if json_wanted():
            click.echo(
                json.dumps(
                    {
                        "plan": [e.as_json() for e in entries],
                        "applied": len(applied),
                        "dry_run": dry_run,
                    },
                    indent=2,
                )
            )
    if entries and not dry_run and not json_wanted():
        click.echo(f"Applied {len(applied)} change(s).")


def _apply(entries: list[sync.Entry], source: str, applied: list[sync.Entry]) -> None:
    bar = None
    if entries and sys.stderr.isatty():
        bar = click.progressbar(length=len(entries), label="applying", file=sys.stderr)
        bar.__enter__()
    try:
        for entry in entries:
            try:
                entry.apply(source)
            except sync.ApplyError as exc:
                raise CliError(
                    f"{exc} (undone; {len(applied)} earlier change(s) stay applied)"
                ) from None
            applied.append(entry)
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


@click.command("export", cls=HaasCommand)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here."
)
@click.option(
    "--drivers-from",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Inventory to take OBM and switch driver settings from (the API never shows them).",
)
def export_cmd(output: Path | None, drivers_from: Path | None) -> None:
    """Write the server's inventory in the format ``haas import`` reads."""
    drivers = _load(drivers_from) if drivers_from is not None else None
    data = server_state.export(server_state.fetch(client()), drivers)
    text = json.dumps(data, indent=2) + "\n" if json_wanted() else inventory.dump(data)
    if output is None:
        click.echo(text, nl=False)
        return
    # Created private: with --drivers-from the file holds BMC and switch passwords.
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)

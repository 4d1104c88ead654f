"""``haas user ...``, ``haas networking-action ...`` and the small calls."""

from __future__ import annotations

import click

from haas_client.cli._base import HaasCommand, HaasGroup, client
from haas_client.cli._output import emit, labels, record, table

ROLE = click.Choice(["admin", "regular"])
#: set-admin takes HIL's admin/regular, and true/false.
ADMIN_FLAG = click.Choice(["admin", "regular", "true", "false"])


@click.group(cls=HaasGroup)
def user() -> None:
    """Users of the database auth backend (admin)."""


@user.command("create")
@click.argument("user")
@click.argument("password")
@click.argument("role", type=ROLE, required=False, default="regular")
@click.option("--admin", is_flag=True, help="Make the user an admin (same as ROLE admin).")
def user_create(user: str, password: str, role: str, admin: bool) -> None:
    """Create USER with PASSWORD; ROLE is admin or regular (the default), as in HIL."""
    client().users.create(user, password, admin or role == "admin")


@user.command("delete")
@click.argument("user")
def user_delete(user: str) -> None:
    """Delete USER."""
    client().users.delete(user)


@user.command("list")
def user_list() -> None:
    """List users, their admin flag and projects."""
    emit(
        client().users.list(),
        lambda d: table(
            ["user", "admin", "projects"],
            [[name, u["is_admin"], u["projects"]] for name, u in sorted(d.items())],
        ),
    )


@user.command("set-admin")
@click.argument("user")
@click.argument("is_admin", type=ADMIN_FLAG)
def user_set_admin(user: str, is_admin: str) -> None:
    """Grant (admin or true) or take away (regular or false) USER's admin flag."""
    client().users.set_admin(user, is_admin in ("admin", "true"))


@user.group("project", cls=HaasGroup)
def user_project() -> None:
    """Project membership of users."""


@user_project.command("add")
@click.argument("user")
@click.argument("project")
def user_project_add(user: str, project: str) -> None:
    """Make USER a member of PROJECT."""
    client().users.add_project(user, project)


@user_project.command("remove")
@click.argument("user")
@click.argument("project")
def user_project_remove(user: str, project: str) -> None:
    """Take USER out of PROJECT."""
    client().users.remove_project(user, project)


@click.group("networking-action", cls=HaasGroup)
def networking_action() -> None:
    """Networking actions: the switch changes the network agent applies."""


@networking_action.command("show")
@click.argument("status_id")
def action_show(status_id: str) -> None:
    """Show one action: PENDING, DONE or ERROR, with its error."""
    emit(client().networking_actions.show(status_id), record)


@networking_action.command("list")
@click.option("--node")
@click.option("--nic")
@click.option("--switch")
@click.option("--status", type=click.Choice(["PENDING", "DONE", "ERROR"]))
@click.option("--limit", type=click.IntRange(1, 1000), help="At most this many (default 100).")
def action_list(
    node: str | None, nic: str | None, switch: str | None, status: str | None, limit: int | None
) -> None:
    """List the latest actions, newest first."""
    actions = client().networking_actions.list(
        node=node, nic=nic, switch=switch, status=status, limit=limit
    )
    emit(
        actions,
        lambda rows: table(
            ["id", "status", "type", "node", "nic", "channel", "network", "created"],
            [
                [
                    a["id"],
                    a["status"],
                    a["type"],
                    a["node"],
                    a["nic"],
                    a["channel"],
                    a["new_network"],
                    a["created"],
                ]
                for a in rows
            ],
        ),
    )


@click.command("extensions", cls=HaasCommand)
def extensions() -> None:
    """List the plugins the server has enabled (admin)."""
    emit(client().extensions.list(), labels("extensions"))


@click.command("server-version", cls=HaasCommand)
def server_version() -> None:
    """Show the server's version and API."""
    emit(client().version(), record)

"""The ``haas`` root: connection settings, ``--json``, and errors turned into exit status 1."""

from __future__ import annotations

import os
from typing import Any

import click

from haas_client import Client, HaasError
from haas_client.cli._output import emit, record, spinner


class CliError(click.ClickException):
    """A user-facing failure: ``Error: <message>`` on stderr, exit status 1."""


def _json_flag(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.find_root().meta["haas.json"] = True


def _json_option() -> click.Option:
    return click.Option(
        ["--json"],
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_json_flag,
        help="Print JSON (for scripts) instead of a table.",
    )


class HaasCommand(click.Command):
    """Every command takes ``--json``, as in HIL's CLI."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(_json_option())


class HaasGroup(click.Group):
    command_class = HaasCommand
    group_class = type  # subgroups are HaasGroups too

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HaasError as exc:
            raise CliError(f"{exc.type}: {exc.msg}") from None


def _keystone_session() -> Any:
    try:
        from keystoneauth1 import session
        from keystoneauth1.identity import v3
    except ImportError:
        raise CliError(
            "OS_AUTH_URL is set but keystoneauth1 is not installed (pip install 'haas[keystone]')"
        ) from None
    env = os.environ
    auth = v3.Password(
        auth_url=env["OS_AUTH_URL"],
        username=env.get("OS_USERNAME", ""),
        password=env.get("OS_PASSWORD", ""),
        project_name=env.get("OS_PROJECT_NAME"),
        user_domain_name=env.get("OS_USER_DOMAIN_NAME", "Default"),
        project_domain_name=env.get("OS_PROJECT_DOMAIN_NAME", "Default"),
    )
    return session.Session(auth=auth)


def client() -> Client:
    """The client for this invocation, made on first use from the root's settings."""
    root = click.get_current_context().find_root()
    if "haas.client" not in root.meta:
        settings = root.params
        endpoint = settings["endpoint"]
        if not endpoint:
            raise CliError("no haas endpoint: set HAAS_ENDPOINT or pass --endpoint")
        username = settings["username"]
        if username is None and os.environ.get("OS_AUTH_URL"):
            root.meta["haas.client"] = Client(endpoint, session=_keystone_session())
        else:
            root.meta["haas.client"] = Client(endpoint, username, settings["password"])
    return root.meta["haas.client"]


def report_action(status_id: str, wait: bool, timeout: float) -> None:
    """Print a queued networking action, or wait for it and fail if it ends in ERROR."""
    if not wait:
        emit({"status_id": status_id}, lambda d: f"networking action queued: {d['status_id']}")
        return
    with spinner(f"waiting for networking action {status_id}"):
        action = client().wait_for_action(status_id, timeout)
    emit(action, record)
    if action["status"] == "ERROR":
        raise CliError(f"networking action {status_id} failed: {action.get('error')}")


def wait_options(func: Any) -> Any:
    func = click.option(
        "--timeout", default=120.0, show_default=True, help="Seconds --wait waits."
    )(func)
    return click.option(
        "--wait", is_flag=True, help="Wait until the switch is configured; fail on ERROR."
    )(func)


@click.group(cls=HaasGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--endpoint",
    envvar=["HAAS_ENDPOINT", "HIL_ENDPOINT"],
    metavar="URL",
    help="haas API, e.g. http://127.0.0.1:5000/v0 [env HAAS_ENDPOINT, HIL_ENDPOINT]",
)
@click.option(
    "--username",
    envvar=["HAAS_USERNAME", "HIL_USERNAME"],
    help="HTTP Basic user [env HAAS_USERNAME, HIL_USERNAME]; without one, OS_* "
    "variables select Keystone",
)
@click.option(
    "--password",
    envvar=["HAAS_PASSWORD", "HIL_PASSWORD"],
    help="HTTP Basic password [env HAAS_PASSWORD, HIL_PASSWORD]",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print JSON (for scripts) instead of tables; also accepted after any command.",
)
@click.version_option(package_name="haas", prog_name="haas")
@click.pass_context
def cli(
    ctx: click.Context,
    endpoint: str | None,
    username: str | None,
    password: str | None,
    as_json: bool,
) -> None:
    """Command line for haas (Hardware as a Service), shaped like HIL's ``hil``.

    Shell completion (bash): eval "$(_HAAS_COMPLETE=bash_source haas)"
    """
    if as_json:
        ctx.meta["haas.json"] = True

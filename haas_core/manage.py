"""``haas-manage``: the admin command line (database, users, server, secrets)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from oslo_config import cfg

from haas_core.config import load_config
from haas_core.crypto import generate_key
from haas_core.db import migrate
from haas_core.errors import ConfigError
from haas_core.log import configure_logging

if TYPE_CHECKING:
    from haas_core.services import Services

LOG = logging.getLogger(__name__)


def _check_schema(conf: cfg.ConfigOpts) -> None:
    if not migrate.is_up_to_date(conf.database.connection):
        raise ConfigError("the database is not at the latest schema: run 'haas-manage db upgrade'")


def _services(conf: cfg.ConfigOpts) -> Services:
    from haas_core.services import build_services

    _check_schema(conf)
    return build_services(conf)


def cmd_db_upgrade(conf: cfg.ConfigOpts, args: argparse.Namespace) -> int:
    from haas_core.services import build_services

    migrate.upgrade(conf.database.connection, args.revision)
    # Start-up hooks fill pools (the VLAN pool) idempotently.
    build_services(conf).db.dispose()
    print("database upgraded")
    return 0


def cmd_db_current(conf: cfg.ConfigOpts, args: argparse.Namespace) -> int:
    print(migrate.current(conf.database.connection), end="")
    return 0


def cmd_db_check(conf: cfg.ConfigOpts, args: argparse.Namespace) -> int:
    if not migrate.is_up_to_date(conf.database.connection):
        print("the database is not at the latest revision: run 'haas-manage db upgrade'")
        return 1
    diffs = migrate.schema_differences(conf.database.connection)
    for diff in diffs:
        print(diff)
    print("schema matches the models" if not diffs else f"{len(diffs)} difference(s)")
    return 1 if diffs else 0


def cmd_db_revision(conf: cfg.ConfigOpts, args: argparse.Namespace) -> int:
    migrate.revision(conf.database.connection, args.branch, args.message)
    return 0


def cmd_create_admin_user(conf: cfg.ConfigOpts, args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from haas_plugins_auth.database.backend import DatabaseAuth
    from haas_plugins_auth.database.models import User

    services = _services(conf)
    if not isinstance(services.auth, DatabaseAuth):
        raise ConfigError("create-admin-user needs [plugins] auth = database")
    with services.db.session() as db, db.begin():
        if db.scalars(select(User.id).where(User.label == args.user)).first():
            raise ConfigError(f"user {args.user} already exists")
        db.add(
            User(
                label=args.user,
                hashed_password=services.auth.hash_password(args.password),
                is_admin=True,
            )
        )
    print(f"admin user {args.user} created")
    return 0


def cmd_serve(conf: cfg.ConfigOpts, args: argparse.Namespace) -> int:
    from haas_core.api.app import setup_app
    from haas_core.api.serve import serve
    from haas_core.services import build_services

    workers = getattr(args, "workers", 1)  # quickstart serves in one process
    _check_schema(conf)  # here, once, rather than in every worker
    LOG.info(
        "serving the haas API on http://%s:%s/v0 (%d process%s, %d threads each)",
        args.host,
        args.port,
        workers,
        "es" if workers > 1 else "",
        args.threads,
    )
    return serve(
        lambda: setup_app(build_services(conf)), args.host, args.port, args.threads, workers
    )


def cmd_quickstart(conf: cfg.ConfigOpts | None, args: argparse.Namespace) -> int:
    from haas_core import quickstart

    return quickstart.run(args)


def cmd_generate_secret_key(conf: cfg.ConfigOpts | None, args: argparse.Namespace) -> int:
    print(generate_key())
    return 0


def cmd_network_agent(conf: cfg.ConfigOpts, args: argparse.Namespace) -> int:
    from haas_core.agent import run_agent

    return run_agent(conf)


def cmd_console_service(conf: cfg.ConfigOpts, args: argparse.Namespace) -> int:
    from haas_core.console_service import run_console_service

    return run_console_service(conf)


def cmd_lab(conf: cfg.ConfigOpts | None, args: argparse.Namespace) -> int:
    from haas_lab.control import main as lab_main

    return lab_main(args.lab_args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="haas-manage", description=__doc__)
    parser.add_argument(
        "--config-file",
        help="haas.conf to read (default: $HAAS_CONFIG, ./haas.conf, /etc/haas/haas.conf)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True
    )
    up = db.add_parser("upgrade", help="migrate to the latest schema and fill pools")
    up.add_argument("--revision", default="heads")
    up.set_defaults(func=cmd_db_upgrade)
    db.add_parser("current", help="show the current revisions").set_defaults(func=cmd_db_current)
    db.add_parser("check", help="exit 1 unless the schema matches the models").set_defaults(
        func=cmd_db_check
    )
    rev = db.add_parser("revision", help="autogenerate a migration for one branch")
    rev.add_argument("--branch", required=True, help="core, or a plugin's branch label")
    rev.add_argument("-m", "--message", required=True)
    rev.set_defaults(func=cmd_db_revision)

    admin = sub.add_parser("create-admin-user", help="add an admin to the database auth backend")
    admin.add_argument("user")
    admin.add_argument("password")
    admin.set_defaults(func=cmd_create_admin_user)

    serve = sub.add_parser("serve", help="serve the API (waitress, multi-threaded)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--threads", type=int, default=8, help="threads per process")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes serving the port (more than 1: a supervisor forks them)",
    )
    serve.set_defaults(func=cmd_serve)

    quick = sub.add_parser(
        "quickstart", help="write a lab configuration (SQLite), set it up, and serve"
    )
    quick.add_argument("--state-dir", default=".haas", help="where config and database live")
    quick.add_argument("--host", default="127.0.0.1")
    quick.add_argument("--port", type=int, default=5000)
    quick.add_argument("--threads", type=int, default=8)
    quick.add_argument("--no-serve", action="store_true", help="set up, then exit")
    quick.add_argument(
        "--lab",
        action=argparse.BooleanOptionalAction,
        help="serve with a lab of switches, nodes and BMCs (default: when root with OVS)",
    )
    quick.add_argument("--lab-nodes", type=int, default=4)
    quick.add_argument("--lab-switches", type=int, default=2)
    quick.add_argument("--lab-dialect", default="nexus", help="the lab's switches (docs/lab.md)")
    quick.set_defaults(func=cmd_quickstart, no_config=True)

    sub.add_parser("generate-secret-key", help="print a new [DEFAULT] secret_key").set_defaults(
        func=cmd_generate_secret_key, no_config=True
    )
    sub.add_parser("network-agent", help="run the network agent").set_defaults(
        func=cmd_network_agent
    )
    sub.add_parser(
        "console-service", help="run the console service (serial console sessions)"
    ).set_defaults(func=cmd_console_service)
    lab = sub.add_parser(
        "lab",
        help="the simulated datacenter: lab up|status|down (see 'lab --help')",
        add_help=False,
    )
    lab.add_argument("lab_args", nargs=argparse.REMAINDER)
    lab.set_defaults(func=cmd_lab, no_config=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["lab"]:  # its own parser: argparse's REMAINDER drops leading options
        return cmd_lab(None, argparse.Namespace(lab_args=argv[1:]))
    args = build_parser().parse_args(argv)
    func: Callable[..., int] = args.func
    try:
        if getattr(args, "no_config", False):
            return func(None, args)
        conf = load_config(args.config_file)
        configure_logging(conf.log_level)
        return func(conf, args)
    except ConfigError as exc:
        print(f"haas-manage: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

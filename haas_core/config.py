"""Core configuration options and the loading of ``haas.conf``.

Options live on a ``ConfigOpts`` built per process by :func:`load_config`
(never the global ``cfg.CONF``), so tests can run several configurations
side by side. Plugins register their own groups through the
``haas_register_config_options`` hook.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from oslo_config import cfg

from haas_core.errors import ConfigError

DEFAULT_OPTS = [
    cfg.BoolOpt(
        "allow_insecure_config_permissions",
        default=False,
        help="Start even when the configuration file is readable by group or others. "
        "The file holds secrets: keep it mode 0600 instead.",
    ),
    cfg.StrOpt(
        "secret_key",
        secret=True,
        default="",
        help="Fernet key that encrypts driver secrets (switch and BMC passwords) at rest. "
        "Generate one with 'haas-manage generate-secret-key'.",
    ),
    cfg.StrOpt("log_level", default="INFO", help="Logging level of the haas processes."),
]

DATABASE_OPTS = [
    cfg.StrOpt(
        "connection",
        default="sqlite:///haas.db",
        secret=True,
        help="SQLAlchemy URL of the database (SQLite for a lab, PostgreSQL in production), "
        "e.g. postgresql://haas:secret@127.0.0.1/haas.",
    ),
    cfg.IntOpt("pool_size", default=10, min=1, help="Connections kept open per process."),
    cfg.BoolOpt(
        "prepared_statements",
        default=True,
        help="On PostgreSQL, plan the statements run for every networking action once per "
        "connection (server-side prepared statements) rather than on every execution. Turn "
        "off behind a connection pooler that does not keep them (pgbouncer in transaction "
        "mode).",
    ),
]

PLUGINS_OPTS = [
    cfg.StrOpt("auth", default="database", help="Auth backend (entry point group haas.auth)."),
    cfg.ListOpt(
        "switches", default=["mock"], help="Switch drivers (entry point group haas.switches)."
    ),
    cfg.ListOpt("obm", default=["mock"], help="OBM drivers (entry point group haas.obm)."),
    cfg.ListOpt(
        "headnode", default=[], help="Headnode backends (entry point group haas.headnodes)."
    ),
    cfg.StrOpt(
        "network_allocator",
        default="vlan_pool",
        help="Network id allocator (entry point group haas.network_allocators).",
    ),
]

API_OPTS: list[cfg.Opt] = [
    cfg.BoolOpt(
        "require_authentication",
        default=True,
        help="Refuse anonymous callers. When false, calls open to any caller "
        "accept anonymous ones too.",
    ),
]

AGENT_OPTS = [
    cfg.IntOpt("workers", default=8, min=1, help="Switches the agent drives at once."),
    cfg.FloatOpt(
        "poll_interval_seconds",
        default=0.2,
        min=0.01,
        help="How often the agent looks for new work on SQLite (PostgreSQL wakes it at once).",
    ),
    cfg.FloatOpt(
        "busy_poll_interval_seconds",
        default=0.05,
        min=0.01,
        help="On SQLite, how often the agent looks for work while it has switches in hand "
        "(a worker waiting with an open session learns of new work no later than this).",
    ),
    cfg.FloatOpt(
        "fallback_poll_seconds",
        default=2.0,
        min=0.1,
        help="On PostgreSQL, how often the agent looks for work without a notification "
        "(expired claims of dead agents, missed notifications).",
    ),
    cfg.FloatOpt(
        "lease_seconds",
        default=60.0,
        min=1.0,
        help="How long a claim on a switch lasts without renewal; a dead agent's switches are "
        "taken over after this.",
    ),
    cfg.FloatOpt(
        "action_timeout_seconds",
        default=30.0,
        min=0.1,
        help="Longest a single switch operation may take before its action is marked ERROR.",
    ),
    cfg.IntOpt(
        "connect_retries",
        default=3,
        min=0,
        help="Retries of a switch login that failed with a connection error.",
    ),
    cfg.FloatOpt(
        "retry_backoff_seconds",
        default=0.5,
        min=0.0,
        help="Wait before the first connection retry; doubles with each retry.",
    ),
    cfg.IntOpt("batch_size", default=100, min=1, help="Actions fetched per switch at a time."),
    cfg.FloatOpt(
        "session_idle_seconds",
        default=1.0,
        min=0.0,
        help="How long a switch's session stays open, and the switch claimed, after its last "
        "action, for actions that follow soon after (a login saved); at most a third of "
        "lease_seconds.",
    ),
    cfg.FloatOpt(
        "dispatch_gap_seconds",
        default=0.02,
        min=0.0,
        help="Least time between two looks for new work: notifications that arrive closer "
        "together are answered by one look (an idle agent still answers the first at once).",
    ),
]

CONSOLE_OPTS = [
    cfg.StrOpt(
        "log_dir",
        default="/var/lib/haas/console",
        help="Where the console service writes each node's serial console log "
        "(node-<id>.log and its rotated node-<id>.log.1); the API reads it from there.",
    ),
    cfg.IntOpt(
        "log_max_bytes",
        default=1048576,
        min=1024,
        help="A node's console log is rotated beyond this size; a viewer first gets up to "
        "twice this much of recent output.",
    ),
    cfg.FloatOpt(
        "poll_seconds",
        default=1.0,
        min=0.05,
        help="How often the console service re-reads which nodes want a console, and how "
        "often a console stream re-checks that its viewer may still read it.",
    ),
    cfg.FloatOpt(
        "reconnect_seconds",
        default=2.0,
        min=0.0,
        help="Wait before the console service re-attaches a node's console that dropped.",
    ),
]

SEARCH_PATH = ("./haas.conf", "/etc/haas/haas.conf")


def list_opts() -> list[tuple[str | None, list[cfg.Opt]]]:
    """Core options, for oslo-config-generator."""
    return [
        (None, DEFAULT_OPTS),
        ("database", DATABASE_OPTS),
        ("plugins", PLUGINS_OPTS),
        ("api", API_OPTS),
        ("network_agent", AGENT_OPTS),
        ("console", CONSOLE_OPTS),
    ]


def register_core_opts(conf: cfg.ConfigOpts) -> None:
    for group, opts in list_opts():
        conf.register_opts(opts, group=group)


def find_config_file(explicit: str | None = None) -> str | None:
    """The config file to read: ``--config-file``, ``$HAAS_CONFIG``, then the search path."""
    if explicit:
        return explicit
    env = os.environ.get("HAAS_CONFIG")
    if env:
        return env
    for candidate in SEARCH_PATH:
        if Path(candidate).is_file():
            return candidate
    return None


def load_config(
    config_file: str | None = None, *, check_permissions: bool = True
) -> cfg.ConfigOpts:
    """Build a ``ConfigOpts`` holding the core options, read from the found file.

    Raises :class:`ConfigError` for a missing file or an insecure one.
    """
    conf = cfg.ConfigOpts()
    register_core_opts(conf)
    path = find_config_file(config_file)
    files: list[str] = []
    if path is not None:
        if not Path(path).is_file():
            raise ConfigError(f"configuration file {path} does not exist")
        files = [path]
    try:
        conf(args=[], project="haas", default_config_files=files, default_config_dirs=[])
    except cfg.Error as exc:
        raise ConfigError(f"configuration file {path}: {exc}") from exc
    if path is not None and check_permissions:
        check_config_permissions(path, conf.allow_insecure_config_permissions)
    return conf


def check_config_permissions(path: str, allowed: bool) -> None:
    mode = os.stat(path).st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO) and not allowed:
        raise ConfigError(
            f"configuration file {path} is readable by group or others (mode "
            f"{stat.S_IMODE(mode):04o}) and holds secrets: run 'chmod 600 {path}', or set "
            "[DEFAULT] allow_insecure_config_permissions = true"
        )

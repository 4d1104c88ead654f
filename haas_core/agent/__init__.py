"""``haas-network-agent``: the process that applies queued networking actions to switches.

See :mod:`haas_core.agent.runner` (the loop), :mod:`~haas_core.agent.claims` (who drives
which switch), :mod:`~haas_core.agent.worker` (one switch's batch) and
:mod:`~haas_core.agent.apply` (one action and its outcome).
"""

from __future__ import annotations

import argparse
import sys

from oslo_config import cfg

from haas_core.config import load_config
from haas_core.errors import ConfigError
from haas_core.log import configure_logging


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="haas-network-agent", description=__doc__)
    parser.add_argument("--config-file", help="haas.conf to read")
    args = parser.parse_args(argv)
    try:
        conf = load_config(args.config_file)
        configure_logging(conf.log_level)
        return run_agent(conf)
    except ConfigError as exc:
        print(f"haas-network-agent: error: {exc}", file=sys.stderr)
        return 2


def run_agent(conf: cfg.ConfigOpts) -> int:
    """Run an agent until SIGTERM. :raises ConfigError:"""
    from haas_core.agent.runner import Agent
    from haas_core.db import migrate
    from haas_core.services import build_services

    if not migrate.is_up_to_date(conf.database.connection):
        raise ConfigError("the database is not at the latest schema: run 'haas-manage db upgrade'")
    agent = Agent(build_services(conf))
    agent.install_signal_handlers()
    agent.run()
    return 0

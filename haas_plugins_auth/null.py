"""The ``null`` auth backend: every caller is an admin. Never for production."""

from __future__ import annotations

import logging

from oslo_config import cfg
from sqlalchemy.orm import Session
from webob import Request

from haas_core.drivers import AuthBackend, Identity
from haas_core.hookspecs import hookimpl
from haas_core.services import Services

LOG = logging.getLogger(__name__)

ADMIN = Identity(user="admin", is_admin=True)


class NullAuth(AuthBackend):
    name = "null"

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        self.conf = conf

    def authenticate(self, request: Request, db: Session) -> Identity | None:
        return ADMIN


@hookimpl
def haas_register_auth_backends() -> list[type[AuthBackend]]:
    return [NullAuth]


@hookimpl
def haas_startup(services: Services, db: Session) -> None:
    LOG.warning(
        "auth backend 'null' is enabled: every caller is an admin. "
        "Use [plugins] auth = database in production."
    )

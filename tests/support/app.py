"""Building a configured haas and talking to it through WebTest."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import webtest
from cryptography.fernet import Fernet
from oslo_config import cfg

from haas_core.api.app import setup_app
from haas_core.config import load_config
from haas_core.services import Services, build_services
from tests.support.config import write_ini

SECRET_KEY = Fernet.generate_key().decode()

#: The configuration every test starts from; tests override sections.
BASE_CONFIG: dict[str, dict[str, Any]] = {
    "DEFAULT": {"secret_key": SECRET_KEY},
    "plugins": {
        "auth": "database",
        "switches": "mock",
        "obm": "mock",
        "network_allocator": "vlan_pool",
    },
    "network_allocator_vlan_pool": {"vlans": "100-109, 300"},
    # Cheap hashes: the suite creates many users.
    "auth_database": {"password_hash_time_cost": 1, "password_hash_memory_kib": 64},
}


def write_config(
    path: Path, db_url: str, overrides: dict[str, dict[str, Any]] | None = None
) -> Path:
    sections: dict[str, dict[str, Any]] = {k: dict(v) for k, v in BASE_CONFIG.items()}
    sections.setdefault("database", {})["connection"] = db_url
    for section, values in (overrides or {}).items():
        sections.setdefault(section, {}).update(values)
    return write_ini(path, sections)


def make_conf(
    path: Path, db_url: str, overrides: dict[str, dict[str, Any]] | None = None
) -> cfg.ConfigOpts:
    return load_config(str(write_config(path, db_url, overrides)))


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class Api:
    """WebTest with the call shapes of the spec: ``api.put("/node/n1", {...}, user="alice")``."""

    def __init__(self, services: Services, passwords: dict[str, str] | None = None) -> None:
        self.services = services
        self.app = webtest.TestApp(setup_app(services))
        self.passwords = passwords if passwords is not None else {}

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        user: str | None = "admin",
        status: int | str = "*",
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> webtest.TestResponse:
        hdrs = dict(headers or {})
        if user is not None:
            hdrs["Authorization"] = basic(user, self.passwords.get(user, "wrong"))
        if raw is None and body is not None:
            raw = json.dumps(body).encode()
        return self.app.request(
            path, method=method, body=raw or b"", headers=hdrs, status=status, expect_errors=True
        )

    def get(self, path: str, **kw: Any) -> webtest.TestResponse:
        return self.request("GET", path, **kw)

    def put(self, path: str, body: Any = None, **kw: Any) -> webtest.TestResponse:
        return self.request("PUT", path, body, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> webtest.TestResponse:
        return self.request("POST", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> webtest.TestResponse:
        return self.request("DELETE", path, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> webtest.TestResponse:
        return self.request("PATCH", path, body, **kw)


def build(conf: cfg.ConfigOpts) -> Services:
    return build_services(conf)

"""The WSGI entry point ``haas_core.api.wsgi:application`` and what the server logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import webtest

from haas_core.api import wsgi
from tests.support.app import Api, write_config


def test_wsgi_application_reads_haas_config_on_first_request(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(tmp_path / "haas.conf", db_url, {"plugins": {"auth": "null"}})
    monkeypatch.setenv("HAAS_CONFIG", str(config))
    monkeypatch.setattr(wsgi, "_app", None)
    app = webtest.TestApp(wsgi.application)
    assert app.put("/v0/project/from-wsgi").status_int == 200
    assert app.get("/v0/projects").json == ["from-wsgi"]
    assert wsgi._app is not None
    logging.getLogger().handlers.clear()  # configure_logging installed one


def test_passwords_never_reach_the_log(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api.put("/v0/auth/basic/user/carol", {"password": "carol-secret-pw"})
    api.passwords["carol"] = "carol-secret-pw"
    assert api.get("/v0/version", user="carol").status_int == 200
    api.passwords["carol"] = "guessed-wrong-pw"
    assert api.get("/v0/version", user="carol").status_int == 401
    api.put(
        "/v0/switch/sw",
        {"type": "mock", "hostname": "h", "username": "u", "password": "switch-secret-pw"},
    )
    text = caplog.text
    assert "PUT /v0/auth/basic/user/carol 200 user=admin" in text  # requests are logged
    assert "GET /v0/version 401 user=-" in text
    for secret in ("carol-secret-pw", "guessed-wrong-pw", "switch-secret-pw"):
        assert secret not in text

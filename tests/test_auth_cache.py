"""The database backend's credential cache: fast repeat callers, no stale access."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from haas_plugins_auth.database.backend import DatabaseAuth
from tests.support.app import Api


def count_verifications(api: Api, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    auth = api.services.auth
    assert isinstance(auth, DatabaseAuth)
    calls = [0]
    original = auth._verify
    lock = threading.Lock()

    def verify(hashed: str | None, password: str) -> None:
        with lock:
            calls[0] += 1
        original(hashed, password)

    monkeypatch.setattr(auth, "_verify", verify)
    return calls


def test_concurrent_callers_with_a_cold_cache_verify_the_password_once(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = count_verifications(api, monkeypatch)
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(
            pool.map(lambda _: api.get("/v0/version", user="alice").status_int, range(16))
        )
    assert statuses == [200] * 16
    assert calls[0] == 1


def test_a_changed_password_is_checked_again_despite_the_cache(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert api.get("/v0/version", user="alice").status_int == 200
    assert api.get("/v0/version", user="admin").status_int == 200
    calls = count_verifications(api, monkeypatch)
    assert api.get("/v0/version", user="alice").status_int == 200
    assert calls[0] == 0  # cached
    api.delete("/v0/auth/basic/user/alice")
    api.put("/v0/auth/basic/user/alice", {"password": "new-pw"})
    assert api.get("/v0/version", user="alice").status_int == 401  # old password
    assert calls[0] == 1

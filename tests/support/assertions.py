"""Assertions on API responses, shared by the API tests."""

from __future__ import annotations

from typing import Any

import webtest


def assert_empty_ok(resp: webtest.TestResponse) -> None:
    """A 200 with an empty body, as HIL answered calls that return nothing."""
    assert resp.status_int == 200, resp.text
    assert resp.body == b""


def assert_json(resp: webtest.TestResponse, expected: Any) -> None:
    assert resp.status_int == 200, resp.text
    assert resp.content_type == "application/json"
    assert resp.json == expected


def assert_error(
    resp: webtest.TestResponse, status: int, type_: str, msg: str | None = None
) -> str:
    """The response is the JSON error of the spec; returns its message."""
    assert resp.status_int == status, resp.text
    assert resp.content_type == "application/json"
    body = resp.json
    assert set(body) == {"type", "msg"}
    assert body["type"] == type_, body
    assert isinstance(body["msg"], str) and body["msg"]
    if msg is not None:
        assert body["msg"] == msg
    return str(body["msg"])

"""Transport rules of the API (spec/api.md sections 1 and 2): prefixes, routing errors,
how arguments are read and validated, JSON responses, request ids, server faults,
atomicity, and authentication before validation."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from haas_core.api.app import Dispatcher, all_routes
from haas_core.api.routing import RouteTable
from haas_core.db import models as m
from tests.support.app import Api
from tests.support.assertions import assert_empty_ok, assert_error

OBM = {"type": "mock", "host": "bmc", "user": "root", "password": "pw"}


# ------------------------------------------------------------------ helpers


def count(api: Api, model: type[m.Base]) -> int:
    with api.services.db.session() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def dispatcher(api: Api) -> Dispatcher:
    return api.app.app.dispatcher


def wrap_handler(
    api: Api,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    make: Callable[[Callable[..., Any]], Callable[..., Any]],
) -> None:
    """Replace the handler of the route called ``name`` by ``make(original)``."""
    disp = dispatcher(api)
    routes = []
    found = False
    for route in disp.table.routes:
        if route.name == name:
            found = True
            route = replace(route, handler=functools.wraps(route.handler)(make(route.handler)))
        routes.append(route)
    assert found, name
    monkeypatch.setattr(disp, "table", RouteTable(routes))


def sample_path(path: str) -> str:
    """A concrete path for a werkzeug rule: every variable becomes ``x1``."""
    return re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "x1", path)


# ------------------------------------------------------------------ prefixes and routing


def test_every_route_answers_under_v0_and_without_prefix(api: Api) -> None:
    routes = all_routes(api.services)
    assert len(routes) > 20
    for route in routes:
        path = sample_path(route.path)
        for full in ("/v0" + path, path):
            # Anonymous: a matched route answers 401 (authentication comes first);
            # an unmatched one would answer 404 or 405.
            resp = api.request(route.method, full, user=None)
            assert resp.status_int == 401, (route.method, full, resp.text)
            assert resp.json["type"] == "AuthorizationError"


def test_unprefixed_and_prefixed_calls_reach_the_same_data(api: Api) -> None:
    assert_empty_ok(api.put("/node/n1", {"obm": OBM}))
    assert api.get("/v0/nodes/all").json == ["n1"]
    assert api.get("/nodes/all").json == ["n1"]
    assert api.get("/v0/version").json == api.get("/version").json
    assert_empty_ok(api.delete("/v0/node/n1"))
    assert api.get("/nodes/all").json == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v0/no_such_call"),
        ("GET", "/no_such_call"),
        ("GET", "/v1/nodes/free"),
        ("PUT", "/v0/node"),
        ("GET", "/v0/node/n1/nic/eth0/extra/segments"),
        ("POST", "/v0/v0/version"),
    ],
)
def test_unknown_route_is_a_json_not_found_error(api: Api, method: str, path: str) -> None:
    msg = assert_error(api.request(method, path), 404, "NotFoundError")
    assert "No such API call" in msg


def test_unknown_route_is_404_even_for_anonymous_callers(api: Api) -> None:
    assert_error(api.get("/v0/no_such_call", user=None), 404, "NotFoundError")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/v0/nodes/free", "GET"),
        ("POST", "/v0/version", "GET"),
        ("PATCH", "/v0/node/n1", "DELETE, GET, PUT"),
        ("PUT", "/switches", "GET"),
        ("GET", "/v0/project/p1/connect_node", "POST"),
    ],
)
def test_wrong_method_is_405_with_allow_header(
    api: Api, method: str, path: str, allowed: str
) -> None:
    resp = api.request(method, path)
    msg = assert_error(resp, 405, "MethodNotAllowed")
    assert method in msg
    assert resp.headers["Allow"] == allowed


def test_wrong_method_answers_405_before_authentication(api: Api) -> None:
    resp = api.delete("/v0/nodes/free", user=None)
    assert_error(resp, 405, "MethodNotAllowed")
    assert resp.headers["Allow"] == "GET"


# ------------------------------------------------------------------ reading arguments


def test_get_with_a_body_is_a_validation_error(api: Api) -> None:
    assert_error(api.get("/v0/nodes/free", raw=b"{}"), 400, "ValidationError")
    assert_error(api.get("/v0/switches", raw=b'{"x": 1}'), 400, "ValidationError")


def test_empty_query_value_is_a_validation_error(api: Api) -> None:
    assert_empty_ok(api.put("/v0/network/net1", {"owner": "admin", "access": "", "net_id": ""}))
    msg = assert_error(api.get("/v0/network/net1/attachments?project="), 400, "ValidationError")
    assert "project" in msg
    # The same call with a real value works.
    assert api.get("/v0/network/net1/attachments?project=p1").status_int == 200
    assert api.get("/v0/network/net1/attachments").json == {}


def test_unknown_query_parameter_is_a_validation_error_naming_it(api: Api) -> None:
    msg = assert_error(api.get("/v0/nodes/free?colour=red"), 400, "ValidationError")
    assert "colour" in msg


def test_query_parameter_clashing_with_path_variable_is_rejected(api: Api) -> None:
    assert_empty_ok(api.put("/v0/node/n1", {"obm": OBM}))
    msg = assert_error(api.get("/v0/node/n1?node=n2"), 400, "ValidationError")
    assert "node" in msg


@pytest.mark.parametrize("raw", [b"{not json", b"{'a': 1}", b"\xff\xfe", b'{"obm": '])
def test_body_that_is_not_json_is_a_validation_error(api: Api, raw: bytes) -> None:
    assert_error(api.put("/v0/node/n1", raw=raw), 400, "ValidationError")
    assert api.get("/v0/nodes/all").json == []


@pytest.mark.parametrize("raw", [b"[]", b'[{"obm": {}}]', b'"n1"', b"3", b"4.5", b"null", b"true"])
def test_body_that_is_not_a_json_object_is_a_validation_error(api: Api, raw: bytes) -> None:
    msg = assert_error(api.put("/v0/node/n1", raw=raw), 400, "ValidationError")
    assert "object" in msg
    assert api.get("/v0/nodes/all").json == []


@pytest.mark.parametrize("raw", [b"", b"  \n", b"{}"])
def test_empty_body_means_no_arguments(api: Api, raw: bytes) -> None:
    assert_empty_ok(api.put("/v0/project/p3", raw=raw))
    assert "p3" in api.get("/v0/projects").json


def test_empty_body_on_a_call_with_required_keys_names_the_missing_key(api: Api) -> None:
    assert_empty_ok(api.put("/v0/node/n1", {"obm": OBM}))
    msg = assert_error(api.put("/v0/node/n1/nic/eth0", raw=b""), 400, "ValidationError")
    assert "macaddr" in msg


@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "text/plain",
        "multipart/form-data; boundary=xyz",
        "application/json",
        None,
    ],
)
def test_body_is_parsed_as_json_whatever_the_content_type(
    api: Api, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    raw = json.dumps({"obm": OBM, "metadata": {"rack": "r1"}}).encode()
    assert_empty_ok(api.put("/v0/node/n1", raw=raw, headers=headers))
    assert api.get("/v0/node/n1").json["metadata"] == {"rack": "r1"}


def test_form_encoded_body_that_is_not_json_is_refused_not_dropped(api: Api) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    # curl -d 'x=1' on a call without arguments must not succeed silently.
    assert_error(api.put("/v0/project/p3", raw=b"x=1", headers=headers), 400, "ValidationError")
    assert "p3" not in api.get("/v0/projects").json


def test_form_content_type_json_body_on_post(api: Api) -> None:
    assert_empty_ok(api.put("/v0/node/n1", {"obm": OBM}))
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    raw = json.dumps({"node": "n1"}).encode()
    assert_empty_ok(api.post("/v0/project/p1/connect_node", raw=raw, headers=headers))
    assert api.get("/v0/project/p1/nodes").json == ["n1"]


# ------------------------------------------------------------------ schemas


def test_missing_required_key_is_a_validation_error_naming_it(api: Api) -> None:
    assert_empty_ok(api.put("/v0/node/n1", {"obm": OBM}))
    msg = assert_error(api.put("/v0/node/n1/nic/eth0", {}), 400, "ValidationError")
    assert "macaddr" in msg
    msg = assert_error(
        api.put("/v0/network/net1", {"owner": "admin", "access": ""}), 400, "ValidationError"
    )
    assert "net_id" in msg


@pytest.mark.parametrize("value", [5, 1.5, True, None, ["aa"], {"a": "b"}])
def test_wrong_type_is_a_validation_error_naming_the_key(api: Api, value: Any) -> None:
    assert_empty_ok(api.put("/v0/node/n1", {"obm": OBM}))
    msg = assert_error(api.put("/v0/node/n1/nic/eth0", {"macaddr": value}), 400, "ValidationError")
    assert "macaddr" in msg
    assert api.get("/v0/node/n1").json["nics"] == []


def test_unknown_key_is_a_validation_error_naming_it(api: Api) -> None:
    assert_empty_ok(api.put("/v0/node/n1", {"obm": OBM}))
    msg = assert_error(
        api.put("/v0/node/n1/nic/eth0", {"macaddr": "aa", "colour": "red"}),
        400,
        "ValidationError",
    )
    assert "colour" in msg
    assert api.get("/v0/node/n1").json["nics"] == []


def test_unknown_key_on_a_call_that_takes_no_body_is_refused(api: Api) -> None:
    msg = assert_error(api.put("/v0/project/p3", {"owner": "x"}), 400, "ValidationError")
    assert "owner" in msg
    assert "p3" not in api.get("/v0/projects").json


def test_same_key_in_path_and_body_is_a_validation_error(api: Api) -> None:
    assert_empty_ok(api.put("/v0/node/n1", {"obm": OBM}))
    msg = assert_error(
        api.put("/v0/node/n1/nic/eth0", {"macaddr": "aa", "nic": "eth1"}),
        400,
        "ValidationError",
    )
    assert "nic" in msg
    msg = assert_error(api.put("/v0/node/n2", {"obm": OBM, "node": "n2"}), 400, "ValidationError")
    assert "node" in msg
    assert api.get("/v0/nodes/all").json == ["n1"]
    assert api.get("/v0/node/n1").json["nics"] == []


# ------------------------------------------------------------------ labels


def test_label_of_255_characters_is_accepted(api: Api) -> None:
    name = "n" * 255
    assert_empty_ok(api.put(f"/v0/node/{name}", {"obm": OBM}))
    assert api.get("/v0/nodes/all").json == [name]
    assert api.get(f"/v0/node/{name}").json["name"] == name


def test_path_label_over_255_characters_is_refused(api: Api) -> None:
    name = "n" * 256
    msg = assert_error(api.put(f"/v0/node/{name}", {"obm": OBM}), 400, "ValidationError")
    assert "node" in msg
    assert_error(api.put(f"/v0/project/{name}"), 400, "ValidationError")
    assert api.get("/v0/nodes/all").json == []
    assert api.get("/v0/projects").json == ["p1", "p2"]


def test_body_label_over_255_characters_is_refused(api: Api) -> None:
    msg = assert_error(
        api.post("/v0/project/p1/connect_node", {"node": "n" * 256}), 400, "ValidationError"
    )
    assert "node" in msg
    msg = assert_error(
        api.put("/v0/node/n1", {"obm": OBM, "metadata": {"k" * 256: 1}}),
        400,
        "ValidationError",
    )
    assert "metadata" in msg
    assert api.get("/v0/nodes/all").json == []


@pytest.mark.parametrize("encoded", ["%0A", "%0D", "%00", "%07", "%09", "%1B", "%7F"])
def test_path_label_with_control_characters_is_refused(api: Api, encoded: str) -> None:
    msg = assert_error(api.put(f"/v0/node/bad{encoded}name", {"obm": OBM}), 400, "ValidationError")
    assert "control" in msg
    assert_error(api.put(f"/v0/project/p{encoded}3"), 400, "ValidationError")
    assert api.get("/v0/nodes/all").json == []
    assert api.get("/v0/projects").json == ["p1", "p2"]


def test_body_label_with_control_characters_is_refused(api: Api) -> None:
    assert_empty_ok(api.put("/v0/node/n1", {"obm": OBM}))
    msg = assert_error(
        api.post("/v0/project/p1/connect_node", {"node": "n\u00071"}), 400, "ValidationError"
    )
    assert "node" in msg
    assert_error(
        api.put("/v0/node/n2", {"obm": OBM, "metadata": {"a\u0007b": 1}}),
        400,
        "ValidationError",
    )
    assert api.get("/v0/nodes/all").json == ["n1"]
    assert api.get("/v0/project/p1/nodes").json == []


def test_empty_body_label_is_refused(api: Api) -> None:
    assert_error(api.post("/v0/project/p1/connect_node", {"node": ""}), 400, "ValidationError")


# ------------------------------------------------------------------ responses


def test_every_json_response_has_json_content_type(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_empty_ok(api.put("/v0/node/n1", {"obm": OBM}))
    responses = {
        "list": api.get("/v0/nodes/all"),
        "object": api.get("/v0/node/n1"),
        "400": api.put("/v0/node/n2", raw=b"nope"),
        "401": api.get("/v0/nodes/all", user=None),
        "401-bad-password": api.get("/v0/nodes/all", user="mallory"),
        "403": api.get("/v0/switches", user="alice"),
        "404": api.get("/v0/node/n9"),
        "404-route": api.get("/v0/nowhere"),
        "405": api.delete("/v0/nodes/all"),
        "409": api.put("/v0/node/n1", {"obm": OBM}),
    }

    def boom(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("kaboom")

    wrap_handler(api, monkeypatch, "list_nodes", lambda _orig: boom)
    responses["500"] = api.get("/v0/nodes/all")
    expected = {"400": 400, "401": 401, "401-bad-password": 401, "403": 403, "404": 404}
    expected |= {"404-route": 404, "405": 405, "409": 409, "500": 500, "list": 200, "object": 200}
    for name, resp in responses.items():
        assert resp.status_int == expected[name], (name, resp.text)
        assert resp.headers["Content-Type"].split(";")[0] == "application/json", name
        json.loads(resp.body)


def test_empty_success_is_200_with_no_body(api: Api) -> None:
    resp = api.put("/v0/project/p3")
    assert resp.status_int == 200
    assert resp.body == b""
    assert "application/json" not in resp.headers.get("Content-Type", "")


def test_401_carries_www_authenticate_basic(api: Api) -> None:
    resp = api.get("/v0/nodes/all", user=None)
    assert_error(resp, 401, "AuthorizationError")
    assert resp.headers["WWW-Authenticate"].startswith("Basic")


# ------------------------------------------------------------------ request ids


def test_request_id_is_echoed_back(api: Api) -> None:
    headers = {"X-Request-Id": "req-abc-123"}
    assert api.get("/v0/nodes/all", headers=headers).headers["X-Request-Id"] == "req-abc-123"
    err = api.get("/v0/node/n9", headers=headers)
    assert err.status_int == 404
    assert err.headers["X-Request-Id"] == "req-abc-123"
    empty = api.put("/v0/project/p3", headers=headers)
    assert empty.status_int == 200
    assert empty.headers["X-Request-Id"] == "req-abc-123"


def test_request_id_is_generated_when_absent(api: Api) -> None:
    first = api.get("/v0/nodes/all").headers.get("X-Request-Id", "")
    second = api.get("/v0/nodes/all").headers.get("X-Request-Id", "")
    routing_error = api.get("/v0/nowhere").headers.get("X-Request-Id", "")
    assert first and second and routing_error
    assert len({first, second, routing_error}) == 3


# ------------------------------------------------------------------ server faults


def test_server_fault_is_a_json_server_error_with_the_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_empty_ok(
        api.put(
            "/v0/switch/s1", {"type": "mock", "hostname": "h", "username": "u", "password": "p"}
        )
    )

    def broken_get(_type_name: str) -> Any:
        raise RuntimeError("secret-internal-detail")

    monkeypatch.setattr(api.services.switch_drivers, "get", broken_get)
    resp = api.get("/v0/switch/s1", headers={"X-Request-Id": "fault-42"})
    msg = assert_error(resp, 500, "ServerError")
    assert "fault-42" in msg
    assert resp.headers["X-Request-Id"] == "fault-42"
    for leak in ("Traceback", "secret-internal-detail", "RuntimeError", ".py"):
        assert leak not in resp.text


def test_server_fault_message_carries_a_generated_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("kaboom-detail")

    wrap_handler(api, monkeypatch, "version", lambda _orig: boom)
    resp = api.get("/v0/version")
    msg = assert_error(resp, 500, "ServerError")
    rid = resp.headers["X-Request-Id"]
    assert rid and rid in msg
    assert "kaboom-detail" not in resp.text
    assert "Traceback" not in resp.text


def test_failure_mid_request_leaves_nothing_written(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    def make(orig: Callable[..., Any]) -> Callable[..., Any]:
        def half_done(ctx: Any, **kwargs: Any) -> Any:
            orig(ctx, **kwargs)
            ctx.db.flush()  # the rows really reach the database
            raise RuntimeError("crash after the write")

        return half_done

    wrap_handler(api, monkeypatch, "node_register", make)
    resp = api.put("/v0/node/n1", {"obm": OBM, "metadata": {"rack": "r1", "slot": 3}})
    assert_error(resp, 500, "ServerError")
    assert_error(api.get("/v0/node/n1"), 404, "NotFoundError")
    assert api.get("/v0/nodes/all").json == []
    assert count(api, m.Node) == 0
    assert count(api, m.NodeMetadata) == 0


def test_failure_mid_update_leaves_the_old_state(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_empty_ok(api.put("/v0/node/n1", {"obm": OBM}))
    assert_empty_ok(api.put("/v0/node/n1/nic/eth0", {"macaddr": "aa"}))
    assert_empty_ok(
        api.put(
            "/v0/switch/s1", {"type": "mock", "hostname": "h", "username": "u", "password": "p"}
        )
    )
    assert_empty_ok(api.put("/v0/switch/s1/port/gi1/0/1"))

    def make(orig: Callable[..., Any]) -> Callable[..., Any]:
        def half_done(ctx: Any, **kwargs: Any) -> Any:
            orig(ctx, **kwargs)
            ctx.db.flush()
            raise RuntimeError("crash after the write")

        return half_done

    wrap_handler(api, monkeypatch, "port_connect_nic", make)
    resp = api.post("/v0/switch/s1/port/gi1/0/1/connect_nic", {"node": "n1", "nic": "eth0"})
    assert_error(resp, 500, "ServerError")
    assert api.get("/v0/switch/s1/port/gi1/0/1").json == {}
    assert api.get("/v0/node/n1").json["nics"][0]["port"] is None


def test_failure_after_a_pool_allocation_returns_nothing_to_the_pool(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    allocator = api.services.allocator
    real_allocate = allocator.allocate

    def allocate_then_crash(db: Any) -> str:
        real_allocate(db)
        db.flush()
        raise RuntimeError("crash after allocating")

    body = {"owner": "admin", "access": "", "net_id": ""}
    monkeypatch.setattr(allocator, "allocate", allocate_then_crash)
    assert_error(api.put("/v0/network/net1", body), 500, "ServerError")
    monkeypatch.undo()
    assert api.get("/v0/networks").json == {}
    assert_empty_ok(api.put("/v0/network/net1", body))
    # The id taken by the failed request was not lost: the pool still starts at 100.
    assert api.get("/v0/networks").json == {"net1": {"network_id": "100", "projects": None}}


# ------------------------------------------------------------------ authentication first


@pytest.mark.parametrize(
    ("method", "path", "raw"),
    [
        ("PUT", "/v0/node/n1", b"{not json"),
        ("PUT", "/v0/node/n1", b"[1, 2]"),
        ("PUT", "/v0/node/n1", b'{"colour": "red"}'),
        ("PUT", "/v0/node/n1/nic/eth0", b"{}"),
        ("POST", "/v0/project/p1/connect_node", b'{"node": 5}'),
        ("GET", "/v0/nodes/free", b"{}"),
        ("PUT", "/v0/node/bad%0Aname", b"{}"),
        ("PUT", "/v0/node/" + "n" * 300, b"{}"),
    ],
)
def test_authentication_happens_before_argument_validation(
    api: Api, method: str, path: str, raw: bytes
) -> None:
    assert_error(api.request(method, path, raw=raw, user=None), 401, "AuthorizationError")
    assert_error(api.request(method, path, raw=raw, user="mallory"), 401, "AuthorizationError")


def test_empty_query_value_from_anonymous_caller_is_401(api: Api) -> None:
    assert_error(
        api.get("/v0/network/net1/attachments?project=", user=None), 401, "AuthorizationError"
    )


def test_non_admin_on_admin_call_with_bad_body_is_403_not_400(api: Api) -> None:
    assert_error(api.put("/v0/node/n1", raw=b"{not json", user="alice"), 403, "AuthorizationError")
    assert_error(api.put("/v0/switch/s1", {"type": 5}, user="bob"), 403, "AuthorizationError")


# ------------------------------------------------------------------ malformed input


@pytest.mark.parametrize(
    "raw",
    [
        b'{"value": NaN}',
        b'{"value": Infinity}',
        b'{"value": -Infinity}',
        b'{"value": 1e999}',
        b'{"value": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"value": 1' + b"0" * 5000 + b"}",
    ],
    ids=["nan", "infinity", "minus-infinity", "overflow", "deep-nesting", "huge-int"],
)
def test_body_outside_strict_json_is_a_validation_error(api: Api, raw: bytes) -> None:
    assert_empty_ok(api.put("/v0/node/n1", {"obm": OBM}))
    assert_error(api.put("/v0/node/n1/metadata/k", raw=raw), 400, "ValidationError")
    assert api.get("/v0/node/n1").json["metadata"] == {}


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("/v0/node/n1/nic/eth0", b'{"macaddr": "aa\\u0000bb"}'),
        ("/v0/node/n1/nic/eth0", b'{"macaddr": "\\ud800"}'),
        ("/v0/node/n1/metadata/k", b'{"value": "a\\u0000b"}'),
        ("/v0/node/n1/metadata/k", b'{"value": {"k\\udfff": 1}}'),
        ("/v0/node/n2", b'{"obmd": {"uri": "http://x\\u0000", "admin_token": "t"}}'),
    ],
    ids=["nul-macaddr", "surrogate-macaddr", "nul-value", "surrogate-key", "nul-obmd-uri"],
)
def test_strings_the_database_cannot_store_are_refused_alike_on_every_backend(
    api: Api, path: str, raw: bytes
) -> None:
    assert_empty_ok(api.put("/v0/node/n1", {"obm": OBM}))
    assert_error(api.put(path, raw=raw), 400, "ValidationError")
    assert api.get("/v0/node/n1").json == {
        "name": "n1",
        "project": None,
        "nics": [],
        "metadata": {},
    }
    assert api.get("/v0/nodes/all").json == ["n1"]


def test_non_ascii_text_round_trips(api: Api) -> None:
    assert_empty_ok(api.put("/v0/node/n%C3%A9", {"obm": OBM, "metadata": {"ключ": "😀"}}))
    assert api.get("/v0/nodes/all").json == ["né"]
    assert api.get("/v0/node/n%C3%A9").json["metadata"] == {"ключ": "😀"}
    assert_empty_ok(api.put("/v0/node/n%C3%A9/metadata/big", {"value": 1.5e300}))
    assert api.get("/v0/node/n%C3%A9").json["metadata"]["big"] == 1.5e300


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/v0/node/%FF"),
        ("PUT", "/v0/switch/s1/port/gi1%C0%AF0"),
        ("GET", "/v0/nodes/free?x=%FF"),
        ("GET", "/v0/nodes/free?%FF=1"),
    ],
)
def test_path_or_query_that_is_not_utf8_is_a_json_validation_error(
    api: Api, method: str, path: str
) -> None:
    previous = api.get("/v0/nodes/all").headers["X-Request-Id"]
    resp = api.request(method, path, {"obm": OBM} if method == "PUT" else None)
    assert_error(resp, 400, "ValidationError")
    # The error carries its own request id, not the previous request's.
    assert resp.headers["X-Request-Id"] not in ("", "-", previous)
    sent = api.request(method, path, headers={"X-Request-Id": "bad-bytes-1"})
    assert sent.status_int == 400
    assert sent.headers["X-Request-Id"] == "bad-bytes-1"
    assert api.get("/v0/nodes/all").json == []


@pytest.mark.parametrize("accept", ["application/json", "text/plain", "text/html", "*/*"])
def test_calls_answer_json_whatever_the_accept_header(api: Api, accept: str) -> None:
    resp = api.get("/v0/projects", headers={"Accept": accept})
    assert resp.status_int == 200
    assert resp.content_type == "application/json"
    assert resp.json == ["p1", "p2"]
    missing = api.get("/v0/node/nope", headers={"Accept": accept})
    assert (missing.status_int, missing.json["type"]) == (404, "NotFoundError")

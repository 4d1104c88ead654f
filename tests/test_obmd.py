"""HIL v0.4's obmd: token requests at obmd and 307 redirects, against a small server
speaking obmd's API on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from haas_core.db import models as m
from tests.support.app import Api
from tests.support.assertions import assert_empty_ok, assert_error

ADMIN_TOKEN = "0123456789abcdef0123456789abcdef"


@dataclass
class FakeObmd:
    """obmd's API for one node: admin token calls, and token-checked power calls."""

    port: int = 0
    token: str | None = None
    issued: int = 0
    power: str = "off"
    calls: list[str] = field(default_factory=list)

    def uri(self, node: str = "n1") -> str:
        return f"http://127.0.0.1:{self.port}/node/{node}"


def _handler(obmd: FakeObmd) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _answer(self, status: int, body: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _admin(self) -> bool:
            expected = base64.b64encode(f"admin:{ADMIN_TOKEN}".encode()).decode()
            return self.headers.get("Authorization") == f"Basic {expected}"

        def _route(self, method: str) -> None:
            url = urllib.parse.urlsplit(self.path)
            obmd.calls.append(f"{method} {url.path}")
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            if url.path.endswith("/token"):
                if not self._admin():
                    return self._answer(401)
                if method == "POST":
                    obmd.issued += 1
                    obmd.token = f"node-token-{obmd.issued}"
                    return self._answer(200, {"token": obmd.token})
                obmd.token = None
                return self._answer(200)
            query = urllib.parse.parse_qs(url.query)
            if obmd.token is None or query.get("token") != [obmd.token]:
                return self._answer(401)
            call = url.path.rsplit("/", 1)[-1]
            if call in ("power_on", "power_off"):
                obmd.power = call.removeprefix("power_")
                return self._answer(200)
            if call == "power_status":
                return self._answer(200, {"power_status": obmd.power})
            return self._answer(404)

        def do_POST(self) -> None:
            self._route("POST")

        def do_DELETE(self) -> None:
            self._route("DELETE")

        def do_GET(self) -> None:
            self._route("GET")

    return Handler


@pytest.fixture
def obmd() -> Iterator[FakeObmd]:
    state = FakeObmd()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def register(api: Api, obmd: FakeObmd, admin_token: str = ADMIN_TOKEN) -> None:
    body = {"obmd": {"uri": obmd.uri(), "admin_token": admin_token}}
    assert_empty_ok(api.put("/v0/node/n1", body))
    assert_empty_ok(api.post("/v0/project/p1/connect_node", {"node": "n1"}))


def stored_token(api: Api) -> str | None:
    with api.services.db.session() as db:
        return db.scalars(select(m.Node.obmd_token).where(m.Node.label == "n1")).one()


def follow(location: str, method: str) -> bytes:
    """Do what an HTTP client does with the 307: repeat the request at obmd."""
    assert location.startswith("http://127.0.0.1:")
    data = b"" if method != "GET" else None
    request = urllib.request.Request(location, method=method, data=data)  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310 (our server)
        return bytes(resp.read())


def test_obmd_node_starts_disabled_and_enable_fetches_a_token(api: Api, obmd: FakeObmd) -> None:
    register(api, obmd)
    assert_error(api.post("/v0/node/n1/power_on", user="alice"), 409, "BlockedError")
    assert_empty_ok(api.put("/v0/node/n1/obm", {"enabled": True}, user="alice"))
    assert obmd.calls == ["POST /node/n1/token"]
    sealed = stored_token(api)
    assert sealed is not None and obmd.token is not None and obmd.token not in sealed


@pytest.mark.parametrize(
    ("method", "path", "body", "call"),
    [
        ("POST", "/node/n1/power_on", None, "power_on"),
        ("POST", "/node/n1/power_off", None, "power_off"),
        ("POST", "/node/n1/power_cycle", {"force": True}, "power_cycle"),
        ("GET", "/node/n1/power_status", None, "power_status"),
        ("PUT", "/node/n1/boot_device", {"bootdev": "pxe"}, "boot_device"),
        ("GET", "/node/n1/console", None, "console"),
    ],
)
def test_power_bootdev_and_console_answer_307_to_obmd_with_the_token(
    api: Api, obmd: FakeObmd, method: str, path: str, body: dict[str, object] | None, call: str
) -> None:
    register(api, obmd)
    assert_empty_ok(api.put("/v0/node/n1/obm", {"enabled": True}, user="alice"))
    resp = api.request(method, "/v0" + path, body, user="alice")
    assert resp.status_int == 307, resp.text
    assert resp.headers["Location"] == f"{obmd.uri()}/{call}?token={obmd.token}"


def test_following_the_redirect_reaches_obmd_with_a_valid_token(api: Api, obmd: FakeObmd) -> None:
    register(api, obmd)
    assert_empty_ok(api.put("/v0/node/n1/obm", {"enabled": True}, user="alice"))
    follow(api.post("/v0/node/n1/power_on", user="alice").headers["Location"], "POST")
    assert obmd.power == "on"
    status = follow(api.get("/v0/node/n1/power_status", user="alice").headers["Location"], "GET")
    assert json.loads(status) == {"power_status": "on"}


def test_disable_and_detach_revoke_the_token_at_obmd(api: Api, obmd: FakeObmd) -> None:
    register(api, obmd)
    assert_empty_ok(api.put("/v0/node/n1/obm", {"enabled": True}, user="alice"))
    old = api.post("/v0/node/n1/power_on", user="alice").headers["Location"]
    assert_empty_ok(api.put("/v0/node/n1/obm", {"enabled": False}, user="alice"))
    assert obmd.token is None and stored_token(api) is None
    assert_error(api.post("/v0/node/n1/power_on", user="alice"), 409, "BlockedError")
    with pytest.raises(urllib.error.HTTPError):
        follow(old, "POST")
    assert_empty_ok(api.put("/v0/node/n1/obm", {"enabled": True}, user="alice"))
    assert_empty_ok(api.post("/v0/project/p1/detach_node", {"node": "n1"}, user="alice"))
    assert obmd.token is None
    assert obmd.calls[-1] == "DELETE /node/n1/token"


def test_obmd_refusing_or_unreachable_is_a_502_and_changes_nothing(
    api: Api, obmd: FakeObmd
) -> None:
    register(api, obmd, admin_token="wrong")
    msg = assert_error(
        api.put("/v0/node/n1/obm", {"enabled": True}, user="alice"), 502, "OBMError"
    )
    assert "401" in msg
    assert stored_token(api) is None
    assert_error(api.post("/v0/node/n1/power_on", user="alice"), 409, "BlockedError")
    body = {"obmd": {"uri": "http://127.0.0.1:9/node/n2", "admin_token": ADMIN_TOKEN}}
    assert_empty_ok(api.put("/v0/node/n2", body))
    msg = assert_error(api.put("/v0/node/n2/obm", {"enabled": True}), 502, "OBMError")
    assert "unreachable" in msg

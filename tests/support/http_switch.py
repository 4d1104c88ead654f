"""A tiny HTTP server on 127.0.0.1 that records every request and answers from a
table, standing in for a switch's REST API."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    method: str
    path: str
    body: str
    user: str | None


@dataclass
class HttpSwitch:
    url: str = ""
    #: (method, path) -> (status, body); anything else answers 200 with an empty body.
    answers: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)

    def calls(self) -> list[tuple[str, str, str]]:
        return [(r.method, r.path, r.body) for r in self.requests]


def _handler(switch: HttpSwitch) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            auth = self.headers.get("Authorization", "")
            user = base64.b64decode(auth[6:]).decode() if auth.startswith("Basic ") else None
            switch.requests.append(Request(self.command, self.path, body, user))
            status, text = switch.answers.get((self.command, self.path), (200, ""))
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep the test output clean

    return Handler


@contextmanager
def http_switch() -> Iterator[HttpSwitch]:
    switch = HttpSwitch()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(switch))
    switch.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="http-switch", daemon=True
    )
    thread.start()
    try:
        yield switch
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)

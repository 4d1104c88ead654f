"""The transport under every resource: URLs from labels, JSON in and out, errors as HaasError."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import requests

__all__ = ["HaasError", "Transport"]


class HaasError(Exception):
    """Any failed call: the server's error ``type`` and ``msg``, and the HTTP ``status``.

    Failures that never got an answer carry ``status`` None and ``type``
    ``"ConnectionError"`` (refused, unreachable), ``"TimeoutError"`` or ``"RequestError"``
    (a request that could not be sent, e.g. an endpoint URL without ``http://``).
    """

    def __init__(self, type: str, msg: str, status: int | None = None) -> None:
        super().__init__(f"{type}: {msg}")
        self.type = type
        self.msg = msg
        self.status = status


def _error_from(resp: requests.Response) -> HaasError:
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("type"), str):
        return HaasError(body["type"], str(body.get("msg", "")), resp.status_code)
    # Not a haas answer (a proxy's HTML page, say): keep the status and a short excerpt.
    text = resp.text.strip().splitlines()[0][:200] if resp.text.strip() else resp.reason
    return HaasError("HTTPError", f"HTTP {resp.status_code}: {text}", resp.status_code)


class Transport:
    """Sends requests to one haas endpoint through a ``requests`` or keystoneauth1 session."""

    def __init__(
        self,
        endpoint: str,
        username: str | None = None,
        password: str | None = None,
        session: Any = None,
        timeout: float = 60.0,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.timeout = timeout
        if session is not None and username is not None:
            raise ValueError("give either a session or a username and password, not both")
        self._keystone = session is not None and not isinstance(session, requests.Session)
        if session is None:
            session = requests.Session()
            if username is not None:
                session.auth = (username, password or "")
        self.session = session

    def url(self, *labels: str) -> str:
        # safe='' so a port label such as gi1/0/1 stays one path segment (gi1%2F0%2F1).
        return self.endpoint + "/" + "/".join(quote(str(label), safe="") for label in labels)

    def send(
        self,
        method: str,
        path: tuple[str, ...],
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        stream: bool = False,
    ) -> requests.Response:
        url = self.url(*path)
        kwargs: dict[str, Any] = {"params": params, "stream": stream, "timeout": self.timeout}
        if body is not None:
            kwargs["data"] = json.dumps(body)
            kwargs["headers"] = {"Content-Type": "application/json"}
        try:
            if self._keystone:
                resp = self.session.request(url, method, raise_exc=False, **kwargs)
            else:
                resp = self.session.request(method, url, **kwargs)
        except requests.Timeout as exc:
            raise HaasError("TimeoutError", f"no answer from {url}: {exc}") from None
        except requests.ConnectionError as exc:
            raise HaasError("ConnectionError", f"cannot reach haas at {url}: {exc}") from None
        except requests.RequestException as exc:  # a malformed endpoint URL, say
            raise HaasError("RequestError", f"cannot send {method} {url}: {exc}") from None
        if resp.status_code >= 400:
            error = _error_from(resp)
            resp.close()
            raise error
        return resp

    def call(
        self,
        method: str,
        *path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        """The JSON answer of one call, or None for an empty success body."""
        resp = self.send(method, path, body, params)
        if not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            raise HaasError(
                "HTTPError", f"the server answered {method} {resp.url} with non-JSON data"
            ) from None

    def stream(self, *path: str, chunk_size: int = 4096) -> Iterator[bytes]:
        """The raw bytes of a streamed GET, as they arrive, until the server ends it."""
        resp = self.send("GET", path, stream=True)
        try:
            # read1 hands over whatever has arrived instead of waiting for a full chunk:
            # a console prints a line at a time.
            while data := resp.raw.read1(chunk_size):
                yield data
        except requests.RequestException as exc:
            raise HaasError("ConnectionError", f"stream interrupted: {exc}") from None
        finally:
            resp.close()

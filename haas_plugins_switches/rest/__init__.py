"""Switches driven through an HTTP API (``brocade``, ``dellnos9``): what they share.

A session is one ``requests.Session`` (one connection pool, basic auth) for a batch;
every request has a timeout; an HTTP error becomes a SwitchError carrying the
switch's own message, a refused login one naming authentication, an unreachable
switch a SwitchConnectionError.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection

import defusedxml.ElementTree as ET
import requests
from pydantic import Field

from haas_core.drivers import DriverInfo
from haas_core.errors import SwitchConnectionError, SwitchError

LOG = logging.getLogger(__name__)
_BASE_URL = r"^(https?://)?[A-Za-z0-9\[][A-Za-z0-9._:\[\]-]*(/[A-Za-z0-9._~/-]*)?$"


class RestSwitchInfo(DriverInfo):
    #: The switch's address: ``10.0.0.5``, ``switch1:8080`` or a URL (``https://...``);
    #: plain http when no scheme is given, as HIL did.
    hostname: str = Field(pattern=_BASE_URL)
    username: str = Field(min_length=1)
    password: str
    #: Check the switch's TLS certificate (https only).
    verify_tls: bool = True
    #: Seconds allowed for each request.
    timeout: float = Field(default=20.0, gt=0, le=600)


class RestClient:
    """One batch's HTTP connection to one switch."""

    def __init__(self, label: str, info: RestSwitchInfo) -> None:
        self.label = label
        self.info = info
        base = info.hostname.rstrip("/")
        self.base = base if re.match(r"https?://", base) else f"http://{base}"
        self.http = requests.Session()
        self.http.auth = (info.username, info.password)
        self.http.verify = info.verify_tls
        self.http.headers["Accept"] = "application/xml, text/xml, */*"

    def request(
        self, method: str, path: str, data: str | None = None, ok: Collection[int] = ()
    ) -> requests.Response:
        """``method`` on ``base + path``; statuses in ``ok`` are not errors."""
        url = self.base + path
        LOG.debug("switch %s: %s %s", self.label, method, url)
        headers = {"Content-Type": "application/xml"} if data is not None else None
        try:
            resp = self.http.request(
                method, url, data=data, headers=headers, timeout=self.info.timeout
            )
        except requests.Timeout:
            raise SwitchConnectionError(
                f"Switch {self.label} did not answer {method} {path} within "
                f"{self.info.timeout:g} s."
            ) from None
        except requests.ConnectionError as exc:
            raise SwitchConnectionError(
                f"Switch {self.label}: cannot connect to {self.base} ({_reason(exc)})."
            ) from None
        if resp.status_code >= 400 and resp.status_code not in ok:
            said = switch_message(resp.text) or resp.reason or "no message"
            if resp.status_code == 401:
                raise SwitchError(
                    f"Switch {self.label}: authentication failed (HTTP 401: {said})."
                )
            raise SwitchError(
                f"Switch {self.label} refused {method} {path}: HTTP {resp.status_code}: {said}"
            )
        return resp

    def close(self) -> None:
        self.http.close()


def switch_message(body: str) -> str:
    """The words of an error body: the text of an XML/HTML document, or the body."""
    body = body.strip()
    if body.startswith("<"):
        try:
            text = " ".join(t.strip() for t in ET.fromstring(body).itertext() if t.strip())
        except ET.ParseError:
            text = re.sub(r"<[^>]+>", " ", body)
        body = text
    return " ".join(body.split())[:300]


def _reason(exc: Exception) -> str:
    text = str(exc)
    match = re.search(r"\[Errno -?\d+\] ([^')\"]+)", text)
    return match.group(1) if match else text[:200]

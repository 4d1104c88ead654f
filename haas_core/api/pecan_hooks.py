"""Pecan interceptors (called "hooks" by Pecan; haas's own hooks are pluggy's):
request ids and JSON errors."""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from pecan.hooks import PecanHook
from webob import Response
from webob.exc import HTTPException

from haas_core.errors import (
    AuthorizationError,
    HaasError,
    MethodNotAllowed,
    ServerError,
    ValidationError,
)
from haas_core.log import request_id

LOG = logging.getLogger(__name__)

MAX_REQUEST_ID = 64


def json_response(body: Any, status: int = 200) -> Response:
    if body is None:
        resp = Response(status=status, body=b"")
        del resp.headers["Content-Type"]
        return resp
    return Response(
        status=status,
        body=json.dumps(body).encode(),
        content_type="application/json",
        # No charset parameter on application/json (WebOb accepts None; its stubs do not).
        charset=None,  # type: ignore[arg-type]
    )


def choose_request_id(given: str) -> str:
    """The client's ``X-Request-Id`` when usable, else a new one."""
    if 0 < len(given) <= MAX_REQUEST_ID and given.isprintable():
        return given
    return uuid.uuid4().hex


class RequestIdHook(PecanHook):
    """Gives every request an id (``X-Request-Id``, echoed; made when absent) and logs
    one line per request: method, path, status, caller, duration (never a body)."""

    priority = 10

    def on_route(self, state: Any) -> None:
        request_id.set(choose_request_id(state.request.headers.get("X-Request-Id", "")))
        state.request.environ["haas.started"] = time.perf_counter()

    def after(self, state: Any) -> None:
        request, response = state.request, state.response
        response.headers["X-Request-Id"] = request_id.get()
        started = request.environ.get("haas.started", time.perf_counter())
        try:
            path = request.path_qs
        except HTTPException:  # a path or query that is not UTF-8 (already answered 400)
            path = repr(request.environ.get("PATH_INFO", ""))
        LOG.info(
            "%s %s %s user=%s %.1fms",
            request.method,
            path,
            response.status_int,
            request.environ.get("haas.user", "-"),
            (time.perf_counter() - started) * 1000,
        )


class JsonErrorHook(PecanHook):
    """Turns every exception into the JSON error of the spec; no traceback leaves."""

    priority = 20

    def __init__(self, www_authenticate: str | None) -> None:
        self.www_authenticate = www_authenticate

    def on_error(self, state: Any, exc: BaseException) -> Response:
        error = self.to_haas_error(exc)
        resp = json_response(error.to_json(), error.status)
        resp.headers["X-Request-Id"] = request_id.get()
        if isinstance(error, AuthorizationError) and error.status == 401 and self.www_authenticate:
            resp.headers["WWW-Authenticate"] = self.www_authenticate
        if isinstance(error, MethodNotAllowed):
            resp.headers["Allow"] = ", ".join(error.allowed)
        return resp

    def to_haas_error(self, exc: BaseException) -> HaasError:
        if isinstance(exc, HaasError):
            if exc.status >= 500:
                LOG.error("%s: %s", type(exc).__name__, exc.msg)
            return exc
        if isinstance(exc, HTTPException) and exc.code < 500:  # type: ignore[attr-defined]
            # Raised by Pecan itself (e.g. a path or query string that is not UTF-8).
            cls = ValidationError if exc.code == 400 else HaasError  # type: ignore[attr-defined]
            error = cls(exc.explanation or exc.title)  # type: ignore[attr-defined]
            error.status = exc.code  # type: ignore[attr-defined]
            return error
        LOG.exception("unexpected error")
        return ServerError(f"Internal server error (request {request_id.get()}).")

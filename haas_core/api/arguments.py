"""Reading a call's arguments from the path, the query string or the JSON body."""

from __future__ import annotations

import json
import math
from typing import Any

from webob import Request

from haas_core.api.routing import Route
from haas_core.api.schema import check_label, validate
from haas_core.errors import ValidationError


def _query_arguments(request: Request) -> dict[str, Any]:
    if request.body:
        raise ValidationError("GET requests take no body; pass arguments in the query string.")
    data: dict[str, Any] = {}
    for key, value in request.GET.items():
        if value == "":
            raise ValidationError(f"empty value for query parameter {key!r}")
        if key in data:
            raise ValidationError(f"query parameter {key!r} given more than once")
        data[key] = value
    return data


def _not_json(token: str) -> float:
    raise ValueError(f"{token} is not JSON")


def _finite(token: str) -> float:
    value = float(token)
    if not math.isfinite(value):
        raise ValueError(f"{token} is out of range")
    return value


def _storable(data: Any) -> bool:
    """No string (key or value) holds a NUL or an unpaired surrogate, which
    PostgreSQL cannot store (SQLite would): the same body must mean the same on both."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                return False
            try:
                item.encode()
            except UnicodeEncodeError:
                return False
    return True


def _body_arguments(request: Request) -> dict[str, Any]:
    # Parse the raw body whatever the Content-Type says: HIL's client sends none
    # and curl -d sends form-encoding; never drop a body silently.
    raw = request.body
    if not raw.strip():
        return {}
    try:
        # Strict JSON: no NaN/Infinity, no float overflowing to infinity.
        data = json.loads(raw, parse_constant=_not_json, parse_float=_finite)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ValidationError("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ValidationError("The request body must be a JSON object.")
    if not _storable(data):
        raise ValidationError(
            "The request body contains a NUL character or an unpaired surrogate in a string."
        )
    return data


def call_arguments(request: Request, route: Route, path_args: dict[str, str]) -> dict[str, Any]:
    """The keyword arguments of ``route.handler``: path labels plus validated body/query.

    :raises ValidationError: naming the offending key.
    """
    for key, value in path_args.items():
        check_label(value, key)
    data = (
        _query_arguments(request)
        if request.method in ("GET", "HEAD")
        else _body_arguments(request)
    )
    clash = sorted(path_args.keys() & data.keys())
    if clash:
        raise ValidationError(f"key {clash[0]!r} given both in the path and in the request")
    if route.body is None:
        if data:
            raise ValidationError(f"unknown key {sorted(data)[0]!r}")
        return dict(path_args)
    model = validate(route.body, data)
    args = {**path_args, **{name: getattr(model, name) for name in type(model).model_fields}}
    if model.model_extra is not None:
        # A schema that allows extra keys hands them on for a driver to validate.
        args["fields"] = dict(model.model_extra)
    return args

"""The route table: ``(method, path) -> call``, answering under ``/v0`` and without it.

Matching is werkzeug's (it tells a wrong method from an unknown path); a port
label is the rest of the path, so ``gi1/0/1`` and ``gi1%2F0%2F1`` both work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import MethodNotAllowed as WzMethodNotAllowed
from werkzeug.exceptions import NotFound as WzNotFound
from werkzeug.routing import Map, Rule

from haas_core.api.schema import Body
from haas_core.errors import MethodNotAllowed, NotFoundError

PREFIX = "/v0"


@dataclass(frozen=True)
class Route:
    """One API call.

    :param path: werkzeug rule syntax; ``<path:port>`` takes the rest of the path.
    :param handler: ``handler(ctx, **path_and_body_args)``; returns JSON-able data or None.
    :param body: schema of the JSON body (or of the query string for GET).
    :param admin_only: refuse non-admins before the arguments are even validated.
    :param status: HTTP status of success.
    """

    method: str
    path: str
    handler: Callable[..., Any]
    body: type[Body] | None = None
    admin_only: bool = False
    status: int = 200

    @property
    def name(self) -> str:
        return self.handler.__name__


class RouteTable:
    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = list(routes)
        rules = []
        for route in self.routes:
            rules.append(Rule(route.path, methods=[route.method], endpoint=route))
        self._map = Map(rules, strict_slashes=False, merge_slashes=False)
        self._adapter = self._map.bind("haas", "/")

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route and path arguments. :raises NotFoundError, MethodNotAllowed:"""
        if path.startswith(PREFIX + "/"):
            path = path[len(PREFIX) :]
        try:
            route, args = self._adapter.match(path, method)
        except WzMethodNotAllowed as exc:
            allowed = sorted(m for m in exc.valid_methods or [] if m != "HEAD")
            raise MethodNotAllowed(
                f"Method {method} is not allowed here; allowed: {', '.join(allowed)}.", allowed
            ) from None
        except WzNotFound:
            raise NotFoundError(f"No such API call: {method} {path}") from None
        return route, dict(args)

"""Building the WSGI application: a Pecan app whose root dispatches to the route table."""

from __future__ import annotations

import logging
from typing import Any

import pecan
from pecan.core import PecanBase
from sqlalchemy.exc import IntegrityError
from webob import Request, Response

from haas_core.api.arguments import call_arguments
from haas_core.api.calls import core_routes
from haas_core.api.context import RequestContext
from haas_core.api.pecan_hooks import (
    JsonErrorHook,
    RequestIdHook,
    choose_request_id,
    json_response,
)
from haas_core.api.routing import Route, RouteTable
from haas_core.drivers import Identity
from haas_core.errors import AuthorizationError, DuplicateError
from haas_core.log import request_id
from haas_core.services import Services

LOG = logging.getLogger(__name__)

ANONYMOUS = Identity(user=None)


class Dispatcher:
    """Runs one call: authenticate, check, validate, call, commit, answer."""

    def __init__(self, services: Services, table: RouteTable) -> None:
        self.services = services
        self.table = table
        self.require_auth: bool = services.conf.api.require_authentication

    def authenticate(self, request: Request, db: Any) -> Identity:
        identity = self.services.auth.authenticate(request, db)
        if identity is not None:
            return identity
        if self.require_auth:
            raise AuthorizationError("Authentication required.", status=401)
        return ANONYMOUS

    def __call__(self, request: Request) -> Response:
        route: Route
        route, path_args = request.environ["haas.route"]
        db = self.services.db.session(write=route.method != "GET")
        try:
            ctx = RequestContext(
                db=db,
                identity=self.authenticate(request, db),
                services=self.services,
                request_id=request_id.get(),
            )
            request.environ["haas.user"] = ctx.identity.user or "-"
            if route.admin_only:
                ctx.require_admin()
            args = call_arguments(request, route, path_args)
            try:
                result = route.handler(ctx, **args)
                db.commit()
            except IntegrityError as exc:
                # A concurrent request won a race the call's own checks could not see
                # (at a flush inside the call or at commit); the schema refused it.
                LOG.info("%s: integrity error: %s", route.name, exc.orig)
                raise DuplicateError("Conflicting change: the object already exists.") from None
            LOG.debug("%s %s -> %s", request.method, route.name, route.status)
            if isinstance(result, Response):  # a redirect or a stream (OBM calls)
                return result
            return json_response(result, route.status)
        finally:
            db.close()


def all_routes(services: Services) -> list[Route]:
    routes = list(core_routes())
    for extra in services.pm.hook.haas_register_api_routes():
        routes.extend(extra or [])
    return routes


class RootController:
    """Pecan wants a root object; haas routes with its own table (see HaasPecan)."""


class HaasPecan(PecanBase):
    """Pecan with haas's routing: the route table finds the call, and every call
    answers JSON whatever the ``Accept`` header asks for. Pecan's object dispatch,
    content negotiation (which refused ``Accept: application/json``) and argument
    introspection are bypassed; its request/response handling and interceptors
    (``pecan_hooks.py``) are kept."""

    def __init__(self, dispatcher: Dispatcher, hooks: list[Any]) -> None:
        super().__init__(
            RootController(), hooks=hooks, force_canonical=False, guess_content_type_from_ext=False
        )
        self.dispatcher = dispatcher

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        # Set before anything reads the path: a path that is not UTF-8 fails early,
        # and its error must not carry the previous request's id.
        request_id.set(choose_request_id(environ.get("HTTP_X_REQUEST_ID", "")))
        return super().__call__(environ, start_response)

    def find_controller(self, state: Any) -> tuple[Any, list[Any], dict[str, Any]]:
        self.handle_hooks(self.hooks, "on_route", state)
        request = state.request
        request.environ["haas.route"] = self.dispatcher.table.match(
            request.method, request.path_info
        )
        state.controller = self.dispatcher
        return self.dispatcher, [], {}

    def invoke_controller(
        self, controller: Any, args: list[Any], kwargs: dict[str, Any], state: Any
    ) -> None:
        state.response = controller(state.request)

    def _handle_empty_response_body(self, state: Any) -> None:
        # Pecan turns an empty 200 into a 204; HIL's clients expect the 200 it sent.
        pass


def setup_app(services: Services) -> pecan.Pecan:
    dispatcher = Dispatcher(services, RouteTable(all_routes(services)))
    return HaasPecan(
        dispatcher, hooks=[RequestIdHook(), JsonErrorHook(services.auth.www_authenticate)]
    )

"""Out-of-band management: OBM access, power, boot device and the serial console.

Checks run in the order of the other calls: the node exists (404), the caller may use it
(project(owner), 403), its OBM is enabled (409), then the arguments make sense for its
driver (400). Nodes registered with obmd answer 307 to obmd instead. The BMC is talked to
outside the request's transaction: a slow or dead BMC holds no database lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from webob import Response

from haas_core.api.context import RequestContext
from haas_core.api.routing import Route
from haas_core.api.schema import Body
from haas_core.console_log import ConsoleLog
from haas_core.db import models as m
from haas_core.drivers import ObmNode
from haas_core.errors import BadArgumentError, BlockedError
from haas_core.obm import build_driver, obmd_disable, obmd_enable, obmd_location
from haas_core.services import Services


class EnableObm(Body):
    enabled: bool


class PowerCycle(Body):
    force: bool = False


class BootDevice(Body):
    bootdev: str


def _node(ctx: RequestContext, node: str) -> m.Node:
    """The node, checked: it exists and the caller may use it."""
    obj = ctx.get(m.Node, node)
    ctx.require_project(obj.project)
    return obj


def _require_enabled(obj: m.Node) -> None:
    if not obj.obm_enabled:
        raise BlockedError(
            f"OBM of node {obj.label} is disabled; enable it with PUT /node/{obj.label}/obm."
        )


def _redirect(ctx: RequestContext, obj: m.Node, call: str) -> Response:
    """HIL v0.4: obmd serves the call itself, with the node's token."""
    resp = Response(status=307)
    resp.location = obmd_location(ctx.services, obj, call)
    del resp.headers["Content-Type"]
    return resp


def _save_state(obj: m.Node, state: dict[str, Any]) -> None:
    """Store driver-kept state (the mock driver's) when the call changed it."""
    if state != obj.obm_state:
        obj.obm_state = state


def _call(ctx: RequestContext, obj: m.Node, call: str, action: str, **kw: Any) -> Any:
    """Run ``driver.<action>`` for the checked node, or answer obmd's redirect.

    The transaction ends before the BMC is asked: a slow BMC holds no database lock.
    """
    _require_enabled(obj)
    if obj.obmd_uri is not None:
        return _redirect(ctx, obj, call)
    driver = build_driver(ctx.services, obj)
    ctx.db.commit()
    target = ObmNode(obj.label, dict(obj.obm_state or {}))
    result = getattr(driver, action)(target, **kw)
    _save_state(obj, target.state)
    return result


def node_enable_disable_obm(ctx: RequestContext, node: str, enabled: bool) -> None:
    obj = _node(ctx, node)
    if obj.obmd_uri is not None:
        if enabled:
            obmd_enable(ctx.services, obj)
        else:
            obmd_disable(ctx.services, obj)
        return
    obj.obm_enabled = enabled


def node_power_on(ctx: RequestContext, node: str) -> Any:
    return _call(ctx, _node(ctx, node), "power_on", "power_on")


def node_power_off(ctx: RequestContext, node: str) -> Any:
    return _call(ctx, _node(ctx, node), "power_off", "power_off")


def node_power_cycle(ctx: RequestContext, node: str, force: bool) -> Any:
    return _call(ctx, _node(ctx, node), "power_cycle", "power_cycle", force=force)


def node_power_status(ctx: RequestContext, node: str) -> Any:
    status = _call(ctx, _node(ctx, node), "power_status", "power_status")
    if isinstance(status, Response):
        return status
    return {"power_status": status}


def node_set_bootdev(ctx: RequestContext, node: str, bootdev: str) -> Any:
    obj = _node(ctx, node)
    _require_enabled(obj)
    if obj.obmd_uri is None:
        cls = ctx.services.obm_drivers.get(obj.obm_driver or "")
        if bootdev not in cls.bootdevs:
            raise BadArgumentError(
                f"Boot device {bootdev!r} is not supported by OBM type {cls.name}; "
                f"use one of: {', '.join(cls.bootdevs)}."
            )
    return _call(ctx, obj, "boot_device", "set_bootdev", bootdev=bootdev)


# ---------------------------------------------------------------- serial console


def _console_node(ctx: RequestContext, node: str) -> m.Node:
    obj = _node(ctx, node)
    _require_enabled(obj)
    if obj.obmd_uri is None and build_driver(ctx.services, obj).console_command() is None:
        raise BadArgumentError(f"OBM type {obj.obm_driver} of node {node} has no serial console.")
    return obj


def show_console(ctx: RequestContext, node: str) -> Response:
    obj = _console_node(ctx, node)
    if obj.obmd_uri is not None:
        return _redirect(ctx, obj, "console")
    if not obj.console_enabled:
        raise BlockedError(
            f"The console of node {node} is stopped; start it with PUT /node/{node}/console."
        )
    conf = ctx.services.conf.console
    log = ConsoleLog(Path(conf.log_dir), obj.id, conf.log_max_bytes)
    watch = _AccessWatch(ctx.services, obj)
    ctx.db.commit()
    return _StreamResponse(log, watch, conf.poll_seconds)


def start_console(ctx: RequestContext, node: str) -> None:
    # obmd holds its nodes' consoles itself: nothing to start or stop for them.
    obj = _console_node(ctx, node)
    if obj.obmd_uri is None:
        obj.console_enabled = True


def stop_console(ctx: RequestContext, node: str) -> None:
    obj = _console_node(ctx, node)
    if obj.obmd_uri is None:
        obj.console_enabled = False


class _AccessWatch:
    """Whether a viewer may still read a node's console: the node still exists, in the
    same project, with its OBM and console on (a node leaving its project ends the stream)."""

    def __init__(self, services: Services, node: m.Node) -> None:
        self.services = services
        self.node_id = node.id
        self.project_id = node.project_id

    def __call__(self) -> bool:
        with self.services.db.session(write=False) as db:
            row = db.execute(
                select(m.Node.project_id, m.Node.obm_enabled, m.Node.console_enabled).where(
                    m.Node.id == self.node_id
                )
            ).one_or_none()
        return (
            row is not None
            and row.project_id == self.project_id
            and row.obm_enabled
            and (row.console_enabled)
        )


class _StreamResponse(Response):
    """``application/octet-stream`` of the console log followed live. The WSGI server
    runs the stream after the request's session is closed; it ends when the viewer loses
    access or disconnects (waitress tells, through ``waitress.client_disconnected``)."""

    def __init__(self, log: ConsoleLog, watch: _AccessWatch, check_every: float) -> None:
        super().__init__(status=200, content_type="application/octet-stream")
        self.log = log
        self.watch = watch
        self.check_every = check_every

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        disconnected = environ.get("waitress.client_disconnected")

        def keep_going() -> bool:
            if disconnected is not None and disconnected():
                return False
            return self.watch()

        self.app_iter = self.log.follow(keep_going, self.check_every)
        return super().__call__(environ, start_response)


ROUTES = [
    Route("PUT", "/node/<node>/obm", node_enable_disable_obm, EnableObm),
    Route("POST", "/node/<node>/power_on", node_power_on),
    Route("POST", "/node/<node>/power_off", node_power_off),
    Route("POST", "/node/<node>/power_cycle", node_power_cycle, PowerCycle),
    Route("GET", "/node/<node>/power_status", node_power_status),
    Route("PUT", "/node/<node>/boot_device", node_set_bootdev, BootDevice),
    Route("GET", "/node/<node>/console", show_console),
    Route("PUT", "/node/<node>/console", start_console),
    Route("DELETE", "/node/<node>/console", stop_console),
]

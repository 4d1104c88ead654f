"""Switches, their ports, and the cabling of ports to NICs."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict
from sqlalchemy import exists, select

from haas_core.api.context import RequestContext
from haas_core.api.routing import Route
from haas_core.api.schema import Body, Label, validate
from haas_core.db import models as m
from haas_core.errors import BlockedError, DuplicateError, NotFoundError
from haas_core.networking import has_pending_action


class SwitchRegister(Body):
    # The driver's own fields come beside "type"; its schema checks them.
    model_config = ConfigDict(extra="allow", strict=True, frozen=True)
    type: str


class NicArg(Body):
    node: Label
    nic: Label


def switch_register(ctx: RequestContext, switch: str, type: str, fields: dict[str, Any]) -> None:
    driver = ctx.services.switch_drivers.get(type)
    info = validate(driver.Info, fields)
    ctx.absent(m.Switch, switch)
    ctx.db.add(
        m.Switch(
            label=switch,
            driver=driver.name,
            driver_info=ctx.services.secrets.seal(info.model_dump(), driver.secret_fields),
        )
    )


def switch_delete(ctx: RequestContext, switch: str) -> None:
    obj = ctx.get(m.Switch, switch)
    if obj.ports:
        raise BlockedError(f"Switch {switch} still has ports; delete them first.")
    ctx.db.delete(obj)


def show_switch(ctx: RequestContext, switch: str) -> dict[str, Any]:
    obj = ctx.get(m.Switch, switch)
    driver = ctx.services.switch_drivers.get(obj.driver)
    return {
        "name": obj.label,
        "ports": [{"label": port.label} for port in obj.ports],
        "capabilities": sorted(driver.capabilities),
    }


def list_switches(ctx: RequestContext) -> list[str]:
    return sorted(ctx.db.scalars(select(m.Switch.label)))


def switch_register_port(ctx: RequestContext, switch: str, port: str) -> None:
    obj = ctx.get(m.Switch, switch)
    ctx.services.switch_drivers.get(obj.driver).validate_port_name(port)
    if ctx.db.scalar(select(exists().where(m.Port.owner_id == obj.id, m.Port.label == port))):
        raise DuplicateError(f"Port {port} on Switch {switch} already exists.")
    ctx.db.add(m.Port(owner=obj, label=port))


def _port(ctx: RequestContext, switch: str, port: str) -> m.Port:
    return ctx.get_child(m.Port, port, ctx.get(m.Switch, switch))


def switch_delete_port(ctx: RequestContext, switch: str, port: str) -> None:
    obj = _port(ctx, switch, port)
    if obj.nic is not None:
        raise BlockedError(f"Port {port} is connected to a NIC; detach it first.")
    ctx.db.delete(obj)


def show_port(ctx: RequestContext, switch: str, port: str) -> dict[str, Any]:
    nic = _port(ctx, switch, port).nic
    if nic is None:
        return {}
    return {
        "node": nic.owner.label,
        "nic": nic.label,
        "networks": {att.channel: att.network.label for att in nic.attachments},
    }


def port_connect_nic(ctx: RequestContext, switch: str, port: str, node: str, nic: str) -> None:
    obj = _port(ctx, switch, port)
    target = ctx.get_child(m.Nic, nic, ctx.get(m.Node, node))
    if obj.nic is not None:
        raise DuplicateError(f"Port {port} is already connected to a NIC.")
    if target.port_id is not None:
        raise DuplicateError(f"Nic {nic} on Node {node} is already connected to a port.")
    target.port = obj


def port_detach_nic(ctx: RequestContext, switch: str, port: str) -> None:
    obj = _port(ctx, switch, port)
    nic = obj.nic
    if nic is None:
        raise NotFoundError(f"Port {port} is not connected to a NIC.")
    if nic.owner.project_id is not None:
        raise BlockedError(f"Node {nic.owner.label} is owned by a project; detach it first.")
    if has_pending_action(ctx.db, nic):
        raise BlockedError(f"Nic {nic.label} has a pending networking action.")
    nic.port = None


PORT = "/switch/<switch>/port/<path:port>"

ROUTES = [
    Route("PUT", "/switch/<switch>", switch_register, SwitchRegister, admin_only=True),
    Route("DELETE", "/switch/<switch>", switch_delete, admin_only=True),
    Route("GET", "/switch/<switch>", show_switch, admin_only=True),
    Route("GET", "/switches", list_switches, admin_only=True),
    Route("PUT", PORT, switch_register_port, admin_only=True),
    Route("DELETE", PORT, switch_delete_port, admin_only=True),
    Route("GET", PORT, show_port, admin_only=True),
    Route("POST", PORT + "/connect_nic", port_connect_nic, NicArg, admin_only=True),
    Route("POST", PORT + "/detach_nic", port_detach_nic, admin_only=True),
]

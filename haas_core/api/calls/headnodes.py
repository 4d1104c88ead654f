"""Headnodes: a project's small VMs and their hnics.

A headnode lives in the database until its first start, which creates the VM through
the headnode backend; from then on its hnics are frozen, even after a stop. Calls that
change a headnode lock its row (``FOR UPDATE``; SQLite serialises writers anyway), so a
start and an hnic change, or two first starts, never interleave. Backend calls run inside
the request's transaction: a backend failure rolls the database back with it.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from haas_core.api.context import RequestContext
from haas_core.api.routing import Route
from haas_core.api.schema import Body, Label
from haas_core.db import models as m
from haas_core.drivers import HeadnodeBackend, HeadnodeNic, HeadnodeVm
from haas_core.errors import (
    BadArgumentError,
    DuplicateError,
    HeadnodeError,
    IllegalStateError,
    NotFoundError,
    ProjectMismatchError,
)


class HeadnodeCreate(Body):
    project: Label
    base_img: str


class NetworkArg(Body):
    network: Label


def _backend(ctx: RequestContext) -> HeadnodeBackend:
    backend = ctx.services.headnodes
    if backend is None:
        raise HeadnodeError("No headnode backend is enabled ([plugins] headnode).")
    return backend


def _headnode(ctx: RequestContext, label: str, *, lock: bool = True) -> m.Headnode:
    """The headnode with its hnics and their networks, locked for the transaction."""
    stmt = (
        select(m.Headnode)
        .where(m.Headnode.label == label)
        .options(selectinload(m.Headnode.hnics).selectinload(m.Hnic.network))
    )
    if lock:
        stmt = stmt.with_for_update(of=m.Headnode)
    headnode = ctx.db.scalars(stmt).one_or_none()
    if headnode is None:
        raise NotFoundError(f"Headnode {label} does not exist.")
    return headnode


def _unstarted(headnode: m.Headnode) -> None:
    if headnode.dirty:
        raise IllegalStateError(
            f"Headnode {headnode.label} has been started: its hnics can no longer change."
        )


def _vm(headnode: m.Headnode) -> HeadnodeVm:
    return HeadnodeVm(
        label=headnode.label,
        uuid=headnode.uuid,
        base_img=headnode.base_img,
        nics=tuple(
            HeadnodeNic(hnic.label, hnic.network.network_id if hnic.network else None)
            for hnic in sorted(headnode.hnics, key=lambda h: h.label)
        ),
    )


def headnode_create(ctx: RequestContext, headnode: str, project: str, base_img: str) -> None:
    obj = ctx.get(m.Project, project)
    ctx.require_project(obj)
    backend = ctx.services.headnodes
    if backend is None or base_img not in backend.list_images():
        raise BadArgumentError(f"Unknown base image {base_img!r}.")
    backend.check_label(headnode)
    ctx.absent(m.Headnode, headnode)
    ctx.db.add(
        m.Headnode(
            label=headnode, project=obj, base_img=base_img, uuid=str(uuidlib.uuid4()), dirty=False
        )
    )


def headnode_delete(ctx: RequestContext, headnode: str) -> None:
    obj = _headnode(ctx, headnode)
    ctx.require_project(obj.project)
    # Even a never-started headnode goes through the backend: a first start cut short
    # by a crash may have left a VM or volumes behind, which the backend sweeps.
    if ctx.services.headnodes is not None or obj.dirty:
        _backend(ctx).delete(_vm(obj))
    ctx.db.delete(obj)


def headnode_start(ctx: RequestContext, headnode: str) -> None:
    obj = _headnode(ctx, headnode)
    ctx.require_project(obj.project)
    first = not obj.dirty
    _backend(ctx).start(_vm(obj), first=first)
    obj.dirty = True


def headnode_stop(ctx: RequestContext, headnode: str) -> None:
    obj = _headnode(ctx, headnode)
    ctx.require_project(obj.project)
    if obj.dirty:  # never started: nothing runs
        _backend(ctx).stop(_vm(obj))


def headnode_create_hnic(ctx: RequestContext, headnode: str, hnic: str) -> None:
    obj = _headnode(ctx, headnode)
    ctx.require_project(obj.project)
    _unstarted(obj)
    if any(h.label == hnic for h in obj.hnics):
        raise DuplicateError(f"Hnic {hnic} on Headnode {headnode} already exists.")
    obj.hnics.append(m.Hnic(label=hnic))


def headnode_delete_hnic(ctx: RequestContext, headnode: str, hnic: str) -> None:
    obj = _headnode(ctx, headnode)
    target = _hnic(obj, hnic)
    ctx.require_project(obj.project)
    _unstarted(obj)
    obj.hnics.remove(target)


def _hnic(headnode: m.Headnode, label: str) -> m.Hnic:
    for hnic in headnode.hnics:
        if hnic.label == label:
            return hnic
    raise NotFoundError(f"Hnic {label} on Headnode {headnode.label} does not exist.")


def headnode_connect_network(ctx: RequestContext, headnode: str, hnic: str, network: str) -> None:
    obj = _headnode(ctx, headnode)
    target = _hnic(obj, hnic)
    net = ctx.get(m.Network, network)
    ctx.require_project(obj.project)
    _unstarted(obj)
    if not net.public and obj.project not in net.access:
        raise ProjectMismatchError(f"Project {obj.project.label} has no access to {network}.")
    if not net.allocated:
        raise BadArgumentError(
            f"Network {network} has an id from outside the pool: headnodes may only be "
            "connected to networks whose id was allocated from the pool."
        )
    backend = ctx.services.headnodes
    if backend is not None:
        backend.check_network(net.network_id)
    target.network = net


def headnode_detach_network(ctx: RequestContext, headnode: str, hnic: str) -> None:
    obj = _headnode(ctx, headnode)
    target = _hnic(obj, hnic)
    ctx.require_project(obj.project)
    _unstarted(obj)
    target.network = None


def show_headnode(ctx: RequestContext, headnode: str) -> dict[str, Any]:
    obj = _headnode(ctx, headnode, lock=False)
    ctx.require_project(obj.project)
    backend = ctx.services.headnodes
    return {
        "name": obj.label,
        "project": obj.project.label,
        "hnics": sorted(h.label for h in obj.hnics),
        "vncport": backend.vnc_port(_vm(obj)) if obj.dirty and backend is not None else None,
        "uuid": obj.uuid,
        "base_img": obj.base_img,
    }


def list_headnode_images(ctx: RequestContext) -> list[str]:
    backend = ctx.services.headnodes
    return sorted(backend.list_images()) if backend is not None else []


ROUTES = [
    Route("PUT", "/headnode/<headnode>", headnode_create, HeadnodeCreate),
    Route("DELETE", "/headnode/<headnode>", headnode_delete),
    Route("POST", "/headnode/<headnode>/start", headnode_start),
    Route("POST", "/headnode/<headnode>/stop", headnode_stop),
    Route("PUT", "/headnode/<headnode>/hnic/<hnic>", headnode_create_hnic),
    Route("DELETE", "/headnode/<headnode>/hnic/<hnic>", headnode_delete_hnic),
    Route(
        "POST",
        "/headnode/<headnode>/hnic/<hnic>/connect_network",
        headnode_connect_network,
        NetworkArg,
    ),
    Route("POST", "/headnode/<headnode>/hnic/<hnic>/detach_network", headnode_detach_network),
    Route("GET", "/headnode/<headnode>", show_headnode),
    Route("GET", "/headnode_images/", list_headnode_images),
]

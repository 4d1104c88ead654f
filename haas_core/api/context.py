"""What a call gets: the request's session, the caller's identity, the services,
and the lookups and permission checks every call uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from haas_core.db import models as m
from haas_core.drivers import Identity
from haas_core.errors import AuthorizationError, DuplicateError, NotFoundError
from haas_core.services import Services

M = TypeVar("M", bound=m.Base)

#: ``select(model).where(label == :label)`` per model, built once: building the statement
#: and its cache key on every lookup cost about as much as running it (a SELECT by label).
_BY_LABEL: dict[type, Select[Any]] = {}

#: Names used in "X does not exist." messages (HIL's class names).
DISPLAY_NAMES: dict[type, str] = {
    m.Project: "Project",
    m.Node: "Node",
    m.Nic: "Nic",
    m.NodeMetadata: "Metadata",
    m.Switch: "Switch",
    m.Port: "Port",
    m.Network: "Network",
    m.Headnode: "Headnode",
    m.Hnic: "Hnic",
}


@dataclass
class RequestContext:
    db: Session
    identity: Identity
    services: Services
    request_id: str

    # ------------------------------------------------------------ permissions

    @property
    def anonymous(self) -> bool:
        return self.identity.user is None and not self.identity.is_admin

    def deny(self, what: str) -> AuthorizationError:
        if self.anonymous:
            return AuthorizationError("Authentication required.", status=401)
        return AuthorizationError(f"Not authorized: {what}.", status=403)

    def require_admin(self) -> None:
        if not self.identity.is_admin:
            raise self.deny("admin access is required")

    def require_project(self, project: m.Project | None) -> None:
        """project(X): admin, or a member of X (X None: admin only)."""
        self.require_project_named(project.label if project else None)

    def require_project_named(self, label: str | None) -> None:
        """:meth:`require_project`, given the project's label."""
        if not self.identity.in_project(label):
            raise self.deny(
                f"access to project {label} is required" if label else "admin access is required"
            )

    # ------------------------------------------------------------ lookups

    def get(self, model: type[M], label: str, **filters: Any) -> M:
        """The object of ``model`` with ``label``. :raises NotFoundError:"""
        if filters:
            obj = self.db.scalars(select(model).filter_by(label=label, **filters)).one_or_none()
        else:
            stmt = _BY_LABEL.get(model)
            if stmt is None:
                stmt = _BY_LABEL[model] = select(model).where(
                    model.label == bindparam("label")  # type: ignore[attr-defined]
                )
            obj = self.db.scalars(stmt, {"label": label}).one_or_none()
        if obj is None:
            raise NotFoundError(
                f"{DISPLAY_NAMES.get(model, model.__name__)} {label} does not exist."
            )
        return obj

    def get_child(self, model: type[M], label: str, parent: m.Base) -> M:
        """A child object (NIC, port, hnic, metadata) of ``parent``. :raises NotFoundError:"""
        obj = self.db.scalars(
            select(model).filter_by(label=label, owner_id=parent.id)  # type: ignore[attr-defined]
        ).one_or_none()
        if obj is None:
            raise NotFoundError(
                f"{DISPLAY_NAMES.get(model, model.__name__)} {label} on "
                f"{DISPLAY_NAMES[type(parent)]} {parent.label} does not exist."  # type: ignore[attr-defined]
            )
        return obj

    def absent(self, model: type[M], label: str, **filters: Any) -> None:
        """:raises DuplicateError: an object of ``model`` with ``label`` exists."""
        if self.db.scalars(select(model.id).filter_by(label=label, **filters)).first():  # type: ignore[attr-defined]
            raise DuplicateError(
                f"{DISPLAY_NAMES.get(model, model.__name__)} {label} already exists."
            )

"""The user management calls (``/auth/basic/...``) of the database auth backend."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from haas_core.api.context import RequestContext
from haas_core.api.routing import Route
from haas_core.api.schema import Body, Label
from haas_core.db import models as m
from haas_core.errors import DuplicateError, IllegalStateError, NotFoundError
from haas_plugins_auth.database.backend import DatabaseAuth
from haas_plugins_auth.database.models import User


class UserCreate(Body):
    password: str
    is_admin: bool = False


class ProjectArg(Body):
    project: Label


class AdminFlag(Body):
    is_admin: bool


def _user(ctx: RequestContext, user: str) -> User:
    row = ctx.db.scalars(select(User).where(User.label == user)).one_or_none()
    if row is None:
        raise NotFoundError(f"User {user} does not exist.")
    return row


def list_users(ctx: RequestContext) -> dict[str, dict[str, Any]]:
    users = ctx.db.scalars(select(User).options(selectinload(User.projects)))
    return {
        u.label: {"is_admin": u.is_admin, "projects": sorted(p.label for p in u.projects)}
        for u in sorted(users, key=lambda u: u.label)
    }


def user_create(ctx: RequestContext, user: str, password: str, is_admin: bool) -> None:
    if ctx.db.scalars(select(User.id).where(User.label == user)).first():
        raise DuplicateError(f"User {user} already exists.")
    # These routes exist only when the database backend is the enabled one.
    auth = ctx.services.auth
    assert isinstance(auth, DatabaseAuth)
    ctx.db.add(User(label=user, hashed_password=auth.hash_password(password), is_admin=is_admin))


def user_delete(ctx: RequestContext, user: str) -> None:
    ctx.db.delete(_user(ctx, user))


def user_add_project(ctx: RequestContext, user: str, project: str) -> None:
    row = _user(ctx, user)
    obj = ctx.get(m.Project, project)
    if obj in row.projects:
        raise DuplicateError(f"User {user} is already in project {project}.")
    row.projects.append(obj)


def user_remove_project(ctx: RequestContext, user: str, project: str) -> None:
    row = _user(ctx, user)
    obj = ctx.get(m.Project, project)
    if obj not in row.projects:
        raise NotFoundError(f"User {user} is not in project {project}.")
    row.projects.remove(obj)


def user_set_admin(ctx: RequestContext, user: str, is_admin: bool) -> None:
    row = _user(ctx, user)
    if row.label == ctx.identity.user:
        raise IllegalStateError("You cannot change your own admin flag.")
    row.is_admin = is_admin


BASE = "/auth/basic"

ROUTES = [
    Route("GET", BASE + "/users", list_users, admin_only=True),
    Route("PUT", BASE + "/user/<user>", user_create, UserCreate, admin_only=True),
    Route("DELETE", BASE + "/user/<user>", user_delete, admin_only=True),
    Route(
        "POST", BASE + "/user/<user>/add_project", user_add_project, ProjectArg, admin_only=True
    ),
    Route(
        "POST",
        BASE + "/user/<user>/remove_project",
        user_remove_project,
        ProjectArg,
        admin_only=True,
    ),
    Route("PATCH", BASE + "/user/<user>", user_set_admin, AdminFlag, admin_only=True),
]

"""The auth backend interface (``[plugins] auth``)."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
    from webob import Request


@dataclass(frozen=True)
class Identity:
    """Who is calling: an admin, or a member of ``projects`` (labels)."""

    user: str | None
    is_admin: bool = False
    projects: frozenset[str] = field(default_factory=frozenset)

    def in_project(self, project: str | None) -> bool:
        """project(X) of the spec: admin, or a member of X (X None: admin only)."""
        return self.is_admin or (project is not None and project in self.projects)


class AuthBackend(abc.ABC):
    """Answers "who is this?" for a request. One instance per process."""

    name: str
    #: Sent with a 401 (e.g. ``Basic realm="haas"``), or None.
    www_authenticate: str | None = None

    @abc.abstractmethod
    def authenticate(self, request: Request, db: Session) -> Identity | None:
        """The caller's identity; None when the request carries no credentials.

        :raises AuthorizationError: credentials were given but are wrong.
        """

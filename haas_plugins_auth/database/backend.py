"""HTTP Basic authentication against the users table.

Verifying an argon2 hash costs tens of milliseconds by design; verified
credentials are cached for a short TTL under a salted hash of the credentials
(never the password itself), so a repeated caller costs one user lookup.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import threading
import time
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from oslo_config import cfg
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from webob import Request

from haas_core.db.models import Project
from haas_core.drivers import AuthBackend, Identity
from haas_core.errors import AuthorizationError
from haas_plugins_auth.database.models import User, user_project

LOG = logging.getLogger(__name__)

MAX_CACHE_ENTRIES = 10_000

#: The caller's row, once per project (one row with project None when it has none).
_USER_QUERY = (
    select(
        User.label,
        User.hashed_password,
        User.is_admin,
        Project.label.label("project"),
    )
    .outerjoin(user_project, user_project.c.user_id == User.id)
    .outerjoin(Project, Project.id == user_project.c.project_id)
    .where(User.label == bindparam("username"))
)


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if not header:
        return None
    if scheme.lower() != "basic":
        raise AuthorizationError("Only HTTP Basic authentication is supported.")
    try:
        user, sep, password = (
            base64.b64decode(value.strip(), validate=True).decode().partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        raise AuthorizationError("Malformed Basic credentials.") from None
    if not sep:
        raise AuthorizationError("Malformed Basic credentials.")
    return user, password


class DatabaseAuth(AuthBackend):
    name = "database"
    www_authenticate = 'Basic realm="haas"'

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        group = conf.auth_database
        self.ttl: float = group.cache_ttl_seconds
        self.hasher = PasswordHasher(
            time_cost=group.password_hash_time_cost,
            memory_cost=group.password_hash_memory_kib,
        )
        # Verified against when the user does not exist, so both failures cost the same.
        self._dummy_hash = self.hasher.hash("haas-no-such-user")
        self._salt = os.urandom(16)
        self._cache: dict[bytes, tuple[str, str, float]] = {}
        self._lock = threading.Lock()
        self._gates: dict[bytes, threading.Lock] = {}

    def hash_password(self, password: str) -> str:
        return self.hasher.hash(password)

    def _cache_key(self, user: str, password: str) -> bytes:
        return hashlib.sha256(self._salt + user.encode() + b"\0" + password.encode()).digest()

    def authenticate(self, request: Request, db: Session) -> Identity | None:
        creds = _basic_credentials(request)
        if creds is None:
            return None
        username, password = creds
        # One plain SELECT (user joined to its projects), not ORM objects: this runs on
        # every request, and two ORM queries cost more than many calls themselves.
        rows = db.execute(_USER_QUERY, {"username": username}).all()
        row = rows[0] if rows else None
        key = self._cache_key(username, password)
        if not self._fresh(key, row):
            # One request per credentials pays for the slow hash check; the others
            # that arrive meanwhile (a cold or expired cache) wait for its verdict.
            with self._lock:
                gate = self._gates.setdefault(key, threading.Lock())
            with gate:
                try:
                    if not self._fresh(key, row):
                        self._verify(row.hashed_password if row else None, password)
                        assert row is not None
                        with self._lock:
                            if len(self._cache) >= MAX_CACHE_ENTRIES:
                                self._cache.clear()
                            expires = time.monotonic() + self.ttl
                            self._cache[key] = (row.label, row.hashed_password, expires)
                finally:
                    with self._lock:
                        self._gates.pop(key, None)
        assert row is not None
        return Identity(
            user=row.label,
            is_admin=row.is_admin,
            projects=frozenset(r.project for r in rows if r.project is not None),
        )

    def _fresh(self, key: bytes, row: Any) -> bool:
        """Whether ``key`` was verified recently against the user's current hash."""
        cached = self._cache.get(key)
        return bool(
            cached
            and row
            and cached[0] == row.label
            and cached[1] == row.hashed_password
            and cached[2] > time.monotonic()
        )

    def _verify(self, hashed_password: str | None, password: str) -> None:
        try:
            self.hasher.verify(
                self._dummy_hash if hashed_password is None else hashed_password, password
            )
            ok = hashed_password is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            LOG.info("authentication failed")
            raise AuthorizationError("Invalid username or password.")

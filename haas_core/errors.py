"""The errors the API answers with.

Each class name is the ``type`` field of the JSON error body and carries its
HTTP status; see ``spec/api.md`` section 2.
"""

from __future__ import annotations


class HaasError(Exception):
    """Base of every error a client may see."""

    status: int = 500

    def __init__(self, msg: str = "") -> None:
        super().__init__(msg)
        self.msg = msg

    def to_json(self) -> dict[str, str]:
        return {"type": type(self).__name__, "msg": self.msg}


class ValidationError(HaasError):
    status = 400


class BadArgumentError(HaasError):
    status = 400


class AuthorizationError(HaasError):
    """401 when the caller is unknown, 403 when known but not allowed."""

    status = 401

    def __init__(self, msg: str = "", *, status: int = 401) -> None:
        super().__init__(msg)
        self.status = status


class NotFoundError(HaasError):
    status = 404


class MethodNotAllowed(HaasError):
    status = 405

    def __init__(self, msg: str = "", allowed: list[str] | None = None) -> None:
        super().__init__(msg)
        self.allowed = sorted(allowed or [])


class DuplicateError(HaasError):
    status = 409


class ProjectMismatchError(HaasError):
    status = 409


class BlockedError(HaasError):
    status = 409


class IllegalStateError(HaasError):
    status = 409


class AllocationError(HaasError):
    status = 409


class OBMError(HaasError):
    status = 502


class HeadnodeError(HaasError):
    """The hypervisor failed or could not be reached (what it did was undone)."""

    status = 502


class SwitchError(HaasError):
    status = 502


class SwitchConnectionError(SwitchError):
    """The switch could not be reached or logged into; trying again may help."""


class ServerError(HaasError):
    status = 500


class ConfigError(Exception):
    """A start-up problem: bad configuration or plugin set. Not an API error."""

"""What switch and OBM drivers share: a name, aliases and a ``driver_info`` schema."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class DriverInfo(BaseModel):
    """Base of a driver's ``driver_info`` schema: strict types, no unknown keys."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Driver:
    """A driver chosen per object (switch, node) by the ``type`` of its registration.

    :cvar name: the short type name (``mock``, ``nexus``, ``ipmi``).
    :cvar aliases: other accepted type names, e.g. HIL's api_name URLs.
    :cvar Info: the pydantic schema of the driver's fields.
    :cvar secret_fields: fields of ``Info`` encrypted at rest, never returned or logged.
    """

    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    Info: ClassVar[type[DriverInfo]] = DriverInfo
    secret_fields: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, info: DriverInfo) -> None:
        self.info = info

"""Argument validation: labels and strict pydantic schemas with clear messages."""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic import ValidationError as PydanticValidationError

from haas_core.db.models import LABEL
from haas_core.errors import ValidationError


def check_label(value: str, what: str = "label") -> str:
    """A label is 1-255 characters, none of them a control character."""
    if not value:
        raise ValidationError(f"{what}: must not be empty")
    if len(value) > LABEL:
        raise ValidationError(f"{what}: longer than {LABEL} characters")
    if any(unicodedata.category(ch) == "Cc" for ch in value):
        raise ValidationError(f"{what}: contains control characters")
    return value


def _label(value: str) -> str:
    try:
        return check_label(value, "label")
    except ValidationError as exc:
        raise ValueError(exc.msg.removeprefix("label: ")) from None


#: A body field naming an object.
Label = Annotated[str, AfterValidator(_label)]


class Body(BaseModel):
    """Base of request schemas: strict types, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def describe_errors(exc: PydanticValidationError, prefix: str = "") -> str:
    """One message naming each offending key."""
    parts = []
    for err in exc.errors():
        key = prefix + ".".join(str(p) for p in err["loc"])
        if err["type"] == "extra_forbidden":
            parts.append(f"unknown key {key!r}")
        elif err["type"] == "missing":
            parts.append(f"missing required key {key!r}")
        else:
            parts.append(f"{key!r}: {err['msg']}")
    return "; ".join(parts)


def validate(model: type[BaseModel], data: Any, prefix: str = "") -> BaseModel:
    """``model`` built from ``data``. :raises ValidationError: naming the keys."""
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        raise ValidationError(describe_errors(exc, prefix)) from None

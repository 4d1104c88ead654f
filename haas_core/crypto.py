"""Encryption at rest of driver secrets (passwords, tokens) with Fernet."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from haas_core.errors import ConfigError

PREFIX = "fernet:"


def generate_key() -> str:
    return Fernet.generate_key().decode()


class SecretBox:
    """Seals and opens the secret fields of a driver_info dict."""

    def __init__(self, key: str) -> None:
        if not key:
            raise ConfigError(
                "[DEFAULT] secret_key is not set: generate one with "
                "'haas-manage generate-secret-key' and put it in the configuration file"
            )
        try:
            self._fernet = Fernet(key.encode())
        except (ValueError, TypeError) as exc:
            raise ConfigError("[DEFAULT] secret_key is not a valid Fernet key") from exc

    def seal(self, info: dict[str, Any], secret_fields: Iterable[str]) -> dict[str, Any]:
        sealed = dict(info)
        for name in secret_fields:
            if isinstance(sealed.get(name), str):
                sealed[name] = PREFIX + self._fernet.encrypt(sealed[name].encode()).decode()
        return sealed

    def open(self, info: dict[str, Any], secret_fields: Iterable[str]) -> dict[str, Any]:
        opened = dict(info)
        for name in secret_fields:
            value = opened.get(name)
            if isinstance(value, str) and value.startswith(PREFIX):
                try:
                    opened[name] = self._fernet.decrypt(value[len(PREFIX) :].encode()).decode()
                except InvalidToken as exc:
                    raise ConfigError(
                        f"cannot decrypt the stored {name!r}: [DEFAULT] secret_key changed?"
                    ) from exc
        return opened

    def seal_value(self, value: str) -> str:
        return self.seal({"v": value}, ["v"])["v"]

    def open_value(self, value: str) -> str:
        return self.open({"v": value}, ["v"])["v"]

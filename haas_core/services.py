"""The per-process assembly: configuration, database, plugins and their drivers."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import pluggy
from oslo_config import cfg

from haas_core.crypto import SecretBox
from haas_core.db.engine import Database
from haas_core.drivers import (
    AuthBackend,
    Driver,
    HeadnodeBackend,
    NetworkAllocator,
    ObmDriver,
    SwitchDriver,
)
from haas_core.errors import BadArgumentError, ConfigError
from haas_core.plugins import build_plugin_manager, enabled_plugin_names

LOG = logging.getLogger(__name__)

D = TypeVar("D", bound=Driver)
T = TypeVar("T")


class DriverRegistry(Generic[D]):
    """Driver classes by type name (short names and aliases)."""

    def __init__(self, kind: str, classes: Iterable[type[D]]) -> None:
        self.kind = kind
        self._by_name: dict[str, type[D]] = {}
        for driver in classes:
            for name in (driver.name, *driver.aliases):
                other = self._by_name.get(name)
                if other is not None and other is not driver:
                    raise ConfigError(
                        f"duplicate {kind} driver name {name!r}: {other.__module__}."
                        f"{other.__qualname__} and {driver.__module__}.{driver.__qualname__}"
                    )
                self._by_name[name] = driver

    def get(self, type_name: str) -> type[D]:
        """The driver for ``type_name``. :raises BadArgumentError: unknown type."""
        try:
            return self._by_name[type_name]
        except KeyError:
            raise BadArgumentError(f"Unknown {self.kind} type {type_name!r}.") from None

    def names(self) -> list[str]:
        return sorted({d.name for d in self._by_name.values()})


def _flatten(results: Iterable[list[T] | None]) -> list[T]:
    return [item for result in results if result for item in result]


def _single(kind: str, classes: list[type[T]], wanted: str, conf: cfg.ConfigOpts) -> T:
    matches = [c for c in classes if getattr(c, "name", None) == wanted]
    if len(matches) != 1:
        raise ConfigError(
            f"[plugins] {kind} = {wanted}: expected one {kind} named {wanted!r}, "
            f"found {len(matches)}"
        )
    return matches[0](conf)  # type: ignore[call-arg]


@dataclass
class Services:
    conf: cfg.ConfigOpts
    db: Database
    pm: pluggy.PluginManager
    secrets: SecretBox
    switch_drivers: DriverRegistry[SwitchDriver]
    obm_drivers: DriverRegistry[ObmDriver]
    allocator: NetworkAllocator
    auth: AuthBackend
    headnodes: HeadnodeBackend | None
    active_extensions: list[str] = field(default_factory=list)


def build_services(
    conf: cfg.ConfigOpts, extra_plugins: Iterable[object] = (), *, startup: bool = True
) -> Services:
    """Load plugins, check them, connect the database and run the start-up hooks.

    :raises ConfigError: with a one-line message naming what is wrong.
    """
    pm = build_plugin_manager(conf, extra_plugins)
    hook = pm.hook
    hook.haas_register_config_options(conf=conf)
    enabled = enabled_plugin_names(conf)
    auth_classes = _flatten(hook.haas_register_auth_backends())
    allocators = _flatten(hook.haas_register_network_allocators())
    headnode_classes = _flatten(hook.haas_register_headnode_backends())
    headnode_name = next(iter(enabled["haas.headnodes"]), None)
    services = Services(
        conf=conf,
        db=Database(
            conf.database.connection,
            conf.database.pool_size,
            prepared_statements=conf.database.prepared_statements,
        ),
        pm=pm,
        secrets=SecretBox(conf.secret_key),
        switch_drivers=DriverRegistry("switch", _flatten(hook.haas_register_switch_drivers())),
        obm_drivers=DriverRegistry("OBM", _flatten(hook.haas_register_obm_drivers())),
        allocator=_single("network_allocator", allocators, conf.plugins.network_allocator, conf),
        auth=_single("auth", auth_classes, conf.plugins.auth, conf),
        headnodes=(
            _single("headnode", headnode_classes, headnode_name, conf) if headnode_name else None
        ),
        active_extensions=sorted(
            f"{group}.{name}" for group, names in enabled.items() for name in names
        ),
    )
    if startup:
        with services.db.session() as db, db.begin():
            hook.haas_startup(services=services, db=db)
    return services

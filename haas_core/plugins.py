"""Loading the enabled plugins: stevedore finds them, pluggy wires their hooks.

The plugin manager is built by :func:`build_plugin_manager` at start-up, never
at import time; tests build their own with in-memory plugins.
"""

from __future__ import annotations

import logging
import types
from collections.abc import Iterable
from typing import Any

import pluggy
from oslo_config import cfg
from stevedore import NamedExtensionManager

from haas_core import hookspecs
from haas_core.errors import ConfigError

LOG = logging.getLogger(__name__)

#: ``[plugins]`` option -> entry point group.
PLUGIN_GROUPS: dict[str, str] = {
    "auth": "haas.auth",
    "switches": "haas.switches",
    "obm": "haas.obm",
    "headnode": "haas.headnodes",
    "network_allocator": "haas.network_allocators",
}


def enabled_plugin_names(conf: cfg.ConfigOpts) -> dict[str, list[str]]:
    """``{entry point group: [enabled names]}`` as the configuration says."""
    enabled: dict[str, list[str]] = {}
    for option, group in PLUGIN_GROUPS.items():
        value = conf.plugins[option]
        names = [value] if isinstance(value, str) else list(value)
        # A plugin named twice is enabled once.
        enabled[group] = list(dict.fromkeys(n for n in names if n))
    return enabled


def _load_group(group: str, names: list[str]) -> list[tuple[str, Any]]:
    def missing(found: Iterable[str]) -> None:
        raise ConfigError(
            f"plugin(s) {', '.join(sorted(found))} enabled in [plugins] but not installed "
            f"(entry point group {group})"
        )

    def failed(_manager: Any, entrypoint: Any, exc: BaseException) -> None:
        raise ConfigError(f"plugin {entrypoint.name} ({group}) failed to load: {exc}") from exc

    manager: NamedExtensionManager[Any] = NamedExtensionManager(
        group,
        names,
        invoke_on_load=False,
        name_order=True,
        on_missing_entrypoints_callback=missing,
        on_load_failure_callback=failed,
    )
    return [(ext.name, ext.plugin) for ext in manager]


def build_plugin_manager(
    conf: cfg.ConfigOpts, extra_plugins: Iterable[object] = ()
) -> pluggy.PluginManager:
    """A plugin manager holding exactly the enabled plugins (plus ``extra_plugins``).

    :raises ConfigError: an enabled plugin is not installed, fails to import, or
        implements a hook that does not exist.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for group, names in enabled_plugin_names(conf).items():
        for name, plugin in _load_group(group, names):
            # One module may serve several groups; its hooks are wired once.
            if not pm.is_registered(plugin):
                _register(pm, plugin, f"{group}:{name}")
    for plugin in extra_plugins:
        _register(pm, plugin, None)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise ConfigError(f"plugin {_describe(pm, exc.plugin)}: {exc}") from exc
    return pm


def _register(pm: pluggy.PluginManager, plugin: object, name: str | None) -> None:
    """Register ``plugin``; a hook implementation whose arguments do not fit its spec
    is a ConfigError (pluggy's multi-line message joined into one line)."""
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        detail = "; ".join(line.strip() for line in str(exc).splitlines()[1:] if line.strip())
        raise ConfigError(f"plugin {name or _describe(pm, plugin)}: {detail or exc}") from exc


def _describe(pm: pluggy.PluginManager, plugin: object) -> str:
    """``haas.switches:mock`` for an enabled plugin, the module or class name otherwise."""
    name = pm.get_name(plugin)
    if name and not name.isdigit():
        return name
    if isinstance(plugin, types.ModuleType):
        return plugin.__name__
    cls = plugin if isinstance(plugin, type) else type(plugin)
    return f"{cls.__module__}.{cls.__qualname__}"

"""docs/plugins.md keeps up with the code: every hook with its exact signature, no hook
that does not exist, every entry point group and every abstract driver method."""

from __future__ import annotations

import inspect
import pkgutil
import re
from collections.abc import Callable
from importlib.metadata import distribution
from pathlib import Path
from typing import Any

import pytest

from haas_core import drivers, hookspecs

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "plugins.md"

HOOKS: dict[str, Callable[..., Any]] = {
    name: func
    for name, func in vars(hookspecs).items()
    if name.startswith("haas_") and inspect.isfunction(func)
}


def signature_text(func: Callable[..., Any]) -> str:
    """``name(arg: Ann, ...) -> Ret`` as written in the source.

    The module uses ``from __future__ import annotations``, so annotations are the
    source strings (``str(inspect.signature())`` would quote them).
    """
    sig = inspect.signature(func)
    params: list[str] = []
    for param in sig.parameters.values():
        assert param.kind is not param.POSITIONAL_ONLY, "not supported here"
        if param.kind is param.KEYWORD_ONLY and not any(p.startswith("*") for p in params):
            params.append("*")
        text = {param.VAR_POSITIONAL: "*", param.VAR_KEYWORD: "**"}.get(param.kind, "")
        text += param.name
        if param.annotation is not param.empty:
            text += f": {param.annotation}"
        if param.default is not param.empty:
            text += f" = {param.default!r}"
        params.append(text)
    result = f"{func.__name__}({', '.join(params)})"
    if sig.return_annotation is not sig.empty:
        result += f" -> {sig.return_annotation}"
    return result


def doc() -> str:
    return DOC.read_text()


def test_hookspecs_module_defines_hooks() -> None:
    assert "haas_register_switch_drivers" in HOOKS
    assert len(HOOKS) >= 9


def test_signature_text_matches_the_source() -> None:
    source = inspect.getsource(hookspecs)
    for func in HOOKS.values():
        assert f"def {signature_text(func)}:" in source


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_every_hook_is_documented_with_its_exact_signature(name: str) -> None:
    text = signature_text(HOOKS[name])
    assert f"`{text}`" in doc(), f"document {text} in docs/plugins.md"


def test_docs_name_no_hook_that_does_not_exist() -> None:
    # A hook-like word: haas_ then a name, not a module path (haas_core.x, haas_acme/,
    # haas_x:list_opts) nor a pattern (haas_register_*).
    words = set(re.findall(r"\bhaas_[a-z0-9_]*[a-z0-9](?![\w.*/:])", doc()))
    packages = {module.name for module in pkgutil.iter_modules([str(ROOT)])}
    unknown = sorted(words - HOOKS.keys() - packages)
    assert unknown == []


def test_every_entry_point_group_is_documented() -> None:
    groups = {ep.group for ep in distribution("haas").entry_points}
    groups -= {"console_scripts"}
    assert {"haas.switches", "haas.migrations", "oslo.config.opts"} <= groups
    documented = doc()
    for group in sorted(groups | {"haas.headnodes"}):
        assert f"`{group}`" in documented, group


@pytest.mark.parametrize(
    "cls",
    [
        drivers.SwitchDriver,
        drivers.SwitchSession,
        drivers.ObmDriver,
        drivers.HeadnodeBackend,
        drivers.NetworkAllocator,
        drivers.AuthBackend,
    ],
    ids=lambda cls: cls.__name__,
)
def test_every_abstract_driver_method_is_documented(cls: type) -> None:
    documented = doc()
    assert f"`{cls.__name__}`" in documented
    for method in sorted(getattr(cls, "__abstractmethods__", ())):
        # Bound class methods already leave ``cls`` out.
        params = [p for p in inspect.signature(getattr(cls, method)).parameters if p != "self"]
        assert f"`{method}({', '.join(params)})`" in documented, f"{cls.__name__}.{method}"

"""Plugin loading: what a plugin can add, and how a broken plugin set stops start-up.

Test plugins are tiny classes handed to ``build_services(conf, extra_plugins=...)``;
nothing is registered globally.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from oslo_config import cfg
from sqlalchemy import select
from sqlalchemy.orm import Session
from stevedore import ExtensionManager

from haas_core.api.context import RequestContext
from haas_core.api.routing import Route
from haas_core.api.schema import Body
from haas_core.db.models import Switch
from haas_core.drivers import DriverInfo, ObmDriver, ObmNode, SwitchDriver, SwitchSession
from haas_core.errors import BadArgumentError, ConfigError
from haas_core.hookspecs import hookimpl
from haas_core.services import Services, build_services
from haas_core.switches import switch_driver
from tests.support.app import Api, make_conf

NULL_AUTH = {"plugins": {"auth": "null"}}


# ---------------------------------------------------------------- in-memory plugins


class RecordingInfo(DriverInfo):
    address: str
    token: str


class RecordingSession(SwitchSession):
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def modify_port(self, port: str, channel: str, network_id: str | None) -> None:
        self.calls.append(("modify_port", port, channel, network_id))

    def revert_port(self, port: str) -> None:
        self.calls.append(("revert_port", port))

    def get_port_networks(self, ports: Sequence[str]) -> dict[str, dict[str, str]]:
        return {port: {} for port in ports}


class RecordingSwitchDriver(SwitchDriver):
    """A switch type no installed plugin provides."""

    name = "recording"
    aliases = ("http://example.org/switches/recording",)
    Info = RecordingInfo
    secret_fields = frozenset({"token"})
    capabilities = ("recording",)

    @classmethod
    def validate_port_name(cls, port: str) -> None:
        if not port.startswith("port"):
            raise BadArgumentError(f"Invalid port name {port!r}: expected port<N>.")

    def open_session(self) -> SwitchSession:
        return RecordingSession()


class RecordingSwitchPlugin:
    @hookimpl
    def haas_register_switch_drivers(self) -> list[type[SwitchDriver]]:
        return [RecordingSwitchDriver]


class OtherMockSwitchDriver(RecordingSwitchDriver):
    name = "mock"
    aliases = ()


class OtherMockSwitchPlugin:
    @hookimpl
    def haas_register_switch_drivers(self) -> list[type[SwitchDriver]]:
        return [OtherMockSwitchDriver]


class AliasThiefSwitchDriver(RecordingSwitchDriver):
    name = "thief"
    # The mock switch's HIL api_name.
    aliases = ("http://schema.massopencloud.org/haas/v0/switches/mock",)


class AliasThiefPlugin:
    @hookimpl
    def haas_register_switch_drivers(self) -> list[type[SwitchDriver]]:
        return [AliasThiefSwitchDriver]


class OtherMockObmDriver(ObmDriver):
    name = "mock"

    def power_on(self, node: ObmNode) -> None: ...

    def power_off(self, node: ObmNode) -> None: ...

    def power_cycle(self, node: ObmNode, force: bool) -> None: ...

    def power_status(self, node: ObmNode) -> str:
        return "Off"

    def set_bootdev(self, node: ObmNode, bootdev: str) -> None: ...


class OtherMockObmPlugin:
    @hookimpl
    def haas_register_obm_drivers(self) -> list[type[ObmDriver]]:
        return [OtherMockObmDriver]


class MisspeltHookPlugin:
    @hookimpl
    def haas_register_swich_drivers(self) -> list[type[SwitchDriver]]:
        return [RecordingSwitchDriver]


class WrongArgumentPlugin:
    @hookimpl
    def haas_startup(self, services: Services, db: Session, when: str) -> None: ...


class Greeting(Body):
    greeting: str


def greet(ctx: RequestContext, name: str) -> dict[str, str]:
    return {"hello": name}


def set_greeting(ctx: RequestContext, name: str, greeting: str) -> dict[str, str]:
    return {greeting: name}


class GreetingRoutesPlugin:
    @hookimpl
    def haas_register_api_routes(self) -> list[Route]:
        return [
            Route("GET", "/greeting/<name>", greet),
            Route("POST", "/greeting/<name>", set_greeting, Greeting, status=201),
        ]


# ---------------------------------------------------------------- fixtures


Build = Callable[..., Services]


@pytest.fixture
def build(tmp_path: Path) -> Iterator[Build]:
    """``build(db_url, overrides, extra_plugins)``: services, disposed afterwards."""
    built: list[Services] = []

    def make(
        db_url: str,
        overrides: dict[str, dict[str, Any]] | None = None,
        extra_plugins: Sequence[object] = (),
    ) -> Services:
        conf = make_conf(tmp_path / f"haas{len(built)}.conf", db_url, overrides)
        services = build_services(conf, extra_plugins=extra_plugins)
        built.append(services)
        return services

    yield make
    for services in built:
        services.db.dispose()


def start_up_error(
    tmp_path: Path,
    overrides: dict[str, dict[str, Any]] | None = None,
    extra_plugins: Sequence[object] = (),
) -> str:
    """The message start-up fails with (checked to be a single line)."""
    # Start-up fails before the database is touched: a file that does not exist yet.
    conf: cfg.ConfigOpts = make_conf(
        tmp_path / "haas.conf", f"sqlite:///{tmp_path / 'unused.db'}", overrides
    )
    with pytest.raises(ConfigError) as info:
        build_services(conf, extra_plugins=extra_plugins)
    message = str(info.value)
    assert message
    assert "\n" not in message
    return message


# ---------------------------------------------------------------- start-up failures


def test_enabled_plugin_that_is_not_installed_stops_start_up(tmp_path: Path) -> None:
    message = start_up_error(tmp_path, {"plugins": {"switches": "mock, nosuch"}})
    assert "nosuch" in message
    assert "not installed" in message
    assert "haas.switches" in message


def test_unknown_network_allocator_stops_start_up(tmp_path: Path) -> None:
    message = start_up_error(tmp_path, {"plugins": {"network_allocator": "vlan_poool"}})
    assert "vlan_poool" in message
    assert "haas.network_allocators" in message


def test_installed_plugin_that_fails_to_import_stops_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    dist = site / "haas_broken_switch-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: haas-broken-switch\n")
    (dist / "entry_points.txt").write_text("[haas.switches]\nbroken = haas_broken_switch\n")
    (site / "haas_broken_switch.py").write_text(
        textwrap.dedent(
            """
            raise ImportError("the vendor SDK is missing")
            """
        )
    )
    monkeypatch.syspath_prepend(str(site))
    # stevedore remembers each group's entry points for the life of the process.
    monkeypatch.setattr(ExtensionManager, "ENTRY_POINT_CACHE", {})
    message = start_up_error(tmp_path, {"plugins": {"switches": "mock, broken"}})
    assert "broken" in message
    assert "haas.switches" in message
    assert "the vendor SDK is missing" in message


def test_duplicate_switch_driver_name_stops_start_up(tmp_path: Path) -> None:
    message = start_up_error(tmp_path, extra_plugins=[OtherMockSwitchPlugin()])
    assert "duplicate switch driver name 'mock'" in message
    assert "MockSwitchDriver" in message
    assert "OtherMockSwitchDriver" in message


def test_switch_driver_alias_taken_by_another_driver_stops_start_up(tmp_path: Path) -> None:
    message = start_up_error(tmp_path, extra_plugins=[AliasThiefPlugin()])
    assert "http://schema.massopencloud.org/haas/v0/switches/mock" in message
    assert "AliasThiefSwitchDriver" in message


def test_duplicate_obm_driver_name_stops_start_up(tmp_path: Path) -> None:
    message = start_up_error(tmp_path, extra_plugins=[OtherMockObmPlugin()])
    assert "duplicate OBM driver name 'mock'" in message
    assert "OtherMockObmDriver" in message


def test_misspelt_hook_implementation_stops_start_up(tmp_path: Path) -> None:
    message = start_up_error(tmp_path, extra_plugins=[MisspeltHookPlugin()])
    assert "haas_register_swich_drivers" in message
    assert "MisspeltHookPlugin" in message


def test_hook_implementation_with_an_unknown_argument_stops_start_up(tmp_path: Path) -> None:
    message = start_up_error(tmp_path, extra_plugins=[WrongArgumentPlugin()])
    assert "WrongArgumentPlugin" in message
    assert "haas_startup" in message
    assert "'when'" in message


def test_plugin_named_twice_in_config_is_enabled_once(build: Build, db_url: str) -> None:
    services = build(db_url, {"plugins": {"switches": "mock, mock"}})
    assert services.active_extensions.count("haas.switches.mock") == 1
    assert services.switch_drivers.names() == ["mock"]


# ---------------------------------------------------------------- what plugins add


def test_in_memory_plugin_adds_a_switch_type_usable_through_the_api(
    build: Build, db_url: str
) -> None:
    services = build(db_url, NULL_AUTH, [RecordingSwitchPlugin()])
    assert services.switch_drivers.names() == ["mock", "recording"]
    api = Api(services)

    body = {"type": "recording", "address": "10.0.0.9", "token": "s3cret"}
    assert api.put("/v0/switch/sw1", body).status_int == 200
    by_alias = {**body, "type": "http://example.org/switches/recording"}
    assert api.put("/v0/switch/sw2", by_alias).status_int == 200
    assert api.get("/v0/switch/sw1").json == {
        "name": "sw1",
        "ports": [],
        "capabilities": ["recording"],
    }
    # The driver's schema and port names are the plugin's.
    missing = api.put("/v0/switch/sw3", {"type": "recording", "address": "10.0.0.9"})
    assert missing.status_int == 400
    assert "token" in missing.json["msg"]
    assert api.put("/v0/switch/sw1/port/port7").status_int == 200
    assert api.put("/v0/switch/sw1/port/gi1/0/1").status_int == 400
    assert api.get("/v0/switch/sw1").json["ports"] == [{"label": "port7"}]

    with services.db.session() as db:
        stored = db.scalars(select(Switch).where(Switch.label == "sw2")).one()
        assert stored.driver == "recording"
        assert stored.driver_info["address"] == "10.0.0.9"
        assert "s3cret" not in str(stored.driver_info)
        # The agent's driver gets the decrypted fields.
        driver = switch_driver(services, stored)
    assert isinstance(driver, RecordingSwitchDriver)
    assert driver.info == RecordingInfo(address="10.0.0.9", token="s3cret")
    assert driver.label == "sw2"


def test_switch_type_of_a_plugin_not_loaded_is_refused(build: Build, db_url: str) -> None:
    api = Api(build(db_url, NULL_AUTH))
    body = {"type": "recording", "address": "10.0.0.9", "token": "s3cret"}
    resp = api.put("/v0/switch/sw1", body)
    assert resp.status_int == 400
    assert resp.json["type"] == "BadArgumentError"
    assert "recording" in resp.json["msg"]


@pytest.mark.parametrize(
    ("plugins", "expected"),
    [
        (
            {"auth": "null"},
            [
                "haas.auth.null",
                "haas.network_allocators.vlan_pool",
                "haas.obm.mock",
                "haas.switches.mock",
            ],
        ),
        (
            {"auth": "null", "obm": "", "switches": "", "network_allocator": "null"},
            ["haas.auth.null", "haas.network_allocators.null"],
        ),
    ],
)
def test_active_extensions_lists_exactly_the_enabled_plugins(
    build: Build, db_url: str, plugins: dict[str, str], expected: list[str]
) -> None:
    api = Api(build(db_url, {"plugins": plugins}, [RecordingSwitchPlugin()]))
    resp = api.get("/v0/active_extensions")
    assert resp.status_int == 200
    assert resp.json == expected


def test_api_routes_hook_adds_calls(build: Build, db_url: str) -> None:
    api = Api(build(db_url, NULL_AUTH, [GreetingRoutesPlugin()]))
    assert api.get("/v0/greeting/bob").json == {"hello": "bob"}
    assert api.get("/greeting/bob").json == {"hello": "bob"}
    created = api.post("/v0/greeting/bob", {"greeting": "hi"})
    assert created.status_int == 201
    assert created.json == {"hi": "bob"}
    # The plugin's schema is enforced like a core call's.
    bad = api.post("/v0/greeting/bob", {"greeting": "hi", "extra": 1})
    assert bad.status_int == 400
    assert "extra" in bad.json["msg"]


def test_routes_of_a_plugin_not_loaded_do_not_exist(build: Build, db_url: str) -> None:
    api = Api(build(db_url, NULL_AUTH))
    resp = api.get("/v0/greeting/bob")
    assert resp.status_int == 404
    assert resp.json["type"] == "NotFoundError"

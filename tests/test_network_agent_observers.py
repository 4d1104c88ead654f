"""Observers hear every applied action through ``haas_networking_action_applied``,
and an observer that fails cannot break the agent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from haas_core.hookspecs import hookimpl
from haas_core.services import build_services
from tests.conftest import USERS, seed_users
from tests.support.agent import agent_thread, wait_for_action
from tests.support.app import Api, make_conf
from tests.test_network_agent import (
    AGENT_OPTS,
    cabled_nodes,
    connect,
    create_networks,
    register_switch,
)


class Recorder:
    def __init__(self) -> None:
        self.heard: list[dict[str, Any]] = []

    @hookimpl
    def haas_networking_action_applied(self, action: dict[str, Any]) -> None:
        self.heard.append(action)


class Broken:
    @hookimpl
    def haas_networking_action_applied(self, action: dict[str, Any]) -> None:
        raise RuntimeError("observer bug")


def test_observers_hear_each_outcome_and_a_failing_observer_breaks_nothing(
    db_url: str, tmp_path: Path
) -> None:
    options = {"network_agent": AGENT_OPTS}
    api_services = build_services(make_conf(tmp_path / "api.conf", db_url, options))
    recorder = Recorder()
    agent_services = build_services(
        make_conf(tmp_path / "agent.conf", db_url, options), extra_plugins=[Broken(), recorder]
    )
    try:
        seed_users(api_services, USERS)
        api = Api(api_services, {name: pw for name, (pw, _, _) in USERS.items()})
        register_switch(api, "sw1")
        register_switch(api, "sw2", simulate_failure="login refused")
        (good,) = cabled_nodes(api, "sw1", 1)
        (bad,) = cabled_nodes(api, "sw2", 1)
        create_networks(api, "pub")
        with agent_thread(agent_services):
            done = connect(api, good, "pub")
            failed = connect(api, bad, "pub")
            assert wait_for_action(api, done)["status"] == "DONE"
            assert wait_for_action(api, failed)["status"] == "ERROR"
        heard = {action["id"]: action for action in recorder.heard}
        assert set(heard) == {done, failed}
        assert heard[done] == {**api.get(f"/v0/networking_action/{done}").json, "id": done}
        assert heard[failed]["status"] == "ERROR"
        assert heard[failed]["error"] == "login refused"
    finally:
        api_services.db.dispose()
        agent_services.db.dispose()

"""The network agent (docs/network-agent.md): actions applied end to end, several agents
at once, an agent killed mid-batch or stopped with SIGTERM, failing, unreachable and hanging
switches, and actions whose port, NIC, network or switch vanished after they were queued.

Where the behaviour is about processes the agents are real ``haas-network-agent``
processes; the others run an agent in a thread of the test. After every scenario the mock
switches' state must equal the attachments the database records.
"""

from __future__ import annotations

import re
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import webtest
from sqlalchemy import delete, select, update

from haas_core.agent import claims
from haas_core.agent.apply import record_outcomes
from haas_core.agent.runner import Agent
from haas_core.db import models as m
from haas_core.drivers import SwitchDriver, SwitchSession
from haas_core.errors import SwitchConnectionError, SwitchError
from haas_core.hookspecs import hookimpl
from haas_core.services import Services, build_services
from haas_plugins_switches.mock.driver import MockSwitchDriver, MockSwitchSession
from haas_plugins_switches.mock.models import MockSwitchApplication, MockSwitchPortVlan
from tests.conftest import USERS, MakeServices, seed_users
from tests.support.agent import agent_thread, start_agent_process, stop_process, wait_for_action
from tests.support.app import Api, make_conf, write_config

SWITCH = {"type": "mock", "hostname": "sw", "username": "sw-admin", "password": "sw-pw"}
PUBLIC = {"owner": "admin", "access": "", "net_id": ""}
#: Agent options for every test: quick polls and a quick takeover of a dead agent's switches.
AGENT_OPTS = {
    "poll_interval_seconds": 0.05,
    "fallback_poll_seconds": 0.5,
    "lease_seconds": 2,
    "retry_backoff_seconds": 0.01,
}
#: How long any wait may last before the test fails (the machine may be busy).
WAIT = 90.0
ACTION_LINE = re.compile(r"action ([0-9a-f-]{36}) switch=\S+ port=\S+ (DONE|ERROR)")


# ------------------------------------------------------------------ the world


def ok(resp: webtest.TestResponse) -> webtest.TestResponse:
    assert resp.status_int in (200, 202), resp.text
    return resp


def register_switch(api: Api, name: str, **fields: Any) -> None:
    ok(api.put(f"/v0/switch/{name}", {**SWITCH, **fields}))


def cabled_nodes(api: Api, switch: str, count: int, project: str = "p1") -> list[str]:
    """``count`` nodes of ``project``, each with NIC eth0 cabled to its own port of
    ``switch`` (gi1/0/1, ...), written directly to the database; the node labels."""
    with api.services.db.session() as db, db.begin():
        sw = db.scalars(select(m.Switch).where(m.Switch.label == switch)).one()
        proj = db.scalars(select(m.Project).where(m.Project.label == project)).one()
        labels = []
        for i in range(1, count + 1):
            port = m.Port(owner=sw, label=f"gi1/0/{i}")
            node = m.Node(label=f"{switch}-n{i}", project=proj)
            node.nics.append(m.Nic(label="eth0", macaddr=f"{switch}-{i}", port=port))
            db.add_all([port, node])
            labels.append(node.label)
    return labels


def create_networks(api: Api, *names: str) -> dict[str, str]:
    """Public networks; their ids on the wire."""
    for name in names:
        ok(api.put(f"/v0/network/{name}", PUBLIC))
    listed = api.get("/v0/networks").json
    return {name: listed[name]["network_id"] for name in names}


def connect(api: Api, node: str, network: str, channel: str | None = None) -> str:
    body = {"network": network} if channel is None else {"network": network, "channel": channel}
    return str(ok(api.post(f"/v0/node/{node}/nic/eth0/connect_network", body)).json["status_id"])


def detach(api: Api, node: str, network: str) -> str:
    resp = api.post(f"/v0/node/{node}/nic/eth0/detach_network", {"network": network})
    return str(ok(resp).json["status_id"])


def revert(api: Api, switch: str, port: str) -> str:
    return str(ok(api.post(f"/v0/switch/{switch}/port/{port}/revert")).json["status_id"])


# ------------------------------------------------------------------ what happened


def actions(services: Services) -> dict[str, tuple[str, str | None]]:
    """uuid -> (status, error) of every action."""
    with services.db.session(write=False) as db:
        rows = db.execute(
            select(m.NetworkingAction.uuid, m.NetworkingAction.status, m.NetworkingAction.error)
        )
        return {uuid: (status, error) for uuid, status, error in rows}


def status_counts(services: Services) -> Counter[str]:
    return Counter(status for status, _ in actions(services).values())


def switch_state(services: Services) -> set[tuple[str, str, str, str]]:
    """What the mock switches carry: (switch, port, channel, network id)."""
    with services.db.session(write=False) as db:
        rows = db.execute(
            select(
                m.Switch.label,
                MockSwitchPortVlan.port,
                MockSwitchPortVlan.channel,
                MockSwitchPortVlan.network_id,
            ).join(m.Switch, m.Switch.id == MockSwitchPortVlan.switch_id)
        )
        return {tuple(row) for row in rows}  # type: ignore[misc]


def recorded_attachments(services: Services) -> set[tuple[str, str, str, str]]:
    """What the database says the switches carry: (switch, port, channel, network id)."""
    with services.db.session(write=False) as db:
        rows = db.execute(
            select(m.Switch.label, m.Port.label, m.NetworkAttachment.channel, m.Network.network_id)
            .select_from(m.NetworkAttachment)
            .join(m.Nic, m.Nic.id == m.NetworkAttachment.nic_id)
            .join(m.Port, m.Port.id == m.Nic.port_id)
            .join(m.Switch, m.Switch.id == m.Port.owner_id)
            .join(m.Network, m.Network.id == m.NetworkAttachment.network_id)
        )
        return {tuple(row) for row in rows}  # type: ignore[misc]


def assert_switches_match_database(services: Services) -> set[tuple[str, str, str, str]]:
    state = switch_state(services)
    assert state == recorded_attachments(services), "the switches and the database disagree"
    return state


def applications(services: Services) -> Counter[tuple[str, str, str, str | None, str | None]]:
    """How often each change was sent to a mock switch: (switch, port, op, channel, net id)."""
    with services.db.session(write=False) as db:
        rows = db.execute(
            select(
                m.Switch.label,
                MockSwitchApplication.port,
                MockSwitchApplication.operation,
                MockSwitchApplication.channel,
                MockSwitchApplication.network_id,
            ).join(m.Switch, m.Switch.id == MockSwitchApplication.switch_id)
        )
        return Counter(tuple(row) for row in rows)  # type: ignore[misc]


def expected_change(services: Services, status_id: str) -> tuple[str, str, str, str | None, Any]:
    """The change an action asks of its switch, as the mock's application log records it."""
    with services.db.session(write=False) as db:
        action = db.scalars(
            select(m.NetworkingAction).where(m.NetworkingAction.uuid == status_id)
        ).one()
        assert action.switch is not None and action.port_label is not None
        network = action.new_network.network_id if action.new_network else None
        return (action.switch.label, action.port_label, action.type, action.channel, network)


def wait_until(
    what: str,
    predicate: Callable[[], bool],
    timeout: float = WAIT,
    agents: Sequence[AgentProcess] = (),
) -> None:
    """Poll until ``predicate()``; fail naming ``what`` (and any agent that died)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        for agent in agents:
            if agent.proc.poll() is not None:
                raise AssertionError(
                    f"agent {agent.name} exited ({agent.proc.returncode}) while waiting for "
                    f"{what}:\n{agent.log_tail()}"
                )
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {a.name}\n{a.log_tail()}" for a in agents)
            raise AssertionError(f"gave up after {timeout:g} s waiting for {what}\n{logs}")
        time.sleep(0.05)


def wait_until_settled(services: Services, agents: Sequence[AgentProcess] = ()) -> None:
    wait_until(
        "every action to be DONE or ERROR",
        lambda: status_counts(services)["PENDING"] == 0,
        agents=agents,
    )


# ------------------------------------------------------------------ agent processes


@dataclass
class AgentProcess:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def logged_actions(self) -> list[tuple[str, str]]:
        """(uuid, outcome) of every action this agent logged as applied."""
        return ACTION_LINE.findall(self.log_text())


StartAgents = Callable[..., list[AgentProcess]]


@pytest.fixture
def start_agents(db_url: str, tmp_path: Path) -> Iterator[StartAgents]:
    """``start_agents(*names, **network_agent_options)``: ``haas-network-agent`` processes,
    returned once they all run; any still alive at the end is killed by its PID."""
    started: list[AgentProcess] = []

    def start(*names: str, **options: Any) -> list[AgentProcess]:
        conf = write_config(
            tmp_path / f"{names[0]}.conf", db_url, {"network_agent": {**AGENT_OPTS, **options}}
        )
        agents = []
        for name in names:
            log = tmp_path / f"{name}.log"
            agents.append(AgentProcess(name, start_agent_process(conf, log), log))
        started.extend(agents)
        for agent in agents:
            wait_until(
                f"agent {agent.name} to start",
                lambda agent=agent: " started with " in agent.log_text(),
                agents=[agent],
            )
        return agents

    try:
        yield start
    finally:
        for agent in started:
            if agent.proc.poll() is None:
                agent.proc.kill()
                agent.proc.wait(timeout=30)


@pytest.fixture
def agent_services(make_services: MakeServices) -> Services:
    """Services for an agent in a thread of the test, on the same database as ``api``."""
    return make_services({"network_agent": AGENT_OPTS})


# ------------------------------------------------------------------ end to end


def test_connect_detach_and_revert_are_applied_end_to_end_by_an_agent_process(
    api: Api, start_agents: StartAgents
) -> None:
    register_switch(api, "sw")
    n1, n2 = cabled_nodes(api, "sw", 2)
    ids = create_networks(api, "pub", "tagged")
    tagged = f"vlan/{ids['tagged']}"
    (agent,) = start_agents("agent")

    def run(*status_ids: str) -> None:
        for status_id in status_ids:
            assert wait_for_action(api, status_id, timeout=WAIT)["status"] == "DONE"

    run(connect(api, n1, "pub"), connect(api, n2, "pub"))
    run(connect(api, n1, "tagged", tagged))
    assert assert_switches_match_database(api.services) == {
        ("sw", "gi1/0/1", "vlan/native", ids["pub"]),
        ("sw", "gi1/0/1", tagged, ids["tagged"]),
        ("sw", "gi1/0/2", "vlan/native", ids["pub"]),
    }
    run(detach(api, n1, "pub"))
    assert assert_switches_match_database(api.services) == {
        ("sw", "gi1/0/1", tagged, ids["tagged"]),
        ("sw", "gi1/0/2", "vlan/native", ids["pub"]),
    }
    run(revert(api, "sw", "gi1/0/2"))
    assert assert_switches_match_database(api.services) == {
        ("sw", "gi1/0/1", tagged, ids["tagged"])
    }
    assert stop_process(agent.proc) == 0
    assert " stopped" in agent.log_text()


# ------------------------------------------------------------------ several agents


def test_two_agent_processes_apply_200_actions_on_10_switches_exactly_once(
    api: Api, start_agents: StartAgents
) -> None:
    nodes: list[str] = []
    for i in range(10):
        register_switch(api, f"sw{i}", per_change_seconds=0.01)
        nodes += cabled_nodes(api, f"sw{i}", 5)
    ids = create_networks(api, "a", "b", "c")
    # The claims of a live agent must hold however slow the machine is: a long lease.
    agents = start_agents("agent1", "agent2", lease_seconds=60)
    # Four rounds of one action per NIC; each round waits for the last (one pending per NIC).
    rounds: list[Callable[[str], str]] = [
        lambda node: connect(api, node, "a"),
        lambda node: connect(api, node, "b", f"vlan/{ids['b']}"),
        lambda node: detach(api, node, "b"),
        lambda node: connect(api, node, "c", f"vlan/{ids['c']}"),
    ]
    queued: list[str] = []
    for number, queue in enumerate(rounds, 1):
        queued += [queue(node) for node in nodes]
        wait_until(
            f"round {number} to be applied",
            lambda: status_counts(api.services)["PENDING"] == 0,
            agents=agents,
        )
    assert len(queued) == 200
    assert actions(api.services) == {uuid: ("DONE", None) for uuid in queued}
    # Every action reached its switch exactly once ...
    expected = Counter(expected_change(api.services, uuid) for uuid in queued)
    assert len(expected) == 200, "each action asks for a change of its own"
    assert applications(api.services) == expected
    # ... and exactly one agent applied it.
    logged = [entry for agent in agents for entry in agent.logged_actions()]
    assert sorted(logged) == sorted((uuid, "DONE") for uuid in queued)
    for agent in agents:
        assert agent.logged_actions(), f"agent {agent.name} applied nothing: not two at once"
    state = assert_switches_match_database(api.services)
    assert len(state) == 100  # a native and a tagged network on each of the 50 ports
    for agent in agents:
        assert stop_process(agent.proc) == 0, agent.log_tail()


def test_actions_streaming_in_while_outcomes_are_slow_to_write_are_each_applied_once(
    api: Api, agent_services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker looks for more work before its last outcomes are written: the actions
    still PENDING in the database but already applied must not be applied again."""
    from haas_core.agent import runner

    def slow_record_outcomes(db: Any, outcomes: Any) -> Any:
        time.sleep(0.15)  # outcomes lag well behind the switch
        return record_outcomes(db, outcomes)

    monkeypatch.setattr(runner, "record_outcomes", slow_record_outcomes)
    register_switch(api, "sw", per_change_seconds=0.01)
    nodes = cabled_nodes(api, "sw", 12)
    create_networks(api, "a")
    with agent_thread(agent_services):
        queued = []
        for node in nodes:  # one at a time, while the earlier ones are being applied
            queued.append(connect(api, node, "a"))
            time.sleep(0.02)
        wait_until_settled(api.services)
    assert actions(api.services) == {uuid: ("DONE", None) for uuid in queued}
    expected = Counter(expected_change(api.services, uuid) for uuid in queued)
    assert applications(api.services) == expected, "an action was applied twice"
    assert_switches_match_database(api.services)


# ------------------------------------------------------------------ a dead agent, a stopped agent


def test_agent_killed_mid_batch_then_restarted_leaves_every_action_applied_and_switches_matching(
    api: Api, start_agents: StartAgents
) -> None:
    nodes: list[str] = []
    for name in ("sw0", "sw1"):
        register_switch(api, name, per_change_seconds=0.25)
        nodes += cabled_nodes(api, name, 8)
    create_networks(api, "pub")
    queued = [connect(api, node, "pub") for node in nodes]
    (first,) = start_agents("first")
    wait_until(
        "the first agent to apply some actions",
        lambda: status_counts(api.services)["DONE"] >= 2,
        agents=[first],
    )
    first.proc.send_signal(signal.SIGKILL)
    assert first.proc.wait(timeout=30) == -signal.SIGKILL
    left = status_counts(api.services)["PENDING"]
    assert left > 0, "the kill did not land mid-batch"
    with api.services.db.session(write=False) as db:
        held = db.scalars(select(m.Switch.claimed_by).where(m.Switch.claimed_by.is_not(None)))
        assert list(held), "the dead agent left no claim to take over"
    # Until the switches are taken over, each may carry a change the dead agent never recorded.
    (second,) = start_agents("second")
    wait_until_settled(api.services, agents=[second])
    assert actions(api.services) == {uuid: ("DONE", None) for uuid in queued}
    assert_switches_match_database(api.services)
    sent = applications(api.services)
    per_action = [sent[expected_change(api.services, uuid)] for uuid in queued]
    # Each applied at least once; only an action in flight at the kill was sent again.
    assert set(per_action) <= {1, 2}
    assert per_action.count(2) <= 2
    second_did = {uuid for uuid, _ in second.logged_actions()}
    assert len(second_did) >= left
    assert stop_process(second.proc) == 0


def test_sigterm_finishes_the_batch_in_hand_then_exits_zero_without_claiming_more(
    api: Api, start_agents: StartAgents
) -> None:
    register_switch(api, "sw0", per_change_seconds=0.3)
    register_switch(api, "sw1")
    create_networks(api, "pub")
    batch = [connect(api, node, "pub") for node in cabled_nodes(api, "sw0", 5)]
    (late_node,) = cabled_nodes(api, "sw1", 1)
    (agent,) = start_agents("agent")
    wait_until(
        "the agent to apply the first action of the batch",
        lambda: status_counts(api.services)["DONE"] >= 1,
        agents=[agent],
    )
    agent.proc.send_signal(signal.SIGTERM)
    wait_until(
        "the agent to acknowledge SIGTERM",
        lambda: "stopping after the batches in hand" in agent.log_text(),
    )
    late = connect(api, late_node, "pub")
    assert agent.proc.wait(timeout=WAIT) == 0, agent.log_tail()
    assert actions(api.services) == {
        **{uuid: ("DONE", None) for uuid in batch},
        late: ("PENDING", None),
    }
    assert_switches_match_database(api.services)
    with api.services.db.session(write=False) as db:
        assert list(db.scalars(select(m.Switch.claimed_by))) == [None, None], "claims not released"


def test_stopping_an_agent_again_after_its_loop_ended_is_harmless(
    agent_services: Services,
) -> None:
    """A second SIGTERM, or a stop from another thread racing the end of the loop, comes
    after the loop closed its wake-up channel: it must not write to a closed descriptor."""
    agent = Agent(agent_services)
    thread = threading.Thread(target=agent.run, name="agent-under-test", daemon=True)
    thread.start()
    agent.stop()
    thread.join(timeout=WAIT)
    assert not thread.is_alive(), "the agent did not stop"
    agent.stop()
    assert agent.stopping.is_set()


# ------------------------------------------------------------------ failing switches


def test_failing_switch_errors_its_actions_with_the_drivers_message_and_other_switches_are_done(
    api: Api, agent_services: Services
) -> None:
    message = "Login to bad.example refused: bad credentials"
    register_switch(api, "bad", simulate_failure=message)
    register_switch(api, "good")
    create_networks(api, "pub")
    bad = [connect(api, node, "pub") for node in cabled_nodes(api, "bad", 3)]
    good = [connect(api, node, "pub") for node in cabled_nodes(api, "good", 3)]
    with agent_thread(agent_services):
        wait_until_settled(api.services)
    assert actions(api.services) == {
        **{uuid: ("ERROR", message) for uuid in bad},
        **{uuid: ("DONE", None) for uuid in good},
    }
    for uuid in bad:
        body = api.get(f"/v0/networking_action/{uuid}").json
        assert body["status"] == "ERROR" and body["error"] == message and body["finished"]
    assert {s for s, *_ in assert_switches_match_database(api.services)} == {"good"}
    assert {s for s, *_ in applications(api.services)} == {"good"}
    bad_node = api.get("/v0/node/bad-n1").json
    assert bad_node["nics"][0]["networks"] == {}


# A switch type whose ports misbehave on purpose, for failures the mock cannot simulate.
HANG_PORT, REFUSE_PORT, APPLY_THEN_HANG_PORT = "gi1/0/1", "gi1/0/3", "gi1/0/5"
HANG_THEN_APPLY_PORT = "gi1/0/7"
REFUSAL = "Port gi1/0/3 is administratively down."


class ScriptedSession(MockSwitchSession):
    """The mock switch, except that HANG_PORT hangs and REFUSE_PORT refuses changes."""

    release = threading.Event()
    #: Lets the change on HANG_THEN_APPLY_PORT reach the switch, long after it timed out.
    late_release = threading.Event()

    def modify_port(self, port: str, channel: str, network_id: str | None) -> None:
        if port == HANG_THEN_APPLY_PORT:
            self.late_release.wait(WAIT)
        if port == HANG_PORT:
            self.release.wait(WAIT)
            raise SwitchError("released at the end of the test; never applied")
        if port == REFUSE_PORT:
            raise SwitchError(REFUSAL)
        super().modify_port(port, channel, network_id)
        if port == APPLY_THEN_HANG_PORT:  # the switch made the change, then went quiet
            self.release.wait(WAIT)


class ScriptedSwitchDriver(MockSwitchDriver):
    name = "scripted"
    aliases = ()

    def open_session(self) -> SwitchSession:
        return ScriptedSession(self.switch_id, self.info, self.database)


class UnreachableSwitchDriver(MockSwitchDriver):
    name = "unreachable"
    aliases = ()
    logins: list[str] = []

    def open_session(self) -> SwitchSession:
        self.logins.append(self.label)
        raise SwitchConnectionError(f"Cannot reach {self.label}: connection refused.")


class FailurePlugin:
    @hookimpl
    def haas_register_switch_drivers(self) -> list[type[SwitchDriver]]:
        return [ScriptedSwitchDriver, UnreachableSwitchDriver]


@pytest.fixture
def scripted(db_url: str, tmp_path: Path) -> Iterator[tuple[Api, Services]]:
    """An API and an agent's services that know the scripted and unreachable switches."""
    options = {"network_agent": {**AGENT_OPTS, "action_timeout_seconds": 3, "connect_retries": 2}}
    built = [
        build_services(
            make_conf(tmp_path / f"scripted{i}.conf", db_url, options),
            extra_plugins=[FailurePlugin()],
        )
        for i in range(2)
    ]
    seed_users(built[0], USERS)
    ScriptedSession.release.clear()
    ScriptedSession.late_release.clear()
    UnreachableSwitchDriver.logins.clear()
    try:
        yield Api(built[0], {name: pw for name, (pw, _, _) in USERS.items()}), built[1]
    finally:
        ScriptedSession.release.set()  # the hung driver calls may end now
        ScriptedSession.late_release.set()
        for services in built:
            services.db.dispose()


def test_driver_hanging_past_the_action_timeout_errors_and_the_next_action_on_that_switch_works(
    scripted: tuple[Api, Services],
) -> None:
    api, agent_services = scripted
    register_switch(api, "hs", type="scripted")
    hung, fine, refused, after = cabled_nodes(api, "hs", 4)
    create_networks(api, "pub")
    batch = {name: connect(api, name, "pub") for name in (hung, fine, refused)}
    with agent_thread(agent_services):
        wait_until_settled(api.services)
        # A batch of its own, after the hang: the switch is still driven.
        later = connect(api, after, "pub")
        assert wait_for_action(api, later, timeout=WAIT)["status"] == "DONE"
    assert actions(api.services) == {
        batch[hung]: ("ERROR", "Switch hs did not answer within 3 s."),
        batch[fine]: ("DONE", None),
        batch[refused]: ("ERROR", REFUSAL),
        later: ("DONE", None),
    }
    assert {port for _, port, *_ in assert_switches_match_database(api.services)} == {
        "gi1/0/2",
        "gi1/0/4",
    }


def test_change_a_switch_made_before_hanging_is_taken_back_so_switch_and_database_agree(
    scripted: tuple[Api, Services],
) -> None:
    """The action times out and is ERROR, so the database records no attachment; the
    worker reads the port back and takes away the network the switch put on it anyway."""
    api, agent_services = scripted
    register_switch(api, "hs", type="scripted")
    nodes = cabled_nodes(api, "hs", 5)
    ids = create_networks(api, "pub")
    fine = connect(api, nodes[1], "pub")
    hung = connect(api, nodes[4], "pub")  # on APPLY_THEN_HANG_PORT, last of the batch
    with agent_thread(agent_services):
        wait_until_settled(api.services)
    assert actions(api.services) == {
        fine: ("DONE", None),
        hung: ("ERROR", "Switch hs did not answer within 3 s."),
    }
    assert {port for _, port, *_ in assert_switches_match_database(api.services)} == {"gi1/0/2"}
    made = applications(api.services)
    assert made[("hs", APPLY_THEN_HANG_PORT, "modify_port", "vlan/native", ids["pub"])] == 1
    assert made[("hs", APPLY_THEN_HANG_PORT, "revert_port", None, None)] == 1
    assert api.get(f"/v0/node/{nodes[4]}").json["nics"][0]["networks"] == {}


def test_a_hung_change_that_lands_after_the_port_was_read_back_is_taken_back_later(
    scripted: tuple[Api, Services],
) -> None:
    """The abandoned change reaches the switch after the read-back that followed its
    timeout (a request already on its way): one action timeout later the port is read
    back again and the change taken away, so switch and database agree."""
    api, agent_services = scripted
    register_switch(api, "hs", type="scripted")
    nodes = cabled_nodes(api, "hs", 7)
    ids = create_networks(api, "pub")
    late = connect(api, nodes[6], "pub")  # on HANG_THEN_APPLY_PORT
    landed = ("hs", HANG_THEN_APPLY_PORT, "modify_port", "vlan/native", ids["pub"])
    taken_back = ("hs", HANG_THEN_APPLY_PORT, "revert_port", None, None)
    with agent_thread(agent_services):
        wait_until_settled(api.services)
        # The next action reads the unsure port back first: it carries nothing yet.
        after = connect(api, nodes[1], "pub")
        assert wait_for_action(api, after, timeout=WAIT)["status"] == "DONE"
        assert applications(api.services)[taken_back] == 0
        ScriptedSession.late_release.set()
        wait_until("the late change to land", lambda: applications(api.services)[landed] == 1)
        wait_until(
            "the late read-back to take it away",
            lambda: applications(api.services)[taken_back] == 1,
        )
    assert actions(api.services) == {
        late: ("ERROR", "Switch hs did not answer within 3 s."),
        after: ("DONE", None),
    }
    assert {port for _, port, *_ in assert_switches_match_database(api.services)} == {"gi1/0/2"}
    assert api.get(f"/v0/node/{nodes[6]}").json["nics"][0]["networks"] == {}


def test_unreachable_switch_is_retried_then_its_batch_errors_and_other_switches_are_done(
    scripted: tuple[Api, Services],
) -> None:
    api, agent_services = scripted
    register_switch(api, "uw", type="unreachable")
    register_switch(api, "ok")
    create_networks(api, "pub")
    lost = [connect(api, node, "pub") for node in cabled_nodes(api, "uw", 3)]
    fine = [connect(api, node, "pub") for node in cabled_nodes(api, "ok", 2)]
    with agent_thread(agent_services):
        wait_until_settled(api.services)
    message = "Cannot reach uw: connection refused."
    assert actions(api.services) == {
        **{uuid: ("ERROR", message) for uuid in lost},
        **{uuid: ("DONE", None) for uuid in fine},
    }
    # One login and its two retries for the whole batch, not one per action.
    assert UnreachableSwitchDriver.logins == ["uw"] * 3
    assert {s for s, *_ in assert_switches_match_database(api.services)} == {"ok"}


# ------------------------------------------------------------------ vanished targets


def _vanish_nic_port(db: Any) -> None:
    db.execute(update(m.Nic).values(port_id=None))


def _vanish_nic(db: Any) -> None:
    db.execute(delete(m.Nic))


def _vanish_port(db: Any) -> None:
    _vanish_nic_port(db)
    db.execute(delete(m.Port))


def _vanish_network(db: Any) -> None:
    db.execute(delete(m.Network))


def _vanish_switch(db: Any) -> None:
    _vanish_port(db)
    db.execute(delete(m.Switch))


def _vanish_driver(db: Any) -> None:
    db.execute(update(m.Switch).values(driver="uninstalled"))


VANISHED = {
    "nic uncabled": (
        _vanish_nic_port,
        "Nic eth0 of node sw-n1 is no longer connected to port gi1/0/1.",
    ),
    "nic deleted": (_vanish_nic, "Nic eth0 of node sw-n1 no longer exists."),
    "port deleted": (_vanish_port, "Port gi1/0/1 no longer exists."),
    "network deleted": (_vanish_network, "Network pub no longer exists."),
    "switch deleted": (_vanish_switch, "The switch of this action no longer exists."),
    "switch driver uninstalled": (
        _vanish_driver,
        "Cannot use switch sw: Unknown switch type 'uninstalled'.",
    ),
}


@pytest.mark.parametrize("what", list(VANISHED))
def test_action_whose_target_vanished_after_queueing_ends_error_naming_it_and_nothing_spins(
    api: Api, agent_services: Services, what: str
) -> None:
    vanish, message = VANISHED[what]
    register_switch(api, "sw")
    (node,) = cabled_nodes(api, "sw", 1)
    create_networks(api, "pub")
    status_id = connect(api, node, "pub")
    with api.services.db.session() as db, db.begin():
        vanish(db)
    with agent_thread(agent_services):
        body = wait_for_action(api, status_id, timeout=WAIT)
        assert (body["status"], body["error"]) == ("ERROR", message)
        assert body["finished"] is not None
        # Nothing is left to do, and nothing is retried: no work, no claim, nothing sent.
        assert claims.switches_with_work(agent_services.db, ()) == []
        time.sleep(10 * AGENT_OPTS["poll_interval_seconds"])
        assert actions(api.services) == {status_id: ("ERROR", message)}
    assert applications(api.services) == Counter()
    assert assert_switches_match_database(api.services) == set()
    with api.services.db.session(write=False) as db:
        assert (
            list(db.scalars(select(m.Switch.claimed_by).where(m.Switch.claimed_by.is_not(None))))
            == []
        )

"""Waking the network agent (haas_core/agent/wakeup.py): on PostgreSQL each queued
action's notification names its switch, the waiter hands those switches to the
dispatcher, and the dispatcher looks at the table only for switches it does not already
drive (docs/network-agent.md)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import insert, select

from haas_core.agent import claims
from haas_core.agent.runner import Agent, IdleSession
from haas_core.agent.wakeup import PgNotifyWaiter, Waiter
from haas_core.db import models as m
from haas_core.networking import PENDING
from haas_core.services import Services
from tests.support.app import Api

SWITCH = {"type": "mock", "hostname": "sw", "username": "u", "password": "p"}
PG = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


def queue(services: Services, *switch_ids: int | None) -> None:
    """Actions inserted in one statement, as any writer might."""
    with services.db.session() as db, db.begin():
        db.execute(
            insert(m.NetworkingAction),
            [
                {
                    "uuid": str(uuid.uuid4()),
                    "type": "revert_port",
                    "status": PENDING,
                    "switch_id": switch_id,
                }
                for switch_id in switch_ids
            ],
        )


def switch_ids(api: Api, *labels: str) -> list[int]:
    for label in labels:
        api.put(f"/v0/switch/{label}", SWITCH)
    with api.services.db.session() as db:
        return [
            db.scalars(select(m.Switch.id).where(m.Switch.label == label)).one()
            for label in labels
        ]


@pytest.fixture
def waiter(api: Api) -> Iterator[PgNotifyWaiter]:
    waiter = PgNotifyWaiter(api.services.db, interval=5.0)
    yield waiter
    waiter.close()


def wait_named(waiter: PgNotifyWaiter) -> set[int] | None:
    started = time.monotonic()
    named = waiter.wait()
    assert time.monotonic() - started < 4, "no notification came"
    return named


@PG
def test_a_queued_action_wakes_the_waiter_with_its_switch(
    api: Api, waiter: PgNotifyWaiter
) -> None:
    one, two = switch_ids(api, "sw1", "sw2")
    queue(api.services, one, two, one)
    named = wait_named(waiter)
    if named != {one, two}:  # the two may come in two reads
        assert named is not None and named <= {one, two}
        assert (named | (wait_named(waiter) or set())) == {one, two}


@PG
def test_an_action_without_a_switch_or_a_wake_asks_for_a_full_look(
    api: Api, waiter: PgNotifyWaiter
) -> None:
    (one,) = switch_ids(api, "sw1")
    queue(api.services, one, None)
    assert wait_named(waiter) is None
    waiter.wake()
    assert wait_named(waiter) is None


def test_the_polling_waiter_never_knows_the_switches() -> None:
    waiter = Waiter(0.01)
    assert waiter.wait() is None
    waiter.wake()
    assert waiter.wait(busy=True) is None


# --------------------------------------------------------------- the dispatcher


@pytest.fixture
def agent(services: Services) -> Iterator[Agent]:
    agent = Agent(services)
    yield agent
    agent.recorder.close()
    agent._waiter.close()


def test_work_named_for_switches_the_agent_drives_needs_no_look(
    agent: Agent, monkeypatch: pytest.MonkeyPatch
) -> None:
    looks: list[object] = []
    monkeypatch.setattr(claims, "find_work", lambda *args, **kw: looks.append(args) or ([], False))
    waiting = IdleSession(agent, 7, seconds=5)
    agent._busy.update({7, 8})
    agent._idle_sessions[7] = waiting
    agent.dispatch({8})  # its worker is mid-batch and looks again by itself
    assert looks == [] and not waiting.has_work
    agent.dispatch({7, 8})  # 7 waits with its session open: resumed, still no look
    assert looks == [] and waiting.has_work
    agent.dispatch({8, 9})  # 9 is nobody's here: look
    assert len(looks) == 1
    agent.dispatch(None)  # unknown: look
    assert len(looks) == 2

"""Claims on switches (haas_core/agent/claims.py) and the API's writes do not get in each
other's way: queueing an action on a switch locks its row against key changes only (the
foreign key check), and a claim changes no key, so it must not wait for, or skip, a
switch whose actions are being queued."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from haas_core.agent import claims
from haas_core.db import models as m
from tests.support.app import Api

SWITCH = {"type": "mock", "hostname": "sw", "username": "u", "password": "p"}


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_switch_is_claimed_while_a_request_writing_a_row_that_refers_to_it_is_open(
    api: Api,
) -> None:
    api.put("/v0/switch/sw", SWITCH)
    db = api.services.db
    with db.session() as request, request.begin():
        # A request in flight: its insert referring to the switch holds FOR KEY SHARE on
        # the switch's row until it commits, as queue_action's insert of an action does.
        switch_id = request.scalars(select(m.Switch.id).where(m.Switch.label == "sw")).one()
        request.add(m.Port(owner_id=switch_id, label="gi1/0/9"))
        request.flush()
        assert claims.claim_many(db, [switch_id], "agent-a", 60) == [switch_id]
    with db.session() as check:
        assert check.scalars(select(m.Switch.claimed_by)).one() == "agent-a"
        assert check.scalars(select(m.Port.label)).one() == "gi1/0/9"


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_a_switch_another_agent_is_claiming_is_skipped_not_waited_for(api: Api) -> None:
    api.put("/v0/switch/sw", SWITCH)
    db = api.services.db
    with db.session() as other_agent, other_agent.begin():
        switch_id = other_agent.scalars(
            select(m.Switch.id).where(m.Switch.label == "sw").with_for_update(key_share=True)
        ).one()
        assert claims.claim_many(db, [switch_id], "agent-b", 60) == []

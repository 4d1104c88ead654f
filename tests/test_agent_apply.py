"""Recording many outcomes in one transaction (haas_core/agent/apply.py
``record_outcomes``) leaves the database as recording each alone would: on SQLite and
on PostgreSQL, with connects, detaches, a revert, an error and an action that is no
longer PENDING in one group."""

from __future__ import annotations

from sqlalchemy import select, update

from haas_core.agent.apply import pending_jobs, record_outcomes
from haas_core.db import models as m
from tests.support.app import Api
from tests.test_network_agent import (
    cabled_nodes,
    connect,
    create_networks,
    detach,
    register_switch,
)


def attachments(api: Api) -> set[tuple[str, str, str]]:
    with api.services.db.session(write=False) as db:
        rows = db.execute(
            select(m.Node.label, m.NetworkAttachment.channel, m.Network.label)
            .join(m.Nic, m.Nic.id == m.NetworkAttachment.nic_id)
            .join(m.Node, m.Node.id == m.Nic.owner_id)
            .join(m.Network, m.Network.id == m.NetworkAttachment.network_id)
        )
        return {tuple(row) for row in rows}  # type: ignore[misc]


def record_all(api: Api, errors: dict[str, str], cancel: str | None = None) -> list[dict | None]:
    """Read every pending action of switch sw, then (after marking ``cancel`` ERROR, as if
    something else got there first) record each DONE, or ERROR with ``errors[uuid]``."""
    with api.services.db.session(write=False) as db:
        switch_id = db.scalars(select(m.Switch.id).where(m.Switch.label == "sw")).one()
        jobs = pending_jobs(db, switch_id, 100)
    if cancel is not None:
        with api.services.db.session() as db, db.begin():
            db.execute(
                update(m.NetworkingAction)
                .where(m.NetworkingAction.uuid == cancel)
                .values(status="ERROR", error="cancelled")
            )
    with api.services.db.session() as db, db.begin():
        return record_outcomes(db, [(job, errors.get(job.uuid)) for job in jobs])


def statuses(api: Api) -> dict[str, tuple[str, str | None]]:
    with api.services.db.session(write=False) as db:
        rows = db.execute(
            select(m.NetworkingAction.uuid, m.NetworkingAction.status, m.NetworkingAction.error)
        )
        return {uuid: (status, error) for uuid, status, error in rows}


def test_one_group_of_outcomes_records_what_each_would_alone(api: Api) -> None:
    register_switch(api, "sw")
    n1, n2, n3, n4, n5 = cabled_nodes(api, "sw", 5)
    ids = create_networks(api, "a", "b")
    for node in (n1, n2, n3, n4):
        connect(api, node, "a")
    record_all(api, {})
    assert attachments(api) == {(n, "vlan/native", "a") for n in (n1, n2, n3, n4)}

    tagged = connect(api, n1, "b", f"vlan/{ids['b']}")  # a second network on n1
    detached = detach(api, n2, "a")
    reverted = str(api.post("/v0/switch/sw/port/gi1/0/3/revert").json["status_id"])
    failed = connect(api, n5, "b")
    gone = detach(api, n4, "a")  # no longer PENDING by the time it is recorded
    shown = record_all(api, {failed: "Port gi1/0/5 is administratively down."}, cancel=gone)

    assert attachments(api) == {
        (n1, "vlan/native", "a"),
        (n1, f"vlan/{ids['b']}", "b"),
        (n4, "vlan/native", "a"),
    }
    assert {uuid: statuses(api)[uuid] for uuid in (tagged, detached, reverted, failed, gone)} == {
        tagged: ("DONE", None),
        detached: ("DONE", None),
        reverted: ("DONE", None),
        failed: ("ERROR", "Port gi1/0/5 is administratively down."),
        gone: ("ERROR", "cancelled"),
    }
    # What observers hear, in the order the outcomes were given (the stale one: nothing).
    assert [s and (s["id"], s["status"]) for s in shown] == [
        (tagged, "DONE"),
        (detached, "DONE"),
        (reverted, "DONE"),
        (failed, "ERROR"),
        None,
    ]

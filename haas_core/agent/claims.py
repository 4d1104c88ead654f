"""Claims: which agent drives which switch, held as a lease on the switch row.

A claim is taken under ``SELECT ... FOR NO KEY UPDATE SKIP LOCKED`` on the switch row
(on SQLite, ``BEGIN IMMEDIATE`` serialises the same statements), so two agents
never hold one switch; it lasts ``lease_seconds`` unless renewed, so a dead
agent's switches are taken over once its leases run out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, exists, func, or_, select, update

from haas_core.db import models as m
from haas_core.db.engine import PREPARED, Database
from haas_core.networking import ERROR, PENDING


def _free_or_expired(now: dt.datetime) -> ColumnElement[bool]:
    return or_(m.Switch.claim_expires.is_(None), m.Switch.claim_expires < now)


def switches_with_work(
    database: Database, exclude: Collection[int], holder: str | None = None
) -> list[int]:
    """Switches with PENDING actions that no live agent holds (or ``holder`` holds),
    oldest work first."""
    return find_work(database, exclude, holder)[0]


def find_work(
    database: Database, exclude: Collection[int], holder: str | None = None
) -> tuple[list[int], bool]:
    """:func:`switches_with_work`, and whether PENDING actions whose switch is gone exist
    (see :func:`fail_orphans`): one query for both, as the dispatcher runs this on every wake."""
    now = m.utcnow()
    claimable = _free_or_expired(now)
    if holder is not None:
        claimable = or_(claimable, m.Switch.claimed_by == holder)
    with database.session(write=False) as db:
        rows = db.execute(
            select(m.NetworkingAction.switch_id)
            .outerjoin(m.Switch, m.Switch.id == m.NetworkingAction.switch_id)
            .where(
                m.NetworkingAction.status == PENDING,
                or_(m.NetworkingAction.switch_id.is_(None), claimable),
            )
            .group_by(m.NetworkingAction.switch_id)
            .order_by(func.min(m.NetworkingAction.id))
            .execution_options(**{PREPARED: True})
        ).scalars()
        found = list(rows)
    return [sid for sid in found if sid is not None and sid not in exclude], None in found


def claim_many(
    database: Database, switch_ids: Sequence[int], agent: str, lease: float
) -> list[int]:
    """Claim those of ``switch_ids`` that are free (or whose lease expired), in one
    transaction: a dispatch that finds many switches with work takes the write lock once,
    not once a switch (on SQLite each wait behind the API's writes delayed a switch's
    start). Returns the claimed ids, in the order given."""
    if not switch_ids:
        return []
    now = m.utcnow()
    with database.session() as db, db.begin():
        free = set(
            db.scalars(
                select(m.Switch.id)
                .where(m.Switch.id.in_(list(switch_ids)), _free_or_expired(now))
                # NO KEY UPDATE: an API transaction queueing an action on the switch holds
                # FOR KEY SHARE on its row (the foreign key check) until it commits, which
                # FOR UPDATE conflicts with: under a stream of requests SKIP LOCKED passed
                # over the busiest switches, which then waited for a later look.
                .with_for_update(skip_locked=True, key_share=True)
            )
        )
        if free:
            db.execute(
                update(m.Switch)
                .where(m.Switch.id.in_(free))
                .values(claimed_by=agent, claim_expires=now + dt.timedelta(seconds=lease))
            )
    return [switch_id for switch_id in switch_ids if switch_id in free]


def renew(database: Database, switch_id: int, agent: str, lease: float) -> bool:
    """Extend our claim; False when it was lost (expired and taken by another agent)."""
    with database.session() as db, db.begin():
        result = db.execute(
            update(m.Switch)
            .where(m.Switch.id == switch_id, m.Switch.claimed_by == agent)
            .values(claim_expires=m.utcnow() + dt.timedelta(seconds=lease))
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def release(database: Database, switch_id: int, agent: str) -> None:
    with database.session() as db, db.begin():
        db.execute(
            update(m.Switch)
            .where(m.Switch.id == switch_id, m.Switch.claimed_by == agent)
            .values(claimed_by=None, claim_expires=None)
        )


def fail_orphans(database: Database) -> int:
    """Mark ERROR the pending actions whose switch is gone (no agent could apply them)."""
    orphaned = (m.NetworkingAction.status == PENDING) & m.NetworkingAction.switch_id.is_(None)
    with database.session(write=False) as db:
        if not db.scalar(select(exists().where(orphaned))):
            return 0  # the usual case, without taking the write lock
    with database.session() as db, db.begin():
        result = db.execute(
            update(m.NetworkingAction)
            .where(orphaned)
            .values(
                status=ERROR,
                error="The switch of this action no longer exists.",
                finished=m.utcnow(),
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

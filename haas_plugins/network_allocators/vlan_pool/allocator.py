"""Allocation of VLAN ids from the pool, safe under concurrent requests.

On PostgreSQL a free row is taken with ``FOR UPDATE SKIP LOCKED``, so
concurrent allocations never pick the same id nor wait on each other; on
SQLite the write transaction (``BEGIN IMMEDIATE``) serialises them.
"""

from __future__ import annotations

from oslo_config import cfg
from sqlalchemy import select
from sqlalchemy.orm import Session

from haas_core.drivers import NetworkAllocator
from haas_core.errors import AllocationError, BadArgumentError, ConfigError
from haas_plugins.network_allocators.vlan_pool.models import PoolVlan

MIN_VLAN, MAX_VLAN = 1, 4094
NATIVE = "vlan/native"


def parse_vlan_ranges(items: list[str]) -> set[int]:
    """``["100-200", "300"]`` -> the set of ids. :raises ConfigError:"""
    vlans: set[int] = set()
    for item in items:
        text = item.strip()
        if not text:
            continue
        low, sep, high = text.partition("-")
        # Plain digits only: int() would also take "10-" (as 10), "+5" and "1_0".
        bounds = [low.strip(), high.strip()] if sep else [low.strip()]
        if not all(b.isascii() and b.isdigit() for b in bounds):
            raise ConfigError(f"[network_allocator_vlan_pool] vlans: bad range {text!r}")
        first, last = int(bounds[0]), int(bounds[-1])
        if not MIN_VLAN <= first <= last <= MAX_VLAN:
            raise ConfigError(
                f"[network_allocator_vlan_pool] vlans: {text!r} is not within "
                f"{MIN_VLAN}-{MAX_VLAN} (low-high)"
            )
        vlans.update(range(first, last + 1))
    return vlans


def parse_vlan_id(net_id: str) -> int:
    """A VLAN id given as a network id. :raises BadArgumentError:"""
    if net_id.isascii() and net_id.isdigit() and MIN_VLAN <= int(net_id) <= MAX_VLAN:
        return int(net_id)
    raise BadArgumentError(f"Invalid VLAN id {net_id!r}: expected {MIN_VLAN}-{MAX_VLAN}.")


class VlanPoolAllocator(NetworkAllocator):
    name = "vlan_pool"

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        self.vlans = parse_vlan_ranges(conf.network_allocator_vlan_pool.vlans)

    def populate(self, db: Session) -> None:
        rows = {row.vlan_no: row for row in db.scalars(select(PoolVlan))}
        db.add_all(PoolVlan(vlan_no=v, available=True) for v in sorted(self.vlans - rows.keys()))
        # Ids dropped from the configuration leave the pool; taken ones once freed.
        for vlan, row in rows.items():
            if vlan not in self.vlans and row.available:
                db.delete(row)

    def allocate(self, db: Session) -> str:
        row = db.scalars(
            select(PoolVlan)
            .where(PoolVlan.available.is_(True))
            .order_by(PoolVlan.vlan_no)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            raise AllocationError("No more networks available: the VLAN pool is exhausted.")
        row.available = False
        return str(row.vlan_no)

    def _row(self, db: Session, vlan: int) -> PoolVlan | None:
        return db.scalars(
            select(PoolVlan).where(PoolVlan.vlan_no == vlan).with_for_update()
        ).first()

    def claim(self, db: Session, net_id: str) -> bool:
        vlan = parse_vlan_id(net_id)
        if net_id != str(vlan):
            # "0500" is VLAN 500 on the wire: only the canonical spelling is stored, so
            # the unique network id keeps two networks off one VLAN.
            raise BadArgumentError(f"Invalid VLAN id {net_id!r}: write it as {vlan}.")
        if vlan not in self.vlans:
            return False
        row = self._row(db, vlan)
        if row is None or not row.available:
            raise AllocationError(f"VLAN {vlan} is already taken.")
        row.available = False
        return True

    def free(self, db: Session, net_id: str) -> None:
        row = self._row(db, parse_vlan_id(net_id))
        if row is None:
            return
        if row.vlan_no in self.vlans:
            row.available = True
        else:
            db.delete(row)

    def is_pool_id(self, db: Session, net_id: str) -> bool:
        try:
            return parse_vlan_id(net_id) in self.vlans
        except BadArgumentError:
            return False

    def default_channel(self) -> str:
        return NATIVE

    def legal_channels_for(self, net_id: str) -> list[str]:
        return [NATIVE, f"vlan/{net_id}"]

    def is_legal_channel_for(self, channel: str, net_id: str) -> bool:
        return channel in self.legal_channels_for(net_id)

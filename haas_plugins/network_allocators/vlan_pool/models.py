"""The pool's table: one row per configured VLAN id."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer
from sqlalchemy.orm import Mapped, mapped_column

from haas_core.db.models import Base


class PoolVlan(Base):
    __tablename__ = "vlan_pool_vlan"

    id: Mapped[int] = mapped_column(primary_key=True)
    vlan_no: Mapped[int] = mapped_column(Integer, unique=True)
    available: Mapped[bool] = mapped_column(Boolean)

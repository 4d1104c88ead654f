"""The mock switch's own state: which network id each (port, channel) carries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from haas_core.db.models import LABEL, Base, utcnow


class MockSwitchPortVlan(Base):
    __tablename__ = "mock_switch_port_network"
    __table_args__ = (UniqueConstraint("switch_id", "port", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    switch_id: Mapped[int] = mapped_column(ForeignKey("switch.id", ondelete="CASCADE"))
    port: Mapped[str] = mapped_column(String(LABEL))
    channel: Mapped[str] = mapped_column(String(LABEL))
    network_id: Mapped[str] = mapped_column(String(LABEL))


class MockSwitchApplication(Base):
    """Every change a mock switch was asked to make, in order: tests count these to
    prove each networking action was applied exactly once."""

    __tablename__ = "mock_switch_application"

    id: Mapped[int] = mapped_column(primary_key=True)
    switch_id: Mapped[int] = mapped_column(ForeignKey("switch.id", ondelete="CASCADE"), index=True)
    port: Mapped[str] = mapped_column(String(LABEL))
    operation: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(LABEL))
    network_id: Mapped[str | None] = mapped_column(String(LABEL))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

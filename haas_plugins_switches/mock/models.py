"""The mock switch's own state: which network id each (port, channel) carries."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from haas_core.db.models import LABEL, Base


class MockSwitchPortVlan(Base):
    __tablename__ = "mock_switch_port_network"
    __table_args__ = (UniqueConstraint("switch_id", "port", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    switch_id: Mapped[int] = mapped_column(ForeignKey("switch.id", ondelete="CASCADE"))
    port: Mapped[str] = mapped_column(String(LABEL))
    channel: Mapped[str] = mapped_column(String(LABEL))
    network_id: Mapped[str] = mapped_column(String(LABEL))

"""Users of the database auth backend and their project membership."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from haas_core.db.models import LABEL, Base, Project

user_project = Table(
    "auth_user_project",
    Base.metadata,
    Column("user_id", ForeignKey("auth_user.id", ondelete="CASCADE"), primary_key=True),
    Column("project_id", ForeignKey("project.id", ondelete="CASCADE"), primary_key=True),
)


class User(Base):
    __tablename__ = "auth_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(LABEL), unique=True)
    hashed_password: Mapped[str] = mapped_column(String(LABEL))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)

    projects: Mapped[list[Project]] = relationship(secondary=user_project, order_by=Project.label)

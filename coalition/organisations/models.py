"""Organisations and memberships."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.core.time import utcnow
from coalition.core.types import UTCDateTime
from coalition.extensions import db

if TYPE_CHECKING:
    from coalition.accounts.models import User

ORG_KINDS = {"member": _l("Member NGO"), "observer": _l("Observer")}
# Ordered from least to most: the index is the rank used by the access policy.
MEMBER_ROLES = ("viewer", "editor", "org_admin")
MEMBER_ROLE_LABELS = {"viewer": _l("Viewer"), "editor": _l("Editor"),
                      "org_admin": _l("Organisation admin")}


class Organisation(db.Model):
    __tablename__ = "organisation"
    __table_args__ = (CheckConstraint("kind IN ('member', 'observer')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str | None] = mapped_column(String(50))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="member")
    is_steering: Mapped[bool] = mapped_column(Boolean, default=False)
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Members' e-mail addresses are shown to the organisation's own members and the
    # coordinator; this opens them to every member of the coalition (issue 9, 3.19).
    share_member_emails: Mapped[bool] = mapped_column(Boolean, default=False,
                                                      server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.short_name})" if self.short_name else self.name

    @property
    def kind_label(self) -> str:
        return str(ORG_KINDS.get(self.kind, self.kind))

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class Membership(db.Model):
    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("user_id", "organisation_id", name="uq_membership_user_org"),
        CheckConstraint("role IN ('viewer', 'editor', 'org_admin')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20), default="viewer")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")

    @property
    def role_label(self) -> str:
        return str(MEMBER_ROLE_LABELS[self.role])

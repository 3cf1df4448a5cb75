"""User accounts and invitations."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.core.time import utcnow
from coalition.core.types import UTCDateTime
from coalition.extensions import db
from coalition.organisations.models import Membership, Organisation

COALITION_ROLES = {"none": "None", "coordinator": "Coordinator", "researcher": "Researcher"}
LOCALES = {"en": "English", "zh_Hant": "繁體中文 (Traditional Chinese)"}


class User(UserMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        CheckConstraint(
            "coalition_role IN ('none', 'coordinator', 'researcher')", name="coalition_role"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored case-folded, so the unique index makes emails unique whatever their case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(10), default="en")
    coalition_role: Mapped[str] = mapped_column(String(20), default="none")
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped when the password changes: signs everybody out and voids reset links.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot sign in
        return self.active

    def get_id(self) -> str:
        # The version makes a changed password end every other session and remember-me cookie.
        return f"{self.id}:{self.session_version}"

    @property
    def is_coordinator(self) -> bool:
        return self.coalition_role == "coordinator"

    @property
    def is_researcher(self) -> bool:
        return self.coalition_role == "researcher"

    @property
    def coalition_role_label(self) -> str:
        return COALITION_ROLES[self.coalition_role]

    def membership_in(self, organisation: Organisation | int | None) -> Membership | None:
        if organisation is None:
            return None
        org_id = organisation if isinstance(organisation, int) else organisation.id
        for membership in self.memberships:
            if membership.organisation_id == org_id:
                return membership
        return None

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Invitation(db.Model):
    """An invitation to join an organisation, redeemed once through a signed link."""

    __tablename__ = "invitation"
    __table_args__ = (
        CheckConstraint("role IN ('viewer', 'editor', 'org_admin')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    # Only a hash of the link's secret is stored: a database leak gives no usable link.
    secret_hash: Mapped[str] = mapped_column(String(64))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= utcnow():
            return "expired"
        return "pending"

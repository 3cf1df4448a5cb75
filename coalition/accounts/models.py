"""User accounts and invitations."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.core.time import utcnow
from coalition.core.types import UTCDateTime
from coalition.extensions import db
from coalition.organisations.models import Membership, Organisation

COALITION_ROLES = {"none": _l("None"), "coordinator": _l("Coordinator"),
                   "researcher": _l("Researcher")}
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
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped when the password changes: a reset link names the version it was made for, so a
    # changed password (or a used link) voids every earlier link.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot sign in
        return self.active

    # Set by accounts.services.start_session / load_user_for_session for the request's own
    # sign-in: "<user id>:<session secret>" and the UserSession row it names. Not columns.
    # (Plain class attributes, deliberately unannotated: the ORM maps every annotation.)
    session_key = None  # str | None
    current_session = None  # UserSession | None

    def get_id(self) -> str:
        # Flask-Login stores this in the session cookie and the remember-me cookie; the secret
        # names a server-side UserSession, so signing out (revoking the row) ends both cookies.
        if not self.session_key:
            raise RuntimeError("sign in through accounts.services.start_session")
        return self.session_key

    @property
    def is_coordinator(self) -> bool:
        return self.coalition_role == "coordinator"

    @property
    def is_researcher(self) -> bool:
        return self.coalition_role == "researcher"

    @property
    def coalition_role_label(self) -> str:
        return str(COALITION_ROLES[self.coalition_role])

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


class UserSession(db.Model):
    """One signed-in browser: what the session and remember-me cookies point at.

    Only a hash of the random secret is stored, so a database leak opens no session. A revoked
    or expired row ends the session however the cookie was kept (OWASP ASVS 3.3.1, 3.3.2).
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    ip_address: Mapped[str] = mapped_column(String(45), default="")

    user: Mapped[User] = relationship()

    @property
    def device(self) -> str:
        """A short description of the browser for the profile's session list."""
        return describe_device(self.user_agent)


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
             ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari"))
_SYSTEMS = (("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iPhone"),
            ("iPad", "iPad"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def describe_device(user_agent: str | None) -> str:
    """'Firefox on Linux' from a User-Agent header; 'Unknown browser' when it says nothing."""
    agent = user_agent or ""
    browser = next((name for mark, name in _BROWSERS if mark in agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in agent), None)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    return browser or system or (agent[:60] if agent else _("Unknown browser"))


class SignInThrottle(db.Model):
    """Failed sign-ins counted per email address and per client address, for back-off.

    `key` is an HMAC (keyed by SECRET_KEY) of "address:<normalised email>" or "ip:<address>",
    so an address with no account is counted exactly like one with an account, and the table
    names neither. Counted with one atomic upsert (failures = failures + 1).
    """

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # Indexed: rows older than the window are deleted as failures come in, so the table
    # stays as small as the last hour's failures however many addresses are tried.
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

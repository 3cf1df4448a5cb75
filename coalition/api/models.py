"""Personal API tokens (issue 10): a member's key to the API, named, scoped, expiring,
revocable, and stored only as a hash."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.core.time import utcnow
from coalition.core.types import UTCDateTime
from coalition.extensions import db

if TYPE_CHECKING:
    from coalition.accounts.models import User

# What a token may do: read (every GET its owner may see) or write as well (the POSTs its owner
# may make). Keys are stored; labels shown.
TOKEN_SCOPES = {"read": _l("Read"), "write": _l("Read and write")}


class ApiToken(db.Model):
    """One personal API token. The secret itself is never stored: `secret_hash` is the SHA-256
    of the whole token (a 256-bit random string, so a plain hash is as strong as a slow one),
    `prefix` its first characters, to find the row and to name the token in lists."""

    __tablename__ = "api_token"
    __table_args__ = (CheckConstraint("scope IN ('read', 'write')", name="scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str] = mapped_column(String(10), default="read")
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def scope_label(self) -> str:
        return str(TOKEN_SCOPES[self.scope])

    def is_live(self, now: datetime | None = None) -> bool:
        """Neither revoked nor expired."""
        return self.revoked_at is None and self.expires_at > (now or utcnow())

    @property
    def audit_label(self) -> str:
        return f"{self.name} ({self.prefix}…)"

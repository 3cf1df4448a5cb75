"""Asks and their impact (issue 12, item 4).

- Ask: one recommendation-to-the-State a submission asks for, numbered in the submission's
  order, in the submission's own words, with optional themes.
- AskLink: an ask linked to a UN recommendation of the same review that reflects it. The
  platform proposes links by text similarity (state "proposed", source "proposed", with its
  score and the words both texts share); a member confirms or rejects each, or links one by
  hand (source "manual", confirmed at once). One row per (ask, recommendation): a rejected
  proposal stays as a row, so it is never proposed again.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.core.time import utcnow
from coalition.core.types import UTCDateTime
from coalition.core.types import in_list as _in
from coalition.extensions import db
from coalition.reviews.models import Theme
from coalition.submissions.models import Submission

if TYPE_CHECKING:
    from coalition.accounts.models import User
    from coalition.recommendations.models import Recommendation

LINK_STATES = {"proposed": _l("Proposed"), "confirmed": _l("Confirmed"),
               "rejected": _l("Rejected")}
LINK_SOURCES = {"proposed": _l("Proposed by the platform"), "manual": _l("Linked by hand")}

ask_theme = Table(
    "ask_theme",
    db.metadata,
    Column("ask_id", ForeignKey("ask.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Ask(db.Model):
    __tablename__ = "ask"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    # 1, 2, 3 ... in the submission's order (renumbered on removal and reordering).
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    submission: Mapped[Submission] = relationship()
    created_by: Mapped[User | None] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=ask_theme, order_by=Theme.code)
    links: Mapped[list[AskLink]] = relationship(
        back_populates="ask", cascade="all, delete-orphan", order_by="AskLink.id")


class AskLink(db.Model):
    __tablename__ = "ask_link"
    __table_args__ = (
        UniqueConstraint("ask_id", "recommendation_id", name="uq_ask_link"),
        CheckConstraint(f"state IN ({_in(LINK_STATES)})", name="state"),
        CheckConstraint(f"source IN ({_in(LINK_SOURCES)})", name="source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ask_id: Mapped[int] = mapped_column(ForeignKey("ask.id", ondelete="CASCADE"), index=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="proposed", index=True)
    source: Mapped[str] = mapped_column(String(20), default="proposed")
    # The similarity score (0-100) and the content words both texts share, when proposed.
    score: Mapped[float | None] = mapped_column(Float)
    matched_words: Mapped[str] = mapped_column(String(500), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ask: Mapped[Ask] = relationship(back_populates="links")
    recommendation: Mapped[Recommendation] = relationship()
    decided_by: Mapped[User | None] = relationship()

    @property
    def state_label(self) -> str:
        return str(LINK_STATES[self.state])

    @property
    def words(self) -> list[str]:
        return self.matched_words.split()

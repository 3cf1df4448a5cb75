"""Reference data and reviews: States, themes, SDGs, affected persons, UPR reviews."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.core.time import utcnow
from coalition.core.types import UTCDateTime
from coalition.extensions import db

# Keys are stored (State.regional_group) and compared; the labels are lazy, shown translated.
REGIONAL_GROUP_LABELS = {
    "African": _l("African Group"),
    "Asia-Pacific": _l("Asia-Pacific Group"),
    "Eastern European": _l("Eastern European Group"),
    "Latin American and Caribbean": _l("Latin American and Caribbean Group (GRULAC)"),
    "Western European and others": _l("Western European and others Group (WEOG)"),
}


class State(db.Model):
    """A UN member or observer State (ISO-3166 alpha-3)."""

    __tablename__ = "state"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(3), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    regional_group: Mapped[str | None] = mapped_column(String(40), index=True)

    def __repr__(self) -> str:
        return f"<State {self.code}>"


class Theme(db.Model):
    """A human-rights theme: OHCHR's coded themes (A12, D51, ...) or UPR Info's issues."""

    __tablename__ = "theme"
    __table_args__ = (
        UniqueConstraint("kind", "code", name="uq_theme_kind_code"),
        CheckConstraint("kind IN ('ohchr', 'upr_info')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="ohchr")
    code: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))

    @property
    def label(self) -> str:
        return f"{self.code} {self.name}" if self.kind == "ohchr" else self.name


class Sdg(db.Model):
    """A Sustainable Development Goal, 1 to 17."""

    __tablename__ = "sdg"
    __table_args__ = (CheckConstraint("number BETWEEN 1 AND 17", name="number"),)

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))


class AffectedGroup(db.Model):
    """A group of affected persons named by OHCHR's index (women, children, migrants, ...)."""

    __tablename__ = "affected_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Review(db.Model):
    """One State's review in one UPR cycle."""

    __tablename__ = "review"
    __table_args__ = (
        UniqueConstraint("state_id", "cycle", name="uq_review_state_cycle"),
        CheckConstraint("cycle BETWEEN 1 AND 9", name="cycle"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    state_id: Mapped[int] = mapped_column(ForeignKey("state.id"), index=True)
    cycle: Mapped[int] = mapped_column(Integer)
    session: Mapped[int | None] = mapped_column(Integer)
    review_date: Mapped[date | None] = mapped_column(Date)
    report_symbol: Mapped[str | None] = mapped_column(String(40))
    responses_symbol: Mapped[str | None] = mapped_column(String(40))
    midterm_due: Mapped[date | None] = mapped_column(Date)
    # OHCHR's deadline for stakeholder submissions to this review (issue 12).
    submission_deadline: Mapped[date | None] = mapped_column(Date)
    # The coalition calendar (issue 12): UPR Info's pre-session in Geneva (about a month
    # before the review) and the adoption of the outcome at a Human Rights Council session.
    presession_date: Mapped[date | None] = mapped_column(Date)
    adoption_date: Mapped[date | None] = mapped_column(Date)
    hrc_session: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    state: Mapped[State] = relationship()

    @property
    def title(self) -> str:
        year = f", {self.review_date.year}" if self.review_date else ""
        return f"{self.state.name} — cycle {self.cycle}{year}"

    @property
    def display_title(self) -> str:
        """The title in the reader's language ('China — cycle 3, 2018' / '中國 — 第 3 輪, 2018'):
        for pages and messages; `title` (English) is what the audit trail and reports store."""
        if self.review_date:
            return _("%(state)s — cycle %(cycle)s, %(year)s", state=self.state.name,
                     cycle=self.cycle, year=self.review_date.year)
        return _("%(state)s — cycle %(cycle)s", state=self.state.name, cycle=self.cycle)

    @property
    def slug(self) -> str:
        return f"{self.state.code.lower()}-{self.cycle}"

    @property
    def audit_label(self) -> str:
        return self.title

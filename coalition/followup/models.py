"""Follow-up (issue 11): what the coalition does about a recommendation after the review.

- FollowUpPlan: one per recommendation the coalition pursues: priority, lead organisation,
  supporting organisations, due date, status (the workflow in PLAN_TRANSITIONS), notes.
- AdvocacyAction: a step under a plan (a meeting with officials, a Legislative Council
  submission, ...), with its owner, due and done dates, outcome and evidence files.
- EvidenceFile: a file attached to an action, stored outside the web root under its SHA-256
  (coalition.core.files) and downloaded only through the access policy.
- CoalitionPosition: the coalition's own view of how far a recommendation is implemented,
  adopted by a steering member at a date with a reason: from a member's assessment or written
  anew. Rows are never changed: the newest is the current position, the others its history.

Names follow OHCHR's national recording and tracking database ("lead institution",
"implementation status") where the coalition's words are the same.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.core.files import KeptFileColumns
from coalition.core.time import utcnow
from coalition.core.types import UTCDateTime
from coalition.core.types import in_list as _in
from coalition.extensions import db
from coalition.recommendations.models import IMPLEMENTATION_STATUSES

if TYPE_CHECKING:
    from coalition.accounts.models import User
    from coalition.organisations.models import Organisation
    from coalition.recommendations.models import Assessment, Recommendation



PRIORITIES = {"high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
PLAN_STATUSES = {
    "not_started": _l("Not started"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "dropped": _l("Dropped"),
}
# The workflow: which status may follow which. "done" and "dropped" may be reopened (the
# government backslides; the coalition takes a dropped one up again); a plan never goes back
# to "not started" once work is recorded, and a "done" plan is not dropped after the fact.
PLAN_TRANSITIONS: dict[str, frozenset[str]] = {
    "not_started": frozenset({"in_progress", "done", "dropped"}),
    "in_progress": frozenset({"done", "dropped"}),
    "done": frozenset({"in_progress"}),
    "dropped": frozenset({"in_progress"}),
}
ACTION_KINDS = {
    "meeting": _l("Meeting with officials"),
    "legco": _l("Legislative Council submission"),
    "shadow_report": _l("Shadow / parallel report"),
    "media": _l("Media"),
    "un_engagement": _l("UN engagement (pre-session, treaty body, special procedure)"),
    "other": _l("Other"),
}

plan_supporter = Table(
    "followup_plan_supporter",
    db.metadata,
    Column("plan_id", ForeignKey("followup_plan.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"),
           primary_key=True, index=True),
)


class FollowUpPlan(db.Model):
    """The coalition's follow-up of one recommendation (at most one plan per recommendation)."""

    __tablename__ = "followup_plan"
    __table_args__ = (
        CheckConstraint(f"priority IN ({_in(PRIORITIES)})", name="priority"),
        CheckConstraint(f"status IN ({_in(PLAN_STATUSES)})", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), unique=True)
    priority: Mapped[str] = mapped_column(String(10), default="medium")
    lead_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True)
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="not_started", index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    # The notes as sanitised HTML, rendered once when saved (coalition.core.markdown).
    notes_html: Mapped[str] = mapped_column(Text, default="")
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recommendation: Mapped[Recommendation] = relationship()
    lead_organisation: Mapped[Organisation | None] = relationship()
    supporting_organisations: Mapped[list[Organisation]] = relationship(
        secondary=plan_supporter, order_by="Organisation.name")
    assigned_by: Mapped[User | None] = relationship()
    actions: Mapped[list[AdvocacyAction]] = relationship(
        back_populates="plan", order_by="AdvocacyAction.due_on, AdvocacyAction.id",
        cascade="all, delete-orphan")

    @property
    def status_label(self) -> str:
        return str(PLAN_STATUSES[self.status])

    @property
    def audit_label(self) -> str:
        """How the audit trail names a plan: by its recommendation (paragraph and first words)."""
        return self.recommendation.audit_label if self.recommendation else f"#{self.id}"

    @property
    def priority_label(self) -> str:
        return str(PRIORITIES[self.priority])

    def is_overdue(self, today: date) -> bool:
        return self.due_on is not None and self.due_on < today and self.status in (
            "not_started", "in_progress")


class AdvocacyAction(db.Model):
    """One advocacy step under a plan. Overdue: a due date passed and no done date."""

    __tablename__ = "advocacy_action"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(ACTION_KINDS)})", name="kind"),
        Index("ix_advocacy_action_open_due", "done_on", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("followup_plan.id", ondelete="CASCADE"),
                                         index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    owner_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    due_on: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(Text, default="")
    outcome_html: Mapped[str] = mapped_column(Text, default="")
    # One URL per line, as Assessment.source_links.
    links: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[FollowUpPlan] = relationship(back_populates="actions")
    owner_organisation: Mapped[Organisation] = relationship()
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    evidence_files: Mapped[list[EvidenceFile]] = relationship(
        back_populates="action", order_by="EvidenceFile.id", cascade="all, delete-orphan")

    @property
    def kind_label(self) -> str:
        return str(ACTION_KINDS[self.kind])

    @property
    def link_list(self) -> list[str]:
        return [line.strip() for line in self.links.splitlines() if line.strip()]

    def is_overdue(self, today: date) -> bool:
        return self.done_on is None and self.due_on is not None and self.due_on < today


class EvidenceFile(KeptFileColumns, db.Model):
    """A file attached to an advocacy action. The bytes live outside the web root, named by
    their SHA-256 (two actions with the same file share it); `filename` is the uploader's
    name with any path removed, shown and offered on download (coalition.core.files)."""

    __tablename__ = "evidence_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("advocacy_action.id", ondelete="CASCADE"),
                                           index=True)

    action: Mapped[AdvocacyAction] = relationship(back_populates="evidence_files")


class CoalitionPosition(db.Model):
    """The coalition's position on how far a recommendation is implemented, as adopted at a
    date. `assessment_id` names the member assessment adopted (its status is copied, so the
    position stands if the assessment's visibility later narrows); without it the steering
    member wrote the position. Append-only: the newest row (by adopted_on, then id) is current."""

    __tablename__ = "coalition_position"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(IMPLEMENTATION_STATUSES)})", name="status"),
        Index("ix_coalition_position_current", "recommendation_id", "adopted_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), index=True)
    adopted_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    reason_html: Mapped[str] = mapped_column(Text, default="")
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment.id", ondelete="SET NULL"))
    adopted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The steering organisation the adopting member acted for (named in lists and history).
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recommendation: Mapped[Recommendation] = relationship()
    assessment: Mapped[Assessment | None] = relationship()
    adopted_by: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def status_label(self) -> str:
        return str(IMPLEMENTATION_STATUSES[self.status])

"""Stakeholder submissions (issue 12, item 1): what member organisations send OHCHR before a
review, alone (individual) or together (joint, cited as JS1, JS2, ... in OHCHR's summary).

- Submission: a review, a title, its kind, its lead organisation, its status (draft /
  submitted to OHCHR / published by OHCHR, with the dates), OHCHR's reference, its themes and
  who may read it (visibility).
- SubmissionParticipant: a co-submitting organisation of a joint submission and its answer
  (invited / confirmed / declined, by whom and when). A declined organisation stays listed as
  declined: the record of who was asked is kept.
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
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from coalition.core.files import KeptFileColumns
from coalition.core.time import utcnow
from coalition.core.types import UTCDateTime
from coalition.core.types import in_list as _in
from coalition.drafting.models import Document
from coalition.extensions import db
from coalition.reviews.models import Review, Theme

if TYPE_CHECKING:
    from coalition.accounts.models import User
    from coalition.organisations.models import Organisation

SUBMISSION_KINDS = {"individual": _l("Individual submission"), "joint": _l("Joint submission")}
SUBMISSION_STATUSES = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted to OHCHR"),
    "published": _l("Published by OHCHR"),
}
SUBMISSION_VISIBILITIES = {
    "organisation": _l("Its organisations only"),
    "coalition": _l("Coalition members"),
    "public": _l("Everyone, once published"),
}
PARTICIPATION_STATES = {
    "invited": _l("Invited"),
    "confirmed": _l("Confirmed"),
    "declined": _l("Declined"),
}

submission_theme = Table(
    "submission_theme",
    db.metadata,
    Column("submission_id", ForeignKey("submission.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Submission(db.Model):
    __tablename__ = "submission"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(SUBMISSION_KINDS)})", name="kind"),
        CheckConstraint(f"status IN ({_in(SUBMISSION_STATUSES)})", name="status"),
        CheckConstraint(f"visibility IN ({_in(SUBMISSION_VISIBILITIES)})", name="visibility"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="individual")
    lead_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    submitted_on: Mapped[date | None] = mapped_column(Date)
    published_on: Mapped[date | None] = mapped_column(Date)
    ohchr_reference: Mapped[str | None] = mapped_column(String(40))
    visibility: Mapped[str] = mapped_column(String(20), default="organisation")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    review: Mapped[Review] = relationship()
    lead_organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=submission_theme,
                                               order_by=Theme.code)
    participants: Mapped[list[SubmissionParticipant]] = relationship(
        back_populates="submission", cascade="all, delete-orphan",
        order_by="SubmissionParticipant.id")
    # --- drafting (issue 12, item 2): the submission's text, drafted like a joint statement
    # (coalition.drafting); None until it is first written (submissions.services.document_of).
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), unique=True)
    document: Mapped[Document | None] = relationship(
        backref=backref("submission", uselist=False))
    # --- end drafting

    @property
    def organisation(self) -> Organisation:
        """The organisation audit events name (coalition.audit.record)."""
        return self.lead_organisation

    @property
    def organisation_ids(self) -> set[int]:
        """The lead and every co-submitter asked (declined ones too: they saw the draft)."""
        return {self.lead_organisation_id, *(p.organisation_id for p in self.participants)}

    def confirmed_count(self) -> int:
        """Organisations on the submission: the lead and the confirmed co-submitters."""
        return 1 + sum(1 for p in self.participants if p.state == "confirmed")


class SubmissionParticipant(db.Model):
    __tablename__ = "submission_participant"
    __table_args__ = (
        UniqueConstraint("submission_id", "organisation_id", name="uq_submission_participant"),
        CheckConstraint(f"state IN ({_in(PARTICIPATION_STATES)})", name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default="invited")
    answered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="participants")
    organisation: Mapped[Organisation] = relationship()
    answered_by: Mapped[User | None] = relationship()


# --- files (issue 12, item 3) ----------------------------------------------------------------
SUBMISSION_FILE_KINDS = {
    "final": _l("Final version"),
    "draft": _l("Working draft"),
    "annex": _l("Annex"),
}


class SubmissionFile(KeptFileColumns, db.Model):
    """A file of a submission: its final version as sent to OHCHR, a working draft or an annex.
    The bytes live outside the web root under their SHA-256 (coalition.core.files); only
    .docx, .pdf and .odt are accepted, by their content. The newest "final" one is the
    submission's final version. `submission.files`: newest first."""

    __tablename__ = "submission_file"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_in(SUBMISSION_FILE_KINDS)})", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="final")

    submission: Mapped[Submission] = relationship(backref=backref(
        "files", order_by="SubmissionFile.id.desc()", cascade="all, delete-orphan"))

    @property
    def organisation(self) -> Organisation:
        """The organisation audit events name."""
        return self.submission.lead_organisation
# --- end files

"""Joint statements: their drafters and sign-ons. The text (append-only revisions, kept
conflict copies, drafts, comments) is the statement's Document (coalition.drafting.models),
whose models are importable from here too."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from coalition.core.time import utcnow
from coalition.core.types import UTCDateTime
from coalition.core.types import in_list as _in
from coalition.drafting.models import (  # noqa: F401  (importable from here, as before)
    MAX_TEXT_CHARS,
    Attribution,
    Comment,
    ConflictCopy,
    Document,
    Draft,
    Presence,
    Revision,
)
from coalition.extensions import db
from coalition.organisations.models import Organisation

if TYPE_CHECKING:
    from coalition.accounts.models import User

STATEMENT_KINDS = {
    "oral": _l("Oral statement (Human Rights Council)"),
    "written": _l("Written statement"),
    "midterm": _l("Mid-term assessment"),
    "press": _l("Press statement"),
    "other": _l("Other joint statement"),
}
STATEMENT_STATUSES = {
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "open": _l("Open for sign-on"),
    "published": _l("Published"),
    "withdrawn": _l("Withdrawn"),
}
# Who a statement's text has ever been shown to, widest last. It only ever widens (the status
# transitions raise it, nothing lowers it): withdrawing or sending back to draft does not hide
# what was already shown, nor show what never was (DESIGN.md, "Access").
AUDIENCES = {
    "drafters": _l("Its drafting organisations"),
    "steering": _l("The steering committee (submitted for review)"),
    "members": _l("All member organisations (opened for sign-on)"),
    "public": _l("Everyone (published)"),
}
AUDIENCE_ORDER = tuple(AUDIENCES)
LANGUAGES = {"en": _l("English"), "zh_Hant": _l("Traditional Chinese"),
             "zh_Hans": _l("Simplified Chinese"), "fr": _l("French"), "es": _l("Spanish")}
# A review has at most one live mid-term assessment draft: one that is not withdrawn
# (coalition.followup.midterm.generate_draft). The database holds it, so that two clicks at the
# same moment cannot both open one.
LIVE_MIDTERM = "midterm_review_id IS NOT NULL AND status <> 'withdrawn'"


class Statement(db.Model):
    __tablename__ = "statement"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(STATEMENT_STATUSES)})", name="status"),
        CheckConstraint(f"kind IN ({_in(STATEMENT_KINDS)})", name="kind"),
        CheckConstraint(f"audience IN ({_in(AUDIENCES)})", name="audience"),
        Index("uq_statement_live_midterm", "midterm_review_id", unique=True,
              postgresql_where=text(LIVE_MIDTERM), sqlite_where=text(LIVE_MIDTERM)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    occasion: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(20), default="oral")
    language: Mapped[str] = mapped_column(String(10), default="en")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    # The widest audience the text has reached (AUDIENCES); raised only by services.transition.
    audience: Mapped[str] = mapped_column(String(20), default="drafters",
                                          server_default="drafters")
    lead_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # The statement's text: revisions, conflicts, drafts, comments (coalition.drafting).
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), unique=True)
    signon_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_number: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    correction_note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The review whose mid-term assessment this statement is (coalition.followup.midterm);
    # None for every other statement, and for mid-term drafts opened before it was recorded.
    midterm_review_id: Mapped[int | None] = mapped_column(
        ForeignKey("review.id", ondelete="SET NULL"))

    lead_organisation: Mapped[Organisation] = relationship()
    document: Mapped[Document] = relationship(backref=backref("statement", uselist=False))
    drafters: Mapped[list[StatementDrafter]] = relationship(
        cascade="all, delete-orphan", order_by="StatementDrafter.id")

    def __init__(self, **kwargs: Any) -> None:
        """A statement comes with its document (`head_number` given here is the document's)."""
        head_number = kwargs.pop("head_number", 0)
        super().__init__(**kwargs)
        if self.document is None:
            self.document = Document(owner="statement", head_number=head_number)

    @property
    def head_number(self) -> int:
        """The number of the statement's latest revision (its document's head)."""
        return self.document.head_number

    @property
    def status_label(self) -> str:
        return STATEMENT_STATUSES[self.status]

    @property
    def kind_label(self) -> str:
        return STATEMENT_KINDS[self.kind]

    def has_reached(self, audience: str) -> bool:
        """Has the text ever been shown to `audience` (or a wider one)?"""
        return AUDIENCE_ORDER.index(self.audience or "drafters") >= AUDIENCE_ORDER.index(
            audience)

    @property
    def drafting_organisations(self) -> list[Organisation]:
        return [d.organisation for d in self.drafters]

    @property
    def audit_label(self) -> str:
        return self.title


class StatementDrafter(db.Model):
    """An organisation drafting the statement: the lead or a co-drafter."""

    __tablename__ = "statement_drafter"
    __table_args__ = (UniqueConstraint("statement_id", "organisation_id",
                                       name="uq_statement_drafter_statement_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"),
                                              index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)

    organisation: Mapped[Organisation] = relationship()


class Endorsement(db.Model):
    """An organisation signs the statement at one revision; withdrawn, it stays in history."""

    __tablename__ = "endorsement"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"),
                                              index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    revision_number: Mapped[int] = mapped_column(Integer)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])

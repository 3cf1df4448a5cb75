"""Joint statements: append-only revisions, kept conflict copies, drafts, comments, sign-ons."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

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
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.core.time import utcnow
from coalition.core.types import UTCDateTime
from coalition.core.types import in_list as _in
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
# A statement is a text of a few pages; this bounds a paste by a wide margin.
MAX_TEXT_CHARS = 200_000
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
    # The head moves only by compare-and-set on this number (services.save_text).
    head_number: Mapped[int] = mapped_column(Integer, default=0)
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
    drafters: Mapped[list[StatementDrafter]] = relationship(
        cascade="all, delete-orphan", order_by="StatementDrafter.id")

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


class Revision(db.Model):
    """One saved text of a statement. Append-only: a restore or a merge is a new revision."""

    __tablename__ = "revision"
    __table_args__ = (
        # The chain has no forks: one revision per number per statement.
        UniqueConstraint("statement_id", "number", name="uq_revision_statement_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"),
                                              index=True)
    number: Mapped[int] = mapped_column(Integer)
    parent_number: Mapped[int | None] = mapped_column(Integer)
    # The revision the author started from (differs from the parent when merged).
    base_number: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(20), default="edit")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The text as sanitised HTML (coalition.core.markdown.render_html), rendered once, the
    # first time it is shown (services.revision_html), then kept: a revision never changes.
    html: Mapped[str | None] = mapped_column(Text, deferred=True)

    author: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class Attribution(db.Model):
    """Who wrote what in one revision, kept so that "who wrote what" is computed once per
    revision, each from its parent's (services.attributions).

    `runs` is JSON: [[organisation id or null, number of characters], ...] over the revision's
    text (newlines normalised); `digest` is the SHA-256 of that text, so a revision that brings
    back an older text (a restore) takes that text's attribution back.
    """

    __tablename__ = "statement_attribution"
    __table_args__ = (UniqueConstraint("statement_id", "number",
                                       name="uq_statement_attribution_statement_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    runs: Mapped[str] = mapped_column(Text)


class ConflictCopy(db.Model):
    """An editor's text that clashed with a newer head: kept until someone resolves it."""

    __tablename__ = "statement_conflict"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"),
                                              index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    base_number: Mapped[int] = mapped_column(Integer)
    head_number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_number: Mapped[int | None] = mapped_column(Integer)

    author: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()


class Draft(db.Model):
    """A person's unsaved text, autosaved from the editor so a closed tab loses nothing."""

    __tablename__ = "statement_draft"
    __table_args__ = (UniqueConstraint("statement_id", "user_id",
                                       name="uq_statement_draft_statement_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    base_number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Presence(db.Model):
    """Who has the editor open, from the editor's heartbeat."""

    __tablename__ = "statement_presence"
    __table_args__ = (UniqueConstraint("statement_id", "user_id",
                                       name="uq_statement_presence_statement_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class Comment(db.Model):
    """A comment on a statement, optionally quoting a passage of a revision; replies nest."""

    __tablename__ = "statement_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id", ondelete="CASCADE"),
                                              index=True)
    revision_number: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("statement_comment.id", ondelete="CASCADE"))
    quote: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"))
    # The body as sanitised HTML, rendered once when the comment is written.
    body_html: Mapped[str] = mapped_column(Text, default="")
    # Removed by its author or the coordinator: the thread says so; the text is in the audit
    # trail (services.remove_comment), no longer here.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    statement: Mapped[Statement] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    removed_by: Mapped[User | None] = relationship(foreign_keys=[removed_by_id])
    organisation: Mapped[Organisation | None] = relationship()
    replies: Mapped[list[Comment]] = relationship(order_by="Comment.id")


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

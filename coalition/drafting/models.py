"""Drafting: a Document owns a text's append-only revisions, its "who wrote what"
attributions, kept conflict copies, autosaved drafts, presence and comments.

A joint statement (and with it the mid-term report) and a stakeholder submission each own one
Document (`Statement.document_id`, `Submission.document_id`): one drafting machinery for all of
them (issue 12), never a second copy. `Document.owner` says which kind of object owns it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.core.time import utcnow
from coalition.core.types import UTCDateTime
from coalition.core.types import in_list as _in
from coalition.extensions import db
from coalition.organisations.models import Organisation

if TYPE_CHECKING:
    from coalition.accounts.models import User

DOCUMENT_OWNERS = {"statement": _l("Joint statement"), "submission": _l("Stakeholder submission")}
# A statement or a submission is a text of a few pages; this bounds a paste by a wide margin.
MAX_TEXT_CHARS = 200_000


class Document(db.Model):
    """A drafted text. Its head moves only by compare-and-set on `head_number`
    (coalition.drafting.services.save_text)."""

    __tablename__ = "document"
    __table_args__ = (CheckConstraint(f"owner IN ({_in(DOCUMENT_OWNERS)})", name="owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(20), default="statement")
    head_number: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # `statement` and `submission` (one of them set, as `owner` says) are backrefs from
    # Statement.document and Submission.document: drafting itself knows no owner's model.

    def owning_object(self) -> Any:
        """The statement or submission this is the text of (None if it has none)."""
        return getattr(self, self.owner, None)


class Revision(db.Model):
    """One saved text of a document. Append-only: a restore or a merge is a new revision."""

    __tablename__ = "revision"
    __table_args__ = (
        # The chain has no forks: one revision per number per document.
        UniqueConstraint("document_id", "number", name="uq_revision_document_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"),
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

    __tablename__ = "document_attribution"
    __table_args__ = (UniqueConstraint("document_id", "number",
                                       name="uq_document_attribution_document_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    runs: Mapped[str] = mapped_column(Text)


class ConflictCopy(db.Model):
    """An editor's text that clashed with a newer head: kept until someone resolves it."""

    __tablename__ = "document_conflict"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"),
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

    __tablename__ = "document_draft"
    __table_args__ = (UniqueConstraint("document_id", "user_id",
                                       name="uq_document_draft_document_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    base_number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Presence(db.Model):
    """Who has the editor open, from the editor's heartbeat."""

    __tablename__ = "document_presence"
    __table_args__ = (UniqueConstraint("document_id", "user_id",
                                       name="uq_document_presence_document_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class Comment(db.Model):
    """A comment on a document, optionally quoting a passage of a revision; replies nest."""

    __tablename__ = "document_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"),
                                              index=True)
    revision_number: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_comment.id", ondelete="CASCADE"))
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

    document: Mapped[Document] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    removed_by: Mapped[User | None] = relationship(foreign_keys=[removed_by_id])
    organisation: Mapped[Organisation | None] = relationship()
    replies: Mapped[list[Comment]] = relationship(order_by="Comment.id")

    @property
    def statement(self) -> Any:
        """The statement whose text this comments on (None on another owner's text)."""
        return self.document.statement if self.document.owner == "statement" else None

    @property
    def submission(self) -> Any:
        """The submission whose text this comments on (None on another owner's text)."""
        return self.document.submission if self.document.owner == "submission" else None

"""Recommendations, the State's responses over time, and organisations' assessments."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coalition.core.time import utcnow
from coalition.core.types import UTCDateTime
from coalition.core.types import in_list as _in
from coalition.extensions import db
from coalition.reviews.models import AffectedGroup, Review, Sdg, State, Theme

if TYPE_CHECKING:
    from coalition.accounts.models import User
    from coalition.organisations.models import Organisation

# The labels are lazy (translated when shown); code compares and stores the KEYS only (the
# CHECK constraints below are built from them).
# "Supported in part" is its own position (OHCHR's older matrices print "Supported/Noted", States
# write "partially supported"): flattening it into "supported" would overstate a commitment.
POSITIONS = {"supported": _l("Supported"), "supported_in_part": _l("Supported in part"),
             "noted": _l("Noted"), "pending": _l("Pending")}
# A voluntary pledge is made by the State under review itself, not recommended by another State
# (UPR Info lists them as response "Voluntary Pledge"); it has no recommending State.
ENTRY_KINDS = {"recommendation": _l("Recommendation"), "pledge": _l("Voluntary pledge")}
RESPONSE_KINDS = {
    "addendum": _l("Addendum to the Working Group report"),
    "midterm": _l("Mid-term report"),
    "treaty_body": _l("Treaty-body report"),
    "legco": _l("Legislative Council answer"),
    "press_release": _l("Press release"),
    "other": _l("Other statement"),
}
IMPLEMENTATION_STATUSES = {
    "not_implemented": _l("Not implemented"),
    "partially": _l("Partially implemented"),
    "fully": _l("Fully implemented"),
    "regressed": _l("Regressed"),
    "unclear": _l("Unclear"),
}
TERRITORIES = ("Hong Kong", "Macao")
# How each territory is named to a reader (the stored value, in URLs, exports and the API, stays
# as above). Issue 10, a new user's walk: the Chinese pages named them in English.
TERRITORY_LABELS = {"Hong Kong": _l("Hong Kong"), "Macao": _l("Macao")}


def territory_label(value: str) -> str:
    """A territory tag in the reader's language ("Hong Kong" / "香港"); an unknown one as it is."""
    return str(TERRITORY_LABELS.get(value, value))
# Who may read an assessment (issue 10): its own organisation, the coalition (default), or the
# public (researchers, the public tracker, exports and the API for readers outside the
# coalition). The order is from narrowest to widest.
ASSESSMENT_VISIBILITIES = {
    "organisation": _l("Own organisation only"),
    "coalition": _l("The coalition"),
    "public": _l("Public"),
}
# The two audiences the tracker's denormalised "latest assessment" columns serve: coalition
# members (assessments visible to the coalition or the public) and everyone else (public ones).
TRACKER_AUDIENCES = ("coalition", "public")
# The importers' formats (coalition.recommendations.importers.detect_format), as people name them.
IMPORT_FORMATS = {
    "ohchr_matrix": _l("OHCHR matrix of recommendations"),
    "upr_info": _l("UPR Info database export"),
    "upr_info_uwazi": _l("UPR Info database export (current site)"),
    "uhri": _l("Universal Human Rights Index export"),
    "coalition_export": _l("Coalition export"),
}



def _link_table(name: str, column: str, target: str) -> Table:
    """A many-to-many table from recommendations to reference data. Its primary key serves
    "the values of a recommendation"; the index on (value, recommendation) serves "the
    recommendations of a value" from the index alone (the tracker's facet filters: an
    index-only scan on PostgreSQL, 17,434 rows of one theme in 1.4 ms instead of 6)."""
    return Table(
        name, db.metadata,
        Column("recommendation_id", ForeignKey("recommendation.id", ondelete="CASCADE"),
               primary_key=True),
        Column(column, ForeignKey(target), primary_key=True),
        Index(f"ix_{name}_{column}", column, "recommendation_id"),
    )


recommending_state = _link_table("recommendation_state", "state_id", "state.id")
recommendation_theme = _link_table("recommendation_theme", "theme_id", "theme.id")
recommendation_sdg = _link_table("recommendation_sdg", "sdg_number", "sdg.number")
recommendation_affected = _link_table("recommendation_affected", "affected_group_id",
                                      "affected_group.id")


class RecommendationTerritory(db.Model):
    """A territory the recommendation names (Hong Kong, Macao): set by import, editable."""

    __tablename__ = "recommendation_territory"

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True
    )
    territory: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class Recommendation(db.Model):
    __tablename__ = "recommendation"
    __table_args__ = (
        UniqueConstraint("review_id", "paragraph", name="uq_recommendation_review_paragraph"),
        Index("ix_recommendation_review_text_key", "review_id", "text_key"),
        CheckConstraint(f"position IN ({_in(POSITIONS)})", name="position"),
        CheckConstraint("action_category BETWEEN 1 AND 5", name="action_category"),
        CheckConstraint(f"latest_status IN ({_in(IMPLEMENTATION_STATUSES)})", name="latest_status"),
        CheckConstraint(f"latest_public_status IN ({_in(IMPLEMENTATION_STATUSES)})",
                        name="latest_public_status"),
        CheckConstraint(f"kind IN ({_in(ENTRY_KINDS)})", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"), index=True)
    # OHCHR's paragraph number ("28.343"); UPR Info's export has none.
    paragraph: Mapped[str | None] = mapped_column(String(20))
    # Numeric sort key of the paragraph: 28.9 before 28.10.
    paragraph_sort: Mapped[int | None] = mapped_column(Integer, index=True)
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20), default="recommendation",
                                      server_default="recommendation", index=True)
    # Each source's own identifier, kept so a re-import matches the row and an export cites it:
    # the Universal Human Rights Index's annotation id, UPR Info's record id.
    uhri_annotation_id: Mapped[str | None] = mapped_column(String(64), index=True)
    upr_info_id: Mapped[str | None] = mapped_column(String(64), index=True)
    # Identity of a recommendation without a paragraph number (UPR Info): normalised text.
    text_key: Mapped[str] = mapped_column(String(64))
    action_category: Mapped[int | None] = mapped_column(Integer, index=True)
    # The State's current position; the responses below are its history.
    position: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    position_words: Mapped[str] = mapped_column(String(200), default="")
    position_source: Mapped[str | None] = mapped_column(String(200))
    repeated_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendation.id", ondelete="SET NULL")
    )
    # Denormalised from the latest assessment the coalition may read (visibility coalition or
    # public), so the tracker filters and sorts on it cheaply; `latest_public_*` the same for
    # the latest public one (what researchers and the public tracker see). An assessment its
    # organisation keeps to itself is in neither.
    latest_assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment.id", ondelete="SET NULL", use_alter=True)
    )
    latest_status: Mapped[str | None] = mapped_column(String(20), index=True)
    latest_public_assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment.id", ondelete="SET NULL", use_alter=True)
    )
    latest_public_status: Mapped[str | None] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    review: Mapped[Review] = relationship()
    recommending_states: Mapped[list[State]] = relationship(
        secondary=recommending_state, order_by=State.name
    )
    themes: Mapped[list[Theme]] = relationship(secondary=recommendation_theme, order_by=Theme.code)
    sdgs: Mapped[list[Sdg]] = relationship(secondary=recommendation_sdg, order_by=Sdg.number)
    affected_groups: Mapped[list[AffectedGroup]] = relationship(
        secondary=recommendation_affected, order_by=AffectedGroup.name
    )
    territory_rows: Mapped[list[RecommendationTerritory]] = relationship(
        cascade="all, delete-orphan", order_by=RecommendationTerritory.territory
    )
    repeated_from: Mapped[Recommendation | None] = relationship(
        remote_side=[id], foreign_keys=[repeated_from_id]
    )
    latest_assessment: Mapped[Assessment | None] = relationship(
        foreign_keys=[latest_assessment_id], post_update=True
    )
    latest_public_assessment: Mapped[Assessment | None] = relationship(
        foreign_keys=[latest_public_assessment_id], post_update=True
    )

    def latest_for(self, audience: str) -> Assessment | None:
        """The latest assessment `audience` ("coalition" or "public", see
        coalition.access.tracker_audience) may read."""
        return self.latest_public_assessment if audience == "public" else self.latest_assessment

    @property
    def territories(self) -> list[str]:
        return [row.territory for row in self.territory_rows]

    @property
    def audit_label(self) -> str:
        return f"{self.paragraph or '#' + str(self.id)} {self.text[:80]}"

    @property
    def position_label(self) -> str:
        return str(POSITIONS[self.position])

    @property
    def kind_label(self) -> str:
        return str(ENTRY_KINDS[self.kind])

    @property
    def states_label(self) -> str:
        return ", ".join(s.name for s in self.recommending_states)


class Response(db.Model):
    """A government statement on a recommendation at a date, with its source."""

    __tablename__ = "response"
    __table_args__ = (
        CheckConstraint(f"position IN ({_in(POSITIONS)})", name="position"),
        CheckConstraint(f"kind IN ({_in(RESPONSE_KINDS)})", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    responded_on: Mapped[date | None] = mapped_column(Date)
    position: Mapped[str] = mapped_column(String(20))
    words: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recommendation: Mapped[Recommendation] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def kind_label(self) -> str:
        return str(RESPONSE_KINDS[self.kind])

    @property
    def position_label(self) -> str:
        return str(POSITIONS[self.position])


class Assessment(db.Model):
    """An organisation's assessment of how far a recommendation is implemented, at a date."""

    __tablename__ = "assessment"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(IMPLEMENTATION_STATUSES)})", name="status"),
        CheckConstraint(f"visibility IN ({_in(ASSESSMENT_VISIBILITIES)})", name="visibility"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), index=True
    )
    # Set by the organisation's editors (issue 10); see ASSESSMENT_VISIBILITIES.
    visibility: Mapped[str] = mapped_column(String(20), default="coalition",
                                            server_default="coalition", index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20))
    assessed_on: Mapped[date] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(Text, default="")
    # The evidence as sanitised HTML, rendered once when the assessment is recorded.
    evidence_html: Mapped[str] = mapped_column(Text, default="")
    source_links: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recommendation: Mapped[Recommendation] = relationship(foreign_keys=[recommendation_id])
    organisation: Mapped[Organisation] = relationship()
    author: Mapped[User | None] = relationship()

    @property
    def status_label(self) -> str:
        return str(IMPLEMENTATION_STATUSES[self.status])

    @property
    def visibility_label(self) -> str:
        return str(ASSESSMENT_VISIBILITIES[self.visibility])

    @property
    def links(self) -> list[str]:
        return [line.strip() for line in self.source_links.splitlines() if line.strip()]


IMPORT_STATUSES = ("previewing", "previewed", "importing", "done", "failed")


class ImportJob(db.Model):
    """An uploaded recommendations file on its way through preview and import.

    The work runs outside the request (a large file takes longer than a request may), and the
    row lets any worker show its progress and report.
    """

    __tablename__ = "import_job"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(IMPORT_STATUSES)})", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    review_id: Mapped[int | None] = mapped_column(ForeignKey("review.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="previewing")
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Runs started (the first, Huey's automatic retries, and retries asked for on the page).
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Updated with the progress: a running job whose heartbeat is older than
    # IMPORT_STALE_MINUTES has stopped (its worker died) and is marked failed.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the stored file was deleted (after the import, a failure of the file itself, or
    # IMPORT_UPLOAD_MAX_AGE_HOURS); a job without its file cannot be retried.
    upload_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # What the imports page shows of the file after it is deleted: its SHA-256, the format and
    # encoding detected, and whether the user chose to import the good rows and skip the rest.
    sha256: Mapped[str | None] = mapped_column(String(64))
    format: Mapped[str | None] = mapped_column(String(30))
    encoding: Mapped[str | None] = mapped_column(String(40))
    skip_errors: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The report's counts, for the imports page (which does not read the reports): those of
    # the preview until the import is done, then the import's own.
    created_count: Mapped[int | None] = mapped_column(Integer)
    updated_count: Mapped[int | None] = mapped_column(Integer)
    unchanged_count: Mapped[int | None] = mapped_column(Integer)
    error_count: Mapped[int | None] = mapped_column(Integer)
    # A review to create, named on the upload form as STATE-CYCLE ("egy-2"), when the file does
    # not name its review and the review does not exist yet.
    new_review: Mapped[str | None] = mapped_column(String(20))

    review: Mapped[Review | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def audit_label(self) -> str:
        return self.filename


class SavedView(db.Model):
    """A tracker filter saved under a name (issue 10): the tracker's query string, private to
    its owner or shared with one of the owner's organisations."""

    __tablename__ = "saved_view"
    __table_args__ = (
        UniqueConstraint("owner_id", "name", name="uq_saved_view_owner_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    # None: private to its owner; else shared with this organisation's members.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # The tracker's query string (coalition.recommendations.tracker.TRACKER_PARAMS only).
    query: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[User] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

    @property
    def audit_label(self) -> str:
        return self.name

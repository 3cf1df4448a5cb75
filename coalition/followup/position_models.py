"""The current coalition position of each recommendation (issue 11, item 3), denormalised.

CoalitionPosition rows are append-only; the newest (by adopted_on, then id) is the current
one. The tracker filters and counts on the current status (a facet whose unfiltered counts are
kept, see coalition.search.freshness) and the dashboards group by it, so it is kept in its own
table, one row per recommendation with a position, by coalition.followup.positions.adopt in
the transaction of the adoption. The table is one of the tracker's FACET_TABLES: the database
bumps the data version on every write to it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from coalition.core.types import in_list as _in
from coalition.extensions import db
from coalition.recommendations.models import IMPLEMENTATION_STATUSES


class CoalitionPositionCurrent(db.Model):
    """The newest CoalitionPosition of a recommendation: its id, status and date."""

    __tablename__ = "coalition_position_current"
    __table_args__ = (
        CheckConstraint(f"status IN ({_in(IMPLEMENTATION_STATUSES)})", name="status"),
        Index("ix_coalition_position_current_status", "status"),
    )

    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendation.id", ondelete="CASCADE"), primary_key=True,
        autoincrement=False)
    position_id: Mapped[int] = mapped_column(
        ForeignKey("coalition_position.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    adopted_on: Mapped[date] = mapped_column(Date)

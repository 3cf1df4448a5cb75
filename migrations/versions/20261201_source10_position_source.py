"""The current position's source follows its words: the source of the latest response

A recommendation's `position_words` followed the latest response (a LegCo answer, a mid-term
report) while `position_source` kept the UN addendum's, so the page and exports showed the
answer's words as the addendum's (issue 10, a new user's walk). From now on
`refresh_position` sets both; this sets the source of every recommendation that has
responses from its latest one (latest dated, undated first, then by id), as it would.

Revision ID: source10
Revises: merge12b
Create Date: 2026-12-01 06:45:00

"""

from alembic import op

revision = 'source10'
down_revision = 'merge12b'
branch_labels = None
depends_on = None


def upgrade():
    # Dates: SQLite stores them as ISO text, which sorts as dates do; PostgreSQL has dates.
    earliest = ("DATE '0001-01-01'" if op.get_bind().dialect.name == "postgresql"
                else "'0001-01-01'")
    latest = (
        "SELECT NULLIF(SUBSTR(r.source, 1, 200), '') FROM response r "
        "WHERE r.recommendation_id = recommendation.id "
        f"ORDER BY COALESCE(r.responded_on, {earliest}) DESC, r.id DESC LIMIT 1")
    # Only rows whose source changes: each update bumps the tracker's data version.
    op.execute(
        f"UPDATE recommendation SET position_source = ({latest}) "
        "WHERE EXISTS (SELECT 1 FROM response r WHERE r.recommendation_id = recommendation.id) "
        f"AND COALESCE(position_source, '') <> COALESCE(({latest}), '')")


def downgrade():
    # The addendum's source is kept on its response: nothing is lost going back.
    pass

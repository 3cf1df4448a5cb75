"""SQLite: an index holding the recommendation columns the tracker's facet statement reads of
each search match, so that the thousands of matches of a common word are read from the index
(a quarter of the table's row size) instead of the table (issue 10, section 3)

Revision ID: cover10
Revises: subs12
Create Date: 2026-12-01 02:40:00

"""
from alembic import op

revision = 'cover10'
down_revision = 'subs12'
branch_labels = None
depends_on = None

# As coalition.search.services.SQLITE_FACET_INDEX / SQLITE_FACET_COLUMNS at this revision.
NAME = "ix_recommendation_facet_rows"
COLUMNS = ["id", "review_id", "position", "action_category", "latest_status",
           "latest_public_status", "kind", "repeated_from_id", "paragraph_sort", "updated_at"]


def upgrade():
    # PostgreSQL reads the matches through its own plan (a bitmap heap scan); the index would
    # only slow its imports. A plain CREATE INDEX: no batch rebuild of the table (SQLite's would
    # drop the tracker's version triggers).
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(NAME, "recommendation", COLUMNS)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(NAME, table_name="recommendation")

"""The tracker's lead organisation facet: the kept facet counts are counted again (issue 11)

Revision ID: lead11
Revises: positions11
Create Date: 2026-11-30 23:00:00

The tracker gains a members-only facet "lead" (the lead organisation of the follow-up plan).
It reads followup_plan and organisation, which are already among the tracker's facet tables
(FACET_TABLES in coalition/search/freshness.py: organisation since perf10, followup_plan since
positions11), so their writes already bump tracker_data_version and no trigger is added. The
counts kept in tracker_facet_cache before this release lack the new facet: bumping the data
version makes the next page count again rather than serve them.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'lead11'
down_revision = 'positions11'
branch_labels = None
depends_on = None


def upgrade():
    # Through the version row alone (the cache is used only at the current version); the row
    # may be missing on a database never written since perf10: then nothing is kept either.
    op.execute("UPDATE tracker_data_version SET version = version + 1")


def downgrade():
    # The kept counts of this release hold one facet more than the older code reads: counted
    # again there too.
    op.execute("UPDATE tracker_data_version SET version = version + 1")

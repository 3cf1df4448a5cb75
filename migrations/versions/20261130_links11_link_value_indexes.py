"""The link tables' value indexes cover (value, recommendation): the tracker's facet filters
read the recommendations of a theme or State from the index alone (issue 10, section 3)

Revision ID: links11
Revises: midterm11b
Create Date: 2026-11-30 23:10:00

"""
from alembic import op

revision = 'links11'
down_revision = 'midterm11b'
branch_labels = None
depends_on = None

LINKS = (("recommendation_state", "state_id"), ("recommendation_theme", "theme_id"),
         ("recommendation_sdg", "sdg_number"), ("recommendation_affected", "affected_group_id"))


def upgrade():
    # A plain DROP/CREATE INDEX (no batch rebuild of the table: SQLite's would drop the
    # tracker's version triggers).
    for table, column in LINKS:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
        op.create_index(f"ix_{table}_{column}", table, [column, "recommendation_id"])


def downgrade():
    for table, column in LINKS:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
        op.create_index(f"ix_{table}_{column}", table, [column])

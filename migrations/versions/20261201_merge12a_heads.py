"""Merge the heads of 1 December: asks12 and subfiles12 (issue 12)

Revision ID: merge12a
Revises: asks12, subfiles12
Create Date: 2026-12-01 03:05:00

"""

revision = 'merge12a'
down_revision = ('asks12', 'subfiles12')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

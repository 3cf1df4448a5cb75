"""Merge the heads of 1 December: merge12a and drafting12 (issue 12)

Revision ID: merge12b
Revises: merge12a, drafting12
Create Date: 2026-12-01 03:40:00

"""

revision = 'merge12b'
down_revision = ('merge12a', 'drafting12')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass

"""The review whose mid-term assessment a statement is; one live draft per review (issue 11)

Revision ID: midterm11b
Revises: lead11
Create Date: 2026-11-30 22:50:00

statement.midterm_review_id ties a mid-term assessment draft to its review
(coalition.followup.midterm.generate_draft). A partial unique index keeps at most one that is
not withdrawn per review, so that two clicks at the same moment open one draft, not two.
Mid-term drafts opened before this revision are left unlinked (nothing recorded their review).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'midterm11b'
down_revision = 'lead11'
branch_labels = None
depends_on = None

LIVE_MIDTERM = "midterm_review_id IS NOT NULL AND status <> 'withdrawn'"


def upgrade():
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('midterm_review_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_statement_midterm_review_id_review'), 'review',
                                    ['midterm_review_id'], ['id'], ondelete='SET NULL')
    op.create_index('uq_statement_live_midterm', 'statement', ['midterm_review_id'],
                    unique=True, postgresql_where=sa.text(LIVE_MIDTERM),
                    sqlite_where=sa.text(LIVE_MIDTERM))


def downgrade():
    op.drop_index('uq_statement_live_midterm', table_name='statement')
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_statement_midterm_review_id_review'),
                                 type_='foreignkey')
        batch_op.drop_column('midterm_review_id')

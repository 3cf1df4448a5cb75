"""Submission files and the coalition calendar (issue 12, items 3 and 5): submission_file (a
submission's uploaded versions, kept under their SHA-256); the review's pre-session date,
adoption date and Human Rights Council session.

Revision ID: subfiles12
Revises: subs12
Create Date: 2026-12-01 02:32:03.770234

"""
import sqlalchemy as sa
from alembic import op

import coalition.core.types


# revision identifiers, used by Alembic.
revision = 'subfiles12'
down_revision = 'subs12'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('submission_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', coalition.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('final', 'draft', 'annex')", name=op.f('ck_submission_file_kind')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_submission_file_submission_id_submission'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_submission_file_uploaded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_file'))
    )
    with op.batch_alter_table('submission_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_file_sha256'), ['sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_submission_file_submission_id'), ['submission_id'], unique=False)

    # Plain ADD COLUMN (no batch copy of the review table on SQLite).
    op.add_column('review', sa.Column('presession_date', sa.Date(), nullable=True))
    op.add_column('review', sa.Column('adoption_date', sa.Date(), nullable=True))
    op.add_column('review', sa.Column('hrc_session', sa.Integer(), nullable=True))



def downgrade():
    op.drop_column('review', 'hrc_session')
    op.drop_column('review', 'adoption_date')
    op.drop_column('review', 'presession_date')

    with op.batch_alter_table('submission_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_file_submission_id'))
        batch_op.drop_index(batch_op.f('ix_submission_file_sha256'))

    op.drop_table('submission_file')

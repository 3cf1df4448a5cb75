"""Stakeholder submissions (issue 12, item 1): submission, its co-submitting organisations
with their answers, its themes; the review's submission deadline.

Revision ID: subs12
Revises: links11
Create Date: 2026-11-30 23:20:11.746616

"""
import sqlalchemy as sa
from alembic import op

import coalition.core.types


# revision identifiers, used by Alembic.
revision = 'subs12'
down_revision = 'links11'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('lead_organisation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('ohchr_reference', sa.String(length=40), nullable=True),
    sa.Column('visibility', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', coalition.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', coalition.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('individual', 'joint')", name=op.f('ck_submission_kind')),
    sa.CheckConstraint("status IN ('draft', 'submitted', 'published')", name=op.f('ck_submission_status')),
    sa.CheckConstraint("visibility IN ('organisation', 'coalition', 'public')", name=op.f('ck_submission_visibility')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_submission_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['lead_organisation_id'], ['organisation.id'], name=op.f('fk_submission_lead_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['review_id'], ['review.id'], name=op.f('fk_submission_review_id_review')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission'))
    )
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_lead_organisation_id'), ['lead_organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submission_review_id'), ['review_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submission_status'), ['status'], unique=False)

    op.create_table('submission_participant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', coalition.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('invited_at', coalition.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('invited', 'confirmed', 'declined')", name=op.f('ck_submission_participant_state')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user.id'], name=op.f('fk_submission_participant_answered_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_submission_participant_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_submission_participant_submission_id_submission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_participant')),
    sa.UniqueConstraint('submission_id', 'organisation_id', name='uq_submission_participant')
    )
    with op.batch_alter_table('submission_participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_participant_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_submission_participant_submission_id'), ['submission_id'], unique=False)

    op.create_table('submission_theme',
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_submission_theme_submission_id_submission'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_submission_theme_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('submission_id', 'theme_id', name=op.f('pk_submission_theme'))
    )
    with op.batch_alter_table('submission_theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_theme_theme_id'), ['theme_id'], unique=False)

    # A plain ADD COLUMN (no batch rebuild of the table: SQLite's would drop its triggers).
    op.add_column('review', sa.Column('submission_deadline', sa.Date(), nullable=True))



def downgrade():
    op.drop_column('review', 'submission_deadline')

    with op.batch_alter_table('submission_theme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_theme_theme_id'))

    op.drop_table('submission_theme')
    with op.batch_alter_table('submission_participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_participant_submission_id'))
        batch_op.drop_index(batch_op.f('ix_submission_participant_organisation_id'))

    op.drop_table('submission_participant')
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_status'))
        batch_op.drop_index(batch_op.f('ix_submission_review_id'))
        batch_op.drop_index(batch_op.f('ix_submission_lead_organisation_id'))

    op.drop_table('submission')

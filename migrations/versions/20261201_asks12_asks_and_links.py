"""Asks and their links to recommendations (issue 12, item 4): a submission's asks, their
themes, and each ask's proposed / confirmed / rejected links to the UN recommendations.

Revision ID: asks12
Revises: subs12
Create Date: 2026-12-01 02:31:44.128129

"""
import sqlalchemy as sa
from alembic import op

import coalition.core.types


# revision identifiers, used by Alembic.
revision = 'asks12'
down_revision = 'subs12'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ask',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', coalition.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', coalition.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_ask_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submission_id'], ['submission.id'], name=op.f('fk_ask_submission_id_submission'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ask'))
    )
    op.create_index(op.f('ix_ask_submission_id'), 'ask', ['submission_id'], unique=False)

    op.create_table('ask_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ask_id', sa.Integer(), nullable=False),
    sa.Column('recommendation_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('matched_words', sa.String(length=500), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', coalition.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', coalition.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('proposed', 'manual')", name=op.f('ck_ask_link_source')),
    sa.CheckConstraint("state IN ('proposed', 'confirmed', 'rejected')", name=op.f('ck_ask_link_state')),
    sa.ForeignKeyConstraint(['ask_id'], ['ask.id'], name=op.f('fk_ask_link_ask_id_ask'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user.id'], name=op.f('fk_ask_link_decided_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'], name=op.f('fk_ask_link_recommendation_id_recommendation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ask_link')),
    sa.UniqueConstraint('ask_id', 'recommendation_id', name='uq_ask_link')
    )
    op.create_index(op.f('ix_ask_link_ask_id'), 'ask_link', ['ask_id'], unique=False)
    op.create_index(op.f('ix_ask_link_recommendation_id'), 'ask_link', ['recommendation_id'], unique=False)
    op.create_index(op.f('ix_ask_link_state'), 'ask_link', ['state'], unique=False)

    op.create_table('ask_theme',
    sa.Column('ask_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ask_id'], ['ask.id'], name=op.f('fk_ask_theme_ask_id_ask'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_ask_theme_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ask_id', 'theme_id', name=op.f('pk_ask_theme'))
    )
    op.create_index(op.f('ix_ask_theme_theme_id'), 'ask_theme', ['theme_id'], unique=False)



def downgrade():
    op.drop_index(op.f('ix_ask_theme_theme_id'), table_name='ask_theme')
    op.drop_table('ask_theme')
    op.drop_index(op.f('ix_ask_link_state'), table_name='ask_link')
    op.drop_index(op.f('ix_ask_link_recommendation_id'), table_name='ask_link')
    op.drop_index(op.f('ix_ask_link_ask_id'), table_name='ask_link')
    op.drop_table('ask_link')
    op.drop_index(op.f('ix_ask_submission_id'), table_name='ask')
    op.drop_table('ask')

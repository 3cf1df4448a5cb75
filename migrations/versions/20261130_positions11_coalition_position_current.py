"""The current coalition position per recommendation, with the tracker's version triggers (issue 11)

Revision ID: positions11
Revises: follow11
Create Date: 2026-11-30 18:40:00

coalition_position_current: one row per recommendation that has a coalition position (the
newest CoalitionPosition), kept by coalition.followup.positions; the tracker's coalition
position facet counts it, and the dashboards' kept aggregates also read coalition_position
and followup_plan, so writes to the three bump tracker_data_version like the other facet
tables (coalition/search/freshness.py). A new table: no tracker table is altered.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'positions11'
down_revision = 'follow11'
branch_labels = None
depends_on = None

# The tracker's coalition position facet reads the first; the dashboards' kept aggregates
# (coalition.dashboards.services) the others too.
TABLES = ('coalition_position_current', 'coalition_position', 'followup_plan')


def upgrade():
    from coalition.search import freshness

    op.create_table(
        'coalition_position_current',
        sa.Column('recommendation_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('position_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('adopted_on', sa.Date(), nullable=False),
        sa.CheckConstraint("status IN ('not_implemented', 'partially', 'fully', 'regressed', "
                           "'unclear')", name=op.f('ck_coalition_position_current_status')),
        sa.ForeignKeyConstraint(['position_id'], ['coalition_position.id'],
                                name=op.f('fk_coalition_position_current_position_id_coalition_position'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recommendation_id'], ['recommendation.id'],
                                name=op.f('fk_coalition_position_current_recommendation_id_recommendation'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('recommendation_id', name=op.f('pk_coalition_position_current')),
        sa.UniqueConstraint('position_id', name=op.f('uq_coalition_position_current_position_id')))
    op.create_index('ix_coalition_position_current_status', 'coalition_position_current',
                    ['status'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        statements = freshness.postgresql_trigger_statements(TABLES)
    else:
        statements = freshness.sqlite_trigger_statements(TABLES)
    for statement in statements:
        op.execute(statement)
    # The kept facet counts lack the new facets: counted again at the next page.
    op.execute("UPDATE tracker_data_version SET version = version + 1")


def downgrade():
    from coalition.search import freshness

    if op.get_bind().dialect.name == 'postgresql':
        statements = [f"DROP TRIGGER IF EXISTS tracker_data_mark ON {t}" for t in TABLES]
    else:
        statements = freshness.sqlite_drop_statements(TABLES)
    for statement in statements:
        op.execute(statement)
    op.drop_index('ix_coalition_position_current_status', table_name='coalition_position_current')
    op.drop_table('coalition_position_current')

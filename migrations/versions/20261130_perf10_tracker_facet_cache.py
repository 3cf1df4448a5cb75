"""The tracker's precomputed facet counts and the data version that keeps them true (issue 10, 3)

Revision ID: perf10
Revises: export10
Create Date: 2026-11-30 15:00:00

tracker_data_version (one row), bumped by triggers in the transaction of every write to the
tables the facets read; tracker_facet_cache (the unfiltered tracker's counts per kind of
viewer, stamped with the version they were computed at); on PostgreSQL tracker_data_pending
(transactions that wrote and have not committed; the version is bumped at commit). See
coalition/search/freshness.py.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'perf10'
down_revision = 'export10'
branch_labels = None
depends_on = None


def upgrade():
    from coalition.search import freshness

    op.create_table(
        'tracker_data_version',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tracker_data_version')))
    op.create_table(
        'tracker_data_pending',
        sa.Column('xid', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint('xid', name=op.f('pk_tracker_data_pending')))
    op.create_table(
        'tracker_facet_cache',
        sa.Column('scope', sa.String(length=40), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('scope', name=op.f('pk_tracker_facet_cache')))
    op.execute("INSERT INTO tracker_data_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == 'postgresql':
        statements = freshness.postgresql_trigger_statements(freshness.PERF10_TABLES)
    else:
        statements = freshness.sqlite_trigger_statements(freshness.PERF10_TABLES)
    for statement in statements:
        op.execute(statement)


def downgrade():
    from coalition.search import freshness

    if op.get_bind().dialect.name == 'postgresql':
        statements = freshness.postgresql_drop_statements(freshness.PERF10_TABLES)
    else:
        statements = freshness.sqlite_drop_statements(freshness.PERF10_TABLES)
    for statement in statements:
        op.execute(statement)
    op.drop_table('tracker_facet_cache')
    op.drop_table('tracker_data_pending')
    op.drop_table('tracker_data_version')

"""Assessment visibility, the latest public assessment of a recommendation, saved tracker views
(issue 10)

Revision ID: export10
Revises: stux8
Create Date: 2026-11-30 14:45:00

Every existing assessment becomes visible to the coalition (as it was: every member could read
it). `latest_public_*` start empty (no assessment was public before).
"""
from alembic import op
import sqlalchemy as sa

from coalition.core.types import UTCDateTime


# revision identifiers, used by Alembic.
revision = 'export10'
down_revision = 'stux8'
branch_labels = None
depends_on = None

STATUSES = ("'not_implemented', 'partially', 'fully', 'regressed', 'unclear'")


def _restore_sqlite_search():
    """SQLite's batch mode rebuilds the recommendation table, which drops the triggers that keep
    the FTS5 index current (created in 1046890388e2): create them again and rebuild the index."""
    if op.get_bind().dialect.name != 'sqlite':
        return
    for trigger in ('insert', 'delete', 'update'):
        op.execute(f"DROP TRIGGER IF EXISTS recommendation_fts_{trigger}")
    op.execute("CREATE TRIGGER recommendation_fts_insert AFTER INSERT ON recommendation BEGIN "
               "INSERT INTO recommendation_fts(rowid, text) VALUES (new.id, new.text); END")
    op.execute("CREATE TRIGGER recommendation_fts_delete AFTER DELETE ON recommendation BEGIN "
               "INSERT INTO recommendation_fts(recommendation_fts, rowid, text) "
               "VALUES ('delete', old.id, old.text); END")
    op.execute("CREATE TRIGGER recommendation_fts_update AFTER UPDATE OF text ON recommendation "
               "BEGIN INSERT INTO recommendation_fts(recommendation_fts, rowid, text) "
               "VALUES ('delete', old.id, old.text); "
               "INSERT INTO recommendation_fts(rowid, text) VALUES (new.id, new.text); END")
    op.execute("INSERT INTO recommendation_fts(recommendation_fts) VALUES ('rebuild')")


def upgrade():
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visibility', sa.String(length=20),
                                      server_default='coalition', nullable=False))
        batch_op.create_index(batch_op.f('ix_assessment_visibility'), ['visibility'],
                              unique=False)
        batch_op.create_check_constraint(
            'visibility', "visibility IN ('organisation', 'coalition', 'public')")
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('latest_public_assessment_id', sa.Integer(),
                                      nullable=True))
        batch_op.add_column(sa.Column('latest_public_status', sa.String(length=20),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_recommendation_latest_public_status'),
                              ['latest_public_status'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_recommendation_latest_public_assessment_id_assessment'),
            'assessment', ['latest_public_assessment_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint('latest_public_status',
                                         f"latest_public_status IN ({STATUSES})")
    _restore_sqlite_search()
    op.create_table(
        'saved_view',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('query', sa.Text(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_saved_view_organisation_id_organisation'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['owner_id'], ['user.id'],
                                name=op.f('fk_saved_view_owner_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_view')),
        sa.UniqueConstraint('owner_id', 'name', name='uq_saved_view_owner_name'),
    )
    with op.batch_alter_table('saved_view', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_view_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_saved_view_organisation_id'), ['organisation_id'],
                              unique=False)


def downgrade():
    op.drop_table('saved_view')
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_recommendation_latest_public_status'),
                                 type_='check')
        batch_op.drop_constraint(
            batch_op.f('fk_recommendation_latest_public_assessment_id_assessment'),
            type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_recommendation_latest_public_status'))
        batch_op.drop_column('latest_public_status')
        batch_op.drop_column('latest_public_assessment_id')
    _restore_sqlite_search()
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_assessment_visibility'), type_='check')
        batch_op.drop_index(batch_op.f('ix_assessment_visibility'))
        batch_op.drop_column('visibility')

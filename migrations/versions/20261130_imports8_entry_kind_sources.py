"""recommendations: supported in part, voluntary pledges, source identifiers; import job facts

Revision ID: imports8
Revises: accounts7
Create Date: 2026-11-30 11:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'imports8'
down_revision = 'accounts7'
branch_labels = None
depends_on = None

OLD = "position IN ('supported', 'noted', 'pending')"
NEW = "position IN ('supported', 'supported_in_part', 'noted', 'pending')"


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
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=20), server_default='recommendation', nullable=False))
        batch_op.add_column(sa.Column('uhri_annotation_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('upr_info_id', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_recommendation_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_recommendation_uhri_annotation_id'), ['uhri_annotation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recommendation_upr_info_id'), ['upr_info_id'], unique=False)
        batch_op.drop_constraint(batch_op.f('ck_recommendation_position'), type_='check')
        batch_op.create_check_constraint('position', NEW)
        batch_op.create_check_constraint('kind', "kind IN ('recommendation', 'pledge')")
    _restore_sqlite_search()
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_response_position'), type_='check')
        batch_op.create_check_constraint('position', NEW)
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('format', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('encoding', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('skip_errors', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.drop_column('skip_errors')
        batch_op.drop_column('encoding')
        batch_op.drop_column('format')
        batch_op.drop_column('sha256')
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_response_position'), type_='check')
        batch_op.create_check_constraint('position', OLD)
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_recommendation_kind'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_recommendation_position'), type_='check')
        batch_op.create_check_constraint('position', OLD)
        batch_op.drop_index(batch_op.f('ix_recommendation_upr_info_id'))
        batch_op.drop_index(batch_op.f('ix_recommendation_uhri_annotation_id'))
        batch_op.drop_index(batch_op.f('ix_recommendation_kind'))
        batch_op.drop_column('upr_info_id')
        batch_op.drop_column('uhri_annotation_id')
        batch_op.drop_column('kind')
    _restore_sqlite_search()

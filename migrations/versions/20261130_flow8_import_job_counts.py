"""import jobs: the counts the imports page lists, and a review to create named on upload

Revision ID: flow8
Revises: imports8
Create Date: 2026-11-30 11:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'flow8'
down_revision = 'imports8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('updated_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('unchanged_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('error_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('new_review', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.drop_column('new_review')
        batch_op.drop_column('error_count')
        batch_op.drop_column('unchanged_count')
        batch_op.drop_column('updated_count')
        batch_op.drop_column('created_count')

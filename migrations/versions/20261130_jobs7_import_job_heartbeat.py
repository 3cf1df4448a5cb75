"""import jobs: attempts, heartbeat, upload deletion

Revision ID: jobs7
Revises: access7
Create Date: 2026-11-30 08:40:00

"""
from alembic import op
import sqlalchemy as sa

import coalition.core.types


# revision identifiers, used by Alembic.
revision = 'jobs7'
down_revision = 'access7'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('heartbeat_at', coalition.core.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('upload_deleted_at', coalition.core.types.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('import_job', schema=None) as batch_op:
        batch_op.drop_column('upload_deleted_at')
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('attempts')

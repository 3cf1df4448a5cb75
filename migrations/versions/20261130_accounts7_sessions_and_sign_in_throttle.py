"""server-side sessions and sign-in back-off

user_session: one row per signed-in browser (only a hash of its secret), revoked at sign-out.
sign_in_throttle: failed sign-ins per hashed email address and per client address, replacing
the per-account lock (user.failed_logins, user.locked_until), which let a stranger lock anyone
out and told known addresses from unknown ones.

Revision ID: accounts7
Revises: render7
Create Date: 2026-11-30 08:30:00

"""
from alembic import op
import sqlalchemy as sa

import coalition.core.types


# revision identifiers, used by Alembic.
revision = 'accounts7'
down_revision = 'render7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('remember', sa.Boolean(), nullable=False),
    sa.Column('created_at', coalition.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', coalition.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', coalition.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', coalition.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_user_session_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_user_session_secret_hash'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_session_user_id'), ['user_id'], unique=False)

    op.create_table('sign_in_throttle',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_failure_at', coalition.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_sign_in_throttle'))
    )
    with op.batch_alter_table('sign_in_throttle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_throttle_last_failure_at'), ['last_failure_at'], unique=False)
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('locked_until', coalition.core.types.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('sign_in_throttle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_throttle_last_failure_at'))
    op.drop_table('sign_in_throttle')
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_session_user_id'))
    op.drop_table('user_session')

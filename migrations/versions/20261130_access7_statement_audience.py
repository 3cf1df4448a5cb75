"""statement audience: who a statement's text has ever been shown to

Revision ID: access7
Revises: a24a581ade9b
Create Date: 2026-11-30 08:30:00

Existing statements get the widest audience their status or their audit trail shows they reached
(a withdrawn statement that had been opened for sign-on stays readable by members, one withdrawn
as a draft stays with its drafters).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'access7'
down_revision = 'a24a581ade9b'
branch_labels = None
depends_on = None

# Widest last: each step overwrites the narrower ones before it.
_REACHED = [
    ("steering", ("in_review",), "statement.submit"),
    ("members", ("open",), "statement.open_signon"),
    ("public", ("published",), "statement.publish"),
]


def upgrade():
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audience', sa.String(length=20),
                                      server_default='drafters', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_statement_audience'), "audience IN ('drafters', 'steering', 'members', 'public')")
    statement = sa.table('statement', sa.column('id', sa.Integer),
                         sa.column('status', sa.String), sa.column('audience', sa.String),
                         sa.column('published_number', sa.Integer))
    event = sa.table('audit_event', sa.column('object_type', sa.String),
                     sa.column('object_id', sa.Integer), sa.column('action', sa.String))
    for audience, statuses, action in _REACHED:
        seen = sa.select(event.c.object_id).where(event.c.object_type == 'statement',
                                                  event.c.action == action)
        reached = sa.or_(statement.c.status.in_(statuses), statement.c.id.in_(seen))
        if audience == 'public':
            reached = sa.or_(reached, statement.c.published_number.is_not(None))
        op.execute(statement.update().where(reached).values(audience=audience))


def downgrade():
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_statement_audience'), type_='check')
        batch_op.drop_column('audience')

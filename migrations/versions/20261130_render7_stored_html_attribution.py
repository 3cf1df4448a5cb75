"""Markdown rendered once and stored; comments removable; who-wrote-what kept per revision

Revision ID: render7
Revises: jobs7
Create Date: 2026-11-30 08:30:00

Adds the sanitised HTML next to each Markdown source (statement_comment.body_html,
assessment.evidence_html, revision.html), the removal of a comment (removed_at, removed_by_id)
and the table statement_attribution (who wrote what, per revision). Existing comments and
assessments get their HTML here; a revision's HTML is rendered the first time it is shown (a
statement may have hundreds of revisions nobody will display again), and attributions the first
time "who wrote what" is asked for.
"""
from alembic import op
import sqlalchemy as sa

import coalition.core.types


# revision identifiers, used by Alembic.
revision = 'render7'
down_revision = 'jobs7'
branch_labels = None
depends_on = None


def _backfill(table: str, source: str, target: str) -> None:
    # The app's own renderer, so stored HTML is what a new save would store.
    from coalition.core.markdown import render_html

    bind = op.get_bind()
    t = sa.table(table, sa.column('id', sa.Integer), sa.column(source, sa.Text),
                 sa.column(target, sa.Text))
    rows = bind.execute(sa.select(t.c.id, t.c[source])).all()
    for row_id, text in rows:
        bind.execute(t.update().where(t.c.id == row_id).values({target: render_html(text)}))


def upgrade():
    op.create_table('statement_attribution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('runs', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], name=op.f('fk_statement_attribution_statement_id_statement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_attribution')),
    sa.UniqueConstraint('statement_id', 'number', name='uq_statement_attribution_statement_number')
    )
    with op.batch_alter_table('statement_attribution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_attribution_digest'), ['digest'], unique=False)

    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('html', sa.Text(), nullable=True))

    with op.batch_alter_table('statement_comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('removed_at', coalition.core.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('removed_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_statement_comment_removed_by_id_user'), 'user', ['removed_by_id'], ['id'], ondelete='SET NULL')
    _backfill('statement_comment', 'body', 'body_html')
    with op.batch_alter_table('statement_comment', schema=None) as batch_op:
        batch_op.alter_column('body_html', existing_type=sa.Text(), nullable=False)

    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence_html', sa.Text(), nullable=True))
    _backfill('assessment', 'evidence', 'evidence_html')
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.alter_column('evidence_html', existing_type=sa.Text(), nullable=False)


def downgrade():
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_column('evidence_html')

    with op.batch_alter_table('statement_comment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_statement_comment_removed_by_id_user'), type_='foreignkey')
        batch_op.drop_column('removed_by_id')
        batch_op.drop_column('removed_at')
        batch_op.drop_column('body_html')

    with op.batch_alter_table('revision', schema=None) as batch_op:
        batch_op.drop_column('html')

    with op.batch_alter_table('statement_attribution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_attribution_digest'))

    op.drop_table('statement_attribution')

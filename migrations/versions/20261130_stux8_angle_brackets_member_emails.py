"""Stored HTML rendered again where the Markdown has angle brackets (issue 9, 3.3); an
organisation may share its members' e-mail addresses (issue 9, 3.19)

Revision ID: stux8
Revises: flow8
Create Date: 2026-11-30 12:00:00

The renderer used to drop words in angle brackets (`We, <name of organisation>, call on` became
`We, , call on`). Stored HTML whose source has a `<` is rendered again: comments and
assessments' evidence here, with the app's own renderer (as render7 did); a revision's HTML is
cleared, so it is rendered the first time it is shown again (revisions are many and most are
never shown again). Downgrade leaves the HTML as the new renderer made it: it is correct.

organisation.share_member_emails (false: members' e-mail addresses are shown to the
organisation's own members and the coordinator only).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'stux8'
down_revision = 'flow8'
branch_labels = None
depends_on = None


def _rerender(table: str, source: str, target: str) -> None:
    from coalition.core.markdown import render_html

    bind = op.get_bind()
    t = sa.table(table, sa.column('id', sa.Integer), sa.column(source, sa.Text),
                 sa.column(target, sa.Text))
    rows = bind.execute(sa.select(t.c.id, t.c[source]).where(t.c[source].contains('<'))).all()
    for row_id, text in rows:
        bind.execute(t.update().where(t.c.id == row_id).values({target: render_html(text)}))


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('share_member_emails', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    revision_table = sa.table('revision', sa.column('text', sa.Text),
                              sa.column('html', sa.Text))
    op.execute(revision_table.update().where(revision_table.c.text.contains('<'))
               .values(html=None))
    _rerender('statement_comment', 'body', 'body_html')
    _rerender('assessment', 'evidence', 'evidence_html')


def downgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('share_member_emails')

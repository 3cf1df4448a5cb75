"""Drafting lifted out of statements (issue 12, item 2): a `document` owns the revisions,
attributions, conflict copies, drafts, presence and comments that were keyed on a statement;
statements and submissions each point at one.

Each existing statement gets the document with its own id (so every statement_id value kept in
those tables stays valid as a document_id) and its head_number moves to the document. The
tables named after statements are renamed (statement_comment -> document_comment, ...; revision
keeps its name), their statement_id column becomes document_id, and the constraints and
indexes named after them follow. Batch mode is used on SQLite for these tables and for
`statement` and `submission` only (none has triggers).

Revision ID: drafting12
Revises: subs12
Create Date: 2026-12-01 02:33:29.888849

"""
import sqlalchemy as sa
from alembic import op

import coalition.core.types


# revision identifiers, used by Alembic.
revision = 'drafting12'
down_revision = 'subs12'
branch_labels = None
depends_on = None

LIVE_MIDTERM = "midterm_review_id IS NOT NULL AND status <> 'withdrawn'"
# (old table, new table, {old unique/index name: (new name, columns, unique?)})
TABLES = [
    ("revision", "revision", {
        "uq_revision_statement_number": ("uq_revision_document_number",
                                         ["document_id", "number"], True),
        "ix_revision_statement_id": ("ix_revision_document_id", ["document_id"], False)}),
    ("statement_attribution", "document_attribution", {
        "uq_statement_attribution_statement_number": (
            "uq_document_attribution_document_number", ["document_id", "number"], True),
        "ix_statement_attribution_digest": ("ix_document_attribution_digest", ["digest"],
                                            False)}),
    ("statement_conflict", "document_conflict", {
        "ix_statement_conflict_statement_id": ("ix_document_conflict_document_id",
                                               ["document_id"], False)}),
    ("statement_draft", "document_draft", {
        "uq_statement_draft_statement_user": ("uq_document_draft_document_user",
                                              ["document_id", "user_id"], True)}),
    ("statement_presence", "document_presence", {
        "uq_statement_presence_statement_user": ("uq_document_presence_document_user",
                                                 ["document_id", "user_id"], True)}),
    ("statement_comment", "document_comment", {
        "ix_statement_comment_statement_id": ("ix_document_comment_document_id",
                                              ["document_id"], False)}),
]


def _is_postgres():
    return op.get_bind().dialect.name == "postgresql"


def _move(old, new, keys, old_col, new_col, old_owner, new_owner):
    """Rename table `old` to `new` and its column `old_col` (a foreign key to `old_owner`) to
    `new_col` (to `new_owner`), with the constraints and indexes named after them."""
    if old != new:
        op.rename_table(old, new)
        if _is_postgres():
            op.execute(f'ALTER TABLE {new} RENAME CONSTRAINT pk_{old} TO pk_{new}')
            op.execute(f'ALTER SEQUENCE IF EXISTS {old}_id_seq RENAME TO {new}_id_seq')
    foreign_keys = sa.inspect(op.get_bind()).get_foreign_keys(new)
    uniques = {u["name"] for u in sa.inspect(op.get_bind()).get_unique_constraints(new)}
    with op.batch_alter_table(new) as batch_op:
        for old_name in keys:
            if old_name in uniques:
                batch_op.drop_constraint(old_name, type_="unique")
            else:
                batch_op.drop_index(old_name)
        for fk in foreign_keys:
            batch_op.drop_constraint(fk["name"], type_="foreignkey")
        batch_op.alter_column(old_col, new_column_name=new_col, existing_type=sa.Integer(),
                              existing_nullable=False)
    # (Constraints on the renamed column cannot be made in the same batch on SQLite.)
    with op.batch_alter_table(new) as batch_op:
        for fk in foreign_keys:
            columns = [new_col if c == old_col else c for c in fk["constrained_columns"]]
            referred = fk["referred_table"]
            referred = {old_owner: new_owner, old: new}.get(referred, referred)
            name = f"fk_{new}_{columns[0]}_{referred}"
            batch_op.create_foreign_key(name, referred, columns, fk["referred_columns"],
                                        ondelete=(fk.get("options") or {}).get("ondelete"))
        for _old_name, (name, columns, unique) in keys.items():
            if unique:
                batch_op.create_unique_constraint(name, columns)
    for _old_name, (name, columns, unique) in keys.items():
        if not unique:
            op.create_index(name, new, columns)


def upgrade():
    op.create_table('document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner', sa.String(length=20), nullable=False),
    sa.Column('head_number', sa.Integer(), nullable=False),
    sa.Column('created_at', coalition.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("owner IN ('statement', 'submission')", name=op.f('ck_document_owner')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document'))
    )
    # One document per statement, with the statement's id: the statement_id values kept in the
    # drafting tables are then valid document ids as they stand.
    op.execute("INSERT INTO document (id, owner, head_number, created_at) "
               "SELECT id, 'statement', head_number, created_at FROM statement")
    if _is_postgres():
        op.execute("SELECT setval(pg_get_serial_sequence('document', 'id'), "
                   "COALESCE((SELECT MAX(id) FROM document), 0) + 1, false)")

    # The partial unique index is dropped and made again around the batch (SQLite rebuilds the
    # table; the WHERE clause must survive).
    op.drop_index('uq_statement_live_midterm', table_name='statement')
    with op.batch_alter_table('statement') as batch_op:
        batch_op.add_column(sa.Column('document_id', sa.Integer(), nullable=True))
    op.execute("UPDATE statement SET document_id = id")
    with op.batch_alter_table('statement') as batch_op:
        batch_op.alter_column('document_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(op.f('uq_statement_document_id'), ['document_id'])
        batch_op.create_foreign_key(op.f('fk_statement_document_id_document'), 'document',
                                    ['document_id'], ['id'])
        batch_op.drop_column('head_number')
    op.create_index('uq_statement_live_midterm', 'statement', ['midterm_review_id'],
                    unique=True, postgresql_where=sa.text(LIVE_MIDTERM),
                    sqlite_where=sa.text(LIVE_MIDTERM))

    for old, new, keys in TABLES:
        _move(old, new, keys, "statement_id", "document_id", "statement", "document")

    with op.batch_alter_table('submission') as batch_op:
        batch_op.add_column(sa.Column('document_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(op.f('uq_submission_document_id'), ['document_id'])
        batch_op.create_foreign_key(op.f('fk_submission_document_id_document'), 'document',
                                    ['document_id'], ['id'])


def downgrade():
    with op.batch_alter_table('submission') as batch_op:
        batch_op.drop_constraint(op.f('fk_submission_document_id_document'),
                                 type_='foreignkey')
        batch_op.drop_constraint(op.f('uq_submission_document_id'), type_='unique')
        batch_op.drop_column('document_id')
    for old, new, keys in reversed(TABLES):
        # Submissions' texts have no statement to go back to; statements' go back to theirs.
        op.execute(f"DELETE FROM {new} WHERE document_id NOT IN "
                   "(SELECT document_id FROM statement)")
        op.execute(f"UPDATE {new} SET document_id = (SELECT statement.id FROM statement "
                   f"WHERE statement.document_id = {new}.document_id)")
        back = {name: (old_name, [("statement_id" if c == "document_id" else c)
                                  for c in columns], unique)
                for old_name, (name, columns, unique) in keys.items()}
        _move(new, old, back, "document_id", "statement_id", "document", "statement")

    op.drop_index('uq_statement_live_midterm', table_name='statement')
    with op.batch_alter_table('statement') as batch_op:
        batch_op.add_column(sa.Column('head_number', sa.Integer(), nullable=True))
    op.execute("UPDATE statement SET head_number = (SELECT document.head_number FROM document "
               "WHERE document.id = statement.document_id)")
    with op.batch_alter_table('statement') as batch_op:
        batch_op.alter_column('head_number', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(op.f('fk_statement_document_id_document'), type_='foreignkey')
        batch_op.drop_constraint(op.f('uq_statement_document_id'), type_='unique')
        batch_op.drop_column('document_id')
    op.create_index('uq_statement_live_midterm', 'statement', ['midterm_review_id'],
                    unique=True, postgresql_where=sa.text(LIVE_MIDTERM),
                    sqlite_where=sa.text(LIVE_MIDTERM))
    op.drop_table('document')

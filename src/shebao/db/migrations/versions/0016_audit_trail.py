"""the audit trail: hash-chained entries and the chain head

Entries are append-only: triggers (PostgreSQL and SQLite each in its own dialect) refuse UPDATE
and DELETE, so nobody — admin included — can edit the trail through shebao. The head row (seq 0,
64 zeros) is the lock every sealing transaction takes.

Revision ID: 0016
Revises: 0009
Create Date: 2026-11-27 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0009'
branch_labels = None
depends_on = None

BigSeq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
MESSAGE = "audit entries are never changed or deleted"


def upgrade() -> None:
    op.create_table('audit_entries',
    sa.Column('seq', BigSeq, autoincrement=False, nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('object_type', sa.String(length=64), nullable=False),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=True),
    sa.Column('reason', sa.String(length=500), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_entries'))
    )
    op.create_index('ix_audit_entries_object', 'audit_entries', ['object_type', 'object_id'])
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('seq', BigSeq, nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.execute(f"INSERT INTO audit_head (id, seq, entry_hash) VALUES (1, 0, '{'0' * 64}')")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END $$""")
        op.execute("CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON "
                   "audit_entries FOR EACH ROW EXECUTE FUNCTION audit_append_only()")
    else:
        for event in ("update", "delete"):
            op.execute(f"CREATE TRIGGER audit_entries_no_{event} BEFORE {event.upper()} ON "
                       f"audit_entries BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries")
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_entries_no_{event}")
    op.drop_table('audit_head')
    op.drop_index('ix_audit_entries_object', table_name='audit_entries')
    op.drop_table('audit_entries')

"""supervision: the audit trail (hash-chained entries, chain head), alerts, cases, notes,
external wages

Entries are append-only: triggers (PostgreSQL and SQLite each in its own dialect) refuse UPDATE
and DELETE, so nobody — admin included — can edit the trail through shebao. The head row (seq 0,
64 zeros) is the lock every sealing transaction takes.

Revision ID: 0016
Revises: 0014
Create Date: 2026-11-27 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0014'
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
    op.create_table('supervision_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_kind', sa.String(length=12), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('province', sa.String(length=6), nullable=False),
    sa.Column('scheme', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('risk_score', sa.Float(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('assigned_to', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=True),
    sa.Column('outcome_reason', sa.String(length=500), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recovered_fen', sa.BigInteger(), nullable=False),
    sa.Column('fine_fen', sa.BigInteger(), nullable=False),
    sa.Column('ledger_entry_id', sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
              nullable=True),
    sa.ForeignKeyConstraint(['assigned_to'], ['users.id'], name=op.f('fk_supervision_cases_assigned_to_users')),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_supervision_cases_decided_by_users')),
    sa.ForeignKeyConstraint(['ledger_entry_id'], ['ledger_entries.id'], name=op.f('fk_supervision_cases_ledger_entry_id_ledger_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_cases'))
    )
    op.create_index(op.f('ix_supervision_cases_province'), 'supervision_cases', ['province'])
    op.create_index(op.f('ix_supervision_cases_status'), 'supervision_cases', ['status'])
    op.create_table('supervision_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('key', sa.String(length=160), nullable=False),
    sa.Column('subject_kind', sa.String(length=12), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('province', sa.String(length=6), nullable=False),
    sa.Column('scheme', sa.String(length=24), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['supervision_cases.id'], name=op.f('fk_supervision_alerts_case_id_supervision_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_alerts')),
    sa.UniqueConstraint('key', name=op.f('uq_supervision_alerts_key'))
    )
    op.create_index(op.f('ix_supervision_alerts_case_id'), 'supervision_alerts', ['case_id'])
    op.create_index(op.f('ix_supervision_alerts_province'), 'supervision_alerts', ['province'])
    op.create_table('supervision_case_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=2000), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_supervision_case_notes_author_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['supervision_cases.id'], name=op.f('fk_supervision_case_notes_case_id_supervision_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_case_notes'))
    )
    op.create_index(op.f('ix_supervision_case_notes_case_id'), 'supervision_case_notes', ['case_id'])
    op.create_table('supervision_external_wages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('wage_fen', sa.BigInteger(), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_supervision_external_wages_employer_id_employers')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_supervision_external_wages_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_external_wages')),
    sa.UniqueConstraint('person_id', 'employer_id', 'month', 'source', name=op.f('uq_supervision_external_wages_person_id'))
    )
    op.create_index(op.f('ix_supervision_external_wages_person_id'), 'supervision_external_wages', ['person_id'])
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
    for table in ('supervision_external_wages', 'supervision_case_notes',
                  'supervision_alerts', 'supervision_cases'):
        op.drop_table(table)
    op.drop_table('audit_head')
    op.drop_index('ix_audit_entries_object', table_name='audit_entries')
    op.drop_table('audit_entries')

"""pension payments cheap to write a million at a time

The payroll writes a batch's payment rows at once. `pension_payments` keeps its primary key and
the unique (award_id, month) — the guarantee that a month is paid once, and the index of every
read by award; it drops its four foreign keys (PostgreSQL checks each one row by row;
`payroll.check` verifies them set-wise) and its indexes on award_id (covered by the unique
pair), month (no read filters on month alone) and person_id (a person's payments are read
through their awards).

Downgrade restores them; it fails if a row names something that does not exist.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 16:50:00
"""

from __future__ import annotations

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

FOREIGN_KEYS = (
    ('fk_pension_payments_award_id_pension_awards', 'award_id', 'pension_awards'),
    ('fk_pension_payments_ledger_entry_id_ledger_entries', 'ledger_entry_id', 'ledger_entries'),
    ('fk_pension_payments_person_id_persons', 'person_id', 'persons'),
    ('fk_pension_payments_run_id_pension_payroll_runs', 'run_id', 'pension_payroll_runs'),
)
INDEXES = ('award_id', 'month', 'person_id')


def upgrade() -> None:
    with op.batch_alter_table('pension_payments', schema=None) as batch_op:
        for column in INDEXES:
            batch_op.drop_index(f'ix_pension_payments_{column}')
        for name, _, _ in FOREIGN_KEYS:
            batch_op.drop_constraint(name, type_='foreignkey')


def downgrade() -> None:
    with op.batch_alter_table('pension_payments', schema=None) as batch_op:
        for name, column, table in FOREIGN_KEYS:
            batch_op.create_foreign_key(name, table, [column], ['id'])
        for column in INDEXES:
            batch_op.create_index(f'ix_pension_payments_{column}', [column], unique=False)

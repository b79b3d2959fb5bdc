"""payment reversals

A payment can be reversed (reversed_at, reversal_entry_id, reversal_reason); a bill then has
at most one payment that is not reversed — a partial unique index instead of a unique bill_id.
Downgrading fails while a bill has a reversed payment and a later one (the old constraint
cannot hold them both).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 11:44:27.571010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reversed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reversal_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True))
        batch_op.add_column(sa.Column('reversal_reason', sa.String(length=500), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_payments_bill_id'), type_='unique')
        batch_op.create_index(batch_op.f('ix_payments_bill_id'), ['bill_id'], unique=False)
        batch_op.create_index('uq_payments_bill_id_unreversed', ['bill_id'], unique=True, sqlite_where=sa.text('reversed_at IS NULL'), postgresql_where=sa.text('reversed_at IS NULL'))
        batch_op.create_foreign_key(batch_op.f('fk_payments_reversal_entry_id_ledger_entries'), 'ledger_entries', ['reversal_entry_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_payments_reversal_entry_id_ledger_entries'), type_='foreignkey')
        batch_op.drop_index('uq_payments_bill_id_unreversed', sqlite_where=sa.text('reversed_at IS NULL'), postgresql_where=sa.text('reversed_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_payments_bill_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_payments_bill_id'), ['bill_id'])
        batch_op.drop_column('reversal_reason')
        batch_op.drop_column('reversal_entry_id')
        batch_op.drop_column('reversed_at')

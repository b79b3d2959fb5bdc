"""transfers and central adjustment

Transfers of pension and medical records between provinces (at most one in flight per
person, a partial unique index); central adjustment years and their provinces. New tables only.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 16:35:58.343552
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('central_adjustment_years',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('remittance_rate', sa.Float(), nullable=False),
    sa.Column('wage_factor', sa.Float(), nullable=False),
    sa.Column('fund_fen', sa.BigInteger(), nullable=False),
    sa.Column('per_retiree_fen', sa.Float(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('posted_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['posted_by'], ['users.id'], name=op.f('fk_central_adjustment_years_posted_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_central_adjustment_years')),
    sa.UniqueConstraint('year', name=op.f('uq_central_adjustment_years_year'))
    )
    op.create_table('central_adjustment_provinces',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year_id', sa.Integer(), nullable=False),
    sa.Column('province', sa.String(length=6), nullable=False),
    sa.Column('average_wage_fen', sa.BigInteger(), nullable=False),
    sa.Column('insured_employees', sa.BigInteger(), nullable=False),
    sa.Column('retirees', sa.BigInteger(), nullable=False),
    sa.Column('remittance_fen', sa.BigInteger(), nullable=False),
    sa.Column('allocation_fen', sa.BigInteger(), nullable=False),
    sa.Column('net_fen', sa.BigInteger(), nullable=False),
    sa.Column('ledger_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['ledger_entry_id'], ['ledger_entries.id'], name=op.f('fk_central_adjustment_provinces_ledger_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['year_id'], ['central_adjustment_years.id'], name=op.f('fk_central_adjustment_provinces_year_id_central_adjustment_years')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_central_adjustment_provinces')),
    sa.UniqueConstraint('year_id', 'province', name=op.f('uq_central_adjustment_provinces_year_id'))
    )
    op.create_table('transfers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('source_province', sa.String(length=6), nullable=False),
    sa.Column('destination_province', sa.String(length=6), nullable=False),
    sa.Column('destination_region', sa.String(length=6), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('applied_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('applied_by', sa.Integer(), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('funds_moved_on', sa.Date(), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('received_by', sa.Integer(), nullable=True),
    sa.Column('pool_fen', sa.BigInteger(), nullable=False),
    sa.Column('pension_account_fen', sa.BigInteger(), nullable=False),
    sa.Column('medical_account_fen', sa.BigInteger(), nullable=False),
    sa.Column('months', sa.JSON(), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('source_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('destination_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('online', 'desk')", name=op.f('ck_transfers_channel')),
    sa.CheckConstraint("status IN ('applied', 'approved_at_source', 'funds_moved', 'received')", name=op.f('ck_transfers_status')),
    sa.ForeignKeyConstraint(['applied_by'], ['users.id'], name=op.f('fk_transfers_applied_by_users')),
    sa.ForeignKeyConstraint(['approved_by'], ['users.id'], name=op.f('fk_transfers_approved_by_users')),
    sa.ForeignKeyConstraint(['destination_entry_id'], ['ledger_entries.id'], name=op.f('fk_transfers_destination_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_transfers_person_id_persons')),
    sa.ForeignKeyConstraint(['received_by'], ['users.id'], name=op.f('fk_transfers_received_by_users')),
    sa.ForeignKeyConstraint(['source_entry_id'], ['ledger_entries.id'], name=op.f('fk_transfers_source_entry_id_ledger_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_transfers'))
    )
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_transfers_destination_province'), ['destination_province'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_transfers_source_province'), ['source_province'], unique=False)
        batch_op.create_index('ix_transfers_status_due_on', ['status', 'due_on'], unique=False)
        batch_op.create_index('uq_transfers_person_in_flight', ['person_id'], unique=True, sqlite_where=sa.text("status <> 'received'"), postgresql_where=sa.text("status <> 'received'"))



def downgrade() -> None:
    with op.batch_alter_table('transfers', schema=None) as batch_op:
        batch_op.drop_index('uq_transfers_person_in_flight', sqlite_where=sa.text("status <> 'received'"), postgresql_where=sa.text("status <> 'received'"))
        batch_op.drop_index('ix_transfers_status_due_on')
        batch_op.drop_index(batch_op.f('ix_transfers_source_province'))
        batch_op.drop_index(batch_op.f('ix_transfers_person_id'))
        batch_op.drop_index(batch_op.f('ix_transfers_destination_province'))

    op.drop_table('transfers')
    op.drop_table('central_adjustment_provinces')
    op.drop_table('central_adjustment_years')

"""personal pensions and enterprise annuities

The supplementary pillars' records: personal pension accounts, their contributions and
withdrawals; enterprise annuity plans, their members, monthly runs and each member's credits.
The money itself is in the ledger.

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-27 13:36:40.990919
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('personal_pension_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('province', sa.String(length=6), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_personal_pension_accounts_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personal_pension_accounts')),
    sa.UniqueConstraint('person_id', name=op.f('uq_personal_pension_accounts_person_id'))
    )
    op.create_table('annuity_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('employer_rate', sa.Float(), nullable=False),
    sa.Column('employee_rate', sa.Float(), nullable=False),
    sa.Column('vesting', sa.String(length=80), nullable=False),
    sa.Column('start_month', sa.String(length=7), nullable=False),
    sa.Column('province', sa.String(length=6), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_annuity_plans_employer_id_employers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annuity_plans')),
    sa.UniqueConstraint('employer_id', name=op.f('uq_annuity_plans_employer_id'))
    )
    op.create_table('annuity_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('leave_reason', sa.String(length=16), nullable=True),
    sa.Column('vested_employer_fen', sa.BigInteger(), nullable=True),
    sa.Column('forfeited_fen', sa.BigInteger(), nullable=True),
    sa.Column('forfeit_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['forfeit_entry_id'], ['ledger_entries.id'], name=op.f('fk_annuity_members_forfeit_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_annuity_members_person_id_persons')),
    sa.ForeignKeyConstraint(['plan_id'], ['annuity_plans.id'], name=op.f('fk_annuity_members_plan_id_annuity_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annuity_members'))
    )
    with op.batch_alter_table('annuity_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annuity_members_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_annuity_members_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index('ux_annuity_members_open_plan_person', ['plan_id', 'person_id'], unique=True, sqlite_where=sa.text('left_on IS NULL'), postgresql_where=sa.text('left_on IS NULL'))

    op.create_table('annuity_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('wage_source', sa.String(length=12), nullable=False),
    sa.Column('payroll_fen', sa.BigInteger(), nullable=False),
    sa.Column('employer_fen', sa.BigInteger(), nullable=False),
    sa.Column('employee_fen', sa.BigInteger(), nullable=False),
    sa.Column('employer_cut_fen', sa.BigInteger(), nullable=False),
    sa.Column('ledger_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ledger_entry_id'], ['ledger_entries.id'], name=op.f('fk_annuity_runs_ledger_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['plan_id'], ['annuity_plans.id'], name=op.f('fk_annuity_runs_plan_id_annuity_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annuity_runs')),
    sa.UniqueConstraint('plan_id', 'month', name=op.f('uq_annuity_runs_plan_id'))
    )
    with op.batch_alter_table('annuity_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annuity_runs_plan_id'), ['plan_id'], unique=False)

    op.create_table('personal_pension_contributions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('ledger_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['personal_pension_accounts.id'], name=op.f('fk_personal_pension_contributions_account_id_personal_pension_accounts')),
    sa.ForeignKeyConstraint(['ledger_entry_id'], ['ledger_entries.id'], name=op.f('fk_personal_pension_contributions_ledger_entry_id_ledger_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personal_pension_contributions')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_personal_pension_contributions_idempotency_key'))
    )
    with op.batch_alter_table('personal_pension_contributions', schema=None) as batch_op:
        batch_op.create_index('ix_personal_pension_contributions_year', ['account_id', 'year'], unique=False)

    op.create_table('personal_pension_withdrawals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('condition', sa.String(length=16), nullable=False),
    sa.Column('withdrawn_on', sa.Date(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('tax_fen', sa.BigInteger(), nullable=False),
    sa.Column('paid_fen', sa.BigInteger(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=128), nullable=False),
    sa.Column('ledger_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['personal_pension_accounts.id'], name=op.f('fk_personal_pension_withdrawals_account_id_personal_pension_accounts')),
    sa.ForeignKeyConstraint(['ledger_entry_id'], ['ledger_entries.id'], name=op.f('fk_personal_pension_withdrawals_ledger_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_personal_pension_withdrawals_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personal_pension_withdrawals')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_personal_pension_withdrawals_idempotency_key'))
    )
    with op.batch_alter_table('personal_pension_withdrawals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_personal_pension_withdrawals_account_id'), ['account_id'], unique=False)

    op.create_table('annuity_credits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('wage_fen', sa.BigInteger(), nullable=False),
    sa.Column('employer_fen', sa.BigInteger(), nullable=False),
    sa.Column('employee_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['annuity_members.id'], name=op.f('fk_annuity_credits_member_id_annuity_members')),
    sa.ForeignKeyConstraint(['run_id'], ['annuity_runs.id'], name=op.f('fk_annuity_credits_run_id_annuity_runs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annuity_credits')),
    sa.UniqueConstraint('run_id', 'member_id', name=op.f('uq_annuity_credits_run_id'))
    )
    with op.batch_alter_table('annuity_credits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annuity_credits_member_id'), ['member_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('annuity_credits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annuity_credits_member_id'))

    op.drop_table('annuity_credits')
    with op.batch_alter_table('personal_pension_withdrawals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_personal_pension_withdrawals_account_id'))

    op.drop_table('personal_pension_withdrawals')
    with op.batch_alter_table('personal_pension_contributions', schema=None) as batch_op:
        batch_op.drop_index('ix_personal_pension_contributions_year')

    op.drop_table('personal_pension_contributions')
    with op.batch_alter_table('annuity_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annuity_runs_plan_id'))

    op.drop_table('annuity_runs')
    with op.batch_alter_table('annuity_members', schema=None) as batch_op:
        batch_op.drop_index('ux_annuity_members_open_plan_person', sqlite_where=sa.text('left_on IS NULL'), postgresql_where=sa.text('left_on IS NULL'))
        batch_op.drop_index(batch_op.f('ix_annuity_members_plan_id'))
        batch_op.drop_index(batch_op.f('ix_annuity_members_person_id'))

    op.drop_table('annuity_members')
    op.drop_table('annuity_plans')
    op.drop_table('personal_pension_accounts')

"""unemployment, work-injury and medical claims

Unemployment claims and their monthly payments; work-injury awards, survivors and payments;
hospitals, medical claims with their priced lines, assistance-recipient flags and insurers'
consents. New tables only.

Revision ID: 0009
Revises: 0005
Create Date: 2026-11-27 13:39:59.828694
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hospitals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_hospitals_employer_id_employers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hospitals')),
    sa.UniqueConstraint('code', name=op.f('uq_hospitals_code')),
    sa.UniqueConstraint('employer_id', name=op.f('uq_hospitals_employer_id'))
    )
    with op.batch_alter_table('hospitals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hospitals_region_code'), ['region_code'], unique=False)

    op.create_table('injury_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=True),
    sa.Column('province', sa.String(length=6), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('injury_date', sa.Date(), nullable=False),
    sa.Column('recognition_reference', sa.String(length=64), nullable=False),
    sa.Column('recognized_on', sa.Date(), nullable=False),
    sa.Column('grade', sa.Integer(), nullable=True),
    sa.Column('death_date', sa.Date(), nullable=True),
    sa.Column('wage_12m_average_fen', sa.BigInteger(), nullable=False),
    sa.Column('own_wage_fen', sa.BigInteger(), nullable=False),
    sa.Column('one_off_fen', sa.BigInteger(), nullable=False),
    sa.Column('monthly_fund_fen', sa.BigInteger(), nullable=False),
    sa.Column('monthly_employer_fen', sa.BigInteger(), nullable=False),
    sa.Column('first_month', sa.String(length=7), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_injury_claims_created_by_users')),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_injury_claims_employer_id_employers')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_injury_claims_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_injury_claims'))
    )
    with op.batch_alter_table('injury_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_injury_claims_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_injury_claims_province'), ['province'], unique=False)

    op.create_table('medical_assistance_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('since', sa.Date(), nullable=False),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_medical_assistance_recipients_person_id_persons')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_medical_assistance_recipients_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medical_assistance_recipients')),
    sa.UniqueConstraint('person_id', name=op.f('uq_medical_assistance_recipients_person_id'))
    )
    op.create_table('medical_insurer_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('insurer_employer_id', sa.Integer(), nullable=False),
    sa.Column('granted_on', sa.Date(), nullable=False),
    sa.Column('revoked_on', sa.Date(), nullable=True),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['insurer_employer_id'], ['employers.id'], name=op.f('fk_medical_insurer_consents_insurer_employer_id_employers')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_medical_insurer_consents_person_id_persons')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_medical_insurer_consents_recorded_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medical_insurer_consents'))
    )
    with op.batch_alter_table('medical_insurer_consents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_medical_insurer_consents_insurer_employer_id'), ['insurer_employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_medical_insurer_consents_person_id'), ['person_id'], unique=False)

    op.create_table('unemployment_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('province', sa.String(length=6), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('separation_reason', sa.String(length=32), nullable=False),
    sa.Column('separation_date', sa.Date(), nullable=False),
    sa.Column('registration_date', sa.Date(), nullable=False),
    sa.Column('contribution_months', sa.Integer(), nullable=False),
    sa.Column('carried_over_months', sa.Integer(), nullable=False),
    sa.Column('entitlement_months', sa.Integer(), nullable=False),
    sa.Column('continued_to_retirement', sa.Boolean(), nullable=False),
    sa.Column('monthly_benefit_fen', sa.BigInteger(), nullable=False),
    sa.Column('monthly_medical_fen', sa.BigInteger(), nullable=False),
    sa.Column('first_month', sa.String(length=7), nullable=False),
    sa.Column('last_month', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('stopped_month', sa.String(length=7), nullable=True),
    sa.Column('stopped_reason', sa.String(length=200), nullable=True),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_unemployment_claims_created_by_users')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_unemployment_claims_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unemployment_claims'))
    )
    with op.batch_alter_table('unemployment_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unemployment_claims_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unemployment_claims_province'), ['province'], unique=False)
        batch_op.create_index(batch_op.f('ix_unemployment_claims_status'), ['status'], unique=False)

    op.create_table('injury_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=8), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('ledger_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['injury_claims.id'], name=op.f('fk_injury_payments_claim_id_injury_claims')),
    sa.ForeignKeyConstraint(['ledger_entry_id'], ['ledger_entries.id'], name=op.f('fk_injury_payments_ledger_entry_id_ledger_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_injury_payments')),
    sa.UniqueConstraint('claim_id', 'period', name=op.f('uq_injury_payments_claim_id'))
    )
    with op.batch_alter_table('injury_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_injury_payments_claim_id'), ['claim_id'], unique=False)

    op.create_table('injury_survivors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('relationship', sa.String(length=8), nullable=False),
    sa.Column('lone', sa.Boolean(), nullable=False),
    sa.Column('monthly_pension_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['injury_claims.id'], name=op.f('fk_injury_survivors_claim_id_injury_claims')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_injury_survivors_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_injury_survivors'))
    )
    with op.batch_alter_table('injury_survivors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_injury_survivors_claim_id'), ['claim_id'], unique=False)

    op.create_table('medical_claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hospital_id', sa.Integer(), nullable=False),
    sa.Column('claim_no', sa.String(length=32), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('scheme', sa.String(length=24), nullable=False),
    sa.Column('province', sa.String(length=6), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('admission_date', sa.Date(), nullable=False),
    sa.Column('discharge_date', sa.Date(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('diagnosis', sa.String(length=16), nullable=False),
    sa.Column('drg_group', sa.String(length=8), nullable=True),
    sa.Column('settlement', sa.String(length=8), nullable=False),
    sa.Column('total_fen', sa.BigInteger(), nullable=False),
    sa.Column('class_a_fen', sa.BigInteger(), nullable=False),
    sa.Column('class_b_fen', sa.BigInteger(), nullable=False),
    sa.Column('class_c_fen', sa.BigInteger(), nullable=False),
    sa.Column('in_range_fen', sa.BigInteger(), nullable=False),
    sa.Column('deductible_used_fen', sa.BigInteger(), nullable=False),
    sa.Column('fund_fen', sa.BigInteger(), nullable=False),
    sa.Column('ci_deductible_used_fen', sa.BigInteger(), nullable=False),
    sa.Column('critical_illness_fen', sa.BigInteger(), nullable=False),
    sa.Column('assistance_fen', sa.BigInteger(), nullable=False),
    sa.Column('account_fen', sa.BigInteger(), nullable=False),
    sa.Column('patient_fen', sa.BigInteger(), nullable=False),
    sa.Column('drg_payment_fen', sa.BigInteger(), nullable=True),
    sa.Column('hospital_fund_fen', sa.BigInteger(), nullable=False),
    sa.Column('ledger_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['hospital_id'], ['hospitals.id'], name=op.f('fk_medical_claims_hospital_id_hospitals')),
    sa.ForeignKeyConstraint(['ledger_entry_id'], ['ledger_entries.id'], name=op.f('fk_medical_claims_ledger_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_medical_claims_person_id_persons')),
    sa.ForeignKeyConstraint(['submitted_by'], ['users.id'], name=op.f('fk_medical_claims_submitted_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medical_claims')),
    sa.UniqueConstraint('hospital_id', 'claim_no', name=op.f('uq_medical_claims_hospital_id'))
    )
    with op.batch_alter_table('medical_claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_medical_claims_hospital_id'), ['hospital_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_medical_claims_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_medical_claims_year'), ['year'], unique=False)

    op.create_table('unemployment_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('benefit_fen', sa.BigInteger(), nullable=False),
    sa.Column('medical_fen', sa.BigInteger(), nullable=False),
    sa.Column('ledger_entry_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['unemployment_claims.id'], name=op.f('fk_unemployment_payments_claim_id_unemployment_claims')),
    sa.ForeignKeyConstraint(['ledger_entry_id'], ['ledger_entries.id'], name=op.f('fk_unemployment_payments_ledger_entry_id_ledger_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unemployment_payments')),
    sa.UniqueConstraint('claim_id', 'month', name=op.f('uq_unemployment_payments_claim_id'))
    )
    with op.batch_alter_table('unemployment_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unemployment_payments_claim_id'), ['claim_id'], unique=False)

    op.create_table('medical_claim_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=16), nullable=False),
    sa.Column('item_class', sa.String(length=1), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price_fen', sa.BigInteger(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('over_standard_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['medical_claims.id'], name=op.f('fk_medical_claim_lines_claim_id_medical_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_medical_claim_lines'))
    )
    with op.batch_alter_table('medical_claim_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_medical_claim_lines_claim_id'), ['claim_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('medical_claim_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_medical_claim_lines_claim_id'))

    op.drop_table('medical_claim_lines')
    with op.batch_alter_table('unemployment_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unemployment_payments_claim_id'))

    op.drop_table('unemployment_payments')
    with op.batch_alter_table('medical_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_medical_claims_year'))
        batch_op.drop_index(batch_op.f('ix_medical_claims_person_id'))
        batch_op.drop_index(batch_op.f('ix_medical_claims_hospital_id'))

    op.drop_table('medical_claims')
    with op.batch_alter_table('injury_survivors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_injury_survivors_claim_id'))

    op.drop_table('injury_survivors')
    with op.batch_alter_table('injury_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_injury_payments_claim_id'))

    op.drop_table('injury_payments')
    with op.batch_alter_table('unemployment_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unemployment_claims_status'))
        batch_op.drop_index(batch_op.f('ix_unemployment_claims_province'))
        batch_op.drop_index(batch_op.f('ix_unemployment_claims_person_id'))

    op.drop_table('unemployment_claims')
    with op.batch_alter_table('medical_insurer_consents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_medical_insurer_consents_person_id'))
        batch_op.drop_index(batch_op.f('ix_medical_insurer_consents_insurer_employer_id'))

    op.drop_table('medical_insurer_consents')
    op.drop_table('medical_assistance_recipients')
    with op.batch_alter_table('injury_claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_injury_claims_province'))
        batch_op.drop_index(batch_op.f('ix_injury_claims_person_id'))

    op.drop_table('injury_claims')
    with op.batch_alter_table('hospitals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hospitals_region_code'))

    op.drop_table('hospitals')

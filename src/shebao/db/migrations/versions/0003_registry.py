"""registry: households, employment spells, enrollments, person history, duplicate reviews

Adds six tables and, to existing tables, employers.category,
employers.legal_representative_person_id and persons.duplicate_of_id (batch mode, so SQLite
rebuilds the two tables; PostgreSQL alters them in place).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 11:04:08.028323
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households'))
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_households_region_code'), ['region_code'], unique=False)

    op.create_table('household_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('relationship', sa.String(length=12), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=24), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("relationship IN ('head', 'spouse', 'child', 'parent', 'sibling', 'grandchild', 'other')", name=op.f('ck_household_members_relationship')),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_household_members_dates')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_household_members_household_id_households')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_household_members_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_members'))
    )
    with op.batch_alter_table('household_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_members_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_members_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ux_household_members_open_person', ['person_id'], unique=True, sqlite_where=sa.text('end_date IS NULL'), postgresql_where=sa.text('end_date IS NULL'))

    op.create_table('employment_spells',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=24), nullable=True),
    sa.Column('monthly_wage_fen', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("category IN ('enterprise_employee', 'public_institution', 'flexible', 'platform')", name=op.f('ck_employment_spells_category')),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_employment_spells_dates')),
    sa.CheckConstraint('monthly_wage_fen >= 0', name=op.f('ck_employment_spells_wage')),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_employment_spells_employer_id_employers')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_employment_spells_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employment_spells'))
    )
    with op.batch_alter_table('employment_spells', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employment_spells_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employment_spells_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ux_employment_spells_open_person_employer', ['person_id', 'employer_id'], unique=True, sqlite_where=sa.text('end_date IS NULL'), postgresql_where=sa.text('end_date IS NULL'))

    op.create_table('enrollments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('scheme', sa.String(length=24), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('region_code', sa.String(length=6), nullable=False),
    sa.Column('employer_id', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=24), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("category IN ('enterprise_employee', 'public_institution', 'flexible', 'platform', 'resident')", name=op.f('ck_enrollments_category')),
    sa.CheckConstraint("scheme IN ('employee_pension', 'resident_pension', 'employee_medical', 'resident_medical', 'unemployment', 'work_injury')", name=op.f('ck_enrollments_scheme')),
    sa.CheckConstraint('end_date IS NULL OR end_date >= start_date', name=op.f('ck_enrollments_dates')),
    sa.ForeignKeyConstraint(['employer_id'], ['employers.id'], name=op.f('fk_enrollments_employer_id_employers')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_enrollments_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrollments'))
    )
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enrollments_employer_id'), ['employer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrollments_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrollments_region_code'), ['region_code'], unique=False)
        batch_op.create_index('ux_enrollments_open_person_scheme', ['person_id', 'scheme'], unique=True, sqlite_where=sa.text("end_date IS NULL AND scheme <> 'work_injury'"), postgresql_where=sa.text("end_date IS NULL AND scheme <> 'work_injury'"))

    op.create_table('duplicate_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('candidate_person_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('open', 'distinct', 'same_person')", name=op.f('ck_duplicate_reviews_status')),
    sa.ForeignKeyConstraint(['candidate_person_id'], ['persons.id'], name=op.f('fk_duplicate_reviews_candidate_person_id_persons')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_duplicate_reviews_person_id_persons')),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_duplicate_reviews_resolved_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_reviews'))
    )
    with op.batch_alter_table('duplicate_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duplicate_reviews_candidate_person_id'), ['candidate_person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duplicate_reviews_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_duplicate_reviews_status'), ['status'], unique=False)

    op.create_table('person_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('old_value', sa.String(length=128), nullable=True),
    sa.Column('new_value', sa.String(length=128), nullable=True),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['actor_user_id'], ['users.id'], name=op.f('fk_person_changes_actor_user_id_users')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_person_changes_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_changes'))
    )
    with op.batch_alter_table('person_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_changes_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('employers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category', sa.String(length=24), server_default='enterprise', nullable=False))
        batch_op.add_column(sa.Column('legal_representative_person_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_employers_legal_representative_person_id'), ['legal_representative_person_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_employers_legal_representative_person_id_persons'), 'persons', ['legal_representative_person_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_employers_category'), "category IN ('enterprise', 'public_institution', 'government', 'platform', 'individual_business')")

    # Employers recorded before categories existed: public bodies become public institutions.
    op.execute("UPDATE employers SET category = 'public_institution' WHERE is_public_body")

    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duplicate_of_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_persons_duplicate_of_id_persons'), 'persons', ['duplicate_of_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_persons_duplicate_of_id_persons'), type_='foreignkey')
        batch_op.drop_column('duplicate_of_id')

    with op.batch_alter_table('employers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_employers_category'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_employers_legal_representative_person_id_persons'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_employers_legal_representative_person_id'))
        batch_op.drop_column('legal_representative_person_id')
        batch_op.drop_column('category')

    with op.batch_alter_table('person_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_changes_person_id'))

    op.drop_table('person_changes')
    with op.batch_alter_table('duplicate_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duplicate_reviews_status'))
        batch_op.drop_index(batch_op.f('ix_duplicate_reviews_person_id'))
        batch_op.drop_index(batch_op.f('ix_duplicate_reviews_candidate_person_id'))

    op.drop_table('duplicate_reviews')
    with op.batch_alter_table('enrollments', schema=None) as batch_op:
        batch_op.drop_index('ux_enrollments_open_person_scheme', sqlite_where=sa.text("end_date IS NULL AND scheme <> 'work_injury'"), postgresql_where=sa.text("end_date IS NULL AND scheme <> 'work_injury'"))
        batch_op.drop_index(batch_op.f('ix_enrollments_region_code'))
        batch_op.drop_index(batch_op.f('ix_enrollments_person_id'))
        batch_op.drop_index(batch_op.f('ix_enrollments_employer_id'))

    op.drop_table('enrollments')
    with op.batch_alter_table('employment_spells', schema=None) as batch_op:
        batch_op.drop_index('ux_employment_spells_open_person_employer', sqlite_where=sa.text('end_date IS NULL'), postgresql_where=sa.text('end_date IS NULL'))
        batch_op.drop_index(batch_op.f('ix_employment_spells_person_id'))
        batch_op.drop_index(batch_op.f('ix_employment_spells_employer_id'))

    op.drop_table('employment_spells')
    with op.batch_alter_table('household_members', schema=None) as batch_op:
        batch_op.drop_index('ux_household_members_open_person', sqlite_where=sa.text('end_date IS NULL'), postgresql_where=sa.text('end_date IS NULL'))
        batch_op.drop_index(batch_op.f('ix_household_members_person_id'))
        batch_op.drop_index(batch_op.f('ix_household_members_household_id'))

    op.drop_table('household_members')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_households_region_code'))

    op.drop_table('households')

"""persons' individual-account balances kept with every posting

`individual_account_balances` holds what each person's accounts hold, one row per person
and a column per kind of account, in fen (normal sense: minus the sum of its movements). Every posting that moves a person's
account updates it in the same transaction; reads of a balance no longer sum the history.

Data: filled from the movements as of this revision — the sub-ledger's lines and the paid
bills' contribution rows (0012) — one row per person who has any.

On PostgreSQL the table leaves a third of each page free (fillfactor 70), so that the
monthly update of a million balances rewrites rows in place without touching the index.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-28 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

ACCOUNT_SHARES = {
    "pension": "c.pension_account_fen",
    "medical": "c.medical_employer_account_fen + c.medical_account_fen",
}
MOVEMENTS = " UNION ALL ".join(
    ["SELECT person_id, account, amount_fen FROM individual_account_lines"] + [
        f"SELECT c.person_id, '{account}', {sign}({share}) FROM payments p "
        f"JOIN contributions c ON c.bill_id = p.bill_id WHERE p.{entry} IS NOT NULL"
        for account, share in ACCOUNT_SHARES.items()
        for entry, sign in (("ledger_entry_id", "-"), ("reversal_entry_id", ""))
    ]
)
"""Every person movement as of this revision: (person_id, account, amount_fen), debit > 0."""


ACCOUNTS = ("pension", "resident_pension", "medical", "personal_pension", "annuity")


def upgrade() -> None:
    op.create_table(
        'individual_account_balances',
        sa.Column('person_id', sa.Integer(), autoincrement=False, nullable=False),
        *(sa.Column(f'{account}_fen', sa.BigInteger(), server_default='0', nullable=False)
          for account in ACCOUNTS),
        sa.PrimaryKeyConstraint('person_id', name=op.f('pk_individual_account_balances')),
        postgresql_with={'fillfactor': 70},
    )
    columns = ", ".join(f"{account}_fen" for account in ACCOUNTS)
    sums = ", ".join(f"-SUM(CASE WHEN account = '{account}' THEN amount_fen ELSE 0 END)"
                     for account in ACCOUNTS)
    op.execute(f"INSERT INTO individual_account_balances (person_id, {columns}) "
               f"SELECT person_id, {sums} FROM ({MOVEMENTS}) m GROUP BY person_id")


def downgrade() -> None:
    op.drop_table('individual_account_balances')

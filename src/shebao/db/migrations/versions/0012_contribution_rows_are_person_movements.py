"""contribution rows are the persons' movements of their payments, by reference

A paid bill's contribution rows are its persons' individual-account credits (and, for a
reversed payment, the same rows with the opposite sign, through `payments.reversal_entry_id`):
the ledger reads them through `ledger.movements()` instead of keeping a copy in
`individual_account_lines`.

- Data: the sub-ledger lines that copied them — exactly the lines of payment and reversal
  entries, which must equal the rows the reference now gives (else the upgrade stops naming
  the entries) — are deleted (the sub-ledger's append-only triggers are lifted for this
  statement only).
- `payments.ledger_entry_id` and `payments.reversal_entry_id` are indexed: the ledger finds
  an entry's movements through them.
- Contribution rows become append-only like the ledger's tables (triggers on PostgreSQL and
  SQLite refuse UPDATE and DELETE); a payment is never deleted, and its bill, its entry and,
  once set, its reversal's entry never change.

Downgrade copies the rows back into the sub-ledger and drops the triggers.

Revision ID: 0012
Revises: 0010
Create Date: 2026-11-27 16:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0010'
branch_labels = None
depends_on = None

LEDGER_MESSAGE = "ledger entries and lines are never changed or deleted: post a reversal"
ROWS_MESSAGE = ("contribution rows are never changed or deleted: once their bill is paid "
                "they are the movements of individual accounts")
PAYMENTS_MESSAGE = ("a payment is never deleted, and its bill and ledger entries never change: "
                    "reverse it")
ACCOUNT_SHARES = {
    "pension": "c.pension_account_fen",
    "medical": "c.medical_employer_account_fen + c.medical_account_fen",
}
REFERENCED = " UNION ALL ".join(
    f"SELECT p.{entry} AS entry_id, c.person_id AS person_id, '{account}' AS account, "
    f"{sign}({share}) AS amount_fen FROM payments p JOIN contributions c ON c.bill_id = p.bill_id "
    f"WHERE p.{entry} IS NOT NULL AND ({share}) <> 0"
    for account, share in ACCOUNT_SHARES.items()
    for entry, sign in (("ledger_entry_id", "-"), ("reversal_entry_id", ""))
)
"""The movements `contributions.models.payment_movements` gives, as of this revision."""
COPIED = ("SELECT entry_id, person_id, account, amount_fen FROM individual_account_lines "
          "WHERE entry_id IN (SELECT ledger_entry_id FROM payments UNION "
          "SELECT reversal_entry_id FROM payments WHERE reversal_entry_id IS NOT NULL)")


def upgrade() -> None:
    bind = op.get_bind()
    differ = sorted({int(row[0]) for row in bind.execute(sa.text(
        f"SELECT entry_id FROM ({COPIED} EXCEPT SELECT * FROM ({REFERENCED}) r) a "
        f"UNION SELECT entry_id FROM (SELECT * FROM ({REFERENCED}) r EXCEPT {COPIED}) b"))})
    if differ:
        raise RuntimeError(f"entries {differ[:10]}: their sub-ledger lines are not their "
                           "bills' contribution rows; convert them by hand first")
    _sub_ledger_triggers(create=False)
    op.execute("DELETE FROM individual_account_lines WHERE entry_id IN (SELECT ledger_entry_id "
               "FROM payments UNION SELECT reversal_entry_id FROM payments "
               "WHERE reversal_entry_id IS NOT NULL)")
    _sub_ledger_triggers(create=True)
    for column in ("ledger_entry_id", "reversal_entry_id"):
        op.create_index(f"ix_payments_{column}", "payments", [column], unique=False)
    dialect = bind.dialect.name
    if dialect == "postgresql":
        op.execute(f"""
            CREATE FUNCTION contributions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{ROWS_MESSAGE}';
            END $$""")
        op.execute("CREATE TRIGGER contributions_append_only BEFORE UPDATE OR DELETE ON "
                   "contributions FOR EACH ROW EXECUTE FUNCTION contributions_append_only()")
        op.execute(f"""
            CREATE FUNCTION payments_links_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'DELETE' OR NEW.bill_id IS DISTINCT FROM OLD.bill_id
                   OR NEW.ledger_entry_id IS DISTINCT FROM OLD.ledger_entry_id
                   OR (OLD.reversal_entry_id IS NOT NULL
                       AND NEW.reversal_entry_id IS DISTINCT FROM OLD.reversal_entry_id) THEN
                    RAISE EXCEPTION '{PAYMENTS_MESSAGE}';
                END IF;
                RETURN NEW;
            END $$""")
        op.execute("CREATE TRIGGER payments_links_fixed BEFORE UPDATE OR DELETE ON payments "
                   "FOR EACH ROW EXECUTE FUNCTION payments_links_fixed()")
    elif dialect == "sqlite":
        for event in ("update", "delete"):
            op.execute(f"CREATE TRIGGER contributions_no_{event} BEFORE {event.upper()} ON "
                       f"contributions BEGIN SELECT RAISE(ABORT, '{ROWS_MESSAGE}'); END")
        op.execute("CREATE TRIGGER payments_no_delete BEFORE DELETE ON payments "
                   f"BEGIN SELECT RAISE(ABORT, '{PAYMENTS_MESSAGE}'); END")
        op.execute("CREATE TRIGGER payments_links_fixed BEFORE UPDATE ON payments "
                   "WHEN NEW.bill_id IS NOT OLD.bill_id "
                   "OR NEW.ledger_entry_id IS NOT OLD.ledger_entry_id "
                   "OR (OLD.reversal_entry_id IS NOT NULL "
                   "AND NEW.reversal_entry_id IS NOT OLD.reversal_entry_id) "
                   f"BEGIN SELECT RAISE(ABORT, '{PAYMENTS_MESSAGE}'); END")


def _sub_ledger_triggers(*, create: bool) -> None:
    """The append-only triggers of the sub-ledger (0006), lifted or put back."""
    dialect = op.get_bind().dialect.name
    table = "individual_account_lines"
    if dialect == "postgresql":
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()" if create else
                   f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    elif dialect == "sqlite":
        for event in ("update", "delete"):
            op.execute(f"CREATE TRIGGER {table}_no_{event} BEFORE {event.upper()} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{LEDGER_MESSAGE}'); END" if create else
                       f"DROP TRIGGER IF EXISTS {table}_no_{event}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS payments_links_fixed ON payments")
        op.execute("DROP FUNCTION IF EXISTS payments_links_fixed()")
        op.execute("DROP TRIGGER IF EXISTS contributions_append_only ON contributions")
        op.execute("DROP FUNCTION IF EXISTS contributions_append_only()")
    elif dialect == "sqlite":
        for trigger in ("payments_links_fixed", "payments_no_delete", "contributions_no_update",
                        "contributions_no_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for column in ("ledger_entry_id", "reversal_entry_id"):
        op.drop_index(f"ix_payments_{column}", table_name="payments")
    op.execute("INSERT INTO individual_account_lines (entry_id, person_id, account, amount_fen) "
               f"SELECT entry_id, person_id, account, amount_fen FROM ({REFERENCED}) r")

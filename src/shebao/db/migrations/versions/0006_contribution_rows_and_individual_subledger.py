"""one contribution row per bill and person; individual accounts as a subsidiary ledger

- `contributions` (bill_id, person_id) replaces `bill_lines` (a row per person and scheme
  line) and `declaration_lines`: the wage, the base and every share in columns; the rates and
  relief factors, the same for all persons of a bill, move to `bills.terms`.
- `individual_account_lines` (entry_id, person_id, account) holds persons' movements; the
  general ledger keeps one control account per province and kind (`individual:pension:440000`)
  and one control line per entry and kind. `ledger_entries.province` names the province whose
  control accounts an entry's person lines go to.

Data: bill lines are folded into contribution rows (declaration lines with no bill line become
rows of zeros) and each bill's terms are read from its lines; the lines of `person:*` accounts
(not `person:receivable:*`) move to the sub-ledger, netted per entry, person and account, and
are replaced in the general ledger by control lines of the province of the entry's other
lines (the triggers that keep the ledger append-only are lifted for this one migration). An
entry with person lines and no line naming a province cannot be converted: the upgrade stops
and names it.

Downgrade restores the schema of 0005; it refuses while contribution rows or sub-ledger lines
exist (their data is not converted back).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 13:40:00
"""

from __future__ import annotations

import json
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
MESSAGE = "ledger entries and lines are never changed or deleted: post a reversal"
SHARES = (
    ("pension_pool_fen", "employee_pension", None, "pooled_fund"),
    ("pension_account_fen", "employee_pension", None, "individual_account"),
    ("medical_pool_fen", "employee_medical", "employer", "pooled_fund"),
    ("medical_employer_account_fen", "employee_medical", "employer", "individual_account"),
    ("medical_account_fen", "employee_medical", "employee", "individual_account"),
    ("unemployment_employer_fen", "unemployment", "employer", "pooled_fund"),
    ("unemployment_employee_fen", "unemployment", "employee", "pooled_fund"),
    ("injury_fen", "work_injury", None, "pooled_fund"),
)


def upgrade() -> None:
    op.create_table('contributions',
    sa.Column('bill_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('person_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('wage_fen', sa.BigInteger(), nullable=False),
    sa.Column('base_fen', sa.BigInteger(), nullable=False),
    *(sa.Column(column, sa.BigInteger(), nullable=False) for column, *_ in SHARES),
    sa.PrimaryKeyConstraint('bill_id', 'person_id', name=op.f('pk_contributions'))
    )
    op.create_index('ix_contributions_person_id', 'contributions', ['person_id'], unique=False)
    op.create_table('individual_account_lines',
    sa.Column('entry_id', BigId, nullable=False),
    sa.Column('person_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('account', sa.String(length=16).with_variant(sa.String(length=16, collation='C'), 'postgresql'), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount_fen <> 0', name=op.f('ck_individual_account_lines_nonzero_amount')),
    sa.PrimaryKeyConstraint('entry_id', 'person_id', 'account', name=op.f('pk_individual_account_lines'))
    )
    op.create_index('ix_individual_account_lines_person', 'individual_account_lines', ['person_id', 'account', 'entry_id'], unique=False)
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('province', sa.String(length=6), nullable=True))
    with op.batch_alter_table('bills', schema=None) as batch_op:
        batch_op.add_column(sa.Column('terms', sa.JSON(), nullable=False,
                                      server_default='[]'))

    _move_bill_lines()
    _lift_append_only()
    _move_person_lines()
    _append_only()

    with op.batch_alter_table('bill_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bill_lines_person_id'))
        batch_op.drop_index(batch_op.f('ix_bill_lines_bill_id'))
    op.drop_table('bill_lines')
    with op.batch_alter_table('declaration_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_declaration_lines_person_id'))
        batch_op.drop_index(batch_op.f('ix_declaration_lines_declaration_id'))
    op.drop_table('declaration_lines')


def _move_bill_lines() -> None:
    """Fold bill lines (and declaration lines) into contribution rows; terms per bill."""
    sums = ", ".join(
        "COALESCE(SUM(CASE WHEN bl.scheme = '{}' AND bl.destination = '{}'{} THEN bl.amount_fen "
        "END), 0)".format(scheme, destination,
                          f" AND bl.payer = '{payer}'" if payer else "")
        for _, scheme, payer, destination in SHARES
    )
    columns = ", ".join(column for column, *_ in SHARES)
    op.execute(f"""
        INSERT INTO contributions (bill_id, person_id, wage_fen, base_fen, {columns})
        SELECT bl.bill_id, bl.person_id,
               COALESCE(MAX(dl.wage_fen), MAX(bl.base_fen)), MAX(bl.base_fen), {sums}
        FROM bill_lines bl
        JOIN bills b ON b.id = bl.bill_id
        LEFT JOIN declaration_lines dl
               ON dl.declaration_id = b.declaration_id AND dl.person_id = bl.person_id
        GROUP BY bl.bill_id, bl.person_id""")
    zeros = ", ".join("0" for _ in SHARES)
    op.execute(f"""
        INSERT INTO contributions (bill_id, person_id, wage_fen, base_fen, {columns})
        SELECT b.id, dl.person_id, dl.wage_fen, 0, {zeros}
        FROM declaration_lines dl JOIN bills b ON b.declaration_id = dl.declaration_id
        WHERE NOT EXISTS (SELECT 1 FROM bill_lines bl
                          WHERE bl.bill_id = b.id AND bl.person_id = dl.person_id)""")
    bind = op.get_bind()
    terms: dict[int, dict[str, list[object]]] = defaultdict(dict)
    for bill_id, scheme, payer, destination, rate, relief in bind.execute(sa.text(
        "SELECT DISTINCT bill_id, scheme, payer, destination, rate, relief_factor "
        "FROM bill_lines ORDER BY bill_id")):
        column = next(c for c, s, p, d in SHARES
                      if (s, d) == (scheme, destination) and p in (None, payer))
        terms[bill_id][column] = [column, scheme, payer, destination, rate, relief]
    order = [column for column, *_ in SHARES]
    for bill_id, found in terms.items():
        bind.execute(sa.text("UPDATE bills SET terms = :terms WHERE id = :id"), {
            "id": bill_id,
            "terms": json.dumps([found[c] for c in order if c in found]),
        })


def _move_person_lines() -> None:
    """Lines of persons' own accounts → sub-ledger; in the general ledger, control lines."""
    bind = op.get_bind()
    person_accounts = {
        account_id: code.split(":") for account_id, code in bind.execute(sa.text(
            "SELECT id, code FROM ledger_accounts WHERE kind = 'person'"))
    }
    if not person_accounts:
        return
    lines = bind.execute(sa.text(
        "SELECT l.id, l.entry_id, l.account_id, l.amount_fen FROM ledger_lines l "
        "JOIN ledger_accounts a ON a.id = l.account_id WHERE a.kind = 'person'")).all()
    entries = sorted({entry_id for _, entry_id, _, _ in lines})
    province: dict[int, str] = {}
    for entry_id, code in bind.execute(sa.text(
        "SELECT l.entry_id, a.code FROM ledger_lines l JOIN ledger_accounts a "
        "ON a.id = l.account_id WHERE a.kind IN ('settlement', 'pool', 'fiscal_subsidy') "
        "ORDER BY l.id")):
        province.setdefault(entry_id, code.rsplit(":", 1)[1])
    missing = [e for e in entries if e not in province]
    if missing:
        raise RuntimeError(f"entries {missing[:10]} move persons' money without a line naming "
                           "a province: convert them by hand first")
    netted: dict[tuple[int, int, str], int] = defaultdict(int)
    for _, entry_id, account_id, amount in lines:
        _, account, person_id = person_accounts[account_id]
        netted[(entry_id, int(person_id), account)] += int(amount)
    rows = [{"entry_id": e, "person_id": p, "account": a, "amount_fen": x}
            for (e, p, a), x in sorted(netted.items()) if x]
    if rows:
        bind.execute(sa.text(
            "INSERT INTO individual_account_lines (entry_id, person_id, account, amount_fen) "
            "VALUES (:entry_id, :person_id, :account, :amount_fen)"), rows)
    control: dict[tuple[int, str], int] = defaultdict(int)
    for (entry_id, _, account), amount in netted.items():
        control[(entry_id, account)] += amount
    for entry_id in entries:
        bind.execute(sa.text("UPDATE ledger_entries SET province = :p WHERE id = :e"),
                     {"p": province[entry_id], "e": entry_id})
    codes = sorted({f"individual:{a}:{province[e]}" for (e, a), x in control.items() if x})
    for code in codes:
        bind.execute(sa.text(
            "INSERT INTO ledger_accounts (code, kind, normal_side, allow_negative, balance_fen, "
            "line_count, created_at) VALUES (:code, 'individual', 'credit', FALSE, 0, 0, "
            "CURRENT_TIMESTAMP)"), {"code": code})
    ids = dict(bind.execute(sa.text(
        "SELECT code, id FROM ledger_accounts WHERE kind = 'individual'")).all())
    balance: dict[str, int] = defaultdict(int)
    count: dict[str, int] = defaultdict(int)
    for (entry_id, account), amount in sorted(control.items()):
        if not amount:
            continue
        code = f"individual:{account}:{province[entry_id]}"
        bind.execute(sa.text("INSERT INTO ledger_lines (entry_id, account_id, amount_fen) "
                             "VALUES (:e, :a, :x)"), {"e": entry_id, "a": ids[code], "x": amount})
        balance[code] -= amount
        count[code] += 1
    for code in codes:
        bind.execute(sa.text("UPDATE ledger_accounts SET balance_fen = :b, line_count = :n "
                             "WHERE code = :code"),
                     {"b": balance[code], "n": count[code], "code": code})
    op.execute("DELETE FROM ledger_lines WHERE account_id IN "
               "(SELECT id FROM ledger_accounts WHERE kind = 'person')")
    op.execute("DELETE FROM ledger_accounts WHERE kind = 'person'")


def _lift_append_only() -> None:
    dialect = op.get_bind().dialect.name
    for table in ("ledger_entries", "ledger_lines"):
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        elif dialect == "sqlite":
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event}")


def _append_only(tables: tuple[str, ...] = (
    "ledger_entries", "ledger_lines", "individual_account_lines")) -> None:
    """The triggers of 0002 on the ledger's tables, now with the sub-ledger."""
    dialect = op.get_bind().dialect.name
    for table in tables:
        if dialect == "postgresql":
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()")
        elif dialect == "sqlite":
            for event in ("update", "delete"):
                op.execute(f"CREATE TRIGGER {table}_no_{event} BEFORE {event.upper()} ON "
                           f"{table} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade() -> None:
    bind = op.get_bind()
    for table in ("contributions", "individual_account_lines"):
        if bind.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first():
            raise RuntimeError(f"{table} holds rows: downgrading past 0006 would lose them")
    dialect = bind.dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS individual_account_lines_append_only "
                   "ON individual_account_lines")
    elif dialect == "sqlite":
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS individual_account_lines_no_{event}")
    op.create_table('declaration_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('declaration_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('wage_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['declaration_id'], ['declarations.id'], name=op.f('fk_declaration_lines_declaration_id_declarations')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_declaration_lines_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_declaration_lines')),
    sa.UniqueConstraint('declaration_id', 'person_id', name=op.f('uq_declaration_lines_declaration_id'))
    )
    with op.batch_alter_table('declaration_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_declaration_lines_declaration_id'), ['declaration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_declaration_lines_person_id'), ['person_id'], unique=False)
    op.create_table('bill_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bill_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('scheme', sa.String(length=24), nullable=False),
    sa.Column('payer', sa.String(length=8), nullable=False),
    sa.Column('destination', sa.String(length=20), nullable=False),
    sa.Column('base_fen', sa.BigInteger(), nullable=False),
    sa.Column('rate', sa.Float(), nullable=False),
    sa.Column('relief_factor', sa.Float(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['bill_id'], ['bills.id'], name=op.f('fk_bill_lines_bill_id_bills')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_bill_lines_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bill_lines'))
    )
    with op.batch_alter_table('bill_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bill_lines_bill_id'), ['bill_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bill_lines_person_id'), ['person_id'], unique=False)
    with op.batch_alter_table('bills', schema=None) as batch_op:
        batch_op.drop_column('terms')
    # SQLite rebuilds the table to drop a column, and its triggers with it.
    _lift_append_only()
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_column('province')
    _append_only(("ledger_entries", "ledger_lines"))
    op.drop_index('ix_individual_account_lines_person', table_name='individual_account_lines')
    op.drop_table('individual_account_lines')
    op.drop_index('ix_contributions_person_id', table_name='contributions')
    op.drop_table('contributions')

"""Migrations: 0001 databases holding rows upgrade to head and back, on SQLite and PostgreSQL,
and the migrated schema matches the models."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from shebao.db.engine import get_engine
from shebao.db.migrate import alembic_config, current_revision, downgrade, upgrade
from shebao.db.models import Base
from shebao.registry.models import Person
from tests.conftest import POSTGRES_URL, _backends


@pytest.fixture(params=_backends())
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrate.db'}"
        yield url
        get_engine(url).dispose()
        return
    if not POSTGRES_URL:
        pytest.fail("CI=true but SHEBAO_TEST_DATABASE_URL is not set")
    admin_url = make_url(POSTGRES_URL)
    name = f"shebao_migrate_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    yield url
    get_engine(url).dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_rows_of_0001_survive_the_registry_migration(empty_url: str) -> None:
    upgrade(empty_url, "0001")
    with get_engine(empty_url).begin() as connection:
        connection.execute(text(
            "INSERT INTO employers (id, credit_code, name, region_code, industry, injury_class,"
            " size, is_public_body, created_at) VALUES (1, '91440306MA5F3K2L8X', '学校',"
            " '440306', '教育', 1, 'small', TRUE, '2026-01-01')"
        ))
        connection.execute(text(
            "INSERT INTO persons (id, identity_number, name, sex, birth_date, hukou_region,"
            " residence_region, status, created_at) VALUES (1, '11010519491231002X', '王',"
            " 'female', '1949-12-31', '110105', '110105', 'active', '2026-01-01')"
        ))
        connection.execute(text(
            "INSERT INTO users (username, display_name, password_hash, role, region_code,"
            " employer_id, person_id, is_active, is_demo, created_at) VALUES ('hr', 'hr', 'x',"
            " 'employer', '440306', 1, 1, TRUE, FALSE, '2026-01-01')"
        ))
    upgrade(empty_url)
    with get_engine(empty_url).connect() as connection:
        row = connection.execute(
            text("SELECT category, legal_representative_person_id FROM employers")
        ).one()
        assert tuple(row) == ("public_institution", None)
        assert connection.execute(text("SELECT employer_id FROM users")).scalar() == 1
        # 0020 sealed the identity number it found in clear, and indexed it for lookups
        stored = connection.execute(text(
            "SELECT identity_number_sealed, identity_number_masked FROM persons")).one()
        assert "11010519491231002X" not in stored[0] and stored[1] == "110105********002X"
        assert connection.execute(select(Person.identity_number).where(
            Person.identity_number == "11010519491231002X")).scalar() == "11010519491231002X"
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    downgrade(empty_url, "0001")
    with get_engine(empty_url).connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM employers")).scalar() == 1
    upgrade(empty_url)


LEDGER_TABLES = {"ledger_accounts", "ledger_entries", "ledger_lines"}


def _check(url: str) -> None:
    """Alembic finds no difference between the models and the migrated schema."""
    config = alembic_config(url)
    with get_engine(url).begin() as connection:
        config.attributes["connection"] = connection
        command.check(config)


def test_migrations_match_the_models_and_round_trip(empty_url: str) -> None:
    upgrade(empty_url)
    assert current_revision(empty_url) == "0023"
    _check(empty_url)
    downgrade(empty_url, "0001")
    assert LEDGER_TABLES.isdisjoint(inspect(get_engine(empty_url)).get_table_names())
    upgrade(empty_url)
    assert set(inspect(get_engine(empty_url)).get_table_names()) >= LEDGER_TABLES
    _check(empty_url)


def _paid_bill_at_0005(empty_url: str) -> None:
    """A 0005 database with bill 1 of 2,000 yuan, paid (entry 1): 640 yuan to person 1's
    pension account, 80 yuan to their medical account."""
    upgrade(empty_url, "0005")
    now = "2026-01-01"
    statements = [
        "INSERT INTO employers (id, credit_code, name, region_code, industry, injury_class, size,"
        " is_public_body, category, created_at) VALUES (1, '91440306MA5F3K2L8X', '厂', '440306',"
        " '制造', 1, 'small', FALSE, 'enterprise', :now)",
        "INSERT INTO persons (id, identity_number, name, sex, birth_date, hukou_region,"
        " residence_region, status, created_at) VALUES (1, '11010519491231002X', '王', 'female',"
        " '1949-12-31', '440306', '440306', 'active', :now)",
        "INSERT INTO declarations (id, employer_id, month, source, line_count, total_wage_fen,"
        " created_at) VALUES (1, 1, '2025-07', 'api', 1, 800000, :now)",
        "INSERT INTO declaration_lines (declaration_id, person_id, wage_fen) VALUES (1, 1, 800000)",
        "INSERT INTO bills (id, payer_kind, employer_id, declaration_id, month, province, due_date,"
        " amount_fen, status, created_at) VALUES (1, 'employer', 1, 1, '2025-07', '440000',"
        " '2025-07-31', 200000, 'paid', :now)",
        "INSERT INTO bill_lines (bill_id, person_id, scheme, payer, destination, base_fen, rate,"
        " relief_factor, amount_fen) VALUES"
        " (1, 1, 'employee_pension', 'employer', 'pooled_fund', 800000, 0.16, 1.0, 128000),"
        " (1, 1, 'employee_pension', 'employee', 'individual_account', 800000, 0.08, 1.0, 64000),"
        " (1, 1, 'employee_medical', 'employee', 'individual_account', 800000, 0.01, 1.0, 8000)",
        "INSERT INTO ledger_accounts (id, code, kind, normal_side, allow_negative, balance_fen,"
        " line_count, created_at) VALUES"
        " (1, 'settlement:440000', 'settlement', 'debit', TRUE, 200000, 1, :now),"
        " (2, 'pool:employee_pension:440000', 'pool', 'credit', FALSE, 128000, 1, :now),"
        " (3, 'person:pension:1', 'person', 'credit', FALSE, 64000, 1, :now),"
        " (4, 'person:medical:1', 'person', 'credit', FALSE, 8000, 1, :now)",
        "INSERT INTO ledger_entries (id, idempotency_key, request_hash, kind, memo,"
        " effective_date, posted_at) VALUES (1, 'contribution-payment-1', '', 'contribution',"
        " 'bill 1, 2025-07', '2025-07-31', :now)",
        "INSERT INTO ledger_lines (entry_id, account_id, amount_fen) VALUES (1, 1, 200000),"
        " (1, 4, -8000), (1, 3, -64000), (1, 2, -128000)",
        "INSERT INTO payments (bill_id, paid_on, amount_fen, late_fee_fen, days_late,"
        " ledger_entry_id, recorded_at) VALUES (1, '2025-07-31', 200000, 0, 0, 1, :now)",
    ]
    with get_engine(empty_url).begin() as connection:
        for statement in statements:
            connection.execute(text(statement), {"now": now})
        if connection.dialect.name == "postgresql":  # the rows above gave their ids
            connection.execute(text("SELECT setval(pg_get_serial_sequence('ledger_accounts', "
                                    "'id'), 4)"))


def test_0006_folds_bill_lines_and_moves_person_lines_to_the_sub_ledger(empty_url: str) -> None:
    """A 0005 database with a paid one-person bill: its lines become one contribution row and
    the bill's terms; the person's ledger lines become sub-ledger lines under the province's
    control accounts (until 0012 reads them from the contribution row), 0022 keeps the
    person's balances from them, and the ledger checks clean."""
    _paid_bill_at_0005(empty_url)
    upgrade(empty_url, "0009")
    from shebao.db.engine import transaction
    from shebao.ledger import service as ledger

    with get_engine(empty_url).connect() as connection:
        row = connection.execute(text(
            "SELECT wage_fen, base_fen, pension_pool_fen, pension_account_fen, "
            "medical_account_fen, injury_fen FROM contributions WHERE bill_id = 1")).one()
        assert tuple(row) == (800000, 800000, 128000, 64000, 8000, 0)
        assert sorted(connection.execute(text(
            "SELECT person_id, account, amount_fen FROM individual_account_lines")).all()) == [
            (1, "medical", -8000), (1, "pension", -64000)]
        assert connection.execute(text(
            "SELECT province FROM ledger_entries WHERE id = 1")).scalar() == "440000"
    upgrade(empty_url)
    with transaction(empty_url) as db:
        assert ledger.check(db) == []
        assert ledger.balance(db, "person:pension:1") == 64000  # kept by 0022
        assert ledger.balance(db, "person:medical:1") == 8000
        assert ledger.balance(db, "individual:pension:440000") == 64000
        from shebao.contributions.models import Bill

        bill = db.get(Bill, 1)
        assert bill is not None
        assert [(x.scheme, x.payer, x.rate, x.amount_fen) for x in bill.lines] == [
            ("employee_pension", "employer", 0.16, 128000),
            ("employee_pension", "employee", 0.08, 64000),
            ("employee_medical", "employee", 0.01, 8000)]
    with pytest.raises(Exception, match="contributions holds rows"):
        downgrade(empty_url, "0005")


def test_0012_reads_payments_person_lines_from_the_contribution_rows(empty_url: str) -> None:
    """A 0010 database with bill 1 paid (entry 1), that payment reversed (entry 2) and a
    manual credit of 1 yuan to the same person (entry 3): 0012 deletes exactly the copies of
    the contribution rows (entries 1 and 2), keeps the manual line, and every balance, the
    statement and the check are unchanged; the rows are append-only afterwards, and the
    downgrade copies them back."""
    _paid_bill_at_0005(empty_url)
    upgrade(empty_url, "0010")
    now = "2026-01-02"
    control = "(SELECT id FROM ledger_accounts WHERE code = 'individual:{}:440000')"
    statements = [
        "INSERT INTO ledger_entries (id, idempotency_key, request_hash, kind, memo,"
        " effective_date, posted_at, reverses_entry_id, province) VALUES"
        " (2, 'contribution-payment-reversal-1', '', 'reversal', 'returned', '2025-08-01',"
        " :now, 1, '440000'),"
        " (3, 'manual-1', '', 'manual', 'a yuan', '2025-08-02', :now, NULL, '440000')",
        "INSERT INTO ledger_lines (entry_id, account_id, amount_fen) VALUES"
        " (2, 1, -200000), (2, 2, 128000),"
        f" (2, {control.format('pension')}, 64000), (2, {control.format('medical')}, 8000),"
        f" (3, 1, 100), (3, {control.format('pension')}, -100)",
        "INSERT INTO individual_account_lines (entry_id, person_id, account, amount_fen) VALUES"
        " (2, 1, 'pension', 64000), (2, 1, 'medical', 8000), (3, 1, 'pension', -100)",
        "UPDATE ledger_accounts SET balance_fen = 100, line_count = 3"
        " WHERE code IN ('settlement:440000', 'individual:pension:440000')",
        "UPDATE ledger_accounts SET balance_fen = 0, line_count = 2"
        " WHERE code IN ('pool:employee_pension:440000', 'individual:medical:440000')",
        "UPDATE payments SET reversed_at = :now, reversal_entry_id = 2,"
        " reversal_reason = 'returned' WHERE id = 1",
        "UPDATE bills SET status = 'open' WHERE id = 1",
    ]
    with get_engine(empty_url).begin() as connection:
        for statement in statements:
            connection.execute(text(statement), {"now": now})
    lines = "SELECT entry_id, person_id, account, amount_fen FROM individual_account_lines"
    with get_engine(empty_url).connect() as connection:
        copied = sorted(connection.execute(text(lines)).all())
    assert len(copied) == 5

    upgrade(empty_url)
    from shebao.db.engine import transaction
    from shebao.ledger import service as ledger

    with get_engine(empty_url).connect() as connection:
        assert connection.execute(text(lines)).all() == [(3, 1, "pension", -100)]
    with transaction(empty_url) as db:
        assert ledger.check(db) == []
        assert ledger.balance(db, "person:pension:1") == 100
        assert ledger.balance(db, "person:medical:1") == 0
        assert [(x.entry_id, x.amount_fen) for x in
                ledger.statement(db, "person:pension:1").lines] == [
            (3, 100), (2, -64000), (1, 64000)]
        rows = ledger.movements()
        assert sorted(db.execute(select(rows)).all()) == copied
    for statement in ("UPDATE contributions SET pension_account_fen = 1",
                      "DELETE FROM contributions", "DELETE FROM payments",
                      "UPDATE payments SET reversal_entry_id = 3",
                      "UPDATE payments SET ledger_entry_id = 3"):
        with pytest.raises(Exception, match="never"), get_engine(empty_url).begin() as c:
            c.execute(text(statement))

    downgrade(empty_url, "0010")
    with get_engine(empty_url).connect() as connection:
        assert sorted(connection.execute(text(lines)).all()) == copied
    with get_engine(empty_url).begin() as connection:  # the triggers are gone with 0012
        connection.execute(text("UPDATE contributions SET injury_fen = 0"))


def test_0012_stops_when_a_payment_s_lines_are_not_its_bill_s_rows(empty_url: str) -> None:
    """A payment entry whose sub-ledger lines differ from its bill's rows is not converted:
    the upgrade names it and leaves the database at 0010."""
    _paid_bill_at_0005(empty_url)
    upgrade(empty_url, "0010")
    with get_engine(empty_url).begin() as connection:
        connection.execute(text("INSERT INTO individual_account_lines (entry_id, person_id, "
                                "account, amount_fen) VALUES (1, 1, 'annuity', -5)"))
    with pytest.raises(Exception, match=r"entries \[1\]"):
        upgrade(empty_url)
    assert current_revision(empty_url) == "0010"

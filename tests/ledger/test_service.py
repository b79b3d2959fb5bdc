"""Postings, refusals, idempotency, reversals and the invariant check, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import literal, select, text, union_all
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from shebao.cli import app
from shebao.config import get_settings
from shebao.db.engine import transaction
from shebao.errors import InputError
from shebao.ledger import service
from shebao.ledger.models import LedgerAccount
from tests.helpers import add_employer, add_person
from tests.ledger.support import (
    MEDICAL_GD,
    PENSION_GD,
    SETTLEMENT_GD,
    UNEMPLOYMENT_GD,
    balances,
    check,
    receive,
    request,
    totals,
)

runner = CliRunner()


def post(url: str, req: service.PostingRequest) -> service.PostingResult:
    with transaction(url, write=True) as db:
        return service.post(db, req)


def test_a_balanced_posting_moves_money(database_url: str) -> None:
    result = post(database_url, request(
        "receipt-1", (SETTLEMENT_GD, 150_00), (PENSION_GD, -100_00), (MEDICAL_GD, -50_00),
        kind="contribution", memo="July contributions",
    ))
    assert result.entry_id > 0 and not result.replayed
    assert [(line.account, line.amount_fen) for line in result.lines] == [
        (SETTLEMENT_GD, 150_00), (PENSION_GD, -100_00), (MEDICAL_GD, -50_00)
    ]
    # each balance in its account's normal sense: the bank holds 150 yuan, the funds owe it
    assert balances(database_url, SETTLEMENT_GD, PENSION_GD, MEDICAL_GD) == {
        SETTLEMENT_GD: 150_00, PENSION_GD: 100_00, MEDICAL_GD: 50_00
    }
    assert check(database_url) == []


def test_a_large_employer_s_payment_fits_in_one_entry(database_url: str) -> None:
    """A 3,000-person bill credits thousands of lines in one entry."""
    lines = [(SETTLEMENT_GD, 3_000_00)] + [(PENSION_GD, -1_00)] * 3_000
    result = post(database_url, request("big-employer-1", *lines, kind="contribution"))
    assert len(result.lines) == 3_001
    assert balances(database_url, PENSION_GD) == {PENSION_GD: 3_000_00}
    assert check(database_url) == []


@pytest.mark.parametrize(
    ("lines", "field", "reason"),
    [
        ([], "lines", "needs lines"),
        ([(SETTLEMENT_GD, 100)], "lines", "at least one debit and one credit"),
        ([(SETTLEMENT_GD, 100), (PENSION_GD, -99)], "lines", "sum to 1 fen"),
        ([(SETTLEMENT_GD, 100), (PENSION_GD, 0), (MEDICAL_GD, -100)], "lines.1.amount_fen",
         "not be zero"),
        ([("pool:pension:440000", 100), (PENSION_GD, -100)], "lines.0.account", "scheme"),
        ([(SETTLEMENT_GD, 100), ("settlement:44000", -100)], "lines.1.account", "6 digits"),
        ([(SETTLEMENT_GD, 100), ("person:pension:999", -100)], "lines.1.account",
         "no person with id 999"),
        ([(SETTLEMENT_GD, 100), ("employer:receivable:999", -100)], "lines.1.account",
         "no employer with id 999"),
        ([(SETTLEMENT_GD, 1.5), (PENSION_GD, -1.5)], "lines.0.amount_fen", "whole number"),
        ([(SETTLEMENT_GD, True), (PENSION_GD, -1)], "lines.0.amount_fen", "whole number"),
        ([(SETTLEMENT_GD, 10**17), (PENSION_GD, -(10**17))], "lines.0.amount_fen", "at most"),
        ([(SETTLEMENT_GD,)], "lines.0", "(account, amount_fen)"),
    ],
)
def test_bad_entries_are_refused_naming_the_field_and_nothing_is_written(
    database_url: str, lines: list[tuple[str, int]], field: str, reason: str
) -> None:
    with pytest.raises(InputError) as refused:
        post(database_url, request("bad", *lines, province="440000"))
    assert refused.value.field == field
    assert reason in refused.value.reason
    assert totals(database_url) == service.Totals(entries=0, lines=0, accounts=0)


def test_person_lines_need_a_province_and_no_control_account_is_named(
    database_url: str
) -> None:
    person = add_person(database_url, "王建军", "511324", date(1988, 3, 9), 17)
    for lines, province, field in (
        ([(SETTLEMENT_GD, 100), (f"person:pension:{person}", -100)], None, "province"),
        ([(SETTLEMENT_GD, 100), (f"person:pension:{person}", -100)], "440300", "province"),
        ([(SETTLEMENT_GD, 100), ("individual:pension:440000", -100)], "440000",
         "lines.1.account"),
        ([(f"person:pension:{person}", 100), (f"person:pension:{person}", -100)], "440000",
         "lines"),
    ):
        with pytest.raises(InputError) as refused:
            post(database_url, request("bad", *lines, province=province))
        assert refused.value.field == field
    assert totals(database_url) == service.Totals(entries=0, lines=0, accounts=0)


def test_person_lines_go_to_the_sub_ledger_and_the_province_s_control_account(
    database_url: str
) -> None:
    a = add_person(database_url, "王建军", "511324", date(1988, 3, 9), 17)
    b = add_person(database_url, "李娜", "440306", date(1990, 5, 1), 23)
    paid = post(database_url, request(
        "pay", (SETTLEMENT_GD, 300_00), (f"person:pension:{a}", -100_00),
        (f"person:pension:{b}", -150_00), (f"person:medical:{a}", -50_00), province="440000"))
    assert [(x.account, x.amount_fen) for x in paid.lines] == [
        (SETTLEMENT_GD, 300_00), (f"person:medical:{a}", -50_00),
        (f"person:pension:{a}", -100_00), (f"person:pension:{b}", -150_00)]
    assert balances(database_url, "individual:pension:440000", "individual:medical:440000",
                    f"person:pension:{b}") == {
        "individual:pension:440000": 250_00, "individual:medical:440000": 50_00,
        f"person:pension:{b}": 150_00}
    assert totals(database_url) == service.Totals(entries=1, lines=3, accounts=3,
                                                  individual_lines=3)
    # Out of Guangdong through transit: the source debits the person, the destination credits.
    post(database_url, request("out", (f"person:pension:{b}", 150_00),
                               ("transit:T-9", -150_00), province="440000"))
    post(database_url, request("in", ("transit:T-9", 150_00),
                               (f"person:pension:{b}", -150_00), province="510000"))
    assert balances(database_url, "individual:pension:440000", "individual:pension:510000",
                    f"person:pension:{b}") == {
        "individual:pension:440000": 100_00, "individual:pension:510000": 150_00,
        f"person:pension:{b}": 150_00}
    with pytest.raises(InputError) as refused:
        post(database_url, request("overdraw", (f"person:pension:{a}", 100_01),
                                   (SETTLEMENT_GD, -100_01), province="440000"))
    assert refused.value.field == "lines.0.account" and "below zero" in refused.value.reason
    # b's money has left Guangdong: the payment cannot be mirrored there any more
    with pytest.raises(InputError) as refused, transaction(database_url, write=True) as db:
        service.reverse(db, paid.entry_id, "undo-pay")
    assert refused.value.field == "entry_id" and "individual:pension:440000" in (
        refused.value.reason)
    post(database_url, request("back-out", (f"person:pension:{b}", 150_00),
                               ("transit:T-10", -150_00), province="510000"))
    post(database_url, request("back", ("transit:T-10", 150_00),
                               (f"person:pension:{b}", -150_00), province="440000"))
    with transaction(database_url, write=True) as db:
        undone = service.reverse(db, paid.entry_id, "undo-pay")
    assert sorted((x.account, x.amount_fen) for x in undone.lines) == sorted(
        (x.account, -x.amount_fen) for x in paid.lines)
    assert balances(database_url, "individual:pension:440000", f"person:pension:{a}") == {
        "individual:pension:440000": 0, f"person:pension:{a}": 0}
    with transaction(database_url) as db:
        statement = service.statement(db, f"person:pension:{a}")
        assert [x.amount_fen for x in statement.lines] == [-100_00, 100_00]
        assert statement.opened and statement.balance_fen == 0
    assert check(database_url) == []


def _copied_source(a: int, b: int, pension: int, in_result: bool) -> service.IndividualSource:
    """Person lines the database reads from a select: a credits 100 yuan to a's pension
    account and 50 to b's medical; `pension` is what the request claims they sum to."""
    rows = union_all(
        select(literal(a).label("person_id"), literal("pension").label("account"),
               literal(-100_00).label("amount_fen")),
        select(literal(b), literal("medical"), literal(-50_00)))
    return service.IndividualSource(
        reference=f"rows:{a}:{b}", select=select(rows.subquery()),
        totals={"pension": pension, "medical": -50_00}, person_lines_in_result=in_result)


@pytest.mark.parametrize("in_result", [True, False])
def test_copied_person_lines_are_checked_against_their_totals_read_back_or_not(
    database_url: str, in_result: bool
) -> None:
    a = add_person(database_url, "王建军", "511324", date(1988, 3, 9), 17)
    b = add_person(database_url, "李娜", "440306", date(1990, 5, 1), 23)
    with pytest.raises(AssertionError, match="sum to"), \
            transaction(database_url, write=True) as db:
        service.post(db, request("copy-wrong", (SETTLEMENT_GD, 140_00), province="440000"),
                     individual=_copied_source(a, b, -90_00, in_result))
    assert totals(database_url).entries == 0  # the savepoint took the entry back
    with transaction(database_url, write=True) as db:
        posted = service.post(db, request("copy", (SETTLEMENT_GD, 150_00), province="440000"),
                              individual=_copied_source(a, b, -100_00, in_result))
    persons = [(f"person:medical:{b}", -50_00), (f"person:pension:{a}", -100_00)]
    assert [(x.account, x.amount_fen) for x in posted.lines] == (
        [(SETTLEMENT_GD, 150_00)] + (persons if in_result else []))
    assert balances(database_url, f"person:pension:{a}", f"person:medical:{b}",
                    "individual:pension:440000") == {
        f"person:pension:{a}": 100_00, f"person:medical:{b}": 50_00,
        "individual:pension:440000": 100_00}
    assert totals(database_url).individual_lines == 2
    assert check(database_url) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"idempotency_key": "has space"}, "idempotency_key"),
        ({"kind": "Manual Entry"}, "kind"),
        ({"kind": "reversal"}, "kind"),
        ({"memo": "x" * 501}, "memo"),
        ({"effective_date": "2025-07-01"}, "effective_date"),
    ],
)
def test_bad_headers_are_refused(database_url: str, changes: dict[str, object], field: str
                                 ) -> None:
    base = {"idempotency_key": "k", "kind": "manual", "memo": "", "effective_date": date.today(),
            "lines": [(SETTLEMENT_GD, 1), (PENSION_GD, -1)]}
    with pytest.raises(InputError) as refused:
        post(database_url, service.PostingRequest(**{**base, **changes}))  # type: ignore[arg-type]
    assert refused.value.field == field
    assert totals(database_url).entries == 0


def test_a_retry_with_the_same_key_returns_the_first_result_and_posts_once(
    database_url: str
) -> None:
    first = receive(database_url, "bank-statement-2025-07-15-0001", PENSION_GD, 500_00)
    again = receive(database_url, "bank-statement-2025-07-15-0001", PENSION_GD, 500_00)
    assert again.entry_id == first.entry_id and again.replayed and not first.replayed
    assert again.lines == first.lines and again.posted_at == first.posted_at
    assert balances(database_url, PENSION_GD) == {PENSION_GD: 500_00}
    assert totals(database_url).entries == 1


def test_the_same_key_with_a_different_body_is_refused(database_url: str) -> None:
    receive(database_url, "k-1", PENSION_GD, 500_00)
    with pytest.raises(InputError) as refused:
        receive(database_url, "k-1", PENSION_GD, 501_00)
    assert refused.value.field == "idempotency_key"
    assert "different posting" in refused.value.reason
    with pytest.raises(InputError, match="idempotency_key"), transaction(
        database_url, write=True
    ) as db:
        service.post(db, request("k-1", (SETTLEMENT_GD, 500_00), (PENSION_GD, -500_00),
                                 kind="receipt", memo="another memo"))
    assert balances(database_url, PENSION_GD) == {PENSION_GD: 500_00}


def test_a_reversal_restores_balances_and_cannot_be_done_twice(database_url: str) -> None:
    receive(database_url, "seed", PENSION_GD, 1000_00)
    wrong = post(database_url, request("transfer-1", (PENSION_GD, 300_00),
                                       (UNEMPLOYMENT_GD, -300_00)))
    with transaction(database_url, write=True) as db:
        undone = service.reverse(db, wrong.entry_id, "undo-1", "posted to the wrong scheme")
    assert undone.reverses_entry_id == wrong.entry_id and undone.kind == "reversal"
    assert [(x.account, x.amount_fen) for x in undone.lines] == [
        (PENSION_GD, -300_00), (UNEMPLOYMENT_GD, 300_00)
    ]
    assert balances(database_url, PENSION_GD, UNEMPLOYMENT_GD) == {
        PENSION_GD: 1000_00, UNEMPLOYMENT_GD: 0
    }
    # a retry of the same reversal answers with it; another reversal is refused
    with transaction(database_url, write=True) as db:
        assert service.reverse(db, wrong.entry_id, "undo-1", "posted to the wrong scheme"
                               ).entry_id == undone.entry_id
    with pytest.raises(InputError) as refused, transaction(database_url, write=True) as db:
        service.reverse(db, wrong.entry_id, "undo-2")
    assert refused.value.field == "entry_id" and "already reversed" in refused.value.reason
    with pytest.raises(InputError, match="is a reversal"), transaction(
        database_url, write=True
    ) as db:
        service.reverse(db, undone.entry_id, "undo-3")
    with pytest.raises(InputError, match="no ledger entry"), transaction(
        database_url, write=True
    ) as db:
        service.reverse(db, 9999, "undo-4")
    assert totals(database_url).entries == 3
    assert check(database_url) == []


def test_a_reversal_cannot_overdraw_money_that_has_moved_on(database_url: str) -> None:
    received = receive(database_url, "r", PENSION_GD, 100_00)
    post(database_url, request("spend", (PENSION_GD, 80_00), (SETTLEMENT_GD, -80_00)))
    with pytest.raises(InputError) as refused, transaction(database_url, write=True) as db:
        service.reverse(db, received.entry_id, "undo")
    assert refused.value.field == "entry_id" and "below zero" in refused.value.reason
    assert balances(database_url, PENSION_GD) == {PENSION_GD: 20_00}


def test_a_fund_cannot_be_overdrawn_but_settlement_may_go_negative(database_url: str) -> None:
    receive(database_url, "seed", PENSION_GD, 100_00)
    with pytest.raises(InputError) as refused:
        post(database_url, request("pay", (PENSION_GD, 100_01), (SETTLEMENT_GD, -100_01)))
    assert refused.value.field == "lines.0.account"
    assert "below zero" in refused.value.reason
    assert balances(database_url, PENSION_GD) == {PENSION_GD: 100_00}
    # paying out exactly what the fund holds is fine; a bank account may be overdrawn
    post(database_url, request("pay-all", (PENSION_GD, 100_00), ("settlement:510000", -100_00)))
    assert balances(database_url, PENSION_GD, "settlement:510000") == {
        PENSION_GD: 0, "settlement:510000": -100_00
    }
    assert check(database_url) == []


def test_several_lines_on_one_account_count_together(database_url: str) -> None:
    receive(database_url, "seed", PENSION_GD, 100_00)
    # -150 then +60 on the fund nets to -90: allowed, though one line alone would overdraw
    post(database_url, request("net", (PENSION_GD, 150_00), (PENSION_GD, -60_00),
                               (SETTLEMENT_GD, -90_00)))
    assert balances(database_url, PENSION_GD) == {PENSION_GD: 10_00}
    assert check(database_url) == []


def test_person_and_employer_accounts_open_for_registered_owners(database_url: str) -> None:
    person = add_person(database_url, "王建军", "511324", date(1988, 3, 9), 17)
    employer = add_employer(database_url, "91440300MA5FXXXX0X", "440306")
    pension, receivable = f"person:pension:{person}", f"employer:receivable:{employer}"
    post(database_url, request("bill", (receivable, 800_00), (PENSION_GD, -640_00),
                               (pension, -160_00), kind="contribution", province="440000"))
    post(database_url, request("paid", (SETTLEMENT_GD, 800_00), (receivable, -800_00)))
    with transaction(database_url) as db:
        assert service.balance(db, pension) == 160_00
        assert service.replayed_balance(db, pension) == 160_00
        assert service.balance(db, receivable) == 0
        assert service.balance(db, "person:medical:1") == 0  # never posted to
        statement = service.statement(db, receivable)
        assert [line.amount_fen for line in statement.lines] == [-800_00, 800_00]
        assert [line.side for line in statement.lines] == ["credit", "debit"]
        older = service.statement(db, receivable, limit=1, before_id=statement.lines[0].line_id)
        assert [line.entry_id for line in older.lines] == [statement.lines[1].entry_id]
    with transaction(database_url, write=True) as db:
        account = service.open_account(db, f"person:annuity:{person}")
        assert (account.kind, account.normal_side, account.allow_negative) == (
            "person", "credit", False
        )
        with pytest.raises(InputError, match="no person"):
            service.open_account(db, "person:annuity:4242")


def test_a_posting_that_fails_half_way_leaves_nothing(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    receive(database_url, "seed", PENSION_GD, 100_00)
    before = totals(database_url)
    applied: list[str] = []
    real = service._update_balance

    def crash_on_the_second(account: LedgerAccount, delta: int, lines: int) -> None:
        if applied:
            raise RuntimeError("power cut")
        applied.append(account.code)
        real(account, delta, lines)

    monkeypatch.setattr(service, "_update_balance", crash_on_the_second)
    with pytest.raises(RuntimeError, match="power cut"):
        post(database_url, request("half", (PENSION_GD, 40_00), (MEDICAL_GD, -40_00)))
    assert applied  # the entry, its lines and one balance were written before the crash
    monkeypatch.undo()
    assert totals(database_url) == before
    assert balances(database_url, PENSION_GD, MEDICAL_GD) == {PENSION_GD: 100_00, MEDICAL_GD: 0}
    assert check(database_url) == []
    # the key was never used: the same request posts now
    assert not post(database_url, request("half", (PENSION_GD, 40_00), (MEDICAL_GD, -40_00))
                    ).replayed


def test_entries_and_lines_are_append_only(database_url: str) -> None:
    receive(database_url, "seed", PENSION_GD, 100_00)
    for statement in ("UPDATE ledger_lines SET amount_fen = amount_fen * 2",
                      "DELETE FROM ledger_lines", "UPDATE ledger_entries SET memo = 'edited'",
                      "DELETE FROM ledger_entries"):
        with pytest.raises(DBAPIError, match="reversal"), transaction(database_url) as db:
            db.execute(text(statement))
    assert totals(database_url).lines == 2


@pytest.fixture
def configured(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("SHEBAO_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def test_check_finds_a_corrupted_balance_and_an_unbalanced_entry(configured: str) -> None:
    url = configured
    receive(url, "seed", PENSION_GD, 100_00)
    ok = runner.invoke(app, ["ledger", "check"])
    assert ok.exit_code == 0, ok.output
    assert "ledger ok: 1 entries, 2 lines, 2 accounts checked" in ok.output

    with transaction(url) as db:
        db.execute(text("UPDATE ledger_accounts SET balance_fen = balance_fen + 1 "
                        "WHERE code = :code"), {"code": PENSION_GD})
        db.execute(
            text("INSERT INTO ledger_entries (idempotency_key, request_hash, kind, memo, "
                 "effective_date, posted_at) VALUES ('forged', '', 'manual', '', :day, :now)"),
            {"day": date(2025, 7, 1), "now": datetime.now(UTC)},
        )
        forged = db.scalar(text("SELECT id FROM ledger_entries WHERE idempotency_key = 'forged'"))
        account = db.scalar(text("SELECT id FROM ledger_accounts WHERE code = :code"),
                            {"code": SETTLEMENT_GD})
        db.execute(text("INSERT INTO ledger_lines (entry_id, account_id, amount_fen) "
                        "VALUES (:entry, :account, 500)"), {"entry": forged, "account": account})
    problems = check(url)
    assert f"entry {forged}: its lines sum to 500 fen, not 0" in problems
    assert f"entry {forged}: has 1 line; an entry needs at least two" in problems
    assert (f"account {PENSION_GD}: cached balance 10001 fen, but its lines give 10000 fen"
            in problems)
    assert any(p.startswith(f"account {SETTLEMENT_GD}: cached balance") for p in problems)

    failed = runner.invoke(app, ["ledger", "check"])
    assert failed.exit_code == 1
    assert "its lines sum to 500 fen" in failed.output


def test_check_finds_a_person_s_kept_balance_that_is_not_their_movements(
    database_url: str
) -> None:
    person = add_person(database_url, "王建军", "511324", date(1988, 3, 9), 17)
    post(database_url, request("pay", (SETTLEMENT_GD, 100_00),
                               (f"person:pension:{person}", -100_00), province="440000"))
    assert check(database_url) == []
    with transaction(database_url) as db:
        db.execute(text("UPDATE individual_account_balances SET pension_fen = pension_fen + 1, "
                        "medical_fen = 5"))
    assert check(database_url) == [
        f"account person:medical:{person}: cached balance 5 fen, but its movements give 0 fen",
        f"account person:pension:{person}: cached balance 10001 fen, but its movements give "
        "10000 fen"]
    assert balances(database_url, f"person:pension:{person}") == {
        f"person:pension:{person}": 100_01}  # what is read is what is kept


def test_check_finds_a_reversal_that_does_not_mirror_its_original(database_url: str) -> None:
    first = receive(database_url, "seed", PENSION_GD, 100_00)
    with transaction(database_url) as db:
        db.execute(
            text("INSERT INTO ledger_entries (idempotency_key, request_hash, kind, memo, "
                 "effective_date, posted_at, reverses_entry_id) "
                 "VALUES ('fake-undo', '', 'reversal', '', :day, :now, :original)"),
            {"day": date(2025, 7, 1), "now": datetime.now(UTC), "original": first.entry_id},
        )
    problems = check(database_url)
    assert any("has no lines" in p for p in problems)
    assert any(f"does not mirror entry {first.entry_id}" in p for p in problems)


def test_cli_balance_prints_fen_and_yuan_and_refuses_a_bad_code(configured: str) -> None:
    receive(configured, "seed", PENSION_GD, 1234_56)
    shown = runner.invoke(app, ["ledger", "balance", PENSION_GD])
    assert shown.exit_code == 0, shown.output
    assert f"{PENSION_GD}: 123456 fen (1234.56 yuan)" in shown.output
    refused = runner.invoke(app, ["ledger", "balance", "pool:employee_pension:4400"])
    assert refused.exit_code == 2
    assert "error: account:" in refused.output


def test_a_key_posted_earlier_in_the_same_transaction_is_replayed(database_url: str) -> None:
    receive(database_url, "seed", PENSION_GD, 100_00)
    same = request("twice", (PENSION_GD, 30_00), (MEDICAL_GD, -30_00))
    with transaction(database_url, write=True) as db:
        first = service.post(db, same)
        again = service.post(db, same)
        with pytest.raises(InputError, match="already used for a different posting"):
            service.post(db, request("twice", (PENSION_GD, 31_00), (MEDICAL_GD, -31_00)))
    assert (again.entry_id, again.replayed, first.replayed) == (first.entry_id, True, False)
    assert again.lines == first.lines
    assert balances(database_url, PENSION_GD, MEDICAL_GD) == {PENSION_GD: 70_00,
                                                              MEDICAL_GD: 30_00}
    assert check(database_url) == []


def test_an_account_the_session_holds_shows_the_posted_balance(database_url: str) -> None:
    """The ledger writes balances with plain statements; an account object the caller's
    session already holds is told the new values, as if read back."""
    receive(database_url, "seed", PENSION_GD, 100_00)
    with transaction(database_url, write=True) as db:
        held = service.open_account(db, PENSION_GD)
        assert (held.balance_fen, held.line_count) == (100_00, 1)
        service.post(db, request("move", (PENSION_GD, 40_00), (MEDICAL_GD, -40_00)))
        assert (held.balance_fen, held.line_count) == (60_00, 2)
    assert balances(database_url, PENSION_GD) == {PENSION_GD: 60_00}

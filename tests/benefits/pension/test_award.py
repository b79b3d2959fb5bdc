"""The worked career (tests/cases/pension/career_award.yaml) end to end, the application's
statuses, eligibility refusals and maker-checker, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from shebao.benefits.pension import payroll, service
from shebao.benefits.pension.models import PensionApplication, PensionAward
from shebao.db.engine import transaction
from shebao.errors import InputError
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.policy import Policy
from shebao.policy import bindings as b
from shebao.policy.formulas import pension
from shebao.policy.formulas.periods import format_month, parse_month
from shebao.registry.schemas import DeathRecord
from shebao.registry.service import record_death
from tests.benefits.pension.world import contribute, desk, fund_pool, user
from tests.helpers import add_person

CASE = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "cases" / "pension" / "career_award.yaml")
    .read_text(encoding="utf-8"))["cases"][0]


def _wages(spans: list[dict[str, object]]) -> dict[str, int]:
    wages: dict[str, int] = {}
    for span in spans:
        for m in range(parse_month(str(span["from"])), parse_month(str(span["to"])) + 1):
            wages[format_month(m)] = int(span["wage_fen"])  # type: ignore[call-overload]
    return wages


def _career(url: str) -> tuple[int, int]:
    world = desk(url)
    who = CASE["person"]
    person = add_person(url, who["name"], who["county"], who["birth_date"], who["sequence"])
    wages = _wages(CASE["wages"])
    contribute(url, world.employer, [person], wages, date(2020, 10, 1))
    fund_pool(url)
    return person, world.employer


def test_the_worked_career_is_awarded_indexed_and_paid_to_the_fen(database_url: str) -> None:
    expected = CASE["expected"]
    person, _ = _career(database_url)
    with transaction(database_url, write=True) as db:
        maker = user(db, "clerk-jinjiang")
        made = service.create_application(db, maker, service.ApplicationInput(
            person_id=person, deemed_months=CASE["deemed_months"],
            deemed_basis="state enterprise service before the account"))
        assert made.status == "draft" and made.channel == "desk"
        done = service.submit(db, maker, made.id)
        assert done.status == "submitted"
        for key in ("retirement_month", "statutory_month", "contribution_months",
                    "account_balance_fen", "basic_fen", "account_part_fen",
                    "transitional_fen", "total_fen"):
            assert getattr(done, key) == expected[key], key
        assert done.average_index == pytest.approx(expected["average_index"], abs=1e-12)
        explained = done.explanation
        assert [y["index"] for y in explained["index_years"]] == pytest.approx([1.0, 2.0, 2.0])
        assert any("国发〔2005〕38号" in p["reference"] for p in explained["parameters"])
        application_id = made.id
    with transaction(database_url, write=True) as db:
        award = service.approve(db, user(db, "clerk-chengdu"), application_id, "checked")
        assert award.first_month == expected["first_month"]
        award_id = award.id
    with transaction(database_url, write=True) as db:
        admin = user(db, "admin-state")
    first = payroll.run_payroll(database_url, admin, "510000", "2024-12")
    assert (first.payments, first.paid_fen) == (expected["payroll_2024_12"]["payments"],
                                                expected["payroll_2024_12"]["paid_fen"])
    with transaction(database_url, write=True) as db:
        indexed = payroll.index_pensions(db, user(db, "admin-state"), "510000", 2025)
        assert indexed.indexed == 1
        again = payroll.index_pensions(db, user(db, "admin-state"), "510000", 2025)
        assert again.indexed == 0  # idempotent
        amounts = service.amount_history(db, award_id)
        assert [a.total_fen for a in amounts] == [expected["total_fen"],
                                                  expected["indexed_2025_fen"]]
        assert db.get(PensionAward, award_id).contribution_months == 312  # never edited
    second = payroll.run_payroll(database_url, admin, "510000", "2026-11")
    assert (second.payments, second.paid_fen) == (expected["payroll_2026_11"]["payments"],
                                                  expected["payroll_2026_11"]["paid_fen"])
    with transaction(database_url) as db:
        paid = payroll.payments_of(db, admin, person)
        account = sum(p.account_part_fen for p in paid if p.month <= "2024-12")
        assert account == expected["payroll_2024_12"]["account_fen"]
        account = sum(p.account_part_fen for p in paid if p.month > "2024-12")
        assert account == expected["payroll_2026_11"]["account_fen"]
        assert ledger.balance(db, accounts.person("pension", person)) == \
            expected["account_left_fen"]
        assert ledger.check(db) == []
    # Indexing after a month of the year has been paid is refused: it would need top-ups.
    with transaction(database_url, write=True) as db, pytest.raises(InputError) as refused:
        payroll.index_pensions(db, user(db, "admin-state"), "510000", 2026)
    assert refused.value.field == "effective_month"


def test_the_clerk_who_submitted_cannot_approve(database_url: str) -> None:
    person, _ = _career(database_url)
    with transaction(database_url, write=True) as db:
        maker = user(db, "clerk-jinjiang")
        made = service.create_application(db, maker, service.ApplicationInput(
            person_id=person, deemed_months=295, deemed_basis="personnel file"))
        service.submit(db, maker, made.id)
        with pytest.raises(InputError) as refused:
            service.approve(db, maker, made.id)
        assert refused.value.field == "application_id"
        assert "maker-checker" in refused.value.reason
        with pytest.raises(InputError):
            service.reject(db, maker, made.id, "no")
        assert db.get(PensionApplication, made.id).status == "submitted"
        rejected = service.reject(db, user(db, "clerk-chengdu"), made.id, "deemed service "
                                  "not proven by the personnel file")
        assert (rejected.status, rejected.decision_reason[:6]) == ("rejected", "deemed")
        with pytest.raises(InputError):  # decided once
            service.approve(db, user(db, "clerk-chengdu"), made.id)
        again = service.create_application(db, maker, service.ApplicationInput(
            person_id=person, deemed_months=295, deemed_basis="personnel file, page 2"))
        service.submit(db, maker, again.id)
        record_death(db, maker, person, DeathRecord(death_date=date(2026, 10, 1)))
        with pytest.raises(InputError) as dead:
            service.approve(db, user(db, "clerk-chengdu"), again.id)
        assert "died on 2026-10-01" in dead.value.reason


def test_eligibility_refusals_name_their_field(database_url: str) -> None:
    person, _ = _career(database_url)
    with transaction(database_url, write=True) as db:
        maker = user(db, "clerk-jinjiang")
        # 17 paid months and no deemed service: far short of 180.
        made = service.create_application(db, maker, service.ApplicationInput(person_id=person))
        with pytest.raises(InputError) as short:
            service.submit(db, maker, made.id)
        assert short.value.field == "person_id" and "180" in short.value.reason
        with pytest.raises(InputError) as pending:
            service.create_application(db, maker, service.ApplicationInput(person_id=person))
        assert pending.value.field == "person_id"
    woman = add_person(database_url, "王芳", "510104", date(1975, 3, 9), 152)
    with transaction(database_url, write=True) as db:
        maker = user(db, "clerk-jinjiang")
        with pytest.raises(InputError) as category:
            service.create_application(db, maker, service.ApplicationInput(person_id=woman))
        assert category.value.field == "original_age_years"
        # Women workers born 1975-03: 50 + ⌊2/2⌋ + 1 = 2 months' delay → 2025-05; three
        # years early is below the old age of 50.
        with pytest.raises(InputError) as early:
            service.create_application(db, maker, service.ApplicationInput(
                person_id=woman, original_age_years=50, retirement_month="2024-12"))
            service.submit(db, maker, db.query(PensionApplication).filter_by(
                person_id=woman).one().id)
        assert early.value.field in ("retirement_month", "person_id")


def test_a_residents_pension_needs_age_60_and_fifteen_years(database_url: str) -> None:
    desk(database_url)
    farmer = add_person(database_url, "赵德明", "510104", date(1964, 11, 2), 153)
    with transaction(database_url, write=True) as db:
        maker = user(db, "clerk-jinjiang")
        early = service.create_application(db, maker, service.ApplicationInput(
            person_id=farmer, scheme="resident", retirement_month="2024-06"))
        with pytest.raises(InputError) as young:
            service.submit(db, maker, early.id)
        assert young.value.field == "retirement_month" and "2024-11" in young.value.reason
        early.status = "rejected"  # closed, so a new one may be opened
        made = service.create_application(db, maker, service.ApplicationInput(
            person_id=farmer, scheme="resident"))
        assert made.retirement_month == "2024-11"
        with pytest.raises(InputError) as short:
            service.submit(db, maker, made.id)
        assert short.value.field == "person_id" and "180 are needed" in short.value.reason
        with pytest.raises(InputError) as deemed:
            service.create_application(db, maker, service.ApplicationInput(
                person_id=farmer, scheme="resident", deemed_months=12, deemed_basis="x"))
        assert deemed.value.field == "deemed_months"


def test_a_residents_award_binds_every_argument_of_the_formula() -> None:
    """What `service.compute_resident` computes, through the same binding: 156,000 fen in the
    account (12 years at the lowest tier, 100 + 30 yuan), at 60 in March 2026 the national
    minimum basic pension of 2026, 163 yuan, no provincial top-up (none is set), and
    156,000 ÷ 139 = 1,122.3 → 1,122 fen: 17,422 fen a month."""
    used = b.resident_pension_arguments(Policy.at(date(2026, 3, 1), "510000"), "510000")
    assert used.values["local_top_up"] == 0
    award = pension.resident_pension(156000, **used.values)
    assert (int(award["basic"]), int(award["account"]), int(award["total"])) == (
        16300, 1122, 17422)

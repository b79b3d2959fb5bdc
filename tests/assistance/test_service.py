"""Social assistance on SQLite and PostgreSQL: the worked cases of
tests/cases/assistance/applications.yaml, incomplete applications and bad files that change
nothing, caseworker decisions with reasons, flags, stops with notice, appeals, idempotent runs
and the medical-assistance flag that follows a case."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from shebao.assistance import service
from shebao.assistance.models import (
    AssistanceApplication,
    AssistancePayment,
    ExternalImport,
    ExternalRecord,
)
from shebao.auth.models import User
from shebao.auth.service import create_user
from shebao.benefits.medical.models import AssistanceRecipient
from shebao.db.engine import transaction
from shebao.errors import InputError, InputErrors
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.registry import service as registry
from shebao.registry.models import Person
from shebao.registry.schemas import HouseholdCreate, MemberAdd
from tests.benefits.claims_support import OPERATOR, career, fund, person

CASES = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "cases" / "assistance" / "applications.yaml")
    .read_text(encoding="utf-8"))["cases"]
COUNTY = "511321"
APPLIED = date(2026, 10, 15)
POOL = accounts.pool("assistance", "510000")


def _household(url: str, members: list[dict[str, Any]]) -> tuple[int, list[int]]:
    ids = [person(url, {"county": COUNTY, **m}) for m in members]
    with transaction(url, write=True) as db:
        household = registry.create_household(db, OPERATOR, HouseholdCreate(
            region_code=COUNTY, head_person_id=ids[0], start_date=date(2000, 1, 1)))
        for pid in ids[1:]:
            registry.add_member(db, OPERATOR, household.id, MemberAdd(
                person_id=pid, relationship="spouse" if pid == ids[1] else "child",
                start_date=max(date(2000, 1, 1), db.get(Person, pid).birth_date)))
        return household.id, ids


def _declared(spec: dict[str, Any], ids: list[int]) -> dict[str, Any]:
    return {
        "members": [{"person_id": pid, "wages_fen": spec["wages"][i], "pension_fen": 0,
                     "unemployment_fen": 0, "other_fen": spec["other"][i]}
                    for i, pid in enumerate(ids)],
        **{k: spec[k] for k in ("deposits_fen", "vehicles", "properties")},
    }


def _csv(db: Any, rows: list[tuple[int, str, int]]) -> str:
    lines = ["identity_number,reference,value_fen"]
    for pid, reference, value in rows:
        lines.append(f"{db.get(Person, pid).identity_number},{reference},{value}")
    return "\n".join(lines) + "\n"


def _build(url: str, case: dict[str, Any]) -> tuple[int, list[int]]:
    household_id, ids = _household(url, case["members"])
    for c in case.get("careers", []):
        end = date.fromisoformat(str(c["end"])) if c.get("end") else None
        career(url, ids[c["member"]], COUNTY, date(2025, 1, 1), end,
               tuple(str(m) for m in c["declared"]), wage_fen=c["wage_fen"])
    rows = [(ids[v["member"]], v["reference"], v["value_fen"]) for v in case.get("vehicles", [])]
    if rows:
        with transaction(url, write=True) as db:
            service.import_file(db, OPERATOR, "vehicle", "511300", "南充市车辆管理所",
                                date(2026, 10, 1), _csv(db, rows))
    return household_id, ids


def _apply(url: str, household_id: int, declared: dict[str, Any],
           programme: str = "dibao") -> int:
    with transaction(url, write=True) as db:
        return service.apply(db, OPERATOR, household_id, programme, declared, area="rural",
                             applied_on=APPLIED).id


def _clerks(url: str) -> tuple[User, User]:
    with transaction(url, write=True) as db:
        made = [create_user(db, username=f"caseworker{i}", password="x" * 12, role="clerk",
                            region_code=COUNTY, display_name=f"caseworker {i}")
                for i in (1, 2)]
        return made[0], made[1]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_worked_case(database_url: str, case: dict[str, Any]) -> None:
    household_id, ids = _build(database_url, case)
    app_id = _apply(database_url, household_id, _declared(case["declared"], ids))
    with transaction(database_url) as db:
        app = db.get(AssistanceApplication, app_id)
        expected = case["expected"]
        assert app.status == "pending"
        assert app.declared_amount_fen == expected["declared_amount_fen"], app.assessment
        assert app.assessed_amount_fen == expected["assessed_amount_fen"], app.assessment
        assert app.assessment["tests"]["assessed"]["eligible"] == expected["assessed_eligible"]
        assert sorted({d.source for d in app.discrepancies}) == expected["sources"]
        assert all(d.status == "open" and d.detail for d in app.discrepancies)


def test_incomplete_application_lists_everything_missing_and_keeps_nothing(
        database_url: str) -> None:
    household_id, ids = _household(database_url, CASES[1]["members"])
    declared = {"members": [{"person_id": ids[0], "wages_fen": 0, "pension_fen": 0,
                             "unemployment_fen": 0}], "vehicles": 0}
    with pytest.raises(InputErrors) as refused, transaction(database_url, write=True) as db:
        service.apply(db, OPERATOR, household_id, "dibao", declared, area="rural",
                      applied_on=APPLIED)
    fields = {e.field for e in refused.value.errors}
    assert fields == {f"members[{ids[0]}].other_fen", f"members[{ids[1]}]", "deposits_fen",
                      "properties"}
    with transaction(database_url) as db:
        assert db.scalar(select(func.count(AssistanceApplication.id))) == 0


def test_a_bad_file_is_rejected_whole_listing_every_bad_row(database_url: str) -> None:
    _, ids = _household(database_url, CASES[1]["members"])
    with transaction(database_url) as db:
        good = db.get(Person, ids[0]).identity_number
    text = ("identity_number,reference,value_fen\n"
            f"{good},川R·B0001,100\n"
            "110101199003071234,川R·B0002,100\n"
            f"{good},川R·B0003,12.5\n")
    with pytest.raises(InputErrors) as refused, transaction(database_url, write=True) as db:
        service.import_file(db, OPERATOR, "vehicle", "511300", "车管所", date(2026, 10, 1), text)
    assert [e.field for e in refused.value.errors] == ["line 3: identity_number",
                                                        "line 4: value_fen"]
    with pytest.raises(InputError, match="header"), transaction(database_url, write=True) as db:
        service.import_file(db, OPERATOR, "vehicle", "511300", "车管所", date(2026, 10, 1),
                            "id,plate\n1,2\n")
    with transaction(database_url) as db:
        assert db.scalar(select(func.count(ExternalImport.id))) == 0
        assert db.scalar(select(func.count(ExternalRecord.id))) == 0


def test_caseworker_decides_with_reason_pays_once_flags_stops_and_appeals(
        database_url: str) -> None:
    case = CASES[2]  # the ended job: eligible on the records, 152,000 a month
    household_id, ids = _build(database_url, case)
    app_id = _apply(database_url, household_id, _declared(case["declared"], ids))
    first, second = _clerks(database_url)
    fund(database_url, "assistance", "510000", 10_000_000)
    with pytest.raises(InputError, match="resolve every discrepancy"), \
            transaction(database_url, write=True) as db:
        service.decide(db, first, app_id, True, "records show the job ended")
    with transaction(database_url, write=True) as db:
        app = db.get(AssistanceApplication, app_id)
        for d in app.discrepancies:
            service.resolve_discrepancy(db, first, d.id, "confirmed",
                                        "employer confirms the job ended in June")
    with pytest.raises(InputError, match="does not qualify"), \
            transaction(database_url, write=True) as db:
        service.decide(db, first, app_id, True, "as declared", basis="declared")
    with pytest.raises(InputError, match="reason"), transaction(database_url, write=True) as db:
        service.decide(db, first, app_id, True, "")
    with transaction(database_url, write=True) as db:
        app = service.decide(db, first, app_id, True, "job ended in June; farming only")
        assert (app.status, app.monthly_amount_fen, app.basis) == ("approved", 152000,
                                                                   "assessed")
        # Working-age members: reviewed in 6 months, on the same day (at most the 28th).
        today = date.today()
        later = today.year * 12 + today.month - 1 + 6
        assert app.next_review == date(later // 12, later % 12 + 1, min(today.day, 28))
        month = app.first_month
        assert {e.kind for e in app.events} == {"submitted", "decision", "notice"}
    with transaction(database_url) as db:
        kinds = set(db.scalars(select(AssistanceRecipient.kind).where(
            AssistanceRecipient.person_id.in_(ids), AssistanceRecipient.until.is_(None))))
        assert kinds == {"dibao"}
    for _ in range(2):
        with transaction(database_url, write=True) as db:
            run = service.run_month(db, OPERATOR, "510000", month)
    assert (run.paid, run.already_paid) == (0, 1)
    with transaction(database_url) as db:
        assert db.scalar(select(func.sum(AssistancePayment.amount_fen))) == 152000
        assert ledger.balance(db, POOL) == 10_000_000 - 152000
        assert ledger.check(db) == []

    # A new job: the case is flagged, still paid, and stopped only by the caseworker.
    career(database_url, ids[1], COUNTY, date.today(), None, None, wage_fen=300000)
    with transaction(database_url, write=True) as db:
        assert service.flag_changes(db, first) == 1
        assert service.flag_changes(db, first) == 0
        app = db.get(AssistanceApplication, app_id)
        assert app.review_flagged and app.status == "approved"
        assert [a.id for a in service.reviews_due(db, first)] == [app_id]
        new = [d for d in app.discrepancies if d.status == "open"]
        assert [d.source for d in new] == ["registry:employment"]
        service.resolve_discrepancy(db, first, new[0].id, "confirmed", "new job confirmed")
        app = service.adjust(db, first, app_id, "stop", "wife now earns 3,000 a month")
        assert app.status == "stopped" and app.last_month == month
        assert "stopped" in app.events[-1].detail
    with transaction(database_url) as db:
        assert db.scalar(select(func.count(AssistanceRecipient.id)).where(
            AssistanceRecipient.person_id.in_(ids), AssistanceRecipient.until.is_(None))) == 0

    # Appeal: the deciding caseworker may not judge it; a second one upholds it.
    with transaction(database_url, write=True) as db:
        service.appeal(db, first, app_id, "the job is a three-month trial only")
    with pytest.raises(InputError, match="cannot decide the appeal"), \
            transaction(database_url, write=True) as db:
        service.decide_appeal(db, first, app_id, True, "trial job")
    with transaction(database_url, write=True) as db:
        app = service.decide_appeal(db, second, app_id, True, "trial job, not stable income")
        assert app.status == "approved" and app.last_month is None


def test_welfare_allowances_follow_their_conditions(database_url: str) -> None:
    household_id, ids = _household(database_url, [
        {"name": "郑老", "birth": "1940-01-01"}, {"name": "郑孙", "birth": "2015-01-01"}])
    with transaction(database_url, write=True) as db:
        old = service.apply(db, OPERATOR, household_id, "old_age", {}, area="rural",
                            applied_on=APPLIED, person_id=ids[0])
        young = service.apply(db, OPERATOR, household_id, "old_age", {}, area="rural",
                              applied_on=APPLIED, person_id=ids[1])
        assert (old.assessed_amount_fen, young.assessed_amount_fen) == (10000, 0)
        with pytest.raises(InputErrors) as refused:
            service.apply(db, OPERATOR, household_id, "disability_care", {}, area="rural",
                          applied_on=APPLIED, person_id=ids[0])
        assert [e.field for e in refused.value.errors] == ["disability_grade"]

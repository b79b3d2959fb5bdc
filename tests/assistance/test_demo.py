"""The demo shows assistance: dibao households paid from Sichuan's fund, applications waiting
with discrepancies, 赵德明's review with one discrepancy and his medical flag from his case."""

from __future__ import annotations

from sqlalchemy import func, select

from shebao.assistance.models import AssistanceApplication, AssistancePayment, Discrepancy
from shebao.benefits.medical.models import AssistanceRecipient, MedicalClaim
from shebao.db.engine import transaction
from shebao.demo import seed_demo
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.registry.models import HouseholdMember, Person


def test_demo_has_paid_dibao_households_and_waiting_discrepancies(database_url: str) -> None:
    assert seed_demo(database_url, persons=400) is not None
    with transaction(database_url) as db:
        approved = db.scalar(select(func.count(AssistanceApplication.id)).where(
            AssistanceApplication.programme == "dibao",
            AssistanceApplication.status == "approved"))
        assert approved >= 10
        edge = db.scalar(select(AssistanceApplication).where(
            AssistanceApplication.programme == "near_dibao"))
        assert (edge.status, edge.monthly_amount_fen) == ("approved", 0)
        refused = db.scalars(select(AssistanceApplication).where(
            AssistanceApplication.status == "refused")).all()
        assert refused and not any(a.assessment["tests"]["declared"]["eligible"]
                                   for a in refused)
        waiting = db.scalars(select(AssistanceApplication).where(
            AssistanceApplication.status == "pending")).all()
        sources = {d.source for a in waiting for d in a.discrepancies if d.status == "open"}
        assert {"external:vehicle", "external:deposit", "registry:employers"} <= sources
        paid = db.scalar(select(func.sum(AssistancePayment.amount_fen)))
        assert paid > 0
        assert ledger.balance(db, accounts.pool("assistance", "510000")) >= 0
        assert ledger.check(db) == []
        farmer = db.scalar(select(Person).where(Person.name == "赵德明"))
        case = db.scalar(select(AssistanceApplication).join(
            HouseholdMember, HouseholdMember.household_id == AssistanceApplication.household_id)
            .where(HouseholdMember.person_id == farmer.id,
                   AssistanceApplication.programme == "dibao"))
        assert (case.status, case.review_flagged, len(case.payments)) == ("approved", True, 13)
        open_ones = db.scalars(select(Discrepancy).where(
            Discrepancy.application_id == case.id, Discrepancy.status == "open")).all()
        assert [d.source for d in open_ones] == ["external:deposit"]
        flag = db.scalar(select(AssistanceRecipient).where(
            AssistanceRecipient.person_id == farmer.id))
        assert flag.kind == "dibao" and flag.until is None
        claim = db.scalar(select(MedicalClaim).where(MedicalClaim.person_id == farmer.id))
        assert claim.assistance_fen > 0

"""The demo's fraud cases, on top of the pensions and claims: a pensioner whose death was
reported late while a proxy kept authenticating for him (pension paid after death), and a
community health centre that billed one visit twice. The demo's supervisor then scans
Sichuan, so the dashboard opens with cases waiting for a decision."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from shebao.auth.models import User
from shebao.auth.service import operator
from shebao.benefits.medical import service as medical
from shebao.benefits.medical.models import Hospital, MedicalClaim
from shebao.benefits.pension import payroll
from shebao.db.engine import transaction
from shebao.registry.models import Person
from shebao.registry.schemas import DeathRecord
from shebao.registry.service import record_death
from shebao.supervision import service

SICHUAN = "510000"


def seed_cases(database_url: str) -> dict[str, int]:
    """Record the late-reported death, pay the month, resubmit a stay, scan Sichuan."""
    op = operator()
    today = date.today()
    with transaction(database_url, write=True) as db:
        pensioner = db.scalar(select(Person).where(Person.name == "李明",
                                                   Person.birth_date == date(1964, 10, 3)))
        assert pensioner is not None
        record_death(db, op, pensioner.id, DeathRecord(
            death_date=date(2026, 8, 20), reason="death certificate, reported in November"))
        stay = db.scalar(select(MedicalClaim).where(MedicalClaim.claim_no == "JJ-2026-1020"))
        assert stay is not None
        hospital = db.get_one(Hospital, stay.hospital_id)
        patient = db.get_one(Person, stay.person_id)
        lines = [medical.ItemRow(None, "", line.item_code, line.quantity, line.unit_price_fen)
                 for line in stay.lines]
        medical.submit(db, op, hospital.id, [medical.ClaimRow(
            None, "", "JJ-2026-1020-R", patient.identity_number, stay.kind,
            stay.admission_date.isoformat(), stay.discharge_date.isoformat(), stay.diagnosis,
            stay.drg_group, lines)])
    # The month's payroll runs again: the death stops the award, the months paid after it
    # become overpayments.
    payroll.run_payroll(database_url, op, SICHUAN, f"{today.year:04d}-{today.month:02d}",
                        paid_on=today)
    with transaction(database_url, write=True) as db:
        supervisor = db.scalar(select(User).where(User.username == "supervisor"))
        assert supervisor is not None
        found = service.scan(db, supervisor, SICHUAN, today)
    return {"fraud_alerts": found.new_alerts, "fraud_cases": found.cases_opened}

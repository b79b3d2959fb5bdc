"""The claims of the demo: an unemployment claim, a work injury and medical claims settled in
layers, made through the same services the desk, the hospitals and the API use.

Run after the demo's year of contributions (its last declared month is 2026-10): a factory
worker dismissed at the end of October registers as unemployed and is paid November; another
is awarded a grade-4 disability; the story's people see hospitals in Shenzhen and Chengdu,
陈丽 with a DRG-paid stay, the farmer 赵德明 (a dibao recipient: assistance/demo.py
approves his household's case, which flags its members) with a heart stay settled by
basic insurance, critical-illness insurance and medical assistance.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shebao.auth.models import User
from shebao.auth.service import DEMO_PASSWORD, create_user, operator
from shebao.benefits.injury import service as injury
from shebao.benefits.medical import service as medical
from shebao.benefits.medical.models import AssistanceRecipient
from shebao.benefits.unemployment import service as unemployment
from shebao.db.engine import transaction
from shebao.errors import InputError
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.policy import Policy
from shebao.registry import service as registry
from shebao.registry.identifiers import make_credit_code
from shebao.registry.models import Employer, EmploymentSpell, Enrollment, Person
from shebao.registry.schemas import EmploymentEnd

HOSPITALS = (  # (county, organisation code, name, level)
    ("440306", "MA7HPT0C1", "深圳市宝安区中心医院（演示）", 3),
    ("510104", "MA7HPT0C2", "成都市锦江区人民医院（演示）", 3),
    ("510104", "MA7HPT0C3", "锦江区书院街社区卫生服务中心（演示）", 1),
)


def _person_of(db: Session, username: str) -> Person:
    user = db.scalar(select(User).where(User.username == username))
    assert user is not None and user.person_id is not None
    person = db.get(Person, user.person_id)
    assert person is not None
    return person


def _fiscal_subsidies(db: Session, year: int) -> None:
    """Residents' medical insurance and medical assistance are financed by government: the
    demo's provinces receive the minimum subsidy per enrolled resident, and an assistance
    budget of one annual cap per recipient."""
    on = date(year, 1, 1)
    per_resident = int(Policy.at(on).value("resident_medical.fiscal_subsidy_min"))
    cap = int(Policy.at(on).value("medical_claims.medical_assistance.annual_cap"))
    residents: Counter[str] = Counter()
    for region, count in db.execute(
        select(Enrollment.region_code, func.count(Enrollment.id))
        .where(Enrollment.scheme == "resident_medical", Enrollment.end_date.is_(None))
        .group_by(Enrollment.region_code)
    ):
        residents[region[:2]] += count
    recipients: Counter[str] = Counter(
        region[:2] for region in db.scalars(
            select(Person.residence_region)
            .join(AssistanceRecipient, AssistanceRecipient.person_id == Person.id))
    )
    for prefix, count in sorted(residents.items()):
        province = f"{prefix}0000"
        amounts = [("resident_medical", per_resident * count),
                   ("assistance", cap * recipients.get(prefix, 0))]
        for scheme, amount in amounts:
            if amount:
                ledger.post_in(db, ledger.PostingRequest(
                    idempotency_key=f"demo-subsidy-{scheme}-{province}-{year}",
                    kind="fiscal_subsidy", memo=f"{year} fiscal subsidy, {scheme}",
                    effective_date=on,
                    lines=[(accounts.fiscal_subsidy(province), amount),
                           (accounts.pool(scheme, province), -amount)],
                ), province)


def _guangdong_staff(db: Session, exclude: set[int]) -> list[tuple[int, int, int]]:
    """(person, employer, open spell) of everyone employed in Guangdong, by person."""
    rows = db.execute(
        select(EmploymentSpell.person_id, EmploymentSpell.employer_id, EmploymentSpell.id)
        .join(Employer, Employer.id == EmploymentSpell.employer_id)
        .where(Employer.region_code.startswith("44"), EmploymentSpell.end_date.is_(None))
        .order_by(EmploymentSpell.person_id, EmploymentSpell.id)
    ).all()
    return [(p, e, s) for p, e, s in rows if p not in exclude]


def _item(code: str, quantity: int, price: int) -> medical.ItemRow:
    return medical.ItemRow(None, "", code, quantity, price)


def seed_claims(database_url: str) -> dict[str, int]:
    """Seed the claims on top of the demo; return how many of each were made."""
    op = operator()
    with transaction(database_url, write=True) as db:
        worker, teacher = _person_of(db, "worker"), _person_of(db, "teacher")
        farmer = db.scalar(select(Person).where(Person.name == "赵德明",
                                                Person.birth_date == date(1968, 11, 2)))
        assert farmer is not None
        staff = _guangdong_staff(db, {worker.id})
        # Someone with a year of paid contributions is dismissed at the end of October.
        dismissed = next(((p, s) for p, _, s in staff
                          if unemployment.paid_unemployment_months(db, p, "2026-11") >= 12), None)
        if dismissed is not None:
            registry.end_employment(db, op, dismissed[1], EmploymentEnd(
                end_date=date(2026, 10, 31), reason="dismissed"))
            unemployment.open_claim(db, op, dismissed[0],
                                    separation_reason="dismissed_by_employer",
                                    separation_date=date(2026, 10, 31),
                                    registration_date=date(2026, 11, 2))
            unemployment.run_month(db, op, "440000", "2026-11")
        # Someone else, with wages declared before the injury, is hurt at work in August.
        injured = next(((p, e) for p, e, _ in staff if (dismissed is None or p != dismissed[0])
                        and injury.wage_12m_average(db, p, date(2026, 8, 12))), None)
        try:
            with db.begin_nested():
                if injured is not None:
                    injury.award(db, op, injured[0], kind="disability", grade=4,
                                 injury_date=date(2026, 8, 12), recognized_on=date(2026, 10, 20),
                                 recognition_reference="深人社工认〔2026〕0815号",
                                 employer_id=injured[1])
        except InputError:
            injured = None  # a small demo's single year of work-injury contributions is too little
        for month in ("2026-10", "2026-11"):
            injury.run_month(db, op, "440000", month)

        _fiscal_subsidies(db, 2026)
        hospitals = []
        for county, code, name, level in HOSPITALS:
            employer = Employer(credit_code=make_credit_code(county, code), name=name,
                                region_code=county, industry="卫生", injury_class=1,
                                size="large", category="public_institution",
                                is_public_body=True)
            db.add(employer)
            db.flush()
            hospitals.append(medical.register_hospital(
                db, op, code=f"H{county}{code[-1]}", name=name, level=level,
                employer_id=employer.id))
        create_user(db, username="hospital", password=DEMO_PASSWORD, role="employer",
                    region_code=hospitals[1].region_code, display_name=hospitals[1].name,
                    is_demo=True, employer_id=hospitals[1].employer_id)
        shenzhen, chengdu, community = hospitals
        claims = [
            (shenzhen, medical.ClaimRow(
                None, "", "SZ-2026-0931", worker.identity_number, "inpatient", "2026-09-03",
                "2026-09-07", "K35.8", "GD25",
                [_item("B002", 1, 450000), _item("A002", 4, 5000), _item("A003", 2, 2500),
                 _item("B001", 3, 4500), _item("C001", 2, 10000)])),
            (shenzhen, medical.ClaimRow(
                None, "", "SZ-2026-1015", worker.identity_number, "outpatient", "2026-10-15",
                "2026-10-15", "J06.9", None, [_item("A001", 2, 1800), _item("A003", 1, 2500)])),
            (chengdu, medical.ClaimRow(
                None, "", "CD-2026-1018", farmer.identity_number, "inpatient", "2026-10-08",
                "2026-10-18", "I21.0", None,
                [_item("A004", 3, 120000), _item("A002", 7, 5000), _item("B004", 2, 3000000),
                 _item("B003", 2, 30000), _item("C001", 7, 10000)])),
            (community, medical.ClaimRow(
                None, "", "JJ-2026-1020", teacher.identity_number, "outpatient", "2026-10-20",
                "2026-10-20", "I10", None, [_item("A001", 1, 1800), _item("B001", 2, 5200)])),
        ]
        settled = 0
        for hospital, row in claims:
            settled += len(medical.submit(db, op, hospital.id, [row]))
    return {"unemployment_claims": int(dismissed is not None),
            "injury_claims": int(injured is not None), "medical_claims": settled}

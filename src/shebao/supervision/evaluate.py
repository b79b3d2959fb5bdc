"""How well the detection rules find fraud: a generated population with known frauds of each
kind injected at a set rate, scanned by the same `service.scan` as `shebao fraud scan`, and
each rule's precision and recall against the truth the generator wrote.

The population is written straight into the tables the rules read (persons, employers, bills
and contribution rows, pension awards and payments, unemployment claims and payments,
hospitals and medical claims, external wages) — in bulk, not through the services, which
would refuse most of the frauds it must contain. It is an evaluation database: its ledger
holds one placeholder entry that the generated payments point to, not balanced postings.

Normal life is noisy on purpose: people die after their last payment, are readmitted after
long gaps, earn a little more than they declare, and bills vary by quantity and price, so
a rule must separate the frauds from what merely looks unusual.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Table, insert, select
from sqlalchemy.engine import Connection

from shebao.assistance.models import AssistanceApplication, AssistancePayment
from shebao.auth.models import User
from shebao.benefits.medical.models import Hospital, MedicalClaim
from shebao.benefits.pension.models import PensionApplication, PensionAward, PensionPayment
from shebao.benefits.unemployment.models import UnemploymentClaim, UnemploymentPayment
from shebao.contributions.models import Bill, Contribution
from shebao.db.base import utcnow
from shebao.db.engine import get_engine, transaction
from shebao.ledger.models import LedgerEntry
from shebao.policy.formulas.periods import format_month, parse_month
from shebao.registry.identifiers import make_credit_code, make_resident_id
from shebao.registry.models import (
    Employer,
    Household,
    HouseholdMember,
    Person,
    identity_columns,
)
from shebao.supervision import service
from shebao.supervision.models import Alert, ExternalWage

MONTH = "2026-06"
PROVINCES = {"510000": ("510104", "510107", "510108"), "440000": ("440303", "440304", "440305")}
RULES = ("pension_after_death", "paid_by_two_provinces", "exclusive_schemes",
         "unemployment_while_employed", "ghost_employee", "dibao_undeclared_income",
         "under_declaration",
         "duplicate_claim", "impossible_claim", "outlier_billing", "split_admission")
DIAGNOSES = {"J06.9": (1800, 2), "K35.8": (450000, 1), "I10": (6000, 3), "E11.9": (9000, 2),
             "M54.5": (12000, 2)}
"""Diagnosis → (unit price in fen, typical quantity) of the generated bills."""
BATCH = 5000


@dataclass
class Truth:
    """What was injected, per rule, as the unit each rule's alert names."""

    injected: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, rule: str, unit: str) -> None:
        self.injected[rule].add(unit)


@dataclass(frozen=True)
class RuleScore:
    injected: int
    flagged: int
    true_positives: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.flagged if self.flagged else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.injected if self.injected else 1.0


def _unit(alert: Alert) -> str:
    """What an alert is about, in the terms of the truth: a person, a claim, a pair."""
    e = alert.evidence
    match alert.rule:
        case "pension_after_death" | "paid_by_two_provinces" | "exclusive_schemes" | \
                "unemployment_while_employed" | "ghost_employee" | "dibao_undeclared_income":
            return f"person:{alert.subject_id}"
        case "under_declaration":
            return f"person:{e['person_id']}"
        case "duplicate_claim":
            return f"claim:{e['claim_ids'][-1]}"
        case "split_admission":
            return f"claim:{e['claim_ids'][1]}"
        case _:
            return f"claim:{e['claim_id']}"


def _insert(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert in batches; the ids, in order, when the table has an `id` column."""
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        if "id" in table.c and not any("id" in r for r in chunk):
            ids += [r[0] for r in connection.execute(
                insert(table).returning(table.c.id, sort_by_parameter_order=True), chunk)]
        else:
            connection.execute(insert(table), chunk)
    return ids


class _Generator:
    def __init__(self, connection: Connection, persons: int, seed: int, rate: float) -> None:
        self.c = connection
        self.n = persons
        self.rng = np.random.default_rng(seed)
        self.rate = rate
        self.truth = Truth()
        self.now = utcnow()
        self.month_number = parse_month(MONTH)
        self.employers_made = 0  # numbers the generated employers' credit codes
        self.claims_made = 0  # numbers the generated claims
        self.workers: list[dict[str, Any]] = []  # set by work()
        self.idle: list[dict[str, Any]] = []  # set by unemployment(): neither working nor claiming

    def pick(self, pool: list[int], share: float) -> list[int]:
        """About `share` of `pool`, at least one, without repeats."""
        count = min(len(pool), max(1, round(len(pool) * share)))
        return [pool[i] for i in self.rng.choice(len(pool), size=count, replace=False)]

    def run(self) -> Truth:
        entry = _insert(self.c, LedgerEntry.__table__, [{
            "idempotency_key": "fraud-evaluation-placeholder", "request_hash": "0" * 64,
            "kind": "evaluation", "memo": "generated population: not a posting",
            "effective_date": date(2026, 6, 30), "posted_at": self.now}])[0]
        self.entry = entry
        people = self.persons()
        self.work(people)
        self.pensions(people)
        self.unemployment(people)
        self.dibao(people)
        self.medical(people)
        return self.truth

    def persons(self) -> list[dict[str, Any]]:
        rows, seen = [], set()
        provinces = list(PROVINCES)
        for i in range(self.n):
            province = provinces[i % len(provinces)]
            county = PROVINCES[province][int(self.rng.integers(len(PROVINCES[province])))]
            while True:
                birth = date(1940, 1, 1) + timedelta(days=int(self.rng.integers(0, 365 * 64)))
                sequence = int(self.rng.integers(0, 1000))
                number = make_resident_id(county, birth, sequence)
                if number not in seen:
                    seen.add(number)
                    break
            rows.append({"identity_number": number, "name": f"评估{i}",
                         "sex": "male" if sequence % 2 else "female", "birth_date": birth,
                         "hukou_region": county, "residence_region": county, "status": "active",
                         "created_at": self.now})
        ids = _insert(self.c, Person.__table__,
                      [{**row, **identity_columns(row["identity_number"])} for row in rows])
        for row, pid in zip(rows, ids, strict=True):
            row["id"] = pid
            row["province"] = row["residence_region"][:2] + "0000"
            row["age"] = 2026 - row["birth_date"].year
        return rows

    def employers(self, province: str, count: int) -> list[int]:
        county = PROVINCES[province][0]
        start = self.employers_made
        self.employers_made += count
        return _insert(self.c, Employer.__table__, [{
            "credit_code": make_credit_code(county, f"MA{start + i:07d}"),
            "name": f"评估单位{start + i}", "region_code": county, "industry": "制造",
            "injury_class": 1, "size": "small", "is_public_body": False,
            "category": "enterprise", "created_at": self.now} for i in range(count)])

    def work(self, people: list[dict[str, Any]]) -> None:
        """Workers declared by one employer at a wage; ghosts by a second one too; external
        (tax) wages near the declared one, far above it for the under-declared."""
        eligible = {p["id"] for p in people if 20 <= p["age"] < 58}
        chosen = set(self.pick(sorted(eligible), 0.85))
        workers = [p for p in people if p["id"] in chosen]
        self.workers = workers
        by_province: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for p in workers:
            by_province[p["province"]].append(p)
        contributions: list[dict[str, Any]] = []
        external: list[dict[str, Any]] = []
        for province, staff in by_province.items():
            employers = self.employers(province, max(2, len(staff) // 40))
            bills = _insert(self.c, Bill.__table__, [{
                "payer_kind": "employer", "employer_id": e, "month": MONTH,
                "province": province, "due_date": date(2026, 7, 15), "amount_fen": 0,
                "status": "open", "terms": [], "created_at": self.now} for e in employers])
            bill_of = dict(zip(employers, bills, strict=True))
            home: dict[int, int] = {}
            for p in staff:
                employer = employers[int(self.rng.integers(len(employers)))]
                home[p["id"]] = employer
                p["wage"] = int(self.rng.lognormal(math.log(700000), 0.4))
                contributions.append({"bill_id": bill_of[employer], "person_id": p["id"],
                                      "wage_fen": p["wage"], "base_fen": p["wage"]})
            ids = [p["id"] for p in staff]
            for pid in self.pick(ids, self.rate):
                second = next(e for e in employers if e != home[pid])
                contributions.append({"bill_id": bill_of[second], "person_id": pid,
                                      "wage_fen": 300000, "base_fen": 300000})
                self.truth.add("ghost_employee", f"person:{pid}")
            under = set(self.pick(ids, self.rate))
            for p in staff:
                factor = (float(self.rng.uniform(1.6, 3.0)) if p["id"] in under
                          else float(self.rng.uniform(0.9, 1.15)))
                external.append({"person_id": p["id"], "employer_id": home[p["id"]],
                                 "month": MONTH, "wage_fen": int(p["wage"] * factor),
                                 "source": "tax", "imported_at": self.now})
                if p["id"] in under:
                    self.truth.add("under_declaration", f"person:{p['id']}")
        _insert(self.c, Contribution.__table__, contributions)
        _insert(self.c, ExternalWage.__table__, external)

    def pensions(self, people: list[dict[str, Any]]) -> None:
        """Pensioners paid the last three months; some died: most before their last payment
        was due (stopped in time), the injected after payments went on."""
        retirees = [p for p in people if p["age"] >= 63]
        deaths = set(self.pick([p["id"] for p in retirees], self.rate))
        in_time = set(self.pick([p["id"] for p in retirees if p["id"] not in deaths], self.rate))
        twice = set(self.pick([p["id"] for p in retirees if p["id"] not in deaths], self.rate))
        resident = set(self.pick([p["id"] for p in retirees
                                  if p["id"] not in deaths | twice], self.rate))
        # One person holds one award per scheme nationwide (pension_awards is unique on
        # person and scheme): a second province pays through the other scheme.
        awards: list[tuple[dict[str, Any], str, str]] = []
        for p in retirees:
            awards.append((p, "employee", p["province"]))
            if p["id"] in twice:  # a residents' pension elsewhere: two provinces, and two
                other = next(q for q in PROVINCES if q != p["province"])  # exclusive schemes
                awards.append((p, "resident", other))
                self.truth.add("paid_by_two_provinces", f"person:{p['id']}")
                self.truth.add("exclusive_schemes", f"person:{p['id']}")
            if p["id"] in resident:
                awards.append((p, "resident", p["province"]))
                self.truth.add("exclusive_schemes", f"person:{p['id']}")
        applications = _insert(self.c, PensionApplication.__table__, [{
            "person_id": p["id"], "scheme": scheme, "channel": "desk", "status": "approved",
            "retirement_month": "2024-01", "deemed_months": 0, "created_at": self.now}
            for p, scheme, _ in awards])
        award_ids = _insert(self.c, PensionAward.__table__, [{
            "application_id": a, "person_id": p["id"], "scheme": scheme, "province": province,
            "first_month": "2024-02", "contribution_months": 240, "status": "payment",
            "approved_on": date(2024, 1, 20), "created_at": self.now}
            for a, (p, scheme, province) in zip(applications, awards, strict=True)])
        payments = []
        for award, (p, _, _) in zip(award_ids, awards, strict=True):
            for back in (2, 1, 0):
                month = format_month(self.month_number - back)
                amount = int(self.rng.integers(250000, 600000))
                payments.append({"award_id": award, "person_id": p["id"], "month": month,
                                 "amount_fen": amount, "pool_part_fen": amount,
                                 "account_part_fen": 0, "paid_on": date(2026, 6, 10),
                                 "ledger_entry_id": self.entry})
        _insert(self.c, PensionPayment.__table__, payments)
        died: dict[int, date] = {}
        for pid in deaths:  # died in March: April to June paid after the death
            died[pid] = date(2026, 3, 1) + timedelta(days=int(self.rng.integers(0, 28)))
            self.truth.add("pension_after_death", f"person:{pid}")
        for pid in in_time:  # died in June: nothing paid after the month of death
            died[pid] = date(2026, 6, 1) + timedelta(days=int(self.rng.integers(0, 28)))
        table = Person.__table__
        for pid, day in died.items():
            self.c.execute(table.update().where(table.c.id == pid)
                           .values(death_date=day, status="deceased"))

    def unemployment(self, people: list[dict[str, Any]]) -> None:
        """Claimants paid this month; the injected are also declared by an employer."""
        workers = {p["id"] for p in self.workers}
        idle = [p for p in people if 25 <= p["age"] < 58 and p["id"] not in workers]
        claimants = self.pick([p["id"] for p in idle], 0.2)
        self.idle = [p for p in idle if p["id"] not in set(claimants)]
        province_of = {p["id"]: p["province"] for p in people}
        claims = _insert(self.c, UnemploymentClaim.__table__, [{
            "person_id": pid, "province": province_of[pid],
            "region_code": PROVINCES[province_of[pid]][0], "separation_reason": "dismissed",
            "separation_date": date(2026, 3, 31), "registration_date": date(2026, 4, 2),
            "contribution_months": 60, "carried_over_months": 0, "entitlement_months": 18,
            "continued_to_retirement": False, "monthly_benefit_fen": 180000,
            "monthly_medical_fen": 30000, "first_month": "2026-04", "last_month": "2027-09",
            "status": "active", "explanation": {}, "created_at": self.now}
            for pid in claimants])
        _insert(self.c, UnemploymentPayment.__table__, [{
            "claim_id": claim, "month": MONTH, "benefit_fen": 180000, "medical_fen": 30000,
            "ledger_entry_id": self.entry} for claim in claims])
        cheats = self.pick(claimants, self.rate * 5)
        by_province: dict[str, list[int]] = defaultdict(list)
        for pid in cheats:
            by_province[province_of[pid]].append(pid)
            self.truth.add("unemployment_while_employed", f"person:{pid}")
        for province, pids in by_province.items():
            self._declare(province, {pid: 500000 for pid in pids})

    def _declare(self, province: str, wages: dict[int, int]) -> None:
        """One new employer's bill for the month declaring `wages` (person → fen)."""
        [employer] = self.employers(province, 1)
        [bill] = _insert(self.c, Bill.__table__, [{
            "payer_kind": "employer", "employer_id": employer, "month": MONTH,
            "province": province, "due_date": date(2026, 7, 15), "amount_fen": 0,
            "status": "open", "terms": [], "created_at": self.now}])
        _insert(self.c, Contribution.__table__, [
            {"bill_id": bill, "person_id": pid, "wage_fen": wage, "base_fen": wage}
            for pid, wage in wages.items()])

    def dibao(self, people: list[dict[str, Any]]) -> None:
        """Dibao households of one, paid this month; some declared a small wage that an
        employer declares too (honest), the injected earn a wage they did not declare."""
        recipients = self.pick([p["id"] for p in self.idle], 0.3)
        province_of = {p["id"]: p["province"] for p in people}
        households = _insert(self.c, Household.__table__, [{
            "region_code": PROVINCES[province_of[pid]][0], "created_at": self.now}
            for pid in recipients])
        _insert(self.c, HouseholdMember.__table__, [{
            "household_id": h, "person_id": pid, "relationship": "head",
            "start_date": date(2025, 1, 1), "created_at": self.now}
            for h, pid in zip(households, recipients, strict=True)])
        honest = set(self.pick(recipients, 0.1))
        cases = _insert(self.c, AssistanceApplication.__table__, [{
            "household_id": h, "programme": "dibao", "region_code": PROVINCES[province_of[pid]][0],
            "province": province_of[pid], "area": "rural", "applied_on": date(2025, 6, 1),
            "status": "approved", "household_size": 1,
            "declared": {"members": [{"person_id": pid,
                                      "wages_fen": 150000 if pid in honest else 0}]},
            "assessment": {}, "monthly_amount_fen": 60000, "basis": "declared",
            "first_month": "2025-07", "created_at": self.now}
            for h, pid in zip(households, recipients, strict=True)])
        _insert(self.c, AssistancePayment.__table__, [{
            "application_id": case, "month": MONTH, "amount_fen": 60000,
            "ledger_entry_id": self.entry} for case in cases])
        hiding = self.pick([pid for pid in recipients if pid not in honest], self.rate * 5)
        by_province: dict[str, dict[int, int]] = defaultdict(dict)
        for pid in honest:
            by_province[province_of[pid]][pid] = 150000
        for pid in hiding:
            by_province[province_of[pid]][pid] = int(self.rng.integers(250000, 600000))
            self.truth.add("dibao_undeclared_income", f"person:{pid}")
        for province, wages in by_province.items():
            self._declare(province, wages)

    def medical(self, people: list[dict[str, Any]]) -> None:
        """A third of the people have a claim or two; duplicates, impossible diagnoses,
        inflated bills and split stays are injected."""
        hospitals: dict[str, list[int]] = {}
        for province in PROVINCES:
            employers = self.employers(province, 4)
            hospitals[province] = _insert(self.c, Hospital.__table__, [{
                "code": f"H{province}{i}", "name": f"评估医院{i}", "level": 1 + i % 3,
                "region_code": PROVINCES[province][0], "employer_id": e,
                "created_at": self.now} for i, e in enumerate(employers)])
        patients = self.pick([p["id"] for p in people], 0.33)
        person = {p["id"]: p for p in people}
        claims: list[dict[str, Any]] = []
        planned: list[tuple[str, int]] = []  # (injection, index of the claim in `claims`)
        for pid in patients:
            p = person[pid]
            for _ in range(1 + int(self.rng.integers(0, 2))):
                diagnosis = list(DIAGNOSES)[int(self.rng.integers(len(DIAGNOSES)))]
                claims.append(self._claim(p, hospitals[p["province"]], diagnosis))
        n = len(claims)
        for kind in ("duplicate", "impossible", "outlier", "split"):
            for i in self.rng.choice(n, size=max(1, round(n * self.rate)), replace=False):
                planned.append((kind, int(i)))
        extra: list[tuple[str, dict[str, Any]]] = []
        used: set[int] = set()
        for kind, i in planned:
            if i in used:
                continue
            used.add(i)
            claim = claims[i]
            if kind == "duplicate":
                extra.append(("duplicate_claim", {**claim, "claim_no": claim["claim_no"] + "D"}))
            elif kind == "impossible":
                p = person[claim["person_id"]]
                claim["diagnosis"] = "C61" if p["sex"] == "female" else "O80"
                claim["_truth"] = "impossible_claim"
            elif kind == "outlier":
                factor = float(self.rng.uniform(8, 15))
                for key in ("total_fen", "class_a_fen", "in_range_fen", "fund_fen"):
                    claim[key] = int(claim[key] * factor)
                claim["_truth"] = "outlier_billing"
            else:
                later = self._claim(person[claim["person_id"]], [claim["hospital_id"]],
                                    claim["diagnosis"], kind="inpatient")
                claim["kind"] = "inpatient"
                start = claim["discharge_date"] + timedelta(days=int(self.rng.integers(1, 10)))
                later["admission_date"], later["discharge_date"] = start, start + timedelta(3)
                extra.append(("split_admission", later))
        ids = _insert(self.c, MedicalClaim.__table__,
                      [{k: v for k, v in c.items() if not k.startswith("_")} for c in claims])
        for claim, cid in zip(claims, ids, strict=True):
            if "_truth" in claim:
                self.truth.add(claim["_truth"], f"claim:{cid}")
        extra_ids = _insert(self.c, MedicalClaim.__table__, [c for _, c in extra])
        for (rule, _), cid in zip(extra, extra_ids, strict=True):
            self.truth.add(rule, f"claim:{cid}")

    def _claim(self, p: dict[str, Any], hospitals: list[int], diagnosis: str,
               kind: str | None = None) -> dict[str, Any]:
        price, quantity = DIAGNOSES[diagnosis]
        total = int(price * (quantity + int(self.rng.integers(0, 2)))
                    * float(self.rng.uniform(0.85, 1.15)))
        admitted = date(2025, 1, 1) + timedelta(days=int(self.rng.integers(0, 500)))
        kind = kind or ("inpatient" if diagnosis == "K35.8" else "outpatient")
        stay = 4 if kind == "inpatient" else 0
        self.claims_made += 1
        fund = total * 7 // 10
        return {"hospital_id": hospitals[int(self.rng.integers(len(hospitals)))],
                "claim_no": f"E{self.claims_made}", "content_hash": "0" * 64,
                "person_id": p["id"], "scheme": "employee_medical", "province": p["province"],
                "kind": kind, "admission_date": admitted,
                "discharge_date": admitted + timedelta(days=stay), "year": admitted.year,
                "diagnosis": diagnosis, "drg_group": None, "settlement": "items",
                "total_fen": total, "class_a_fen": total, "class_b_fen": 0, "class_c_fen": 0,
                "in_range_fen": total, "deductible_used_fen": 0, "fund_fen": fund,
                "ci_deductible_used_fen": 0, "critical_illness_fen": 0, "assistance_fen": 0,
                "account_fen": 0, "patient_fen": total - fund, "drg_payment_fen": None,
                "hospital_fund_fen": fund, "ledger_entry_id": None, "explanation": {},
                "created_at": self.now}


def generate(url: str, persons: int, seed: int, rate: float) -> Truth:
    """Write the population into the (migrated, empty) database at `url`."""
    with get_engine(url).begin() as connection:
        return _Generator(connection, persons, seed, rate).run()


def evaluate(url: str, truth: Truth, supervisor: User) -> dict[str, RuleScore]:
    """Scan every province as `shebao fraud scan` does, and score each rule."""
    for province in PROVINCES:
        with transaction(url, write=True) as db:
            service.scan(db, db.merge(supervisor), province, date(2026, 7, 1))
    flagged: dict[str, set[str]] = defaultdict(set)
    with transaction(url) as db:
        for alert in db.scalars(select(Alert)):
            flagged[alert.rule].add(_unit(alert))
    return {rule: RuleScore(len(truth.injected[rule]), len(flagged[rule]),
                            len(truth.injected[rule] & flagged[rule])) for rule in RULES}

"""Fund supervision: scans that turn findings into alerts grouped in cases, the work on a case,
and its outcome — decided by a person, with recoveries and fines posted to the ledger.

- `scan` runs every detection rule (rules.py) over a province; a finding already alerted (same
  key) is not alerted again. New alerts join the open case of the same subject (person,
  employer or hospital) and fund, or open one; the case's risk score is recomputed from all its
  alerts (policy.formulas.supervision.risk_score, weights from parameters).
- `decide` closes a case as cleared, recovered or referred, with a reason. A recovery posts
  one ledger entry: the money received into the province's settlement account, the amount
  back to the fund it came from, and the fine (a multiple within the law's bounds) to the
  treasury's payable. Money paid after a death is owed on the pensioner's receivable that the
  payroll opened: it is recovered through the pension service's `recover`, and the fine
  posted with it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao import csvrows
from shebao.auth.authz import NotFound, may_reach_region, require
from shebao.auth.models import User
from shebao.benefits.pension import payroll
from shebao.benefits.pension.models import Overpayment
from shebao.db.base import utcnow
from shebao.errors import InputError, InputErrors
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.policy import Policy
from shebao.policy.formulas.periods import parse_month
from shebao.policy.formulas.supervision import fraud_fine, risk_score
from shebao.registry.models import Employer, Person
from shebao.supervision.models import OUTCOMES, Alert, Case, CaseNote, ExternalWage
from shebao.supervision.rules import RULES, Finding

OPEN = ("open", "investigating")
MEDICAL_SCHEMES = ("employee_medical", "resident_medical")
MAX_IMPORT_ROWS = 100_000


def _province(user: User, province: str) -> str:
    accounts.province(province)
    if not may_reach_region(user, province):
        raise InputError("province", "is outside the region your account serves")
    return province


@dataclass(frozen=True)
class ScanResult:
    province: str
    findings: int
    new_alerts: int
    cases_opened: int
    cases_updated: int
    by_rule: dict[str, int]


def scan(db: Session, user: User, province: str, on: date | None = None) -> ScanResult:
    """Run every rule over `province`; alert what is new, grouped into cases."""
    require(user, "supervision.scan")
    _province(user, province)
    policy = Policy.at(on or date.today(), province)
    findings: list[Finding] = []
    for rule in RULES.values():
        findings.extend(rule(db, province, policy))
    known = set(db.scalars(select(Alert.key).where(Alert.key.in_([f.key for f in findings]))))
    fresh = [f for f in findings if f.key not in known]
    opened, touched = 0, set()
    weights = policy.value("supervision.rule_weight")
    open_cases = {(c.subject_kind, c.subject_id, c.scheme): c for c in db.scalars(
        select(Case).where(Case.province == province, Case.status.in_(OPEN)))}
    for finding in fresh:
        subject = (finding.subject_kind, finding.subject_id, finding.scheme)
        case = open_cases.get(subject)
        if case is None:
            case = open_cases[subject] = Case(
                subject_kind=finding.subject_kind, subject_id=finding.subject_id,
                province=province, scheme=finding.scheme, status="open")
            db.add(case)
            db.flush()
            opened += 1
        db.add(Alert(rule=finding.rule, key=finding.key, subject_kind=finding.subject_kind,
                     subject_id=finding.subject_id, province=province, scheme=finding.scheme,
                     amount_fen=finding.amount_fen, evidence=finding.evidence, case_id=case.id))
        touched.add(case.id)
    db.flush()
    alerts: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for case_id, rule, amount in db.execute(
            select(Alert.case_id, Alert.rule, Alert.amount_fen).join(Case, Case.id == Alert.case_id)
            .where(Case.province == province, Case.status.in_(OPEN))):
        alerts[case_id].append((rule, amount))
    for case in open_cases.values():
        if case.id in touched:
            found = alerts[case.id]
            case.risk_score = risk_score([r for r, _ in found], [a for _, a in found], weights)
            case.amount_fen = sum(a for _, a in found)
    by_rule: dict[str, int] = {}
    for finding in fresh:
        by_rule[finding.rule] = by_rule.get(finding.rule, 0) + 1
    return ScanResult(province, len(findings), len(fresh), opened, len(touched) - opened,
                      by_rule)


def cases(db: Session, user: User, province: str, status: str | None = None) -> list[Case]:
    """A province's cases, riskiest first."""
    require(user, "supervision.read")
    _province(user, province)
    query = select(Case).where(Case.province == province)
    if status is not None:
        query = query.where(Case.status == status)
    return list(db.scalars(query.order_by(Case.risk_score.desc(), Case.id).limit(500)))


def case_for(db: Session, user: User, case_id: int, permission: str = "supervision.read",
             lock: bool = False) -> Case:
    require(user, permission)
    query = select(Case).where(Case.id == case_id)
    case = db.scalar(query.with_for_update() if lock else query)
    if case is None or not may_reach_region(user, case.province):
        raise NotFound(f"case {case_id}")
    return case


def _open_case(db: Session, user: User, case_id: int) -> Case:
    case = case_for(db, user, case_id, "supervision.decide", lock=True)
    if case.status not in OPEN:
        raise InputError("case_id", f"case {case_id} is closed ({case.outcome})")
    return case


def assign(db: Session, user: User, case_id: int, assignee_id: int) -> Case:
    case = _open_case(db, user, case_id)
    assignee = db.get(User, assignee_id)
    if assignee is None or not (assignee.role == "supervisor"
                                and may_reach_region(assignee, case.province)):
        raise InputError("assignee_id", "must be a supervisor serving the case's province")
    case.assigned_to = assignee.id
    case.status = "investigating"
    return case


def add_note(db: Session, user: User, case_id: int, text: str) -> CaseNote:
    case = _open_case(db, user, case_id)
    text = text.strip()
    if not text:
        raise InputError("text", "a note cannot be empty")
    note = CaseNote(case_id=case.id, author_id=user.id, text=text[:2000])
    db.add(note)
    if case.status == "open":
        case.status = "investigating"
    return note


def fine_bounds(case: Case, on: date) -> dict[str, float]:
    """The law's fine multiples for the case's fund: medical funds under State Council Decree
    735, the others under the Social Insurance Law."""
    name = ("collection.medical_fund.fraud_fine_multiple" if case.scheme in MEDICAL_SCHEMES
            else "collection.fraud_fine_multiple")
    return Policy.at(on, case.province).value(name)


def decide(
    db: Session, user: User, case_id: int, *, outcome: str, reason: str,
    recovered_fen: int = 0, fine_multiple: float | None = None,
    received_on: date | None = None, reference: str | None = None,
) -> Case:
    """Close a case: cleared (nothing wrong), referred (to the police or the prosecutor), or
    recovered (money received back, with the fine)."""
    case = _open_case(db, user, case_id)
    if outcome not in OUTCOMES:
        raise InputError("outcome", f"must be one of {', '.join(OUTCOMES)}")
    reason = reason.strip()
    if len(reason) < 5:
        raise InputError("reason", "say why (5 characters or more): the decision is kept")
    if outcome == "recovered":
        _recover(db, user, case, recovered_fen, fine_multiple, received_on, reference)
    elif recovered_fen or fine_multiple is not None:
        raise InputError("recovered_fen", "only a recovered case records money received")
    case.status, case.outcome, case.outcome_reason = "closed", outcome, reason[:500]
    case.decided_by, case.decided_at = user.id, utcnow()
    return case


def _recover(db: Session, user: User, case: Case, amount: int, multiple: float | None,
             received_on: date | None, reference: str | None) -> None:
    if received_on is None or received_on > date.today():
        raise InputError("received_on", "the day the money was received, not in the future")
    reference = payroll.check_reference(reference)
    if amount <= 0 or amount > case.amount_fen:
        raise InputError("recovered_fen", f"must be between 1 and the {case.amount_fen} fen "
                                          "the case's alerts put at stake")
    if multiple is None:
        raise InputError("fine_multiple", "a recovery for fraud carries a fine")
    fine = fraud_fine(amount, multiple, fine_bounds(case, received_on))
    owed_on_receivable = [a for a in case.alerts if a.rule == "pension_after_death"]
    lines: list[tuple[str, int]] = []
    if owed_on_receivable:
        _recover_overpayments(db, user, case, amount, received_on, reference)
    else:
        lines += [(accounts.settlement(case.province), amount),
                  (accounts.pool(case.scheme, case.province), -amount)]
    if fine:
        lines += [(accounts.settlement(case.province), fine),
                  (accounts.fine_payable(case.province), -fine)]
    if lines:
        posted = ledger.post_in(db, ledger.PostingRequest(
            idempotency_key=f"supervision-case-{case.id}-{reference}", kind="recovery",
            memo=f"case {case.id}: recovered {amount} fen, fine {fine} fen ({reference})",
            effective_date=received_on, lines=lines,
        ), case.province, user.id)
        case.ledger_entry_id = posted.entry_id
    case.recovered_fen, case.fine_fen = amount, fine


def _recover_overpayments(db: Session, user: User, case: Case, amount: int,
                          received_on: date, reference: str) -> None:
    """Clear the pensioner's receivable, oldest overpayment first, through the pension desk's
    own recovery (one piece of logic for money paid after a death)."""
    payments = [int(a.evidence["payment_id"]) for a in case.alerts
                if a.rule == "pension_after_death"]
    owed = list(db.scalars(select(Overpayment).where(
        Overpayment.payment_id.in_(payments), Overpayment.status == "open"
    ).order_by(Overpayment.id)))
    outstanding = sum(o.amount_fen - o.recovered_fen for o in owed)
    if amount > outstanding:
        raise InputError("recovered_fen", f"the receivable still owed is {outstanding} fen; "
                                          "record the payroll's overpayment first")
    left = amount
    for overpayment in owed:
        part = min(left, overpayment.amount_fen - overpayment.recovered_fen)
        if part:
            payroll.recover(db, user, overpayment.id, part, received_on,
                            f"{reference}-{overpayment.id}"[:64])
            left -= part


# -- external wage files --------------------------------------------------------------------

EXTERNAL_COLUMNS = ("identity_number", "credit_code", "month", "wage_fen")


def import_external_wages(db: Session, user: User, text: str, source: str) -> int:
    """Load a CSV of wages reported outside shebao (columns identity_number, credit_code,
    month, wage_fen). A file with any bad row is refused whole, listing every bad row; rows
    already loaded from the same source are kept as they were. Returns the rows added."""
    require(user, "supervision.import")
    if not re.fullmatch(r"[a-z][a-z0-9_-]{1,31}", source):
        raise InputError("source", "2 to 32 lowercase letters, digits, '_' or '-' (e.g. tax)")
    header, found = csvrows.records(text)
    if header != EXTERNAL_COLUMNS:
        raise InputError("file", f"the header must be {','.join(EXTERNAL_COLUMNS)}")
    rows = [row for _, row in found]
    if not rows or len(rows) > MAX_IMPORT_ROWS:
        raise InputError("file", f"must hold 1 to {MAX_IMPORT_ROWS} rows")
    persons = dict(db.execute(select(Person.identity_number, Person.id).where(
        Person.identity_number.in_({r["identity_number"] for r in rows}))).all())
    employers = {code: (eid, region) for code, eid, region in db.execute(
        select(Employer.credit_code, Employer.id, Employer.region_code).where(
            Employer.credit_code.in_({r["credit_code"] for r in rows})))}
    errors: list[InputError] = []
    parsed: list[tuple[int, int, str, int]] = []
    for line, row in enumerate(rows, start=2):
        person = persons.get(row["identity_number"])
        employer = employers.get(row["credit_code"])
        if person is None:
            errors.append(InputError("identity_number", "no such person", line=line))
        if employer is None:
            errors.append(InputError("credit_code", "no such employer", line=line))
        elif not may_reach_region(user, employer[1]):
            errors.append(InputError("credit_code", "the employer is outside your region",
                                     line=line))
        try:
            parse_month(row["month"])
        except InputError as bad:
            errors.append(InputError("month", bad.reason, line=line))
        wage = row["wage_fen"]
        if not wage.isdigit() or int(wage) > 10**12:
            errors.append(InputError("wage_fen", "must be a whole number of fen", line=line))
        if person is not None and employer is not None and wage.isdigit():
            parsed.append((person, employer[0], row["month"], int(wage)))
    if errors:
        raise InputErrors(errors)
    existing = set(db.execute(select(ExternalWage.person_id, ExternalWage.employer_id,
                                     ExternalWage.month).where(ExternalWage.source == source)))
    added = 0
    for person, employer, month, wage in parsed:
        if (person, employer, month) not in existing:
            db.add(ExternalWage(person_id=person, employer_id=employer, month=month,
                                wage_fen=wage, source=source))
            existing.add((person, employer, month))
            added += 1
    return added

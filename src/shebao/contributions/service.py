"""Declare wages, price them into bills, record payments into the ledger.

- A declaration is accepted whole or not at all: every bad row is listed (line, field, reason)
  and nothing is written.
- Bills come from `policy.billing.monthly_bill` (base clamping, every scheme's shares, the
  employer's work-injury class, relief by month, region and size), for the schemes each person
  is enrolled in that month.
- Money enters the funds when a bill is paid: one ledger entry debits the province's settlement
  account and credits the pooled funds and the individual accounts; the late fee (0.05% a day
  from the due date, Social Insurance Law art. 86) goes into the pooled funds.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import (
    Select,
    bindparam,
    func,
    insert,
    literal,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from shebao import csvrows
from shebao.auth.authz import NotFound, employer_for, person_for, reach_employer, require
from shebao.auth.models import Role, User
from shebao.contributions.models import (
    ACCOUNT_COLUMNS,
    SHARES,
    Bill,
    Contribution,
    Declaration,
    Payment,
    ResidentContribution,
    share_column,
)
from shebao.db.base import utcnow
from shebao.errors import InputError, InputErrors
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.ledger.models import LedgerEntry
from shebao.policy import Policy
from shebao.policy import bindings as b
from shebao.policy.billing import monthly_bill
from shebao.policy.formulas.contributions import late_fee, resident_pension_contribution
from shebao.policy.formulas.pension import account_interest
from shebao.policy.formulas.periods import parse_month
from shebao.policy.formulas.rounding import largest_remainder
from shebao.registry.identifiers import parse_resident_id
from shebao.registry.models import Employer, EmploymentSpell, Enrollment, Person
from shebao.registry.regions import scope_prefix
from shebao.registry.service import in_force_between
from shebao.relief import service as relief

MAX_DECLARATION_ROWS = 200_000


@dataclass(frozen=True)
class DeclaredRow:
    """One row as received: `line` is its line in the uploaded file (or its index + 1)."""

    line: int
    identity_number: str
    wage_fen: object


def month_bounds(month: str, field: str = "month") -> tuple[date, date]:
    number = parse_month(month, field)
    first = b.month_start(number)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def read_csv(text: str) -> list[DeclaredRow]:
    """Rows of a declaration file: a header `identity_number,wage_fen`, then one row a person."""
    reader = csvrows.rows(text)
    header = [h.strip().lower() for h in next(reader, [])]
    if header[:2] != ["identity_number", "wage_fen"]:
        raise InputError("file", "the first line must be the header identity_number,wage_fen", 1)
    rows = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 2:
            rows.append(DeclaredRow(number, "", f"expected 2 columns, got {len(row)}"))
            continue
        rows.append(DeclaredRow(number, row[0].strip(), row[1].strip()))
    return rows


def parse_wage(value: object) -> int:
    """A declared wage: a whole number of fen, at most 10**12; ValueError with the reason."""
    if isinstance(value, bool):
        raise ValueError("must be a whole number of fen")
    if isinstance(value, int):
        wage = value
    elif isinstance(value, str) and value.isdigit():
        wage = int(value)
    else:
        raise ValueError(f"must be a whole number of fen, got {value!r}")
    if wage > 10**12:
        raise ValueError("is implausibly large")
    return wage


def declare(
    db: Session, user: User, employer_id: int, month: str, rows: list[DeclaredRow], source: str
) -> Bill:
    """Accept a month's declaration and bill it, or refuse it whole listing every bad row."""
    employer = employer_for(db, user, employer_id, "contribution.declare")
    first, last = month_bounds(month)
    if first > date.today():
        raise InputError("month", "wages can be declared for this month or earlier, not later")
    if db.scalar(select(Declaration.id).where(Declaration.employer_id == employer.id,
                                              Declaration.month == month)):
        raise InputError("month", f"{month} is already declared for this employer")
    if not rows:
        raise InputError("lines", "a declaration needs at least one person")
    if len(rows) > MAX_DECLARATION_ROWS:
        raise InputError("lines", f"at most {MAX_DECLARATION_ROWS} rows in one declaration")
    persons, wages = _check_rows(db, employer, first, last, rows)
    declaration = Declaration(
        employer_id=employer.id, month=month, source=source,
        submitted_by=user.id, line_count=len(rows), total_wage_fen=sum(wages),
    )
    db.add(declaration)
    db.flush()
    return _bill(db, month, employer.region_code, persons, wages, employer=employer,
                 declaration=declaration)


def _check_rows(
    db: Session, employer: Employer, first: date, last: date, rows: list[DeclaredRow]
) -> tuple[list[Person], list[int]]:
    errors: list[InputError] = []
    numbers: dict[str, DeclaredRow] = {}
    wages: dict[int, int] = {}
    for row in rows:
        try:
            number = parse_resident_id(row.identity_number).number
        except InputError as bad:
            errors.append(InputError("identity_number", bad.reason, row.line))
            continue
        if number in numbers:
            errors.append(InputError("identity_number",
                                     f"also declared on line {numbers[number].line}", row.line))
            continue
        numbers[number] = row
        try:
            wages[row.line] = parse_wage(row.wage_fen)
        except ValueError as bad:
            errors.append(InputError("wage_fen", str(bad), row.line))
    found = {
        p.identity_number: p
        for p in db.scalars(select(Person).where(Person.identity_number.in_(list(numbers))))
    }
    employed = set(db.scalars(
        select(EmploymentSpell.person_id).where(
            EmploymentSpell.employer_id == employer.id,
            in_force_between(EmploymentSpell, first, last),
        )
    ))
    persons: list[Person] = []
    for number, row in numbers.items():
        person = found.get(number)
        if person is None:
            errors.append(InputError("identity_number", "is not registered", row.line))
        elif person.id not in employed:
            errors.append(InputError(
                "identity_number", "has no employment at this employer in the month", row.line))
        else:
            persons.append(person)
    if errors:
        raise InputErrors(sorted(errors, key=lambda e: e.line or 0))
    return persons, [wages[numbers[p.identity_number].line] for p in persons]


def _enrolled(db: Session, person_ids: list[int], first: date, last: date) -> set[tuple[int, str]]:
    rows = db.execute(
        select(Enrollment.person_id, Enrollment.scheme).where(
            Enrollment.person_id.in_(person_ids),
            in_force_between(Enrollment, first, last),
        )
    )
    return {(person_id, scheme) for person_id, scheme in rows}


def _bill(
    db: Session, month: str, region: str, persons: list[Person], wages: list[int], *,
    employer: Employer | None = None, declaration: Declaration | None = None,
) -> Bill:
    """Price the month for these persons and keep the lines of the schemes they are in."""
    first, last = month_bounds(month)
    number = parse_month(month)
    snapshot = Policy.at(first, region)
    priced = monthly_bill(
        snapshot, number, region, np.asarray(wages, dtype=np.int64),
        flexible=employer is None,
        injury_class=employer.injury_class if employer else 1,
        enterprise_size=employer.size if employer else "small",
        public_body=employer.is_public_body if employer else False,
        enacted_relief=relief.rules_in_force(db, number),
    )
    enrolled = _enrolled(db, [p.id for p in persons], first, last)
    terms = [
        [share_column(line.scheme, line.payer, line.destination), line.scheme, line.payer,
         line.destination, line.rate, float(line.relief_factor[0])]
        for line in priced.lines
    ]
    rows = []
    for i, person in enumerate(persons):
        row = {"person_id": person.id, "wage_fen": wages[i],
               "base_fen": int(priced.base_fen[i])}
        row.update({column: 0 for column, _, _ in SHARES})
        for (column, *_), line in zip(terms, priced.lines, strict=True):
            if (person.id, line.scheme) in enrolled:
                row[column] += int(line.amount_fen[i])
        rows.append(row)
    bill = Bill(
        payer_kind="employer" if employer else "person",
        employer_id=employer.id if employer else None,
        person_id=None if employer else persons[0].id,
        declaration_id=declaration.id if declaration else None,
        month=month, province=region[:2] + "0000", due_date=last, terms=terms,
        amount_fen=sum(row[column] for row in rows for column, _, _ in SHARES),
    )
    db.add(bill)
    db.flush()
    # One executemany: a large employer's bill has up to 200,000 rows.
    db.execute(insert(Contribution), [{"bill_id": bill.id, **row} for row in rows])
    return bill


SELF_PAYING = ("flexible", "platform")
"""Categories whose employee pension the person pays alone (no employer enrolled them)."""


def bill_flexible_workers(db: Session, user: User, month: str, region: str) -> list[Bill]:
    """Bills for the month of every flexible or platform worker paying the employee pension
    for themselves in `region` and below, on the floor base (60%: the base most choose),
    unless already billed."""
    require(user, "contribution.bill")
    first, last = month_bounds(month)
    prefix = scope_prefix(region)
    already = select(Bill.person_id).where(Bill.month == month, Bill.payer_kind == "person")
    rows = db.execute(
        select(Person, Enrollment.region_code).join(Enrollment, Enrollment.person_id == Person.id)
        .where(
            Enrollment.scheme == "employee_pension",
            Enrollment.category.in_(SELF_PAYING),
            Enrollment.employer_id.is_(None),
            Enrollment.region_code.startswith(prefix),
            in_force_between(Enrollment, first, last),
            Person.id.not_in(already),
        ).order_by(Person.id, Enrollment.start_date)
    ).all()
    # One bill a person, in the region of their latest enrollment in the month.
    latest = {person.id: (person, region) for person, region in rows}
    return [_bill(db, month, region, [person], [0]) for person, region in latest.values()]


def bill_for(db: Session, user: User, bill_id: int, permission: str) -> Bill:
    """A bill within the user's reach (its employer's, or its flexible worker's)."""
    bill = db.get(Bill, bill_id)
    if bill is None:
        raise NotFound(f"bill {bill_id}")
    _reach(db, user, bill, permission)
    return bill


def pay(db: Session, user: User, bill_id: int, paid_on: date, amount_fen: int) -> Payment:
    """Record a bill paid in full on `paid_on`: the amount must be the bill plus the late fee.

    Paying the same bill again with the same day and amount returns the first payment, also
    when both arrive at once. A few plain statements whatever the bill's size: the bill's lock,
    the bill with its totals, its payments and its employer's region (the reach) in one query,
    one ledger entry with the payment row that links it to the bill (the bill's contribution
    rows are then its persons' movements: nothing is copied), and the bill's status.
    """
    if paid_on > date.today():
        raise InputError("paid_on", "a payment cannot be dated in the future")
    # Two payments of one bill at once meet at this lock: the second waits, then finds the first.
    # The lock is a statement of its own: a statement that waited for a row lock still reads
    # other tables (the bill's payments) as they were when it began (PostgreSQL, READ
    # COMMITTED). SQLite's write transaction already excludes other writers.
    if db.get_bind().dialect.name == "postgresql":
        db.execute(_LOCK_BILL, {"bill_id": bill_id})
    bill = db.execute(_BILL_TO_PAY, {"bill_id": bill_id}).one_or_none()
    if bill is None:
        raise NotFound(f"bill {bill_id}")
    _reach(db, user, bill, "contribution.pay", bill.employer_region)
    fee, days = late_fee_on(bill, paid_on)
    if bill.standing is not None:
        first = db.get_one(Payment, bill.standing)
        if (first.paid_on, first.amount_fen) == (paid_on, amount_fen):
            return first
        raise InputError("bill_id", f"was already paid on {first.paid_on}")
    if amount_fen != bill.amount_fen + fee:
        raise InputError("amount_fen", f"must be {bill.amount_fen + fee}: the bill "
                                       f"{bill.amount_fen} plus the late fee {fee} for {days} days")
    # A bill paid again after a reversal posts under a key of its own.
    key = f"contribution-payment-{bill.id}" + (f"-{bill.attempts + 1}" if bill.attempts else "")
    recorded: list[Any] = []

    def record_payment(entry_id: int) -> None:
        """The payment row, written inside the posting: it makes the bill's rows the entry's
        person movements (`models.payment_movements`)."""
        recorded[:] = [db.execute(_RECORD_PAYMENT, {
            "bill_id": bill.id, "paid_on": paid_on, "amount_fen": amount_fen,
            "late_fee_fen": fee, "days_late": days, "ledger_entry_id": entry_id,
            "recorded_at": utcnow()}).one()]

    lines, individual = _payment_lines(bill, fee, {name: bill._mapping[name] for name in TOTALS},
                                       link=record_payment)
    posted = ledger.post(db, ledger.PostingRequest(
        idempotency_key=key,
        kind="contribution",
        memo=f"bill {bill.id}, {bill.month}",
        effective_date=paid_on,
        lines=lines,
        province=bill.province,
    ), actor_id=user.id, individual=individual)
    if not recorded:  # no account shares: the posting had no source to link
        record_payment(posted.entry_id)
    db.execute(_MARK_PAID, {"paid_bill": bill.id})
    return Payment(**recorded[0]._asdict())


_RECORD_PAYMENT = insert(Payment.__table__).returning(*Payment.__table__.c)
_MARK_PAID = (update(Bill.__table__).where(Bill.__table__.c.id == bindparam("paid_bill"))
              .values(status="paid"))


def _reach(
    db: Session, user: User, bill: Any, permission: str, employer_region: str | None = None
) -> None:
    """Refuse a bill outside the user's reach: its employer's, or its flexible worker's.

    `employer_region` is the employer's region when it was read with the bill (the employer
    is then not loaded)."""
    if bill.employer_id is None:
        person_for(db, user, bill.person_id or 0, permission)
    elif employer_region is None:
        employer_for(db, user, bill.employer_id, permission)
    else:
        reach_employer(user, bill.employer_id, employer_region, permission)


def late_fee_on(bill: Any, paid_on: date) -> tuple[int, int]:
    """The late fee due if the bill (a Bill, or a row with its columns) is paid on `paid_on`,
    and the days it is late."""
    start = bill.deferred_until or bill.due_date
    days = max(0, (paid_on - start).days)
    rate = Policy.at(paid_on).value("collection.late_fee_rate")
    return int(late_fee(bill.amount_fen, days, late_fee_daily_rate=rate)), days


POOL_COLUMNS: dict[str, tuple[str, ...]] = {
    scheme: tuple(c for c, s, d in SHARES if (s, d) == (scheme, "pooled_fund"))
    for scheme in dict.fromkeys(s for _, s, d in SHARES if d == "pooled_fund")
}
"""The contribution columns each pooled fund receives."""
TOTALS = {**POOL_COLUMNS, **ACCOUNT_COLUMNS}
"""A bill's totals a payment needs: per pooled fund and per individual account."""


def _sum_of(columns: tuple[str, ...]) -> Any:
    table = Contribution.__table__
    expression = table.c[columns[0]]
    for column in columns[1:]:
        expression = expression + table.c[column]
    return expression


def _totals_of(bill_id: Any) -> Select[Any]:
    """A bill's TOTALS, one row, in one pass over its contribution rows."""
    return select(*(func.coalesce(func.sum(_sum_of(columns)), 0).label(name)
                    for name, columns in TOTALS.items())
                  ).where(Contribution.__table__.c.bill_id == bill_id)


def _bill_to_pay() -> Select[Any]:
    bills_table, payments = Bill.__table__, Payment.__table__
    bill_id = bindparam("bill_id")
    attempts = (select(func.count()).where(payments.c.bill_id == bills_table.c.id)
                .scalar_subquery().label("attempts"))
    standing = (select(payments.c.id)
                .where(payments.c.bill_id == bills_table.c.id, payments.c.reversed_at.is_(None))
                .scalar_subquery().label("standing"))
    employers = Employer.__table__
    totals = _totals_of(bill_id).subquery("totals")  # an aggregate: always one row
    return (select(bills_table, *totals.c, attempts, standing,
                   employers.c.region_code.label("employer_region"))
            .select_from(bills_table.outerjoin(employers,
                                               employers.c.id == bills_table.c.employer_id)
                         .join(totals, true()))
            .where(bills_table.c.id == bill_id))


_BILL_TO_PAY = _bill_to_pay()
"""A bill with its totals, how many payments it had, the one standing and its employer's
region."""
_LOCK_BILL = (select(Bill.__table__.c.id).where(Bill.__table__.c.id == bindparam("bill_id"))
              .with_for_update())


def payment_lines(
    db: Session, bill: Bill, fee: int
) -> tuple[list[tuple[str, int]], ledger.IndividualSource | None]:
    """A payment's general lines — settlement debited, each pooled fund credited with its
    shares and its part of the late fee (largest remainder) — and its person lines: the
    bill's contribution rows, a source the ledger reads by reference once the payment row
    links the entry to the bill."""
    totals = db.execute(_totals_of(bill.id)).one()
    return _payment_lines(bill, fee, dict(totals._mapping))


def _payment_lines(
    bill: Any, fee: int, total: dict[str, int], link: Callable[[int], None] | None = None,
) -> tuple[list[tuple[str, int]], ledger.IndividualSource | None]:
    pooled = {accounts.pool(scheme, bill.province): int(total[scheme])
              for scheme in POOL_COLUMNS if total[scheme]}
    codes = sorted(pooled)
    credits = dict(pooled)
    if fee:
        # Late fees join the pooled funds, shared in proportion to what each was owed.
        for code, share in zip(codes, largest_remainder(fee, [pooled[c] for c in codes]),
                               strict=True):
            credits[code] += int(share)
    lines = [(accounts.settlement(bill.province), bill.amount_fen + fee)]
    lines += [(code, -credits[code]) for code in codes if credits[code]]
    account_totals = {account: -int(total[account]) for account in ACCOUNT_COLUMNS
                      if total[account]}
    if not account_totals:
        return lines, None
    return lines, ledger.IndividualSource(reference=f"bill:{bill.id}", select=_PERSON_LINES,
                                          params={"bill_id": bill.id}, totals=account_totals,
                                          link=link)


def _person_lines() -> Select[Any]:
    table = Contribution.__table__
    return union_all(*(
        select(table.c.person_id, literal(account), -_sum_of(columns))
        .where(table.c.bill_id == bindparam("bill_id"))
        for account, columns in ACCOUNT_COLUMNS.items()
    ))  # type: ignore[return-value]


_PERSON_LINES = _person_lines()
"""A bill's person lines for the ledger: (person, individual account, amount), credits < 0."""


def bills(
    db: Session, user: User, *, employer_id: int | None = None, person_id: int | None = None,
    month: str | None = None, status: str | None = None,
) -> list[Bill]:
    require(user, "contribution.read")
    query = select(Bill).order_by(Bill.month.desc(), Bill.id.desc()).limit(500)
    if employer_id is not None:
        employer_for(db, user, employer_id, "contribution.read")
        query = query.where(Bill.employer_id == employer_id)
    elif person_id is not None:
        person_for(db, user, person_id, "contribution.read")
        query = query.where(Bill.person_id == person_id)
    elif user.role in (Role.citizen, Role.employer):
        raise InputError("employer_id", "name the employer (or person) whose bills to list")
    else:
        region = func.coalesce(Employer.region_code, Person.residence_region)
        query = (
            query.join(Employer, Employer.id == Bill.employer_id, isouter=True)
            .join(Person, Person.id == Bill.person_id, isouter=True)
            .where(region.startswith(scope_prefix(user.region_code)))
        )
    if month is not None:
        parse_month(month)
        query = query.where(Bill.month == month)
    if status is not None:
        query = query.where(Bill.status == status)
    return list(db.scalars(query))


@dataclass(frozen=True)
class RecordMonth:
    month: str
    payer: str
    base_fen: int
    amounts: dict[str, int]
    paid: bool


@dataclass(frozen=True)
class ContributionRecord:
    """A person's contributions by month, as the national platform's rights record shows."""

    person_id: int
    months: list[RecordMonth]
    pension_account_fen: int
    medical_account_fen: int
    contribution_months: int


def record(db: Session, user: User, person_id: int) -> ContributionRecord:
    person = person_for(db, user, person_id, "contribution.read")
    rows = db.execute(
        select(Bill, Contribution, Employer.name)
        .join(Contribution, Contribution.bill_id == Bill.id)
        .join(Employer, Employer.id == Bill.employer_id, isouter=True)
        .where(Contribution.person_id == person.id)
        .order_by(Bill.month, Bill.id)
    ).all()
    months: list[RecordMonth] = []
    for bill, row, employer_name in rows:
        amounts: dict[str, int] = {}
        for column, scheme, payer, *_ in bill.terms:
            if getattr(row, column):
                amounts[f"{scheme}.{payer}"] = amounts.get(f"{scheme}.{payer}", 0) + getattr(
                    row, column)
        if amounts:  # a person enrolled in nothing that month has no record line
            months.append(RecordMonth(bill.month, employer_name or "flexible employment",
                                      row.base_fen, amounts, bill.status == "paid"))
    paid_pension_months = {
        m.month for m in months
        if m.paid and any(k.startswith("employee_pension.") for k in m.amounts)
    }
    return ContributionRecord(
        person_id=person.id,
        months=months,
        pension_account_fen=ledger.balance(db, accounts.person("pension", person.id)),
        medical_account_fen=ledger.balance(db, accounts.person("medical", person.id)),
        contribution_months=len(paid_pension_months),
    )



def resident_contribution(
    db: Session, user: User, person_id: int, year: int, tier_fen: int, paid_on: date
) -> ResidentContribution:
    """A resident pays a year's pension contribution at one of the province's tiers; the
    local subsidy (≥30 RMB, ≥60 RMB from the 500 RMB tier) joins it in the account."""
    person = person_for(db, user, person_id, "contribution.pay")
    first, last = date(year, 1, 1), date(year, 12, 31)
    enrolled = db.scalar(select(Enrollment.region_code).where(
        Enrollment.person_id == person.id, Enrollment.scheme == "resident_pension",
        in_force_between(Enrollment, first, last),
    ))
    if enrolled is None:
        raise InputError("person_id", f"is not enrolled in the residents' pension in {year}")
    if paid_on > date.today() or paid_on.year < year - 1:
        raise InputError("paid_on", f"must be a day no later than today, from {year - 1} on")
    existing = db.scalar(select(ResidentContribution).where(
        ResidentContribution.person_id == person.id, ResidentContribution.year == year))
    if existing is not None:
        if (existing.tier_fen, existing.paid_on) == (tier_fen, paid_on):
            return existing
        raise InputError("year", f"{year} is already paid (tier {existing.tier_fen} fen)")
    snapshot = Policy.at(first, enrolled)
    used = b.bind(snapshot, {
        "resident_pension_tiers": "resident_pension.contribution_tiers",
        "resident_subsidy_low": "resident_pension.subsidy.min_lowest_tier",
        "resident_subsidy_high": "resident_pension.subsidy.min_high_tier",
        "resident_subsidy_high_from_tier": "resident_pension.subsidy.high_tier_from",
    })
    paid = resident_pension_contribution(tier_fen, **used.values)
    subsidy = int(paid["subsidy_to_account"])
    province = enrolled[:2] + "0000"
    account = accounts.person("resident_pension", person.id)
    posted = ledger.post(db, ledger.PostingRequest(
        idempotency_key=f"resident-contribution-{person.id}-{year}",
        kind="contribution",
        memo=f"residents' pension {year}, tier {tier_fen} fen",
        effective_date=paid_on,
        lines=[(accounts.settlement(province), tier_fen),
               (accounts.fiscal_subsidy(province), subsidy),
               (account, -(tier_fen + subsidy))],
        province=province,
    ), actor_id=user.id)
    made = ResidentContribution(
        person_id=person.id, year=year, province=province, tier_fen=tier_fen,
        subsidy_fen=subsidy, paid_on=paid_on, ledger_entry_id=posted.entry_id,
    )
    db.add(made)
    db.flush()
    return made


def credit_interest(db: Session, user: User, year: int, region: str = "000000") -> int:
    """Credit a year's interest to every individual pension account of persons living in
    `region`, from the province's pooled fund, at the year's published crediting rate.

    Runs once a year per account (the ledger key carries person and year); returns how many
    accounts were credited now.
    """
    require(user, "contribution.bill")
    rate = Policy.at(date(year, 12, 31)).value("employee_pension.account.crediting_rate")
    start, end = date(year, 1, 1), date(year, 12, 31)
    sub = ledger.movements()
    in_scope = (
        select(Person.id).where(Person.residence_region.startswith(scope_prefix(region)))
        .subquery()
    )
    done = set(db.scalars(select(LedgerEntry.idempotency_key).where(
        LedgerEntry.idempotency_key.startswith(f"interest-{year}-"))))
    # Every account's movements up to the year's end, summed by day: one query for the region.
    movements = db.execute(
        select(sub.c.person_id, LedgerEntry.effective_date, func.sum(sub.c.amount_fen))
        .join(LedgerEntry, LedgerEntry.id == sub.c.entry_id)
        .where(sub.c.account == "pension", sub.c.person_id.in_(select(in_scope.c.id)),
               LedgerEntry.effective_date <= end)
        .group_by(sub.c.person_id, LedgerEntry.effective_date)
    ).all()
    owners = db.execute(
        select(Person.id, Person.residence_region)
        .where(Person.residence_region.startswith(scope_prefix(region)),
               select(sub.c.entry_id).where(sub.c.person_id == Person.id,
                                            sub.c.account == "pension").exists())
        .order_by(Person.id)
    ).all()
    position = {person_id: i for i, (person_id, _) in enumerate(owners)}
    opening = np.zeros(len(owners), dtype=np.int64)
    monthly = np.zeros((len(owners), 12), dtype=np.int64)
    for person_id, day, amount in movements:
        # Credits are negative lines; an account's money is their negated sum.
        if day < start:
            opening[position[person_id]] -= int(amount)
        else:
            monthly[position[person_id], day.month - 1] -= int(amount)
    interest = account_interest(opening, monthly, crediting_rate=rate)
    credited = 0
    for (person_id, residence), due in zip(owners, interest.tolist(), strict=True):
        key = f"interest-{year}-{person_id}"
        if key in done or due <= 0:
            continue
        province = residence[:2] + "0000"
        ledger.post(db, ledger.PostingRequest(
            idempotency_key=key, kind="interest", memo=f"{year} interest at {rate:.2%}",
            effective_date=end,
            lines=[(accounts.pool("employee_pension", province), due),
                   (accounts.person("pension", person_id), -due)],
            province=province,
        ), actor_id=user.id)
        credited += 1
    return credited


def reverse_payment(db: Session, user: User, payment_id: int, reason: str) -> Payment:
    """Reverse a payment the bank returned or that was recorded against the wrong bill.

    The payment's ledger entry is mirrored (once: the key names the payment), the payment is
    marked reversed and the bill is open again, to be paid anew. A payment is never edited or
    deleted. Refused: a payment already reversed, and a reversal that would take a fund or an
    account below zero because its money has moved on (the ledger names the account).
    """
    # Locked (PostgreSQL): two clerks reversing one payment meet here, not in the ledger.
    payment = db.get(Payment, payment_id, with_for_update=True)
    if payment is None:
        raise NotFound(f"payment {payment_id}")
    bill = bill_for(db, user, payment.bill_id, "contribution.reverse")
    reason = (reason or "").strip()
    if not reason:
        raise InputError("reason", "say why the payment is reversed")
    if len(reason) > 400:
        raise InputError("reason", "is longer than 400 characters")
    if payment.reversed_at is not None:
        raise InputError("payment_id", f"payment {payment.id} was already reversed "
                                       f"(ledger entry {payment.reversal_entry_id})")
    payments = Payment.__table__

    def record_reversal(entry_id: int) -> None:
        """Link the reversal to the payment inside the posting: the bill's rows are then also
        the reversal's person movements, negated (`models.payment_movements`)."""
        db.execute(update(payments).where(payments.c.id == payment.id).values(
            reversed_at=utcnow(), reversal_entry_id=entry_id, reversal_reason=reason))

    ledger.reverse(
        db, payment.ledger_entry_id,
        idempotency_key=f"contribution-payment-reversal-{payment.id}",
        memo=f"payment {payment.id} of bill {bill.id} reversed: {reason}",
        actor_id=user.id, link=record_reversal,
    )
    bill.status = "open"
    db.flush()
    db.refresh(payment)
    return payment


def deferral_limit(bill: Bill) -> date:
    """The last day to which the bill's month may be deferred under the relief in force, or
    InputError("until") when no deferral period covers it.

    2020 (人社部发〔2020〕11号, 49号): a month from February to December 2020, up to
    `deferral_max_months` after its due date and no later than `deferral_end`. 2022
    (人社部发〔2022〕16号): the months in `pension_months`, to `pension_deferral_end`; a flexible
    worker's 2022 months to `flexible_worker_deferral_end`.
    """
    first, _ = month_bounds(bill.month)
    if date(2020, 2, 1) <= first <= date(2020, 12, 1):
        snapshot = Policy.at(first, bill.province)
        months = int(snapshot.value("relief.covid_2020.deferral_max_months"))
        end: date = snapshot.value("relief.covid_2020.deferral_end")
        total = bill.due_date.month - 1 + months
        year, month = bill.due_date.year + total // 12, total % 12 + 1
        cap = date(year, month, min(bill.due_date.day, calendar.monthrange(year, month)[1]))
        return min(cap, end)
    if first.year == 2022 and first >= date(2022, 4, 1):
        snapshot = Policy.at(first, bill.province)
        if bill.payer_kind == "person":
            return snapshot.value("relief.deferral_2022.flexible_worker_deferral_end")  # type: ignore[no-any-return]
        if bill.month in snapshot.value("relief.deferral_2022.pension_months"):
            return snapshot.value("relief.deferral_2022.pension_deferral_end")  # type: ignore[no-any-return]
    raise InputError("until", f"no deferral period covers {bill.month}: deferrals were granted "
                              "for February–December 2020 and April–June 2022")


def defer_bill(db: Session, user: User, bill_id: int, until: date, reason: str) -> Bill:
    """Defer an open bill to `until`: late fees then run from that day, not the due date."""
    bill = bill_for(db, user, bill_id, "contribution.defer")
    reason = (reason or "").strip()
    if not reason:
        raise InputError("reason", "say why the bill is deferred")
    if len(reason) > 400:
        raise InputError("reason", "is longer than 400 characters")
    if bill.status != "open":
        raise InputError("bill_id", f"bill {bill.id} is {bill.status}; only an open bill can "
                                    "be deferred")
    if until <= bill.due_date:
        raise InputError("until", f"must be after the due date {bill.due_date}")
    limit = deferral_limit(bill)
    if until > limit:
        raise InputError("until", f"must be no later than {limit}, the longest deferral "
                                  f"for {bill.month}")
    bill.deferred_until = until
    db.flush()
    return bill

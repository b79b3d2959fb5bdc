"""A Hypothesis state machine over the contribution cycle, on SQLite and PostgreSQL.

Rules: declare a month for an employer (2020 relief months and 2025 months), pay an open bill
on time or late, reverse a payment, defer a bill, credit a year's interest. After every step:

- the ledger's own check is empty (every entry sums to zero, cached balances are the sums of
  their lines, no fund or personal account below zero, reversals mirror their originals);
- every person's pension and medical account, every pooled fund and every province's
  settlement account equals a model the test keeps for itself from the bill lines the service
  returns — the replay of the postings: paid, un-reversed bills, late fees shared among the
  pooled funds by largest remainder, and interest by the published month-product formula.

The model never calls the service's pricing, fee or interest code; it works from bill lines,
dates and the published rates.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from shebao.auth.models import User
from shebao.benefits.pension.models import Overpayment, PensionPayment
from shebao.contributions import service
from shebao.contributions.models import (
    Bill,
    Contribution,
    Declaration,
    Payment,
    ResidentContribution,
)
from shebao.db.engine import get_engine, transaction
from shebao.errors import InputError
from shebao.ledger import service as ledger
from shebao.ledger.models import (
    IndividualAccountBalance,
    IndividualAccountLine,
    LedgerAccount,
    LedgerEntry,
    LedgerLine,
)
from shebao.registry.identifiers import make_credit_code
from shebao.registry.models import Person
from shebao.registry.schemas import EmploymentStart
from shebao.registry.service import start_employment
from tests.helpers import add_employer, add_person, add_user

# Months to declare: the 2020 relief (February–December; large firms halved to June) and 2025.
MONTHS = ["2020-02", "2020-03", "2020-06", "2020-07", "2020-11", "2020-12",
          "2025-01", "2025-06", "2025-12"]
# Published crediting rates of individual pension accounts (人社部 notices), and the daily
# late fee of Social Insurance Law art. 86: 0.05%.
CREDITING_RATE = {2020: Fraction("0.0604"), 2025: Fraction("0.015")}
LATE_FEE_PER_DAY = Fraction(5, 10000)
RELIEF_SCHEMES = ("employee_pension", "unemployment", "work_injury")
SCHEMES = ("employee_pension", "employee_medical", "unemployment", "work_injury")


@dataclass(frozen=True)
class Firm:
    id: int
    size: str  # small | medium | large
    province: str
    staff: tuple[int, ...]


@dataclass(frozen=True)
class Town:
    """Three employers of different sizes in Guangdong and Sichuan, five people.

    (Hubei's 2020 all-employer waiver is not exercised: the policy tables hold no Hubei
    average wage, which billing needs.)
    """

    firms: tuple[Firm, ...]
    residence: dict[int, str]  # person → province


def build_town(url: str) -> Town:
    chen = add_person(url, "陈丽", "440306", date(1985, 3, 9), 22)
    wang = add_person(url, "王建军", "440106", date(1990, 5, 14), 11)
    li = add_person(url, "李娜", "440306", date(1992, 8, 2), 24)
    zhang = add_person(url, "张伟", "510107", date(1980, 1, 5), 31)
    zhao = add_person(url, "赵敏", "510107", date(1978, 11, 30), 42)
    factory = add_employer(url, make_credit_code("440306", "MA5F3K2L8"), "440306",
                           name="深圳市宝安精密电子有限公司", injury_class=3, size="medium")
    logistics = add_employer(url, make_credit_code("440106", "MA9P7T3R1"), "440106",
                             name="广州天河物流集团有限公司", injury_class=4, size="large")
    diner = add_employer(url, make_credit_code("510107", "MA6C2D4E5"), "510107",
                         name="武侯餐饮有限公司", injury_class=2, size="small")
    add_user(url, "admin-state", "admin", "000000")
    firms = (
        Firm(factory, "medium", "440000", (chen, li)),
        Firm(logistics, "large", "440000", (wang, li)),  # 李娜 holds two jobs
        Firm(diner, "small", "510000", (zhang, zhao)),
    )
    with transaction(url, write=True) as db:
        admin = _admin(db)
        for firm in firms:
            for person in firm.staff:
                start_employment(db, admin, EmploymentStart(
                    person_id=person, employer_id=firm.id, start_date=date(2019, 1, 1),
                    monthly_wage_fen=600000))
    residence = {chen: "440000", wang: "440000", li: "440000", zhang: "510000",
                 zhao: "510000"}
    return Town(firms, residence)


def _admin(db) -> User:  # type: ignore[no-untyped-def]
    user = db.scalar(select(User).where(User.username == "admin-state"))
    assert user is not None
    return user


# Pension payments and overpayments point at ledger entries: PostgreSQL truncates them together
# (this machine writes none).
MONEY_TABLES = [m.__tablename__ for m in (
    Payment, Contribution, Bill, Declaration, ResidentContribution, IndividualAccountLine,
    IndividualAccountBalance, LedgerLine, LedgerEntry, LedgerAccount, PensionPayment,
    Overpayment,
)]


def snapshot(url: str) -> Path | None:
    """On SQLite, a copy of the database with the town and no money yet."""
    if not url.startswith("sqlite"):
        return None
    get_engine(url).dispose()
    path = Path(make_url(url).database or "")
    copy = path.with_suffix(".town")
    shutil.copy(path, copy)
    return copy


def clear_money(url: str, town_copy: Path | None) -> None:
    """Forget every declaration, bill, payment and ledger row; keep people and employers.

    The ledger refuses DELETE (its rows are never changed or deleted), so SQLite gets the
    town's copy back and PostgreSQL truncates the money tables (and, by CASCADE, the empty
    tables of other domains that refer to ledger entries, such as benefit payments).
    """
    if town_copy is not None:
        get_engine(url).dispose()
        shutil.copy(town_copy, make_url(url).database or "")
        return
    tables = ", ".join(f'"{name}"' for name in MONEY_TABLES)
    with get_engine(url).begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} CASCADE"))


# -- the model -------------------------------------------------------------------------------


@dataclass
class ModelLine:
    person: int
    scheme: str
    payer: str
    destination: str
    relief_factor: float
    amount: int


@dataclass
class ModelBill:
    id: int
    firm: Firm
    month: str
    due: date
    amount: int
    lines: list[ModelLine]
    deferred_until: date | None = None
    standing_payment: int | None = None


@dataclass
class ModelPayment:
    id: int
    bill: int
    deltas: dict[str, int]  # account → change in its normal sense
    reversed: bool = False


def _half_up(value: Fraction) -> int:
    return int(value + Fraction(1, 2)) if value >= 0 else -int(-value + Fraction(1, 2))


def _month_end(month: str) -> date:
    year, number = int(month[:4]), int(month[5:])
    nxt = date(year + (number == 12), number % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _add_months(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day if it is shorter."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return date(year, month, min(day.day, _month_end(f"{year:04d}-{month:02d}").day))


def _split(total: int, weights: list[int]) -> list[int]:
    """Largest remainder: floors, then a fen each to the largest remainders (ties: first)."""
    whole = sum(weights)
    parts = [total * w // whole for w in weights]
    remainders = [total * w % whole for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


NO_NEGATIVE = ("pool:", "person:", "individual:")


def _payment_deltas(bill: ModelBill, fee: int) -> dict[str, int]:
    province = bill.firm.province
    deltas: dict[str, int] = defaultdict(int)
    pooled: dict[str, int] = defaultdict(int)
    for line in bill.lines:
        if line.destination == "individual_account":
            kind = "pension" if line.scheme == "employee_pension" else "medical"
            deltas[f"person:{kind}:{line.person}"] += line.amount
            # the sub-ledger's control account of the bill's province moves with the person
            deltas[f"individual:{kind}:{province}"] += line.amount
        else:
            pooled[f"pool:{line.scheme}:{province}"] += line.amount
    codes = sorted(pooled)
    shares = _split(fee, [pooled[c] for c in codes]) if fee else [0] * len(codes)
    for code, share in zip(codes, shares, strict=True):
        deltas[code] += pooled[code] + share
    deltas[f"settlement:{province}"] += bill.amount + fee
    return dict(deltas)


# -- the machine -----------------------------------------------------------------------------


def contribution_machine(
    url: str, town: Town, town_copy: Path | None
) -> type[RuleBasedStateMachine]:
    persons = sorted(town.residence)

    class ContributionCycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            clear_money(url, town_copy)
            self.bills: dict[int, ModelBill] = {}
            self.declared: set[tuple[int, str]] = set()
            self.payments: dict[int, ModelPayment] = {}
            self.balances: dict[str, int] = defaultdict(int)
            self.pension_postings: dict[int, list[tuple[date, int]]] = defaultdict(list)
            self.opened: set[str] = set()
            self.credited: set[tuple[int, int]] = set()

        def _apply(self, deltas: dict[str, int], on: date, sign: int = 1) -> None:
            for code, amount in deltas.items():
                self.balances[code] += sign * amount
                self.opened.add(code)
                if code.startswith("person:pension:"):
                    self.pension_postings[int(code.rsplit(":", 1)[1])].append(
                        (on, sign * amount))

        # -- rules -----------------------------------------------------------------------

        @rule(firm=st.sampled_from(range(len(town.firms))), month=st.sampled_from(MONTHS),
              wages=st.lists(st.integers(0, 6_000_000), min_size=2, max_size=2))
        def declare(self, firm: int, month: str, wages: list[int]) -> None:
            chosen = town.firms[firm]
            with transaction(url, write=True) as db:
                numbers = {p.id: p.identity_number for p in db.scalars(
                    select(Person).where(Person.id.in_(chosen.staff)))}
            rows = [service.DeclaredRow(i + 1, numbers[p], w)
                    for i, (p, w) in enumerate(zip(chosen.staff, wages, strict=True))]
            if (chosen.id, month) in self.declared:
                try:
                    with transaction(url, write=True) as db:
                        service.declare(db, _admin(db), chosen.id, month, rows, "api")
                except InputError as refused:
                    assert refused.field == "month"
                else:
                    raise AssertionError(f"{month} was declared twice for employer {chosen.id}")
                return
            with transaction(url, write=True) as db:
                bill = service.declare(db, _admin(db), chosen.id, month, rows, "api")
                lines = [ModelLine(x.person_id, x.scheme, x.payer, x.destination, x.relief_factor,
                                   x.amount_fen)
                         for x in bill.lines]
                made = ModelBill(bill.id, chosen, month, bill.due_date, bill.amount_fen, lines)
            self.declared.add((chosen.id, month))
            self.bills[made.id] = made
            assert made.due == _month_end(month)
            assert made.amount == sum(x.amount for x in lines)
            assert {x.person for x in lines} == set(chosen.staff)
            self._check_relief(made)

        def _check_relief(self, bill: ModelBill) -> None:
            employer = {(x.person, x.scheme): x for x in bill.lines if x.payer == "employer"}
            relief = "2020-02" <= bill.month <= "2020-12"
            for person in bill.firm.staff:
                for scheme in RELIEF_SCHEMES:
                    line = employer.get((person, scheme))
                    if relief and bill.firm.size in ("small", "medium"):
                        # SMEs: the employer's pension, unemployment and injury shares waived.
                        assert line is None, f"{bill.month}: {scheme} not waived for an SME"
                    elif relief and bill.firm.size == "large" and bill.month <= "2020-06":
                        # Large firms: halved from February to June 2020.
                        assert line is not None and line.amount > 0
                        assert line.relief_factor == 0.5, (bill.month, scheme)
                    else:
                        assert line is not None and line.amount > 0, (
                            f"{bill.month}: {scheme} employer share missing")
                        assert line.relief_factor == 1.0
                # The employee's own shares are never waived.
                own = {x.scheme for x in bill.lines
                       if x.person == person and x.payer == "employee"}
                assert {"employee_pension", "employee_medical"} <= own

        @precondition(lambda self: any(b.standing_payment is None for b in self.bills.values()))
        @rule(data=st.data(), offset=st.sampled_from([-20, 0, 1, 17, 45, 90]))
        def pay(self, data: st.DataObject, offset: int) -> None:
            bill = self.bills[data.draw(st.sampled_from(
                sorted(b.id for b in self.bills.values() if b.standing_payment is None)))]
            start = bill.deferred_until or bill.due
            paid_on = start + timedelta(days=offset)
            days = max(0, (paid_on - start).days)
            fee = _half_up(bill.amount * LATE_FEE_PER_DAY * days)
            with transaction(url, write=True) as db:
                payment = service.pay(db, _admin(db), bill.id, paid_on, bill.amount + fee)
                assert (payment.late_fee_fen, payment.days_late) == (fee, days)
                payment_id = payment.id
            deltas = _payment_deltas(bill, fee)
            self.payments[payment_id] = ModelPayment(payment_id, bill.id, deltas)
            bill.standing_payment = payment_id
            self._apply(deltas, paid_on)
            event("pay: late" if days else "pay: on time")
            if bill.deferred_until:
                event("pay: a deferred bill")

        @precondition(lambda self: any(not p.reversed for p in self.payments.values()))
        @rule(data=st.data())
        def reverse(self, data: st.DataObject) -> None:
            payment = self.payments[data.draw(st.sampled_from(
                sorted(p.id for p in self.payments.values() if not p.reversed)))]
            short = [code for code, amount in payment.deltas.items()
                     if code.startswith(NO_NEGATIVE) and self.balances[code] < amount]
            try:
                with transaction(url, write=True) as db:
                    service.reverse_payment(db, _admin(db), payment.id, "returned by the bank")
            except InputError as refused:
                assert short, f"reversal of payment {payment.id} refused: {refused}"
                assert "below zero" in refused.reason
                event("reverse: refused, the money has moved on")
                return
            assert not short, f"reversal took {short} below zero"
            event("reverse: done")
            payment.reversed = True
            self.bills[payment.bill].standing_payment = None
            self._apply(payment.deltas, date.today(), sign=-1)
            # The reversed payment stays on record, and cannot be reversed again.
            try:
                with transaction(url, write=True) as db:
                    service.reverse_payment(db, _admin(db), payment.id, "again")
            except InputError as refused:
                assert refused.field == "payment_id"
            else:
                raise AssertionError("a payment was reversed twice")

        @precondition(lambda self: bool(self.bills))
        @rule(data=st.data(), months=st.integers(1, 8))
        def defer(self, data: st.DataObject, months: int) -> None:
            bill = self.bills[data.draw(st.sampled_from(sorted(self.bills)))]
            until = _month_end(_add_months(bill.due, months).strftime("%Y-%m"))
            if bill.month.startswith("2020"):
                # 人社部发〔2020〕11号: up to six months, to 31 December 2020 at the latest.
                limit: date | None = min(_add_months(bill.due, 6), date(2020, 12, 31))
            else:
                limit = None
            allowed = bill.standing_payment is None and limit is not None and until <= limit
            try:
                with transaction(url, write=True) as db:
                    deferred = service.defer_bill(db, _admin(db), bill.id, until, "hard times")
                    assert deferred.deferred_until == until
            except InputError as refused:
                assert not allowed, f"deferral of bill {bill.id} to {until} refused: {refused}"
                event("defer: refused")
                return
            assert allowed, f"bill {bill.id} ({bill.month}) deferred to {until}"
            event("defer: done")
            bill.deferred_until = until

        @precondition(lambda self: any(not p.reversed for p in self.payments.values()))
        @rule(year=st.sampled_from(sorted(CREDITING_RATE)),
              province=st.sampled_from(["440000", "510000"]))
        def credit_interest(self, year: int, province: str) -> None:
            rate = CREDITING_RATE[year]
            balances: dict[str, int] = defaultdict(int, self.balances)
            credits: list[tuple[int, str, int]] = []
            refused = False
            for person in persons:
                code = f"person:pension:{person}"
                if (code not in self.opened or (person, year) in self.credited
                        or town.residence[person] != province):
                    continue
                opening = sum(a for day, a in self.pension_postings[person]
                              if day < date(year, 1, 1))
                monthly = [0] * 12
                for day, amount in self.pension_postings[person]:
                    if day.year == year:
                        monthly[day.month - 1] += amount
                interest = _half_up(rate * (opening + sum(
                    Fraction(amount * (13 - m), 12) for m, amount in enumerate(monthly, 1))))
                if interest <= 0:
                    continue
                pool = f"pool:employee_pension:{town.residence[person]}"
                if balances[pool] < interest:
                    refused = True
                    break
                balances[pool] -= interest
                credits.append((person, pool, interest))
            try:
                with transaction(url, write=True) as db:
                    count = service.credit_interest(db, _admin(db), year, province)
            except InputError as error:
                assert refused, f"interest {year} refused: {error}"
                event("interest: refused, a pool runs dry")
                return
            assert not refused, f"interest {year} should have been refused: a pool runs dry"
            assert count == len(credits)
            event(f"interest: {'credited' if credits else 'nothing to credit'}")
            for person, pool, interest in credits:
                self.credited.add((person, year))
                self._apply({pool: -interest, f"person:pension:{person}": interest,
                             f"individual:pension:{town.residence[person]}": interest},
                            date(year, 12, 31))

        # -- invariants ------------------------------------------------------------------

        @invariant()
        def ledger_is_sound(self) -> None:
            with transaction(url) as db:
                assert ledger.check(db) == []

        @invariant()
        def balances_replay_the_postings(self) -> None:
            with transaction(url) as db:
                stored = {code: balance for code, balance in db.execute(
                    select(LedgerAccount.code, LedgerAccount.balance_fen))}
                # persons' accounts live in the sub-ledger: their balance is their lines' sum
                stored.update({code: ledger.balance(db, code) for code in self.balances
                               if code.startswith("person:")})
            for code in set(stored) | {c for c, v in self.balances.items() if v}:
                assert stored.get(code, 0) == self.balances.get(code, 0), code
            for person in persons:
                for kind in ("pension", "medical"):
                    code = f"person:{kind}:{person}"
                    assert stored.get(code, 0) == self.balances.get(code, 0) >= 0, code
                    if kind == "pension":
                        assert stored.get(code, 0) == sum(
                            a for _, a in self.pension_postings[person])

        @invariant()
        def bills_are_open_or_paid_once(self) -> None:
            with transaction(url) as db:
                for bill in db.scalars(select(Bill)):
                    model = self.bills[bill.id]
                    standing = [p.id for p in bill.payments if p.reversed_at is None]
                    assert standing == ([model.standing_payment]
                                        if model.standing_payment else [])
                    assert bill.status == ("paid" if standing else "open")
                    assert bill.deferred_until == model.deferred_until

    return ContributionCycle


def test_contribution_state_machine(database_url: str) -> None:
    town = build_town(database_url)
    machine = contribution_machine(database_url, town, snapshot(database_url))
    run_state_machine_as_test(machine, settings=settings(
        max_examples=15, stateful_step_count=40, deadline=None, database=None,
    ))

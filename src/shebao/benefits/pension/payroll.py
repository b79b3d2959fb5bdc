"""The monthly pension payroll, yearly indexation, survival authentication and overpayments.

Paying (docs/pensions.md):
- each month of each award is paid at most once: a `PensionPayment` row per (award, month),
  unique in the database, written in the same transaction as its ledger entry, whose
  idempotency key is `pension-<award>-<month>`;
- one entry per payment: the pooled fund (`pool:<scheme>:<province>`) and the individual
  account (`person:<account>:<id>`, while it lasts) are debited, and the province's settlement
  account (its bank) is credited with the whole amount — the money leaves the same day, so
  no payable is kept in between;
- when the account cannot pay its part, it pays what it holds and the pooled fund pays the rest
  (the account pension continues from the pooled fund once the account is exhausted ⚠ national
  practice under 国发〔2005〕38号; the rule is not spelled out in shared/rules/china.md);
- a run works through the province's awards in id order, in batches of one transaction each;
  the run row keeps its cursor, so a run killed midway resumes where its last batch ended;
  a re-run of a finished run starts a fresh pass that pays only what is still unpaid;
- a run pays every unpaid month up to its month (back pay after a late award, arrears after a
  suspension) for a pensioner whose survival authentication covers it, and suspends one whose
  authentication is older than period + grace (parameters);
- a recorded death stops the award; months paid after the month of death become overpayments:
  a receivable (`pensioner:receivable:<id>`) against the funds they came from, recovered
  through the province's settlement account.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Integer,
    MetaData,
    String,
    Table,
    case,
    cast,
    exists,
    extract,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy import text as sql_text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shebao.auth.authz import may_reach_region, person_for, require
from shebao.auth.models import Role, User
from shebao.benefits.pension import service
from shebao.benefits.pension.models import (
    AUTH_CHANNELS,
    Overpayment,
    PayrollRun,
    PensionAmount,
    PensionAward,
    PensionPayment,
    SurvivalAuthentication,
)
from shebao.benefits.pension.service import SCHEME_ACCOUNT, SCHEME_POOL
from shebao.calc.service import plain
from shebao.db.base import utcnow
from shebao.db.engine import transaction
from shebao.errors import InputError
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.ledger.models import IndividualAccountLine, LedgerAccount, LedgerEntry, LedgerLine
from shebao.policy import Policy
from shebao.policy import bindings as b
from shebao.policy.formulas import pension
from shebao.policy.formulas.periods import format_month, parse_month
from shebao.registry.models import Person
from shebao.registry.regions import get_region
from shebao.supervision import audit

PAYABLE = ("payment", "suspended")
_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def check_reference(reference: str | None) -> str:
    """A receipt's reference (a bank statement line): the same reference again is the same
    recovery, so it names the posting."""
    if reference is None or not _REFERENCE.fullmatch(reference):
        raise InputError("reference", "1 to 64 letters, digits, '.', '_' or '-' (the receipt)")
    return reference


def _month_of(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _province(value: str) -> str:
    region = get_region(value)
    if region.level != "province":
        raise InputError("province", f"{value} is a {region.level}; payroll runs per province")
    return value


def _check_staff(user: User, permission: str, province: str) -> None:
    require(user, permission)
    if not may_reach_region(user, province):
        raise InputError("province", "is outside the region your account serves")


def _check_month(month: str, today: dt.date) -> int:
    number = parse_month(month, "month")
    if number > _month_of(today):
        raise InputError("month", f"{month} has not begun: a month is paid in that month")
    return number


# -- what a batch needs, read set-wise ------------------------------------------------------


@dataclass
class _Context:
    """The rows a batch of awards needs, each read in one query for the whole batch."""

    persons: dict[int, Person]
    paid: dict[int, set[str]]
    amounts: dict[int, list[PensionAmount]]
    authenticated: dict[int, dt.date]
    covers: dict[str, Any]
    """The survival authentication's period and grace (`pension.authentication_lapse`)."""
    paid_on: dt.date
    actor_id: int | None


def _context(db: Session, awards: list[PensionAward], province: str, month: int,
             paid_on: dt.date, actor_id: int | None) -> _Context:
    ids = [a.id for a in awards]
    person_ids = [a.person_id for a in awards]
    paid: dict[int, set[str]] = defaultdict(set)
    for award_id, paid_month in db.execute(
        select(PensionPayment.award_id, PensionPayment.month)
        .where(PensionPayment.award_id.in_(ids))
    ):
        paid[award_id].add(paid_month)
    amounts: dict[int, list[PensionAmount]] = defaultdict(list)
    for amount in db.scalars(select(PensionAmount).where(PensionAmount.award_id.in_(ids))
                             .order_by(PensionAmount.effective_month)):
        amounts[amount.award_id].append(amount)
    authenticated = dict(db.execute(
        select(SurvivalAuthentication.person_id, func.max(SurvivalAuthentication.authenticated_on))
        .where(SurvivalAuthentication.person_id.in_(person_ids))
        .group_by(SurvivalAuthentication.person_id)
    ).all())
    persons = {p.id: p for p in db.scalars(select(Person).where(Person.id.in_(person_ids)))}
    covers = b.survival_authentication_months(
        Policy.at(b.month_start(month), province), province).values
    return _Context(persons, paid, amounts, authenticated, covers, paid_on, actor_id)


def _amount_in_force(amounts: list[PensionAmount], month: str) -> PensionAmount:
    found = [a for a in amounts if a.effective_month <= month]
    return found[-1]


def _pay(db: Session, award: PensionAward, month: str, ctx: _Context,
         run_id: int | None) -> PensionPayment:
    """Pay one month: the account's part while it lasts, the pooled fund the rest."""
    amount = _amount_in_force(ctx.amounts[award.id], month)
    account = accounts.person(SCHEME_ACCOUNT[award.scheme], award.person_id)
    from_account = min(amount.account_part_fen, ledger.balance(db, account))
    from_pool = amount.total_fen - from_account
    lines: list[tuple[str, int]] = []
    if from_pool:
        lines.append((accounts.pool(SCHEME_POOL[award.scheme], award.province), from_pool))
    if from_account:
        lines.append((account, from_account))
    lines.append((accounts.settlement(award.province), -amount.total_fen))
    posted = ledger.post_in(db, ledger.PostingRequest(
        idempotency_key=f"pension-{award.id}-{month}", kind="benefit",
        memo=f"pension {month}, award {award.id}", effective_date=ctx.paid_on, lines=lines,
    ), award.province, ctx.actor_id)
    payment = PensionPayment(
        award_id=award.id, person_id=award.person_id, month=month,
        amount_fen=amount.total_fen, pool_part_fen=from_pool, account_part_fen=from_account,
        paid_on=ctx.paid_on, run_id=run_id, ledger_entry_id=posted.entry_id,
    )
    db.add(payment)
    ctx.paid[award.id].add(month)
    return payment


def _stop_for_death(db: Session, award: PensionAward, person: Person, paid_on: dt.date,
                    actor_id: int | None) -> int:
    """Stop the award; every month paid after the month of death becomes an overpayment."""
    assert person.death_date is not None
    award.status = "stopped"
    award.suspended_from = None
    award.stopped_reason = f"death on {person.death_date.isoformat()}"
    after = format_month(_month_of(person.death_date))
    found = 0
    for payment in db.scalars(
        select(PensionPayment).where(
            PensionPayment.award_id == award.id, PensionPayment.month > after,
            ~exists().where(Overpayment.payment_id == PensionPayment.id),
        ).order_by(PensionPayment.month)
    ):
        lines = [(accounts.pensioner_receivable(award.person_id), payment.amount_fen)]
        if payment.pool_part_fen:
            lines.append((accounts.pool(SCHEME_POOL[award.scheme], award.province),
                          -payment.pool_part_fen))
        if payment.account_part_fen:
            lines.append((accounts.person(SCHEME_ACCOUNT[award.scheme], award.person_id),
                          -payment.account_part_fen))
        posted = ledger.post_in(db, ledger.PostingRequest(
            idempotency_key=f"pension-overpayment-{payment.id}", kind="benefit",
            memo=f"pension {payment.month} paid after the death on {person.death_date}",
            effective_date=paid_on, lines=lines,
        ), award.province, actor_id)
        db.add(Overpayment(payment_id=payment.id, award_id=award.id, person_id=award.person_id,
                           amount_fen=payment.amount_fen, receivable_entry_id=posted.entry_id))
        found += 1
    return found


@dataclass
class Settled:
    payments: list[PensionPayment] = field(default_factory=list)
    suspended: bool = False
    overpayments: int = 0


def _settle(db: Session, award: PensionAward, month: int, ctx: _Context,
            run_id: int | None) -> Settled:
    """Bring one award up to `month`: stop it at death, suspend it without a valid
    authentication, and pay every covered month not yet paid."""
    person = ctx.persons[award.person_id]
    settled = Settled()
    last = month
    if person.death_date is not None:
        settled.overpayments = _stop_for_death(db, award, person, ctx.paid_on, ctx.actor_id)
        last = min(month, _month_of(person.death_date))
    since = max(ctx.authenticated.get(person.id, award.approved_on), award.approved_on)
    covered_before = int(pension.authentication_lapse(_month_of(since), **ctx.covers))
    due = [m for m in range(parse_month(award.first_month), last + 1)
           if format_month(m) not in ctx.paid[award.id]]
    uncovered = [m for m in due if m >= covered_before]
    if award.status != "stopped":
        if uncovered:
            award.status = "suspended"
            award.suspended_from = format_month(uncovered[0])
            settled.suspended = True
        elif award.status == "suspended":
            award.status = "payment"
            award.suspended_from = None
    for m in due:
        if m < covered_before:
            settled.payments.append(_pay(db, award, format_month(m), ctx, run_id))
    return settled


# -- the run --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunResult:
    run_id: int
    province: str
    month: str
    status: str
    processed: int
    payments: int
    paid_fen: int
    suspended: int
    attempts: int
    seconds: dict[str, float] = field(default_factory=dict, compare=False)
    """Wall-clock seconds of each phase of this call, summed over its batches: the profile."""


def _result(run: PayrollRun, seconds: dict[str, float]) -> RunResult:
    return RunResult(run.id, run.province, run.month, run.status, run.processed, run.payments,
                     run.paid_fen, run.suspended, run.attempts, seconds)


Lap = Callable[[str], None]


def _stopwatch(seconds: dict[str, float]) -> Lap:
    """`lap(phase)` adds the time since the previous lap to `phase` in `seconds`."""
    last = [time.perf_counter()]

    def lap(phase: str) -> None:
        now = time.perf_counter()
        seconds[phase] = seconds.get(phase, 0.0) + now - last[0]
        last[0] = now
    return lap


def _start(database_url: str | None, province: str, month: str) -> int:
    """The run row of (province, month), created once; a finished run starts a fresh pass."""
    for _ in range(2):
        try:
            with transaction(database_url, write=True) as db:
                run = db.scalar(select(PayrollRun).where(
                    PayrollRun.province == province, PayrollRun.month == month
                ).with_for_update())
                if run is None:
                    run = PayrollRun(province=province, month=month, status="running",
                                     cursor_award_id=0, processed=0, payments=0, paid_fen=0,
                                     suspended=0, attempts=0)
                    db.add(run)
                elif run.status == "done":
                    run.status, run.cursor_award_id, run.finished_at = "running", 0, None
                run.attempts += 1
                db.flush()
                return run.id
        except IntegrityError:
            continue  # another run created the row first: take it
    raise InputError("month", f"the payroll of {province} for {month} could not be started")


def run_payroll(
    database_url: str | None, user: User, province: str, month: str, *,
    batch_size: int = 10_000, on_award: Callable[[int, int], None] | None = None,
    paid_on: dt.date | None = None,
) -> RunResult:
    """Pay a province's pensioners for `month` (and any unpaid earlier months), each once.

    Each batch is one transaction; `on_award(processed, payments)` is called after every
    award of a batch, before it commits (a progress bar; a test raises from it to kill the
    run midway).
    """
    paid_on = paid_on or dt.date.today()
    _check_staff(user, "pension.payroll", _province(province))
    number = _check_month(month, paid_on)
    if not 1 <= batch_size <= 1_000_000:
        raise InputError("batch_size", "must be between 1 and 1,000,000")
    seconds: dict[str, float] = {}
    lap = _stopwatch(seconds)
    run_id = _start(database_url, province, month)
    with transaction(database_url, write=True) as db:
        stop_deceased(db, province, paid_on, user.id)
    lap("start, stop the deceased")
    while True:
        with transaction(database_url, write=True) as db:
            run = db.scalar(select(PayrollRun).where(PayrollRun.id == run_id).with_for_update())
            assert run is not None
            more = _pay_batch(db, run, number, batch_size, paid_on, user.id, on_award, lap)
            if not more:
                run.status, run.finished_at = "done", utcnow()
                result = _result(run, seconds)
        lap("commit")
        if not more:
            return result


# -- a batch, set-based ---------------------------------------------------------------------

_STAGE = Table(
    "pension_payroll_stage", MetaData(),
    Column("award_id", Integer), Column("person_id", Integer), Column("account", String(16)),
    Column("amount_fen", BigInteger), Column("pool_part_fen", BigInteger),
    Column("account_part_fen", BigInteger),
    prefixes=["TEMPORARY"],
)
"""A batch's common payments before they are written: the ledger copies the persons' account
parts from it (one INSERT ... SELECT), then the payment rows are copied from it with the
entry's id. A temporary table of the batch's transaction, dropped at its end."""


def _pay_batch(db: Session, run: PayrollRun, month: int, batch_size: int, paid_on: dt.date,
               actor_id: int | None, on_award: Callable[[int, int], None] | None,
               lap: Lap) -> bool:
    """Pay the next batch of the run's awards; False when none is left.

    Each read is one query for the whole batch. The common case — an award in payment, its
    pensioner alive and authenticated for the month, every earlier month paid — is paid
    set-wise: one ledger entry for the batch and the payment rows written at once. The other
    awards (back months, suspension, death) are settled one by one, as an authentication's
    arrears are.
    """
    text = format_month(month)
    if db.get_bind().dialect.name == "postgresql":
        # The batch's queries probe indexes thousands of times; their estimated cost would
        # have PostgreSQL compile them (JIT) for each batch, which costs more than it saves.
        db.execute(sql_text("SET LOCAL jit = off"))
    award, person = PensionAward.__table__, Person.__table__
    payment = PensionPayment.__table__
    schemes = sorted(SCHEME_ACCOUNT)
    # Numbers only (month numbers, flags, the scheme's index), so the rows become arrays.
    batch = _array(db.execute(
        select(award.c.id, award.c.person_id,
               case({s: i for i, s in enumerate(schemes)}, value=award.c.scheme),
               _month_number(award.c.first_month), _day_month_number(award.c.approved_on),
               case(((award.c.status == "payment") & person.c.death_date.is_(None), 1),
                    else_=0))
        .join(person, person.c.id == award.c.person_id)
        .where(award.c.province == run.province, award.c.status.in_(PAYABLE),
               award.c.first_month <= text, award.c.id > run.cursor_award_id,
               # (the repeated cursor bounds the payments' index scan to the batch's range)
               ~exists().where(payment.c.award_id == award.c.id, payment.c.month == text,
                               payment.c.award_id > run.cursor_award_id))
        .order_by(award.c.id).limit(batch_size)
    ), 6)
    lap("select the batch")
    if not len(batch):
        return False
    ids, persons, scheme_of, first_month, approved, alive_in_payment = batch.T
    low, high = int(ids[0]), int(ids[-1])
    in_batch = award.c.id.between(low, high) & (award.c.province == run.province)

    paid_before = _lookup(ids, _array(db.execute(
        select(payment.c.award_id, func.count()).where(
            payment.c.award_id.between(low, high), payment.c.month < text)
        .group_by(payment.c.award_id)), 2), 0)
    authentication = SurvivalAuthentication.__table__
    # The month number inside the aggregate: outside it, each of its two parts would probe
    # the person's authentications again.
    last = select(func.max(_day_month_number(authentication.c.authenticated_on))).where(
        authentication.c.person_id == award.c.person_id).scalar_subquery()  # the person index
    last_authenticated = _lookup(ids, _array(db.execute(
        select(award.c.id, func.coalesce(last, -1)).where(in_batch)), 2), -1)
    amounts = PensionAmount.__table__
    in_force = _array(db.execute(  # every amount up to the month; the last is in force
        select(amounts.c.award_id, amounts.c.total_fen, amounts.c.account_part_fen)
        .where(amounts.c.award_id.between(low, high), amounts.c.effective_month <= text)
        .order_by(amounts.c.award_id, amounts.c.effective_month)), 3)
    in_force = in_force[np.r_[in_force[1:, 0] != in_force[:-1, 0], True]] \
        if len(in_force) else in_force
    total = _lookup(ids, in_force[:, [0, 1]], -1)
    account_part = _lookup(ids, in_force[:, [0, 2]], 0)
    balance = np.zeros(len(ids), dtype=np.int64)
    for i in np.unique(scheme_of).tolist():
        held = ledger.person_balances(db, SCHEME_ACCOUNT[schemes[i]], select(award.c.person_id)
                                      .where(in_batch, award.c.scheme == schemes[i]))
        mine = scheme_of == i
        balance[mine] = [held.get(p, 0) for p in persons[mine].tolist()]

    lap("read paid months, authentications, amounts, balances")
    covers = b.survival_authentication_months(Policy.at(b.month_start(month), run.province),
                                              run.province).values
    common = (
        (alive_in_payment == 1)
        & (paid_before == month - first_month)
        & (month < pension.authentication_lapse(np.maximum(last_authenticated, approved),
                                                 **covers))
        & (total > 0)
    )
    from_account = np.where(common, np.minimum(account_part, np.maximum(balance, 0)), 0)
    paid = np.where(common, total, 0)
    lap("compute payments")
    entry_id = _post_batch(db, run, month, paid_on, actor_id, lap, list(zip(
        ids[common].tolist(), persons[common].tolist(),
        [schemes[i] for i in scheme_of[common].tolist()], paid[common].tolist(),
        from_account[common].tolist(), strict=True,
    ))) if common.any() else None

    settled: dict[int, Settled] = {}
    others = ids[~common].tolist()
    if others:
        found = list(db.scalars(select(PensionAward).where(PensionAward.id.in_(others))
                                .order_by(PensionAward.id)))
        ctx = _context(db, found, run.province, month, paid_on, actor_id)
        settled = {a.id: _settle(db, a, month, ctx, run.id) for a in found}
    assert entry_id is not None or not common.any()
    lap("settle the others award by award")

    if on_award is None:
        run.processed += len(ids)
        run.payments += int(common.sum()) + sum(len(s.payments) for s in settled.values())
        run.paid_fen += int(paid.sum()) + sum(p.amount_fen for s in settled.values()
                                              for p in s.payments)
        run.suspended += sum(s.suspended for s in settled.values())
    else:
        for i, award_id in enumerate(ids.tolist()):
            done = settled.get(award_id)
            run.processed += 1
            run.payments += len(done.payments) if done else 1
            run.paid_fen += sum(p.amount_fen for p in done.payments) if done else int(paid[i])
            run.suspended += int(done.suspended) if done else 0
            run.cursor_award_id = award_id
            on_award(run.processed, run.payments)
    run.cursor_award_id = high
    db.flush()
    lap("count")
    return True


def _array(rows: Iterable[Iterable[int]], columns: int) -> NDArray[np.int64]:
    """Rows of whole numbers as a (rows × columns) array, without a Python object a value."""
    return np.fromiter(chain.from_iterable(rows), dtype=np.int64).reshape(-1, columns)


def _lookup(ids: NDArray[np.int64], pairs: NDArray[np.int64], fill: int) -> NDArray[np.int64]:
    """Values keyed by award id — `pairs` of (id, value), each id at most once — as an array
    over the (sorted) batch ids; `fill` for ids without one."""
    found = np.full(len(ids), fill, dtype=np.int64)
    if len(pairs):
        at = np.searchsorted(ids, pairs[:, 0]).clip(0, len(ids) - 1)
        hit = ids[at] == pairs[:, 0]
        found[at[hit]] = pairs[hit, 1]
    return found


def _month_number(column: Any) -> Any:
    """SQL: a 'YYYY-MM' column as a month number (year × 12 + month − 1)."""
    return (cast(func.substr(column, 1, 4), Integer) * 12
            + cast(func.substr(column, 6, 2), Integer) - 1)


def _day_month_number(column: Any) -> Any:
    """SQL: the month number of a date column."""
    return cast(extract("year", column), Integer) * 12 + cast(extract("month", column),
                                                              Integer) - 1


def _post_batch(db: Session, run: PayrollRun, month: int, paid_on: dt.date,
                actor_id: int | None, lap: Lap, payments: list[tuple[int, int, str, int, int]]
                ) -> int:
    """One ledger entry for the batch's common payments (award, person, scheme, amount,
    account part), then their payment rows; the entry's id.

    The entry debits each scheme's pooled fund with its pool parts and the persons' accounts
    with their account parts (copied by the ledger from the staged rows), and credits the
    province's settlement account with the whole. Its key names the run, the pass and the
    batch's award range, so a later pass never meets an earlier pass's key.
    """
    connection = db.connection()
    _STAGE.create(connection)
    staged = [(award_id, person_id, SCHEME_ACCOUNT[scheme], amount, amount - part, part)
              for award_id, person_id, scheme, amount, part in payments]
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {_STAGE.name} ({', '.join(_STAGE.c.keys())}) "
                         "FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["int4", "int4", "text", "int8", "int8", "int8"])
            for row in staged:
                copy.write_row(row)
    else:
        db.execute(insert(_STAGE), [dict(zip(_STAGE.c.keys(), row, strict=True))
                                    for row in staged])
    lap("stage payment rows")

    pooled: dict[str, int] = defaultdict(int)
    from_accounts: dict[str, int] = defaultdict(int)
    for _, _, scheme, amount, part in payments:
        pooled[SCHEME_POOL[scheme]] += amount - part
        from_accounts[SCHEME_ACCOUNT[scheme]] += part
    province, text = run.province, format_month(month)
    low, high = payments[0][0], payments[-1][0]
    lines = [(accounts.pool(scheme, province), fen) for scheme, fen in sorted(pooled.items())
             if fen]
    lines.append((accounts.settlement(province), -sum(p[3] for p in payments)))
    key = f"pension-run-{run.id}.{run.attempts}-{low}-{high}"
    posted = ledger.post(db, ledger.PostingRequest(
        idempotency_key=key, kind="benefit", province=province,
        memo=f"pension {text}, {len(payments)} awards from {low} to {high} (run {run.id})",
        effective_date=paid_on, lines=lines,
    ), actor_id, individual=ledger.IndividualSource(
        reference=key,
        select=select(_STAGE.c.person_id, _STAGE.c.account, _STAGE.c.account_part_fen),
        totals={a: fen for a, fen in from_accounts.items() if fen},
        person_lines_in_result=False,
    ) if any(from_accounts.values()) else None)
    assert not posted.replayed, "a batch's key is used once: the batch commits with it"
    lap("post the batch entry")
    db.execute(insert(PensionPayment.__table__).from_select(
        ["award_id", "person_id", "month", "amount_fen", "pool_part_fen", "account_part_fen",
         "paid_on", "run_id", "ledger_entry_id"],
        select(_STAGE.c.award_id, _STAGE.c.person_id, literal(text, String(7)),
               _STAGE.c.amount_fen, _STAGE.c.pool_part_fen, _STAGE.c.account_part_fen,
               literal(paid_on, Date), literal(run.id, Integer),
               literal(posted.entry_id, Integer))
        .order_by(_STAGE.c.award_id)))
    _STAGE.drop(connection)
    # The rows came from a staging table the session never saw: one audit entry says what.
    audit.record(db, "run", "pension.payroll_batch", key, after={
        "run_id": run.id, "month": text, "payments": len(payments),
        "paid_fen": sum(p[3] for p in payments), "awards": [low, high],
        "ledger_entry_id": posted.entry_id})
    lap("write payment rows")
    return posted.entry_id


def stop_deceased(db: Session, province: str, on: dt.date, actor_id: int | None) -> int:
    """Stop every award in the province whose pensioner has died (one query), turning months
    paid after the death into overpayments. Returns how many overpayments were found."""
    found = 0
    for award, person in db.execute(
        select(PensionAward, Person).join(Person, Person.id == PensionAward.person_id).where(
            PensionAward.province == province, PensionAward.status.in_(PAYABLE),
            Person.death_date.is_not(None),
        ).order_by(PensionAward.id)
    ):
        found += _stop_for_death(db, award, person, on, actor_id)
    return found


def payroll_runs(db: Session, user: User, province: str) -> list[PayrollRun]:
    _check_staff(user, "pension.read", _province(province))
    return list(db.scalars(select(PayrollRun).where(PayrollRun.province == province)
                           .order_by(PayrollRun.month.desc()).limit(120)))


# -- indexation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexationResult:
    province: str
    year: int
    effective_month: str
    indexed: int
    increase_fen: int


def index_pensions(
    db: Session, user: User, province: str, year: int, effective_month: str | None = None
) -> IndexationResult:
    """The year's increase for every award granted before the year, as a new amount from
    `effective_month` (January by default); the award itself is never edited.

    Idempotent: an award already indexed from that month is left alone. Refused when the
    payroll has already paid a month from `effective_month` on (back-dated top-ups are not
    supported: index before the month's payroll).
    """
    _check_staff(user, "pension.payroll", _province(province))
    if not 2016 <= year <= 2100:
        raise InputError("year", "must be a year from 2016 on")
    month = effective_month or f"{year}-01"
    if parse_month(month, "effective_month") // 12 != year:
        raise InputError("effective_month", f"must be a month of {year}")
    awards = list(db.scalars(
        select(PensionAward).where(
            PensionAward.province == province, PensionAward.status.in_(PAYABLE),
            PensionAward.first_month <= f"{year - 1}-12",
            ~exists().where(PensionAmount.award_id == PensionAward.id,
                            PensionAmount.effective_month == month),
        ).order_by(PensionAward.id)
    ))
    if not awards:
        return IndexationResult(province, year, month, 0, 0)
    ids = [a.id for a in awards]
    already = db.scalar(select(func.count(PensionPayment.id)).where(
        PensionPayment.award_id.in_(ids), PensionPayment.month >= month))
    if already:
        raise InputError("effective_month", f"{already} payments from {month} on were already "
                                            "made at the old amounts; index from a later month")
    snapshot = Policy.at(dt.date(year, 1, 1), province)
    used = b.indexation_arguments(snapshot, province)
    amounts: dict[int, list[PensionAmount]] = defaultdict(list)
    for amount in db.scalars(select(PensionAmount).where(PensionAmount.award_id.in_(ids))
                             .order_by(PensionAmount.effective_month)):
        amounts[amount.award_id].append(amount)
    births = dict(db.execute(select(Person.id, Person.birth_date).where(
        Person.id.in_([a.person_id for a in awards]))).all())
    current = [_amount_in_force(amounts[a.id], month) for a in awards]
    increase = pension.indexation_increase(
        [c.total_fen for c in current], [a.contribution_months for a in awards],
        [year - births[a.person_id].year for a in awards], **used.values,
    )
    parameters = used.explain()
    for i, (award, now) in enumerate(zip(awards, current, strict=True)):
        parts = {k: int(v[i]) for k, v in increase.items()}
        db.add(PensionAmount(
            award_id=award.id, effective_month=month,
            total_fen=now.total_fen + parts["increase"], account_part_fen=now.account_part_fen,
            reason="indexation",
            explanation=plain({"year": year, "before_fen": now.total_fen, "parts": parts,
                               "formula": "flat + years × per-year + pension × percentage + "
                                          "age tilt", "parameters": parameters}),
            recorded_by=user.id,
        ))
    db.flush()
    return IndexationResult(province, year, month, len(awards),
                            int(increase["increase"].sum()))


# -- survival authentication ---------------------------------------------------------------


@dataclass(frozen=True)
class Authenticated:
    authentication: SurvivalAuthentication
    resumed: bool
    arrears: list[PensionPayment]


def authenticate(
    db: Session, user: User, person_id: int, channel: str, *,
    on: dt.date | None = None, proxy_name: str | None = None,
    proxy_relationship: str | None = None,
) -> Authenticated:
    """Record that a pensioner is alive. A suspended award resumes at once, with the arrears
    of every month the province's payroll has already run."""
    person = person_for(db, user, person_id, "pension.authenticate")
    on = on or dt.date.today()
    if channel not in AUTH_CHANNELS:
        raise InputError("channel", "must be online, desk or proxy")
    if user.role == Role.citizen and channel != "online":
        raise InputError("channel", "a citizen authenticates online; desk and proxy are "
                                    "recorded by a clerk")
    if user.role != Role.citizen and channel == "online":
        raise InputError("channel", "online self-service is the pensioner's own")
    if channel == "proxy" and not ((proxy_name or "").strip() and (proxy_relationship or "")):
        raise InputError("proxy_name", "a proxy authentication names the family member and "
                                       "their relationship")
    if on > dt.date.today():
        raise InputError("on", "an authentication cannot be dated in the future")
    if person.death_date is not None:
        raise InputError("person_id", f"died on {person.death_date}")
    award = db.scalar(select(PensionAward).where(PensionAward.person_id == person.id,
                                                 PensionAward.status.in_(PAYABLE)))
    if award is None:
        raise InputError("person_id", "draws no pension to authenticate for")
    made = SurvivalAuthentication(
        person_id=person.id, channel=channel, authenticated_on=on, recorded_by=user.id,
        proxy_name=(proxy_name or "").strip() or None,
        proxy_relationship=proxy_relationship if channel == "proxy" else None,
    )
    db.add(made)
    db.flush()
    resumed = award.status == "suspended"
    arrears: list[PensionPayment] = []
    if resumed:
        last_run = db.scalar(select(func.max(PayrollRun.month)).where(
            PayrollRun.province == award.province))
        if last_run is None:
            award.status, award.suspended_from = "payment", None
        else:
            ctx = _context(db, [award], award.province, parse_month(last_run), on, user.id)
            arrears = _settle(db, award, parse_month(last_run), ctx, None).payments
    db.flush()
    return Authenticated(made, resumed, arrears)


def authentications_of(db: Session, user: User, person_id: int) -> list[SurvivalAuthentication]:
    person_for(db, user, person_id, "pension.read")
    return list(db.scalars(select(SurvivalAuthentication)
                           .where(SurvivalAuthentication.person_id == person_id)
                           .order_by(SurvivalAuthentication.authenticated_on.desc(),
                                     SurvivalAuthentication.id.desc())))


def next_authentication_due(db: Session, award: PensionAward) -> str:
    """The first month a new authentication is needed for (period + grace after the last)."""
    last = db.scalar(select(func.max(SurvivalAuthentication.authenticated_on)).where(
        SurvivalAuthentication.person_id == award.person_id))
    since = max(last or award.approved_on, award.approved_on)
    return format_month(int(pension.authentication_lapse(
        _month_of(since), **b.survival_authentication_months(
            Policy.at(dt.date.today(), award.province), award.province).values)))


def payments_of(db: Session, user: User, person_id: int) -> list[PensionPayment]:
    person_for(db, user, person_id, "pension.read")
    return list(db.scalars(
        select(PensionPayment)
        .where(PensionPayment.award_id.in_(  # through the awards: the table's one index
            select(PensionAward.id).where(PensionAward.person_id == person_id)))
        .order_by(PensionPayment.month.desc()).limit(600)))


def check(db: Session) -> list[str]:
    """Every breach of the payment rows' invariants, one sentence each; empty when all hold.

    `pension_payments` has no foreign keys (it is written by the million): every row names an
    existing award (and that award's pensioner), run and ledger entry, and its parts add up;
    each entry's payments match its lines — the settlement account credited with their sum,
    each person's sub-ledger line equal to their account parts.
    """
    problems: list[str] = []
    payment, award = PensionPayment.__table__, PensionAward.__table__
    for payment_id, award_id, person_id, owner in db.execute(
        select(payment.c.id, payment.c.award_id, payment.c.person_id, award.c.person_id)
        .outerjoin(award, award.c.id == payment.c.award_id)
        .where(award.c.id.is_(None) | (award.c.person_id != payment.c.person_id))
        .order_by(payment.c.id)
    ):
        problems.append(f"pension payment {payment_id}: " + (
            f"names award {award_id}, which does not exist" if owner is None else
            f"names person {person_id}, but award {award_id} is person {owner}'s"))
    runs, entries = PayrollRun.__table__, LedgerEntry.__table__
    for payment_id, run_id in db.execute(
        select(payment.c.id, payment.c.run_id)
        .where(payment.c.run_id.is_not(None),
               ~exists().where(runs.c.id == payment.c.run_id)).order_by(payment.c.id)
    ):
        problems.append(f"pension payment {payment_id}: names run {run_id}, which does not "
                        "exist")
    for payment_id, entry_id in db.execute(
        select(payment.c.id, payment.c.ledger_entry_id)
        .where(~exists().where(entries.c.id == payment.c.ledger_entry_id))
        .order_by(payment.c.id)
    ):
        problems.append(f"pension payment {payment_id}: names ledger entry {entry_id}, which "
                        "does not exist")
    for payment_id in db.scalars(
        select(payment.c.id).where(
            payment.c.pool_part_fen + payment.c.account_part_fen != payment.c.amount_fen)
        .order_by(payment.c.id)
    ):
        problems.append(f"pension payment {payment_id}: its pooled and account parts do not "
                        "add up to its amount")
    problems.extend(_entry_problems(db))
    return problems


def _entry_problems(db: Session) -> list[str]:
    """Each payment entry against its payment rows: settlement credit, persons' lines."""
    payment = PensionPayment.__table__
    lines, ledger_accounts = LedgerLine.__table__, LedgerAccount.__table__
    paid = select(payment.c.ledger_entry_id.label("entry_id"),
                  func.sum(payment.c.amount_fen).label("fen")) \
        .group_by(payment.c.ledger_entry_id).subquery()
    credited = select(lines.c.entry_id, (-func.sum(lines.c.amount_fen)).label("fen")) \
        .join(ledger_accounts, ledger_accounts.c.id == lines.c.account_id) \
        .where(ledger_accounts.c.kind == "settlement",
               lines.c.entry_id.in_(select(paid.c.entry_id))) \
        .group_by(lines.c.entry_id).subquery()
    problems = [
        f"ledger entry {entry_id}: credits {int(got or 0)} fen to settlement, but its pension "
        f"payments sum to {int(fen)} fen"
        for entry_id, fen, got in db.execute(
            select(paid.c.entry_id, paid.c.fen, credited.c.fen)
            .outerjoin(credited, credited.c.entry_id == paid.c.entry_id)
            .where(func.coalesce(credited.c.fen, 0) != paid.c.fen).order_by(paid.c.entry_id))
    ]
    sub = IndividualAccountLine.__table__
    parts = select(payment.c.ledger_entry_id.label("entry_id"), payment.c.person_id,
                   func.sum(payment.c.account_part_fen).label("fen")) \
        .where(payment.c.account_part_fen != 0) \
        .group_by(payment.c.ledger_entry_id, payment.c.person_id).subquery()
    debited = select(sub.c.entry_id, sub.c.person_id, func.sum(sub.c.amount_fen).label("fen")) \
        .where(sub.c.entry_id.in_(select(payment.c.ledger_entry_id))) \
        .group_by(sub.c.entry_id, sub.c.person_id).subquery()
    for entry_id, person_id, fen, got in ledger.differing(db, parts, debited,
                                                          ("entry_id", "person_id")):
        problems.append(f"ledger entry {entry_id}: debits person {person_id}'s account "
                        f"{int(got or 0)} fen, but their pension payments' account parts sum "
                        f"to {int(fen or 0)} fen")
    return problems


# -- overpayments ---------------------------------------------------------------------------


def overpayments(db: Session, user: User, province: str,
                 status: str | None = "open") -> list[Overpayment]:
    _check_staff(user, "pension.read", _province(province))
    query = (select(Overpayment).join(PensionAward, PensionAward.id == Overpayment.award_id)
             .where(PensionAward.province == province).order_by(Overpayment.id))
    if status is not None:
        query = query.where(Overpayment.status == status)
    return list(db.scalars(query))


def recover(
    db: Session, user: User, overpayment_id: int, amount_fen: int, received_on: dt.date,
    reference: str,
) -> Overpayment:
    """Money received back (from the estate or the bank's recall) clears the receivable.

    `reference` names the receipt (a bank statement line); the same reference again is the same
    recovery, never a second one.
    """
    require(user, "pension.recover")
    found = db.get(Overpayment, overpayment_id)
    if found is None:
        raise InputError("overpayment_id", f"no overpayment {overpayment_id}")
    person_for(db, user, found.person_id, "pension.recover")
    award = db.get(PensionAward, found.award_id)
    assert award is not None
    if received_on > dt.date.today():
        raise InputError("received_on", "cannot be in the future")
    check_reference(reference)
    key = f"pension-recovery-{found.id}-{reference}"
    outstanding = found.amount_fen - found.recovered_fen
    replay = ledger.PostingRequest(
        idempotency_key=key, kind="benefit",
        memo=f"recovery of overpayment {found.id} ({reference})", effective_date=received_on,
        lines=[(accounts.settlement(award.province), amount_fen),
               (accounts.pensioner_receivable(found.person_id), -amount_fen)],
    )
    seen = db.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.idempotency_key == key))
    if not seen and (amount_fen <= 0 or amount_fen > outstanding):
        raise InputError("amount_fen", f"must be between 1 and the {outstanding} fen still "
                                       "owed")
    posted = ledger.post_in(db, replay, award.province, user.id)
    if not posted.replayed:
        found.recovered_fen += amount_fen
        if found.recovered_fen == found.amount_fen:
            found.status = "recovered"
    db.flush()
    return found


# -- what the pensioner sees ----------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """My pension: the award, its amounts and payments after retirement; an estimate before."""

    person_id: int
    award: PensionAward | None
    amounts: list[PensionAmount]
    payments: list[PensionPayment]
    next_authentication_due: str | None
    estimate: service.Computed | None
    estimate_refused: str | None
    applications: list[service.PensionApplication]


def overview(db: Session, user: User, person_id: int,
             original_age_years: int | None = None) -> Overview:
    award = service.award_of(db, user, person_id)
    estimate, refused = None, None
    if award is None:
        try:
            estimate = service.estimate(db, user, person_id, original_age_years)
        except InputError as why:
            refused = f"{why.field}: {why.reason}"
    return Overview(
        person_id=person_id, award=award,
        amounts=service.amount_history(db, award.id) if award else [],
        payments=payments_of(db, user, person_id) if award else [],
        next_authentication_due=(next_authentication_due(db, award)
                                 if award and award.status != "stopped" else None),
        estimate=estimate, estimate_refused=refused,
        applications=service.applications_of(db, user, person_id),
    )

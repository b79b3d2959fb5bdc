"""Posting money: one balanced journal entry per call, idempotent, never half-done.

Rules every posting obeys (docs/ledger.md):

- An entry has at least two lines; no line is zero; the lines sum to zero (debit > 0,
  credit < 0). Every account code is well formed and, for a person or an employer, names one
  that exists. An account that may not go negative is not taken below zero.
- Every posting carries an idempotency key, unique in the database. The same key with the same
  request returns the first result without posting again; the same key with a different
  request is refused.
- A correction is a reversal: a new entry mirroring the original, at most one per entry.
- Persons' own accounts are a subsidiary ledger (`individual_account_lines`): a request's
  person lines are netted per person and account and written there, and their sum per account
  goes to the control account `individual:<account>:<province>` of the request's province.
  Each person's balance per account is kept in `individual_account_balances`, updated by the
  posting from its movements (one upsert, under each row's lock), which refuses the entry
  when an account would end below zero. Rows other domains keep (a paid bill's
  contribution rows) are movements too, by reference: every read of a person's movements
  goes through `movements()` (ledger/movements.py).
- One posting is one database transaction (the caller's session): the entry, its lines and the
  accounts' cached balances are written together inside a savepoint, so a failure part-way
  leaves nothing behind.

Concurrency. The accounts an entry touches are locked before their balances are read: on
PostgreSQL with SELECT ... FOR UPDATE in ascending id order (so two postings never wait on each
other in a cycle); on SQLite by the write transaction's BEGIN IMMEDIATE (one writer at a time;
sessions from `transaction(url, write=True)` or the API's `WriteDb`). The entry row is written
first, with INSERT ... ON CONFLICT DO NOTHING: two requests racing with one idempotency key
meet at its unique index, where the second waits for the first to commit, writes nothing and
returns the first's entry.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Select,
    Subquery,
    and_,
    bindparam,
    case,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from shebao.auth import authz
from shebao.auth.models import Role, User
from shebao.db.base import utcnow
from shebao.errors import InputError
from shebao.ledger import accounts
from shebao.ledger.models import (
    BigId,
    IndividualAccountBalance,
    IndividualAccountLine,
    LedgerAccount,
    LedgerEntry,
    LedgerLine,
    kept_balance,
)
from shebao.ledger.movements import explicit, movements, referenced, sources
from shebao.registry.models import Employer, Person
from shebao.registry.regions import NATION

MAX_LINES = 200_000
"""Most lines in one request. A contribution payment sends a few: its persons' lines come from
the bill's rows through an `IndividualSource`, whatever the employer's size."""
MAX_LINE_FEN = 10**16
"""Largest amount of one line: 100 trillion yuan."""
MAX_STATEMENT = 500
REVERSAL = "reversal"

_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/+=-]{0,127}")
_KIND = re.compile(r"[a-z][a-z0-9_.]{0,31}")


@dataclass(frozen=True, kw_only=True)
class PostingRequest:
    """What to post: `lines` are (account code, amount in fen; debit > 0, credit < 0)."""

    idempotency_key: str
    kind: str
    memo: str = ""
    effective_date: date
    lines: Sequence[tuple[str, int]]
    province: str | None = None
    """The province whose control accounts carry the lines naming persons' accounts; required
    when there are any (a move between provinces is two entries through a transit account)."""


@dataclass(frozen=True)
class PostedLine:
    account: str
    amount_fen: int  # debit > 0, credit < 0


@dataclass(frozen=True)
class PostingResult:
    entry_id: int
    idempotency_key: str
    kind: str
    memo: str
    effective_date: date
    posted_at: datetime
    lines: tuple[PostedLine, ...]
    reverses_entry_id: int | None = None
    replayed: bool = False
    """True when the key had been posted before and this is the stored first result."""
    province: str | None = None


@dataclass(frozen=True)
class StatementLine:
    line_id: int
    entry_id: int
    kind: str
    memo: str
    effective_date: date
    posted_at: datetime
    amount_fen: int  # in the account's normal sense: > 0 raises its balance
    side: str  # "debit" | "credit"
    reverses_entry_id: int | None


@dataclass(frozen=True)
class Statement:
    account: str
    kind: str
    normal_side: str
    allow_negative: bool
    balance_fen: int
    opened: bool
    lines: list[StatementLine] = field(default_factory=list)


# -- validation ------------------------------------------------------------------------------


def _check_key(key: object, field_name: str = "idempotency_key") -> str:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise InputError(field_name, "must be 1 to 128 letters, digits or . _ : / + = -, "
                                     "starting with a letter or digit")
    return key


def _check_memo(memo: object) -> str:
    if not isinstance(memo, str):
        raise InputError("memo", "must be text")
    if len(memo) > 500:
        raise InputError("memo", "is longer than 500 characters")
    return memo


def _check_date(value: object, field_name: str = "effective_date") -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InputError(field_name, "must be a date (YYYY-MM-DD)")
    return value


def _validate(
    request: PostingRequest, individual_total: int = 0
) -> list[tuple[accounts.AccountCode, int]]:
    _check_key(request.idempotency_key)
    if not isinstance(request.kind, str) or not _KIND.fullmatch(request.kind):
        raise InputError("kind", "must be 1 to 32 lower-case letters, digits, '_' or '.'")
    if request.kind == REVERSAL:
        raise InputError("kind", "reversal is reserved: reverse an entry instead")
    _check_memo(request.memo)
    _check_date(request.effective_date)
    lines = list(request.lines) if not isinstance(request.lines, str | bytes) else []
    if not lines:
        raise InputError("lines", "an entry needs lines: at least one debit and one credit")
    if len(lines) > MAX_LINES:
        raise InputError("lines", f"an entry has at most {MAX_LINES} lines")
    parsed: list[tuple[accounts.AccountCode, int]] = []
    for i, line in enumerate(lines):
        try:
            code, amount = line
        except (TypeError, ValueError):
            raise InputError(f"lines.{i}", "must be (account, amount_fen)") from None
        account = accounts.parse(code, f"lines.{i}.account")
        if account.kind.name == "individual":
            raise InputError(f"lines.{i}.account", "is a control account, moved only through "
                                                  "the persons' accounts (person:<account>:<id>)")
        if not isinstance(amount, int) or isinstance(amount, bool):
            raise InputError(f"lines.{i}.amount_fen", "must be a whole number of fen")
        if amount == 0:
            raise InputError(f"lines.{i}.amount_fen", "must not be zero")
        if abs(amount) > MAX_LINE_FEN:
            raise InputError(f"lines.{i}.amount_fen", f"must be at most {MAX_LINE_FEN} fen")
        parsed.append((account, amount))
    if len(parsed) + (1 if individual_total else 0) < 2:
        raise InputError("lines", "an entry needs at least one debit and one credit")
    total = sum(amount for _, amount in parsed) + individual_total
    if total != 0:
        debits = sum(a for _, a in parsed if a > 0)
        credits = -sum(a for _, a in parsed if a < 0)
        raise InputError("lines", f"debits ({debits} fen) and credits ({credits} fen) do not "
                                  f"balance: the lines sum to {total} fen, not 0")
    if request.province is not None:
        accounts.province(request.province)
    elif individual_total or any(spec.kind.name == "person" for spec, _ in parsed):
        raise InputError("province", "is required when a line names a person's account: the "
                                     "province whose control accounts carry it")
    return parsed


def request_hash(request: PostingRequest, individual: str | None = None) -> str:
    """sha256 of the request's canonical JSON: what "the same request" means for a key.

    `individual` is the reference of the person lines' source, if they come from one."""
    body: dict[str, object] = {
        "kind": request.kind,
        "memo": request.memo,
        "effective_date": request.effective_date.isoformat(),
        "lines": [[code, amount] for code, amount in request.lines],
    }
    if request.province is not None:
        body["province"] = request.province
    if individual is not None:
        body["individual"] = individual
    return _hash(body)


def _hash(body: dict[str, object]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# -- accounts --------------------------------------------------------------------------------


def _insert_or_skip(db: Session, table: Any, *returning: Any) -> Any:
    """INSERT into `table` that skips a row conflicting with a unique constraint (any of them:
    no conflict target) instead of failing; made once per dialect, table and RETURNING."""
    return _insert_or_skip_in(db.get_bind().dialect.name, table, returning)


@lru_cache(maxsize=8)
def _insert_or_skip_in(dialect: str, table: Any, returning: tuple[Any, ...]) -> Any:
    statement = _dialect_insert(dialect)(table).on_conflict_do_nothing()
    return statement.returning(*returning) if returning else statement


def _dialect_insert(dialect: str) -> Any:
    """The dialect's INSERT, which has ON CONFLICT."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - shebao runs on SQLite and PostgreSQL
        raise NotImplementedError(dialect)
    return dialect_insert


def _insert_missing(db: Session, specs: list[accounts.AccountCode]) -> None:
    """Create accounts that do not exist yet; a concurrent creator of the same code wins."""
    rows = [
        {"code": s.code, "kind": s.kind.name, "normal_side": s.normal_side.value,
         "allow_negative": s.allow_negative, "balance_fen": 0, "line_count": 0}
        for s in sorted(specs, key=lambda s: s.code)  # one order, so creators never deadlock
    ]
    db.execute(_insert_or_skip(db, LedgerAccount.__table__), rows)


def _check_owners(
    db: Session, specs: list[accounts.AccountCode], fields: dict[str, str]
) -> None:
    """Refuse accounts of persons or employers that do not exist: one query per owner kind."""
    person_ids = {s.person_id for s in specs if s.person_id is not None}
    employer_ids = {s.employer_id for s in specs if s.employer_id is not None}
    persons = set(db.scalars(select(Person.id).where(Person.id.in_(person_ids)))) \
        if person_ids else set()
    employers = set(db.scalars(select(Employer.id).where(Employer.id.in_(employer_ids)))) \
        if employer_ids else set()
    for spec in specs:
        if spec.person_id is not None and spec.person_id not in persons:
            raise InputError(fields[spec.code], f"no person with id {spec.person_id}")
        if spec.employer_id is not None and spec.employer_id not in employers:
            raise InputError(fields[spec.code], f"no employer with id {spec.employer_id}")


def _open(
    db: Session, specs: dict[str, accounts.AccountCode], fields: dict[str, str],
    existing: set[str] | None = None,
) -> None:
    """Create the accounts of `specs` not in `existing` (default: looked up here)."""
    if existing is None:
        existing = set(db.scalars(
            select(LedgerAccount.code).where(LedgerAccount.code.in_(specs))))
    missing = [spec for code, spec in specs.items() if code not in existing]
    if missing:
        _check_owners(db, missing, fields)
        _insert_missing(db, missing)


def open_account(db: Session, code: str) -> LedgerAccount:
    """The account named `code`, opened (created with balance 0) on first use.

    The kind, normal side and whether it may go negative follow from the code; a code naming
    a person or an employer that does not exist is refused. A person's individual account
    lives in the sub-ledger and has no row of its own: it is returned unsaved, with its
    balance.
    """
    spec = accounts.parse(code)
    if _is_individual(spec):
        _check_owners(db, [spec], {spec.code: "account"})
        return LedgerAccount(code=spec.code, kind=spec.kind.name,
                             normal_side=spec.normal_side.value,
                             allow_negative=spec.allow_negative,
                             balance_fen=_kept_balance(db, spec), line_count=0)
    _open(db, {spec.code: spec}, {spec.code: "account"})
    account = db.scalar(select(LedgerAccount).where(LedgerAccount.code == spec.code))
    assert account is not None
    return account


@dataclass
class _Locked:
    """An account row locked for a posting (plain values, no ORM object)."""

    id: int
    code: str
    balance_fen: int
    line_count: int
    sign: int
    allow_negative: bool


_ACCOUNTS = LedgerAccount.__table__
_ENTRIES = LedgerEntry.__table__
_INSERT_LINES = insert(LedgerLine.__table__)
_LOCK = (
    select(_ACCOUNTS.c.id, _ACCOUNTS.c.code, _ACCOUNTS.c.balance_fen, _ACCOUNTS.c.line_count,
           _ACCOUNTS.c.normal_side, _ACCOUNTS.c.allow_negative)
    .where(_ACCOUNTS.c.code.in_(bindparam("codes", expanding=True)))
    .order_by(_ACCOUNTS.c.id)
    .with_for_update()
)
_SET_BALANCE = (
    update(_ACCOUNTS).where(_ACCOUNTS.c.id == bindparam("account_id"))
    .values(balance_fen=bindparam("new_balance"), line_count=bindparam("new_count"))
)


def _lock(db: Session, codes: Sequence[str]) -> dict[str, _Locked]:
    """The accounts, locked for this transaction in ascending id order (PostgreSQL)."""
    return {
        code: _Locked(id_, code, balance, count, 1 if side == "debit" else -1, bool(negative))
        for id_, code, balance, count, side, negative in db.execute(_LOCK, {"codes": codes})
    }


def _update_balance(account: _Locked, delta_fen: int, lines: int) -> None:
    """Apply an entry's signed sum on one account (debit > 0) to its locked values."""
    account.balance_fen += account.sign * delta_fen
    account.line_count += lines


def _store_balances(db: Session, locked: dict[str, _Locked], deltas: dict[str, int],
                    counts: Counter[str]) -> None:
    """Write each account's new cached balance and line count (one executemany), and tell an
    account object the session already holds its new values, as if read back."""
    rows = []
    for code, delta in deltas.items():
        account = locked[code]
        _update_balance(account, delta, counts[code])
        rows.append({"account_id": account.id, "new_balance": account.balance_fen,
                     "new_count": account.line_count})
        held = db.identity_map.get((LedgerAccount, (account.id,), None))
        if held is not None:
            set_committed_value(held, "balance_fen", account.balance_fen)
            set_committed_value(held, "line_count", account.line_count)
    if rows:
        db.execute(_SET_BALANCE, rows)


# -- posting ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class IndividualSource:
    """Person lines read by the database instead of sent in the request.

    `select` yields (person_id, account, amount_fen) rows; `totals` is their signed sum per
    account, which the ledger posts to the control accounts. `reference` names the source in
    the request hash (the rows themselves are fixed by it, e.g. "bill:17").

    Without `link`, the ledger copies the rows into the sub-ledger with one INSERT ... SELECT
    and checks them against the totals. With `link`, nothing is copied: the rows are a
    registered movement source's (`ledger.movements`), and `link(entry_id)` — called in the
    posting's savepoint, after the entry is written — records in the caller's own tables what
    makes that source yield them for the entry (a payment row naming the entry); the ledger
    then checks the source's rows for the entry against the totals.
    """

    reference: str
    select: Select[Any]
    totals: dict[str, int]
    link: Callable[[int], None] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    """Values of `select`'s bound parameters (a statement made once, e.g. a bill's rows by
    `bill_id`)."""
    person_lines_in_result: bool = True
    """False: the posting's result lists its general lines only, and the copied rows are
    checked against the totals in the database, never read back (a payroll batch of 10,000
    pensioners has no use for 10,000 result lines; they are in the sub-ledger). Without
    `link` only."""


PersonLine = tuple[int, str, int]
"""(person_id, account, amount_fen) of the sub-ledger: debit > 0, credit < 0."""


def _personal(
    lines: list[tuple[accounts.AccountCode, int]], field_of: Callable[[int], str]
) -> tuple[list[tuple[accounts.AccountCode, int]], list[PersonLine], dict[int, str]]:
    """The general lines (in order), the person lines netted per (account, person), and the
    field of each person's first line."""
    general: list[tuple[accounts.AccountCode, int]] = []
    personal: dict[tuple[str, int], int] = defaultdict(int)
    fields: dict[int, str] = {}
    for i, (spec, amount) in enumerate(lines):
        if spec.kind.name == "person" and spec.person_id is not None:
            personal[(spec.code.split(":")[1], spec.person_id)] += amount
            fields.setdefault(spec.person_id, field_of(i))
        else:
            general.append((spec, amount))
    rows = [(pid, account, amount) for (account, pid), amount in sorted(personal.items())
            if amount]
    return general, rows, fields


def _chunks(ids: Sequence[int], size: int = 900) -> Iterator[list[int]]:
    """Id lists short enough for SQLite's bound-parameter limit."""
    for start in range(0, len(ids), size):
        yield list(ids[start:start + size])


def _check_persons(db: Session, rows: list[PersonLine], fields: dict[int, str]) -> None:
    """Refuse person lines of persons that do not exist (the sub-ledger has no foreign key)."""
    ids = sorted({pid for pid, _, _ in rows})
    found: set[int] = set()
    for chunk in _chunks(ids):
        found.update(db.scalars(select(Person.id).where(Person.id.in_(chunk))))
    for pid in ids:
        if pid not in found:
            raise InputError(fields[pid], f"no person with id {pid}")


_BALANCES = IndividualAccountBalance.__table__


@lru_cache(maxsize=2)
def _balance_upsert(dialect: str) -> Any:
    """Add an entry's movements, summed per person and account, to the kept balances (a row
    made for a person's first movement); the rows come back with their new balances (on
    PostgreSQL, only the first row left below zero, if any).

    PostgreSQL updates each row under its lock, on its latest committed version: two
    postings debiting one account never both see the same balance."""
    rows = movements()
    columns = [kept_balance(account) for account in accounts.PERSONAL_ACCOUNTS]
    moved = (
        select(rows.c.person_id, *(
            -func.sum(case((rows.c.account == account, rows.c.amount_fen), else_=0))
            for account in accounts.PERSONAL_ACCOUNTS))
        .where(rows.c.entry_id == bindparam("entry_id", type_=BigId))
        .group_by(rows.c.person_id)
        .order_by(rows.c.person_id)
    )
    upsert = _dialect_insert(dialect)(_BALANCES).from_select(
        ["person_id", *(c.name for c in columns)], moved)
    kept = upsert.on_conflict_do_update(
        index_elements=[_BALANCES.c.person_id],
        set_={c.name: c + upsert.excluded[c.name] for c in columns},
    ).returning(_BALANCES.c.person_id, *columns)
    if dialect != "postgresql":
        return kept
    after = kept.cte("kept")
    return select(after).where(or_(*(after.c[c.name] < 0 for c in columns))) \
        .order_by(after.c.person_id).limit(1)


def _keep_balances(db: Session, entry_id: int) -> tuple[int, str, int] | None:
    """Apply the entry's person movements to the kept balances; the first account (by
    person, account) it leaves below zero, as (person, account, balance), or None."""
    for person_id, *held in db.execute(
            _balance_upsert(db.get_bind().dialect.name), {"entry_id": entry_id}):
        for account, fen in zip(accounts.PERSONAL_ACCOUNTS, held, strict=True):
            if fen < 0:
                return int(person_id), account, int(fen)
    return None


def _write(
    db: Session,
    *,
    key: str,
    digest: str,
    kind: str,
    memo: str,
    effective_date: date,
    lines: list[tuple[accounts.AccountCode, int]],
    field_of: Callable[[int], str],
    actor_id: int | None,
    reverses: int | None = None,
    province: str | None = None,
    source: IndividualSource | None = None,
) -> PostingResult | None:
    """Write one entry, or None (nothing written) when its key or its reversal is taken."""
    general, person_rows, person_fields = _personal(lines, field_of)
    if source is not None:
        control = {a: t for a, t in source.totals.items() if t}
    else:
        control = defaultdict(int)
        for _, account, amount in person_rows:
            control[account] += amount
    personal_field = next(iter(person_fields.values()),
                          "entry_id" if reverses is not None else "lines")
    if not general and not person_rows and source is None:
        raise InputError("lines", "the lines cancel out on each account: nothing would move")
    ledger_lines = list(general)
    for account, total in sorted(control.items()):
        if total:
            assert province is not None  # _validate requires it with person lines
            ledger_lines.append((accounts.parse(accounts.individual(account, province)), total))

    # The key first: the entry row claims it (a key already taken, or a reversal's original
    # already reversed, writes nothing and answers None); then the accounts, locked; the
    # persons' balances last, once their movements are written.
    posted_at = utcnow()
    entry_id = db.execute(_insert_or_skip(db, _ENTRIES, _ENTRIES.c.id), {
        "idempotency_key": key, "request_hash": digest, "kind": kind, "memo": memo,
        "effective_date": effective_date, "posted_at": posted_at, "reverses_entry_id": reverses,
        "actor_id": actor_id, "province": province if (person_rows or control) else None,
    }).scalar()
    if entry_id is None:
        return None
    if person_rows and source is None:
        _check_persons(db, person_rows, person_fields)

    specs: dict[str, accounts.AccountCode] = {}
    fields: dict[str, str] = {}
    for i, (spec, _) in enumerate(ledger_lines):
        specs.setdefault(spec.code, spec)
        fields.setdefault(spec.code, field_of(i) if i < len(general) else personal_field)
    # Most postings touch accounts that exist: lock them at once, and open the missing ones
    # (then lock those too) only when there are any.
    codes = sorted(specs)
    locked = _lock(db, codes) if codes else {}
    if len(locked) < len(codes):
        _open(db, specs, fields, existing=set(locked))
        locked = _lock(db, codes)

    deltas: dict[str, int] = defaultdict(int)
    counts: Counter[str] = Counter()
    for spec, amount in ledger_lines:
        deltas[spec.code] += amount
        counts[spec.code] += 1
    for code, delta in deltas.items():
        account = locked[code]
        after = account.balance_fen + account.sign * delta
        if after < 0 and not account.allow_negative:
            raise InputError(fields[code], f"would take {code} below zero: its balance is "
                                           f"{account.balance_fen} fen, this entry leaves "
                                           f"{after} fen")

    # Plain statements rather than the unit of work: this is the hot path of every payment.
    if ledger_lines:
        # One executemany for the general lines (a manual entry may have many).
        db.execute(_INSERT_LINES, [
            {"entry_id": entry_id, "account_id": locked[spec.code].id, "amount_fen": amount}
            for spec, amount in ledger_lines
        ])
    if source is not None and source.link is not None:
        source.link(entry_id)
        person_rows = _referenced_lines(db, entry_id, control)
    elif source is not None and source.person_lines_in_result:
        person_rows = _copy_individual(db, entry_id, source, control)
    elif source is not None:
        _copy_unread(db, entry_id, source, control)
    elif person_rows:
        db.execute(insert(IndividualAccountLine.__table__), [
            {"entry_id": entry_id, "person_id": pid, "account": account, "amount_fen": amount}
            for pid, account, amount in person_rows
        ])
    if person_rows or control:  # (an unread copy leaves `person_rows` empty)
        overdrawn = _keep_balances(db, entry_id)
        if overdrawn is not None:
            pid, account, left = overdrawn
            raise InputError(person_fields.get(pid, personal_field),
                             f"would take {accounts.person(account, pid)} below zero: this "
                             f"entry leaves {left} fen")
    _store_balances(db, locked, deltas, counts)
    # The result from what was just written (as a replay reads it back), without reading it
    # again.
    return PostingResult(
        entry_id=entry_id, idempotency_key=key, kind=kind, memo=memo,
        effective_date=effective_date, posted_at=posted_at,
        lines=_result_lines([(spec.code, amount) for spec, amount in general], person_rows),
        reverses_entry_id=reverses, replayed=False, province=province,
    )


def _copy_individual(
    db: Session, entry_id: int, source: IndividualSource, control: dict[str, int]
) -> list[PersonLine]:
    """Copy a source's person lines into the sub-ledger with one INSERT ... SELECT; refuse
    (AssertionError, the savepoint rolls back) unless they sum to the control lines."""
    written = db.execute(_copy_statement(source.select, returning=True),
                         {**source.params, "copy_entry_id": entry_id}).all()
    return _matching(entry_id, written, control)


def _copy_unread(
    db: Session, entry_id: int, source: IndividualSource, control: dict[str, int]
) -> None:
    """`_copy_individual` without reading the rows back: their sums per account are checked
    against the control lines in the database."""
    db.execute(_copy_statement(source.select, returning=False),
               {**source.params, "copy_entry_id": entry_id})
    lines = IndividualAccountLine.__table__
    _check_sums(entry_id, {str(account): int(total) for account, total in db.execute(
        select(lines.c.account, func.sum(lines.c.amount_fen))
        .where(lines.c.entry_id == entry_id).group_by(lines.c.account))}, control)


def _check_sums(entry_id: int, sums: dict[str, int], control: dict[str, int]) -> None:
    """AssertionError (the savepoint rolls back) unless the person lines' sums per account are
    the control lines."""
    if sums != control:
        raise AssertionError(f"entry {entry_id}: the source's person lines sum to "
                             f"{sums}, not to the control lines {control}")


def _matching(entry_id: int, rows: Sequence[Any], control: dict[str, int]) -> list[PersonLine]:
    """The person lines, by account and person; AssertionError (the savepoint rolls back)
    unless they sum to the control lines."""
    sums: dict[str, int] = defaultdict(int)
    for _, account, amount in rows:
        sums[account] += amount
    _check_sums(entry_id, dict(sums), control)
    return sorted(((int(p), str(a), int(x)) for p, a, x in rows),
                  key=lambda row: (row[1], row[0]))


def _referenced_lines(db: Session, entry_id: int, control: dict[str, int]) -> list[PersonLine]:
    """The movements a registered source now yields for the entry its caller just linked,
    checked against the control lines."""
    return _matching(entry_id, _individual_lines(db, entry_id), control)


@lru_cache(maxsize=32)
def _copy_statement(rows: Select[Any], returning: bool) -> Any:
    """The INSERT ... SELECT of a source's rows, returning them or not (made once for a
    source's statement that is reused with parameters, such as a bill's)."""
    table = IndividualAccountLine.__table__
    rows_of = rows.subquery()
    copy = insert(table).from_select(
        ["entry_id", "person_id", "account", "amount_fen"],
        select(bindparam("copy_entry_id", type_=BigId), rows_of.c[0], rows_of.c[1],
               rows_of.c[2]).where(rows_of.c[2] != 0),
    )
    return copy.returning(table.c.person_id, table.c.account, table.c.amount_fen) \
        if returning else copy


@lru_cache(maxsize=1)
def _entry_movements() -> Select[Any]:
    """An entry's person movements by account and person (built once: every posting reads
    its own, and building the union of the sources cost more than running it)."""
    rows = movements()
    return (select(rows.c.person_id, rows.c.account, rows.c.amount_fen)
            .where(rows.c.entry_id == bindparam("entry_id", type_=BigId))
            .order_by(rows.c.account, rows.c.person_id))


def _individual_lines(db: Session, entry_id: int) -> list[PersonLine]:
    return [(int(p), str(a), int(x))
            for p, a, x in db.execute(_entry_movements(), {"entry_id": entry_id})]


def _result_lines(general: list[tuple[str, int]], persons: list[PersonLine]
                  ) -> tuple[PostedLine, ...]:
    """An entry's lines as its poster sees them: the general lines other than control lines,
    in order, then the person lines by account and person."""
    return tuple(
        [PostedLine(code, amount) for code, amount in general
         if not code.startswith("individual:")]
        + [PostedLine(accounts.person(account, pid), amount) for pid, account, amount in persons]
    )


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every timestamp shebao stores is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _by_key(db: Session, key: str) -> LedgerEntry | None:
    return db.scalar(
        select(LedgerEntry).where(LedgerEntry.idempotency_key == key)
        .execution_options(populate_existing=True)
    )


def _general_lines(db: Session, entry_id: int) -> list[tuple[str, int]]:
    return [(code, int(amount)) for code, amount in db.execute(
        select(LedgerAccount.code, LedgerLine.amount_fen)
        .join(LedgerLine, LedgerLine.account_id == LedgerAccount.id)
        .where(LedgerLine.entry_id == entry_id)
        .order_by(LedgerLine.id)
    )]


def _result(db: Session, entry: LedgerEntry, replayed: bool) -> PostingResult:
    return PostingResult(
        entry_id=entry.id, idempotency_key=entry.idempotency_key, kind=entry.kind,
        memo=entry.memo, effective_date=entry.effective_date, posted_at=_utc(entry.posted_at),
        lines=_result_lines(_general_lines(db, entry.id), _individual_lines(db, entry.id)),
        reverses_entry_id=entry.reverses_entry_id, replayed=replayed, province=entry.province,
    )


def _replay(db: Session, entry: LedgerEntry, digest: str) -> PostingResult:
    if entry.request_hash != digest:
        raise InputError("idempotency_key", "already used for a different posting")
    return _result(db, entry, replayed=True)


def _post_once_or_replay(
    db: Session, key: str, digest: str, write: Callable[[], PostingResult | None],
    on_conflict: Callable[[], None] = lambda: None,
) -> PostingResult:
    """Write the entry inside a savepoint (a failure part-way leaves nothing behind), or, when
    its key is taken (posted before, or by a concurrent posting that committed first: the
    insert waits for it), answer with the stored first result. `on_conflict` refuses a
    conflict that is not the key's (an entry reversed meanwhile)."""
    with db.begin_nested():
        written = write()
    if written is not None:
        return written
    existing = _by_key(db, key)
    if existing is not None:
        return _replay(db, existing, digest)
    on_conflict()
    raise AssertionError(f"the entry of key {key} conflicts with a stored one")


def post(
    db: Session, request: PostingRequest, actor_id: int | None = None,
    individual: IndividualSource | None = None,
) -> PostingResult:
    """Post one balanced entry, or return the first result for a key already posted.

    Lines naming a person's account go to the sub-ledger, and their sum per account to the
    control account of `request.province`. `individual` adds person lines that the database
    reads from a table (a bill's contribution rows) instead of the request; the request's
    lines then balance with the source's totals.

    Raises InputError naming the field for a malformed request, an unknown account, an account
    that would go below zero, or a key already used for a different request. Writes in the
    caller's transaction; the caller commits.
    """
    lines = _validate(request, sum(individual.totals.values()) if individual else 0)
    digest = request_hash(request, individual.reference if individual else None)
    return _post_once_or_replay(
        db, request.idempotency_key, digest,
        lambda: _write(
            db, key=request.idempotency_key, digest=digest, kind=request.kind,
            memo=request.memo, effective_date=request.effective_date, lines=lines,
            field_of=lambda i: f"lines.{i}.account", actor_id=actor_id,
            province=request.province, source=individual,
        ),
    )


def post_in(
    db: Session, request: PostingRequest, province: str, actor_id: int | None = None
) -> PostingResult:
    """`post` an entry that moves `province`'s funds: its person lines go to that province's
    control accounts (benefits and the supplementary pillars post this way)."""
    return post(db, replace(request, province=province), actor_id=actor_id)


def _reversal_of(db: Session, entry_id: int) -> int | None:
    return db.scalar(select(LedgerEntry.id).where(LedgerEntry.reverses_entry_id == entry_id))


def reverse(
    db: Session,
    entry_id: int,
    idempotency_key: str,
    memo: str = "",
    actor_id: int | None = None,
    effective_date: date | None = None,
    link: Callable[[int], None] | None = None,
) -> PostingResult:
    """Post the mirror of entry `entry_id` (every line negated), once.

    `link(reversal_entry_id)` records the reversal in the caller's tables inside the posting;
    it is required when the original's person movements come from a registered source, whose
    record of the reversal then yields them negated (a contribution payment is reversed
    through `contributions.service.reverse_payment`, which links it to the payment).

    Refused: an unknown entry, an entry that is itself a reversal, an entry already reversed,
    an entry whose person movements a source keeps reversed without `link`, and a reversal
    that would take an account below zero (its money has moved on since).
    """
    _check_key(idempotency_key)
    _check_memo(memo)
    if effective_date is not None:
        _check_date(effective_date)
    body: dict[str, object] = {"reverses": entry_id, "memo": memo}
    if effective_date is not None:
        body["effective_date"] = effective_date.isoformat()
    digest = _hash(body)

    def already_reversed() -> None:
        done = _reversal_of(db, entry_id)
        if done is not None:
            raise InputError("entry_id", f"entry {entry_id} is already reversed by entry {done}")

    def write() -> PostingResult | None:
        original = db.get(LedgerEntry, entry_id)
        if original is None:
            raise InputError("entry_id", f"no ledger entry {entry_id}")
        if original.reverses_entry_id is not None:
            raise InputError("entry_id", f"entry {entry_id} is a reversal; post the original "
                                         "movement again instead of reversing a reversal")
        if _by_key(db, idempotency_key) is not None:
            return None  # this very reversal, posted before: answered as its replay
        already_reversed()  # by another key: refused before anything is written
        # The general lines mirrored as they are; the person lines negated in the database (a
        # large employer's payment has hundreds of thousands): explicit lines copied, a
        # source's movements by the caller's link; the control lines recomputed from them,
        # which mirrors the original's.
        lines = [(accounts.parse(code), -amount) for code, amount in
                 _general_lines(db, entry_id) if not code.startswith("individual:")]
        kept = referenced()
        by_reference = kept is not None and db.scalar(
            select(kept.c.entry_id).where(kept.c.entry_id == entry_id).limit(1)) is not None
        rows = kept if by_reference and kept is not None else explicit().subquery()
        if by_reference and link is None:
            raise InputError("entry_id", f"entry {entry_id}'s person movements are kept by "
                                         f"{_keeper(db, entry_id)}: reverse it there")
        totals = {account: -int(total) for account, total in db.execute(
            select(rows.c.account, func.sum(rows.c.amount_fen))
            .where(rows.c.entry_id == entry_id).group_by(rows.c.account))}
        source = IndividualSource(
            reference=f"reversal:{entry_id}",
            select=select(rows.c.person_id, rows.c.account, -rows.c.amount_fen)
            .where(rows.c.entry_id == entry_id),
            totals=totals, link=link if by_reference else None,
        ) if totals else None
        written = _write(
            db, key=idempotency_key, digest=digest, kind=REVERSAL, memo=memo,
            effective_date=effective_date or date.today(), lines=lines,
            field_of=lambda _i: "entry_id", actor_id=actor_id, reverses=entry_id,
            province=original.province, source=source,
        )
        if link is not None and not by_reference:
            link(written.entry_id)
        return written

    return _post_once_or_replay(db, idempotency_key, digest, write, already_reversed)


def _keeper(db: Session, entry_id: int) -> str:
    """The name of the registered source that keeps an entry's person movements."""
    for name in sources():
        rows = referenced(name)
        if rows is not None and db.scalar(
                select(rows.c.entry_id).where(rows.c.entry_id == entry_id).limit(1)):
            return name
    return "another domain"


# -- reading ---------------------------------------------------------------------------------


def require_reach(db: Session, user: User, code: str) -> accounts.AccountCode:
    """The parsed code if `user` may read the account; else Forbidden (403) or NotFound (404).

    A citizen reaches their own person accounts, an employer its own receivable; staff reach a
    province's funds within their region, a person's accounts through the person's residence
    region, an employer's through its region; the central fund and transit accounts only from
    the national level.
    """
    authz.require(user, "ledger.read")
    spec = accounts.parse(code)
    if spec.person_id is not None:
        authz.person_for(db, user, spec.person_id, "ledger.read")
    elif spec.employer_id is not None:
        authz.employer_for(db, user, spec.employer_id, "ledger.read")
    elif spec.region is not None:
        if not authz.may_reach_region(user, spec.region):
            raise authz.NotFound(code)
    elif Role(user.role) in (Role.citizen, Role.employer) or user.region_code != NATION:
        raise authz.NotFound(code)
    return spec


# -- balances and statements ----------------------------------------------------------------


def _kept_balance(db: Session, spec: accounts.AccountCode) -> int:
    """What a person's account holds (normal sense), as kept by the postings."""
    return int(db.scalar(select(kept_balance(spec.code.split(":")[1])).where(
        _BALANCES.c.person_id == spec.person_id)) or 0)


def _person_total(db: Session, spec: accounts.AccountCode) -> int:
    """The signed sum of a person account's movements (debit > 0)."""
    rows = movements()
    return int(db.scalar(
        select(func.coalesce(func.sum(rows.c.amount_fen), 0))
        .where(rows.c.person_id == spec.person_id, rows.c.account == spec.code.split(":")[1])
    ) or 0)


def _is_individual(spec: accounts.AccountCode) -> bool:
    return spec.kind.name == "person" and spec.person_id is not None


def balance(db: Session, code: str) -> int:
    """The balance of `code` in fen, in its normal sense (a fund holding 100 yuan: 10000).

    An account never posted to has balance 0; a malformed code is refused. A person's
    individual account is the sum of its movements (`ledger.movements`), as kept.
    """
    spec = accounts.parse(code)
    if _is_individual(spec):
        return _kept_balance(db, spec)
    found = db.scalar(select(LedgerAccount.balance_fen).where(LedgerAccount.code == spec.code))
    return int(found or 0)


def person_balance_in(db: Session, code: str, province: str) -> int:
    """A person's individual account as held under `province`'s control account (fen): what a
    transfer out of that province can move (a person may hold money in several provinces)."""
    spec = accounts.parse(code)
    if not _is_individual(spec):
        raise InputError("account", f"{code} is not a person's individual account")
    rows = movements()
    return -int(db.scalar(
        select(func.coalesce(func.sum(rows.c.amount_fen), 0))
        .join(LedgerEntry, LedgerEntry.id == rows.c.entry_id)
        .where(rows.c.person_id == spec.person_id,
               rows.c.account == spec.code.split(":")[1],
               LedgerEntry.province == province)
    ) or 0)


def person_balances(db: Session, account: str, persons: Select[Any]) -> dict[int, int]:
    """The balances (normal sense) of many persons' `account` (e.g. "pension") in one query:
    person id → fen, for the persons `persons` selects (one column of ids) that have
    movements; the others hold 0. What `balance` gives for each `person:<account>:<id>`, read
    set-wise for a batch (the pension payroll reads 10,000 accounts at once)."""
    if not _is_individual(accounts.parse(accounts.person(account, 1), "account")):
        raise InputError("account", f"{account} is not a kind of individual account")
    person = persons.subquery().c[0]
    # A probe of the balances' key per person: a semi-join would let the planner scan every
    # person's balance for a batch of a few thousand.
    kept = select(kept_balance(account)).where(_BALANCES.c.person_id == person) \
        .scalar_subquery()
    return {int(p): int(b) for p, b in db.execute(select(person, kept)) if b is not None}


def replayed_balance(db: Session, code: str) -> int:
    """The balance recomputed from the account's lines, ignoring the cached balance."""
    spec = accounts.parse(code)
    if _is_individual(spec):
        return -_person_total(db, spec)
    total = db.scalar(
        select(func.coalesce(func.sum(LedgerLine.amount_fen), 0))
        .join(LedgerAccount, LedgerLine.account_id == LedgerAccount.id)
        .where(LedgerAccount.code == spec.code)
    )
    return (1 if spec.normal_side == accounts.Side.debit else -1) * int(total or 0)


def statement(
    db: Session, code: str, limit: int = 50, before_id: int | None = None
) -> Statement:
    """The account's balance and its lines, newest first; page on with `before_id`.

    A person's individual account lists its movements; their `line_id` is the entry's id (a
    person has one movement per account in an entry)."""
    spec = accounts.parse(code)
    if not isinstance(limit, int) or not 1 <= limit <= MAX_STATEMENT:
        raise InputError("limit", f"must be between 1 and {MAX_STATEMENT}")
    if _is_individual(spec):
        return _person_statement(db, spec, limit, before_id)
    account = db.scalar(select(LedgerAccount).where(LedgerAccount.code == spec.code))
    if account is None:
        return Statement(spec.code, spec.kind.name, spec.normal_side.value, spec.allow_negative,
                         0, opened=False)
    query = (
        select(LedgerLine, LedgerEntry)
        .join(LedgerEntry, LedgerLine.entry_id == LedgerEntry.id)
        .where(LedgerLine.account_id == account.id)
        .order_by(LedgerLine.id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(LedgerLine.id < before_id)
    lines = [
        StatementLine(
            line_id=line.id, entry_id=entry.id, kind=entry.kind, memo=entry.memo,
            effective_date=entry.effective_date, posted_at=_utc(entry.posted_at),
            amount_fen=account.sign * line.amount_fen,
            side="debit" if line.amount_fen > 0 else "credit",
            reverses_entry_id=entry.reverses_entry_id,
        )
        for line, entry in db.execute(query)
    ]
    return Statement(account.code, account.kind, account.normal_side, account.allow_negative,
                     account.balance_fen, opened=True, lines=lines)


def _person_statement(
    db: Session, spec: accounts.AccountCode, limit: int, before_id: int | None
) -> Statement:
    table = movements()
    query = (
        select(table.c.amount_fen, LedgerEntry)
        .join(LedgerEntry, LedgerEntry.id == table.c.entry_id)
        .where(table.c.person_id == spec.person_id, table.c.account == spec.code.split(":")[1])
        .order_by(table.c.entry_id.desc())
        .limit(limit)
    )
    if before_id is not None:
        query = query.where(table.c.entry_id < before_id)
    lines = [
        StatementLine(
            line_id=entry.id, entry_id=entry.id, kind=entry.kind, memo=entry.memo,
            effective_date=entry.effective_date, posted_at=_utc(entry.posted_at),
            amount_fen=-amount, side="debit" if amount > 0 else "credit",
            reverses_entry_id=entry.reverses_entry_id,
        )
        for amount, entry in db.execute(query)
    ]
    opened = bool(lines) or db.scalar(
        select(table.c.entry_id).where(table.c.person_id == spec.person_id,
                                       table.c.account == spec.code.split(":")[1]).limit(1)
    ) is not None
    return Statement(spec.code, spec.kind.name, spec.normal_side.value, spec.allow_negative,
                     _kept_balance(db, spec), opened=opened, lines=lines)


# -- invariants ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    entries: int
    lines: int
    accounts: int
    individual_lines: int = 0
    """Movements of individual accounts: explicit sub-ledger lines and registered sources'."""


def totals(db: Session) -> Totals:
    return Totals(
        entries=db.scalar(select(func.count()).select_from(LedgerEntry)) or 0,
        lines=db.scalar(select(func.count()).select_from(LedgerLine)) or 0,
        accounts=db.scalar(select(func.count()).select_from(LedgerAccount)) or 0,
        individual_lines=db.scalar(select(func.count()).select_from(movements())) or 0,
    )


def check(db: Session) -> list[str]:
    """Every breach of the ledger's invariants, one sentence each; empty when all hold."""
    problems: list[str] = []

    unbalanced = db.execute(
        select(LedgerLine.entry_id, func.sum(LedgerLine.amount_fen))
        .group_by(LedgerLine.entry_id)
        .having(func.sum(LedgerLine.amount_fen) != 0)
        .order_by(LedgerLine.entry_id)
    )
    for entry_id, total in unbalanced:
        problems.append(f"entry {entry_id}: its lines sum to {int(total)} fen, not 0")

    sub = movements()
    lineless = db.scalars(
        select(LedgerEntry.id)
        .where(~select(LedgerLine.id).where(LedgerLine.entry_id == LedgerEntry.id).exists(),
               ~select(sub.c.entry_id).where(sub.c.entry_id == LedgerEntry.id).exists())
        .order_by(LedgerEntry.id)
    )
    for entry_id in lineless:
        problems.append(f"entry {entry_id}: has no lines")

    short = db.execute(
        select(LedgerLine.entry_id, func.count())
        .group_by(LedgerLine.entry_id)
        .having(func.count() < 2)
        .order_by(LedgerLine.entry_id)
    )
    for entry_id, count in short:
        problems.append(f"entry {entry_id}: has {count} line; an entry needs at least two")

    for line_id, entry_id in db.execute(
        select(LedgerLine.id, LedgerLine.entry_id).where(LedgerLine.amount_fen == 0)
    ):
        problems.append(f"entry {entry_id}: line {line_id} is zero")

    sums = (
        select(
            LedgerLine.account_id,
            func.sum(LedgerLine.amount_fen).label("total"),
            func.count().label("n"),
        )
        .group_by(LedgerLine.account_id)
        .subquery()
    )
    rows = db.execute(
        select(LedgerAccount, sums.c.total, sums.c.n)
        .outerjoin(sums, sums.c.account_id == LedgerAccount.id)
        .order_by(LedgerAccount.id)
    )
    for account, total, count in rows:
        problems.extend(_account_problems(account, int(total or 0), int(count or 0)))

    problems.extend(_reversal_problems(db))
    problems.extend(_individual_problems(db))
    return problems


def _individual_problems(db: Session) -> list[str]:
    """The persons' movements against their control accounts: per entry, per control account,
    per person.

    Every entry's person movements sum, per account, to its control line on that account in
    the entry's province (and an entry has no other control lines); each control account's
    balance is the sum of the movements posted to its province; nobody's account is below
    zero; every movement names an existing entry and person (neither the sub-ledger nor the
    registered sources' rows have foreign keys). A registered source's row changed or
    deleted after posting shows here as an entry whose movements no longer sum to its
    control line. Each person's kept balance is the sum of their movements.
    """
    problems: list[str] = []
    sub = movements()
    persons: dict[tuple[int, str], int] = {
        (int(e), str(a)): int(t) for e, a, t in db.execute(
            select(sub.c.entry_id, sub.c.account, func.sum(sub.c.amount_fen))
            .group_by(sub.c.entry_id, sub.c.account))
    }
    provinces: dict[int, str | None] = {
        int(e): p for e, p in db.execute(
            select(LedgerEntry.id, LedgerEntry.province)
            .where(LedgerEntry.id.in_(select(sub.c.entry_id).distinct())
                   | LedgerEntry.province.is_not(None)))
    }
    control: dict[tuple[int, str], int] = defaultdict(int)
    for entry_id, code, total in db.execute(
        select(LedgerLine.entry_id, LedgerAccount.code, func.sum(LedgerLine.amount_fen))
        .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
        .where(LedgerAccount.kind == "individual")
        .group_by(LedgerLine.entry_id, LedgerAccount.code)
    ):
        _, account, province = code.split(":")
        if provinces.get(entry_id) != province:
            problems.append(f"entry {entry_id}: posts to {code}, but its person lines belong "
                            f"to province {provinces.get(entry_id)}")
        control[(entry_id, account)] += int(total)
    for key in sorted(set(persons) | set(control)):
        entry_id, account = key
        if entry_id not in provinces:
            problems.append(f"entry {entry_id}: has person lines but no such entry exists")
        elif persons.get(key, 0) != control.get(key, 0):
            problems.append(f"entry {entry_id}: its {account} person lines sum to "
                            f"{persons.get(key, 0)} fen, its control line to "
                            f"{control.get(key, 0)} fen")

    held: dict[str, int] = defaultdict(int)
    for (entry_id, account), total in persons.items():
        if provinces.get(entry_id):
            held[accounts.individual(account, str(provinces[entry_id]))] -= total
    for code, cached in db.execute(
        select(LedgerAccount.code, LedgerAccount.balance_fen)
        .where(LedgerAccount.kind == "individual")
    ):
        held.setdefault(code, 0)
        if int(cached) != held[code]:
            problems.append(f"account {code}: holds {cached} fen, but its persons' lines give "
                            f"{held[code]} fen")
    for code in sorted(c for c, total in held.items() if total):
        if not db.scalar(select(LedgerAccount.id).where(LedgerAccount.code == code)):
            problems.append(f"account {code}: its persons' lines give {held[code]} fen, but "
                            "the control account does not exist")

    held = select(sub.c.person_id, sub.c.account,
                  (-func.sum(sub.c.amount_fen)).label("fen")) \
        .group_by(sub.c.person_id, sub.c.account).subquery()
    for person_id, account, total in db.execute(
        select(held.c.person_id, held.c.account, held.c.fen).where(held.c.fen < 0)
        .order_by(held.c.person_id, held.c.account)
    ):
        problems.append(f"account {accounts.person(account, person_id)}: below zero "
                        f"({int(total)} fen) but may not go negative")
    kept = union_all(*(
        select(_BALANCES.c.person_id, literal(account, held.c.account.type).label("account"),
               kept_balance(account).label("fen")).where(kept_balance(account) != 0)
        for account in accounts.PERSONAL_ACCOUNTS)).subquery("kept")
    for person_id, account, total, cached in differing(db, held, kept,
                                                      ("person_id", "account")):
        problems.append(f"account {accounts.person(account, person_id)}: cached balance "
                        f"{int(cached or 0)} fen, but its movements give {int(total or 0)} fen")
    for person_id in db.scalars(
        select(sub.c.person_id).distinct()
        .where(~select(Person.id).where(Person.id == sub.c.person_id).exists())
        .order_by(sub.c.person_id)
    ):
        problems.append(f"person {person_id}: has individual account lines but is not "
                        "registered")
    return problems


def differing(db: Session, left: Subquery, right: Subquery, keys: Sequence[str]
              ) -> list[Any]:
    """Where two tallies disagree: `left` and `right` have the columns `keys` and `fen`, one
    row per key; a key missing on one side counts as 0 there. Rows (keys..., left fen, right
    fen), ordered by the keys — what the checks report."""
    matched = [func.coalesce(left.c[k], right.c[k]).label(f"{k}_key") for k in keys]
    return list(db.execute(
        select(*matched, left.c.fen, right.c.fen)
        .select_from(left.join(right, and_(*(left.c[k] == right.c[k] for k in keys)),
                               full=True))
        .where(func.coalesce(left.c.fen, 0) != func.coalesce(right.c.fen, 0))
        .order_by(*matched)))


def _account_problems(account: LedgerAccount, total: int, count: int) -> list[str]:
    problems: list[str] = []
    name = f"account {account.code}"
    try:
        spec = accounts.parse(account.code)
    except InputError as bad:
        return [f"{name}: malformed code ({bad.reason})"]
    if (account.kind, account.normal_side, bool(account.allow_negative)) != (
        spec.kind.name, spec.normal_side.value, spec.allow_negative
    ):
        problems.append(
            f"{name}: stored as {account.kind}/{account.normal_side}/allow_negative="
            f"{bool(account.allow_negative)}, its code says {spec.kind.name}/"
            f"{spec.normal_side.value}/allow_negative={spec.allow_negative}"
        )
    replayed = account.sign * total
    if account.balance_fen != replayed:
        problems.append(f"{name}: cached balance {account.balance_fen} fen, but its lines give "
                        f"{replayed} fen")
    if account.line_count != count:
        problems.append(f"{name}: counts {account.line_count} lines, but has {count}")
    if not spec.allow_negative and min(replayed, account.balance_fen) < 0:
        problems.append(f"{name}: below zero ({replayed} fen) but may not go negative")
    return problems


def _reversal_problems(db: Session) -> list[str]:
    problems: list[str] = []
    twice = db.execute(
        select(LedgerEntry.reverses_entry_id, func.count())
        .where(LedgerEntry.reverses_entry_id.is_not(None))
        .group_by(LedgerEntry.reverses_entry_id)
        .having(func.count() > 1)
    )
    for original, count in twice:
        problems.append(f"entry {original}: reversed {count} times")

    pairs = db.execute(
        select(LedgerEntry.id, LedgerEntry.reverses_entry_id)
        .where(LedgerEntry.reverses_entry_id.is_not(None))
        .order_by(LedgerEntry.id)
    ).all()
    if not pairs:
        return problems
    involved = sorted({i for pair in pairs for i in pair})
    lines: dict[int, Counter[tuple[int, int]]] = defaultdict(Counter)
    reversals: set[int] = set()
    for start in range(0, len(involved), 1000):
        chunk = involved[start:start + 1000]
        for entry_id, account_id, amount in db.execute(
            select(LedgerLine.entry_id, LedgerLine.account_id, LedgerLine.amount_fen)
            .where(LedgerLine.entry_id.in_(chunk))
        ):
            lines[entry_id][(account_id, int(amount))] += 1
        reversals.update(db.scalars(
            select(LedgerEntry.id)
            .where(LedgerEntry.id.in_(chunk), LedgerEntry.reverses_entry_id.is_not(None))
        ))
    for reversal, original in pairs:
        if original in reversals:
            problems.append(f"entry {reversal}: reverses entry {original}, itself a reversal")
        mirror = Counter({(a, -amount): n for (a, amount), n in lines[original].items()})
        if lines[reversal] != mirror:
            problems.append(f"entry {reversal}: does not mirror entry {original}, "
                            "which it reverses")
    return problems

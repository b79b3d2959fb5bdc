"""The month-end bulk path: a month of declarations for many employers, billed and posted at once.

`run_month` produces exactly what declaring every employer's rows through `service.declare`
and paying every bill through `service.pay` on one day would write — the same declarations,
bills (with their terms) and contribution rows (the same amounts, enrolled-scheme filter and
relief factors), the same payments and one ledger entry per bill with the same idempotency
key, memo, general lines in the same order, request hash, province and persons' movements
(the paid bills' contribution rows, by reference: nothing copied) — but set-based, on
PostgreSQL only:

- the registry is read, not joined on the server: the employment spells in the month of the
  declaring employers, and the enrollments in force (of the declared persons, or all of them
  for a large run: one pass is cheaper than a million probes), each as one binary value; the
  rows are matched with them in numpy (person known, employed there, enrolled schemes);
- pricing is `policy.billing.monthly_bill`, vectorized per (province, enterprise size, public
  body) group with the work-injury class per person, rather than per employer: the rules are
  kept per province and relief rules name provinces and sizes, so a group prices exactly as
  its employers would;
- ids of declarations, bills and ledger entries are drawn from their sequences in one query
  each (`SELECT nextval(...) FROM generate_series`); ledger lines take theirs as the COPY
  writes them, in the order `service` would;
- the contribution rows (one per person) go into a fresh table of the run, bare, indexed once
  loaded and then made one of the contribution tables (`db.loads`): a million entries into
  existing indexes cost four times the rows;
- declarations, bills, ledger entries and their few general lines, and payments are written
  with COPY (a payment row naming its entry makes the bill's contribution rows that entry's
  person movements, `ledger.movements`); the general accounts (pools, settlement, the
  provinces' control accounts: a few hundred) are locked in ascending id order (the ledger's
  lock order, so postings running meanwhile queue, never deadlock), opened with one INSERT ...
  ON CONFLICT DO NOTHING and moved with one executemany;
- the persons' kept balances get each paid row's credits, in one upsert.

Everything happens inside one savepoint of the caller's transaction: all or nothing (the
month's fresh table included). It needs the database owner's rights (DDL on `contributions`). A
bad row refuses the whole run, listing the rows (line = position in the input, from 1) like a
declaration file; nothing is written. A bill of 0 fen (nobody enrolled in anything) cannot be
paid through `service.pay` (a zero ledger line is refused); the bulk path leaves such bills
open, as the service must.
"""

from __future__ import annotations

import dataclasses
import json
import struct
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao import csvrows
from shebao.auth.authz import may_reach_region, require
from shebao.auth.models import User
from shebao.contributions import service
from shebao.contributions.models import SHARES, share_column
from shebao.db import loads
from shebao.errors import InputError, InputErrors
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.policy import Policy
from shebao.policy.billing import monthly_bill
from shebao.policy.formulas.contributions import late_fee
from shebao.policy.formulas.periods import parse_month
from shebao.policy.formulas.rounding import largest_remainder
from shebao.registry.identifiers import parse_credit_code, parse_resident_id
from shebao.registry.models import Employer, Person
from shebao.registry.sealed import blind_index
from shebao.relief import service as relief
from shebao.supervision import audit

MAX_ERRORS = 1000
"""At most this many bad rows are listed; the last error says how many more there were."""

MAX_WAGE_FEN = 10**12

SCHEME_BITS = {"employee_pension": 1, "employee_medical": 2, "unemployment": 4, "work_injury": 8}
POOL_SCHEMES = tuple(sorted(service.POOL_COLUMNS))
"""Pooled funds in the order of their account codes (which is the order of a payment's lines)."""

SOURCE = "bulk"


class UnsupportedDatabase(RuntimeError):
    """The bulk path needs PostgreSQL (COPY, sequences, UPDATE ... FROM)."""


@dataclass
class BulkResult:
    month: str
    declarations: int
    contribution_rows: int
    bills: int
    billed_fen: int
    paid_bills: int = 0
    late_fee_fen: int = 0
    ledger_entries: int = 0
    ledger_lines: int = 0
    individual_lines: int = 0
    """Persons' movements the payments made: their bills' contribution rows' account shares,
    read by reference (`ledger.movements`), not written again."""
    accounts_touched: int = 0
    unpaid_zero_bills: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    """Wall-clock seconds of each phase, in the order they ran: the profile."""


# -- binary COPY ------------------------------------------------------------------------------

_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_TRAILER = struct.pack(">h", -1)
_CHUNK = 8 << 20


def _record(columns: Sequence[tuple[str, Any]], prefix: str = "") -> list[tuple[str, str]]:
    """The fields of one binary COPY tuple: column count, then (length, value) per column.

    A column's type is ">i4", ">i8", ">f8", or bytes (a constant text value).
    """
    fields = [(f"{prefix}n", ">i2")]
    for name, kind in columns:
        fields.append((f"{prefix}{name}_len", ">i4"))
        fields.append((f"{prefix}{name}", f"S{len(kind)}" if isinstance(kind, bytes) else kind))
    return fields


def _fill(array: np.ndarray, columns: Sequence[tuple[str, Any]], prefix: str = "") -> None:
    array[f"{prefix}n"] = len(columns)
    for name, kind in columns:
        if isinstance(kind, bytes):
            array[f"{prefix}{name}_len"] = len(kind)
            array[f"{prefix}{name}"] = kind
        else:
            array[f"{prefix}{name}_len"] = np.dtype(kind).itemsize


def _binary(columns: Sequence[tuple[str, Any]], values: dict[str, ArrayLike]) -> np.ndarray:
    n = len(np.asarray(next(iter(values.values()))))
    array = np.zeros(n, dtype=np.dtype(_record(columns)))
    _fill(array, columns)
    for name, value in values.items():
        array[name] = value
    return array


def _copy_in(cursor: Any, statement: str, chunks: Iterator[bytes] | np.ndarray) -> None:
    with cursor.copy(statement) as copy:
        copy.write(_HEADER)
        if isinstance(chunks, np.ndarray):
            data = memoryview(chunks.view(np.uint8).reshape(-1))
            for start in range(0, len(data), _CHUNK):
                copy.write(data[start:start + _CHUNK])
        else:
            for chunk in chunks:
                copy.write(chunk)
        copy.write(_TRAILER)


def _copy_out(cursor: Any, query: str, columns: Sequence[tuple[str, str]]) -> np.ndarray:
    """Rows of `query` (no NULLs, fixed-width columns) as a structured array."""
    buffer = bytearray()
    with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT BINARY)") as copy:
        for block in copy:
            buffer += block
    dtype = np.dtype(_record(columns))
    count = (len(buffer) - len(_HEADER) - len(_TRAILER)) // dtype.itemsize
    return np.frombuffer(bytes(buffer), dtype=dtype, count=count, offset=len(_HEADER))


def _copy_text(cursor: Any, statement: str, rows: Sequence[Sequence[object]]) -> None:
    """Few rows (one per employer or bill) in COPY's text format; None is NULL."""
    def cell(value: object) -> str:
        return "\\N" if value is None else str(value)

    text = "".join("\t".join(cell(v) for v in row) + "\n" for row in rows)
    with cursor.copy(statement) as copy:
        copy.write(text.encode())


def _nextval(cursor: Any, table: str, count: int) -> NDArray[np.int64]:
    """`count` ids from `table`'s id sequence, in one query."""
    if count == 0:
        return np.zeros(0, dtype=np.int64)
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", (table,))
    sequence = cursor.fetchone()[0]
    rows = _copy_out(
        cursor,
        f"SELECT nextval('{sequence}')::int8 FROM generate_series(1, {int(count)})",
        [("id", ">i8")],
    )
    return rows["id"].astype(np.int64)


def _fetch(cursor: Any, columns: Sequence[str], source: str,
           parameters: Sequence[object] = ()) -> NDArray[np.int64]:
    """Whole-number columns (int4, no NULLs) of `source` ("table WHERE ...") as a
    (rows × columns) array.

    The rows come back as one value — each row's columns in binary, concatenated by the
    server — rather than a message a row, which a COPY out reads one at a time in Python.
    """
    row = " || ".join(f"int4send(({column})::int4)" for column in columns)
    binary = cursor.connection.cursor(binary=True)  # bytea as bytes, not as hexadecimal text
    binary.execute(f"SELECT string_agg({row}, ''::bytea) FROM {source}", parameters)
    data = binary.fetchone()[0]
    if data is None:
        return np.zeros((0, len(columns)), dtype=np.int64)
    return np.frombuffer(bytes(data), dtype=">i4").astype(np.int64).reshape(-1, len(columns))


def _distinct(values: NDArray[np.int64]) -> NDArray[np.int64]:
    """The distinct values, sorted: `np.unique` without its hash table, which takes seconds
    for millions of distinct values where a sort takes a tenth of one."""
    ordered = np.sort(values)
    return ordered[np.r_[True, ordered[1:] != ordered[:-1]]] if len(ordered) else ordered


def _find(keys: NDArray[np.int64], values: NDArray[np.int64]
          ) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
    """Where each of `values` stands in `keys` (sorted, unique), and whether it is there."""
    if not len(keys):
        return np.zeros(len(values), dtype=np.int64), np.zeros(len(values), dtype=bool)
    at = np.searchsorted(keys, values).clip(0, len(keys) - 1)
    return at, keys[at] == values


FILTERED_READ_LIMIT = 50_000
"""Up to this many persons, their enrollments are read by person (an index probe each);
beyond, every enrollment in force is read once, in one pass, which is cheaper."""


def _registry(
    cursor: Any, employers: NDArray[np.int64], employer: NDArray[np.int64],
    person: NDArray[np.int64], first: date, last: date,
) -> tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.int64]]:
    """Per row: the person is registered; has an employment spell at the row's employer in
    the month; the schemes (`SCHEME_BITS`) they are enrolled in during the month — what
    `service.declare` checks and bills row by row."""
    in_month = f"start_date <= DATE '{last}' AND (end_date IS NULL OR end_date >= DATE '{first}')"
    # In the order of the table, through a bitmap of the employers' spells: the planner would
    # rather walk the employer index, a random read per spell (3× slower for a million).
    cursor.execute("SELECT current_setting('enable_indexscan'), "
                   "set_config('enable_indexscan', 'off', true)")
    setting = cursor.fetchone()[0]
    spells = _fetch(cursor, ("employer_id", "person_id"),
                    f"employment_spells WHERE employer_id = ANY(%s) AND {in_month}",
                    (employers.tolist(),))
    cursor.execute("SELECT set_config('enable_indexscan', %s, true)", (setting,))
    _, employed = _find(_distinct(spells[:, 0] << 32 | spells[:, 1]), employer << 32 | person)

    persons = _distinct(person)
    bits = " ".join(f"WHEN '{s}' THEN {b}" for s, b in SCHEME_BITS.items())
    schemes = ", ".join(f"'{s}'" for s in SCHEME_BITS)
    whose, parameters = ("person_id = ANY(%s) AND ", (persons.tolist(),)) \
        if len(persons) <= FILTERED_READ_LIMIT else ("", ())
    enrolled = _fetch(cursor, ("person_id", f"CASE scheme {bits} END"),
                      f"enrollments WHERE {whose}scheme IN ({schemes}) AND {in_month}",
                      parameters)
    mask = np.zeros(len(person), dtype=np.int64)
    if len(enrolled):  # each person's bits OR-ed together, then looked up by row
        enrolled = enrolled[np.argsort(enrolled[:, 0], kind="stable")]
        starts = np.flatnonzero(np.r_[True, enrolled[1:, 0] != enrolled[:-1, 0]])
        at, found = _find(enrolled[starts, 0], person)
        mask[found] = np.bitwise_or.reduceat(enrolled[:, 1], starts)[at[found]]

    known = employed.copy()  # a spell names a registered person (foreign key)
    unsure = _distinct(person[~employed])
    if len(unsure):
        cursor.execute("SELECT id FROM persons WHERE id = ANY(%s)", (unsure.tolist(),))
        _, registered = _find(_distinct(np.array([r[0] for r in cursor.fetchall()],
                                                 dtype=np.int64)), person)
        known |= registered
    return known, employed, mask


# -- a month-end file -----------------------------------------------------------------------

MONTH_FILE_HEADER = ("employer_credit_code", "identity_number", "wage_fen")
FILE_FIELDS = {"person_id": "identity_number", "employer_id": "employer_credit_code"}
"""`run_month`'s fields as a month-end file names them."""


@dataclass
class MonthFile:
    """A month-end file's rows resolved to registry ids; `lines[i]` is row i's line in the
    file (the header is line 1)."""

    lines: NDArray[np.int64]
    employer_ids: NDArray[np.int64]
    person_ids: NDArray[np.int64]
    wages_fen: NDArray[np.int64]


def read_month_file(db: Session, text: str) -> MonthFile:
    """The rows of a month-end file — a header employer_credit_code,identity_number,wage_fen,
    then one row a person — with the employers and persons looked up (persons by the blind
    index of their number). Raises InputErrors listing every bad row: a malformed code, number
    or wage, an unknown employer or person, a row of the wrong width."""
    reader = csvrows.rows(text)
    header = tuple(h.strip().lower() for h in next(reader, []))
    if header[:3] != MONTH_FILE_HEADER:
        raise InputError("file", f"the first line must be the header {','.join(MONTH_FILE_HEADER)}",
                         1)
    errors: list[InputError] = []
    lines: list[int] = []
    codes: list[str] = []
    indexes: list[str] = []
    wages: list[int] = []
    seen: dict[tuple[str, str], int] = {}
    for at, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(MONTH_FILE_HEADER):
            errors.append(InputError("lines", f"expected 3 columns, got {len(row)}", at))
            continue
        try:
            code = parse_credit_code(row[0], field="employer_credit_code").code
            number = parse_resident_id(row[1]).number
            wage = service.parse_wage(row[2].strip())
        except InputError as bad:
            errors.append(InputError(bad.field, bad.reason, at))
            continue
        except ValueError as bad:
            errors.append(InputError("wage_fen", str(bad), at))
            continue
        index = blind_index(number)
        if (code, index) in seen:
            errors.append(InputError("identity_number", f"also declared on line "
                                                        f"{seen[code, index]}", at))
            continue
        seen[code, index] = at
        lines.append(at)
        codes.append(code)
        indexes.append(index)
        wages.append(wage)

    employer_of: dict[str, int] = {}
    person_of: dict[str, int] = {}
    distinct_codes = sorted(set(codes))
    distinct_indexes = sorted(set(indexes))
    for start in range(0, len(distinct_codes), 10_000):
        employer_of.update(db.execute(select(Employer.credit_code, Employer.id).where(
            Employer.credit_code.in_(distinct_codes[start:start + 10_000]))).all())
    for start in range(0, len(distinct_indexes), 10_000):
        person_of.update(db.execute(select(Person.identity_number_index, Person.id).where(
            Person.identity_number_index.in_(distinct_indexes[start:start + 10_000]))).all())
    for at, code, index in zip(lines, codes, indexes, strict=True):
        if code not in employer_of:
            errors.append(InputError("employer_credit_code", f"no employer with code {code}",
                                     at))
        if index not in person_of:
            errors.append(InputError("identity_number", "is not registered", at))
    if errors:
        raise InputErrors(_capped(errors))
    return MonthFile(
        lines=np.asarray(lines, dtype=np.int64),
        employer_ids=np.asarray([employer_of[c] for c in codes], dtype=np.int64),
        person_ids=np.asarray([person_of[i] for i in indexes], dtype=np.int64),
        wages_fen=np.asarray(wages, dtype=np.int64),
    )


def run_month_file(db: Session, user: User, month: str, text: str, *,
                   paid_on: date | None = None) -> BulkResult:
    """`run_month` over a month-end file (`read_month_file`); refusals name the file's lines
    and columns (duplicates are refused by the reading, so no reason names a row position)."""
    rows = read_month_file(db, text)
    try:
        return run_month(db, user, month, rows.employer_ids, rows.person_ids, rows.wages_fen,
                         paid_on=paid_on)
    except InputErrors as refused:
        raise InputErrors([
            InputError(FILE_FIELDS.get(e.field, e.field), e.reason,
                       int(rows.lines[e.line - 1]) if e.line else e.line)
            for e in refused.errors]) from None


# -- the run ----------------------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[phase] = self.seconds.get(phase, 0.0) + now - self._last
        self._last = now


def _require_postgresql(db: Session) -> None:
    dialect = db.get_bind().dialect.name
    if dialect != "postgresql":
        raise UnsupportedDatabase(
            f"the month-end bulk path runs on PostgreSQL only (COPY, sequences); this database "
            f"is {dialect}: declare and pay through shebao.contributions.service instead"
        )


def run_month_from_table(
    db: Session, user: User, month: str, table: str, *, paid_on: date | None = None
) -> BulkResult:
    """`run_month` over a table (e.g. a staging table loaded with COPY) with the columns
    employer_id, person_id, wage_fen; a row's line is its position in id order if the table
    has an id column, else in the order the table is read."""
    _require_postgresql(db)
    name = table.split(".")
    if not all(part.isidentifier() for part in name) or len(name) > 2:
        raise InputError("table", f"{table!r} is not a table name")
    cursor = db.connection().connection.driver_connection.cursor()
    cursor.execute("SELECT 1 FROM information_schema.columns WHERE table_name = %s "
                   "AND column_name = 'id'", (name[-1],))
    order = " ORDER BY id" if cursor.fetchone() else ""
    rows = _copy_out(
        cursor,
        f"SELECT employer_id::int8, person_id::int8, wage_fen::int8 FROM {table}{order}",
        [("employer_id", ">i8"), ("person_id", ">i8"), ("wage_fen", ">i8")],
    )
    return run_month(db, user, month, rows["employer_id"], rows["person_id"], rows["wage_fen"],
                     paid_on=paid_on)


def run_month(
    db: Session,
    user: User,
    month: str,
    employer_ids: ArrayLike,
    person_ids: ArrayLike,
    wages_fen: ArrayLike,
    *,
    paid_on: date | None = None,
) -> BulkResult:
    """Declare and bill a month for every employer in the rows; pay every bill on `paid_on`.

    Row i (line i + 1) says employer `employer_ids[i]` declares person `person_ids[i]` at
    `wages_fen[i]`. With `paid_on` None the bills are left open. Raises InputErrors listing
    the bad rows (nothing written), InputError for a bad month or day, Forbidden without the
    permissions, UnsupportedDatabase off PostgreSQL. Writes in the caller's transaction.
    """
    clock = _Clock()
    _require_postgresql(db)
    require(user, "contribution.declare")
    require(user, "contribution.bill")
    if paid_on is not None:
        require(user, "contribution.pay")
    first, last = service.month_bounds(month)
    if first > date.today():
        raise InputError("month", "wages can be declared for this month or earlier, not later")
    if paid_on is not None and paid_on > date.today():
        raise InputError("paid_on", "a payment cannot be dated in the future")
    employer = np.asarray(employer_ids, dtype=np.int64).reshape(-1)
    person = np.asarray(person_ids, dtype=np.int64).reshape(-1)
    wage = np.asarray(wages_fen, dtype=np.int64).reshape(-1)
    n = len(person)
    if not n:
        raise InputError("lines", "a declaration needs at least one person")
    if len(employer) != n or len(wage) != n:
        raise InputError("lines", "employer ids, person ids and wages must be as many")
    line = np.arange(1, n + 1, dtype=np.int64)

    errors: list[InputError] = []
    _row_errors(errors, "wage_fen", "must be a whole number of fen", line[wage < 0])
    _row_errors(errors, "wage_fen", "is implausibly large", line[wage > MAX_WAGE_FEN])
    out_of_range = (person < 1) | (person > 2**31 - 1)
    _row_errors(errors, "person_id", "is not registered", line[out_of_range])
    employer_bad = (employer < 1) | (employer > 2**31 - 1)
    _row_errors(errors, "employer_id", "is not registered", line[employer_bad])
    if errors:
        raise InputErrors(_capped(errors))
    clock.lap("check input")

    with db.begin_nested():
        cursor = db.connection().connection.driver_connection.cursor()
        result = _run(cursor, user, month, first, last, employer, person, wage, line,
                      paid_on, clock, relief.rules_in_force(db, parse_month(month)))
    # COPY writes past the session's eyes: the run is one audit entry with what it wrote.
    audit.record(db, "run", "contributions.month_run", month, after={
        k: v for k, v in dataclasses.asdict(result).items() if k != "seconds"})
    result.seconds = clock.seconds
    return result


def _row_errors(errors: list[InputError], field_name: str, reason: str, lines: ArrayLike,
                reasons: Sequence[str] | None = None) -> None:
    for i, at in enumerate(np.asarray(lines).tolist()[:MAX_ERRORS]):
        errors.append(InputError(field_name, reasons[i] if reasons else reason, int(at)))


def _capped(errors: list[InputError]) -> list[InputError]:
    errors = sorted(errors, key=lambda e: e.line or 0)
    if len(errors) > MAX_ERRORS:
        more = len(errors) - MAX_ERRORS
        errors = [*errors[:MAX_ERRORS], InputError("lines", f"and {more} more bad rows")]
    return errors


def _run(
    cursor: Any, user: User, month: str, first: date, last: date,
    employer: NDArray[np.int64], person: NDArray[np.int64], wage: NDArray[np.int64],
    line: NDArray[np.int64], paid_on: date | None, clock: _Clock,
    enacted_relief: list[dict[str, Any]],
) -> BulkResult:
    # 1. The registry: who works at the declaring employers in the month, who is enrolled in
    # what. Two reads, joined with the rows here (no staging table, no join on the server).
    cursor.execute("SET LOCAL jit = off")  # compiling a query that runs once costs more
    employers, first_row, counts = np.unique(employer, return_index=True, return_counts=True)
    known, employed, mask = _registry(cursor, employers, employer, person, first, last)
    clock.lap("read registry")

    # 2. Check every row, as a declaration file is checked; refuse the whole run if any is bad.
    errors: list[InputError] = []
    order = np.lexsort((line, person, employer))
    same = np.r_[False, (employer[order][1:] == employer[order][:-1])
                 & (person[order][1:] == person[order][:-1])]
    group_first = np.maximum.accumulate(np.where(same, 0, np.arange(len(order))))
    duplicate = order[same]
    _row_errors(errors, "person_id", "", line[duplicate],
                [f"also declared on line {line[order[g]]}" for g in group_first[same][:MAX_ERRORS]])
    fresh = np.ones(len(line), dtype=bool)
    fresh[duplicate] = False
    _row_errors(errors, "person_id", "is not registered", line[fresh & ~known])
    _row_errors(errors, "person_id", "has no employment at this employer in the month",
                line[fresh & known & ~employed])
    cursor.execute("SELECT id, region_code, injury_class, size, is_public_body FROM employers "
                   "WHERE id = ANY(%s)", (employers.tolist(),))
    registry = {row[0]: row[1:] for row in cursor.fetchall()}
    cursor.execute("SELECT employer_id FROM declarations WHERE month = %s "
                   "AND employer_id = ANY(%s)", (month, employers.tolist()))
    declared = {row[0] for row in cursor.fetchall()}
    for e, at_row, count in zip(employers.tolist(), first_row.tolist(), counts.tolist(),
                                strict=True):
        where = int(line[at_row])
        if e not in registry:
            errors.append(InputError("employer_id", f"no employer with id {e}", where))
        elif not may_reach_region(user, registry[e][0]):
            errors.append(InputError("employer_id", f"employer {e} is outside your region",
                                     where))
        elif e in declared:
            errors.append(InputError("month", f"{month} is already declared for employer {e}",
                                     where))
        elif count > service.MAX_DECLARATION_ROWS:
            errors.append(InputError("lines", f"employer {e}: at most "
                                              f"{service.MAX_DECLARATION_ROWS} rows in one "
                                              "declaration", where))
    if errors:
        raise InputErrors(_capped(errors))
    clock.lap("check rows")

    # 3. Price: one monthly_bill call per (province, size, public body) group, the work-injury
    # class per person; a bill's terms are its group's lines at its employer's class.
    number = parse_month(month)
    employer_index = np.searchsorted(employers, employer)
    group_of: dict[tuple[str, str, bool], int] = {}
    employer_group = np.array([
        group_of.setdefault((r[0][:2] + "0000", r[2], bool(r[3])), len(group_of))
        for r in (registry[e] for e in employers.tolist())
    ], dtype=np.int64)
    employer_class = np.array([registry[e][1] for e in employers.tolist()], dtype=np.int64)
    row_group = employer_group[employer_index]
    row_class = employer_class[employer_index]
    column_of = {column: k for k, (column, _, _) in enumerate(SHARES)}
    amount = np.zeros((len(line), len(SHARES)), dtype=np.int64)
    base = np.zeros(len(line), dtype=np.int64)
    terms: dict[tuple[int, int], str] = {}
    by_group = np.argsort(row_group, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(row_group, minlength=len(group_of)))]
    snapshots: dict[str, Any] = {}
    for (province, size, public_body), g in group_of.items():
        rows = by_group[bounds[g]:bounds[g + 1]]
        snapshot = snapshots.get(province) or snapshots.setdefault(
            province, Policy.at(first, province))
        priced = monthly_bill(snapshot, number, province, wage[rows], flexible=False,
                              injury_class=row_class[rows], enterprise_size=size,
                              public_body=public_body, enacted_relief=enacted_relief)
        base[rows] = priced.base_fen
        columns = [share_column(priced_line.scheme, priced_line.payer, priced_line.destination)
                   for priced_line in priced.lines]
        for column, priced_line in zip(columns, priced.lines, strict=True):
            amount[rows, column_of[column]] += priced_line.amount_fen
        classes, at_row = np.unique(row_class[rows], return_index=True)
        for injury_class, at in zip(classes.tolist(), at_row.tolist(), strict=True):
            terms[g, injury_class] = json.dumps([  # the terms service._bill gives a bill
                [column, priced_line.scheme, priced_line.payer, priced_line.destination,
                 priced_line.rate if np.ndim(priced_line.rate) == 0
                 else float(priced_line.rate[at]), float(priced_line.relief_factor[at])]
                for column, priced_line in zip(columns, priced.lines, strict=True)])
    scheme_bit = np.array([SCHEME_BITS[scheme] for _, scheme, _ in SHARES], dtype=np.int64)
    amount[(mask[:, None] & scheme_bit[None, :]) == 0] = 0  # the schemes each is enrolled in
    clock.lap("price (monthly_bill by group)")

    # 4. Bills in employer order, each bill's persons in the order they were given.
    order = np.lexsort((line, employer))
    employer, person, wage, base = employer[order], person[order], wage[order], base[order]
    amount = amount[order]
    bill_of_row = employer_index[order]
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    bill_amount = np.add.reduceat(amount.sum(axis=1), starts)
    total_wage = np.add.reduceat(wage, starts)
    bills = len(employers)
    declaration_ids = _nextval(cursor, "declarations", bills)
    bill_ids = _nextval(cursor, "bills", bills)
    clock.lap("bill totals, ids")

    now = datetime.now(UTC).isoformat()
    posted = bill_amount > 0 if paid_on is not None else np.zeros(bills, dtype=bool)
    provinces = [registry[e][0][:2] + "0000" for e in employers.tolist()]
    _copy_text(cursor, "COPY declarations (id, employer_id, month, source, submitted_by, "
                       "line_count, total_wage_fen, created_at) FROM STDIN", [
        (d, e, month, SOURCE, user.id, c, t, now)
        for d, e, c, t in zip(declaration_ids.tolist(), employers.tolist(), counts.tolist(),
                              total_wage.tolist(), strict=True)
    ])
    _copy_text(cursor, "COPY bills (id, payer_kind, employer_id, person_id, declaration_id, "
                       "month, province, due_date, deferred_until, amount_fen, status, terms, "
                       "created_at) FROM STDIN", [
        (b, "employer", e, None, d, month, p, last.isoformat(), None, a,
         "paid" if paid else "open", terms[g, c], now)
        for b, e, d, p, a, paid, g, c in zip(
            bill_ids.tolist(), employers.tolist(), declaration_ids.tolist(), provinces,
            bill_amount.tolist(), posted.tolist(), employer_group.tolist(),
            employer_class.tolist(), strict=True)
    ])
    clock.lap("write declarations and bills (COPY)")
    # Into a fresh table of the month's rows, indexed once loaded, then one of the
    # contribution tables (db.loads): in bill order, as the services write them.
    child = loads.create_child(cursor, "contributions",
                               f"m{month.replace('-', '_')}_b{int(bill_ids[0])}")
    _copy_in(cursor, f"COPY {child} (bill_id, person_id, wage_fen, base_fen, "
                     f"{', '.join(c for c, _, _ in SHARES)}) FROM STDIN (FORMAT BINARY)",
             _binary(
        [("bill_id", ">i4"), ("person_id", ">i4"), ("wage_fen", ">i8"), ("base_fen", ">i8"),
         *((column, ">i8") for column, _, _ in SHARES)],
        {"bill_id": bill_ids[bill_of_row], "person_id": person, "wage_fen": wage,
         "base_fen": base, **{column: amount[:, k] for k, (column, _, _) in enumerate(SHARES)}},
    ))
    loads.attach_child(cursor, "contributions", child)
    clock.lap("write contribution rows (COPY, then index)")

    result = BulkResult(
        month=month, declarations=bills, contribution_rows=len(person), bills=bills,
        billed_fen=int(bill_amount.sum()),
    )
    if paid_on is not None:
        _post(cursor, user, month, paid_on, last, now, bill_ids, provinces, bill_amount, starts,
              bill_of_row, person, amount, posted, result, clock)
    return result


def _post(
    cursor: Any, user: User, month: str, paid_on: date, due: date, now: str,
    bill_ids: NDArray[np.int64], provinces: list[str], bill_amount: NDArray[np.int64],
    starts: NDArray[np.int64], bill_of_row: NDArray[np.int64], person: NDArray[np.int64],
    amount: NDArray[np.int64], posted: NDArray[np.bool_], result: BulkResult, clock: _Clock,
) -> None:
    """Pay every bill of more than 0 fen as service.pay would: one ledger entry per bill, a
    few general lines each, and the payment rows that make the bills' contribution rows the
    entries' person movements."""
    days = max(0, (paid_on - due).days)
    fee_rate = Policy.at(paid_on).value("collection.late_fee_rate")
    fee = np.where(posted, late_fee(bill_amount, days, late_fee_daily_rate=fee_rate), 0)
    fee = fee.astype(np.int64)
    column = {c: k for k, (c, _, _) in enumerate(SHARES)}

    # Each bill's pooled funds (plus its share of the fee) and its control totals.
    pooled = np.zeros((len(bill_amount), len(POOL_SCHEMES)), dtype=np.int64)
    for s, scheme in enumerate(POOL_SCHEMES):
        for c in service.POOL_COLUMNS[scheme]:
            pooled[:, s] += np.add.reduceat(amount[:, column[c]], starts)
    for b in np.flatnonzero(fee > 0).tolist():
        present = np.flatnonzero(pooled[b] > 0)
        shares = largest_remainder(int(fee[b]), pooled[b, present].tolist())
        pooled[b, present] += np.asarray(shares, dtype=np.int64)
    personal = {account: sum(amount[:, column[c]] for c in columns)
                for account, columns in sorted(service.ACCOUNT_COLUMNS.items())}
    control = {account: np.add.reduceat(rows, starts) for account, rows in personal.items()}
    clock.lap("payment lines (numpy)")

    # One entry per paid bill, with the key, lines and request hash service.pay gives it.
    paid_bills = np.flatnonzero(posted)
    entry_ids = _nextval(cursor, "ledger_entries", len(paid_bills))
    entry_of_bill = np.zeros(len(bill_amount), dtype=np.int64)
    entry_of_bill[paid_bills] = entry_ids
    entries: list[tuple[object, ...]] = []
    lines: list[tuple[int, str, int]] = []
    for entry_id, b in zip(entry_ids.tolist(), paid_bills.tolist(), strict=True):
        bill_id, province = int(bill_ids[b]), provinces[b]
        general = [(accounts.settlement(province), int(bill_amount[b] + fee[b]))]
        general += [(accounts.pool(POOL_SCHEMES[s], province), -int(pooled[b, s]))
                    for s in range(len(POOL_SCHEMES)) if pooled[b, s]]
        controls = [(accounts.individual(account, province), -int(totals[b]))
                    for account, totals in control.items() if totals[b]]
        request = ledger.PostingRequest(
            idempotency_key=f"contribution-payment-{bill_id}", kind="contribution",
            memo=f"bill {bill_id}, {month}", effective_date=paid_on, lines=general,
            province=province,
        )
        digest = ledger.request_hash(request, f"bill:{bill_id}" if controls else None)
        entries.append((entry_id, request.idempotency_key, digest, request.kind, request.memo,
                        paid_on.isoformat(), now, None, user.id,
                        province if controls else None))
        lines += [(entry_id, code, fen) for code, fen in general + controls]
    clock.lap("request hashes")

    # Open the accounts (one upsert, in code order) after locking those that exist already.
    codes = sorted({code for _, code, _ in lines})
    cursor.execute("CREATE TEMPORARY TABLE bulk_accounts (key int4, code text, kind text, "
                   "normal_side text, allow_negative bool) ON COMMIT DROP")
    rows = []
    for key, code in enumerate(codes):
        kind = accounts.parse(code).kind
        rows.append((key, code, kind.name, kind.normal_side.value, kind.allow_negative))
    _copy_text(cursor, "COPY bulk_accounts FROM STDIN", rows)
    cursor.execute("SELECT a.id FROM ledger_accounts a JOIN bulk_accounts t ON t.code = a.code "
                   "ORDER BY a.id FOR UPDATE OF a")
    cursor.execute("INSERT INTO ledger_accounts (code, kind, normal_side, allow_negative, "
                   "balance_fen, line_count, created_at) "
                   "SELECT code, kind, normal_side, allow_negative, 0, 0, now() "
                   "FROM bulk_accounts ORDER BY key ON CONFLICT (code) DO NOTHING")
    cursor.execute("SELECT t.code, a.id, a.normal_side FROM bulk_accounts t "
                   "JOIN ledger_accounts a ON a.code = t.code")
    found = {code: (account_id, side) for code, account_id, side in cursor.fetchall()}
    clock.lap("open accounts (upsert)")

    _copy_text(cursor, "COPY ledger_entries (id, idempotency_key, request_hash, kind, memo, "
                       "effective_date, posted_at, reverses_entry_id, actor_id, province) "
                       "FROM STDIN", entries)
    _copy_text(cursor, "COPY ledger_lines (entry_id, account_id, amount_fen) FROM STDIN",
               [(e, found[code][0], fen) for e, code, fen in lines])
    clock.lap("write ledger entries and lines (COPY)")

    delta: dict[str, int] = defaultdict(int)
    count: dict[str, int] = defaultdict(int)
    for _, code, fen in lines:
        delta[code] += fen
        count[code] += 1
    cursor.executemany(
        "UPDATE ledger_accounts SET balance_fen = balance_fen + %s, "
        "line_count = line_count + %s WHERE id = %s",
        [((1 if found[code][1] == "debit" else -1) * delta[code], count[code], found[code][0])
         for code in codes],
    )
    _copy_text(cursor, "COPY payments (bill_id, paid_on, amount_fen, late_fee_fen, days_late, "
                       "ledger_entry_id, recorded_at) FROM STDIN", [
        (int(bill_ids[b]), paid_on.isoformat(), int(bill_amount[b] + fee[b]), int(fee[b]),
         days, int(entry_of_bill[b]), now)
        for b in paid_bills.tolist()
    ])
    cursor.execute("DROP TABLE IF EXISTS bulk_accounts")
    clock.lap("update balances, write payments")

    # The persons' kept balances (`ledger.IndividualAccountBalance`): each paid row's credits,
    # summed per person here (two jobs in a month are two rows) and added in person order.
    # A row that credits nothing is no movement: as in the services, it makes no balance row.
    moved = np.flatnonzero(posted[bill_of_row] & np.any(
        [credited != 0 for credited in personal.values()], axis=0))
    moved = moved[np.argsort(person[moved], kind="stable")]
    first = np.flatnonzero(np.r_[True, person[moved][1:] != person[moved][:-1]]) \
        if len(moved) else moved
    kept = [f"{account}_fen" for account in personal]
    cursor.execute(f"CREATE TEMPORARY TABLE bulk_credits (person_id int4, "
                   f"{', '.join(f'{c} int8' for c in kept)}) ON COMMIT DROP")
    _copy_in(cursor, "COPY bulk_credits FROM STDIN (FORMAT BINARY)", _binary(
        [("person_id", ">i4"), *((c, ">i8") for c in kept)],
        {"person_id": person[moved][first], **{
            c: np.add.reduceat(credited[moved], first) if len(moved) else credited[moved]
            for c, credited in zip(kept, personal.values(), strict=True)}}))
    cursor.execute(
        f"INSERT INTO individual_account_balances (person_id, {', '.join(kept)}) "
        f"SELECT person_id, {', '.join(kept)} FROM bulk_credits "
        "ON CONFLICT (person_id) DO UPDATE SET "
        + ", ".join(f"{c} = individual_account_balances.{c} + EXCLUDED.{c}" for c in kept))
    cursor.execute("DROP TABLE bulk_credits")
    clock.lap("persons' balances")

    result.paid_bills = len(paid_bills)
    result.late_fee_fen = int(fee.sum())
    result.ledger_entries = len(paid_bills)
    result.ledger_lines = len(lines)
    result.individual_lines = int(sum(((credited != 0) & posted[bill_of_row]).sum()
                                      for credited in personal.values()))
    result.accounts_touched = len(codes)
    result.unpaid_zero_bills = int(((bill_amount == 0)).sum())


def summary(result: BulkResult) -> str:
    """One line of JSON about a run (without the profile)."""
    fields = {k: v for k, v in result.__dict__.items() if k != "seconds"}
    return json.dumps(fields)

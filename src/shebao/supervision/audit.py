"""The audit trail: every write, and every read of a full identity number, appended in the
same transaction, hash-chained, and verifiable against signed checkpoints kept elsewhere.

How entries arise (docs/supervision.md):
- ORM changes: after each flush, one entry per inserted, updated (the changed columns, before
  and after) or deleted row;
- Core statements run through a session (`db.execute(insert(…))`, the ledger's hot path): one
  entry per statement, with the values it wrote;
- what neither sees (a COPY of a million rows) and reads of sensitive fields: `record()`.
Entries wait in the session until it commits. At commit the session takes the chain head's
lock, numbers its entries after the head, chains their hashes and writes them with one
statement — inside the transaction, so the trail has exactly the committed writes: a rolled-back
transaction or savepoint leaves none. Sensitive values (identity numbers, password and token
hashes) are stored as their SHA-256, never in clear.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, inspect, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import BindParameter

from shebao.db.base import Base, utcnow
from shebao.errors import InputError
from shebao.registry.sealed import Sealed, blind_index
from shebao.supervision.models import AuditEntry, AuditHead

GENESIS = "0" * 64
"""What the first entry links to."""
HEAD_ID = 1
NOT_AUDITED = frozenset({"audit_entries", "audit_head", "auth_sessions", "alembic_version"})
"""Tables whose rows are not traced: the trail itself, and sign-in sessions (their last-seen
time changes on every request; sign-ins are security events for the access log)."""
HASHED_COLUMNS = frozenset({"password_hash", "token_hash"})
"""Columns traced as their SHA-256 only: secrets' hashes are not copied into the trail."""
SOURCES = ("api", "web", "cli", "system")

_entries = AuditEntry.__table__
_head = AuditHead.__table__

_default_context: ContextVar[dict[str, Any] | None] = ContextVar("audit_context", default=None)


def set_process_context(source: str, actor_id: int | None = None) -> None:
    """Who acts for sessions that carry no context of their own (the CLI sets "cli")."""
    _default_context.set({"source": source, "actor_id": actor_id})


def attach_context(db: Session, context: dict[str, Any]) -> None:
    """Share a mutable context (source, actor_id) with a session: a request's sessions share
    one, filled in when the signed-in user is known."""
    db.info["audit_context"] = context


# -- canonical form ---------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return _timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def canonical(value: Any) -> str:
    """JSON with sorted keys, no spaces, UTF-8 text: the same value always gives the same
    string, on either database."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=_plain)


def _timestamp(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _digest(value: object) -> str:
    return "sha256:" + hashlib.sha256(str(value).encode()).hexdigest()


@cache
def _sealed_columns(table: str) -> frozenset[str]:
    """Keys of the table's columns sealed at rest (registry/sealed.py): traced as their blind
    index only — the trail must not become a copy of personal data, and a plain hash of an
    identity number could be reversed by trying every plausible number."""
    found = Base.metadata.tables.get(table)
    return frozenset() if found is None else frozenset(
        column.key for column in found.columns if isinstance(column.type, Sealed))


def _traced(sealed: frozenset[str], column: str, value: Any) -> Any:
    if value is None:
        return None
    if column in HASHED_COLUMNS:
        return _digest(value)
    if column in sealed:
        return "hmac:" + blind_index(str(value))
    if isinstance(value, Mapping):  # a statement's values, rows or parameters
        return _values(value, sealed)
    if isinstance(value, list):
        return [_traced(sealed, column, item) for item in value]
    return value


def _values(row: Mapping[str, Any], sealed: frozenset[str]) -> dict[str, Any]:
    return {k: _traced(sealed, k, v) for k, v in row.items()}


def _hashed_text(entry: Mapping[str, Any]) -> str:
    """The canonical text an entry's hash covers: everything but the two hashes."""
    body = {k: entry[k] for k in ("seq", "recorded_at", "actor_id", "source", "action",
                                  "object_type", "object_id", "before", "after", "reason")}
    body["recorded_at"] = _timestamp(body["recorded_at"])
    return canonical(body)


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    """h_i = SHA-256(h_{i-1} ‖ canonical entry), over everything but the two hashes."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + _hashed_text(entry).encode()).hexdigest()


# -- collecting entries in a session -----------------------------------------------------------


@dataclass
class _Pending:
    transaction: SessionTransaction
    action: str
    object_type: str
    object_id: str | None
    before: str | None
    after: str | None
    reason: str | None


def _pending(db: Session) -> list[_Pending]:
    return db.info.setdefault("audit_pending", [])


def record(db: Session, action: str, object_type: str, object_id: object = None, *,
           before: Mapping[str, Any] | None = None, after: Mapping[str, Any] | None = None,
           reason: str | None = None) -> None:
    """Add an entry to the session's transaction (written when it commits, dropped if it or
    the savepoint it was made in rolls back)."""
    transaction = db.get_nested_transaction() or db.get_transaction()
    if transaction is None:
        raise RuntimeError("an audit entry needs a transaction")
    _pending(db).append(_Pending(
        transaction, action, object_type[:64],
        None if object_id is None else str(object_id)[:64],
        None if before is None else canonical(_values(before, _sealed_columns(object_type))),
        None if after is None else canonical(_values(after, _sealed_columns(object_type))),
        None if reason is None else reason[:500],
    ))


def _row_id(state: Any) -> str | None:
    """The row's primary key (never a query inside a flush: an expired object keeps its
    identity, a new one has its key in its loaded values)."""
    if state.identity:
        return "/".join(str(p) for p in state.identity)
    mapper = state.mapper
    parts = [state.dict.get(mapper.get_property_by_column(column).key)
             for column in mapper.primary_key]
    return None if any(p is None for p in parts) else "/".join(str(p) for p in parts)


@event.listens_for(Session, "before_flush")
def _before_flush(db: Session, _context: Any, _instances: Any) -> None:
    """Read the stored values of changed columns whose old value the session never loaded
    (an expired object changed after a commit or a rolled-back savepoint)."""
    unknown: dict[int, dict[str, Any]] = {}
    for obj in db.dirty:
        state = inspect(obj)
        mapper = state.mapper
        if mapper.local_table.name in NOT_AUDITED or not state.has_identity:
            continue
        keys = [a.key for a in mapper.column_attrs
                if state.attrs[a.key].history.added and not state.attrs[a.key].history.deleted]
        if not keys:
            continue
        where = [column == value
                 for column, value in zip(mapper.primary_key, state.identity, strict=True)]
        row = db.connection().execute(
            select(*(mapper.columns[k] for k in keys)).where(*where)).first()
        if row is not None:
            unknown[id(obj)] = dict(zip(keys, row, strict=True))
    db.info["audit_stored"] = unknown


def _loaded(state: Any) -> dict[str, Any]:
    """A row's column values as the session holds them (never a query inside a flush)."""
    return {a.key: state.dict.get(a.key) for a in state.mapper.column_attrs}


def _changed(state: Any, stored: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The changed columns before and after; `stored` holds old values the session had not
    loaded (read by `_before_flush`)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        history = state.attrs[attr.key].history
        if history.added or history.deleted:
            old = history.deleted[0] if history.deleted else stored.get(attr.key)
            new = history.added[0] if history.added else None
            if canonical(old) != canonical(new):  # merge() sets values it did not change
                before[attr.key], after[attr.key] = old, new
    return before, after


@event.listens_for(Session, "after_flush")
def _after_flush(db: Session, _context: Any) -> None:
    stored: dict[int, dict[str, Any]] = db.info.pop("audit_stored", {})
    for action, objects in (("insert", db.new), ("update", db.dirty), ("delete", db.deleted)):
        for obj in objects:
            state = inspect(obj)
            table = state.mapper.local_table.name
            if table in NOT_AUDITED:
                continue
            if action == "insert":
                record(db, action, table, _row_id(state), after=_loaded(state))
            elif action == "delete":
                record(db, action, table, _row_id(state), before=_loaded(state))
            else:
                before, after = _changed(state, stored.get(id(obj), {}))
                if after:
                    record(db, action, table, _row_id(state), before=before, after=after)


def _literal(value: Any) -> Any:
    return value.value if isinstance(value, BindParameter) else value if isinstance(
        value, str | int | float | bool | date | Decimal | type(None)) else str(value)


def _statement_values(statement: Any) -> dict[str, Any]:
    """The values an INSERT or UPDATE sets through `.values(...)` (not its executemany rows)."""
    found = getattr(statement, "_values", None) or {}
    return {str(getattr(key, "key", key)): _literal(value) for key, value in found.items()}


def _bound(clause: Any) -> dict[str, Any]:
    """The bound values of a WHERE clause, by parameter name."""
    if clause is None:
        return {}
    return {node.key: node.value for node in visitors.iterate(clause)
            if isinstance(node, BindParameter) and node.value is not None}


@event.listens_for(Session, "do_orm_execute")
def _on_execute(execute_state: ORMExecuteState) -> None:
    """Core INSERT, UPDATE and DELETE run through a session (not the ORM's flush)."""
    if not (execute_state.is_insert or execute_state.is_update or execute_state.is_delete):
        return
    statement: Any = execute_state.statement
    table = getattr(statement, "table", None)
    name = getattr(table, "name", None)
    if name is None or name in NOT_AUDITED:
        return
    action = "insert" if execute_state.is_insert else "update" if execute_state.is_update \
        else "delete"
    written = _statement_values(statement)
    parameters = execute_state.parameters
    after: dict[str, Any] = {"values": written} if written else {}
    where = _bound(getattr(statement, "whereclause", None))
    if where:
        after["where"] = where
    if isinstance(parameters, list):
        after["rows"] = list(parameters)
    elif parameters:
        after["parameters"] = dict(parameters)
    object_id = written.get("id") or where.get("id_1")
    record(execute_state.session, action, name, object_id, after=after)


def _inside(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(db: Session, previous: SessionTransaction) -> None:
    """A rolled-back savepoint drops the entries made inside it; a rolled-back transaction
    drops them all."""
    pending = db.info.get("audit_pending")
    if not pending:
        return
    if previous.nested:
        pending[:] = [p for p in pending if not _inside(p.transaction, previous)]
    else:
        pending.clear()


@event.listens_for(Session, "after_transaction_end")
def _after_end(db: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None and not transaction.nested:
        db.info.pop("audit_pending", None)


def _locked_head(db: Session) -> Any:
    """The head row, locked; put back from the last entry if someone removed it."""
    query = select(_head.c.seq, _head.c.entry_hash).where(_head.c.id == HEAD_ID)
    head = db.execute(query.with_for_update()).first()
    if head is not None:
        return head
    last = db.execute(select(_entries.c.seq, _entries.c.entry_hash)
                      .order_by(_entries.c.seq.desc()).limit(1)).first()
    try:
        with db.begin_nested():
            db.execute(insert(_head).values(id=HEAD_ID, seq=last.seq if last else 0,
                                            entry_hash=last.entry_hash if last else GENESIS))
    except IntegrityError:
        pass  # another transaction put it back first
    return db.execute(query.with_for_update()).one()


@event.listens_for(Session, "before_commit")
def _seal(db: Session) -> None:
    """Number, chain and write the transaction's entries under the chain head's lock.

    SQLAlchemy also calls this hook when a savepoint is released: only the outermost commit
    seals (and the savepoint `_locked_head` may make must not seal again)."""
    if db.in_nested_transaction() or db.info.get("audit_sealing"):
        return
    db.info["audit_sealing"] = True
    try:
        _seal_pending(db)
    finally:
        db.info.pop("audit_sealing", None)


def _seal_pending(db: Session) -> None:
    db.flush()  # the commit's own flush comes after this hook: its entries must be in
    pending = db.info.get("audit_pending")
    if not pending:
        return
    context = db.info.get("audit_context") or _default_context.get() or {}
    source = context.get("source") or "system"
    actor_id = context.get("actor_id")
    now = utcnow()
    if db.get_bind().dialect.name == "postgresql" and _sealed_in_one_statement(
            db, pending, now, actor_id, source):
        pending.clear()
        return
    head = _locked_head(db)
    seq, prev = int(head.seq), str(head.entry_hash)
    rows = []
    for item in pending:
        seq += 1
        row = {**_entry(item, seq, now, actor_id, source), "prev_hash": prev}
        prev = row["entry_hash"] = entry_hash(prev, row)
        rows.append(row)
    pending.clear()
    db.execute(insert(_entries), rows)
    db.execute(update(_head).where(_head.c.id == HEAD_ID).values(seq=seq, entry_hash=prev))


def _entry(item: _Pending, seq: int, now: datetime, actor_id: int | None,
           source: str) -> dict[str, Any]:
    """An entry's columns but its two hashes."""
    return {"seq": seq, "recorded_at": now, "actor_id": actor_id, "source": source,
            "action": item.action, "object_type": item.object_type, "object_id": item.object_id,
            "before": item.before, "after": item.after, "reason": item.reason}


_SEAL = text("""
WITH RECURSIVE items AS (
    SELECT * FROM unnest(CAST(:heads AS text[]), CAST(:tails AS text[]), CAST(:actions AS text[]),
                         CAST(:object_types AS text[]), CAST(:object_ids AS text[]),
                         CAST(:befores AS text[]), CAST(:afters AS text[]),
                         CAST(:reasons AS text[]))
        WITH ORDINALITY AS item(head, tail, action, object_type, object_id, before, after,
                                reason, i)
), head AS (
    SELECT seq, entry_hash FROM audit_head WHERE id = :head_id FOR UPDATE
), chain(i, seq, prev_hash, entry_hash) AS (
    SELECT 0::bigint, seq, NULL::text, entry_hash::text FROM head
    UNION ALL
    SELECT chain.i + 1, chain.seq + 1, chain.entry_hash,
           encode(sha256(decode(chain.entry_hash, 'hex')
                         || convert_to(item.head || (chain.seq + 1) || item.tail, 'UTF8')),
                  'hex')
    FROM chain JOIN items AS item ON item.i = chain.i + 1
), written AS (
    INSERT INTO audit_entries (seq, recorded_at, actor_id, source, action, object_type,
                               object_id, before, after, reason, prev_hash, entry_hash)
    SELECT chain.seq, :recorded_at, CAST(:actor_id AS integer), :source, item.action,
           item.object_type, item.object_id, item.before, item.after, item.reason,
           chain.prev_hash, chain.entry_hash
    FROM chain JOIN items AS item ON item.i = chain.i
)
UPDATE audit_head SET seq = last.seq, entry_hash = last.entry_hash
FROM (SELECT seq, entry_hash FROM chain ORDER BY i DESC LIMIT 1) AS last
WHERE audit_head.id = :head_id
RETURNING audit_head.seq
""")
"""PostgreSQL numbers, chains and writes a transaction's entries in one statement: the chain
head's lock is taken and the entries hashed in the database, so the lock is held for this
statement and the commit, not for round trips to a client whose thread must wait for its
interpreter's lock (every writing transaction queues there: it bounded the API's payments)."""


def _sealed_in_one_statement(db: Session, pending: list[_Pending], now: datetime,
                             actor_id: int | None, source: str) -> bool:
    """Seal `pending` with `_SEAL`; False (nothing written) when the head row is missing.

    Each entry's canonical body is made here with its number left out: the keys are sorted,
    so the number sits between `"seq":` and `,"source":` — a quote inside a value is escaped,
    so that text occurs once — and the database puts the number in before hashing."""
    heads, tails = [], []
    for item in pending:
        body = _hashed_text(_entry(item, 0, now, actor_id, source))
        before, found, after = body.partition('"seq":0,"source":')
        assert found, body
        heads.append(before + '"seq":')
        tails.append(',"source":' + after)
    sealed = db.execute(_SEAL, {
        "heads": heads, "tails": tails, "actions": [p.action for p in pending],
        "object_types": [p.object_type for p in pending],
        "object_ids": [p.object_id for p in pending], "befores": [p.before for p in pending],
        "afters": [p.after for p in pending], "reasons": [p.reason for p in pending],
        "head_id": HEAD_ID, "recorded_at": now, "actor_id": actor_id, "source": source,
    }).first()
    return sealed is not None


# -- verifying ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    count: int
    head_hash: str
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _rows(db: Session) -> Iterator[Any]:
    query = select(_entries).order_by(_entries.c.seq).execution_options(yield_per=5000)
    yield from db.execute(query).mappings()


def verify(db: Session, checkpoint: Checkpoint | None = None) -> Verified:
    """Recompute the chain; name the first entry altered, deleted or out of order; with a
    checkpoint, also a trail cut short (or rewritten) since it was taken."""
    prev, seq = GENESIS, 0
    hashes_at: dict[int, str] = {}
    for row in _rows(db):
        expected = seq + 1
        if row["seq"] != expected:
            return Verified(seq, prev, f"entry {expected} is missing: the trail goes from "
                                       f"entry {seq} to entry {row['seq']} (deleted)")
        if row["prev_hash"] != prev:
            return Verified(seq, prev, f"entry {seq} was altered, or entries were reordered: "
                                       f"entry {expected} links to a different hash")
        if entry_hash(prev, row) != row["entry_hash"]:
            return Verified(seq, prev, f"entry {expected} was altered: its content does not "
                                       "match its hash")
        prev, seq = row["entry_hash"], expected
        if checkpoint is not None and seq == checkpoint.seq:
            hashes_at[seq] = prev
    if checkpoint is not None:
        if seq < checkpoint.seq:
            return Verified(seq, prev, f"the trail was cut short: the checkpoint of "
                                       f"{checkpoint.made_at} holds {checkpoint.seq} entries, "
                                       f"the trail {seq}")
        if checkpoint.seq and hashes_at.get(checkpoint.seq) != checkpoint.entry_hash:
            return Verified(seq, prev, f"the trail up to entry {checkpoint.seq} is not the one "
                                       f"the checkpoint of {checkpoint.made_at} signed")
    return Verified(seq, prev)


# -- signed checkpoints -------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    entry_hash: str
    made_at: str
    signature: str

    def body(self) -> bytes:
        return canonical({"seq": self.seq, "entry_hash": self.entry_hash,
                          "made_at": self.made_at}).encode()


def make_key(path: Path) -> Path:
    """A new Ed25519 signing key (PEM, owner-only) at `path` and its public key at path.pub."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if path.exists():
        raise InputError("key", f"{path} exists: a signing key is never overwritten")
    key = Ed25519PrivateKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)
    public = path.with_name(path.name + ".pub")
    public.write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return public


def checkpoint(db: Session, key_path: Path) -> Checkpoint:
    """Sign the chain head as it is now (read from the entries, not the head row)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    try:
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError) as why:
        raise InputError("key", f"cannot read a signing key from {key_path}: {why}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError("key", f"{key_path} is not an Ed25519 key")
    last = db.execute(select(_entries.c.seq, _entries.c.entry_hash)
                      .order_by(_entries.c.seq.desc()).limit(1)).first()
    seq, head = (int(last.seq), str(last.entry_hash)) if last else (0, GENESIS)
    unsigned = Checkpoint(seq, head, _timestamp(utcnow()), "")
    return Checkpoint(seq, head, unsigned.made_at, key.sign(unsigned.body()).hex())


def write_checkpoint(point: Checkpoint, path: Path) -> None:
    path.write_text(canonical({"seq": point.seq, "entry_hash": point.entry_hash,
                               "made_at": point.made_at, "signature": point.signature}) + "\n")


def read_checkpoint(path: Path, public_key_path: Path) -> Checkpoint:
    """A checkpoint file whose signature the public key verifies; InputError otherwise."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        data = json.loads(path.read_text())
        point = Checkpoint(int(data["seq"]), str(data["entry_hash"]), str(data["made_at"]),
                           str(data["signature"]))
    except (OSError, ValueError, KeyError, TypeError) as why:
        raise InputError("checkpoint", f"cannot read {path}: {why}") from None
    try:
        public = serialization.load_pem_public_key(public_key_path.read_bytes())
    except (OSError, ValueError) as why:
        raise InputError("public_key", f"cannot read {public_key_path}: {why}") from None
    if not isinstance(public, Ed25519PublicKey):
        raise InputError("public_key", f"{public_key_path} is not an Ed25519 public key")
    try:
        public.verify(bytes.fromhex(point.signature), point.body())
    except (InvalidSignature, ValueError):
        raise InputError("checkpoint", f"{path}: the signature does not verify with "
                                       f"{public_key_path}") from None
    return point

"""The audit trail: written with every committed write, hash-chained, tamper-evident."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from typer.testing import CliRunner

from shebao.cli import app
from shebao.config import get_settings
from shebao.db.engine import get_engine, transaction
from shebao.errors import InputError
from shebao.registry.models import Person
from shebao.supervision import audit
from shebao.supervision.models import AuditEntry
from tests.helpers import add_person, bearer, two_counties

runner = CliRunner()


def entries(url: str) -> list[AuditEntry]:
    with transaction(url) as db:
        return list(db.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def tamper(url: str, statement: str) -> None:
    """What a database administrator could do behind shebao's back: switch the trigger off."""
    engine = get_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
            connection.execute(text(statement))
            connection.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER USER"))
        else:
            for event in ("update", "delete"):
                connection.execute(text(f"DROP TRIGGER IF EXISTS audit_entries_no_{event}"))
            connection.execute(text(statement))


def verified(url: str, point: audit.Checkpoint | None = None) -> audit.Verified:
    with transaction(url) as db:
        return audit.verify(db, point)


def test_committed_writes_are_chained_and_rolled_back_ones_leave_nothing(
    database_url: str,
) -> None:
    person_id = add_person(database_url, "王芳", "510104", date(1970, 1, 1), 8)
    with pytest.raises(RuntimeError), transaction(database_url) as db:
        db.get_one(Person, person_id).name = "never"
        db.flush()
        raise RuntimeError("rolled back")
    with transaction(database_url) as db:
        person = db.get_one(Person, person_id)
        try:
            with db.begin_nested():
                person.residence_region = "510107"
                db.flush()
                raise RuntimeError("savepoint rolled back")
        except RuntimeError:
            pass
        person.name = "王芳芳"
    found = entries(database_url)
    assert [(e.seq, e.action, e.object_type) for e in found] == [
        (1, "insert", "persons"), (2, "update", "persons")]
    inserted, updated = found
    # the identity number is traced as its digest, never in clear
    assert '"identity_number":"hmac:' in (inserted.after or "")
    assert json.loads(updated.before or "") == {"name": "王芳"}
    assert json.loads(updated.after or "") == {"name": "王芳芳"}
    assert updated.prev_hash == inserted.entry_hash
    assert updated.entry_hash == audit.entry_hash(inserted.entry_hash, {
        c.key: getattr(updated, c.key) for c in AuditEntry.__table__.columns})
    assert verified(database_url).ok and verified(database_url).count == 2


def test_nobody_changes_the_trail_through_the_database_triggers(database_url: str) -> None:
    add_person(database_url, "王芳", "510104", date(1970, 1, 1), 8)
    for statement in ("UPDATE audit_entries SET reason = 'x'", "DELETE FROM audit_entries"):
        with pytest.raises(Exception, match="never changed or deleted"), \
                get_engine(database_url).begin() as connection:
            connection.execute(text(statement))
    assert len(entries(database_url)) == 1


@pytest.fixture
def trail(database_url: str) -> str:
    """Five entries: five persons registered in five transactions."""

    for n in range(5):
        add_person(database_url, f"人{n}", "510104", date(1970, 1, 1 + n), 10 + n)
    assert verified(database_url).count == 5
    return database_url


def test_verify_names_an_altered_entry(trail: str) -> None:
    tamper(trail, "UPDATE audit_entries SET after = replace(after, '人2', '人X') WHERE seq = 3")
    assert verified(trail).problem == "entry 3 was altered: its content does not match its hash"


def test_verify_names_an_altered_entry_whose_hash_was_recomputed(trail: str) -> None:
    with transaction(trail) as db:
        row = dict(db.execute(select(AuditEntry.__table__).where(
            AuditEntry.seq == 3)).mappings().one())
    row["reason"] = "rewritten"
    forged = audit.entry_hash(row["prev_hash"], row)
    tamper(trail, f"UPDATE audit_entries SET reason = 'rewritten', entry_hash = '{forged}' "
                  "WHERE seq = 3")
    assert verified(trail).problem == ("entry 3 was altered, or entries were reordered: "
                                       "entry 4 links to a different hash")


def test_verify_names_a_deleted_entry(trail: str) -> None:
    tamper(trail, "DELETE FROM audit_entries WHERE seq = 2")
    assert verified(trail).problem == ("entry 2 is missing: the trail goes from entry 1 to "
                                       "entry 3 (deleted)")


def test_verify_notices_reordered_entries(trail: str) -> None:
    tamper(trail, "UPDATE audit_entries SET seq = -seq WHERE seq IN (2, 3)")
    tamper(trail, "UPDATE audit_entries SET seq = CASE seq WHEN -2 THEN 3 ELSE 2 END "
                  "WHERE seq < 0")
    assert verified(trail).problem == ("entry 1 was altered, or entries were reordered: "
                                       "entry 2 links to a different hash")


def test_a_signed_checkpoint_detects_a_trail_cut_short(trail: str, tmp_path: Path) -> None:
    key = tmp_path / "audit.pem"
    public = audit.make_key(key)
    with transaction(trail) as db:
        point = audit.checkpoint(db, key)
    audit.write_checkpoint(point, tmp_path / "head.json")
    read = audit.read_checkpoint(tmp_path / "head.json", public)
    assert (read.seq, read.entry_hash) == (5, verified(trail).head_hash)
    assert verified(trail, read).ok
    tamper(trail, "DELETE FROM audit_entries WHERE seq >= 4")
    assert verified(trail).ok  # without the checkpoint a cut tail looks like a shorter trail
    assert verified(trail, read).problem == (
        f"the trail was cut short: the checkpoint of {read.made_at} holds 5 entries, "
        "the trail 3")


def test_a_checkpoint_signed_by_another_key_is_refused(trail: str, tmp_path: Path) -> None:
    key, other = tmp_path / "a.pem", tmp_path / "b.pem"
    audit.make_key(key)
    other_public = audit.make_key(other)
    with transaction(trail) as db:
        audit.write_checkpoint(audit.checkpoint(db, key), tmp_path / "head.json")
    with pytest.raises(InputError, match="signature does not verify"):
        audit.read_checkpoint(tmp_path / "head.json", other_public)
    with pytest.raises(InputError, match="never overwritten"):
        audit.make_key(key)


@pytest.fixture
def configured(database_url: str, monkeypatch: pytest.MonkeyPatch,
               tmp_path: Path) -> Iterator[str]:
    monkeypatch.setenv("SHEBAO_DATABASE_URL", database_url)
    monkeypatch.setenv("SHEBAO_AUDIT_KEY", str(tmp_path / "key.pem"))
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def test_cli_verify_checkpoint_and_refusals(configured: str, tmp_path: Path) -> None:

    add_person(configured, "王芳", "510104", date(1970, 1, 1), 8)
    assert runner.invoke(app, ["audit", "checkpoint", "--out", str(tmp_path / "c.json")]
                         ).exit_code == 2  # no key yet
    assert runner.invoke(app, ["audit", "keygen"]).exit_code == 0
    made = runner.invoke(app, ["audit", "checkpoint", "--out", str(tmp_path / "c.json")])
    assert made.exit_code == 0, made.output
    ok = runner.invoke(app, ["audit", "verify", "--checkpoint", str(tmp_path / "c.json")])
    assert ok.exit_code == 0 and "audit trail ok: 1 entries" in ok.output
    tamper(configured, "DELETE FROM audit_entries")
    broken = runner.invoke(app, ["audit", "verify", "--checkpoint", str(tmp_path / "c.json")])
    assert broken.exit_code == 1
    assert "the trail was cut short" in broken.output


def test_api_writes_name_their_actor_and_a_reveal_needs_a_reason(
    client: TestClient, database_url: str,
) -> None:
    world = two_counties(database_url)
    clerk = bearer(client, "clerk-jinjiang")
    route = f"/api/v1/persons/{world.jinjiang_person}"
    refused = client.post(f"{route}/reveal", json={"reason": " "}, headers=clerk)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "reason"
    citizen = client.post(f"{route}/reveal", json={"reason": "checking my own number"},
                          headers=bearer(client, "citizen-liu"))
    assert citizen.status_code == 403
    other = client.post(f"/api/v1/persons/{world.wuhou_person}/reveal",
                        json={"reason": "a caller asked"}, headers=clerk)
    assert other.status_code == 404
    shown = client.post(f"{route}/reveal", json={"reason": "the citizen's bank form"},
                        headers=clerk)
    assert shown.status_code == 200
    with transaction(database_url) as db:
        person = db.get_one(Person, world.jinjiang_person)
        clerk_id = db.execute(text("SELECT id FROM users WHERE username = 'clerk-jinjiang'")
                              ).scalar_one()
        assert shown.json() == {"person_id": person.id,
                                "identity_number": person.identity_number}
    changed = client.patch(route, json={"name": "刘淑华", "effective_date": "2026-01-01",
                                        "reason": "correction"}, headers=clerk)
    assert changed.status_code == 200, changed.text
    found = entries(database_url)
    reveal = [e for e in found if e.action == "read"]
    assert [(e.object_type, e.object_id, e.reason, e.actor_id, e.source) for e in reveal] == [
        ("persons.identity_number", str(world.jinjiang_person), "the citizen's bank form",
         clerk_id, "api")]
    update = [e for e in found if e.action == "update" and e.object_type == "persons"]
    assert update and update[-1].actor_id == clerk_id
    trail = client.get("/api/v1/audit/entries", params={"object_type": "persons.identity_number"},
                       headers=bearer(client, "supervisor-sichuan"))
    assert [e["reason"] for e in trail.json()] == ["the citizen's bank form"]
    assert client.get("/api/v1/audit/entries", headers=clerk).status_code == 403
    checked = client.get("/api/v1/audit/verify", headers=bearer(client, "supervisor-sichuan"))
    assert checked.json()["ok"] is True
    assert checked.json()["count"] == len(entries(database_url))  # sign-ins are writes too


def test_concurrent_commits_keep_one_unbroken_chain(database_url: str) -> None:

    errors: list[BaseException] = []

    def register(worker: int) -> None:
        try:
            for n in range(8):
                add_person(database_url, f"并发{worker}-{n}", "510104",
                           date(1960 + worker, 1 + n, 1), 100 + worker * 10 + n)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=register, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    result = verified(database_url)
    assert result.ok and result.count == 32
    assert [e.seq for e in entries(database_url)] == list(range(1, 33))


def test_entries_chain_whatever_their_text_holds(database_url: str) -> None:
    """The chain is computed where the entries are written (in the database on PostgreSQL) and
    recomputed by `verify` in Python: values with quotes, non-ASCII text and the very text
    that marks an entry's number must hash alike."""
    awkward = ['"seq":0,"source":"api"', '引号 " 和 \\ 反斜杠', "", "\u2028 é ☃"]
    with transaction(database_url, write=True) as db:
        audit.attach_context(db, {"source": "cli", "actor_id": None})
        for n, value in enumerate(awkward):
            audit.record(db, "run", "test.awkward", value or None,
                         after={"value": value, "n": n}, reason=value or None)
    written = [e for e in entries(database_url) if e.object_type == "test.awkward"]
    assert [json.loads(e.after or "{}")["value"] for e in written] == awkward
    assert verified(database_url).ok


def test_a_removed_chain_head_is_put_back_from_the_last_entry(database_url: str) -> None:
    add_person(database_url, "头一", "510104", date(1970, 1, 1), 11)
    before = verified(database_url)
    with get_engine(database_url).begin() as connection:
        connection.execute(text("DELETE FROM audit_head"))
    add_person(database_url, "头二", "510104", date(1971, 1, 1), 13)
    after = verified(database_url)
    assert after.ok and after.count > before.count
    with transaction(database_url) as db:
        head = db.execute(text("SELECT seq, entry_hash FROM audit_head")).one()
    assert (head.seq, head.entry_hash) == (after.count, after.head_hash)

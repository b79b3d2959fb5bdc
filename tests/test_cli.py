"""The `shebao` command: identifier checks, demo seeding, accounts; refusals exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from shebao.assistance.demo import HOUSEHOLD_SIZES
from shebao.auth.models import User
from shebao.benefits.pension.demo import PENSIONERS
from shebao.cli import app
from shebao.config import get_settings
from shebao.db.engine import transaction
from shebao.registry.models import Person
from shebao.supervision.models import Case

runner = CliRunner()


@pytest.fixture
def configured(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("SHEBAO_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def test_id_check_decodes_a_valid_number() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "shebao.cli", "id", "check", "11010519491231002x"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    decoded = json.loads(result.stdout)
    assert decoded["birth_date"] == "1949-12-31"
    assert decoded["sex"] == "female"
    assert decoded["region_code"] == "110105"


def test_id_check_refuses_with_the_reason_and_exit_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "shebao.cli", "id", "check", "11010519491231002Y"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr
    assert result.stdout == ""


def test_id_check_decodes_a_credit_code() -> None:
    result = runner.invoke(app, ["id", "check", "91350100M000100Y43"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["kind"] == "unified_social_credit_code"


def test_demo_no_serve_seeds_once(configured: str) -> None:
    first = runner.invoke(app, ["demo", "--no-serve", "--persons", "200"])
    assert first.exit_code == 0, first.output
    assert "seeded: 200 persons" in first.output
    for role in ("citizen", "employer", "clerk", "supervisor", "analyst", "admin"):
        assert role in first.output
    second = runner.invoke(app, ["demo", "--no-serve", "--persons", "200"])
    assert "already seeded" in second.output
    with transaction(configured) as db:
        # The population, plus the pensioners of benefits/pension/demo.py and the Nanbu
        # households of assistance/demo.py.
        assert db.scalar(select(func.count(Person.id))) == (
            200 + len(PENSIONERS) + sum(HOUSEHOLD_SIZES))
        roles = set(db.scalars(select(User.role)))
        # The fraud cases of supervision/demo.py wait for the supervisor.
        assert db.scalar(select(func.count(Case.id)).where(Case.status == "open")) >= 1
    assert roles == {"citizen", "employer", "clerk", "supervisor", "analyst", "admin"}
    # Every demo write is in the audit trail, and the chain holds.
    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0 and "audit trail ok" in verified.output, verified.output


def test_users_create_and_its_refusals(configured: str) -> None:
    ok = runner.invoke(
        app, ["users", "create", "zhou", "--role", "clerk", "--region", "510104",
              "--password", "a long enough password"],
    )
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(
        app, ["users", "create", "wu", "--role", "clerk", "--region", "990000",
              "--password", "a long enough password"],
    )
    assert bad.exit_code == 2
    assert "region_code" in bad.output

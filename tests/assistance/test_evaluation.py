"""Identification quality: the synthetic applicants are reproducible, the truth is the means
test on the true means, and the cross-checks cut both inclusion and exclusion errors."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
from typer.testing import CliRunner

from shebao.assistance.evaluation import evaluate, identify, rules_at
from shebao.assistance.synthetic import Behaviour, generate, means_test
from shebao.cli import app

RULES = rules_at(date(2025, 6, 1)).values


def _households(seed: int, behaviour: Behaviour | None = None):  # type: ignore[no-untyped-def]
    return generate(20_000, seed, urban_standard=int(RULES["urban_standard"]),
                    rural_standard=int(RULES["rural_standard"]), rules=RULES,
                    behaviour=behaviour)


def test_same_seed_same_households_and_truth_is_the_means_test_on_true_means() -> None:
    a, b = _households(5), _households(5)
    assert all(np.array_equal(a[k], b[k]) for k in a.columns)
    truth = means_test(a["true_income"], a["true_deposits"], a["true_vehicles"],
                       a["true_properties"], a["size"], a["standard"], RULES)
    assert np.array_equal(truth, a["eligible"])
    assert not np.array_equal(a["size"], _households(6)["size"])
    # Only households that would not qualify conceal.
    assert not (a["concealer"] & a["eligible"]).any()


def test_cross_checks_cut_both_errors() -> None:
    found = evaluate(50_000, 11, date(2025, 6, 1))
    alone, checked = found["means_test"], found["with_cross_checks"]
    assert checked["inclusion_error"] < alone["inclusion_error"]
    assert checked["exclusion_error"] < alone["exclusion_error"]


def test_honest_households_and_full_records_leave_no_error() -> None:
    honest = Behaviour(conceal=0, stale_job=0, stale_vehicle=0)
    h = _households(3, honest)
    found = identify(h, RULES)
    assert np.array_equal(found["means_test"], h["eligible"])


def test_command_ends_with_one_json_line() -> None:
    result = CliRunner().invoke(app, ["assistance", "evaluate", "--households", "1000",
                                      "--seed", "4", "--json"])
    assert result.exit_code == 0, result.output
    line = json.loads(result.output.strip().splitlines()[-1])
    assert set(line) == {"households", "means_test", "with_cross_checks"}
    assert line["households"] == 1000
    assert set(line["means_test"]) == {"inclusion_error", "exclusion_error"}
    bad = CliRunner().invoke(app, ["assistance", "evaluate", "--households", "0"])
    assert bad.exit_code == 2

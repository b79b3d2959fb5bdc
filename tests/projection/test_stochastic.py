"""Stochastic mode: ordered bands, a real spread, a centre near the deterministic path."""

from __future__ import annotations

import numpy as np
import pytest

from shebao.errors import InputError
from shebao.projection.pension import project_pension
from shebao.projection.stochastic import StochasticResult, run_stochastic, summarize


@pytest.fixture(scope="module")
def result() -> StochasticResult:
    fund, pop = run_stochastic("cass-2019", 2060, draws=300, seed=7)
    return summarize(fund, pop)


def test_percentiles_are_ordered_and_spread(result: StochasticResult) -> None:
    r = result
    for values in r.percentiles.values():
        p10, p50, p90 = (np.array(values[q]) for q in ("p10", "p50", "p90"))
        assert (p10 <= p50).all() and (p50 <= p90).all()
    bal = r.percentiles["balance_fen"]
    assert bal["p90"][-1] - bal["p10"][-1] > 0
    assert r.draws == 300


def test_depletion_probability_rises_to_certainty_for_cass(result: StochasticResult) -> None:
    r = result
    p = r.depletion_probability
    assert p == sorted(p)
    assert p[0] == 0 and p[-1] > 0.9
    assert r.depletion_year_p50 is not None
    assert abs(r.depletion_year_p50 - project_pension("cass-2019", 2060).depletion_year()) <= 3


def test_the_same_seed_gives_the_same_draws() -> None:
    a, _ = run_stochastic("baseline", 2030, draws=100, seed=1)
    b, _ = run_stochastic("baseline", 2030, draws=100, seed=1)
    np.testing.assert_array_equal(a.balance, b.balance)


def test_draws_are_bounded() -> None:
    with pytest.raises(InputError) as e:
        run_stochastic("baseline", 2030, draws=10)
    assert e.value.field == "draws"

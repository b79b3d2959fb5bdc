"""Cohort-component projection against WPP 2024 and the method's invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.errors import InputError
from shebao.projection.population import (
    AGES,
    FEMALE,
    MALE,
    load_inputs,
    project_population,
    sprague,
    step,
    validate_population,
    wpp_midyear_total,
)


def test_total_within_one_percent_of_wpp_medium_every_year_through_2050() -> None:
    rows = validate_population(2050, 2024)
    assert [r[0] for r in rows] == list(range(2024, 2051))
    worst = max(abs(r[3]) for r in rows)
    assert worst < 0.01, worst


def test_wpp_reference_midyear_2024_is_the_published_figure() -> None:
    # WPP 2024 publishes China's 1 July 2024 population as 1,419,321 thousand.
    assert wpp_midyear_total(2024) == pytest.approx(1_419_321_278, abs=1_000)


def test_base_population_graduation_keeps_the_five_year_totals() -> None:
    inp = load_inputs()
    assert inp.base.shape == (2, AGES)
    assert inp.base.sum() == pytest.approx(1_426_106_092, rel=1e-12)
    assert (inp.base >= 0).all()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1e7), min_size=6, max_size=21))
def test_sprague_keeps_group_sums_and_never_goes_negative(groups: list[float]) -> None:
    single = sprague(np.array(groups))
    assert (single >= 0).all()
    sums = single.reshape(-1, 5).sum(axis=1)
    np.testing.assert_allclose(sums, groups, rtol=1e-9, atol=1e-6)


def test_sprague_reproduces_a_linear_age_profile() -> None:
    ages = np.arange(50, dtype=float)
    groups = ages.reshape(10, 5).sum(axis=1)
    np.testing.assert_allclose(sprague(groups), ages, atol=1e-9)


def test_a_closed_population_without_births_only_shrinks_and_ages() -> None:
    inp = load_inputs()
    pop = inp.base.copy()
    new, births = step(pop, inp.log_mx[0], np.zeros(AGES), 1.05, np.zeros((2, AGES)))
    assert births == 0
    assert new[:, 0].sum() == 0
    assert (new[:, 1:100] <= pop[:, 0:99] + 1e-9).all()
    assert new.sum() < pop.sum()


def test_variants_differ_only_through_fertility() -> None:
    low, med, high = (project_population(2050, v) for v in ("low", "medium", "high"))
    assert low.total()[-1] < med.total()[-1] < high.total()[-1]
    # those alive at the start (aged 30+ in 2050) are identical in every variant
    np.testing.assert_allclose(low.population[-1][:, 30:], high.population[-1][:, 30:])
    assert high.births[-1] > med.births[-1] > low.births[-1]


def test_summary_lists_add_up() -> None:
    s = project_population(2030).summary(2024)
    assert s["years"] == list(range(2024, 2031))
    for i in range(len(s["years"])):
        parts = s["age_0_14"][i] + s["age_15_64"][i] + s["age_65_plus"][i]
        assert abs(parts - s["total"][i]) <= 2
    # ageing: the share 65+ rises every year
    shares = [o / t for o, t in zip(s["age_65_plus"], s["total"], strict=True)]
    assert shares == sorted(shares)


def test_sex_ratio_at_birth_is_applied() -> None:
    p = project_population(2025)
    ratio = p.population[1, MALE, 0] / p.population[1, FEMALE, 0]
    assert 1.08 < ratio < 1.14


@pytest.mark.parametrize(
    ("to", "variant", "field"),
    [(2020, "medium", "to"), (2101, "medium", "to"), (2030, "mid", "variant")],
)
def test_bad_input_names_the_field(to: int, variant: str, field: str) -> None:
    with pytest.raises(InputError) as e:
        project_population(to, variant)
    assert e.value.field == field


def test_survival_by_hand_for_a_constant_death_rate() -> None:
    # m = 0.02 at every age, a = ½: q = 0.02 / 1.01, p = 0.99 / 1.01 = 0.980198…; with
    # L_x = (l_x + l_{x+1}) / 2, S_x = L_{x+1} / L_x = p between single ages.
    log_mx = np.full((2, AGES), np.log(0.02))
    pop = np.zeros((2, AGES))
    pop[FEMALE, 30] = 1000.0
    new, births = step(pop, log_mx, np.zeros(AGES), 1.05, np.zeros((2, AGES)))
    assert new[FEMALE, 31] == pytest.approx(980.198, abs=1e-3)
    assert new.sum() == pytest.approx(980.198, abs=1e-3) and births == 0
    # ½ M (1 + S): 100 net migrants aged 30 add 50 × (1 + 0.980198) = 99.0099 at 31
    migration = np.zeros((2, AGES))
    migration[FEMALE, 30] = 100.0
    moved, _ = step(pop, log_mx, np.zeros(AGES), 1.05, migration)
    assert moved[FEMALE, 31] - new[FEMALE, 31] == pytest.approx(99.0099, abs=1e-3)


def test_a_step_reads_no_uninitialised_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """Newborns were once computed from women of every age including age 0 before age 0 was
    written: whatever the memory held (NaN in a long-running process) leaked into the births.
    Here every fresh array holds NaN, as freed memory may."""
    import numpy as np

    from shebao.projection import population

    inp = population.load_inputs()
    real_empty = np.empty
    monkeypatch.setattr(np, "empty", lambda shape, dtype=float: np.full(
        shape, np.nan, dtype=real_empty(0, dtype=dtype).dtype))
    new, births = population.step(inp.base, inp.log_mx[0], inp.tfr["medium"][0] * inp.pasfr[0],
                                  inp.srb[0], inp.migration[0])
    assert np.isfinite(new).all() and np.isfinite(births).all()

"""A small generated population shared by the batch tests (generated once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shebao.batch import population


@pytest.fixture(scope="session")
def small_population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("population") / "pop"
    population.generate(20_000, 11, out)
    return out

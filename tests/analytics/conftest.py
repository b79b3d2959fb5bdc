"""The batch tests' small population serves the analytics tests too."""

from tests.batch.conftest import small_population

__all__ = ["small_population"]

"""Persons' movements on their individual accounts: one selectable over every place they live.

A person's account moves in two ways:

- **explicit lines** of the sub-ledger (`individual_account_lines`): what a posting sends as
  person lines (benefits, the supplementary pillars, interest, manual entries) or copies from
  an `IndividualSource`;
- **registered sources**: rows another domain already keeps, immutable, that ARE the
  movements (a paid bill's contribution rows are its persons' credits: China's individual
  accounts are kept from the paid contribution detail). The domain registers a select that
  yields them per ledger entry; the ledger never copies them.

`movements()` is the union. Everything that reads a person's account — balances, statements,
the overdraft check, `ledger.check` — reads it, so the ledger stays the one place that knows
what an account holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Select, Subquery, select, union_all

from shebao.ledger.models import IndividualAccountLine

Source = Callable[[], Sequence[Select[Any]]]
"""Builds selects of (entry_id, person_id, account, amount_fen) rows: debit > 0, credit < 0,
never zero, at most one row per (entry, person, account). Plain selects, not a UNION: the
ledger unions them all in one flat UNION ALL (SQLite takes no nested compound select)."""

_SOURCES: dict[str, Source] = {}


def register(name: str, source: Source) -> None:
    """Add a domain's movements under `name` (said in refusals: "reverse it through <name>").

    The domain's rows must never change once an entry refers to them (a trigger refuses it):
    the ledger has posted their sum as control lines."""
    _SOURCES[name] = source


def sources() -> dict[str, Source]:
    """The registered sources, every domain's models imported first (they register there)."""
    import shebao.db.models  # noqa: F401  (importing it registers every domain's source)

    return dict(_SOURCES)


def explicit() -> Select[Any]:
    table = IndividualAccountLine.__table__
    return select(table.c.entry_id, table.c.person_id, table.c.account, table.c.amount_fen)


def _parts(source: Source) -> list[Select[Any]]:
    return list(source())


def referenced(name: str | None = None) -> Subquery | None:
    """The movements of the registered sources (or of the one called `name`) only; None when
    there are none."""
    found = [part for key, source in sources().items() if name in (None, key)
             for part in _parts(source)]
    if not found:
        return None
    return union_all(*found).subquery("referenced")


@cache
def movements() -> Subquery:
    """Every person movement: (entry_id, person_id, account, amount_fen), debit > 0.

    Built once (the sources register when their models are imported, before the first call):
    a statement is immutable, and building the union costs more than a posting's reads of it."""
    return union_all(explicit(), *(part for source in sources().values()
                                   for part in _parts(source))).subquery("movements")

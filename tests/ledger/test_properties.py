"""Random sequences of postings, retries and reversals keep every ledger invariant.

A model keeps what each account should hold (from the postings the ledger accepted) and which
entries were reversed; after every step the ledger must agree with the model, each balance must
equal the replay of its lines and no fund that may not go negative is below zero; at the end of
each run `check` finds nothing. The database is shared across examples, so each run uses
transit accounts of its own and records the starting balance of the shared accounts.
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from shebao.db.engine import transaction
from shebao.errors import InputError
from shebao.ledger import accounts, service

SHARED = ("settlement:440000", "fiscal:subsidy:510000", "pool:work_injury:440000",
          "central:adjustment")
amounts = st.integers(-50_00, 50_00).filter(lambda fen: fen != 0)


def _sign(code: str) -> int:
    return 1 if accounts.parse(code).normal_side == accounts.Side.debit else -1


def ledger_machine(url: str) -> type[RuleBasedStateMachine]:
    class Ledger(RuleBasedStateMachine):
        posted = Bundle("posted")

        def __init__(self) -> None:
            super().__init__()
            run = uuid.uuid4().hex[:8]
            self.codes = [*SHARED, f"transit:hyp-{run}-a", f"transit:hyp-{run}-b"]
            with transaction(url) as db:
                self.model = {code: service.balance(db, code) for code in self.codes}
            self.keys = (f"{run}-{n}" for n in range(10**6))
            self.requests: dict[int, service.PostingRequest] = {}
            self.reversed: set[int] = set()

        def _fits(self, lines: list[tuple[str, int]]) -> dict[str, int] | None:
            after = dict(self.model)
            for code, amount in lines:
                after[code] += _sign(code) * amount
            for code in self.codes:
                if after[code] < 0 and not accounts.parse(code).allow_negative:
                    return None
            return after

        @rule(target=posted,
              picks=st.lists(st.tuples(st.integers(0, len(SHARED) + 1), amounts),
                             min_size=1, max_size=3),
              last=st.integers(0, len(SHARED) + 1))
        def post(self, picks: list[tuple[int, int]], last: int) -> object:
            lines = [(self.codes[i], fen) for i, fen in picks]
            balance = -sum(fen for _, fen in lines)
            if balance != 0:
                lines.append((self.codes[last], balance))
            request = service.PostingRequest(
                idempotency_key=next(self.keys), kind="test", effective_date=date(2025, 7, 1),
                lines=lines,
            )
            after = self._fits(lines) if len(lines) >= 2 else None
            try:
                with transaction(url, write=True) as db:
                    result = service.post(db, request)
            except InputError as refused:
                assert after is None, refused
                return None
            assert after is not None, f"{lines} should have been refused"
            self.model = after
            self.requests[result.entry_id] = request
            return result.entry_id

        @rule(entry=posted)
        def retry(self, entry: int | None) -> None:
            if entry is None:
                return
            with transaction(url, write=True) as db:
                again = service.post(db, self.requests[entry])
            assert again.replayed and again.entry_id == entry

        @rule(entry=posted, fen=amounts)
        def reuse_key_for_another_body(self, entry: int | None, fen: int) -> None:
            if entry is None:
                return
            first = self.requests[entry]
            other = service.PostingRequest(
                idempotency_key=first.idempotency_key, kind=first.kind,
                effective_date=first.effective_date,
                lines=[(self.codes[-1], fen), (self.codes[-2], -fen)],
            )
            with pytest.raises(InputError, match="different posting"), transaction(
                url, write=True
            ) as db:
                service.post(db, other)

        @rule(entry=consumes(posted))
        def reverse(self, entry: int | None) -> None:
            if entry is None:
                return
            mirror = [(code, -fen) for code, fen in self.requests[entry].lines]
            after = self._fits(mirror)
            try:
                with transaction(url, write=True) as db:
                    result = service.reverse(db, entry, next(self.keys))
            except InputError as refused:
                assert refused.field == "entry_id"
                assert after is None or entry in self.reversed, refused
                return
            assert after is not None and entry not in self.reversed
            assert result.reverses_entry_id == entry
            self.model = after
            self.reversed.add(entry)

        @invariant()
        def ledger_agrees_with_the_model(self) -> None:
            with transaction(url) as db:
                for code in self.codes:
                    held = service.balance(db, code)
                    assert held == self.model[code], code
                    assert held == service.replayed_balance(db, code), code
                    assert held >= 0 or accounts.parse(code).allow_negative, code

        def teardown(self) -> None:
            # the whole-ledger check scans every entry: once a run, not once a step
            with transaction(url) as db:
                assert service.check(db) == []

    return Ledger


def test_random_postings_and_reversals_keep_every_invariant(database_url: str) -> None:
    run_state_machine_as_test(
        ledger_machine(database_url),
        settings=settings(max_examples=20, stateful_step_count=15, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow]),
    )

# shebao: `make run` serves the demo, `make test` runs the whole suite. Both set up everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: install run test lint bench bench-tools browser guide clean reliability soak

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

install: $(INSTALLED)

# openfisca-core for the comparison in benchmarks/formulas.py only: its own venv, never one of
# shebao's dependencies (it may pin an older numpy).
BENCH_OPENFISCA := .venv-bench-openfisca
BENCH_OPENFISCA_INSTALLED := $(BENCH_OPENFISCA)/.installed

$(BENCH_OPENFISCA_INSTALLED): benchmarks/openfisca-requirements.txt
	$(PYTHON) -m venv $(BENCH_OPENFISCA)
	$(BENCH_OPENFISCA)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_OPENFISCA)/bin/python -m pip install --quiet -r benchmarks/openfisca-requirements.txt
	touch $(BENCH_OPENFISCA_INSTALLED)

# The demo: SQLite under var/, migrated and seeded when empty, served on http://127.0.0.1:8000.
run: install
	$(BIN)/shebao demo

# Debian's Chromium and a Chinese font for the browser tests (Playwright cannot download its
# own browser here). Installed when missing and this user may install packages; otherwise the
# browser tests say why they skip (and fail under CI=true).
browser:
	@if command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	else echo "chromium or a Chinese font is missing and cannot be installed: browser tests skip"; fi

test: install browser
	$(BIN)/python -m pytest

# The user guide's screenshots (docs/guide/), retaken by the browser journeys.
guide: install browser
	SHEBAO_GUIDE=1 $(BIN)/python -m pytest tests/web/test_browser.py

lint: install
	$(BIN)/ruff check src tests benchmarks

# pgbench for benchmarks/posting.py (PostgreSQL 15's ships in Debian's postgresql-15, pulled in
# by postgresql-contrib), installed when missing and this user may install packages.
bench-tools:
	@if command -v pgbench >/dev/null 2>&1 && pgbench --version >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq postgresql-client postgresql-contrib >/dev/null; \
	else echo "pgbench is missing and cannot be installed: benchmarks/posting.py will stop"; fi

bench: install $(BENCH_OPENFISCA_INSTALLED) bench-tools
	@set -e; for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script; done

# Reliability and security (docs/reliability.md): the bank test under kill -9, idempotency,
# authorization, parsers, backup and restore, load. One table, then one JSON line. PostgreSQL
# checks run when SHEBAO_TEST_DATABASE_URL (or 127.0.0.1:5432) answers.
reliability: install
	$(BIN)/python -m shebao.reliability

# The long run: five minutes of bank test and of load, and PostgreSQL itself stopped
# (pg_ctlcluster ... stop -m immediate) and restarted during the bank test.
soak: install
	$(BIN)/python -m shebao.reliability --soak

clean:
	rm -rf $(VENV) $(BENCH_OPENFISCA) var test-artifacts .pytest_cache .ruff_cache

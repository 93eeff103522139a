# The two commands: `make run` (demo site on http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha256sum requirements.lock 2>/dev/null | cut -c1-12)
PYTEST_WORKERS ?= 2

.PHONY: run test install lint format check-python smoke clean bench vendor

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Casebook needs Python 3.11 or newer; set PYTHON=python3.11 (or newer).")'

$(STAMP): requirements.lock | check-python
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# Demo site: SQLite under var/, tasks run in-process, DEBUG on, demo users printed.
run: install
	mkdir -p var/static
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py load_demo
	@echo "Casebook is starting on http://127.0.0.1:8000 (log in with a demo user above)"
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

# The whole suite; DATABASE_URL picks the database (SQLite by default, PostgreSQL in CI).
test: install
	mkdir -p var/static
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist load

smoke: install
	mkdir -p var/static
	$(BIN)/pytest -m smoke

# Benchmarks on a generated PostgreSQL database; writes docs/benchmarks.md (cases/bench/).
# BENCH_KEEP=1 reuses a database that already holds generated data.
BENCH_SCALE ?= 1
BENCH_SEED ?= 1
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/casebook_bench
BENCH_KEEP ?=
# Production-like settings (DEBUG off) with throw-away secrets, since the bench database holds
# only generated data; requests come from the in-process test client, without collected static
# files or HTTPS in front (STATIC_MANIFEST=0, SECURE_SSL_REDIRECT=0).
BENCH_ENV := DATABASE_URL=$(BENCH_DATABASE_URL) DEBUG=0 \
	SECRET_KEY=bench-only-throwaway-secret-key-never-for-real-data-0123456789abcdef \
	FIELD_ENCRYPTION_KEYS=bench-only-throwaway-salt \
	HISTORY_KEY=bench-only-throwaway-history-key-never-for-real-data-0123456789 \
	EXPORT_ENCRYPTION_KEYS=YmVuY2gtb25seS10aHJvd2F3YXktZXhwb3J0LWtleSE= \
	ALLOWED_HOSTS=testserver,localhost \
	SECURE_SSL_REDIRECT=0 STATIC_MANIFEST=0 LOG_LEVEL=WARNING

bench: install
	mkdir -p var/static
	$(BENCH_ENV) $(BIN)/python manage.py bench --prepare --scale $(BENCH_SCALE) \
		--seed $(BENCH_SEED) $(if $(filter 1 yes true,$(BENCH_KEEP)),--keep)
	$(BENCH_ENV) $(BIN)/python manage.py bench --scale $(BENCH_SCALE) --seed $(BENCH_SEED) \
		--output docs/benchmarks.md

# Front-end assets from the npm registry, verified and committed (vendor.toml); no Node.js.
vendor: check-python
	$(PYTHON) tools/vendor.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var/test*.sqlite3 .pytest_cache .ruff_cache

# Kontento — `make run` serves the demo, `make test` runs the suite. Only Python 3.11+ needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: help run translations worker test test-postgres lint fmt bench bench-lifecycle bench-ideas bench-import bench-mail bench-pages bench-queue-search clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

# FLASK_RUN_HOST/PORT on every step: the demo's e-mail links (rendered by `flask demo` and by the
# server) point where the server listens, unless BASE_URL is set (environment or .env).
RUN_ENV := FLASK_RUN_HOST=$(HOST) FLASK_RUN_PORT=$(PORT)

run: $(VENV)/.runtime translations  ## Migrate, seed demo data if the database is empty, serve on http://HOST:PORT (127.0.0.1:5000; `make run PORT=5101`)
	$(RUN_ENV) $(FLASK) db upgrade
	$(RUN_ENV) $(FLASK) demo --if-empty
	$(RUN_ENV) $(FLASK) run --host $(HOST) --port $(PORT)

translations: $(VENV)/.runtime  ## Compile the message catalogues (feedback/translations/*/LC_MESSAGES/*.po → .mo)
	$(FLASK) translate compile

worker: $(VENV)/.runtime translations  ## Celery worker with beat (needs REDIS_URL; without it `make run` has an embedded one)
	@test -n "$$REDIS_URL" || { echo "set REDIS_URL, e.g. redis://127.0.0.1:6379/0"; exit 1; }
	$(BIN)/celery -A make_celery worker -B --loglevel INFO

# axe-core (the accessibility checks in tests/e2e) from the npm registry, pinned by package-lock.json.
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

test: $(VENV)/.dev $(AXE)  ## Run the test suite (SQLite unless DATABASE_URL is set)
	$(BIN)/python -m pytest

test-postgres: $(VENV)/.dev $(AXE)  ## Run the suite on the local PostgreSQL database `test`
	DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test $(BIN)/python -m pytest

lint: $(VENV)/.dev  ## ruff lint and format check, and the import contracts (layers, no cycles)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

fmt: $(VENV)/.dev  ## Format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.dev  ## Report benchmark (10k vs 1M responses)
	$(BIN)/python bench/report_bench.py

bench-lifecycle: $(VENV)/.dev  ## Scaling benchmark on PostgreSQL kt_bench (wipes it): reports, sweep, memory, submissions
	$(BIN)/python bench/lifecycle_bench.py

bench-ideas: $(VENV)/.dev  ## Idea board and similar-ideas lookup, 1k vs 10k ideas (DATABASE_URL, default SQLite)
	$(BIN)/python bench/ideas_bench.py

bench-import: $(VENV)/.dev  ## Subscription CSV import on PostgreSQL kt_bench (wipes it): memory 10k vs 200k rows, rows/s
	$(BIN)/python bench/import_bench.py

bench-mail: $(VENV)/.dev  ## Notice mail to 20k customers on PostgreSQL kt_bench (wipes it): fan-out, messages/s over a local SMTP sink
	$(BIN)/python bench/mail_bench.py

bench-pages: $(VENV)/.dev  ## Manager and staff pages, 10k vs 1M ratings, on PostgreSQL kt_bench (schemas pages_*; KEEP=1 reuses them)
	$(BIN)/python bench/page_bench.py $(if $(KEEP),--keep)

bench-queue-search: $(VENV)/.dev  ## The staff queue searched vs not at 1M cases, on PostgreSQL kt_bench (schema queue_search; KEEP=1 reuses it)
	$(BIN)/python bench/queue_search_bench.py $(if $(KEEP),--keep)

clean:  ## Remove the virtualenv and the local database
	rm -rf $(VENV) instance/kontento.sqlite

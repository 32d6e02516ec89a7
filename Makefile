# mkwebhooks — the commands the README names.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_URL ?= redis://127.0.0.1:6379/15
PORT ?= 8000
# Fixed keys for the test runs only; never use these anywhere else.
TEST_ENV := DJANGO_SECRET_KEY=test-only-secret-key-not-for-production DJANGO_SECURE_SSL_REDIRECT=0 \
	MKWEBHOOKS_ENCRYPTION_KEYS=yDSI4yrCk2xkrKTpwYgHRhRbb12dLmRhuZ0XKI7LLY0=

.PHONY: demo run test lint install migrate clean bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --editable ".[test]"
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput -v 0

demo: migrate  ## the main job: real processes, a real receiver, verified webhooks
	$(BIN)/python manage.py demo

run: migrate  ## web server + worker in the foreground until Ctrl-C
	$(BIN)/python manage.py serve --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint  ## the whole suite: SQLite + ORM broker, then PostgreSQL + Redis where they answer
	@echo "=== Configuration 1: SQLite + django-q2 ORM broker ==="
	$(TEST_ENV) $(BIN)/pytest
	@if $(BIN)/python bin/services_up.py "$(PG_URL)" "$(REDIS_URL)"; then \
		echo "=== Configuration 2: PostgreSQL + Redis broker ==="; \
		$(TEST_ENV) DATABASE_URL="$(PG_URL)" MKWEBHOOKS_BROKER_URL="$(REDIS_URL)" \
			MKWEBHOOKS_QUEUE_NAME="mkwebhooks-test-$$$$" $(BIN)/pytest \
		&& echo "=== Ran: SQLite + ORM broker, PostgreSQL + Redis broker ==="; \
	else \
		echo "=== Ran: SQLite + ORM broker only (PostgreSQL or Redis did not answer) ==="; \
	fi

bench: $(STAMP)  ## throughput, latency, fan-out, memory (needs Debian's nginx); pages at 1M rows
	$(BIN)/python bench/run.py
	$(BIN)/python bench/pages.py

clean:
	rm -rf $(VENV) db.sqlite3* test-db.sqlite3*

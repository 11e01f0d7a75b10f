# Two commands for a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := FORUM_CONFIG=development $(BIN)/flask --app wsgi
PORT   ?= 5000
# The server and the mail worker both read it: links in email point to the port served (config.SITE_URL).
export PORT
# pytest-xdist workers for the suites: one per core unless told (`make test PYTEST_WORKERS=4`).
PYTEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
# Extra pytest options or paths for one run: `make test-quick PYTEST_ARGS="tests/privacy -x"`.
PYTEST_ARGS ?=
# Python caches what it compiles (the forum's modules, pytest's rewritten test files) in
# __pycache__ (git ignores it), unless the environment says not to. Without the cache each
# pytest worker, each serial run and each CLI a test starts compiles it all again: about
# 11 s of CPU per `pytest -n 2` (measured on a fresh clone), twice per CI run and more.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run admin test test-quick test-postgres check venv browser postgres wrk db seed bench clean migration

venv: $(VENV)/.installed

# Reinstall only when the pinned dependencies change.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Browser tests drive Debian's Chromium; Playwright's own browser download does not work here.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi

# bench/page_bench.py drives the pages with Debian's wrk.
wrk:
	@if ! command -v wrk >/dev/null; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq wrk >/dev/null; \
	fi

# PostgreSQL (and Redis, for the shared rate-limit store) from Debian's packages, for
# `make test-postgres`; scripts/pg-test-cluster runs its own private servers, not the services.
# postgresql-15-rum: the RUM index search ranks through (docs/search.md); 15 is Debian 12's PostgreSQL.
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v redis-server >/dev/null \
		|| ! ls /usr/share/postgresql/*/extension/rum.control >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq postgresql postgresql-15-rum redis-server >/dev/null; \
	fi

db: venv
	mkdir -p instance
	$(FLASK) db upgrade

# The index is rebuilt from the database each time: cheap for the demo, and it can never
# be left behind by a database that was reset or seeded without it.
seed: db
	$(FLASK) forum seed --if-empty
	$(FLASK) forum rerender  # a database seeded by an older version gets the current rendering
	$(FLASK) forum reindex

# The mail worker runs beside the server and stops with it (mail lands in instance/mail/).
run: seed
	$(FLASK) forum worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# `make admin NAME=you`: make an account a site admin (created, asking for a password and address, if new).
admin: db
	@test -n "$(NAME)" || { echo 'Usage: make admin NAME=username'; exit 2; }
	$(FLASK) forum create-admin "$(NAME)"

# The suite in parallel workers, then alone the few `serial` tests (they stop the database
# server); both always run, and the recipe fails if either did. The second run collects
# only the files that mark tests serial, not the whole suite again; its exit status 5 means
# the marker expression left none to run. $(1) narrows the marker expression.
SERIAL_TESTS := $(shell grep -rl --include='test_*.py' 'mark.serial' tests)
suite = status=0; \
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --durations=15 -m "not serial$(1)" $(PYTEST_ARGS) || status=$$?; \
	echo "--- the serial tests, alone ---"; \
	$(BIN)/python -m pytest -p no:xdist -m "serial$(1)" $(SERIAL_TESTS) $(PYTEST_ARGS) || [ $$? = 5 ] || status=1; \
	exit $$status

test: venv browser
	$(suite)

# The edit loop: SQLite, no browser, no slow property-based tests, nothing to install but the venv.
test-quick: venv
	$(call suite, and not browser and not slow)

# The same suite against a throwaway PostgreSQL cluster (and Redis) in a temporary directory;
# one cluster serves both runs.
test-postgres: venv browser postgres
	scripts/pg-test-cluster sh -c '$(suite)'

# The linter, the formatter's verdict and the type checker (configured in pyproject.toml).
check: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: venv wrk
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance .pytest_cache

# Until the first release there is one migration, regenerated from the models.
# Once deployed databases exist, add new revisions with `flask db migrate` instead.
migration: venv
	rm -f migrations/versions/*.py
	blank=$$(mktemp -d)/blank.sqlite3 && \
	DATABASE_URL=sqlite:///$$blank $(FLASK) db migrate -m "initial schema" --rev-id 0001_initial
	sed -i '/^Create Date:/d' migrations/versions/0001_initial_initial_schema.py  # stable file between regenerations

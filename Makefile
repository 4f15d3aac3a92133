# The front door: `make run` and `make test` work on a fresh clone with nothing else installed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
GUNICORN_ARGS := -c gunicorn.conf.py wsgi:app
# Test processes (pytest-xdist): one per core by default.
TEST_WORKERS ?= auto

.PHONY: run test check lint format clean e2e nginx

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/gunicorn $(GUNICORN_ARGS)

test: $(STAMP) lint
	$(BIN)/pytest -n $(TEST_WORKERS)

# The everyday loop: everything but the tests slow by nature (fuzzing, fleet-scale data).
check: $(STAMP)
	$(BIN)/pytest -n $(TEST_WORKERS) -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# `make e2e`: nginx → gunicorn → syncapi on this machine, through the compose stack's own
# nginx template (deploy/e2e.py). nginx and envsubst come from Debian's packages when
# missing (as root, or with sudo).
e2e: $(STAMP) nginx
	$(BIN)/python deploy/e2e.py

nginx:
	@{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null 2>&1 && command -v envsubst >/dev/null 2>&1 || { \
	  if ! command -v apt-get >/dev/null 2>&1; then echo "e2e: no apt-get to install nginx" >&2; exit 1; \
	  elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nginx gettext-base >/dev/null; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	    sudo apt-get update -qq && sudo apt-get install -y -qq nginx gettext-base >/dev/null; \
	  else echo "e2e: nginx missing, and neither root nor sudo to install it" >&2; exit 1; fi; }

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

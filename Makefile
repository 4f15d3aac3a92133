# The front door: `make run` and `make test` work on a fresh clone with nothing else installed;
# `make` alone lists the targets (each target's `## ` comment is its line in that list).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.bench-installed
GUNICORN_ARGS := -c gunicorn.conf.py wsgi:app
# Test processes (pytest-xdist): one per core by default.
TEST_WORKERS ?= auto

.PHONY: help run test check fuzz lint format clean bench profile wrk e2e nginx docs-check chromium
.DEFAULT_GOAL := help

help: ## this list of targets
	@echo "make <target>; operator commands: ./manage <command> (./manage --help)"
	@awk -F ':.*## ' '/^[a-z0-9-]+:.*## / { printf "  %-10s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

$(STAMP): requirements.txt requirements-embedded.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP) ## start the API on http://127.0.0.1:3000 with the embedded store (README "Quick start")
	$(BIN)/gunicorn $(GUNICORN_ARGS)

test: $(STAMP) lint ## lint, then every test, one process per core (what CI runs)
	$(BIN)/pytest -n $(TEST_WORKERS)

# The everyday loop: everything but the tests slow by nature (fuzzing, fleet-scale data).
check: $(STAMP) ## every test but those slow by nature (fuzzing, fleet-scale data, servers)
	$(BIN)/pytest -n $(TEST_WORKERS) -m "not slow"

# A longer fuzzing run than `make test`'s: EXAMPLES cases per operation and mode, from a
# seed it prints; `make fuzz SEED=<printed seed>` replays a failure.
EXAMPLES ?= 200
ifndef SEED
SEED := $(shell date +%s)
endif
fuzz: $(STAMP) ## a longer fuzzing run of every operation: make fuzz EXAMPLES=500 SEED=1234
	@echo "fuzzing with SEED=$(SEED) EXAMPLES=$(EXAMPLES)"
	SYNCAPI_FUZZ_EXAMPLES=$(EXAMPLES) $(BIN)/pytest tests/test_fuzz.py -m slow -q \
		-n $(TEST_WORKERS) --hypothesis-seed=$(SEED)

lint: $(STAMP) ## ruff, ruff format --check, and the import layers (lint-imports)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP) ## let ruff fix and format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# `make bench`: syncapi beside a bare Flask app, one table (docs/benchmark.md). The HTTP rows
# need wrk: installed from Debian's packages when missing (as root, or with sudo); where it
# cannot be, the table says the HTTP part was skipped and why.
bench: $(STAMP) wrk ## what syncapi costs beside a bare Flask app, one table (docs/benchmark.md)
	$(BIN)/python -m bench

wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  if ! command -v apt-get >/dev/null 2>&1; then echo "bench: no apt-get to install wrk"; \
	  elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	    sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; \
	  else echo "bench: wrk missing, and neither root nor sudo to install it"; fi; \
	} || echo "bench: wrk could not be installed"

# Where a request's time goes (pyinstrument, from requirements-bench.txt).
profile: $(BENCH_STAMP) ## where a request's time goes (pyinstrument)
	$(BIN)/python -m bench.profiling

$(BENCH_STAMP): $(STAMP) requirements-bench.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-bench.txt
	touch $(BENCH_STAMP)

# `make e2e`: nginx → gunicorn → syncapi on this machine, through the compose stack's own
# nginx template (deploy/e2e.py). nginx and envsubst come from Debian's packages when
# missing (as root, or with sudo).
e2e: $(STAMP) nginx ## nginx -> gunicorn -> syncapi here, through the compose stack's nginx template
	$(BIN)/python deploy/e2e.py

nginx:
	@{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null 2>&1 && command -v envsubst >/dev/null 2>&1 || { \
	  if ! command -v apt-get >/dev/null 2>&1; then echo "e2e: no apt-get to install nginx" >&2; exit 1; \
	  elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nginx gettext-base >/dev/null; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	    sudo apt-get update -qq && sudo apt-get install -y -qq nginx gettext-base >/dev/null; \
	  else echo "e2e: nginx missing, and neither root nor sudo to install it" >&2; exit 1; fi; }

# `make docs-check`: the docs page in headless Chromium (deploy/docs_check.py): every
# parameter named, the description's own examples shown, and a screenshot of a device
# operation at the path it prints. Chromium comes from Debian's packages when missing (as
# root, or with sudo).
docs-check: $(STAMP) chromium ## the docs page in headless Chromium: checks, and a screenshot
	$(BIN)/python deploy/docs_check.py

chromium:
	@{ command -v chromium || command -v chromium-browser || command -v google-chrome; } >/dev/null 2>&1 || { \
	  if ! command -v apt-get >/dev/null 2>&1; then echo "docs-check: no apt-get to install chromium" >&2; exit 1; \
	  elif [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	    sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; \
	  else echo "docs-check: chromium missing, and neither root nor sudo to install it" >&2; exit 1; fi; }

clean: ## remove .venv and the tools' caches
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis .import_linter_cache

# The front door: `make run` and `make test` work on a fresh clone with nothing else installed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
GUNICORN_ARGS := -c gunicorn.conf.py wsgi:app
# Test processes (pytest-xdist): one per core by default.
TEST_WORKERS ?= auto

.PHONY: run test check fuzz lint format clean

$(STAMP): requirements.txt requirements-embedded.txt requirements-dev.txt
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

# A longer fuzzing run than `make test`'s: EXAMPLES cases per operation and mode, from a
# seed it prints; `make fuzz SEED=<printed seed>` replays a failure.
EXAMPLES ?= 200
ifndef SEED
SEED := $(shell date +%s)
endif
fuzz: $(STAMP)
	@echo "fuzzing with SEED=$(SEED) EXAMPLES=$(EXAMPLES)"
	SYNCAPI_FUZZ_EXAMPLES=$(EXAMPLES) $(BIN)/pytest tests/test_fuzz.py -m slow -q \
		-n $(TEST_WORKERS) --hypothesis-seed=$(SEED)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

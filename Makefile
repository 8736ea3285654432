# The project's workflow commands, in one place. `make help` lists them.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: help install test demo bench reference lint

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python ## install briefs with its test tools into .venv (editable)
	$(BIN)/pip install -q -e '.[test]'

test: install lint ## check the code (make lint), then run the test suite (offline; browser tests need /usr/bin/chromium)
	@$(BIN)/python -m pytest; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests, which means the suite is broken"; exit 1; fi; \
	exit $$rc

demo: $(BIN)/python ## install briefs and write the bundled sample's 2022-W06 briefing (offline replay)
	$(BIN)/pip install -q .
	$(BIN)/briefs generate --week 2022-W06

bench: install ## run the benchmark scripts (figures, not pass/fail)
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

reference: install ## rebuild the sample recordings from the hand-written answers in tests/fixtures/answers
	$(BIN)/python scripts/build_reference_recordings.py

lint: install ## check the code: ruff lint, ruff format (check only), mypy on briefs/ (settings in pyproject.toml)
	@rc=0; \
	$(BIN)/ruff check . || rc=1; \
	$(BIN)/ruff format --check . || rc=1; \
	$(BIN)/mypy || rc=1; \
	exit $$rc

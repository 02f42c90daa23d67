# The two commands of README.md. Both set everything up first (idempotent).
PY := .venv/bin/python
# test workers: one per core (pytest-xdist "auto"), a test module per worker so its fixtures are made once, the
# modules in the order tests/conftest.py gives them (heaviest first), not xdist's (most tests first);
# TEST_JOBS=0 runs the suite serially, in one process
TEST_JOBS ?= auto

.PHONY: setup build test quick check serve schema bench clean

setup:
	@bash scripts/setup.sh

build: setup
	$(PY) -m generator.cli build

test: setup
	$(PY) -m pytest -q -n $(TEST_JOBS) --dist loadscope --no-loadscope-reorder

# the pure-Python tier for the inner loop (no site builds, document renders, browsers or LibreOffice): seconds
quick: setup
	$(PY) -m pytest -q -n $(TEST_JOBS) --dist loadscope --no-loadscope-reorder -m "not slow"

check: setup
	$(PY) -m generator.cli check

serve: setup
	$(PY) -m generator.cli serve

schema: setup
	$(PY) -m generator.cli schema

bench: setup
	$(PY) benchmarks/run.py

clean:
	rm -rf site .cache

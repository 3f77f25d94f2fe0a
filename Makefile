# The README's two commands: `make demo` and `make test`.
# Each sets up what it needs (a virtual environment, the Python package, the npm tools) and is safe
# to run twice: set-up steps re-run only when the files they read have changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
# `make test` runs on every core (pytest-xdist; each worker has its own anvil, IPFS store and devnet
# on free ports), a test file per worker at a time so module-scoped chains are built once, and
# leaves out the long `soak` runs and the benchmarks' end-to-end smoke runs (`.ci/run` runs them
# with PYTEST_ARGS=).
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?= -m "not soak and not bench"

.PHONY: demo test setup lint typecheck compile bench clean

demo: setup
	$(BIN)/ogpu demo

# Exit code 5 (no test selected, e.g. by a -k or -m filter) is not a failure.
test: setup
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=15 $(PYTEST_ARGS); \
	rc=$$?; [ $$rc -eq 5 ] && rc=0; exit $$rc

setup: $(STAMP) $(NPM_STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# The anvil package's postinstall only downloads what its optional dependency already ships.
$(NPM_STAMP): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

lint: setup
	$(BIN)/ruff check ogpu tests bench
	$(BIN)/ruff format --check ogpu tests bench

typecheck: setup
	$(BIN)/mypy ogpu

compile: $(NPM_STAMP)
	node scripts/compile.js

bench: setup
	for b in bench/[!_]*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache build *.egg-info

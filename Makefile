# The two commands: `make shell` runs the bot in the console on SQLite; `make test` runs the whole suite.
# Both install the exact, hash-checked versions in requirements.lock; `make lock` / `make upgrade-lock` rewrite it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
# pip itself is not in the lock (pip-compile cannot pin it from pyproject.toml); it is pinned here.
PIP_VERSION := 26.3
# pip-tools writes the lock; it lives in a venv of its own so the project's .venv holds only the lock.
TOOLS := .venv-tools
PIP_TOOLS_VERSION := 7.6.2
TOOLS_STAMP := $(TOOLS)/.pip-tools-$(PIP_TOOLS_VERSION)
LOCK_FLAGS := --extra=test --all-build-deps --allow-unsafe --generate-hashes --strip-extras \
	--no-emit-index-url --no-emit-find-links
# Extra pip-compile options, e.g. `make lock LOCK_ARGS='--upgrade-package SQLAlchemy'`.
LOCK_ARGS ?=

.PHONY: shell test lint bench clean lock upgrade-lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Two steps because pip refuses an editable install in hash-checking mode: first every locked
# package (setuptools included), then kader itself with that setuptools and no dependency lookup.
$(STAMP): $(BIN)/python $(LOCK) pyproject.toml Makefile
	$(BIN)/python -m pip install --quiet pip==$(PIP_VERSION)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@$(BIN)/python -m pip check || { echo "$(LOCK) lacks what pyproject.toml requires: run 'make lock'" >&2; exit 1; }
	touch $(STAMP)

shell: $(STAMP)
	$(BIN)/kader shell

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .

# Every benchmark in bench/ at modest sizes, one table with the baselines of the same run (bench/README.md);
# on PostgreSQL too when BENCH_DATABASE_URL (or TEST_DATABASE_URL) names a server. Not part of `make test` or CI.
# Full sizes: `make bench BENCH_ARGS='--rows 100000 --users 200 --repeat 3'`.
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

$(TOOLS_STAMP):
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11) and "the lock is for Python 3.11: run with PYTHON=python3.11")'
	rm -rf $(TOOLS)
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet pip==$(PIP_VERSION) pip-tools==$(PIP_TOOLS_VERSION)
	touch $(TOOLS_STAMP)

# Keeps every pin in the lock that pyproject.toml still allows; adds what it newly requires, drops what it no longer does.
lock: $(TOOLS_STAMP)
	CUSTOM_COMPILE_COMMAND="make lock  (pip-compile $(LOCK_FLAGS) pyproject.toml; make upgrade-lock adds --upgrade)" \
		$(TOOLS)/bin/pip-compile --quiet $(LOCK_FLAGS) $(LOCK_ARGS) --output-file=$(LOCK) pyproject.toml

# Moves every pin to the newest version pyproject.toml allows. Then `make test` and commit the lock.
upgrade-lock:
	$(MAKE) lock LOCK_ARGS='--upgrade $(LOCK_ARGS)'

clean:
	rm -rf $(VENV) $(TOOLS) kader.db kader.db-wal kader.db-shm

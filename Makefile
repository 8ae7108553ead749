# AgentIdP developer commands. `make run` sets everything up and serves on the embedded
# default; `make test` runs the whole suite. See README.md.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export AGENTIDP_DATA_DIR ?= $(CURDIR)/.agentidp

.PHONY: setup run migrate test test-fast lint bench clean FORCE

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/agentidp serve

migrate: setup
	$(BIN)/agentidp migrate

test: setup
	$(BIN)/pytest -n 2 --dist loadgroup

test-fast: setup
	$(BIN)/pytest -n 2 --dist loadgroup -m "not slow"

# mypy cannot follow setuptools' editable-install path mapping, so give it the same
# agentidp.* layout through a tree of symlinks.
build/mypy/agentidp: setup FORCE
	rm -rf build/mypy && mkdir -p build/mypy/agentidp
	for d in domain application adapters entrypoints migrations; do ln -s $(CURDIR)/$$d build/mypy/agentidp/$$d; done
	ln -s $(CURDIR)/entrypoints/library/*.py $(CURDIR)/entrypoints/library/py.typed build/mypy/agentidp/

lint: setup build/mypy/agentidp
	$(BIN)/ruff check .
	$(BIN)/ruff format --check domain application
	cd build/mypy && MYPYPATH=. $(CURDIR)/$(BIN)/mypy --config-file $(CURDIR)/pyproject.toml \
		--exclude 'agentidp/entrypoints/library/' -p agentidp
	cd build/mypy && PYTHONPATH=. $(CURDIR)/$(BIN)/lint-imports --config $(CURDIR)/pyproject.toml

bench: setup
	$(BIN)/python tests/bench/token_issuance.py
	$(BIN)/python tests/bench/policy_decisions.py

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache .hypothesis

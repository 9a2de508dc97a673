# The README's two commands: `make up` (run everything on the embedded default) and
# `make test` (the whole suite). Both set up what they need first; nothing else to install.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt 2>/dev/null | cksum | cut -d' ' -f1)

.PHONY: setup sysdeps up test lint unit integration bench clean

$(STAMP):
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $@

setup: $(STAMP)

sysdeps:
	@bash scripts/system_packages.sh

up: setup
	$(BIN)/streamapp up $(ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy streamapp/analytics streamapp/records streamapp/config

unit: setup
	$(BIN)/python -m pytest tests/unit -q

integration: setup
	$(BIN)/python -m pytest tests/integration -q

test: lint sysdeps
	$(BIN)/python -m pytest -q -ra --durations=25 -n 2 --dist loadfile

bench: setup
	$(BIN)/python -m bench throughput
	$(BIN)/python -m bench latency
	$(BIN)/python -m bench dashboard
	$(BIN)/python -m bench sink
	$(BIN)/python -m bench viewers

clean:
	rm -rf $(VENV) .streamapp .pytest_cache .ruff_cache .mypy_cache

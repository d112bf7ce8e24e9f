# `make test` and `make demo` create .venv and install what they need when missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install lint test demo bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev,lint]"
	touch $(STAMP)

install: $(STAMP)

# ruff (F B I UP C90), mypy (strict on client/cache/http/models/filters), import-linter (the layers):
# configured in pyproject.toml, described in docs/architecture.md.
lint: $(STAMP)
	$(BIN)/ruff check patsnap_pandas
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest

# The real drawings beside this checkout, when there (the package itself never looks for them);
# DEMO_ARGS adds demo flags, e.g. make demo DEMO_ARGS='--sandbox-corpus DIR --limit 5'.
REAL_DESIGNS := ../shared/real-designs
demo: $(STAMP)
	$(BIN)/patsnap-pandas demo $(if $(wildcard $(REAL_DESIGNS)/manifest.csv),--sandbox-corpus $(REAL_DESIGNS)) $(DEMO_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

# `make test` and `make demo` create .venv and install what they need when missing:
# demo the core install only (what a script needs); install, test and bench the package with
# every extra plus the test, docs and browser tools (pyproject.toml lists what each brings).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CORE   := $(VENV)/.installed-core
STAMP  := $(VENV)/.installed
EXTRAS := all,test,docs,browser

.PHONY: install test demo bench clean

$(CORE): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(CORE)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $(STAMP) $(CORE)

install: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

# The real drawings beside this checkout, when there (the package itself never looks for them);
# DEMO_ARGS adds demo flags, e.g. make demo DEMO_ARGS='--sandbox-corpus DIR --limit 5'.
REAL_DESIGNS := ../shared/real-designs
demo: $(CORE)
	$(BIN)/patsnap-pandas demo $(if $(wildcard $(REAL_DESIGNS)/manifest.csv),--sandbox-corpus $(REAL_DESIGNS)) $(DEMO_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

# `make test` and `make demo` create .venv and install what they need when missing:
# demo the core install only (what a script needs); install, test and bench the package with
# every extra plus the test, docs and browser tools (pyproject.toml lists what each brings).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CORE   := $(VENV)/.installed-core
STAMP  := $(VENV)/.installed
EXTRAS := all,test,docs,browser,lint

.PHONY: install lint test test-fast test-durations demo bench clean

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

# ruff (F B I UP C90), mypy (strict on client/cache/http/models/filters), import-linter (the layers):
# configured in pyproject.toml, described in docs/architecture.md.
lint: $(STAMP)
	$(BIN)/ruff check patsnap_pandas
	$(BIN)/mypy
	$(BIN)/lint-imports

# Python keeps compiled bytecode (__pycache__, git-ignored) even where the environment says not to
# (PYTHONDONTWRITEBYTECODE, set on some CI images and shells): otherwise every run, and every Python process a
# test starts (CLI commands, kernels, Voila, the multi-process tests), compiles the package anew, and pytest
# rewrites the asserts of every test module again (about 6 s of CPU per worker, measured in docs/testing.md).
unexport PYTHONDONTWRITEBYTECODE

# Three workers on two cores (pytest-xdist; much of the suite waits on browsers, kernels and subprocesses): each
# test file runs on one of them, the longest files first, the notebooks and the site build on the same one
# (tests/scheduling.py). `make test XDIST=` runs everything in one process; PYTEST_ARGS (empty: the whole suite)
# adds pytest arguments, e.g. the list of tests bench/suite_bench.py times. See docs/testing.md.
XDIST ?= -n 3 --dist loadfile

test: lint
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

# The tests' seconds of the last runs (recorded by the root conftest.py in .pytest_cache), a file's sum a line, into
# tests/durations.json: the order a fresh checkout hands its files to the workers (longest first; see docs/testing.md).
test-durations: $(STAMP)
	$(BIN)/python -c "import json, pathlib; from tests.scheduling import write_kept; \
	    write_kept(json.loads(pathlib.Path('.pytest_cache/v/patsnap/test-seconds').read_text()))"

# The inner loop: no test marked slow (browser, PDF, notebooks, docs page examples, docstring examples
# that start a sandbox, subprocesses, long batches), no browser or PDF test file. `make test` (the whole
# suite) is what CI runs. PYTEST_ARGS narrows or adds, e.g. PYTEST_ARGS='tests/client -x'. See docs/testing.md.
FAST_SKIP := --ignore=tests/widgets/test_voila.py --ignore=tests/widgets/test_jupyterlab.py \
             --ignore=tests/report/test_browser.py -k "not pdf"
test-fast: $(STAMP)
	$(BIN)/python -m pytest $(XDIST) -m "not slow" $(FAST_SKIP) $(PYTEST_ARGS)

# The real drawings beside this checkout, when there (the package itself never looks for them);
# DEMO_ARGS adds demo flags, e.g. make demo DEMO_ARGS='--sandbox-corpus DIR --limit 5'.
REAL_DESIGNS ?= ../shared/real-designs
# the tests' real_designs fixture reads it
export PATSNAP_REAL_DESIGNS ?= $(abspath $(REAL_DESIGNS))
demo: $(CORE)
	$(BIN)/patsnap-pandas demo $(if $(wildcard $(REAL_DESIGNS)/manifest.csv),--sandbox-corpus $(REAL_DESIGNS)) $(DEMO_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache

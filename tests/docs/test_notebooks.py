"""Every notebook in notebooks/ runs top to bottom against the sandbox, and is committed without outputs.

Each notebook runs once per session (the ``executed_notebook`` fixture of tests/docs/conftest.py: a
fresh kernel of this interpreter, an empty temporary folder, an environment without PatSnap credentials,
so the notebooks' first cell picks the offline sandbox). The site build of test_site.py shows the same
executed copies. The caches point at the test session's (the sandbox's image features are computed once
and kept between runs).
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
CELL_TIMEOUT_S = 300
# minutes: left out of `make test-fast`, run by `make test` and CI (one xdist worker runs the notebooks and the
# site: SAME_WORKER in the root conftest.py)
pytestmark = pytest.mark.slow


def test_notebooks_are_found():
    names = [path.name for path in NOTEBOOKS]
    for expected in ("01_quickstart.ipynb", "02_competitor_analysis.ipynb", "03_report.ipynb"):
        assert expected in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path):
    import nbformat  # imported where used: its jsonschema costs every worker 1.5 s of CPU at collection

    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert dirty == [], f"{path.name}: clear the outputs of cells {dirty} before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_runs_against_the_sandbox(path, executed_notebook):
    run = executed_notebook(path)  # raises CellExecutionError on the first failing cell
    nb, took = run.notebook, run.seconds

    errors = [output for cell in nb.cells if cell.cell_type == "code"
              for output in cell.get("outputs", []) if output.get("output_type") == "error"]
    assert errors == []
    text = "\n".join(
        "".join(output.get("text", "")) for cell in nb.cells if cell.cell_type == "code"
        for output in cell.get("outputs", []) if output.get("output_type") == "stream")
    if path.name != "04_panel.ipynb":
        assert "sandbox" in text.lower(), f"{path.name}: the first cell must say that it uses the sandbox"
    assert took < CELL_TIMEOUT_S

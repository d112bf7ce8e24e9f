"""Every notebook in notebooks/ runs top to bottom against the sandbox, and is committed without outputs.

Each notebook runs in a fresh kernel of this interpreter (a kernelspec written to a
temp folder, so no user-level kernelspec can substitute another Python), with
cwd=notebooks/ and an environment without PatSnap credentials: the notebooks' first
cell then picks the offline sandbox. The caches point at the test session's temp
folder (the sandbox's image features are computed once per session).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
KERNEL_NAME = "patsnap-pandas-tests"
CELL_TIMEOUT_S = 300
pytestmark = pytest.mark.slow  # minutes: left out of `make test-fast`, run by `make test` and CI
CREDENTIAL_VARIABLES = ("PATSNAP_CLIENT_ID", "PATSNAP_CLIENT_SECRET", "PATSNAP_API_KEY", "PATSNAP_BASE_URL")


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory) -> Path:
    """A kernelspec that starts ipykernel with exactly this interpreter (the .venv python)."""
    root = tmp_path_factory.mktemp("kernels")
    spec = root / KERNEL_NAME
    spec.mkdir()
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "patsnap-pandas (tests)",
        "language": "python",
    }))
    return root


def _kernel_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CREDENTIAL_VARIABLES}
    env.pop("MPLBACKEND", None)  # the kernel's inline backend shows the plots
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # no debugger notice on stderr
    return env


def test_notebooks_are_found():
    names = [path.name for path in NOTEBOOKS]
    for expected in ("01_quickstart.ipynb", "02_competitor_analysis.ipynb", "03_report.ipynb"):
        assert expected in names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert dirty == [], f"{path.name}: clear the outputs of cells {dirty} before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_runs_against_the_sandbox(path, kernel_dir):
    nb = nbformat.read(path, as_version=4)
    km = AsyncKernelManager(kernel_name=KERNEL_NAME,
                            kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernel_dir)]))
    client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT_S, allow_errors=False,
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    started = time.perf_counter()
    client.execute(env=_kernel_env())  # raises CellExecutionError on the first failing cell
    took = time.perf_counter() - started

    errors = [output for cell in nb.cells if cell.cell_type == "code"
              for output in cell.get("outputs", []) if output.get("output_type") == "error"]
    assert errors == []
    text = "\n".join(
        "".join(output.get("text", "")) for cell in nb.cells if cell.cell_type == "code"
        for output in cell.get("outputs", []) if output.get("output_type") == "stream")
    if path.name != "04_panel.ipynb":
        assert "sandbox" in text.lower(), f"{path.name}: the first cell must say that it uses the sandbox"
    assert took < CELL_TIMEOUT_S

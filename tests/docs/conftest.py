"""Fixtures of the docs tests: the notebooks, executed once per session for test_notebooks.py and for the
site build of test_site.py (which shows the executed copies instead of executing the notebooks again).

Each notebook runs in a fresh kernel of this interpreter (a kernelspec written to a temp folder, so no
user-level kernelspec can substitute another Python), in an empty temporary folder, with no PatSnap
credentials and with every proxy pointing at a dead port (loopback excepted): the notebooks' first cell
then picks the offline sandbox, and a notebook that fetched anything from outside would fail. The
execution itself is the docs hook's (docs/_hooks/notebooks.py), so the site and the tests run the
notebooks the same way.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KERNEL_NAME = "patsnap-pandas-tests"
#: Any attempt to fetch something (fonts, inventories, social cards, a notebook's download) goes to a dead port.
DEAD_PROXY = "http://127.0.0.1:9"


@pytest.fixture(scope="session")
def notebooks_hook():
    """The mkdocs hook that executes and shows the notebooks (docs/_hooks/notebooks.py), as a module."""
    spec = importlib.util.spec_from_file_location("patsnap_docs_notebooks_hook", ROOT / "docs" / "_hooks" / "notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def offline_env() -> dict[str, str]:
    """This process's environment with every proxy pointing at a dead port (for mkdocs and the kernels)."""
    env = dict(os.environ)
    env.update(HTTP_PROXY=DEAD_PROXY, HTTPS_PROXY=DEAD_PROXY, http_proxy=DEAD_PROXY, https_proxy=DEAD_PROXY,
               NO_PROXY="", no_proxy="", NO_MKDOCS_2_WARNING="1")
    return env


@pytest.fixture(scope="session")
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


@dataclass
class ExecutedNotebook:
    """A notebook run top to bottom: the executed notebook, its copy on disk and how long it took."""

    notebook: object
    copy: Path
    seconds: float


#: Notebooks executed at once (each in its own kernel): a kernel mostly waits (starting, on its sandbox, on
#: the client), so two at a time take about half as long on the worker that runs them, for the same CPU.
PARALLEL_KERNELS = 2


@pytest.fixture(scope="session")
def executed_notebook(request, tmp_path_factory, kernel_dir, offline_env,
                      notebooks_hook) -> Callable[[Path], ExecutedNotebook]:
    """``executed_notebook(path)``: the notebook at ``path``, executed once in the session and written to
    ``executed_notebook.folder`` (what the site build shows); a failing cell raises, the first time and every
    time after. The first call also starts the other notebooks the session's tests will ask for
    (:data:`PARALLEL_KERNELS` at a time, in threads, the asked one first)."""
    from concurrent.futures import Future, ThreadPoolExecutor

    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    folder = tmp_path_factory.mktemp("executed-notebooks")
    env = {k: v for k, v in offline_env.items() if k != "NO_MKDOCS_2_WARNING"}
    pool = ThreadPoolExecutor(PARALLEL_KERNELS, thread_name_prefix="notebook")
    runs: dict[str, Future] = {}

    def execute(path: Path) -> ExecutedNotebook:
        km = AsyncKernelManager(kernel_name=KERNEL_NAME,
                                kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(kernel_dir)]))
        started = time.perf_counter()
        # a failing cell raises CellExecutionError (with its traceback), a dead kernel its error: the future keeps it
        nb = notebooks_hook.execute(path, folder / path.name, env=env, km=km, allow_errors=False)
        return ExecutedNotebook(nb, folder / path.name, time.perf_counter() - started)

    def run(path: Path) -> ExecutedNotebook:
        if not runs:
            for other in [path, *_notebooks_asked_for(request.session.items, notebooks_hook)]:
                if other.name not in runs:
                    runs[other.name] = pool.submit(execute, other)
        if path.name not in runs:  # a notebook no test was known to ask for
            runs[path.name] = pool.submit(execute, path)
        return runs[path.name].result()

    run.folder = folder
    yield run
    for future in runs.values():
        future.cancel()
    pool.shutdown(wait=True)


def _notebooks_asked_for(items, notebooks_hook) -> list[Path]:
    """The notebooks the session's tests (``items``, after ``-k``/``-m``) execute: each one test_notebooks.py
    runs, and the site's (the hook's list) when a test of test_site.py runs."""
    asked: list[Path] = []
    for item in items:
        path = getattr(item, "callspec", None) and item.callspec.params.get("path")
        if item.nodeid.startswith("tests/docs/test_notebooks.py::test_notebook_runs") and isinstance(path, Path):
            asked.append(path)
        elif item.nodeid.startswith("tests/docs/test_site.py::") and "executed_notebook" in item.fixturenames:
            asked.extend(ROOT / "notebooks" / name for name in notebooks_hook.NOTEBOOKS.values())
    return sorted(set(asked))

"""Fixtures of the budget tests: a small sandbox, clients of it sharing one cache folder, distinct images."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from patsnap_pandas.testing import ClientFactory
from tests.helpers import FAST, SMALL_CORPUS_SIZE, numbered_png

UPLOAD, SEARCH = "/image-search/image-upload", "/image-search/search-id"


@pytest.fixture
def patsnap_sandbox_options():
    return {"corpus_size": SMALL_CORPUS_SIZE}


@pytest.fixture
def make_client(patsnap_sandbox, tmp_path):
    """``make_client(**options)``: token clients of the test's sandbox, all caching in one folder."""
    with ClientFactory(tmp_path, patsnap_sandbox, **FAST) as make:
        yield make


@pytest.fixture
def png():
    """``png(i)``: :func:`tests.helpers.numbered_png` as a fixture (a drawing of its own for every ``i``)."""
    return numbered_png


@pytest.fixture
def read_only():
    """``read_only(path)``: nothing can be written into the folder ``path`` (and the files in it), or the file ``path``.

    Tests run as root, where a mode bit stops nothing: root makes them immutable (``chattr -R +i``),
    others read-only (``chmod``).
    """
    undo: list = []

    def protect(folder: Path) -> None:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-R", "+i", str(folder)], check=True)
            undo.append(lambda: subprocess.run(["chattr", "-R", "-i", str(folder)], check=True))
            return
        for path in [*sorted(folder.rglob("*"), reverse=True), folder]:  # a file: itself only
            mode = path.stat().st_mode
            path.chmod(0o555 if path.is_dir() else 0o444)
            undo.append(lambda path=path, mode=mode: path.chmod(mode))

    yield protect
    for step in reversed(undo):
        step()

"""Fixtures of the budget tests: a small sandbox, clients of it sharing one cache folder, distinct images."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from patsnap_pandas.testing import ClientFactory

CORPUS_SIZE = 60
FAST = {"backoff_factor": 0.001, "timeout": 10}
UPLOAD, SEARCH = "/image-search/image-upload", "/image-search/search-id"


@pytest.fixture
def patsnap_sandbox_options():
    return {"corpus_size": CORPUS_SIZE}


@pytest.fixture
def make_client(patsnap_sandbox, tmp_path):
    """``make_client(**options)``: token clients of the test's sandbox, all caching in one folder."""
    with ClientFactory(tmp_path, patsnap_sandbox, **FAST) as make:
        yield make


def distinct_png(i: int) -> bytes:
    """A small drawing of its own for every ``i``: no two share an upload or a cached search."""
    im = Image.new("L", (96, 96), 255)
    draw = ImageDraw.Draw(im)
    draw.rectangle((8 + i % 10 * 5, 8 + i // 10 * 5, 60 + i % 7, 70 + i % 5), outline=0, width=3)
    draw.ellipse((30, 30 + i % 13, 80, 84), outline=0, width=2)
    im.putpixel((0, 0), 250 - i % 200)
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def png():
    """``png(i)``: :func:`distinct_png` as a fixture (a drawing of its own for every ``i``)."""
    return distinct_png


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

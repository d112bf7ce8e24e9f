"""Fixtures of the security tests: a scriptable fake PatSnap server and a corpus of hostile data.

The fake server (``tests.helpers.FakePatsnap``) is a small werkzeug app on 127.0.0.1 (real HTTP, like the sandbox):
tests give it one handler per API path and it serves PNG drawings under ``/img/``.
It stands in for PatSnap where the sandbox cannot go: answers that are malformed,
oversized, or carry hostile image URLs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import patsnap_pandas  # noqa: F401  (registers df.patsnap)
from tests.helpers import HOSTILE, FakePatsnap, drawing_png

# --- the fake PatSnap server -------------------------------------------------------------------


@pytest.fixture
def fake():
    server = FakePatsnap()
    yield server
    server.stop()


# --- a sandbox corpus with hostile titles, numbers and applicants --------------------------------


@pytest.fixture(scope="session")
def hostile_corpus_dir(tmp_path_factory, write_corpus_folder) -> Path:
    """A corpus folder in the ../shared/real-designs format, every text field hostile."""
    return write_corpus_folder(tmp_path_factory.mktemp("hostile-corpus"), HOSTILE, drawing_png)

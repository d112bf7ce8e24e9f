"""Fixtures of the budget tests: a small sandbox, clients of it sharing one cache folder, distinct images."""

from __future__ import annotations

import pytest

from patsnap_pandas.testing import ClientFactory
from tests.helpers import FAST, SMALL_CORPUS_SIZE

UPLOAD, SEARCH = "/image-search/image-upload", "/image-search/search-id"


@pytest.fixture
def patsnap_sandbox_options():
    return {"corpus_size": SMALL_CORPUS_SIZE}


@pytest.fixture
def make_client(patsnap_sandbox, tmp_path):
    """``make_client(**options)``: token clients of the test's sandbox, all caching in one folder."""
    with ClientFactory(tmp_path, patsnap_sandbox, **FAST) as make:
        yield make



"""Fixtures of the reliability tests: 200 distinct catalogue images, sandboxes with fault knobs.

Each test starts its own sandbox (its own knobs and ledger); they all share the
corpus and image index loaded once per process (``load_engine`` memoises them).
"""

from __future__ import annotations

import functools

import pandas as pd
import pytest

import patsnap_pandas  # noqa: F401  (registers df.patsnap)
from patsnap_pandas.sandbox import start_sandbox
from patsnap_pandas.testing import ClientFactory
from tests.helpers import DEFAULT_CORPUS_SIZE, FAST, IMAGES, distinct_png

#: The clients of ``clients``: FAST, with retries a little further apart (the faults are transient; the tests
#: should not sleep through real backoff either).
CLIENT_OPTIONS = {**FAST, "backoff_factor": 0.005}


@pytest.fixture(scope="session")
def corpus():
    with start_sandbox(corpus_size=DEFAULT_CORPUS_SIZE) as server:
        return server.corpus


@pytest.fixture(scope="session")
def catalogue(corpus) -> pd.DataFrame:
    """200 catalogue rows: sku + the PNG bytes of a distinct drawing (design i for row i)."""
    return pd.DataFrame({"sku": [f"SKU{i:03d}" for i in range(IMAGES)],
                         "photo": [distinct_png(corpus, i) for i in range(IMAGES)]},
                        index=pd.RangeIndex(IMAGES, name="row"))


@pytest.fixture
def sandboxes(patsnap_sandbox_factory):
    """``start(**knobs)``: a sandbox of the default corpus, stopped after the test."""
    return functools.partial(patsnap_sandbox_factory, corpus_size=DEFAULT_CORPUS_SIZE)


@pytest.fixture
def clients(tmp_path):
    """``make(server, name, **options)``: a token-auth client (client id + secret) of ``server``."""
    with ClientFactory(tmp_path, **CLIENT_OPTIONS) as make:
        yield make



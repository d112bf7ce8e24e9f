"""Fixtures of the landscape tests: the sandbox over real HTTP and a catalogue of ten products searched on it."""

from __future__ import annotations

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")  # tests render to PNG, never to a screen

import patsnap_pandas  # registers df.patsnap  # noqa: E402
from tests.helpers import DEFAULT_CORPUS_SIZE, design_png  # noqa: E402

assert patsnap_pandas  # imported for its side effect

@pytest.fixture
def products() -> int:
    """How many products the catalogue of ``catalogue_hits`` has."""
    return 10


@pytest.fixture
def patsnap_sandbox_options():
    """This folder's corpus: tests/conftest.py makes ``sandbox``, ``shared_sandbox`` and ``corpus`` of it."""
    return {"corpus_size": DEFAULT_CORPUS_SIZE}


@pytest.fixture
def catalogue_hits(client, corpus, products) -> pd.DataFrame:
    """Ten products (drawings of ten sandbox designs, one per product type where there are enough), searched
    with ``search_each`` (12 hits each) and enriched: owners, dates, Locarno classes."""
    picks = list(range(0, products * 37, 37))
    catalogue = pd.DataFrame({"sku": [f"P-{k:02d}" for k in range(products)],
                              "photo": [design_png(corpus, i) for i in picks]})
    hits = catalogue.patsnap.search_each("photo", label_column="sku", limit=12, client=client, progress=False)
    return hits.patsnap.enrich(client=client)

"""Fixtures of the watch tests: the 600-design sandbox, three products as image files, the dates of two runs.

``sandbox``, ``corpus``, ``make_client`` and ``client`` come from tests/conftest.py. ``products`` are
copies of three sample images in the test's folder (so a test may delete one); ``fresh_designs``
picks, for each product, designs that match it and publishes them (the sandbox's ``published``
knob) between ``WATCH_T0`` and ``WATCH_T1`` (tests/helpers.py).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

import patsnap_pandas  # registers df.patsnap
from patsnap_pandas import samples, search_designs
from tests.helpers import DEFAULT_CORPUS_SIZE, WATCH_FRESH_RANKS, WATCH_PRODUCTS, WATCH_PUBLISHED, WATCH_T0

assert patsnap_pandas  # imported for its side effect

# Processes started with multiprocessing's "spawn" import tests.watch.workers by name.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.append(_ROOT)


@pytest.fixture
def patsnap_sandbox_options():
    """This folder's corpus: tests/conftest.py makes ``shared_sandbox`` and ``corpus`` of it."""
    return {"corpus_size": DEFAULT_CORPUS_SIZE}


@pytest.fixture
def products(tmp_path) -> dict[str, Path]:
    """The three products' images, copied into the test's folder."""
    folder = tmp_path / "photos"
    folder.mkdir()
    out = {}
    for name, sample in WATCH_PRODUCTS.items():
        out[name] = folder / f"{name}.png"
        shutil.copyfile(samples.image(sample), out[name])
    return out


@pytest.fixture
def fresh_designs(sandbox, make_client, products) -> dict[str, list[str]]:
    """Per product, the designs ranked WATCH_FRESH_RANKS by a search of the whole corpus, published on WATCH_PUBLISHED
    (the sandbox set to WATCH_T0: they are not served before). The searching client's cache is its own."""
    scout = make_client(name="scout")
    fresh = {}
    for name, path in products.items():
        hits = search_designs(path, client=scout, limit=10, thumbnails=False)
        fresh[name] = [str(hits["patent_pn"].iloc[rank - 1]) for rank in WATCH_FRESH_RANKS]
    sandbox.configure(today=WATCH_T0, published={pn: WATCH_PUBLISHED for pns in fresh.values() for pn in pns})
    sandbox.ledger.clear()
    return fresh


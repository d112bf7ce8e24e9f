"""Fixtures of the accessor / batch / enrich tests: the sandbox over real HTTP, clients, result frames.

One sandbox serves the whole session (the 600-design corpus the sandbox tests use,
so its feature cache is shared). Each test gets default knobs, an empty ledger and
a client with its own cache folder; tests that turn a knob get it reset afterwards.
"""

from __future__ import annotations

import functools

import matplotlib
import pytest

matplotlib.use("Agg")  # before pyplot is imported anywhere: tests render to PNG, never to a screen

import patsnap_pandas  # registers df.patsnap
from patsnap_pandas import search_designs
from patsnap_pandas.sandbox import start_sandbox
from patsnap_pandas.testing import ClientFactory
from tests.helpers import DEFAULT_CORPUS_SIZE, FAST, HOSTILE_APPLICANT, HOSTILE_TITLE, design_png, drawing_png

assert patsnap_pandas  # imported for its side effect


@pytest.fixture
def patsnap_sandbox_options():
    """This folder's corpus: tests/conftest.py makes ``sandbox``, ``shared_sandbox`` and ``corpus`` of it."""
    return {"corpus_size": DEFAULT_CORPUS_SIZE}


@pytest.fixture
def hits(client, corpus):
    """A real sandbox search: 12 hits for the drawing of design 5 (thumbnails prefetched)."""
    return search_designs(design_png(corpus, 5), client=client, limit=12)


# --- a sandbox whose corpus holds hostile titles (a directory corpus, served over HTTP) ----------


HOSTILE_DESIGNS = [
    # (patent_number, title, applicant)
    ("D9000001", HOSTILE_TITLE, "Round Things Ltd"),
    ("D9000002", "<script>alert('t')</script> Box", HOSTILE_APPLICANT),
    ("D9000003", 'Quote " and \' & ampersand', "Triangle & Sons"),
    ("D9000004", "Cross", "Plain Co"),
    ("D9000005", "Arc", "Plain Co"),
    ("D9000006", "Comb", "Plain Co"),
]


@pytest.fixture(scope="session")
def hostile_corpus_dir(tmp_path_factory, write_corpus_folder):
    """A corpus folder in the ../shared/real-designs format whose titles and applicants are hostile."""
    return write_corpus_folder(tmp_path_factory.mktemp("hostile-corpus"), HOSTILE_DESIGNS, functools.partial(drawing_png, size=240))


@pytest.fixture(scope="session")
def hostile_sandbox(hostile_corpus_dir):
    with start_sandbox(hostile_corpus_dir) as server:
        yield server


@pytest.fixture
def hostile_hits(hostile_sandbox, tmp_path):
    """A real search of the hostile sandbox: every one of its 6 designs, hostile titles included."""
    with ClientFactory(tmp_path, **FAST) as make:
        client = make(hostile_sandbox, "hostile-cache")
        corpus = hostile_sandbox.corpus
        yield search_designs(corpus.image_png(corpus.designs[0].image_keys[0]), client=client, limit=6)

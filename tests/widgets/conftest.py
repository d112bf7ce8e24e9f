"""Fixtures of the panel tests: one small sandbox over real HTTP, a fresh client per test.

The panel is driven as a user would: widget values are set and buttons clicked
(``button.click()`` runs the same handlers as a click in the browser). The
sandbox ledger counts every billable call, so "no call" is asserted, not assumed.
"""

from __future__ import annotations

import pytest

from tests.helpers import SMALL_CORPUS_SIZE


@pytest.fixture
def patsnap_sandbox_options():
    """This folder's corpus: tests/conftest.py makes ``sandbox``, ``shared_sandbox`` and ``corpus`` of it."""
    return {"corpus_size": SMALL_CORPUS_SIZE}


@pytest.fixture
def query_design(corpus):
    return corpus.designs[7]


@pytest.fixture
def query_png(corpus, query_design) -> bytes:
    """PNG bytes of a corpus drawing: its own design is the best hit."""
    return corpus.image_png(query_design.image_keys[0])


@pytest.fixture(scope="module")
def browser(chromium):
    """The browser of a browser-test module: the process's Chromium, the module's own pages (see browser.py)."""
    from .browser import Browser

    b = Browser(chromium)
    yield b
    b.close()

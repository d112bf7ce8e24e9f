"""Fixtures of the clearance tests: the 600-design sandbox with ``today`` fixed at SANDBOX_TODAY.

``sandbox``, ``corpus``, ``make_client`` and ``client`` come from tests/conftest.py, with ``sandbox``
set to SANDBOX_TODAY for each test (and reset after it).
"""

from __future__ import annotations

import pytest

import patsnap_pandas  # registers df.patsnap
from tests.helpers import DEFAULT_CORPUS_SIZE, SANDBOX_TODAY

assert patsnap_pandas  # imported for its side effect


@pytest.fixture
def patsnap_sandbox_options():
    """This folder's corpus: tests/conftest.py makes ``shared_sandbox`` and ``corpus`` of it."""
    return {"corpus_size": DEFAULT_CORPUS_SIZE}


@pytest.fixture
def sandbox(patsnap_sandbox):
    """The shared sandbox with default knobs, an empty ledger and ``today`` = SANDBOX_TODAY (reset after)."""
    patsnap_sandbox.configure(today=SANDBOX_TODAY)
    return patsnap_sandbox

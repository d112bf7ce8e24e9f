"""Fixtures of the overnight (P062) tests: the small generated corpus, its sandbox reset per test.

tests/conftest.py makes ``sandbox``, ``shared_sandbox``, ``corpus``, ``make_client`` and
``client`` of this folder's corpus; a test sets the sandbox's clock with
``@pytest.mark.patsnap_sandbox(now="2026-12-07 15:00")`` and moves it with ``sandbox.advance``.
"""

from __future__ import annotations

import pytest

from tests.helpers import FAST, SMALL_CORPUS_SIZE


@pytest.fixture
def patsnap_sandbox_options():
    """This folder's corpus."""
    return {"corpus_size": SMALL_CORPUS_SIZE}


@pytest.fixture
def client_options():
    """Tiny backoffs (FAST)."""
    return dict(FAST)

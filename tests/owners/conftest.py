"""The owners tests' sandbox: the default generated corpus (its owner truth is what the tests read)."""

from __future__ import annotations

import pytest

import patsnap_pandas  # registers df.patsnap
from tests.helpers import DEFAULT_CORPUS_SIZE

assert patsnap_pandas  # imported for its side effect


@pytest.fixture
def patsnap_sandbox_options():
    """This folder's corpus: tests/conftest.py makes ``sandbox``, ``shared_sandbox`` and ``corpus`` of it."""
    return {"corpus_size": DEFAULT_CORPUS_SIZE}

"""Fixtures of the prior-art tests: the 600-design sandbox on a fixed date, its utility-model part, a query.

tests/conftest.py makes ``sandbox`` (reset for each test: an empty ledger), ``corpus`` and ``client``
(a cache folder of the test's own) of the corpus named here.
"""

from __future__ import annotations

import pytest

from tests.helpers import DEFAULT_CORPUS_SIZE, design_png

#: The design whose drawing is the query: it finds itself first, so its own publication date is a cutoff
#: the search's date filter lets through (the bound is inclusive in the sandbox) and the job must drop.
QUERY_DESIGN = 5

@pytest.fixture
def patsnap_sandbox_options():
    return {"corpus_size": DEFAULT_CORPUS_SIZE}


@pytest.fixture(scope="session")
def utility_corpus():
    """The sandbox's utility-model part (what P060/P061 ``patent_type=U`` search), as the server builds it."""
    from patsnap_pandas.sandbox.utility import utility_corpus

    return utility_corpus()


@pytest.fixture
def query_design(corpus):
    return corpus.designs[QUERY_DESIGN]


@pytest.fixture
def query_png(corpus) -> bytes:
    return design_png(corpus, QUERY_DESIGN)


@pytest.fixture
def env_account(sandbox, tmp_path, monkeypatch):
    """PATSNAP_* settings pointing at the test's sandbox (so its ledger counts the command's calls), own cache."""
    monkeypatch.setenv("PATSNAP_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("PATSNAP_API_KEY", sandbox.credentials.api_key)
    monkeypatch.setenv("PATSNAP_CACHE_DIR", str(tmp_path / "client-cache"))
    for name in ("PATSNAP_CLIENT_ID", "PATSNAP_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return sandbox

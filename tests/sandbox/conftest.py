"""Fixtures for the sandbox server tests: running sandboxes and a plain-requests helper.

Every sandbox here shares one loaded corpus + index per process (``load_engine``
memoises them), so extra sandboxes with other knobs cost a port, not a reload.
"""

from __future__ import annotations

import functools

import pytest

from patsnap_pandas.sandbox import start_sandbox
from tests.helpers import DEFAULT_CORPUS_SIZE, SANDBOX_TODAY, Api


@pytest.fixture(scope="session")
def sandbox():
    """The shared sandbox with default knobs and ``today`` fixed at SANDBOX_TODAY. Tests must not configure() it."""
    with start_sandbox(corpus_size=DEFAULT_CORPUS_SIZE, today=SANDBOX_TODAY) as server:
        yield server


@pytest.fixture(scope="session")
def api(sandbox) -> Api:
    return Api(sandbox)


@pytest.fixture(scope="session")
def corpus(sandbox):
    return sandbox.corpus


@pytest.fixture(scope="session")
def query_design(corpus):
    """A design whose first image is the query of the shared searches."""
    return corpus.designs[17]


@pytest.fixture(scope="session")
def query_url(api, corpus, query_design) -> str:
    """An uploaded copy of ``query_design``'s first image (valid for the whole session)."""
    return api.upload_url(corpus.image_png(query_design.image_keys[0]))


@pytest.fixture
def make_sandbox(patsnap_sandbox_factory):
    """Start extra sandboxes with their own knobs; all are stopped after the test."""
    return functools.partial(patsnap_sandbox_factory, corpus_size=DEFAULT_CORPUS_SIZE)

"""Fixtures of the search tests: sandboxes over real HTTP, fresh client caches, ledger watching.

All generated-corpus sandboxes share one loaded corpus + index per process
(``load_engine`` memoises it), so an extra sandbox with other knobs costs a port.
"""

from __future__ import annotations

import pytest

from patsnap_pandas import PatsnapClient
from patsnap_pandas.sandbox import start_sandbox
from tests.helpers import DEFAULT_CORPUS_SIZE

QUERY_DESIGN = 42  # a design of the generated corpus (seed 0): found first even through heavy noise


class LedgerWatch:
    """The billable calls a sandbox saw since :meth:`mark`."""

    def __init__(self, sandbox) -> None:
        self.sandbox = sandbox
        self._start = len(sandbox.ledger)

    def mark(self) -> None:
        self._start = len(self.sandbox.ledger)

    def new(self) -> list:
        return self.sandbox.ledger.entries()[self._start:]

    def endpoints(self) -> list[str]:
        return [entry.endpoint.rsplit("/", 1)[-1] for entry in self.new()]


@pytest.fixture(scope="session")
def sandbox():
    """The shared generated-corpus sandbox with default knobs. Tests must not configure() it."""
    with start_sandbox(corpus_size=DEFAULT_CORPUS_SIZE) as server:
        yield server


@pytest.fixture(scope="session")
def corpus(sandbox):
    return sandbox.corpus


@pytest.fixture(scope="session")
def design(corpus):
    """The design whose first image is the query of most tests."""
    return corpus.designs[QUERY_DESIGN]


@pytest.fixture(scope="session")
def query_png(corpus, design) -> bytes:
    """PNG bytes of ``design``'s first image, exactly as the sandbox serves it."""
    return corpus.image_png(design.image_keys[0])


@pytest.fixture
def client(sandbox, tmp_path):
    """A client of the shared sandbox with a cache of its own (nothing cached from other tests)."""
    with PatsnapClient(base_url=sandbox.base_url, api_key=sandbox.credentials.api_key,
                       cache_dir=tmp_path / "client-cache", backoff_factor=0.001) as made:
        yield made


@pytest.fixture
def ledger(sandbox) -> LedgerWatch:
    return LedgerWatch(sandbox)


@pytest.fixture
def make_client(tmp_path):
    """``PatsnapClient.sandbox(**options)``: a client with its own sandbox (own knobs and ledger)."""
    made: list[PatsnapClient] = []

    def make(**options) -> PatsnapClient:
        options.setdefault("corpus_size", DEFAULT_CORPUS_SIZE)
        options.setdefault("cache_dir", tmp_path / f"sandbox-client-{len(made)}")
        client = PatsnapClient.sandbox(backoff_factor=0.001, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture(scope="session")
def real_sandbox(real_designs):
    """A sandbox serving the 50 real US design patents."""
    with start_sandbox(real_designs) as server:
        yield server



"""Fixtures of the test folders that share one sandbox per corpus (accessor, client, report, widgets).

A folder names its corpus once, with the plugin's own option fixture (``patsnap_pandas.testing``)
in its conftest.py::

    @pytest.fixture
    def patsnap_sandbox_options():
        return {"corpus_size": CORPUS_SIZE}

and gets from here ``sandbox`` (that corpus's session server, reset for each test),
``shared_sandbox`` (the same server as it is, for fixtures that only read it), ``corpus``,
``make_client`` and ``client`` (clients with ``client_options``: FAST unless the folder
says otherwise). The folders with a sandbox of their own (sandbox, search, cli,
reliability) define these names in their conftest.py, which takes precedence.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from patsnap_pandas.testing import ClientFactory
from tests.helpers import FAST


@pytest.fixture
def shared_sandbox(patsnap_sandboxes, patsnap_sandbox_options: Mapping[str, Any]):
    """The session's sandbox of the folder's corpus (one per corpus, started on first use by the plugin's pool)."""
    return patsnap_sandboxes.shared(**patsnap_sandbox_options)


@pytest.fixture
def sandbox(patsnap_sandbox):
    """The shared sandbox with default knobs, a fresh quota count and an empty ledger (reset after)."""
    return patsnap_sandbox


@pytest.fixture
def corpus(shared_sandbox):
    """The designs of the folder's sandbox."""
    return shared_sandbox.corpus


@pytest.fixture
def client_options() -> dict[str, Any]:
    """Options of the clients ``make_client`` makes (a folder may override this fixture)."""
    return dict(FAST)


@pytest.fixture
def make_client(sandbox, tmp_path, client_options):
    """``make_client(sandbox=None, name="cache", auth="token", **options)``: clients of ``sandbox``; each
    ``name`` is its own cache folder under the test's tmp_path (same name: shared cache)."""
    with ClientFactory(tmp_path, sandbox, **client_options) as make:
        yield make


@pytest.fixture
def client(make_client):
    """A client of ``sandbox`` with the test's own cache (so every test starts with nothing cached)."""
    return make_client()


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the test process, launched on first use and shared by every browser test file the
    process (an xdist worker) runs: ``chromium.browser()``, or ``with chromium.contexts_closed_after() as browser``
    (tests/widgets/browser.py)."""
    from tests.widgets.browser import Chromium

    shared = Chromium()
    yield shared
    shared.close()

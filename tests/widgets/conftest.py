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
def browser():
    """One headless Chromium per browser-test module (see browser.py)."""
    from .browser import Browser

    b = Browser()
    yield b
    b.close()


@pytest.fixture
def stand_in_jobs(monkeypatch):
    """The panel's clearance and prior-art jobs, standing in for ``jobs.clearance`` (built on another branch):
    a real search over HTTP, enriched, each hit's expiry by ``frame.terms``; the same frames the jobs make
    (kept, excluded with a reason). Returns the calls made: (job, keyword arguments)."""
    import pandas as pd

    from patsnap_pandas.frame.terms import estimate_expiry
    from patsnap_pandas.jobs.search import search_designs
    from patsnap_pandas.widgets import purpose

    calls = []

    def expiry(row, on):
        try:
            return estimate_expiry(row["authority"], filing_date=row.get("apply_date"), grant_date=row.get("grant_date"),
                                   legal_status=row.get("simple_legal_status"), on=on)
        except Exception:  # noqa: BLE001 - a stand-in: an odd record is "unknown"
            return None

    def search(image, client, limit, label, **filters):
        return search_designs(image, client=client, limit=limit, label=label, **filters).patsnap.enrich(
            legal_status=True, client=client)

    def clearance(image, *, client, limit, label=None, markets, on, **filters):
        calls.append(("clearance", {"markets": markets, "on": on, **filters}))
        hits = search(image, client, limit, label, **filters)
        found = [expiry(row, on) for row in hits.to_dict("records")]
        hits["in_force"] = [e.in_force if e else "unknown" for e in found]
        hits["in_force_reason"] = [e.reason if e else "no estimate" for e in found]
        hits["expiry_estimate"] = [e.expiry if e else None for e in found]
        hits["expiry_rule"] = [e.rule if e else "" for e in found]
        hits["expiry_certainty"] = [e.certainty if e else "" for e in found]
        in_market = hits["authority"].isin(markets)
        alive = hits["in_force"].isin(["in force", "pending"])
        excluded = hits[~(in_market & alive)].copy()
        excluded["excluded_reason"] = [f"{s}: {r}" if m else f"not in the markets ({a})" for s, r, m, a in zip(
            excluded["in_force"], excluded["in_force_reason"], excluded["authority"].isin(markets),
            excluded["authority"], strict=True)]
        return hits[in_market & alive].reset_index(drop=True), excluded.reset_index(drop=True)

    def prior_art(image, *, client, limit, label=None, before, **filters):
        calls.append(("prior_art", {"before": before, **filters}))
        hits = search(image, client, limit, label, **filters)
        published = pd.to_datetime(hits["publication_date"], errors="coerce").dt.date
        early = (published < before).fillna(False).to_numpy()
        hits["patent_type"] = ["U" if i % 3 == 1 else "D" for i in range(len(hits))]
        excluded = hits[~early].assign(excluded_reason="published on or after the cutoff")
        return hits[early].reset_index(drop=True), excluded.reset_index(drop=True)

    monkeypatch.setitem(purpose.JOB_FUNCTIONS, "clearance", clearance)
    monkeypatch.setitem(purpose.JOB_FUNCTIONS, "prior_art", prior_art)
    return calls

"""df.patsnap.more(): the next hits of the same search; expired search ids and refresh=True."""

from __future__ import annotations

import pytest

from patsnap_pandas import SearchExpiredError, search_designs
from patsnap_pandas.jobs.search import SearchWarning
from tests.helpers import design_png

RESULTS = "/image-search/results"


def test_more_continues_ranks_with_the_same_search_id_and_filters(client, sandbox, corpus):
    first = search_designs(design_png(corpus, 20), client=client, limit=10, country=["CN", "US"])
    sandbox.ledger.clear()
    more = first.patsnap.more(15)
    assert list(more["rank"]) == list(range(11, 26))
    assert set(more["search_id"]) == {first.attrs["search_id"]}
    assert set(more["authority"]) <= {"CN", "US"}
    assert not set(more["patent_id"]) & set(first["patent_id"])
    assert more.attrs["filters"] == first.attrs["filters"] == {"country": "CN,US"}
    calls = [e for e in sandbox.ledger if e.endpoint == RESULTS]
    assert len(calls) == 1
    assert calls[0].params["search_id"] == first.attrs["search_id"]
    assert calls[0].params["country"] == "CN,US"
    assert len(sandbox.ledger) == 1


def test_expired_search_id_says_refresh_true_and_refresh_works(client, sandbox, corpus, clock):
    # The sandbox checks a search id's age against the lifetime in force when it is used.
    sandbox.configure(search_id_lifetime=0.5)
    first = search_designs(design_png(corpus, 21), client=client, limit=10, thumbnails=False)
    clock.shift(0.7)
    with pytest.raises(SearchExpiredError, match=r"refresh=True") as info:
        first.patsnap.more(5)
    assert "more(refresh=True)" in str(info.value)

    sandbox.ledger.clear()
    with pytest.warns(SearchWarning, match="had expired: the search was run again"):
        refreshed = first.patsnap.more(5, refresh=True)
    assert list(refreshed["rank"]) == [11, 12, 13, 14, 15]
    assert refreshed.attrs["search_id"] != first.attrs["search_id"]
    assert set(refreshed["search_id"]) == {refreshed.attrs["search_id"]}
    assert not set(refreshed["patent_id"]) & set(first["patent_id"])
    # the expired id is tried once (billed, failed), then the search is run again
    assert [(e.endpoint, e.ok) for e in sandbox.ledger] == [(RESULTS, False), ("/image-search/search-id", True)]


def test_more_checks_n_before_any_call(hits, sandbox):
    sandbox.ledger.clear()
    with pytest.raises(ValueError, match="n=0"):
        hits.patsnap.more(0)
    assert len(sandbox.ledger) == 0

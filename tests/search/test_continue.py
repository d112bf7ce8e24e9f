"""continue_search (df.patsnap.more()): the next hits of the same search, ranks continued."""

from __future__ import annotations

import pytest

from patsnap_pandas import InvalidInputError, SearchExpiredError, search_designs
from patsnap_pandas.frame.schema import concat_frames
from patsnap_pandas.jobs.clients import client_for
from patsnap_pandas.jobs.search import SearchWarning, continue_search


def test_ranks_continue_without_overlap(client, ledger, query_png):
    df = search_designs(query_png, client=client, limit=30, country=["CN", "US"])
    ledger.mark()
    more = continue_search(df, 50)  # no client: the one that made the search

    assert list(more["rank"]) == list(range(31, 81))
    assert not set(more["patent_id"]) & set(df["patent_id"])
    assert (more["search_id"] == df.attrs["search_id"]).all()
    assert more.attrs["search_id"] == df.attrs["search_id"]
    assert more.attrs["filters"] == df.attrs["filters"] == {"country": "CN,US"}
    entries = ledger.new()
    assert [(e.endpoint, e.params["offset"], e.params["limit"], e.params["country"]) for e in entries] == [
        ("/image-search/results", "30", "50", "CN,US")]

    both = concat_frames([df, more])
    further = continue_search(both, 20, client=client)
    assert list(further["rank"]) == list(range(81, 101))
    everything = concat_frames([both, further])
    assert everything["patent_id"].is_unique
    # The same hits as one search of 100 would have given.
    one_go = search_designs(query_png, client=client, limit=100, country=["CN", "US"], thumbnails=False)
    assert list(everything["patent_id"]) == list(one_go["patent_id"])


def test_more_than_a_page_is_paged_by_100(client, ledger, query_png):
    df = search_designs(query_png, client=client, limit=10, thumbnails=False)
    ledger.mark()
    more = continue_search(df, 230, thumbnails=False)
    assert list(more["rank"]) == list(range(11, 241))
    assert [(e.params["offset"], e.params["limit"]) for e in ledger.new()] == [
        ("10", "100"), ("110", "100"), ("210", "30")]


def test_stops_at_the_total_with_a_warning(client, ledger, query_png):
    df = search_designs(query_png, client=client, limit=100, country="HK", thumbnails=False)
    total = df.attrs["total"]
    assert len(df) == total < 100
    ledger.mark()
    with pytest.warns(SearchWarning, match="no more hits"):
        more = continue_search(df, 10)
    assert len(more) == 0 and ledger.new() == []
    assert list(more.columns[:9]) == list(df.columns[:9])


def test_the_offset_cap_cuts_with_a_warning(client, ledger, query_png):
    df = search_designs(query_png, client=client, limit=50, thumbnails=False)
    forged = df.copy()
    forged.attrs = {**df.attrs, "total": 5000}
    forged["rank"] = forged["rank"] + 1000  # as if ranks 1001..1050 were already fetched
    ledger.mark()
    with pytest.warns(SearchWarning, match="1100"):
        continue_search(forged, 100)
    # Offsets stop at 1000: the last page is asked for from there, never beyond.
    assert [(e.params["offset"], e.params["limit"]) for e in ledger.new()] == [("1000", "100")]

    forged["rank"] = forged["rank"] + 50  # ranks up to 1100: nothing more can be had
    ledger.mark()
    with pytest.warns(SearchWarning, match="at most 1100"):
        assert len(continue_search(forged, 5)) == 0
    assert ledger.new() == []


def test_expired_search_id_raises_unless_refresh(make_client, query_png, clock):
    client = make_client(search_id_lifetime=60)  # long enough for the steps after the refresh, however loaded the machine
    df = search_designs(query_png, client=client, limit=10)
    clock.shift(61)

    with pytest.raises(SearchExpiredError, match="refresh=True"):
        continue_search(df, 20)

    with pytest.warns(SearchWarning, match="run again"):
        more = continue_search(df, 20, refresh=True)
    assert list(more["rank"]) == list(range(11, 31))
    assert more.attrs["search_id"] != df.attrs["search_id"]
    assert not set(more["patent_id"]) & set(df["patent_id"])
    fresh = search_designs(df.attrs["query_url"], client=client, limit=30, thumbnails=False)
    assert list(more["patent_id"]) == list(fresh["patent_id"][10:])
    # and the new id is the one to continue from, also from the concatenation of both
    assert client_for(more) is client
    assert list(continue_search(more, 5)["rank"]) == [31, 32, 33, 34, 35]
    both = concat_frames([df, more])
    after = continue_search(both, 5)
    assert list(after["rank"]) == [31, 32, 33, 34, 35]
    assert after.attrs["search_id"] == more.attrs["search_id"]


@pytest.mark.parametrize("n", [0, -1, 1.5, True, "10", 1101])
def test_bad_n(n, client, ledger, query_png):
    df = search_designs(query_png, client=client, limit=5, thumbnails=False)
    ledger.mark()
    with pytest.raises(InvalidInputError, match=r"^n="):
        continue_search(df, n)
    assert ledger.new() == []


def test_not_a_result_frame(client):
    import pandas as pd

    with pytest.raises(InvalidInputError, match="lacks the columns"):
        continue_search(pd.DataFrame({"a": [1]}), client=client)
    with pytest.raises(InvalidInputError, match="expected a result frame"):
        continue_search([1, 2], client=client)
    from patsnap_pandas.frame.schema import empty_frame

    with pytest.raises(InvalidInputError, match="no search id"):
        continue_search(empty_frame(), client=client)


def test_frames_of_several_queries_are_refused(client, corpus, query_png):
    other = corpus.image_png(corpus.designs[3].image_keys[0])
    both = concat_frames([search_designs(query_png, client=client, limit=3, thumbnails=False),
                          search_designs(other, client=client, limit=3, thumbnails=False)])
    with pytest.raises(InvalidInputError, match="several"):
        continue_search(both)


def test_client_for_prefers_the_explicit_client(client, make_client, query_png):
    df = search_designs(query_png, client=client, limit=3, thumbnails=False)
    assert client_for(df) is client
    assert client_for(df.attrs["search_id"]) is client
    other = make_client()
    assert client_for(df, other) is other
    with pytest.raises(InvalidInputError, match="^client="):
        client_for(df, client="sandbox")

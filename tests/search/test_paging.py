"""Paging past the first 100 hits: each page once, stopping at the total, cut warnings, validation."""

from __future__ import annotations

import pytest

from patsnap_pandas import FilterError, InvalidInputError, search_designs
from patsnap_pandas.api.filters import MAX_RESULTS_CAP
from patsnap_pandas.jobs.search import SearchWarning


def pages(entries) -> list[tuple[str, str | None, str]]:
    return [(e.endpoint.rsplit("/", 1)[-1], e.params.get("offset"), e.params["limit"]) for e in entries
            if e.endpoint != "/image-search/image-upload"]


def test_max_results_250_pages_through_results(client, ledger, query_png):
    ledger.mark()
    df = search_designs(query_png, client=client, max_results=250)

    assert list(df["rank"]) == list(range(1, 251))
    assert df["patent_id"].is_unique
    assert df["search_id"].nunique() == 1
    assert pages(ledger.new()) == [("search-id", None, "100"), ("results", "100", "100"),
                                   ("results", "200", "50")]
    assert all(e.params.get("search_id", df.attrs["search_id"]) == df.attrs["search_id"] for e in ledger.new())
    assert df.attrs["max_results"] == 250 and df.attrs["limit"] == 100
    assert df.attrs["total"] == 600


def test_results_pages_carry_the_filters(client, ledger, query_png):
    ledger.mark()
    df = search_designs(query_png, client=client, max_results=150, country=["CN", "US", "EM", "JP"],
                        order="desc")
    results = [e for e in ledger.new() if e.endpoint.endswith("/results")]
    assert len(results) == 1
    assert results[0].params["country"] == "CN,EM,JP,US"  # sorted: one query per set of authorities
    assert results[0].params["order"] == "desc"
    assert set(df["authority"]) <= {"CN", "US", "EM", "JP"}
    assert list(df["rank"]) == list(range(1, 151))


def test_small_max_results_asks_only_for_that_many(client, ledger, query_png):
    ledger.mark()
    df = search_designs(query_png, client=client, limit=50, max_results=7)
    assert len(df) == 7
    assert pages(ledger.new()) == [("search-id", None, "7")]


def test_max_results_above_the_total_stops_at_the_total(client, ledger, query_png):
    small = search_designs(query_png, client=client, limit=1, country="CN", thumbnails=False)
    total = small.attrs["total"]
    assert 100 < total < 300  # the corpus: a CN share between one and three pages
    ledger.mark()
    with pytest.warns(SearchWarning, match=f"only {total} designs match"):
        df = search_designs(query_png, client=client, max_results=400, country="CN", thumbnails=False)
    assert list(df["rank"]) == list(range(1, total + 1))
    assert df["patent_id"].is_unique and set(df["authority"]) == {"CN"}
    offsets = [offset for _, offset, _ in pages(ledger.new())]
    assert offsets == [None] + [str(o) for o in range(100, total, 100)]  # never past the total


def test_a_total_under_one_page_makes_one_call(client, ledger, query_png):
    ledger.mark()
    with pytest.warns(SearchWarning, match="max_results=300"):
        df = search_designs(query_png, client=client, max_results=300, country="HK",
                            legal_status="granted", thumbnails=False)
    assert 0 < len(df) == df.attrs["total"] < 100
    assert pages(ledger.new()) == [("search-id", None, "100")]


def test_limit_alone_never_warns_about_a_small_total(client, query_png, recwarn):
    df = search_designs(query_png, client=client, limit=100, country="HK", legal_status="granted",
                        thumbnails=False)
    assert len(df) == df.attrs["total"] < 100
    assert not [w for w in recwarn if issubclass(w.category, SearchWarning)]


def test_expired_cached_search_id_is_recreated_when_paging_further(make_client, query_png, clock):
    client = make_client(search_id_lifetime=1)
    watch_start = len(client.sandbox_server.ledger)
    first = search_designs(query_png, client=client, limit=100, thumbnails=False)
    clock.shift(1.2)
    df = search_designs(query_png, client=client, max_results=150, thumbnails=False)

    entries = client.sandbox_server.ledger.entries()[watch_start:]
    kinds = [(e.endpoint.rsplit("/", 1)[-1], e.ok) for e in entries]
    assert kinds == [("image-upload", True), ("search-id", True), ("results", False),
                     ("search-id", True), ("results", True)]
    assert list(df["rank"]) == list(range(1, 151)) and df["patent_id"].is_unique
    assert df.attrs["search_id"] != first.attrs["search_id"]
    assert df.attrs["from_cache"] is False
    assert list(df["patent_id"][:100]) == list(first["patent_id"])


@pytest.mark.parametrize("value", [0, -5, MAX_RESULTS_CAP + 1, 2.5, "100", True])
def test_bad_max_results(value, client, ledger, query_png):
    ledger.mark()
    with pytest.raises(InvalidInputError, match=r"^max_results=") as err:
        search_designs(query_png, client=client, max_results=value)
    assert "1100" in str(err.value)
    assert ledger.new() == [] and client.usage.as_dict()["requests"] == {}


@pytest.mark.parametrize("kwargs, match", [
    ({"limit": 0}, r"^limit=0"),
    ({"limit": 101}, r"^limit=101"),
    ({"limit": "10"}, r"^limit='10'"),
    ({"country": "XX"}, r"^country='XX'"),
    ({"loc": "01-01 AND"}, r"^loc="),
    ({"legal_status": "granteed"}, r"granteed"),
    ({"apply_start_time": "2021-02-30"}, r"^apply_start_time="),
    ({"public_start_time": "20200101", "public_end_time": "20190101"}, r"public_start_time"),
    ({"colour": "red"}, r"'colour' is not a search filter"),
    ({"offset": 5}, r"offset is not a filter"),
    ({"thumbnails": "yes"}, r"^thumbnails='yes'"),
])
def test_bad_arguments_fail_before_any_call(kwargs, match, client, ledger, query_png):
    ledger.mark()
    with pytest.raises(InvalidInputError, match=match):
        search_designs(query_png, client=client, **kwargs)
    assert ledger.new() == [] and client.usage.as_dict()["requests"] == {}


def test_filter_errors_are_filter_errors(client, query_png):
    with pytest.raises(FilterError):
        search_designs(query_png, client=client, country="Atlantis")

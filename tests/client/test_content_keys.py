"""Searches keyed by the image's content: reused across upload URLs, their lifetimes and clients."""

from __future__ import annotations

import pytest

from patsnap_pandas import InvalidInputError, PatsnapClient, SearchFilters, search_designs
from patsnap_pandas.jobs.images import load_query_image


def test_a_search_by_bytes_is_reused_after_the_upload_url_expired(sandbox, make_client, query_png, clock):
    sandbox.configure(image_url_lifetime=5)
    client = make_client()
    first = client.create_search(query_png, SearchFilters(country="US"), limit=5)
    assert not first.from_cache and first.urls[0].startswith(sandbox.base_url)
    clock.shift(60)  # the upload URL (5 s) is long dead; the answer (7 days) is not
    billed = len(sandbox.ledger)
    again = make_client().create_search(query_png, {"country": "US"}, limit=5)
    assert again.from_cache and again.hits == first.hits
    assert again.urls == (None,)  # no live upload URL, and none was needed
    assert len(sandbox.ledger) == billed == 2  # one upload and one search, ever


def test_the_content_key_ignores_the_upload_url_but_not_the_parameters(sandbox, client, query_png):
    client.create_search(query_png, limit=5)
    assert not client.create_search(query_png, {"country": "CN"}, limit=5).from_cache
    assert not client.create_search(query_png, limit=6).from_cache
    other = sandbox.corpus.image_png(sandbox.corpus.designs[1].image_keys[0])
    assert not client.create_search(other, limit=5).from_cache
    assert sandbox.ledger.billed("search-id") == 4
    assert sandbox.ledger.billed("image-upload") == 2  # each distinct image uploaded once


def test_a_search_by_url_of_the_same_upload_is_keyed_by_that_url(sandbox, client, query_png):
    url = client.upload_image(query_png, "q.png").url
    client.create_search(url, limit=5)
    assert client.create_search(url, limit=5).from_cache
    assert not client.create_search(query_png, limit=5).from_cache  # a user's URL is not content
    assert sandbox.ledger.billed("search-id") == 2


def test_refresh_searches_again_and_replaces_the_cached_answer(sandbox, client, query_png):
    client.create_search(query_png, limit=5)
    fresh = client.create_search(query_png, limit=5, refresh=True)
    assert not fresh.from_cache and fresh.urls[0]
    assert client.create_search(query_png, limit=5).search_id == fresh.search_id
    assert sandbox.ledger.billed("search-id") == 2 and sandbox.ledger.billed("image-upload") == 1


def test_a_reader_with_a_shorter_max_age_does_not_take_an_older_answer(sandbox, make_client, query_png, clock):
    make_client().create_search(query_png, limit=5)  # stored for 7 days
    clock.shift(3600)
    assert make_client(result_max_age="2h").create_search(query_png, limit=5).from_cache
    strict = make_client(result_max_age=1800)
    assert not strict.create_search(query_png, limit=5).from_cache  # older than its 30 minutes
    assert strict.create_search(query_png, limit=5).from_cache  # the fresh answer replaced it
    assert sandbox.ledger.billed("search-id") == 2


def test_result_max_age_comes_from_the_environment_and_is_checked(sandbox, make_client, monkeypatch):
    monkeypatch.setenv("PATSNAP_RESULT_MAX_AGE", "12h")
    assert make_client().result_max_age == 12 * 3600
    monkeypatch.setenv("PATSNAP_RESULT_MAX_AGE", "soon")
    with pytest.raises(InvalidInputError, match="PATSNAP_RESULT_MAX_AGE"):
        make_client()
    with pytest.raises(InvalidInputError, match="result_max_age"):
        make_client(result_max_age=-5)


def test_bad_bytes_are_refused_before_any_call(sandbox, client):
    with pytest.raises(InvalidInputError, match=r"url=<9 bytes starting b'not an i'> is not valid: not a JPG"):
        client.create_search(b"not an im", limit=5)
    with pytest.raises(InvalidInputError, match=r"urls\[1\]=b'' is not valid: the image is empty"):
        client.image_multiple(["https://img.example/a.png", b""])
    assert len(sandbox.ledger) == 0


def test_multi_view_searches_by_bytes_are_keyed_by_content(sandbox, make_client, query_png, clock):
    sandbox.configure(image_url_lifetime=5)
    second = sandbox.corpus.image_png(sandbox.corpus.designs[1].image_keys[0])
    first = make_client().image_multiple([query_png, second], {"model": 2}, limit=4)
    assert not first.from_cache and all(first.urls)
    clock.shift(60)
    again = make_client().image_multiple([query_png, second], {"model": 2}, limit=4)
    assert again.from_cache and again.hits == first.hits and again.urls == (None, None)
    swapped = make_client().image_multiple([second, query_png], {"model": 2}, limit=4)
    assert not swapped.from_cache  # the order of the views matters to P061
    assert sandbox.ledger.billed("image-multiple") == 2


def test_search_designs_from_the_cache_keeps_the_query_image_without_an_upload(tmp_path, clock):
    with PatsnapClient.sandbox(cache_dir=tmp_path, corpus_size=60, image_url_lifetime=5) as client:
        design = client.sandbox_server.corpus.designs[0]
        png = client.sandbox_server.corpus.image_png(design.image_keys[0])
        first = search_designs(png, client=client, limit=5)
        clock.shift(60)
        again = search_designs(png, client=client, limit=5)
        refreshed = search_designs(png, client=client, limit=5, refresh=True)
        ledger = client.sandbox_server.ledger
        assert ledger.billed("image-upload") == 2 and ledger.billed("search-id") == 2  # first + refresh
    assert again.attrs["from_cache"] and not refreshed.attrs["from_cache"]
    assert again.attrs["query_url"] == again.attrs["query_sha256"].join(["sha256:", ""])
    assert again["patent_id"].tolist() == first["patent_id"].tolist()
    assert load_query_image(again).startswith(b"\x89PNG")  # kept by its content, never uploaded


# --- issue 21: one answer, paid once, whatever the credentials or the order of a list -----------------

def test_a_search_paid_with_a_token_is_free_with_an_api_key_and_the_other_way_round(sandbox, make_client, query_png):
    second = sandbox.corpus.image_png(sandbox.corpus.designs[1].image_keys[0])
    make_client(auth="token").create_search(query_png, {"country": "US"}, limit=5)
    make_client(auth="api_key").create_search(second, limit=5)
    billed = len(sandbox.ledger)
    by_key = make_client(auth="api_key").create_search(query_png, {"country": "US"}, limit=5)
    by_token = make_client(auth="token").create_search(second, limit=5)
    assert by_key.from_cache and by_token.from_cache
    assert len(sandbox.ledger) == billed == 4  # two uploads, two searches; the second round billed nothing


def test_enrichment_paid_with_one_credential_is_free_with_the_other(sandbox, make_client):
    ids = [design.patent_id for design in sandbox.corpus.designs[:3]]
    token, api_key = make_client(auth="token"), make_client(auth="api_key")
    assert api_key.bibliography(ids) == token.bibliography(ids)
    assert token.legal_status(ids) == api_key.legal_status(ids)
    assert sandbox.ledger.billed("simple-bibliography") == 1 and sandbox.ledger.billed("simple-legal-status") == 1
    assert api_key.usage.billed_calls == 1 and token.usage.billed_calls == 1


@pytest.mark.parametrize("first, again", [
    ({"country": ["US", "CN"]}, {"country": "cn, us,US"}),
    ({"legal_status": ["expired", "granted"]}, {"legal_status": [3, 15, 3]}),
    ({"simple_legal_status": "0,1"}, {"simple_legal_status": [1, 0]}),
    ({"loc": ["06-03", "06-01"]}, {"loc": "6-1,6-3"}),
])
def test_a_list_in_another_order_is_the_same_search(sandbox, client, query_png, first, again):
    page = client.create_search(query_png, first, limit=5)
    assert client.create_search(query_png, again, limit=5).from_cache
    assert sandbox.ledger.billed("search-id") == 1 and not page.from_cache
    assert SearchFilters(**first) == SearchFilters(**again)


def test_an_image_search_with_authorities_in_another_order_is_paid_once(sandbox, make_client, query_png):
    options = {"model": 2, "country": ["US", "CN", "EM"], "legal_status": [25, 3]}
    make_client(auth="token").image_single(query_png, options, limit=4)
    shuffled = {"model": 2, "country": "em,cn,us", "legal_status": "3,25"}
    assert make_client(auth="api_key").image_single(query_png, shuffled, limit=4).from_cache
    assert sandbox.ledger.billed("image-single") == 1


def test_an_answer_stored_under_the_old_key_shape_is_still_found(sandbox, make_client, query_png):
    from patsnap_pandas.store.cache import old_key_shape

    ids = [sandbox.corpus.designs[0].patent_id]
    with old_key_shape():  # what a token client of an earlier build stored: `apikey=REDACTED` in the key
        old = make_client(auth="token")
        old.create_search(query_png, limit=5)
        old.bibliography(ids)
    billed = len(sandbox.ledger)
    for auth in ("api_key", "token"):
        client = make_client(auth=auth)
        assert client.create_search(query_png, limit=5).from_cache
        assert client.bibliography(ids)
        assert client.usage.billed_calls == 0
    assert len(sandbox.ledger) == billed == 3  # upload, search, bibliography: once each

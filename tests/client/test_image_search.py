"""PatsnapClient.image_single (P060) and image_multiple (P061) over HTTP against the sandbox.

Options are validated before any call (like SearchFilters); answers are cached and
billed like P009's: a repeated identical call is 0 billed calls, and the JSON body
(image order included) is part of the cache key.
"""

from __future__ import annotations

import json

import pytest

from patsnap_pandas import InvalidInputError, InvalidParameterError
from patsnap_pandas.api.image_params import ImageSearchOptions
from patsnap_pandas.errors import FilterError
from tests.helpers import envelope, json_response, scripted_server


@pytest.fixture
def second_url(client, sandbox) -> str:
    design = sandbox.corpus.designs[1]
    return client.upload_image(sandbox.corpus.image_png(design.image_keys[0]), "second.png").url


def test_image_single_returns_a_page_with_the_fuller_fields(client, sandbox, query_url):
    page = client.image_single(query_url, {"model": 2}, limit=5)
    assert page.search_id is None and page.offset == 0 and page.limit == 5
    assert len(page.hits) == 5 and page.total == len(sandbox.corpus.designs)
    assert page.hits[0].patent_id == sandbox.corpus.designs[0].patent_id
    assert {"loc", "apdt", "pbdt", "apno", "authority", "current_assignee", "inventor"} <= set(page.hits[0].extra)
    assert [e.endpoint for e in sandbox.ledger][-1] == "/search/patent/image-single"


def test_image_multiple_sends_the_urls_in_order(client, sandbox, query_url, second_url):
    page = client.image_multiple([query_url, second_url], ImageSearchOptions(model=2), limit=3)
    assert len(page.hits) == 3 and not page.from_cache
    entry = sandbox.ledger.entries()[-1]
    assert entry.endpoint == "/search/patent/image-multiple"
    assert entry.params["urls"] == f"{query_url},{second_url}"


def test_offset_pages(client, query_url):
    whole = client.image_single(query_url, limit=20)
    page = client.image_single(query_url, limit=5, offset=10)
    assert page.offset == 10 and [h.patent_id for h in page.hits] == [h.patent_id for h in whole.hits[10:15]]


def test_repeated_call_is_served_from_the_cache_unbilled(client, sandbox, query_url, second_url):
    options = {"model": 1, "country": ["CN", "US"], "legal_status": "3,17"}
    first = client.image_multiple([query_url, second_url], options, limit=5)
    billed, ledger = client.usage.billed_calls, len(sandbox.ledger)
    again = client.image_multiple([query_url, second_url], options, limit=5)
    assert again.from_cache and not first.from_cache
    assert again.hits == first.hits
    assert client.usage.billed_calls == billed and len(sandbox.ledger) == ledger


@pytest.mark.parametrize("change", [
    {"options": {"model": 2}},
    {"options": {"lang": "en"}},
    {"options": {"country": ["CN"]}},
    {"limit": 6},
    {"offset": 1},
    {"urls": "reversed"},
])
def test_the_json_body_is_part_of_the_cache_key(client, sandbox, query_url, second_url, change):
    client.image_multiple([query_url, second_url], {"model": 1}, limit=5)
    urls = [second_url, query_url] if change.get("urls") == "reversed" else [query_url, second_url]
    page = client.image_multiple(urls, change.get("options", {"model": 1}), limit=change.get("limit", 5),
                                 offset=change.get("offset", 0))
    assert not page.from_cache
    assert sandbox.ledger.billed("image-multiple") == 2


def test_refresh_skips_the_cache(client, sandbox, query_url):
    client.image_single(query_url, limit=2)
    assert not client.image_single(query_url, limit=2, refresh=True).from_cache
    assert client.image_single(query_url, limit=2).from_cache
    assert sandbox.ledger.billed("image-single") == 2


def test_a_cached_answer_needs_no_token(sandbox, make_client, query_url):
    make_client().image_single(query_url, limit=4)
    other = make_client()  # a new client, same cache folder
    assert other.image_single(query_url, limit=4).from_cache
    assert other.usage.requests.get("token", 0) == 0


def test_an_error_is_raised_typed_and_never_cached(client, sandbox, query_url):
    for _ in range(2):
        with pytest.raises(InvalidParameterError, match="url"):
            client.image_single(query_url + "-tampered")
    assert [e.error_code for e in sandbox.ledger.entries()[-2:]] == [68300004, 68300004]


BAD_OPTIONS = [
    ("patent_type", {"patent_type": "X"}),
    ("patent_type", {"patent_type": 1}),
    ("model", {"model": 3}),
    ("model", {"model": 4}),
    ("model", {"patent_type": "U", "model": 1}),
    ("model", {"patent_type": "U", "model": 2}),
    ("model", {"model": 5}),
    ("model", {"model": True}),
    ("model", {"model": "1"}),
    ("lang", {"lang": "de"}),
    ("lang", {"lang": 1}),
    ("is_https", {"is_https": 2}),
    ("return_img_id", {"return_img_id": "yes"}),
    ("pre_filter", {"pre_filter": "on"}),
    ("stemming", {"stemming": 0.5}),
    ("include_machine_translation", {"include_machine_translation": "true"}),
    ("score_expansion", {"score_expansion": [1]}),
    ("query_text", {"query_text": 5}),
    ("country", {"country": "XX"}),
    ("country", {"country": ["CN", 3]}),
    ("legal_status", {"legal_status": 99}),
    ("legal_status", {"legal_status": "granted,nope"}),
    ("loc", {"loc": "01-01 OR"}),
    ("field", {"field": "price"}),
    ("order", {"order": "up"}),
    ("apply_start_time", {"apply_start_time": "2020-13-01"}),
    ("colour", {"colour": "red"}),
]


@pytest.mark.parametrize("name, options", BAD_OPTIONS, ids=[f"{n}={o}" for n, o in BAD_OPTIONS])
def test_bad_options_raise_before_any_call(sandbox, make_client, query_url, name, options):
    client = make_client()
    before = len(sandbox.ledger)
    for call in (lambda: client.image_single(query_url, options),
                 lambda: client.image_multiple([query_url], options)):
        with pytest.raises(FilterError) as caught:
            call()
        assert name in str(caught.value)
        assert "Allowed" in str(caught.value) or "allowed" in str(caught.value)
    assert client.usage.requests == {} and len(sandbox.ledger) == before


BAD_CALLS = [
    ("limit", lambda c, u: c.image_single(u, limit=0)),
    ("limit", lambda c, u: c.image_multiple([u], limit=101)),
    ("offset", lambda c, u: c.image_single(u, offset=1001)),
    ("offset", lambda c, u: c.image_multiple([u], offset=-1)),
    ("url", lambda c, u: c.image_single("ftp://example.com/a.png")),
    ("url", lambda c, u: c.image_single(None)),
    ("urls", lambda c, u: c.image_multiple(u)),
    ("urls", lambda c, u: c.image_multiple([])),
    ("urls", lambda c, u: c.image_multiple([u] * 5)),
    ("urls[1]", lambda c, u: c.image_multiple([u, "not a url"])),
    ("options", lambda c, u: c.image_single(u, ["model", 1])),
]


@pytest.mark.parametrize("name, call", BAD_CALLS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(BAD_CALLS)])
def test_bad_arguments_raise_before_any_call(sandbox, make_client, query_url, name, call):
    client = make_client()
    before = len(sandbox.ledger)
    with pytest.raises(InvalidInputError) as caught:
        call(client, query_url)
    assert name in str(caught.value)
    assert client.usage.requests == {} and len(sandbox.ledger) == before


def test_options_normalise_and_make_the_body(client):
    options = ImageSearchOptions(patent_type="utility model", lang="English", country="cn,us",
                                 legal_status=["granted", "deemed abandoned"], stemming=1,
                                 score_expansion=False, query_text="  TTL:(lamp)  ")
    assert options.model == 4
    assert options.to_body() == {"patent_type": "U", "model": 4, "lang": "en", "query_text": "TTL:(lamp)",
                                 "stemming": 1, "score_expansion": False, "legal_status": "3,19",
                                 "country": ["CN", "US"]}
    assert options.filter_dict() == {"legal_status": "3,19", "country": "CN,US"}
    assert options == ImageSearchOptions.coerce(dict(patent_type="U", lang="en", country=["CN", "US"],
                                                     legal_status="3,19", stemming=True, score_expansion=False,
                                                     query_text="TTL:(lamp)"))
    assert "model=4" in repr(options) and "country='CN,US'" in repr(options)


def test_the_body_is_sent_as_json_with_country_as_a_list():
    """What goes on the wire (the sandbox accepts more forms than PatSnap may)."""
    hit = {"patent_id": "p1", "patent_pn": "CN212345678U", "title": "t", "score": 0.9, "url": "http://x/1.png",
           "img_id": "i1", "loc_match": True}
    with scripted_server(lambda request, n: json_response(envelope(
            {"patent_messages": [hit], "total_search_result_count": 1}))) as server:
        from patsnap_pandas import PatsnapClient

        with PatsnapClient(api_key="sk-test", base_url=server.base_url, cache=False) as client:
            page = client.image_single("http://127.0.0.1/q.png", {"patent_type": "U", "country": "CN"},
                                       limit=1)
        recorded = server.requests[-1]
    assert recorded.method == "POST" and recorded.path == "/search/patent/image-single"
    assert recorded.headers["Content-Type"] == "application/json"
    assert json.loads(recorded.body) == {"url": "http://127.0.0.1/q.png", "patent_type": "U", "model": 4,
                                         "country": ["CN"], "limit": 1, "offset": 0}
    assert page.hits[0].extra == {"img_id": "i1", "loc_match": True}

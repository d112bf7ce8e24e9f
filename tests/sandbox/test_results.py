"""P009 results by search id: paging, offset up to 1000, expiry, filters sent with the call."""

from __future__ import annotations

import dataclasses
import uuid
from types import SimpleNamespace
from urllib.parse import urlsplit

import numpy as np
import pytest

from patsnap_pandas import codes
from patsnap_pandas.sandbox.corpus import Corpus
from tests.helpers import Api, error_of

RESULTS = "/image-search/results"


@pytest.fixture(scope="module")
def created(api, query_url):
    return api.search(query_url, limit=10)


def ids(hits) -> list[str]:
    return [h["patent_id"] for h in hits]


def test_results_response_shape(api, created):
    page = api.data(RESULTS, search_id=created["search_id"])
    assert set(page) == {"search_id", "patent_messages", "total_search_result_count"}
    assert page["search_id"] == created["search_id"]
    assert page["total_search_result_count"] == created["total_search_result_count"]
    assert ids(page["patent_messages"]) == ids(created["patent_messages"])  # offset 0, limit 10 by default


def test_pages_are_contiguous_without_duplicates(api, created, corpus):
    sid = created["search_id"]
    pages = [api.data(RESULTS, search_id=sid, offset=offset, limit=100)["patent_messages"] for offset in range(0, 700, 100)]
    everything = [h for page in pages for h in page]
    assert len(everything) == len(corpus.designs)
    assert len(set(ids(everything))) == len(everything)
    scores = [h["score"] for h in everything]
    assert scores == sorted(scores, reverse=True)
    # odd-sized windows line up with the big pages
    window = api.data(RESULTS, search_id=sid, offset=95, limit=10)["patent_messages"]
    assert ids(window) == ids(everything[95:105])
    assert ids(api.data(RESULTS, search_id=sid, offset=0, limit=10)["patent_messages"]) == ids(created["patent_messages"])


def test_offset_past_the_end_gives_an_empty_page(api, created):
    page = api.data(RESULTS, search_id=created["search_id"], offset=1000, limit=100)
    assert page["patent_messages"] == []
    assert page["total_search_result_count"] == created["total_search_result_count"]


def test_unknown_search_id_is_the_expired_code(api):
    response = api.get(RESULTS, search_id="C8C1EC5B3B068562CEFA779B7CC9C7F5-1-D")
    assert response.status_code == 200
    code, message = error_of(response)
    assert code == codes.SEARCH_EXPIRED_CODE
    assert codes.SEARCH_EXPIRED_MESSAGE in message


def test_missing_search_id_is_68300004(api):
    code, message = error_of(api.get(RESULTS, limit=10))
    assert code == 68300004 and "search_id" in message


def test_search_id_expires(make_sandbox, corpus, clock):
    sandbox = make_sandbox(search_id_lifetime=1)
    api = Api(sandbox)
    sid = api.search(api.upload_url(corpus.image_png(corpus.designs[1].image_keys[0])))["search_id"]
    assert api.json(RESULTS, search_id=sid)["status"] is True
    clock.shift(1.1)
    code, message = error_of(api.get(RESULTS, search_id=sid))
    assert code == codes.SEARCH_EXPIRED_CODE and message == codes.SEARCH_EXPIRED_MESSAGE


def test_same_filters_as_creation_page_the_stored_list(api, query_url):
    params = dict(country="CN,US", field="APD", order="asc")
    created = api.search(query_url, limit=20, **params)
    page = api.data(RESULTS, search_id=created["search_id"], offset=0, limit=20, **params)
    assert ids(page["patent_messages"]) == ids(created["patent_messages"])
    assert page["total_search_result_count"] == created["total_search_result_count"]
    # and without resending them too (the stored order is kept)
    bare = api.data(RESULTS, search_id=created["search_id"], offset=0, limit=20)
    assert ids(bare["patent_messages"]) == ids(created["patent_messages"])


def test_other_filters_narrow_the_stored_search(api, query_url, corpus):
    created = api.search(query_url, limit=100)
    page = api.data(RESULTS, search_id=created["search_id"], limit=100, country="JP")
    japanese = {d.patent_id for d in corpus.designs if d.authority == "JP"}
    assert page["total_search_result_count"] == len(japanese)
    assert set(ids(page["patent_messages"])) == japanese
    scores = [h["score"] for h in page["patent_messages"]]
    assert scores == sorted(scores, reverse=True)


def test_sort_sent_with_results_resorts_the_stored_search(api, query_url, corpus):
    created = api.search(query_url, limit=10)
    page = api.data(RESULTS, search_id=created["search_id"], limit=100, field="PBD", order="asc")
    dates = [corpus.design(i).publication_date for i in ids(page["patent_messages"])]
    assert dates == sorted(dates)


def test_results_urls_point_at_the_same_images(api, created):
    page = api.data(RESULTS, search_id=created["search_id"])
    assert [urlsplit(h["url"]).path for h in page["patent_messages"]] == [
        urlsplit(h["url"]).path for h in created["patent_messages"]
    ]


# --- a corpus larger than the stored cap: offset 1000 + limit 100 -------------------------


class RandomIndex:
    """Deterministic pseudo-similarities: enough to exercise the server's paging."""

    def __init__(self, corpus) -> None:
        self.corpus = corpus
        self.scores = np.random.default_rng(5).random(len(corpus.designs))

    def match(self, image):
        return SimpleNamespace(scores=self.scores, best_image=[d.image_keys[0] for d in self.corpus.designs])


@pytest.fixture(scope="module")
def big_sandbox(corpus):
    from patsnap_pandas.sandbox import start_sandbox

    designs, sources = [], {}
    for copy in range(3):
        for n, d in enumerate(corpus.designs[:450]):
            keys = tuple(f"{k}#{copy}" for k in d.image_keys)
            sources.update({key: k for key, k in zip(keys, d.image_keys)})
            designs.append(
                dataclasses.replace(d, patent_id=str(uuid.UUID(int=copy * 10_000 + n)), patent_pn=f"{d.patent_pn}{copy}", image_keys=keys)
            )
    big = Corpus("test-big-1350", designs, lambda key: corpus.image(sources[key]), "test-big-1350")
    with start_sandbox(big, index=RandomIndex(big)) as server:
        yield server


def test_offset_1000_with_limit_100_returns_the_last_stored_page(big_sandbox, corpus):
    api = Api(big_sandbox)
    created = api.search(api.upload_url(corpus.image_png(corpus.designs[0].image_keys[0])), limit=100)
    assert created["total_search_result_count"] == 1350
    sid = created["search_id"]
    pages = [api.data(RESULTS, search_id=sid, offset=o, limit=100)["patent_messages"] for o in range(0, 1001, 100)]
    assert [len(p) for p in pages] == [100] * 11
    everything = [h for p in pages for h in p]
    assert len(set(ids(everything))) == 1100
    assert [h["score"] for h in everything] == sorted((h["score"] for h in everything), reverse=True)
    # the documented order: exact score desc (reported with 4 decimals), then patent number
    designs = big_sandbox.corpus.designs
    scores = RandomIndex(big_sandbox.corpus).scores
    order = sorted(range(len(designs)), key=lambda i: (-float(scores[i]), designs[i].patent_pn))
    assert [h["score"] for h in everything] == [round(float(scores[i]), 4) for i in order[:1100]]
    assert ids(everything) == [designs[i].patent_id for i in order[:1100]]

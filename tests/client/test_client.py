"""The endpoints and their typed records, against the sandbox over HTTP."""

from __future__ import annotations

import datetime as dt
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from patsnap_pandas import ImageInputError, InvalidInputError, PatsnapClient
from patsnap_pandas.api.models import Hit, SearchPage, UploadedImage


def test_upload_image(sandbox, client, query_png):
    before = dt.datetime.now(dt.timezone.utc)
    uploaded = client.upload_image(query_png, "query.png")
    assert isinstance(uploaded, UploadedImage) and not uploaded.from_cache
    assert uploaded.url.startswith(sandbox.base_url + "/files/uploads/")
    assert uploaded.expires_at.tzinfo is dt.timezone.utc
    assert dt.timedelta(hours=8.99) < uploaded.expires_at - before < dt.timedelta(hours=9.01)
    (entry,) = sandbox.ledger
    assert entry.endpoint == "/image-search/image-upload" and entry.ok
    assert entry.params["filename"] == "query.png" and entry.params["content_type"] == "image/png"


def test_create_search_returns_typed_hits(sandbox, client, query_url):
    page = client.create_search(query_url, limit=5)
    assert isinstance(page, SearchPage)
    assert (page.offset, page.limit, page.total, page.from_cache) == (0, 5, len(sandbox.corpus.designs), False)
    assert page.search_id.endswith("-1-D") and len(page.hits) == 5
    best = page.hits[0]
    assert isinstance(best, Hit) and best.patent_id == sandbox.corpus.designs[0].patent_id
    assert best.score >= 0.99 and best.patent_pn == sandbox.corpus.designs[0].patent_pn
    assert [h.score for h in page.hits] == sorted((h.score for h in page.hits), reverse=True)
    # fields beyond the documented five are kept, never dropped
    assert set(best.extra) == {"loc", "apdt"}
    assert best.extra["loc"] == list(sandbox.corpus.designs[0].loc)
    row = best.to_dict()
    assert list(row)[:5] == ["patent_id", "patent_pn", "title", "score", "url"] and row["apdt"]


def test_search_results_page_through_the_same_ranking(sandbox, client, query_url):
    first = client.create_search(query_url, limit=10)
    page = client.search_results(first.search_id, offset=0, limit=20)
    assert [h.patent_id for h in page.hits[:10]] == [h.patent_id for h in first.hits]
    tail = client.search_results(first.search_id, offset=50, limit=100)
    assert (tail.offset, tail.limit, tail.search_id) == (50, 100, first.search_id)
    assert len(tail.hits) == len(sandbox.corpus.designs) - 50
    assert [e.params.get("offset") for e in sandbox.ledger][-2:] == ["0", "50"]


def test_search_with_filters_narrows(sandbox, client, query_url):
    page = client.create_search(query_url, filters={"country": "US"}, limit=100)
    assert page.hits and all(h.patent_pn.startswith("US") for h in page.hits)
    assert page.total == sum(d.authority == "US" for d in sandbox.corpus.designs)


def test_bibliography_in_batches_of_100(sandbox, client):
    known = [d.patent_id for d in sandbox.corpus.designs]
    unknown = [str(uuid.UUID(int=i, version=4)) for i in range(190)]
    asked = list(reversed(known)) + unknown + known[:5]  # duplicates are asked once
    items = client.bibliography(asked)
    assert [item["patent_id"] for item in items] == list(reversed(known))  # the caller's order
    assert items[0]["bibliographic_data"]["classification_data"]["classification_loc"]
    batches = [e.params["patent_id"].split(",") for e in sandbox.ledger]
    assert [len(b) for b in batches] == [100, 100, 50]
    assert sorted(sum(batches, [])) == sorted(set(asked))


def test_legal_status_in_batches(sandbox, client):
    ids = [d.patent_id for d in sandbox.corpus.designs][:30]
    fake = [str(uuid.UUID(int=i, version=4)) for i in range(120)]
    items = client.legal_status(ids + fake)
    assert [item["patent_id"] for item in items] == ids
    assert all(item["simple_legal_status"] for item in items)
    assert [e.endpoint for e in sandbox.ledger] == ["/basic-patent-data/simple-legal-status"] * 2
    assert client.legal_status(ids[0]) == items[:1]  # a single id as a plain string
    assert client.legal_status([]) == []


@pytest.mark.parametrize(("call", "error"), [
    (lambda c: c.upload_image(b"GIF89a....", "a.gif"), ImageInputError),
    (lambda c: c.upload_image(b"", "a.png"), ImageInputError),
    (lambda c: c.upload_image("not bytes", "a.png"), ImageInputError),
    (lambda c: c.upload_image(b"\x89PNG\r\n\x1a\n" + b"0" * (4096 * 1024), "a.png"), ImageInputError),
    (lambda c: c.upload_image(b"\x89PNG\r\n\x1a\n", ""), ImageInputError),
    (lambda c: c.create_search("/local/file.png"), InvalidInputError),
    (lambda c: c.create_search(None), InvalidInputError),
    (lambda c: c.search_results(""), InvalidInputError),
    (lambda c: c.bibliography([1, 2]), InvalidInputError),
    (lambda c: c.legal_status(["a,b"]), InvalidInputError),
    (lambda c: c.legal_status(42), InvalidInputError),
])
def test_bad_arguments_fail_before_any_call(sandbox, client, call, error):
    with pytest.raises(error) as info:
        call(client)
    assert "is not valid" in str(info.value) or "not a patent id" in str(info.value)
    assert len(sandbox.ledger) == 0 and client.usage.as_dict()["requests"] == {}


def test_threads_share_one_client(sandbox, client, query_png):
    """8 threads x 6 calls each on one client: no errors, one token, the cache shared."""
    url = client.upload_image(query_png, "q.png").url
    ids = [d.patent_id for d in sandbox.corpus.designs]

    def work(n):
        out = []
        for i in range(3):
            page = client.create_search(url, limit=n * 3 + i + 1)
            out.append(len(page.hits))
            out.append(len(client.search_results(page.search_id, offset=1, limit=5).hits))
        out.append(len(client.legal_status(ids[n * 5:n * 5 + 5])))
        out.append(len(client.create_search(url, limit=n * 3 + 1).hits))  # a cache hit
        return out

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(8)))
    for n, out in enumerate(results):
        assert out == [n * 3 + 1, 5, n * 3 + 2, 5, n * 3 + 3, 5, 5, n * 3 + 1]
    assert client.usage.requests["token"] == 1
    assert client.usage.cache_hits == 8
    assert len(sandbox.ledger) == 1 + 8 * 7 and all(e.ok for e in sandbox.ledger)
    assert client.usage.billed_calls == len(sandbox.ledger)


def test_sandbox_constructor_and_context_manager(tmp_path):
    with PatsnapClient.sandbox(corpus_size=60, latency=0.0, max_retries=1, backoff_factor=0.001,
                               auth="api_key") as client:
        server = client.sandbox_server
        assert client.base_url == server.base_url and client.max_retries == 1
        port = int(server.base_url.rsplit(":", 1)[1])
        assert client.legal_status([server.corpus.designs[0].patent_id])
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    with pytest.raises(RuntimeError, match="closed"):
        client.legal_status(["x"])
    client.close()  # idempotent
    with pytest.raises(InvalidInputError, match="auth='oauth'"):
        PatsnapClient.sandbox(auth="oauth")


def test_pickling_a_client_is_refused(client):
    import pickle

    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(client)

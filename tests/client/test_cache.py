"""HTTP cache and upload memo: never paying twice, never caching errors, never storing secrets."""

from __future__ import annotations

import base64
import logging
import time
from pathlib import Path

import pytest
import requests_cache

from patsnap_pandas import InvalidParameterError, PatsnapClient, SearchFilters


def test_repeated_search_makes_zero_ledger_entries(sandbox, client, query_png):
    filters = SearchFilters(country="US,CN")
    first = client.create_search(client.upload_image(query_png, "q.png").url, filters, limit=5)
    billed = len(sandbox.ledger)
    again = client.create_search(client.upload_image(query_png, "q.png").url, filters, limit=5)
    assert len(sandbox.ledger) == billed == 2  # one upload, one search
    assert again.from_cache and not first.from_cache
    assert again.hits == first.hits and again.search_id == first.search_id
    page = client.search_results(first.search_id, offset=5, limit=5)
    assert client.search_results(first.search_id, offset=5, limit=5) == \
        type(page)(**{**page.__dict__, "from_cache": True})
    assert len(sandbox.ledger) == 3
    assert client.usage.cache_hits == 3 and client.usage.billed_calls == 3


def test_same_image_reuses_the_upload_across_clients(sandbox, make_client, query_png):
    first = make_client().upload_image(query_png, "a.png")
    second = make_client().upload_image(query_png, "other-name.png")  # a new client, same cache dir
    assert second.url == first.url and second.from_cache and not first.from_cache
    assert second.expires_at == first.expires_at
    assert sandbox.ledger.billed("image-upload") == 1


def test_the_same_image_uploaded_from_threads_at_once_is_uploaded_once(sandbox, client, query_png):
    from concurrent.futures import ThreadPoolExecutor

    sandbox.configure(latency=0.2)  # every thread asks while the first upload is still running
    with ThreadPoolExecutor(max_workers=4) as pool:
        uploads = list(pool.map(lambda i: client.upload_image(query_png, f"q{i}.png"), range(4)))
    assert len({upload.url for upload in uploads}) == 1
    assert sorted(upload.from_cache for upload in uploads) == [False, True, True, True]
    assert sandbox.ledger.billed("image-upload") == 1


def test_upload_is_made_again_when_its_url_is_about_to_expire(sandbox, make_client, query_png, clock):
    sandbox.configure(image_url_lifetime=1)
    client = make_client()
    first = client.upload_image(query_png, "a.png")
    clock.shift(0.95)  # less than 10 % of its life left
    second = client.upload_image(query_png, "a.png")
    assert second.url != first.url and not second.from_cache
    assert sandbox.ledger.billed("image-upload") == 2


def test_a_nine_hour_upload_url_is_reused_until_ten_minutes_before_it_expires(sandbox, make_client, query_png, clock):
    """docs/caching.md: until 10 % of the URL's life, at most 10 minutes, before it expires."""
    client = make_client()
    first = client.upload_image(query_png, "a.png")  # the sandbox's URLs live 9 hours, as PatSnap's
    clock.shift(9 * 3600 - 11 * 60)  # 11 minutes left
    assert client.upload_image(query_png, "a.png").from_cache
    clock.shift(2 * 60)  # 9 minutes left
    again = client.upload_image(query_png, "a.png")
    assert again.url != first.url and not again.from_cache
    assert sandbox.ledger.billed("image-upload") == 2


def test_uploaded_bytes_are_not_written_to_the_cache(client, query_png):
    client.upload_image(query_png, "q.png")
    chunk = query_png[len(query_png) // 2:][:48]
    for path in Path(client.cache_dir).rglob("*"):
        if path.is_file():
            assert chunk not in path.read_bytes(), path


def test_an_error_is_not_cached(sandbox, client, query_url):
    for _ in range(2):
        with pytest.raises(InvalidParameterError):
            client.create_search(query_url + "-tampered")
    assert [e.error_code for e in sandbox.ledger] == [None, 68300004, 68300004]
    sandbox.configure(failure_rate=1.0, failure_kinds=(68300008,))
    with pytest.raises(Exception):
        client.bibliography([sandbox.corpus.designs[0].patent_id])
    sandbox.configure(failure_rate=0.0)
    assert client.bibliography([sandbox.corpus.designs[0].patent_id])  # reaches the server
    assert client.bibliography([sandbox.corpus.designs[0].patent_id])  # now cached
    assert sandbox.ledger.billed("simple-bibliography") == client.max_retries + 1 + 1


def test_token_is_not_part_of_the_cache_key(sandbox, make_client, query_url):
    make_client().create_search(query_url, limit=4)
    other = make_client()  # its own token, same cache
    assert other.create_search(query_url, limit=4).from_cache
    assert other.usage.requests.get("token", 0) == 0  # a cache hit needs no token at all
    assert sandbox.ledger.billed("search-id") == 1


def test_lifetimes_and_refresh(sandbox, make_client, query_url, clock):
    client = make_client(expire_after={"search": 0.5})
    client.create_search(query_url, limit=2)
    assert client.create_search(query_url, limit=2).from_cache
    clock.shift(0.6)
    assert not client.create_search(query_url, limit=2).from_cache
    assert not client.create_search(query_url, limit=2, refresh=True).from_cache
    assert client.create_search(query_url, limit=2).from_cache
    assert sandbox.ledger.billed("search-id") == 3
    info = client.cache_info()
    week = 7 * 86400  # the default result_max_age
    assert info["lifetimes"] == {"search": 0.5, "results": week, "bibliography": 30 * 86400,
                                 "legal_status": 86400, "image_single": week, "image_multiple": week,
                                 "full_bibliography": 30 * 86400, "legal_events": 86400, "number_search": 30 * 86400,
                                 "batch_result": week}


@pytest.mark.parametrize("kind", ["off", "path", "backend"])
def test_cache_argument_kinds(sandbox, make_client, query_url, tmp_path, kind):
    cache = {"off": False, "path": tmp_path / "custom" / "mine.sqlite",
             "backend": requests_cache.BaseCache()}[kind]
    client = make_client(cache=cache)
    client.create_search(query_url, limit=3)
    second = client.create_search(query_url, limit=3)
    assert second.from_cache == (kind != "off")
    assert sandbox.ledger.billed("search-id") == (2 if kind == "off" else 1)
    if kind == "path":
        assert cache.exists() and client.cache_info()["location"] == str(cache)
    assert ("cache='off'" in repr(client)) == (kind == "off")


def test_cache_info_and_clear_cache(sandbox, client, query_png):
    url = client.upload_image(query_png, "q.png").url
    client.create_search(url, limit=2)
    client.bibliography([sandbox.corpus.designs[0].patent_id])
    info = client.cache_info()
    assert info["backend"] == "SQLiteCache" and info["responses"] == 2 and info["uploads"] == 1
    assert Path(info["location"]).parent == client.cache_dir and info["size_bytes"] > 0
    client.clear_cache()
    assert client.cache_info()["responses"] == 0 and client.cache_info()["uploads"] == 0
    assert not client.upload_image(query_png, "q.png").from_cache


def test_rate_limit_throttles_network_calls_never_cache_hits(sandbox, make_client):
    client = make_client(auth="api_key", rate_limit=10)
    ids = [d.patent_id for d in sandbox.corpus.designs[:6]]
    started = time.monotonic()
    for patent_id in ids:
        client.legal_status([patent_id])
    network = time.monotonic() - started
    limiter = client._pipeline.limiter
    assert network >= 0.45  # 6 calls at 10/s
    assert limiter.admitted == 6
    for _ in range(5):
        for patent_id in ids:
            client.legal_status([patent_id])
    assert client.usage.cache_hits == 30
    assert limiter.admitted == 6  # cache hits never reach the limiter, so never wait


def test_sandbox_client_cache_is_temporary(tmp_path):
    with PatsnapClient.sandbox(corpus_size=60, backoff_factor=0.001) as client:
        temp = client.cache_dir
        assert temp.is_dir() and temp != tmp_path
        client.legal_status([client.sandbox_server.corpus.designs[0].patent_id])
        server = client.sandbox_server
    assert not temp.exists()
    assert server._stopped
    with PatsnapClient.sandbox(corpus_size=60, auth="api_key", cache_dir=tmp_path / "kept") as client:
        client.legal_status([client.sandbox_server.corpus.designs[0].patent_id])
    assert (tmp_path / "kept" / "http_cache.sqlite").exists()


def test_no_secret_reaches_the_cache_or_the_logs(caplog, tmp_path):
    secrets = {"client_id": "cid-4f1e7a9b2c", "client_secret": "csecret-9a8b7c6d5e",
               "api_key": "sk-apikey-0a1b2c3d4e5f"}
    caplog.set_level(logging.DEBUG)
    cache_dir = tmp_path / "cache"
    tokens = []
    with PatsnapClient.sandbox(corpus_size=60, cache_dir=cache_dir, backoff_factor=0.001,
                               **secrets) as client:
        server = client.sandbox_server
        design = server.corpus.designs[0]
        png = server.corpus.image_png(design.image_keys[0])
        url = client.upload_image(png, "q.png").url
        page = client.create_search(url, filters={"country": "CN,US,EM,JP,KR,HK"}, limit=5)
        client.search_results(page.search_id, offset=5, limit=5)
        client.create_search(url, limit=5)  # cache hit
        client.bibliography([h.patent_id for h in page.hits])
        client.legal_status([h.patent_id for h in page.hits])
        server.configure(failure_rate=0.5, seed=3)  # retries log URLs in urllib3
        for limit in range(6, 12):
            client.create_search(url, limit=limit)
        server.configure(failure_rate=0.0)
        with pytest.raises(InvalidParameterError):
            client.create_search(url + "x")
        tokens.append(client._pipeline.auth._token)
        key_client = PatsnapClient(api_key=secrets["api_key"], base_url=server.base_url,
                                   cache_dir=cache_dir, backoff_factor=0.001)
        with key_client:
            key_client.create_search(url, limit=20)
            key_client.legal_status([design.patent_id])
    assert tokens[0]
    basic = base64.b64encode(f"{secrets['client_id']}:{secrets['client_secret']}".encode()).decode()
    needles = [*secrets.values(), tokens[0], basic]
    files = [path for path in cache_dir.rglob("*") if path.is_file()]
    assert any(path.name == "http_cache.sqlite" for path in files)
    for path in files:
        data = path.read_bytes()
        for needle in needles:
            assert needle.encode() not in data, (path, needle[:4])
    assert len(caplog.records) > 20
    assert any(r.name.startswith("urllib3") for r in caplog.records)
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    for needle in needles:
        assert needle not in logged, needle[:4]


def test_an_unclosed_sandbox_client_cleans_up_when_collected():
    import gc

    client = PatsnapClient.sandbox(corpus_size=60)
    temp, server = client.cache_dir, client.sandbox_server
    client.legal_status([server.corpus.designs[0].patent_id])
    del client
    gc.collect()
    assert not temp.exists() and server._stopped

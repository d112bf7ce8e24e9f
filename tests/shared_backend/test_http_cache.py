"""The HTTP cache in Redis, through a real client and the sandbox over HTTP: shared answers,
a failed write that keeps the paid answer, a failed read that stops before any billed call."""

from __future__ import annotations

import warnings

import pytest

from patsnap_pandas import CacheWarning, samples, search_designs
from patsnap_pandas.errors import CacheUnavailableError
from patsnap_pandas.store.redis_backend import RedisBackend
from patsnap_pandas.store.redis_http_cache import RedisHTTPCache


def test_a_second_client_on_the_same_redis_pays_nothing(patsnap_sandbox, patsnap_client_factory, patsnap_redis):
    first_backend, second_backend = RedisBackend(patsnap_redis), RedisBackend(patsnap_redis)
    first = patsnap_client_factory(cache=first_backend.http_cache())
    hits = search_designs(samples.image("armchair"), client=first, limit=10)
    billed = patsnap_sandbox.ledger.billed()
    assert billed == 2 and len(hits) == 10                    # one upload, one search
    second = patsnap_client_factory(cache=second_backend.http_cache())   # same memo folder, another backend
    again = search_designs(samples.image("armchair"), client=second, limit=10)
    assert patsnap_sandbox.ledger.billed() == billed           # the answer came from Redis
    assert list(again["patent_id"]) == list(hits["patent_id"])
    stored = list(first_backend.connection.scan_iter("patsnap:http:*"))
    assert stored and all(first_backend.connection.get(name).lstrip().startswith(b"{") for name in stored)  # JSON
    assert first_backend.connection.ttl(stored[0]) > 3600      # expires with the answer (+ requests-cache's hour)
    assert second_backend.http_cache().count() == len(stored)
    first.close(); second.close(); first_backend.close(); second_backend.close()


def test_a_failed_write_returns_the_paid_answer_and_keeps_it_for_the_session(
        patsnap_sandbox, patsnap_client_factory, own_redis):
    server = own_redis()
    server.command("CONFIG", "SET", "maxmemory", "1")      # full: every write is refused (OOM), reads work
    backend = RedisBackend(server.url)
    client = patsnap_client_factory(cache=backend.http_cache())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hits = search_designs(samples.image("armchair"), client=client, limit=10)
        billed = patsnap_sandbox.ledger.billed()
        again = search_designs(samples.image("armchair"), client=client, limit=10)
    assert len(hits) == 10 and list(again["patent_id"]) == list(hits["patent_id"])
    assert patsnap_sandbox.ledger.billed() == billed          # the repeat came from memory
    cache_warnings = [w for w in caught if issubclass(w.category, CacheWarning)]
    assert len(cache_warnings) == 1
    text = str(cache_warnings[0].message)
    assert server.url in text and "OutOfMemoryError" in text and "pay for them again" in text
    client.close(); backend.close()


def test_a_failed_read_raises_before_any_billed_call(patsnap_sandbox, patsnap_client_factory, own_redis):
    server = own_redis()
    backend = RedisBackend(server.url)
    client = patsnap_client_factory(cache=backend.http_cache())
    search_designs(samples.image("armchair"), client=client, limit=10)   # the upload is remembered locally
    billed = patsnap_sandbox.ledger.billed()
    server.stop()
    with pytest.raises(CacheUnavailableError) as info:
        search_designs(samples.image("armchair"), client=client, limit=10)
    assert server.url in str(info.value) and "reading a cached answer" in str(info.value)
    assert patsnap_sandbox.ledger.billed() == billed          # a failed read is not a miss: nothing re-billed
    client.close(); backend.close()


def test_the_cache_lives_under_the_namespace_and_clears(backend):
    cache = backend.http_cache()
    assert isinstance(cache, RedisHTTPCache) and cache.namespace == "patsnap:http"
    backend.connection.set("patsnap:http:abc", b"{}")
    backend.connection.set("elsewhere:http:abc", b"{}")
    assert cache.count() == 1
    cache.clear()
    assert cache.count() == 0 and backend.connection.exists("elsewhere:http:abc")


def test_an_answer_the_cache_cannot_take_is_still_returned(backend):
    import requests

    refused = requests.Response()        # no raw connection behind it: requests-cache cannot store it
    refused.status_code, refused.url = 200, "http://127.0.0.1:9/x"
    refused.request = requests.Request("GET", refused.url).prepare()
    cache = backend.http_cache()
    with pytest.warns(CacheWarning, match="could not be written to the shared cache"):
        cache.save_response(refused, "k")
    assert cache.count() == 0


def test_delete_and_contains_through_a_server_that_went_away(own_redis):
    server = own_redis()
    backend = RedisBackend(server.url)
    cache = backend.http_cache()
    backend.connection.set("patsnap:http:stored", b"{}")
    assert cache.contains("stored") and not cache.contains("absent")
    server.stop()
    with pytest.warns(CacheWarning, match="could not be written to the shared cache"):
        cache.delete("stored")                          # a stale answer that stays is re-checked on use
    with pytest.raises(CacheUnavailableError, match="looking up a cached answer"):
        cache.contains("stored")
    backend.close()


def test_a_search_and_enrichment_paid_with_a_token_are_free_with_an_api_key_on_one_redis(
        patsnap_sandbox, patsnap_client_factory, patsnap_redis):
    ids = [design.patent_id for design in patsnap_sandbox.corpus.designs[:2]]
    chair, lamp = samples.image("armchair").read_bytes(), samples.image("desk-lamp").read_bytes()
    alice = patsnap_client_factory(name="alice", auth="token", cache_url=patsnap_redis)
    alice.create_search(chair, {"country": ["US", "CN"]}, limit=5)
    alice.bibliography(ids)
    bob = patsnap_client_factory(name="bob", auth="api_key", cache_url=patsnap_redis)  # another machine
    bob.create_search(lamp, limit=5)
    bob.legal_status(ids)
    billed = patsnap_sandbox.ledger.billed()
    assert billed == 6  # two uploads, two searches, one bibliography, one legal status
    bob_again = patsnap_client_factory(name="bob2", auth="api_key", cache_url=patsnap_redis)
    alice_again = patsnap_client_factory(name="alice2", auth="token", cache_url=patsnap_redis)
    assert bob_again.create_search(chair, {"country": "cn,us"}, limit=5).from_cache
    assert bob_again.bibliography(ids)
    assert alice_again.create_search(lamp, limit=5).from_cache
    assert alice_again.legal_status(ids)
    assert patsnap_sandbox.ledger.billed() == billed  # the second round billed nothing
    assert bob_again.usage.billed_calls == alice_again.usage.billed_calls == 0

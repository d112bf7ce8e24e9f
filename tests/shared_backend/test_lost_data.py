"""Issue 21: the team's Redis restarted empty (or flushed) while in use.

It said nothing: the cache and the spending silently started again from 0, and a lock held
across the restart warned that "another process held it". Now the next billed call stops
(a batch keeps the rows it has), and the lock's warning says what happened. A real
redis-server of the test's own is restarted; billed calls are counted on the sandbox's ledger.
"""

from __future__ import annotations

import warnings
from collections import Counter

import pandas as pd
import pytest

from patsnap_pandas import CacheWarning, PatsnapClient, SpendingLostError
from patsnap_pandas.api.models import ENDPOINTS
from patsnap_pandas.jobs.batch import search_each
from patsnap_pandas.store.redis_backend import RedisBackend
from tests.helpers import distinct_png

UPLOAD, SEARCH = ENDPOINTS["upload"], ENDPOINTS["search"]


def test_redis_restarted_empty_mid_batch_stops_it_before_any_further_billed_call(patsnap_sandbox, own_redis,
                                                                                 tmp_path):
    server = own_redis()
    corpus = patsnap_sandbox.corpus
    # distinct bytes: a design and its registration in another office may share a drawing
    catalogue = pd.DataFrame({"photo": [distinct_png(corpus, i) for i in range(10)]})
    with PatsnapClient(base_url=patsnap_sandbox.base_url, api_key=patsnap_sandbox.credentials.api_key,
                       cache_dir=tmp_path, cache_url=server.url, backoff_factor=0.005) as client:
        search = client.create_search
        answered = []

        def restart_after_the_third(*args, **kwargs):
            page = search(*args, **kwargs)
            answered.append(page)
            if len(answered) == 3:
                server.restart()                 # without persistence: cache, uploads and counts are gone
            return page

        client.create_search = restart_after_the_third
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = search_each(catalogue, "photo", limit=3, max_workers=1, progress=False, client=client,
                              thumbnails=False)
    # nothing billed after the restart: three uploads and three searches, as before it
    assert Counter(entry.endpoint for entry in patsnap_sandbox.ledger.entries()) == {UPLOAD: 3, SEARCH: 3}
    status = out.groupby("query_index", sort=False)["status"].first()
    assert status.tolist() == ["ok"] * 3 + ["error"] * 7    # the rows fetched so far are kept
    errors = out.loc[out["status"] == "error", "error"]
    assert errors.str.startswith("SpendingLostError: ").all()
    assert errors.str.contains(f"shared cache at {server.url} lost its counts of billed calls").all()
    assert errors.str.contains("cached answers and remembered uploads are gone").all()
    assert errors.str.contains("restore-spending").all()
    assert not [w for w in caught if "another process held" in str(w.message)]


def test_a_fresh_client_after_the_restart_stops_too_until_the_counts_are_restored(patsnap_sandbox, own_redis,
                                                                                  tmp_path):
    from patsnap_pandas.store.budget import restore_spending

    server = own_redis()
    corpus = patsnap_sandbox.corpus
    png = [corpus.image_png(design.image_keys[0]) for design in corpus.designs[:3]]
    options = dict(base_url=patsnap_sandbox.base_url, api_key=patsnap_sandbox.credentials.api_key,
                   cache_dir=tmp_path, cache_url=server.url, budget="10/day")
    with PatsnapClient(**options) as client:
        client.create_search(png[0], limit=3)
    server.restart()
    with PatsnapClient(**options) as client:                  # the next morning: this folder remembers the store
        with pytest.raises(SpendingLostError, match="last saw 2 spent today"):
            client.create_search(png[1], limit=3)
        restore_spending(server.url, cache_dir=tmp_path)
        client.create_search(png[1], limit=3)
        assert client.usage.budget["spent"] == 4
    assert len(patsnap_sandbox.ledger) == 4


def test_a_lock_held_while_redis_restarts_says_the_server_restarted(own_redis):
    server = own_redis()
    backend = RedisBackend(server.url)
    try:
        with pytest.warns(CacheWarning, match="the Redis server restarted while it was held") as caught:
            with backend.single_flight().hold("k"):
                server.restart()
        assert not [w for w in caught if "another process held" in str(w.message) or "took it" in str(w.message)]
    finally:
        backend.close()


def test_a_lock_whose_key_was_flushed_says_so(backend):
    with pytest.warns(CacheWarning, match="its key vanished while it was held: the shared cache was flushed") as caught:
        with backend.single_flight().hold("k"):
            backend.connection.flushall()
    assert not [w for w in caught if "another process held" in str(w.message) or "took it" in str(w.message)]


def test_the_record_and_the_error_never_hold_the_redis_password(patsnap_sandbox, own_redis, tmp_path):
    secret = "hunter2-pass"
    server = own_redis(password=secret)
    png = patsnap_sandbox.corpus.image_png(patsnap_sandbox.corpus.designs[0].image_keys[0])
    with PatsnapClient(base_url=patsnap_sandbox.base_url, api_key=patsnap_sandbox.credentials.api_key,
                       cache_dir=tmp_path, cache_url=server.url) as client:
        client.create_search(png, limit=3)
        server.command("FLUSHALL")
        with pytest.raises(SpendingLostError) as caught:
            client.create_search(png, limit=3, refresh=True)
    assert secret not in str(caught.value) and "redis://***@127.0.0.1:" in str(caught.value)
    assert all(secret.encode() not in path.read_bytes() for path in tmp_path.glob("usage.sqlite*"))
    assert (tmp_path / "usage.sqlite").is_file()              # the record is there, without the password

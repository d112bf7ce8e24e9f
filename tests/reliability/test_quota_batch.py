"""Quota exhausted at call 36 of a 60-image batch (four workers); the re-run after the quota is back pays only for
the rest. 60 images prove what 200 did (every worker stops at once, the kept 36 intact, the rest billed once) at
less than a third of the calls."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from patsnap_pandas.api.images import prepare_image
from patsnap_pandas.frame.schema import SCHEMA
from tests.helpers import SEARCH, assert_intact_hits, per_query

LIMIT = 3
IMAGES = 60
QUOTA = 36


@pytest.mark.slow  # a batch of 100+ billed calls: left out of `make test-fast`, run by `make test` and CI
def test_quota_exhausted_mid_batch_then_a_rerun_completes_only_the_missing(sandboxes, clients, catalogue, corpus):
    catalogue = catalogue.iloc[:IMAGES]  # the session's 200-image catalogue: its first 60 rows
    server = sandboxes()
    client = clients(server)
    # Upload the 60 images first (the client remembers their URLs), so that the quota counts
    # searches only: one billed call per image.
    def upload(photo) -> str:
        prepared = prepare_image(photo)
        return client.upload_image(prepared.data, prepared.filename).url

    with ThreadPoolExecutor(4) as pool:
        urls = dict(zip(catalogue.index, pool.map(upload, catalogue["photo"])))
    assert len(set(urls.values())) == IMAGES
    server.configure(quota=QUOTA, quota_code=67200007)  # the daily limit: not retryable
    server.ledger.clear()

    first = catalogue.patsnap.search_each("photo", limit=LIMIT, max_workers=4, progress=False,
                                          client=client, label_column="sku", thumbnails=False)
    run1 = server.ledger.entries()

    # exactly the 36 searches the quota allowed are kept, complete
    assert sum(1 for e in run1 if e.ok) == QUOTA
    assert {e.endpoint for e in run1} == {SEARCH}  # no upload again: the client remembered them
    refused = [e for e in run1 if not e.ok]
    assert refused and all(e.error_code == 67200007 for e in refused)
    assert len(refused) <= 4  # at most one refused call per worker: the batch stops at once
    status = per_query(first)["status"].first()
    assert list(status.index) == list(catalogue.index)
    done = list(status[status == "ok"].index)
    missing = list(status[status == "error"].index)
    assert len(done) == QUOTA and len(missing) == IMAGES - QUOTA
    assert_intact_hits(first, corpus, done, LIMIT)
    assert sorted(e.params["url"] for e in run1 if e.ok) == sorted(urls[row] for row in done)
    # the rest are marked with the quota error, one row each
    errors = first.loc[first["status"] == "error"]
    assert errors["query_index"].tolist() == missing
    assert errors[list(SCHEMA)[1:]].drop(columns=["query"]).isna().all().all()
    assert all(e.startswith("QuotaExceededError: ") for e in errors["error"])
    assert all("67200007" in e for e in errors["error"])
    assert sum("not searched" in e for e in errors["error"]) >= len(missing) - 4
    assert first.attrs["batch"]["ok"] == QUOTA and first.attrs["batch"]["error"] == IMAGES - QUOTA

    # quota restored: the same batch again bills exactly the 24 missing searches
    server.configure(quota=None)
    server.ledger.clear()
    second = catalogue.patsnap.search_each("photo", limit=LIMIT, max_workers=4, progress=False,
                                           client=client, label_column="sku", thumbnails=False)
    run2 = server.ledger.entries()
    assert all(e.ok for e in run2)
    assert [e.endpoint for e in run2] == [SEARCH] * len(missing)
    assert sorted(e.params["url"] for e in run2) == sorted(urls[row] for row in missing)
    assert second.attrs["batch"] == {"rows": IMAGES, "distinct_images": IMAGES, "ok": IMAGES,
                                     "no_hits": 0, "error": 0}
    assert_intact_hits(second, corpus, catalogue.index, LIMIT)
    # the 36 kept results come back unchanged (from the cache)
    kept_before = first[first["query_index"].isin(done)].reset_index(drop=True)
    kept_now = second[second["query_index"].isin(done)].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept_now[[*SCHEMA, "query_index"]], kept_before[[*SCHEMA, "query_index"]])

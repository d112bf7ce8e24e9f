"""A batch stops at the budget like at a quota error; a re-run with a raised budget bills only the rest.

Each image of the batch costs two billed calls: its upload (P010) and its search (P009).
"""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

import patsnap_pandas  # noqa: F401  (registers df.patsnap)
from tests.helpers import SEARCH, UPLOAD, numbered_png

IMAGES = 100
BUDGET = 50


@pytest.mark.slow  # a 100-image batch and its rerun: about 6 s
def test_budget_50_stops_a_100_image_batch_at_exactly_50_billed_calls_and_a_rerun_bills_only_the_rest(
        make_client, patsnap_sandbox):
    catalogue = pd.DataFrame({"sku": [f"SKU{i:03d}" for i in range(IMAGES)],
                              "photo": [numbered_png(i) for i in range(IMAGES)]})
    client = make_client(budget=f"{BUDGET}/day")
    first = catalogue.patsnap.search_each("photo", limit=3, max_workers=4, progress=False, client=client,
                                          label_column="sku", thumbnails=False)
    run1 = patsnap_sandbox.ledger.entries()
    # exactly the budget reached the server, every call a success; none over it
    assert len(run1) == BUDGET and all(e.ok for e in run1)
    calls = Counter(e.endpoint for e in run1)
    assert set(calls) <= {UPLOAD, SEARCH}
    # an image is done when its search was made: as many ok images as searches billed
    status = first.groupby("query_index", sort=False)["status"].first()
    done = status[status == "ok"].index.tolist()
    # an image's upload and search are reserved together: no upload is paid for a search the budget refused
    assert len(done) == calls[SEARCH] == calls[UPLOAD] == BUDGET // 2
    assert first.attrs["batch"]["ok"] == len(done) and first.attrs["batch"]["error"] == IMAGES - len(done)
    # every other row is marked as stopped by the budget, in words
    stopped = first.loc[first["status"] == "error"]
    assert len(stopped) == IMAGES - len(done)
    assert all(e.startswith("BudgetExceededError: ") for e in stopped["error"])
    assert all(f"budget of {BUDGET} billed calls per day (UTC) is used up" in e for e in stopped["error"])
    skipped = [e for e in stopped["error"] if "not searched, stopped by the budget" in e]
    assert len(skipped) >= len(stopped) - 4  # the rest were refused in a worker (one each), before their upload
    assert all("run the same batch again" in e for e in skipped)
    assert client.usage.budget["spent"] == BUDGET and client.usage.budget["remaining"] == 0

    # The budget raised to 2 calls per image: the re-run pays for exactly the rest, 200 - 50 = 150
    # calls (the remembered uploads and the finished searches come from the cache at no cost).
    patsnap_sandbox.ledger.clear()
    raised = make_client(budget=f"{2 * IMAGES}/day")
    second = catalogue.patsnap.search_each("photo", limit=3, max_workers=4, progress=False, client=raised,
                                           label_column="sku", thumbnails=False)
    run2 = patsnap_sandbox.ledger.entries()
    assert len(run2) == 2 * IMAGES - BUDGET and all(e.ok for e in run2)
    assert Counter(e.endpoint for e in run2) == {UPLOAD: IMAGES - calls[UPLOAD], SEARCH: IMAGES - calls[SEARCH]}
    assert second.attrs["batch"] == {"rows": IMAGES, "distinct_images": IMAGES, "ok": IMAGES, "no_hits": 0,
                                     "error": 0}
    assert raised.usage.budget == {**raised.usage.budget, "spent": 2 * IMAGES, "remaining": 0}
    # the first run's results come back unchanged
    kept = second[second["query_index"].isin(done)].reset_index(drop=True)
    before = first[first["query_index"].isin(done)].reset_index(drop=True)
    assert kept[["query", "patent_id", "rank", "score"]].equals(before[["query", "patent_id", "rank", "score"]])

"""What a search or a batch would cost, said before it runs, and true when it runs."""

from __future__ import annotations

import pandas as pd
import pytest

from patsnap_pandas import InvalidInputError, search_designs
from patsnap_pandas.jobs.batch import search_each


def png(sandbox, i: int) -> bytes:
    design = sandbox.corpus.designs[i]
    return sandbox.corpus.image_png(design.image_keys[0])


def test_the_estimate_of_a_search_is_what_it_then_bills(sandbox, client):
    data = png(sandbox, 0)
    estimate = client.estimate(data, {"country": "US"}, max_results=250)
    assert len(sandbox.ledger) == 0  # estimating makes no call
    assert dict(estimate.calls) == {"upload": 1, "search": 1, "results": 2}
    with pytest.warns(UserWarning, match="designs match this query"):  # fewer than 250 US designs
        search_designs(data, client=client, max_results=250, country="US", thumbnails=False)
    # the pages stopped early (an estimate is an upper bound), never later
    assert len(sandbox.ledger) <= estimate.total
    assert sandbox.ledger.billed("image-upload") == 1 and sandbox.ledger.billed("search-id") == 1
    assert client.estimate(data, {"country": "US"}, max_results=250).total == 0


def test_a_live_upload_is_not_counted_again(sandbox, client):
    data = png(sandbox, 1)
    client.upload_image(data, "q.png")
    assert dict(client.estimate(data, limit=10).calls) == {"upload": 0, "search": 1, "results": 0}


def test_the_estimate_of_views_counts_each_upload_and_the_p061_call(sandbox, client):
    views = [png(sandbox, 2), png(sandbox, 3)]
    estimate = client.estimate(views, limit=5, options={"model": 2})
    assert dict(estimate.calls) == {"upload": 2, "image_multiple": 1}
    client.image_multiple(views, {"model": 2}, limit=5)
    assert len(sandbox.ledger) == estimate.total == 3
    assert client.estimate(views, limit=5, options={"model": 2}).total == 0


def test_bad_arguments_of_an_estimate_are_refused(client):
    with pytest.raises(InvalidInputError, match="max_results=5000 is not valid"):
        client.estimate("https://img.example/a.png", max_results=5000)
    with pytest.raises(InvalidInputError, match="image=.* is not valid: expected a URL"):
        client.estimate(42)


def test_a_dry_run_of_a_batch_says_per_row_what_it_would_bill_and_the_run_bills_that(sandbox, client):
    catalogue = pd.DataFrame({"sku": ["A", "B", "A-again", "C", "bad"],
                              "photo": [png(sandbox, 4), png(sandbox, 5), png(sandbox, 4), png(sandbox, 6),
                                        b"not an image"]})
    search_each(catalogue.iloc[[1]], "photo", client=client, progress=False, thumbnails=False)  # B is cached
    before = len(sandbox.ledger)
    plan = search_each(catalogue, "photo", label_column="sku", client=client, progress=False, dry_run=True)
    assert len(sandbox.ledger) == before
    assert plan[["query", "status", "billed_calls"]].to_dict("records") == [
        {"query": "A", "status": "would search", "billed_calls": 2},
        {"query": "B", "status": "cached", "billed_calls": 0},
        {"query": "A-again", "status": "same image as an earlier row", "billed_calls": 0},
        {"query": "C", "status": "would search", "billed_calls": 2},
        {"query": "bad", "status": "error", "billed_calls": 0},
    ]
    assert plan.loc[4, "error"].startswith("ImageInputError")
    assert plan.attrs["estimate"] == "4 billed calls: 2 uploads, 2 searches" and plan.attrs["billed_calls"] == 4
    search_each(catalogue, "photo", label_column="sku", client=client, progress=False, thumbnails=False)
    assert len(sandbox.ledger) - before == 4

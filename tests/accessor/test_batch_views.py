"""search_each over a catalogue with several views per product: view columns, or a list per row."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from patsnap_pandas import InvalidInputError
from patsnap_pandas.frame.schema import SCHEMA

MULTIPLE, SINGLE, UPLOAD = "/search/patent/image-multiple", "/search/patent/image-single", "/image-search/image-upload"


def views_of(corpus, i: int, n: int) -> list[bytes]:
    keys = corpus.designs[i].image_keys
    return [corpus.image_png(keys[k % len(keys)]) for k in range(n)]


def multi_view_design(corpus, start: int) -> int:
    return next(i for i in range(start, len(corpus.designs)) if len(corpus.designs[i].image_keys) >= 2)


def test_view_columns_search_each_row_with_its_views(client, sandbox, corpus, tmp_path):
    first, second = multi_view_design(corpus, 10), multi_view_design(corpus, 40)
    a, b = views_of(corpus, first, 2), views_of(corpus, second, 2)
    catalogue = pd.DataFrame({"sku": ["A", "B", "C"], "front": [a[0], b[0], None], "side": [a[1], None, None]})
    hits = catalogue.patsnap.search_each(["front", "side"], label_column="sku", limit=3, client=client,
                                         progress=False, thumbnails=False)
    assert hits.loc[hits["query"] == "A", "patent_id"].iloc[0] == corpus.designs[first].patent_id
    assert hits.loc[hits["query"] == "B", "patent_id"].iloc[0] == corpus.designs[second].patent_id
    assert hits.loc[hits["query"] == "C", "status"].tolist() == ["error"]
    assert "no image" in hits.loc[hits["query"] == "C", "error"].iloc[0]
    assert hits.columns[: len(SCHEMA)].tolist() == list(SCHEMA) and "matched_view" in hits.columns
    endpoints = [e.endpoint for e in sandbox.ledger]
    assert endpoints.count(MULTIPLE) == 2 and endpoints.count(UPLOAD) == 3  # row B has one view: P061 of one
    assert hits.attrs["batch"]["ok"] == 2 and hits.attrs["batch"]["error"] == 1


def test_a_list_per_row_and_the_cached_rerun(client, sandbox, corpus):
    first = multi_view_design(corpus, 60)
    views = views_of(corpus, first, 2)
    catalogue = pd.DataFrame({"views": [views, list(reversed(views)), views]})
    hits = catalogue.patsnap.search_each("views", limit=2, client=client, progress=False, thumbnails=False)
    assert hits["status"].eq("ok").all() and hits["query_index"].tolist() == [0, 0, 1, 1, 2, 2]
    assert [e.endpoint for e in sandbox.ledger].count(MULTIPLE) == 2  # the same views in the same order: once
    before = len(sandbox.ledger)
    again = catalogue.patsnap.search_each("views", limit=2, client=client, progress=False, thumbnails=False)
    assert len(sandbox.ledger) == before and again.attrs["from_cache"]


def test_more_than_four_views_in_a_row_are_fused(client, sandbox, corpus):
    first = multi_view_design(corpus, 80)
    catalogue = pd.DataFrame({"views": [views_of(corpus, first, 2) + views_of(corpus, 81, 3)]})
    hits = catalogue.patsnap.search_each("views", limit=4, client=client, progress=False, thumbnails=False)
    assert {"fused_score", "score_view1", "score_view5"} <= set(hits.columns)
    assert [e.endpoint for e in sandbox.ledger].count(SINGLE) >= 2


def test_an_unreadable_view_is_that_row_s_error(client, sandbox, corpus):
    catalogue = pd.DataFrame({"views": [[views_of(corpus, 3, 1)[0], "missing.png"]]})
    hits = catalogue.patsnap.search_each("views", client=client, progress=False)
    assert hits["status"].tolist() == ["error"]
    assert hits["error"].iloc[0].startswith("ImageInputError: view 2:")
    assert list(sandbox.ledger) == []


@pytest.mark.parametrize("column, needle", [(["front", "nope"], "nope"), ([], "image_column=[]")])
def test_bad_view_columns_raise_before_any_call(client, sandbox, column, needle):
    catalogue = pd.DataFrame({"front": ["a.png"]})
    with pytest.raises(InvalidInputError, match=re.escape(needle)):
        catalogue.patsnap.search_each(column, client=client, progress=False)
    assert list(sandbox.ledger) == []

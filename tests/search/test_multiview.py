"""search_designs with several views of one product (P061, or each view and fusion) and with P060 options."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from patsnap_pandas import InvalidInputError, search_designs
from patsnap_pandas.errors import FilterError
from patsnap_pandas.frame.fusion import fuse_views, view_score_columns
from patsnap_pandas.frame.schema import SCHEMA, hits_to_frame
from patsnap_pandas.jobs.images import load_query_images
from patsnap_pandas.jobs.views import MAX_VIEWS, choose_endpoint

UTILITY_PN = re.compile(r"^(CN2\d{8}U|JP3\d{6}U|KR20\d{7}Y1)$")


@pytest.fixture(scope="module")
def views(corpus) -> list[bytes]:
    """PNG bytes of the views of a design with at least three images."""
    design = next(d for d in corpus.designs if len(d.image_keys) >= 3)
    return [corpus.image_png(k) for k in design.image_keys[:3]]


@pytest.fixture(scope="module")
def views_design(corpus):
    return next(d for d in corpus.designs if len(d.image_keys) >= 3)


def _same_design(corpus, patent_id, design) -> bool:
    """The design itself, or its registration in another office (the same drawings, an equal score)."""
    families = corpus.owner_truth.office_families
    return families[patent_id] == families[design.patent_id]


def test_two_views_go_to_p061_in_one_call(client, ledger, views, views_design, corpus):
    df = search_designs(views[:2], client=client, limit=5, thumbnails=False)
    assert ledger.endpoints() == ["image-upload", "image-upload", "image-multiple"]
    assert _same_design(corpus, df["patent_id"].iloc[0], views_design)
    assert df.columns[: len(SCHEMA)].tolist() == list(SCHEMA)
    assert df.columns[len(SCHEMA)] == "matched_view" and df["matched_view"].isna().all()
    assert str(df["matched_view"].dtype) == "Int64"
    assert {"loc", "apdt", "pbdt", "apno", "current_assignee", "loc_match"} <= set(df.columns)
    assert df.attrs["endpoint_version"] == "P061" and df.attrs["search_id"] is None
    assert df.attrs["views"] == [f"bytes:{label[6:]}" for label in df.attrs["views"]] and len(df.attrs["views"]) == 2
    assert len(df.attrs["query_urls"]) == 2 and df.attrs["query_url"] == df.attrs["query_urls"][0]
    assert df.attrs["options"] == {"patent_type": "D", "model": 1} and df.attrs["fusion"] is None
    assert (df["query"] == " + ".join(df.attrs["views"])).all() and df["search_id"].isna().all()


def test_a_repeated_multi_view_search_costs_nothing(client, ledger, views):
    first = search_designs(views[:2], client=client, limit=5, label="kettle", thumbnails=False)
    ledger.mark()
    billed = client.usage.billed_calls
    again = search_designs(views[:2], client=client, limit=5, label="kettle", thumbnails=False)
    assert ledger.new() == [] and client.usage.billed_calls == billed
    assert again.attrs["from_cache"] and not first.attrs["from_cache"]
    pd.testing.assert_frame_equal(again, first)
    assert (again["query"] == "kettle").all()


def test_more_than_four_views_are_searched_one_by_one_and_fused(client, ledger, views, views_design, corpus):
    five = views + views[:2]
    df = search_designs(five, client=client, limit=8, thumbnails=False)
    calls = ledger.endpoints()
    # five searches, but views 4 and 5 repeat views 1 and 2: their answers come from the cache
    assert calls.count("image-single") == 3 and "image-multiple" not in calls
    assert calls.count("image-upload") == 3  # the same bytes are uploaded once
    columns = view_score_columns(5)
    assert df.columns[len(SCHEMA): len(SCHEMA) + 7].tolist() == ["matched_view", "fused_score", *columns]
    assert _same_design(corpus, df["patent_id"].iloc[0], views_design) and len(df) == 8
    assert df["patent_id"].is_unique and df["rank"].tolist() == list(range(1, 9))
    best = df[columns].max(axis=1)
    np.testing.assert_allclose(df["score"], best)
    picked = df[columns].to_numpy()[np.arange(len(df)), df["matched_view"].to_numpy(int) - 1]
    np.testing.assert_allclose(picked, df["score"])
    assert df.attrs["endpoint_version"] == "P060+fusion" and df.attrs["fusion"] == "best"
    assert df["score"].is_monotonic_decreasing


def test_p009_per_view_fusion_and_rrf(client, ledger, views):
    df = search_designs(views[:2], client=client, endpoint="P009", fusion="rrf", limit=6, thumbnails=False)
    assert ledger.endpoints().count("search-id") == 2
    assert df.attrs["endpoint_version"] == "P009+fusion" and df.attrs["fusion"] == "rrf"
    assert df["fused_score"].is_monotonic_decreasing
    in_both = df[["score_view1", "score_view2"]].notna().all(axis=1)
    assert in_both.iloc[0]


def test_p060_options_on_one_image(client, ledger, query_png):
    df = search_designs(query_png, client=client, patent_type="U", lang="en", limit=5, thumbnails=False)
    assert ledger.endpoints() == ["image-upload", "image-single"]
    assert df["patent_pn"].map(lambda pn: bool(UTILITY_PN.match(pn))).all()
    assert df.attrs["endpoint_version"] == "P060" and df.attrs["options"] == {"patent_type": "U", "model": 4,
                                                                              "lang": "en"}
    assert "matched_view" not in df.columns


def test_extended_legal_status_goes_with_p060_only(client, query_png):
    df = search_designs(query_png, client=client, endpoint="P060", legal_status=[3, 17], limit=3,
                        thumbnails=False)
    assert df.attrs["filters"] == {"legal_status": "3,17"}
    with pytest.raises(FilterError, match="legal_status"):
        search_designs(query_png, client=client, legal_status=17)


def test_max_results_pages_p061_by_offset(client, ledger, views):
    df = search_designs(views[:2], client=client, max_results=150, thumbnails=False)
    assert len(df) == 150 and df["patent_id"].is_unique
    assert ledger.endpoints().count("image-multiple") == 2
    assert df["rank"].tolist() == list(range(1, 151))


def test_continue_search_says_to_use_max_results(client, views):
    from patsnap_pandas.jobs.search import continue_search

    df = search_designs(views[:2], client=client, limit=3, thumbnails=False)
    with pytest.raises(InvalidInputError, match="max_results"):
        continue_search(df, 5)


def test_thumbnails_of_every_view_are_kept(client, views):
    df = search_designs(views[:3], client=client, limit=3)
    strip = load_query_images(df)
    assert len(strip) == 3 and all(png.startswith(b"\x89PNG") for png in strip)
    assert strip[0] != strip[1]


BAD = [
    ("endpoint", dict(endpoint="P062")),
    ("P061 takes 1 to 4", dict(endpoint="P061", n=5)),
    ("image is a list of 0", dict(n=0)),
    (f"1 to {MAX_VIEWS}", dict(n=MAX_VIEWS + 1)),
    ("fusion", dict(fusion="mean")),
    ("endpoint='P009' takes no model", dict(endpoint="P009", model=1)),
    ("model", dict(model=3)),
    ("patent_type", dict(patent_type="invention")),
    ("lang", dict(lang="fr")),
    ("country", dict(country="XX")),
    ("limit", dict(limit=0)),
    ("max_results", dict(max_results=5000)),
    ("label", dict(label=3)),
]


@pytest.mark.parametrize("needle, kwargs", BAD, ids=[b[0] for b in BAD])
def test_bad_input_raises_before_any_call(client, ledger, views, needle, kwargs):
    kwargs = dict(kwargs)
    n = kwargs.pop("n", 2)
    images = [views[i % 3] for i in range(n)]
    with pytest.raises(InvalidInputError, match=re.escape(needle)):
        search_designs(images, client=client, thumbnails=False, **kwargs)
    assert ledger.new() == [] and client.usage.requests == {}


def test_a_view_that_cannot_be_read_fails_before_any_call(client, ledger, views):
    with pytest.raises(InvalidInputError, match="missing.png"):
        search_designs([views[0], "missing.png"], client=client)
    assert ledger.new() == []


def test_search_views_refuses_labels_that_do_not_match_the_views(client, ledger, views):
    from patsnap_pandas.api import images
    from patsnap_pandas.api.filters import SearchFilters
    from patsnap_pandas.api.image_params import ImageSearchOptions
    from patsnap_pandas.jobs.views import search_views

    prepared = [images.prepare_image(v) for v in views]  # three views, two labels: one would be dropped
    ledger.mark()
    with pytest.raises(InvalidInputError, match=r"labels=\['front', 'side'\] is not valid: 2 labels for 3 views"):
        search_views(prepared, client=client, endpoint="P060", fuse=True, options=ImageSearchOptions(),
                     filters=SearchFilters(), labels=["front", "side"], thumbnails=False)
    assert ledger.new() == []


def test_choose_endpoint_rules():
    assert choose_endpoint(1, None, newer_options=False) == ("P061", False)
    assert choose_endpoint(4, "P061", newer_options=True) == ("P061", False)
    assert choose_endpoint(5, "P060", newer_options=True) == ("P060", True)
    assert choose_endpoint(None, "P061", newer_options=False) == ("P061", False)


# --- fusion, without HTTP ---------------------------------------------------------------------------


def frame_of(*pairs, query="v"):
    return hits_to_frame([{"patent_id": p, "patent_pn": p.upper(), "score": s, "url": f"http://x/{p}-{query}.png"}
                          for p, s in pairs], search_id=None, query=query)


def test_best_rule_takes_each_patent_from_its_best_view():
    fused = fuse_views([frame_of(("a", 0.9), ("b", 0.5), query="1"), frame_of(("b", 0.95), ("a", 0.2), query="2")])
    assert fused["patent_id"].tolist() == ["b", "a"]
    assert fused["image_url"].tolist() == ["http://x/b-2.png", "http://x/a-1.png"]
    assert fused["matched_view"].tolist() == [2, 1]
    assert fused["score_view1"].tolist() == [0.5, 0.9] and fused["score_view2"].tolist() == [0.95, 0.2]


def test_rrf_rewards_patents_found_by_several_views():
    one = frame_of(("x", 0.99), ("a", 0.8), ("b", 0.7))
    two = frame_of(("y", 0.98), ("a", 0.8), ("b", 0.7))
    assert fuse_views([one, two], rule="best")["patent_id"].tolist()[:2] == ["x", "y"]
    rrf = fuse_views([one, two], rule="rrf")
    assert rrf["patent_id"].tolist() == ["a", "b", "x", "y"]
    assert rrf["fused_score"].iloc[0] == pytest.approx(2 / 62)
    assert rrf["score"].iloc[0] == 0.8  # score stays the similarity
    small_k = fuse_views([one, two], rule="rrf", k=1)  # a: 2/3; x, y, b: 1/2 each (ties: by score)
    assert small_k["patent_id"].tolist() == ["a", "x", "y", "b"]


def test_ties_go_to_the_earlier_view_and_limit_cuts():
    fused = fuse_views([frame_of(("a", 0.7)), frame_of(("a", 0.7), ("b", 0.6))], limit=1)
    assert len(fused) == 1 and fused["matched_view"].iloc[0] == 1


def test_empty_views_give_an_empty_frame_with_the_columns():
    fused = fuse_views([frame_of(), frame_of()])
    assert len(fused) == 0
    assert {"matched_view", "fused_score", "score_view1", "score_view2"} <= set(fused.columns)


@pytest.mark.parametrize("kwargs, needle", [({"rule": "avg"}, "fusion"), ({"k": 0}, "k="), ({"k": True}, "k=")])
def test_fuse_views_checks_its_arguments(kwargs, needle):
    with pytest.raises(InvalidInputError, match=needle):
        fuse_views([frame_of(("a", 0.5))], **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InvalidInputError, match="frames"):
            fuse_views([])

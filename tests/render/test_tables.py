"""top, summary and overlap on small frames, exact values."""

from __future__ import annotations

import pandas as pd
import pytest

from patsnap_pandas.report import overlap, summary, top
from tests.helpers import hit, make_frame, sample_frame


def test_top_sorts_by_score_descending_stable_and_keeps_attrs():
    df = make_frame([hit(1, 0.5), hit(2, 0.9), hit(3, float("nan")), hit(4, 0.9), hit(5, 0.7)])
    best = top(df, 3)
    assert list(best["rank"]) == [2, 4, 5]
    assert best.attrs == df.attrs and best.attrs is not df.attrs
    assert list(top(df, 10)["rank"]) == [2, 4, 5, 1, 3]  # NaN last
    assert list(top(df, 2, by="rank")["rank"]) == [1, 2]  # rank ascends by default
    assert list(top(df, 2, by="rank", ascending=False)["rank"]) == [5, 4]
    assert list(df["rank"]) == [1, 2, 3, 4, 5]  # input untouched


def test_top_validation():
    df = sample_frame(2)
    with pytest.raises(ValueError, match=r"n=0 is not valid: out of range\. Allowed: an integer >= 1"):
        top(df, 0)
    with pytest.raises(ValueError, match=r"by='colour' is not a column of df; allowed: \['rank', 'score'"):
        top(df, 1, by="colour")


def test_summary_per_authority_without_assignees():
    df = make_frame(
        [hit(1, 0.9, "CN"), hit(2, 0.8, "US"), hit(3, 0.7, "CN"), hit(4, 0.95, "US"), hit(5, 0.6, "JP")]
    )
    df.loc[4, "authority"] = pd.NA
    result = summary(df)
    assert set(result) == {"authority"}
    table = result["authority"]
    assert table.index.name == "authority"
    assert list(table.index) == ["US", "CN", "(missing)"]
    assert list(table.columns) == ["hits", "patents", "best_score", "mean_score"]
    assert list(table["hits"]) == [2, 2, 1]
    assert list(table["patents"]) == [2, 2, 1]
    assert list(table["best_score"]) == [0.95, 0.9, 0.6]
    assert table["mean_score"].tolist() == pytest.approx([0.875, 0.8, 0.6])
    assert str(table["hits"].dtype) == "int64" and str(table["best_score"].dtype) == "float64"


def test_summary_splits_joined_assignees():
    df = make_frame(
        [
            hit(1, 0.9, assignees="ACME Corp; Foo Ltd"),
            hit(2, 0.8, assignees="Foo Ltd"),
            hit(3, 0.7, assignees=None),
            hit(4, 0.95, assignees="  ACME Corp ;  "),
            hit(5, 0.5, assignees="株式会社テスト"),
        ]
    )
    table = summary(df)["assignee"]
    assert table.index.name == "assignee"
    assert table.to_dict("index") == {
        "ACME Corp": {"hits": 2, "patents": 2, "best_score": 0.95, "mean_score": pytest.approx(0.925)},
        "Foo Ltd": {"hits": 2, "patents": 2, "best_score": 0.9, "mean_score": pytest.approx(0.85)},
        "(missing)": {"hits": 1, "patents": 1, "best_score": 0.7, "mean_score": 0.7},
        "株式会社テスト": {"hits": 1, "patents": 1, "best_score": 0.5, "mean_score": 0.5},
    }
    assert list(table.index) == ["ACME Corp", "Foo Ltd", "(missing)", "株式会社テスト"]


def test_summary_requires_columns():
    with pytest.raises(ValueError, match=r"^df is not a result frame: it lacks the columns \['authority'\]"):
        summary(sample_frame(2).drop(columns=["authority"]))


def batch():
    # patent id-0001 matched by queries 0, 1, 2; id-0002 by 0 and 2 (twice for 2); id-0003 only by 1
    rows = [
        hit(1, 0.90, query="chair.png", query_index=0),
        hit(2, 0.60, query="chair.png", query_index=0),
        hit(1, 0.70, query="lamp.png", query_index=1),
        hit(3, 0.99, query="lamp.png", query_index=1),
        hit(2, 0.65, query="sofa.png", query_index=2),
        hit(2, 0.80, query="sofa.png", query_index=2),
        hit(1, 0.50, query="sofa.png", query_index=2),
        hit(4, 0.85, query="chair.png", query_index=3),  # same label, another product
        hit(4, 0.75, query="chair.png", query_index=0),
    ]
    return make_frame(rows)


def test_overlap_lists_patents_matched_by_several_queries():
    out = overlap(batch())
    assert list(out.columns) == [
        "patent_id", "patent_pn", "title", "authority", "n_queries", "best_score", "queries", "scores", "query_indices",
    ]
    assert list(out["patent_id"]) == ["id-0001", "id-0004", "id-0002"]
    assert list(out["n_queries"]) == [3, 2, 2]
    assert list(out["best_score"]) == [0.9, 0.85, 0.8]
    assert out.loc[0, "queries"] == ["chair.png", "lamp.png", "sofa.png"]
    assert out.loc[0, "scores"] == [0.9, 0.7, 0.5]
    assert out.loc[0, "query_indices"] == [0, 1, 2]
    assert out.loc[1, "queries"] == ["chair.png", "chair.png"] and out.loc[1, "query_indices"] == [0, 3]
    assert out.loc[2, "scores"] == [0.6, 0.8]  # best per query
    assert out.loc[0, "patent_pn"] == "CN300000001S"
    assert str(out["n_queries"].dtype) == "int64"


def test_overlap_by_query_label_only():
    df = batch().drop(columns=["query_index"])
    out = overlap(df)
    assert list(out["patent_id"]) == ["id-0001", "id-0002"]  # id-0004: one label
    assert "query_indices" not in out.columns
    assert out.loc[0, "queries"] == ["chair.png", "lamp.png", "sofa.png"]


def test_overlap_empty_and_validation():
    single = sample_frame(3)
    out = overlap(single)
    assert len(out) == 0 and "n_queries" in out.columns
    with pytest.raises(ValueError, match=r"\['query' or 'query_index'\]"):
        overlap(single.drop(columns=["query"]))


def test_empty_frames_give_empty_tables_with_the_columns():
    empty = batch().iloc[0:0]
    out = overlap(empty)
    assert len(out) == 0 and list(out.columns)[-1] == "query_indices"
    stats = summary(empty.assign(assignees=pd.Series([], dtype="string")))
    assert list(stats) == ["authority", "assignee"]
    assert all(len(t) == 0 and list(t.columns) == ["hits", "patents", "best_score", "mean_score"] for t in stats.values())
    assert len(top(empty, 3)) == 0


def test_overlap_ignores_rows_without_patent_or_query():
    df = batch()
    df.loc[0, "patent_id"] = pd.NA  # chair's hit on id-0001 drops out
    df.loc[2, "query_index"] = None  # so does lamp's
    out = overlap(df)
    assert out.loc[out["patent_id"] == "id-0001", "n_queries"].tolist() == []
    assert list(out["patent_id"]) == ["id-0004", "id-0002"]
    assert out.loc[0, "query_indices"] == [0, 3] and type(out.loc[0, "query_indices"][0]) is int


def test_summary_skips_rows_without_a_patent_id():
    # a batch's "error" / "no_hits" rows carry no hit: they must not count under "(missing)"
    df = make_frame([hit(1, 0.9, "CN"), hit(2, 0.8, "US"), hit(3, 0.7, "CN"), hit(4, 0.6, "US")])
    df["assignees"] = ["Acme", "Acme; Bolt", "Bolt", "Cog"]
    df.loc[2, ["patent_id", "authority", "score"]] = [pd.NA, pd.NA, pd.NA]
    df.loc[3, "patent_id"] = ""
    result = summary(df)
    table = result["authority"]
    assert list(table.index) == ["CN", "US"]
    assert list(table["hits"]) == [1, 1]
    assert "(missing)" not in table.index
    owners = result["assignee"]
    assert list(owners.index) == ["Acme", "Bolt"]
    assert list(owners["hits"]) == [2, 1]

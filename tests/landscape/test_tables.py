"""The landscape tables on small hand-made frames: what is counted, how it is sorted and labelled, bad arguments."""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pandas as pd
import pytest
from PIL import Image

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from patsnap_pandas import InvalidInputError  # noqa: E402
from patsnap_pandas.frame import landscape as L  # noqa: E402
from patsnap_pandas.frame import landscape_charts as LC  # noqa: E402
from patsnap_pandas.frame.parties import NO_OWNER  # noqa: E402


def _hits(**columns) -> pd.DataFrame:
    base = {
        "patent_id": ["1", "2", "3", "4", "5", "6"],
        "patent_pn": ["CN1S", "US1S", "CN2S", "CN3S", "US4S", "EM5-0001"],
        "score": [0.91, 0.88, 0.62, 0.55, 0.97, 0.40],
        "authority": ["CN", "US", "CN", "CN", "US", "EM"],
        "assignees": ["Acme", "Acme", "Acme", "Beta", "Gamma", "Beta"],
        "loc": ["26-05", "26-05", "26-03; 06-01", "06-01", "06-01", None],
        "apply_date": pd.to_datetime(["2019-02-01", "2019-03-01", "2021-08-01", "2021-01-15", "2018-12-31",
                                      "2022-06-30"]),
    }
    base.update(columns)
    return pd.DataFrame(base)


def test_timeline_counts_each_design_once_sorts_owners_by_count_and_fills_the_years():
    table = L.timeline(_hits())
    assert table.index.tolist() == [2018, 2019, 2020, 2021, 2022]       # ascending, 2020 filled in
    assert table.columns.tolist() == ["Acme", "Beta", "Gamma"]           # 3, 2, 1 designs
    assert table.loc[2019, "Acme"] == 2 and table.loc[2020].sum() == 0
    assert table.index.name == "Year" and table.attrs["notes"] == []


def test_timeline_counts_a_family_once_and_a_design_matched_by_two_products_once():
    family = _hits(family=["F1", "F1", "", None, "F4", "F5"])            # CN1S and US1S: one design, two offices
    assert L.timeline(family).loc[2019, "Acme"] == 1
    later = family.assign(apply_date=family["apply_date"].where(family["patent_pn"] != "US1S",
                                                                 pd.Timestamp("2020-02-01")))
    assert L.timeline(later)["Acme"].to_dict() == {2018: 0, 2019: 1, 2020: 0, 2021: 1, 2022: 0}  # first filing
    assert L.office_years(family).loc["United States", 2019] == 1        # each office's registration still counts
    twice = pd.concat([_hits(), _hits().iloc[[0]]], ignore_index=True)   # CN1S matched by a second product
    assert L.timeline(twice).loc[2019, "Acme"] == 2


def test_timeline_quarters_top_owners_and_the_undated():
    hits = _hits(apply_date=pd.to_datetime(["2021-01-05", "2021-02-01", "2021-08-01", None, "2021-04-01",
                                            "2021-05-01"]))
    table = L.timeline(hits, freq="quarter", top=1)
    assert table.index.tolist() == ["2021 Q1", "2021 Q2", "2021 Q3"] and table.index.name == "Quarter"
    assert table.columns.tolist() == ["Acme", L.OTHER_OWNERS]
    assert table[L.OTHER_OWNERS].tolist() == [0, 2, 0]
    assert table.attrs["notes"] == ["1 design without a filing date is not in the timeline."]


def test_timeline_reads_the_hits_own_dates_and_skips_a_batchs_rows_without_hits():
    hits = pd.DataFrame({"patent_id": ["a", None], "patent_pn": ["CN9S", None], "score": [0.5, None],
                         "current_assignee": ["Delta", None], "pbdt": [20200105, None], "apdt": [20190101, None]})
    assert L.timeline(hits, date="published").to_dict("index") == {2020: {"Delta": 1}}
    assert L.timeline(hits).to_dict("index") == {2019: {"Delta": 1}}


def test_owner_classes_are_in_words_and_a_design_in_two_classes_counts_in_both():
    table = L.owner_classes(_hits())
    assert table.index.tolist() == ["Acme", "Beta", "Gamma"]
    assert table.columns.tolist() == ["06 Furnishing", "26 Lighting apparatus", L.NO_CLASS]
    assert table.loc["Acme"].tolist() == [1, 3, 0]                       # 26-03 and 26-05 are one class
    assert table.loc["Beta", L.NO_CLASS] == 1
    assert L.owner_classes(_hits(), top=1).index.tolist() == ["Acme"]


def test_office_years_names_the_offices_most_first():
    table = L.office_years(_hits())
    assert table.index.tolist() == ["China", "United States", "EUIPO (EU designs)"]
    assert table.columns.tolist() == [2018, 2019, 2020, 2021, 2022]
    assert table.loc["China"].sum() == 3


def test_owners_folded_co_owners_each_counted_missing_owners_named_and_aliases():
    hits = _hits(assignees=["Acme Ltd", "ACME LIMITED", None, "Beta; Acme Ltd.", "Gamma", "Beta AB"])
    table = L.timeline(hits)
    assert table.columns.tolist() == ["Acme Ltd", "Beta", "Gamma", NO_OWNER]   # Acme: 3 designs, one co-owned
    assert table.loc[2021].to_dict() == {"Acme Ltd": 1, "Beta": 1, NO_OWNER: 1, "Gamma": 0}
    grouped = L.timeline(hits, aliases={"Gamma": "Acme Group", "Acme": "Acme Group"})
    assert grouped.columns.tolist()[0] == "Acme Group" and grouped.loc[2018, "Acme Group"] == 1
    assert L.risk_matrix(hits).loc["query image", "Beta"] == pytest.approx(0.55)


def test_a_frame_with_repeated_index_labels():
    twice = pd.concat([_hits(), _hits().assign(patent_pn=lambda d: d["patent_pn"] + "X")])
    assert L.timeline(twice).loc[2019, "Acme"] == 4
    assert L.owner_classes(twice).loc["Acme", "26 Lighting apparatus"] == 6


def _batch() -> pd.DataFrame:
    hits = _hits()
    hits["query_index"] = [0, 0, 1, 1, 2, 2]
    hits["query"] = ["lamp", "lamp", "chair", "chair", "stool", "stool"]
    extra = hits.iloc[[0]].assign(query_index=1, query="chair", score=0.30)   # Acme's CN1S for the chair too
    empty = pd.DataFrame({"patent_id": [None], "patent_pn": [None], "score": [np.nan], "query_index": [3],
                          "query": ["vase"], "status": ["no_hits"]})
    return pd.concat([hits, extra, empty], ignore_index=True)


def test_risk_matrix_best_score_per_product_and_owner_sorted():
    matrix = L.risk_matrix(_batch())
    assert matrix.index.tolist() == ["stool", "lamp", "chair"]             # best scores 0.97, 0.91, 0.62
    assert matrix.columns.tolist() == ["Gamma", "Acme", "Beta"]            # 0.97, 0.91, 0.55
    assert matrix.loc["chair", "Acme"] == pytest.approx(0.62)             # the best of 0.62 and 0.30
    assert np.isnan(matrix.loc["lamp", "Beta"])
    assert L.risk_matrix(_batch(), top=2).columns.tolist() == ["Gamma", "Acme"]


def test_top_risks_name_the_hit_behind_each_pair():
    risks = L.top_risks(_batch(), 3)
    assert risks[["product", "owner", "best_score", "patent_pn", "office"]].values.tolist() == [
        ["stool", "Gamma", 0.97, "US4S", "United States"],
        ["lamp", "Acme", 0.91, "CN1S", "China"],
        ["chair", "Acme", 0.62, "CN2S", "China"],
    ]


@pytest.mark.parametrize(("call", "message"), [
    (lambda df: L.timeline(df, freq="month"), "freq='month' is not valid"),
    (lambda df: L.timeline(df, date="filed"), "date='filed' is not valid"),
    (lambda df: L.timeline(df, top=0), "top=0 is not valid"),
    (lambda df: L.owner_classes(df, aliases=["Acme"]), "aliases=['Acme'] is not valid"),
    (lambda df: L.top_risks(df, n=-1), "n=-1 is not valid"),
    (lambda df: L.landscape(df, charts="yes"), "charts='yes' is not valid"),
    (lambda df: df.patsnap.timeline("decade"), "freq='decade' is not valid"),
    (lambda df: df.drop(columns="score").patsnap.risk_matrix(), "needs the column(s) ['score']"),
])
def test_bad_arguments_say_what_is_allowed(call, message):
    with pytest.raises(InvalidInputError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        call(_hits())


def test_the_accessor_gives_the_same_tables():
    hits = _batch()
    pd.testing.assert_frame_equal(hits.patsnap.timeline(), L.timeline(hits))
    pd.testing.assert_frame_equal(hits.patsnap.owner_classes(), L.owner_classes(hits))
    pd.testing.assert_frame_equal(hits.patsnap.office_years(), L.office_years(hits))
    pd.testing.assert_frame_equal(hits.patsnap.risk_matrix(), L.risk_matrix(hits))
    pd.testing.assert_frame_equal(hits.patsnap.top_risks(2), L.top_risks(hits, 2))


def test_charts_are_sorted_with_the_legend_off_the_data():
    table = L.timeline(_hits())
    ax = Figure(figsize=(8, 4), layout="constrained").subplots()
    LC.plot_timeline(table, ax)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Gamma", "Beta", "Acme"]  # top to bottom as stacked
    assert len(ax.patches) == 3 * len(table)                             # a bar per owner and year
    assert ax.get_legend().get_bbox_to_anchor().x0 > ax.get_window_extent().x1 - 1   # right of the plot
    assert ax.get_ylim()[0] == 0 and [int(t.get_text()) for t in ax.get_xticklabels()] == table.index.tolist()
    ax = Figure(figsize=(8, 4), layout="constrained").subplots()
    LC.plot_risk_matrix(L.risk_matrix(_batch()), ax)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Gamma", "Acme", "Beta"]
    assert len(ax.texts) == 5                                              # a label per pair, none where none


def test_landscape_bundle_and_its_html_are_escaped():
    hits = _batch()
    hits.loc[0, "assignees"] = "<script>alert(1)</script> 株式会社"
    land = L.landscape(hits, top=3)
    for png in (land.timeline_png, land.heatmap_png):
        assert Image.open(io.BytesIO(png)).format == "PNG"
    html = land._repr_html_()
    assert "<script" not in html and "&lt;script&gt;" in html and "株式会社" in html
    assert land.batch and "Top risks" in html
    nothing = L.landscape(hits.iloc[[-1]])
    assert nothing.timeline.empty and nothing.timeline_png is None and nothing.heatmap_png is None

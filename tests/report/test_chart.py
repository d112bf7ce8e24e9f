"""score_chart_png and plot_scores: sorted, axis near the data, legend outside, CJK glyphs present."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from PIL import Image

from patsnap_pandas.frame import charts, words
from patsnap_pandas.frame.schema import hits_to_frame

CJK_OWNERS = ["深圳市灯具有限公司", "株式会社デザイン研究所", "삼성전자 주식회사"]


def cjk_frame(n: int = 30, source: str = "patsnap"):
    rng = np.random.default_rng(1)
    hits = [{"patent_pn": f"CN30{i:07d}S", "title": f"灯 {i}", "score": float(s), "patent_id": f"p{i}"}
            for i, s in enumerate(rng.uniform(0.80, 0.99, n))]
    df = hits_to_frame(hits, search_id="S", query="ランプ.png", attrs={"source": source})
    df["assignees"] = [CJK_OWNERS[i % 3] for i in range(n)]
    return df


@pytest.fixture(autouse=True)
def drawn_afresh():
    """Each test draws its charts (a PNG drawn by an earlier test of the process would skip the glyph checks)."""
    charts._DRAWN.clear()


def test_cjk_labels_render_without_a_missing_glyph():
    assert charts.configure_cjk_font() is not None, "fonts-noto-cjk is installed by .ci/run"
    df = cjk_frame()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would fail here
        png = charts.score_chart_png(df, n=30, by="assignees", title="類似デザイン 유사 디자인 相似设计")
        ax = charts.plot_scores(df, "strip", by="assignees")
        ax.figure.canvas.draw()
        ax = charts.plot_scores(df, "hist", by="assignees")
        ax.figure.canvas.draw()
    assert Image.open(io.BytesIO(png)).size[0] == 900


def test_bars_sorted_axis_starts_near_the_data_and_says_so_legend_outside():
    import matplotlib.pyplot as plt

    df = cjk_frame(40)
    ax = charts.plot_scores(df, "bar", by="assignees", n=40)
    widths = [p.get_width() + p.get_x() for p in ax.patches]
    assert widths == sorted(widths, reverse=True)  # best on top, whatever the group
    low, high = ax.get_xlim()
    assert 0.7 <= low <= df["score"].min() and high > df["score"].max()
    assert f"axis starts at {low:.2f}, not 0" in ax.get_xlabel()
    ax.figure.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    assert legend.x0 >= ax.get_window_extent().x1  # the legend is beside the plot, not on it
    plt.close(ax.figure)


def test_sandbox_charts_carry_the_banner():
    ax = charts.plot_scores(cjk_frame(5, source="sandbox"), "bar")
    assert words.SANDBOX_BANNER in ax.get_title()
    ax = charts.plot_scores(cjk_frame(5), "bar")
    assert words.SANDBOX_BANNER not in ax.get_title()


def test_score_chart_png_checks_its_arguments_first():
    df = cjk_frame(3)
    with pytest.raises(ValueError, match=r"n=0 is not valid: out of range"):
        charts.score_chart_png(df, n=0)
    with pytest.raises(ValueError, match=r"width_px=10 is not valid: out of range"):
        charts.score_chart_png(df, width_px=10)
    with pytest.raises(ValueError, match=r"by='nope' is not a column"):
        charts.score_chart_png(df, by="nope")


def _drawings(monkeypatch) -> list[int]:
    """Counts the figures drawn into PNGs from now on."""
    from matplotlib.figure import Figure

    drawn: list[int] = []
    savefig = Figure.savefig
    monkeypatch.setattr(Figure, "savefig", lambda self, *a, **k: (drawn.append(1), savefig(self, *a, **k))[1])
    return drawn


def test_a_chart_of_the_same_hits_is_drawn_once_and_any_change_draws_it_again(monkeypatch):
    """A report exported to HTML, PDF, Excel and Word draws its chart once; other scores, numbers, groups, title,
    size, the sandbox banner or a matplotlib setting draw a new one."""
    import matplotlib

    drawn = _drawings(monkeypatch)
    df = cjk_frame(12)
    first = charts.score_chart_png(df, n=10, by="assignees")
    assert charts.score_chart_png(df.copy(), n=10, by="assignees") == first and len(drawn) == 1
    changed = df.copy()
    changed.loc[3, "score"] = 0.5
    renamed = df.copy()
    renamed.loc[0, "patent_pn"] = "CN309999999S"
    regrouped = df.copy()
    regrouped["assignees"] = "One owner"
    others = [charts.score_chart_png(changed, n=10, by="assignees"),
              charts.score_chart_png(renamed, n=10, by="assignees"),
              charts.score_chart_png(regrouped, n=10, by="assignees"),
              charts.score_chart_png(df, n=10, by="assignees", title="Other title"),
              charts.score_chart_png(df, n=10, by="assignees", width_px=600),
              charts.score_chart_png(df, n=9, by="assignees"),
              charts.score_chart_png(cjk_frame(12, source="sandbox"), n=10, by="assignees")]
    assert len(drawn) == 8 and first not in others
    with matplotlib.rc_context({"axes.facecolor": "#ffeeee"}):
        assert charts.score_chart_png(df, n=10, by="assignees") != first
    assert len(drawn) == 9
    assert charts.score_chart_png(df, n=10, by="assignees") == first and len(drawn) == 9


def test_landscape_charts_are_drawn_once_per_table(monkeypatch):
    import pandas as pd

    from patsnap_pandas.frame import landscape_charts

    drawn = _drawings(monkeypatch)
    table = pd.DataFrame({"Acme": [1, 0, 2], "Beta": [0, 1, 1]}, index=pd.Index([2019, 2020, 2021], name="year"))
    first = landscape_charts.timeline_png(table)
    assert landscape_charts.timeline_png(table.copy()) == first and len(drawn) == 1
    more = table.copy()
    more.loc[2021, "Beta"] = 3
    assert landscape_charts.timeline_png(more) != first and len(drawn) == 2
    matrix = pd.DataFrame({"Beta": [0.93, None], "Acme": [0.71, 0.88]}, index=["lamp", "chair"])
    heat = landscape_charts.heatmap_png(matrix)
    assert landscape_charts.heatmap_png(matrix.copy()) == heat and len(drawn) == 3
    assert landscape_charts.heatmap_png(matrix.fillna(0.5)) != heat and len(drawn) == 4


def test_a_batch_reports_chart_has_one_bar_a_product_its_closest_hit(client, corpus, monkeypatch):
    import pandas as pd

    from patsnap_pandas.report import build_report, model
    from tests.helpers import design_png

    catalogue = pd.DataFrame({"sku": ["C-1", "L-2", "S-3"], "photo": [design_png(corpus, i) for i in (0, 7, 14)]})
    batch = catalogue.patsnap.search_each("photo", label_column="sku", limit=10, client=client, progress=False)
    charted = []
    monkeypatch.setattr(model, "score_chart_png", lambda df, **options: charted.append((df, options)) or b"png")
    report = build_report(batch, title="Our catalogue")
    assert report.title == "Our catalogue"  # the chart's title is its own
    (df, options), = charted
    best = batch.dropna(subset=["patent_id"]).groupby("query")["score"].max()
    assert sorted(df["query"]) == ["C-1", "L-2", "S-3"]          # every product, once: none hidden by the others
    assert dict(zip(df["query"], df["score"], strict=True)) == best.to_dict()
    assert all(label.startswith(f"{q}: ") for q, label in zip(df["query"], df["patent_pn"], strict=True))
    assert options["title"] == "Each product's closest hit (3 products)" and options.get("by") is None

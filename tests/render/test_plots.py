"""plot_scores and gallery: rendered to PNG and checked."""

from __future__ import annotations

import io
import warnings

import matplotlib

matplotlib.use("Agg")  # noqa: E402  (tests never need a display)

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from patsnap_pandas.frame.charts import gallery, plot_scores
from tests.helpers import hit, make_frame, png, sample_frame, thumbs


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def render(fig) -> Image.Image:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    assert buf.getbuffer().nbytes > 1000
    buf.seek(0)
    image = Image.open(buf)
    image.load()
    return image


def expected_pixels(fig) -> tuple[int, int]:
    w, h = fig.get_size_inches() * fig.dpi
    return round(w), round(h)


def batch_frame():
    rows = []
    for q, (query, scores) in enumerate({"chair.png": [0.91, 0.62, 0.55], "lamp.png": [0.97, 0.71], "sofa.png": [0.6]}.items()):
        for k, s in enumerate(scores):
            rows.append(hit(10 * q + k + 1, s, ["CN", "US"][k % 2], query=query, query_index=q))
    return make_frame(rows)


def test_bar_shows_top_n_scores_labelled_by_patent_number():
    df = sample_frame(8)
    ax = plot_scores(df, n=5)
    assert len(ax.patches) == 5
    labels = [t.get_text() for t in ax.get_yticklabels()]
    expected = list(df.sort_values("score", ascending=False)["patent_pn"].head(5))
    assert labels == expected
    widths = [p.get_x() + p.get_width() for p in ax.patches]  # bars start where the axis starts
    assert widths == pytest.approx(sorted(df["score"], reverse=True)[:5])
    image = render(ax.figure)
    assert image.size == expected_pixels(ax.figure)
    assert np.asarray(image.convert("L")).std() > 5  # not a blank canvas


def test_bar_with_fewer_rows_than_n_and_unsorted_input():
    df = sample_frame(3).iloc[[2, 0, 1]]
    ax = plot_scores(df, "bar", n=20)
    assert len(ax.patches) == 3
    assert [t.get_text() for t in ax.get_yticklabels()] == list(sample_frame(3)["patent_pn"])


def test_bar_grouped_by_query_colours_groups_and_has_a_legend():
    df = batch_frame()
    ax = plot_scores(df, "bar", by="query", n=4)
    assert len(ax.patches) == 4  # top 4 overall: 0.97 lamp, 0.91 chair, 0.71 lamp, 0.62 chair
    labels = [t.get_text() for t in ax.get_yticklabels()]
    pn = dict(zip(df["score"], df["patent_pn"]))
    assert labels == [pn[0.97], pn[0.91], pn[0.71], pn[0.62]]  # sorted by score, whatever the group
    colors = [p.get_facecolor() for p in ax.patches]
    assert colors[0] == colors[2] and colors[1] == colors[3] and colors[0] != colors[1]  # coloured by group
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["lamp.png", "chair.png"]
    render(ax.figure)


def test_hist_by_authority_overlays_one_histogram_per_group():
    df = batch_frame()
    ax = plot_scores(df, "hist", by="authority")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["CN", "US"]
    heights = sum(p.get_height() for p in ax.patches)
    assert heights == len(df)
    image = render(ax.figure)
    assert image.size == expected_pixels(ax.figure)


def test_hist_and_strip_without_groups():
    df = sample_frame(6)
    ax = plot_scores(df, "hist")
    assert sum(p.get_height() for p in ax.patches) == 6
    ax2 = plot_scores(df, "strip")
    offsets = ax2.collections[0].get_offsets()
    assert len(offsets) == 6
    assert sorted(offsets[:, 0]) == pytest.approx(sorted(df["score"]))


def test_strip_by_query_one_row_per_group_with_jitter():
    df = batch_frame()
    ax = plot_scores(df, "strip", by="query")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["chair.png", "lamp.png", "sofa.png"]
    offsets = ax.collections[0].get_offsets()
    assert len(offsets) == len(df)
    rows = np.rint(offsets[:, 1]).astype(int)
    assert list(rows) == list(df["query_index"])
    assert np.all(np.abs(offsets[:, 1] - rows) <= 0.25)
    render(ax.figure)


def test_draws_on_a_given_axes_and_survives_dollar_signs_and_missing_scores():
    fig = Figure(figsize=(6, 3), dpi=100)
    ax = fig.subplots()
    df = make_frame([hit(1, 0.9, patent_pn="$x^2$ $"), hit(2, float("nan"))])
    assert plot_scores(df, ax=ax) is ax
    assert len(ax.patches) == 1
    assert ax.get_yticklabels()[0].get_text() == r"\$x^2\$ \$"
    assert render(fig).size == (600, 300)


def test_empty_frame_gives_a_note_not_an_error():
    ax = plot_scores(sample_frame(2).iloc[0:0])
    assert [t.get_text() for t in ax.texts] == ["no scores to plot"]


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"kind": "pie"}, ["kind='pie' is not valid: unknown kind", "Allowed: 'bar', 'hist' or 'strip'."]),
        ({"by": "colour"}, ["by='colour'", "None or ['query', 'authority']"]),
        ({"n": 0}, ["n=0", "integer >= 1"]),
        ({"n": True}, ["n=True", "integer >= 1"]),
    ],
)
def test_plot_argument_validation(kwargs, words):
    with pytest.raises(ValueError) as info:
        plot_scores(sample_frame(3), **kwargs)
    for word in words:
        assert word in str(info.value)
    with pytest.raises(ValueError, match=r"^df is not a result frame: it lacks the columns \['score'\]"):
        plot_scores(sample_frame(3).drop(columns=["score"]))


def test_gallery_figure_size_titles_and_pixels():
    df = sample_frame(5)
    images = thumbs(5)
    images[3] = None
    images[0] = png((255, 0, 0, 0), size=(30, 30), mode="RGBA")  # fully transparent: flattened on white
    fig = gallery(df, images, n=5, cols=4)
    assert isinstance(fig, Figure)
    image = render(fig)
    assert image.size == (960, 560)  # 4 x 2.4 in by 2 x 2.8 in at 100 dpi
    drawn = [ax for ax in fig.axes if ax.get_title()]
    assert len(drawn) == 5
    assert [ax.get_title().split("\n") for ax in drawn] == [[pn, f"{s:.3f}"] for pn, s in zip(df["patent_pn"], df["score"])]
    assert len(drawn[0].images) == 1 and len(drawn[3].images) == 0
    assert np.asarray(drawn[0].images[0].get_array()).min() == 255  # white, not black
    assert [t.get_text() for t in drawn[3].texts] == ["no image"]


def test_gallery_n_limits_and_validation():
    df = sample_frame(6)
    fig = gallery(df, thumbs(6), n=2, cols=3)
    assert sum(1 for ax in fig.axes if ax.get_title()) == 2
    assert render(fig).size == (720, 280)
    with pytest.raises(ValueError, match=r"cols=0 is not valid: out of range\. Allowed: an integer from 1 to 20"):
        gallery(df, thumbs(6), cols=0)
    with pytest.raises(ValueError, match=r"images has 5 item"):
        gallery(df, thumbs(5))


def test_gallery_does_not_touch_pyplot():
    before = plt.get_fignums()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gallery(sample_frame(2), thumbs(2))
    assert plt.get_fignums() == before


def test_gallery_shows_a_placeholder_for_undecodable_bytes():
    broken = b"\xff\xd8\xff" + b"not really a jpeg"
    fig = gallery(sample_frame(1), [broken], n=1, cols=1)
    (ax,) = fig.axes
    assert len(ax.images) == 0 and [t.get_text() for t in ax.texts] == ["no image"]

"""df.patsnap on real sandbox results: registration, column checks, grid, plots, tables."""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from patsnap_pandas import samples, search_designs
from patsnap_pandas.accessor import PatsnapAccessor
from patsnap_pandas.frame.owners import owner_key
from tests.helpers import HOSTILE_TITLE, design_png

DATA_PNG = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


def _png_of(fig) -> Image.Image:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    data = buf.getvalue()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(data))


def _expected_size(fig) -> tuple[int, int]:
    w, h = fig.get_size_inches() * fig.dpi
    return round(w), round(h)


def _not_blank(im: Image.Image) -> None:
    pixels = np.asarray(im.convert("L"), dtype=float)
    assert pixels.std() > 5, "the rendered PNG is (nearly) uniform"


# --- registration and checks -----------------------------------------------------------------------


def test_accessor_is_registered_and_keeps_no_state(hits):
    accessor = hits.patsnap
    assert isinstance(accessor, PatsnapAccessor)
    assert set(vars(accessor)) == {"_obj"}
    assert accessor._obj is hits


@pytest.mark.parametrize("call", [
    lambda a: a.thumbnails(), lambda a: a.plot_scores(), lambda a: a.gallery(), lambda a: a.more(),
    lambda a: a.enrich(), lambda a: a.top(3), lambda a: a.summary(), lambda a: a.overlap(),
    lambda a: a.to_html("x.html"), lambda a: a.to_excel("x.xlsx"),
])
def test_methods_on_a_frame_that_is_no_search_result_raise_attribute_error(call, sandbox):
    catalogue = pd.DataFrame({"sku": ["A1", "B2"], "photo": ["a.png", "b.png"]})
    with pytest.raises(AttributeError, match=r"design-search results.*search_each"):
        call(catalogue.patsnap)
    assert len(sandbox.ledger) == 0


def test_a_result_frame_missing_a_needed_column_raises_value_error_naming_it(hits, sandbox):
    sandbox.ledger.clear()
    with pytest.raises(ValueError, match=r"thumbnails\(\) needs the column\(s\) \['image_url'\]"):
        hits.drop(columns="image_url").patsnap.thumbnails()
    with pytest.raises(ValueError, match=r"summary\(\) needs the column\(s\) \['authority'\]"):
        hits.drop(columns="authority").patsnap.summary()
    with pytest.raises(ValueError, match=r"more\(\) needs the column\(s\) \['search_id'\]"):
        hits.drop(columns="search_id").patsnap.more()
    with pytest.raises(ValueError, match=r"'query_index' or 'query'"):
        hits.drop(columns="query").patsnap.overlap()
    assert len(sandbox.ledger) == 0


# --- thumbnails grid ------------------------------------------------------------------------------


def test_thumbnails_grid_shows_n_embedded_thumbnails(hits):
    grid = hits.patsnap.thumbnails(n=7, columns=4, size=120)
    assert grid.count == 7
    payloads = DATA_PNG.findall(grid.html)
    assert len(payloads) == 7
    for payload in payloads:
        im = Image.open(io.BytesIO(base64.b64decode(payload)))
        assert max(im.size) == 256  # the stored thumbnails, not placeholders of another size
    assert "http://" not in grid.html and "https://" not in grid.html
    for pn in hits["patent_pn"][:7]:
        assert pn in grid.html
    assert hits["patent_pn"].iloc[7] not in grid.html
    assert grid._repr_html_() == grid.html


def test_thumbnails_arguments_are_checked_before_any_download(hits, sandbox, tmp_path):
    for kwargs, message in [({"columns": 0}, "columns=0"), ({"size": 5}, "size=5"),
                            ({"caption": ("nope",)}, "nope"), ({"n": 0}, "n=0")]:
        with pytest.raises(ValueError, match=message):
            hits.patsnap.thumbnails(**kwargs)


def test_grid_escapes_hostile_titles_from_the_sandbox(hostile_hits):
    # The hostile titles come from the sandbox itself (a directory corpus whose manifest holds them).
    assert HOSTILE_TITLE in set(hostile_hits["title"])
    html = hostile_hits.patsnap.thumbnails(caption=("score", "patent_pn", "title")).html
    assert "<script" not in html.lower()
    assert HOSTILE_TITLE not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "onerror=alert(1)>" not in html


# --- plots -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["bar", "hist", "strip"])
def test_plot_scores_renders_to_png(hits, kind):
    import matplotlib.pyplot as plt

    ax = hits.patsnap.plot_scores(kind=kind, by="authority")
    try:
        im = _png_of(ax.figure)
        assert im.size == _expected_size(ax.figure)
        assert im.size[0] >= 400 and im.size[1] >= 200
        _not_blank(im)
        if kind == "bar":
            assert len(ax.patches) == len(hits)  # one bar per hit (12 <= n=20)
    finally:
        plt.close(ax.figure)


def test_plot_scores_draws_on_a_given_axes(hits):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5, 3), dpi=100)
    ax = fig.subplots()
    assert hits.patsnap.plot_scores("hist", ax=ax) is ax
    im = _png_of(fig)
    assert im.size == (500, 300)
    _not_blank(im)


def test_plot_scores_rejects_a_bad_kind(hits):
    with pytest.raises(ValueError, match="kind='pie'"):
        hits.patsnap.plot_scores(kind="pie")


def test_gallery_renders_n_thumbnails_to_png(hits):
    fig = hits.patsnap.gallery(n=6, cols=3)
    im = _png_of(fig)
    assert im.size == (720, 560)  # 3 x 2 cells of 2.4 x 2.8 inches at 100 dpi
    _not_blank(im)
    images = [ax for ax in fig.axes if ax.images]
    assert len(images) == 6
    with pytest.raises(ValueError, match="cols=0"):
        hits.patsnap.gallery(cols=0)


# --- tables -------------------------------------------------------------------------------------------


def test_top_sorts_by_score_and_keeps_attrs(hits):
    shuffled = hits.sample(frac=1, random_state=1)
    shuffled.attrs = dict(hits.attrs)
    best = shuffled.patsnap.top(4)
    # a design and its registration in another office (the same drawing) tie: ties keep the frame's order
    assert list(best["patent_id"]) == list(shuffled.sort_values("score", ascending=False, kind="stable")["patent_id"][:4])
    assert list(best["score"]) == sorted(hits["score"], reverse=True)[:4]
    assert best.attrs == hits.attrs
    assert list(shuffled.patsnap.top(3, by="rank")["rank"]) == [1, 2, 3]


def test_summary_counts_hits_per_authority_and_assignee(hits):
    rich = hits.patsnap.enrich(["assignees"])
    stats = rich.patsnap.summary()
    per_authority = stats["authority"]
    assert per_authority["hits"].sum() == len(hits)
    for authority, row in per_authority.iterrows():
        mine = hits[hits["authority"] == authority]
        assert row["hits"] == len(mine)
        assert row["best_score"] == pytest.approx(mine["score"].max())
    per_assignee = stats["assignee"]
    names = [n for value in rich["assignees"].dropna() for n in value.split("; ")]
    assert names
    # spellings of one owner folded (frame.owners): one row per owner, named by a spelling the hits use
    folded = {owner_key(n) for n in names}
    assert per_assignee["hits"].sum() == len(names)
    assert len(per_assignee) == len(folded) and set(per_assignee.index) <= set(names)
    assert {owner_key(n) for n in per_assignee.index} == folded


def test_overlap_of_batch_results(client, corpus):
    # Designs 5 and 5 again (two rows) plus design 6: hits shared by several rows.
    catalogue = pd.DataFrame({"photo": [design_png(corpus, 5), design_png(corpus, 6), design_png(corpus, 5)]},
                             index=["p1", "p2", "p3"])
    batch = catalogue.patsnap.search_each("photo", limit=8, client=client, progress=False)
    shared = batch.patsnap.overlap()
    assert len(shared) >= 8  # every hit of design 5 is shared by rows p1 and p3
    assert (shared["n_queries"] >= 2).all()
    both = set(batch.loc[batch.query_index == "p1", "patent_id"])
    for _, row in shared.iterrows():
        if row["patent_id"] in both:
            assert {"p1", "p3"} <= set(row["query_indices"])



def test_a_p060_search_keeps_its_client_for_enrich(client):
    """P060/P061 answers have no search id: the frame still finds the client that made it (no credentials set)."""
    hits = search_designs(samples.image("desk-lamp"), client=client, limit=3, model=1)
    assert hits.attrs["search_id"] is None and hits.attrs["endpoint_version"] == "P060"
    rich = hits.patsnap.enrich(["assignees"])
    assert rich["assignees"].str.len().gt(0).all()

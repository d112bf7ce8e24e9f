"""Reports of searches with several views of one product: strip, matched view, method words, Excel columns.

Real searches over HTTP against the sandbox: one view (P009, unchanged), three views
(P061 in one call) and five views (each view searched, then fused on the client).
"""

from __future__ import annotations

import dataclasses
import re

import openpyxl
import pandas as pd
import pytest

from patsnap_pandas import search_designs
from patsnap_pandas._html import breakable
from patsnap_pandas.frame import words
from patsnap_pandas.report import build_report, render_html, write_excel, write_pdf
from tests.helpers import design_png, pdf_text


def views_of(corpus, i: int, n: int) -> list[bytes]:
    """``n`` views of one product: the drawings of design ``i`` (repeated when it has fewer)."""
    keys = corpus.designs[i].image_keys
    return [corpus.image_png(keys[k % len(keys)]) for k in range(n)]


@pytest.fixture
def three(client, corpus):
    return search_designs(views_of(corpus, 5, 3), client=client, limit=8).patsnap.enrich(client=client)


@pytest.fixture
def five(client, corpus):
    return search_designs(views_of(corpus, 5, 5), client=client, limit=8).patsnap.enrich(client=client)


def hits_sheet(path) -> tuple[list[str], list[list]]:
    sheet = openpyxl.load_workbook(path)["Hits"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    at = next(i for i, r in enumerate(rows) if r and r[0] == "Image")
    return [c for c in rows[at] if c], rows[at + 1:]


def test_one_view_report_is_as_before(client, corpus, tmp_path):
    df = search_designs(design_png(corpus, 5), client=client, limit=5)
    report = build_report(df)
    section = report.sections[0]
    assert section.views == [] and not section.multi_view and section.views_note == ""
    assert "Views combined" not in dict(report.method)
    assert dict(report.method)["Searched"].startswith("one query image: ")
    page = render_html(report)
    assert 'class="strip"' not in page and "<h2>Query image</h2>" in page
    assert "Matched view" not in page and "view 1" not in page.lower()
    assert page.count("<figcaption>Query: ") == len(section.cards)
    header, _rows = hits_sheet(write_excel(report, tmp_path / "one.xlsx"))
    assert "Matched view" not in header and not any(h.startswith("Score of view") for h in header)


def test_three_views_show_a_strip_and_say_they_were_searched_together(three, tmp_path):
    assert three.attrs["endpoint_version"] == "P061"
    assert three.attrs["source"] == "sandbox"  # the banner of reports and charts depends on it
    report = build_report(three, title="Three views")
    assert report.banner == words.SANDBOX_BANNER and dict(report.method)["Data source"] == words.SANDBOX_BANNER
    section = report.sections[0]
    assert [v.label for v in section.views] == three.attrs["views"] and len(section.views) == 3
    assert all(v.image is not None and v.image.startswith(b"\x89PNG") for v in section.views)
    method = dict(report.method)
    assert method["Searched"] == "3 views of one product, in this order: " + ", ".join(three.attrs["views"])
    assert method["Views combined"] == words.views_in_words(three.attrs)
    assert "searched together in one multi-image search" in method["Views combined"]
    assert "P061" not in render_html(report)  # words, not endpoint codes
    page = render_html(report)
    strip = re.search(r'<ol class="strip">(.*?)</ol>', page, re.S).group(1)
    assert strip.count("<li>") == 3 and strip.count("data:image/png;base64,") == 3
    assert [f"View {i} of 3" for i in (1, 2, 3)] == re.findall(r"View \d of 3", strip)
    assert "<h2>Query images: 3 views of one product</h2>" in page
    # P061 does not say which view matched: each card shows all views beside the hit, said once above
    assert page.count(section.views_note) == 1 and "does not say which view matched" in section.views_note
    assert page.count("<figcaption>All 3 views, scored together</figcaption>") == len(section.cards)
    grids = re.findall(r'<div class="allviews">(.*?)</div>', page, re.S)
    assert len(grids) == len(section.cards) and all(g.count("<img") == 3 for g in grids)
    assert "Matched view" not in page
    header, _rows = hits_sheet(write_excel(report, tmp_path / "three.xlsx"))
    assert "Matched view" not in header  # unknown for every hit: no empty column
    sheet = openpyxl.load_workbook(tmp_path / "three.xlsx")["Hits"]
    label_row = next(r for r in range(1, 10) if str(sheet.cell(r, 1).value or "").startswith("Query images: 3 views"))
    strip = [(i.anchor._from.col, i.anchor._from.colOff) for i in sheet._images if i.anchor._from.row == label_row]
    assert len(strip) == 3 and len(set(strip)) == 3  # the three views in one row, side by side


def test_three_views_pdf_has_the_strip(three, tmp_path):
    text = pdf_text(write_pdf(build_report(three, title="Three views"), tmp_path / "three.pdf"))
    assert "Query images: 3 views of one product" in text
    assert all(f"View {i} of 3" in text for i in (1, 2, 3))
    assert "searched together in one multi-image search" in text


@pytest.mark.parametrize("rule", ["best", "rrf"])
def test_five_views_fused_put_the_matched_view_beside_each_hit(client, corpus, five, tmp_path, rule):
    df = five if rule == "best" else search_designs(views_of(corpus, 5, 5), client=client, limit=8,
                                                    fusion="rrf").patsnap.enrich(client=client)
    assert df.attrs["endpoint_version"].endswith("+fusion") and df.attrs["fusion"] == rule
    report = build_report(df)
    section = report.sections[0]
    method = dict(report.method)
    assert method["Views combined"].startswith("each of the 5 views was searched on its own")
    assert ("a design's score is its best score" in method["Views combined"]) == (rule == "best")
    assert ("reciprocal-rank fusion" in method["Views combined"]) == (rule == "rrf")
    page = render_html(report)
    for hit in section.cards:
        row = df[df["patent_pn"] == hit.number].iloc[0]
        assert hit.matched_view == int(row["matched_view"])
        label = section.views[hit.matched_view - 1].label
        assert f"<figcaption>Matched view {hit.matched_view} of 5: {label}</figcaption>" in page
        assert hit.view_scores == tuple(None if pd.isna(row[f"score_view{i}"]) else float(row[f"score_view{i}"])
                                        for i in range(1, 6))
    assert "does not say which view matched" not in page and section.views_note in page
    assert section.views_note.endswith("; the other 4 views are shown small under it.")
    two = dataclasses.replace(section, views=section.views[:2])
    assert two.views_note.endswith("; the other view is shown small under it.")  # not "the other 1 views"
    assert page.count('<div class="others">') == len(section.cards) and 'class="allviews"' not in page

    header, rows = hits_sheet(write_excel(report, tmp_path / "five.xlsx"))
    assert header[header.index("Score") + 1] == words.COLUMN_LABELS["matched_view"] == "Matched view"
    assert [h for h in header if h.startswith("Score of view")] == [f"Score of view {i}" for i in range(1, 6)]
    assert header.index("Score of view 5") < header.index("Relevance")
    matched = header.index("Matched view")
    numbers = {r[header.index("Number")]: r for r in rows if r[header.index("Number")]}
    for _, row in df.iterrows():
        got = numbers[row["patent_pn"]]
        assert got[matched] == int(row["matched_view"])  # a number, not text
        for i in range(1, 6):
            cell = got[header.index(f"Score of view {i}")]
            assert (cell is None) if pd.isna(row[f"score_view{i}"]) else cell == pytest.approx(row[f"score_view{i}"])


def test_batch_with_several_image_columns_shows_each_products_strip(client, corpus, tmp_path):
    catalogue = pd.DataFrame({"sku": ["C-1", "L-2"],
                              "front": [views_of(corpus, 60, 1)[0], design_png(corpus, 61)],
                              "side": [views_of(corpus, 60, 2)[1], None]})
    batch = catalogue.patsnap.search_each(["front", "side"], label_column="sku", limit=4, client=client,
                                          progress=False)
    report = build_report(batch)
    by_query = {s.query: s for s in report.sections}
    assert [v.label for v in by_query["C-1"].views] == ["View 1", "View 2"]
    assert all(v.image is not None for v in by_query["C-1"].views)
    assert by_query["L-2"].views == []  # one image: its picture as before
    assert dict(report.method)["Views combined"].startswith("a product with several views")
    page = render_html(report)
    product = page.split(f"<h2>Product: {breakable('C-1')}</h2>", 1)[1].split('<section class="product">', 1)[0]
    assert product.count("View 1 of 2") >= 1 and 'class="strip"' in product
    other = page.split(f"<h2>Product: {breakable('L-2')}</h2>", 1)[1]
    assert 'class="strip"' not in other.split("</section>", 1)[0]

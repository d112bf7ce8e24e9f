"""The PDF fits the page: a 100-hit search and a 50 x 10 batch in A4 and Letter, read back with poppler.

The engine "auto" picks (Chromium where one is installed, as in CI) prints all four; WeasyPrint, the
fallback, prints the 100-hit search and the small report. Each report is built once per module.

No word past the page's edge or over another word (``pdftotext -bbox``), every image printed
unstretched at 200 dpi or finer (``pdfimages -list``), the Relevance and note column on every page
of a hits table; and the query image is embedded sharp where a report shows it large.
"""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
from PIL import Image

from patsnap_pandas import InvalidInputError, search_designs
from patsnap_pandas.report import build_report, render_html, write_pdf
from patsnap_pandas.report.html import IMAGE_SCHEME
from patsnap_pandas.report.paged import column_widths
from tests.helpers import design_png, images_misprinted, pdf_pages, pdf_text, words_misplaced

#: The header of a hits table, as pdftotext lays it out: the first columns, in order.
HITS_HEADER = re.compile(r"Image\s+Rank\s+Score\s+Number\s+Title")


def _marked(df: pd.DataFrame) -> pd.DataFrame:
    """Every hit marked by one of two reviewers on two days, with a note naming it (so each row's note can be
    found on its page)."""
    out = df.copy()
    out["relevance"] = [("relevant", "not relevant", "unsure")[i % 3] for i in range(len(out))]
    out["note"] = [f"checked-{i} against the outline and the armrest" for i in range(len(out))]
    out["marked_by"] = [("Alexandra Montgomery-Fitzgerald", "B. Ng")[i % 2] for i in range(len(out))]
    out["marked_at"] = [f"2026-12-0{1 + i % 2}T09:30:00Z" for i in range(len(out))]
    return out


def _assert_fits(path, notes: list[str]) -> int:
    """Every page fits, prints its images sharp and has the banner and its number; every hits page has the
    Relevance and note column.
    Returns the number of pages with a hits table."""
    assert images_misprinted(path) == []
    hits_pages = 0
    pages = pdf_pages(path)
    for page in range(1, pages + 1):
        assert words_misplaced(path, page) == [], page
        text = pdf_text(path, page)
        assert "SANDBOX" in text and re.search(rf"Page\s+{page}\s+of\s+{pages}", text), page  # the running header and footer
        if HITS_HEADER.search(text):
            hits_pages += 1
            assert re.search(r"Relevance\s+and", text), page
            assert re.search(r"checked-\d+", text), page  # the notes are in that column, not cut off
            assert re.search(r"by (Alexandra|B\. Ng)", text), page  # and who marked them
    everything = re.sub(r"\s+", " ", pdf_text(path))
    missing = [n for n in notes if n.split()[0] not in everything]
    assert missing == []
    return hits_pages


@pytest.fixture(scope="module")
def search_report(module_sandbox, module_client):
    """A 100-hit search, enriched and marked, as a report (made once, printed by the tests below)."""
    df = search_designs(design_png(module_sandbox.corpus, 5), client=module_client,
                        max_results=100).patsnap.enrich(legal_status=True)
    assert len(df) == 100
    df = _marked(df)
    return build_report(df, title="Chairs like ours"), list(df["note"])


@pytest.fixture(scope="module")
def batch_report(module_sandbox, module_client):
    """A batch of 50 products x 10 hits, enriched and marked, as a report."""
    catalogue = pd.DataFrame({"sku": [f"P-{i:03d}" for i in range(50)],
                              "photo": [design_png(module_sandbox.corpus, 7 * i + 3) for i in range(50)]})
    batch = catalogue.patsnap.search_each("photo", label_column="sku", limit=10, client=module_client,
                                          progress=False).patsnap.enrich(legal_status=True)
    assert len(batch) == 500
    batch = _marked(batch)
    return build_report(batch, title="Catalogue clearance"), list(batch["note"])


@pytest.mark.slow  # a 100-hit search (shared) and one PDF of 15+ pages by the engine "auto" picks (Chromium in CI)
@pytest.mark.parametrize("size", ["A4", "Letter"])
def test_pdf_of_a_100_hit_search_fits(search_report, tmp_path, size):
    report, notes = search_report
    path = write_pdf(report, tmp_path / f"single-{size}.pdf", page_size=size)
    assert _assert_fits(path, notes) >= 5


@pytest.mark.slow  # 50 searches (shared) and one PDF of 100+ pages by the engine "auto" picks
@pytest.mark.parametrize("size", ["A4", "Letter"])
def test_pdf_of_a_50_product_batch_fits(batch_report, tmp_path, size):
    report, notes = batch_report
    path = write_pdf(report, tmp_path / f"batch-{size}.pdf", page_size=size)
    assert _assert_fits(path, notes) >= 50  # one hits table per product


@pytest.mark.slow  # the fallback engine on the 100-hit search, on A4 (the narrower page)
def test_weasyprint_pdf_of_a_100_hit_search_fits(search_report, tmp_path):
    report, notes = search_report
    path = write_pdf(report, tmp_path / "single-weasyprint.pdf", engine="weasyprint")
    assert _assert_fits(path, notes) >= 5


@pytest.mark.parametrize("engine", ["chromium", "weasyprint"])
def test_small_pdf_fits_and_is_sharp(hits, tmp_path, engine):
    """The quick version of the ones above: 12 hits with every column, on Letter (the shorter, wider page)."""
    df = _marked(hits)
    path = write_pdf(build_report(df, title="Chairs"), tmp_path / "small.pdf", page_size="Letter", engine=engine)
    assert _assert_fits(path, list(df["note"])) >= 1


def test_query_image_is_embedded_sharp_where_shown_large(client, corpus, tmp_path):
    drawing = Image.open(io.BytesIO(design_png(corpus, 5))).convert("L")
    big = io.BytesIO()
    drawing.resize((1200, round(1200 * drawing.height / drawing.width))).save(big, "PNG")  # a 1200 px photo
    df = search_designs(big.getvalue(), client=client, limit=5)
    page = render_html(build_report(df))
    section = page.split('<section class="query-image">', 1)[1].split("</section>", 1)[0]
    src = re.search(r'src="data:image/png;base64,([^"]+)"', section).group(1)
    import base64

    shown = Image.open(io.BytesIO(base64.b64decode(src)))
    assert max(shown.size) >= 800 and abs(shown.width / shown.height - drawing.width / drawing.height) < 0.01
    # the cards beside each hit keep the small thumbnail (the hit's own is 256 px): the page stays light
    card = page.split('<article class="card">', 1)[1].split("</figure>", 1)[0]
    assert len(card) < len(section) / 2


def test_print_page_references_each_image_once_and_fetches_nothing_else(hits):
    images: dict[bytes, str] = {}
    page = render_html(build_report(hits), medium="print", images=images)
    assert "data:image" not in page and len(images) >= 12
    assert set(re.findall(r'src="([^"]+)"', page)) == set(images.values())
    assert all(name.startswith(IMAGE_SCHEME) for name in images.values())
    assert "table-layout:fixed" in page and "<colgroup>" in page


def test_print_column_widths_fill_the_page():
    assert sum(column_widths(["Image", "Rank", "Score", "Number", "Title", "Dates", "Class and status",
                              "Relevance and note"])) == 100
    assert column_widths(["Image", "Relevance and note"]) == [37, 63]


@pytest.mark.parametrize("size", ["A3", "a4 ", None])
def test_page_size_is_checked_before_anything_is_written(hits, tmp_path, size):
    with pytest.raises(InvalidInputError, match=r"page_size=.*A4.*Letter"):
        write_pdf(build_report(hits.head(2)), tmp_path / "x.pdf", page_size=size)
    with pytest.raises(InvalidInputError, match=r"page_size=.*A4.*Letter"):
        hits.head(2).patsnap.to_pdf(tmp_path / "y.pdf", page_size=size)
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "y.pdf").exists()


def test_a_batch_keeps_each_products_picture_for_its_report(client, corpus):
    """The batch stores each product's picture (as a single search does): the report shows it after the
    upload URL expired (``get`` reads the store and never downloads)."""
    from patsnap_pandas.store.cache import open_thumbnail_store

    catalogue = pd.DataFrame({"sku": ["C-1", "L-2"], "photo": [design_png(corpus, 5), design_png(corpus, 9)]})
    batch = catalogue.patsnap.search_each("photo", label_column="sku", limit=3, client=client, progress=False)
    with open_thumbnail_store(batch.attrs["thumbnail_dir"], size=256) as store:
        kept = [store.get("query", url) for url in batch.attrs["query_url_by_label"].values()]
    assert len(kept) == 2 and all(png is not None and png.startswith(b"\x89PNG") for png in kept)
    assert all(section.query_image is not None for section in build_report(batch).sections)


def test_a_reviewer_name_or_inventor_list_of_any_length_is_cut_in_the_pdf(hits):
    from patsnap_pandas.report.pdf import printable

    df = _marked(hits.head(3))
    df["marked_by"] = "R" * 5000
    report = build_report(df)
    report.sections[0].hits[0].inventors = "I" * 5000
    hit = printable(report).sections[0].hits[0]
    assert len(hit.marked_by) < 600 and len(hit.inventors) < 600 and "5,000 characters in all" in hit.marked_by
    assert len(report.sections[0].hits[0].marked_by) == 5000  # the report itself keeps the whole name


def test_a_batch_hits_table_names_its_product_on_every_page(client, corpus, tmp_path):
    catalogue = pd.DataFrame({"sku": ["C-1", "L-2"], "photo": [design_png(corpus, 5), design_png(corpus, 9)]})
    batch = catalogue.patsnap.search_each("photo", label_column="sku", limit=10, client=client, progress=False)
    path = write_pdf(build_report(_marked(batch)), tmp_path / "batch.pdf")
    pages = [pdf_text(path, page) for page in range(1, pdf_pages(path) + 1)]
    tables = [text for text in pages if HITS_HEADER.search(text)]
    assert len(tables) > 2  # ten rows do not fit under a product's cards: the tables run over a page
    assert all(re.search(r"Product: (C-1|L-2)\s+Image\s+Rank", text) for text in tables)


def test_the_pdf_writer_serves_the_reports_images_and_refuses_any_other_url():
    import weasyprint

    from patsnap_pandas.report.pdf import _fetcher

    fetch = _fetcher(weasyprint, {b"\x89PNG\r\n\x1a\nfake": f"{IMAGE_SCHEME}0"})
    answer = fetch(f"{IMAGE_SCHEME}0")
    assert answer.read() == b"\x89PNG\r\n\x1a\nfake" and answer.content_type == "image/png"
    for url in ("http://127.0.0.1:1/x.png", "file:///etc/passwd", f"{IMAGE_SCHEME}1"):
        with pytest.raises(PermissionError, match="loads no external resource"):
            fetch(url)

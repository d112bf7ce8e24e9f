"""The report model and its three writers over the sandbox: contents, banner, PDF pages, Excel sheets."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import zipfile

import openpyxl
import pandas as pd
import pytest

from patsnap_pandas import InvalidInputError, search_designs
from patsnap_pandas.frame import words
from patsnap_pandas.report import build_report, write_excel, write_html, write_pdf
from tests.helpers import design_png, pdf_pages, pdf_text

BANNER = words.SANDBOX_BANNER


@pytest.fixture
def marked(hits):
    out = hits.patsnap.mark(hits["rank"] <= 2, relevance="relevant", note="same outline")
    return out.patsnap.mark(hits["rank"] == 3, relevance="not relevant")


def test_model_says_what_was_searched_how_and_when(marked):
    report = build_report(marked, title="Chairs", subtitle="Screen", author="A. Analyst", organisation="Acme",
                          notes={"Shown in the panel": "scores of 0.8 or more"})
    assert report.sandbox and report.banner == BANNER
    method = dict(report.method)
    assert method["Data source"] == BANNER
    assert method["Hits in this report"] == "12 of 12 fetched"
    assert method["Sort order"] == "by similarity score, closest first"
    assert method["Shown in the panel"] == "scores of 0.8 or more"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC.*", method["Results fetched"])
    section = report.sections[0]
    assert section.query_image is not None and len(section.query_digest) == 64
    assert [h.rank for h in section.cards] == sorted(h.rank for h in section.cards)[:len(section.cards)]
    hit = section.hits[0]
    assert hit.image is not None and hit.authority and "(" in hit.loc and hit.legal_status in (
        "Active", "Inactive", "Pending", "Undetermined", "PCT designated stage", "PCT designated stage expired")
    labels = [c.label for c in report.columns]
    assert "patent_pn" not in labels and "Search id" not in labels and "PatSnap id" not in labels
    assert dict(report.about)["Query image SHA-256"] == section.query_digest


def test_include_marked_relevant_and_groups(marked):
    assert build_report(marked, include="relevant").hit_count == 2
    assert build_report(marked, include="marked").hit_count == 3
    grouped = build_report(marked, group_by_relevance=True)
    headings = [h for h, _ in grouped.sections[0].groups(True)]
    assert headings == ["Marked relevant", "Marked not relevant", "Not marked"]
    text = write_html(grouped, "grouped.html") if False else None  # written in the next test
    assert text is None
    with pytest.raises(InvalidInputError, match=r"notes=.*mapping of label to text"):
        build_report(marked, notes={"x": 1})


def test_html_has_the_banner_words_and_no_internals(marked, tmp_path):
    path = write_html(build_report(marked, title="Chairs", group_by_relevance=True), tmp_path / "r.html")
    text = path.read_text("utf-8")
    assert text.count(BANNER) >= 2 and 'class="banner"' in text  # sticky banner + data source line
    assert "position:sticky" in text
    for internal in (marked.attrs["search_id"], marked["patent_id"].iloc[0], "P009", "simple_legal_status",
                     "apply_start_time", "127.0.0.1"):
        assert internal not in text
    assert "Marked relevant (2)" in text and "What a similarity score is and is not" in text
    assert "Method and coverage" in text and "Per authority" in text


def test_html_without_the_banner_for_a_non_sandbox_loopback_server(plain_hits, tmp_path):
    text = write_html(build_report(plain_hits), tmp_path / "plain.html").read_text("utf-8")
    assert BANNER not in text and "SANDBOX" not in text
    assert "PatSnap design image search" in text


@pytest.mark.parametrize("page_size", ["A4", "Letter"])
def test_pdf_pages_carry_banner_title_and_page_numbers(marked, tmp_path, page_size):
    path = write_pdf(build_report(marked, title="Chairs like ours"), tmp_path / "r.pdf", page_size=page_size)
    pages = pdf_pages(path)
    assert pages >= 2
    for page in range(1, pages + 1):
        text = pdf_text(path, page)
        assert "SANDBOX" in text and "synthetic designs" in text, page
        assert f"Page {page} of {pages}" in text
        assert "Chairs like ours" in text
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    assert (round(width), round(height)) == ((595, 842) if page_size == "A4" else (612, 792))


def test_pdf_without_the_banner_for_a_non_sandbox_loopback_server(plain_hits, tmp_path):
    path = write_pdf(build_report(plain_hits, title="Live"), tmp_path / "plain.pdf")
    text = pdf_text(path)
    assert "SANDBOX" not in text and "PatSnap design image search" in text


def test_pdf_keeps_table_rows_and_cards_whole(client, corpus, tmp_path):
    hits = search_designs(design_png(corpus, 9), client=client, limit=40).patsnap.enrich()
    path = write_pdf(build_report(hits), tmp_path / "long.pdf")
    numbers = list(hits["patent_pn"])
    seen = {}
    for page in range(1, pdf_pages(path) + 1):
        text = pdf_text(path, page)  # one pdftotext a page, not one a page and number
        for pn in numbers:
            if pn in text:
                seen.setdefault(pn, []).append(page)
    assert set(seen) == set(numbers)
    # every hit row and card is on a page with its number: nothing cut off between pages
    css = path.with_suffix(".html")
    assert not css.exists()


def test_excel_banner_on_every_sheet_dropdown_dates_links_images(marked, tmp_path):
    path = write_excel(build_report(marked, title="Chairs"), tmp_path / "r.xlsx")
    book = openpyxl.load_workbook(path)
    for sheet in book.worksheets:
        assert sheet["A1"].value == BANNER, sheet.title
    hits = book["Hits"]
    header = next(r for r in hits.iter_rows() if any(c.value == "Relevance" for c in r))
    col = {c.value: c.column_letter for c in header}
    row = header[0].row
    assert hits.freeze_panes == f"A{row + 1}"
    assert hits.auto_filter.ref.startswith(f"A{row}:")
    validation = hits.data_validations.dataValidation[0]
    assert validation.type == "list" and validation.formula1 == '"relevant,not relevant,unsure"'
    assert f"{col['Relevance']}{row + 1}" in str(validation.sqref)
    assert hits[f"{col['Relevance']}{row + 1}"].value == "relevant"
    applied = hits[f"{col['Applied']}{row + 1}"]
    assert applied.is_date and isinstance(applied.value, dt.datetime)
    assert hits[f"{col['Score']}{row + 1}"].data_type == "n"
    row_images = [im for im in hits._images if im.anchor._from.row + 1 > row]
    assert len(row_images) == len(marked) and min(im.width for im in row_images) >= 100 or \
        all(max(im.width, im.height) >= 100 for im in row_images)
    query_images = [im for im in hits._images if im.anchor._from.row + 1 < row]
    assert len(query_images) == 1  # the query image above the table
    links = {h.target for h in hits._hyperlinks}
    assert all(t.startswith(("https://patents.google.com/patent/", "https://euipo.europa.eu/")) for t in links)
    summary = book["Summary"]
    values = [c.value for r in summary.iter_rows() for c in r if c.value]
    assert "Method and coverage" in values and "Per authority" in values
    assert words.SCORE_NOTE in values


def test_excel_without_the_banner_for_a_non_sandbox_loopback_server(plain_hits, tmp_path):
    book = openpyxl.load_workbook(write_excel(build_report(plain_hits), tmp_path / "plain.xlsx"))
    for sheet in book.worksheets:
        assert sheet["A1"].value == "Source: PatSnap design image search"
        assert not any("SANDBOX" in str(c.value) for r in sheet.iter_rows() for c in r if c.value)


def test_excel_keeps_formula_like_text_as_text(hits, tmp_path):
    formulas = ['=HYPERLINK("http://evil.example","click")', "+1+2", "-2+3", "@SUM(A1)"]
    df = hits.head(4).copy()
    df["title"] = pd.array(formulas, dtype="string")
    df = df.patsnap.mark(df["rank"] >= 1, note="=1+1")
    path = write_excel(build_report(df), tmp_path / "f.xlsx")
    sheet = openpyxl.load_workbook(path)["Hits"]
    titles = [c.value for r in sheet.iter_rows() for c in r if c.value in formulas]
    assert sorted(titles) == sorted(formulas)
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = z.read(name).decode()
                assert "<f>" not in xml and "<f " not in xml


@pytest.mark.slow  # a batch searched, then its report in four formats: about 6 s
def test_batch_report_overview_and_products(client, corpus, tmp_path):
    catalogue = pd.DataFrame({"sku": ["C-1", "L-2"], "photo": [design_png(corpus, 60), design_png(corpus, 61)]})
    batch = catalogue.patsnap.search_each("photo", label_column="sku", limit=5, client=client, progress=False)
    report = build_report(batch.patsnap.enrich(), title="Catalogue")
    assert report.batch and [s.query for s in report.sections] == ["C-1", "L-2"]
    assert all(s.query_image is not None and len(s.cards) == 3 for s in report.sections)
    assert [o.best.score for o in report.overview] == [max(h.score for h in s.hits) for s in report.sections]
    book = openpyxl.load_workbook(write_excel(report, tmp_path / "b.xlsx"))
    assert book.sheetnames == ["Summary", "Products", "Hits", "Landscape", "About"]  # enriched: owners named
    assert all(s["A1"].value == BANNER for s in book.worksheets)
    pdf = write_pdf(report, tmp_path / "b.pdf")
    text = pdf_text(pdf)
    assert "Product: C-1" in text and "Product: L-2" in text


def test_writing_a_pdf_leaves_pillow_strict_about_truncated_images(hits, tmp_path):
    """Importing WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES; write_pdf puts it back, so a corrupt
    query image is still refused afterwards."""
    import io

    from PIL import Image

    from patsnap_pandas import ImageInputError
    from patsnap_pandas.api.images import prepare_image

    write_pdf(build_report(hits.head(2)), tmp_path / "small.pdf")
    import numpy as np

    buf = io.BytesIO()
    noise = np.random.default_rng(0).integers(0, 255, (200, 200, 3), dtype=np.uint8)
    Image.fromarray(noise).save(buf, format="PNG")
    png = buf.getvalue()
    with pytest.raises(ImageInputError, match="corrupt or truncated"):
        prepare_image(png[: len(png) // 2])


def test_a_truncated_image_is_refused_whatever_another_library_set(monkeypatch):
    """WeasyPrint (imported by a test or by the user's notebook) sets LOAD_TRUNCATED_IMAGES process-wide."""
    import io

    import numpy as np
    from PIL import Image, ImageFile

    from patsnap_pandas import ImageInputError
    from patsnap_pandas.api.images import prepare_image

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (200, 200, 3), dtype=np.uint8)).save(buf, "PNG")
    png = buf.getvalue()
    for image in (png[: len(png) // 2], Image.open(io.BytesIO(png[: len(png) // 2]))):
        with pytest.raises(ImageInputError, match="corrupt or truncated|cannot be decoded"):
            prepare_image(image)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # the other library's setting is left as it was


@pytest.mark.parametrize("writer, wrong, usual", [
    ("write_docx", "for-counsel.pdf", ".docx"), ("write_pdf", "chairs.docx", ".pdf"),
    ("write_html", "chairs.xlsx", ".html"), ("write_excel", "chairs.html", ".xlsx")])
def test_a_report_named_with_another_formats_suffix_is_refused_before_anything_is_written(marked, tmp_path, writer,
                                                                                            wrong, usual):
    from patsnap_pandas import report as reports

    (out := tmp_path / "out").mkdir()
    with pytest.raises(InvalidInputError, match=rf"^path='.*{re.escape(wrong)}' is not valid: .* would not open as "
                                                 rf".*Allowed: a path ending in {re.escape(usual)}"):
        getattr(reports, writer)(build_report(marked), out / wrong)
    assert list(out.iterdir()) == []

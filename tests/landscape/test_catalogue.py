"""Acceptance: a catalogue of ten sandbox products; the landscape from the accessor in one call each, checked
against a count made here from the frame; the Landscape section in the HTML, PDF and Excel reports."""

from __future__ import annotations

import re

import openpyxl
import pandas as pd
import pytest

from patsnap_pandas import InvalidInputError
from patsnap_pandas.codes import LOCARNO_CLASSES
from patsnap_pandas.frame import words
from patsnap_pandas.frame.owners import owner_lists
from patsnap_pandas.report import build_report, write_docx, write_excel, write_html, write_pdf
from tests.helpers import pdf_pages, pdf_text, words_misplaced


def _pairs(hits: pd.DataFrame) -> dict[tuple[str, str], float]:
    """(product, owner) -> best score, counted here row by row (each co-owner of a hit is an owner of it)."""
    best: dict[tuple[str, str], float] = {}
    rows = hits[hits["patent_id"].notna()]
    for (_, row), owners in zip(rows.iterrows(), owner_lists(rows), strict=True):
        for owner in owners or ["owner not given by PatSnap"]:
            key = (row["query"], owner)
            best[key] = max(best.get(key, 0.0), float(row["score"]))
    return best


def test_the_product_x_owner_matrix_and_top_risks_in_one_call(catalogue_hits, products):
    matrix = catalogue_hits.patsnap.risk_matrix()
    pairs = _pairs(catalogue_hits)
    assert matrix.shape[0] == products
    assert {(p, o): matrix.loc[p, o] for p in matrix.index for o in matrix.columns
            if pd.notna(matrix.loc[p, o])} == pytest.approx(pairs)
    best = matrix.max(axis=0).tolist()
    assert best == sorted(best, reverse=True)                          # owners: highest best score first
    assert matrix.max(axis=1).tolist() == sorted(matrix.max(axis=1), reverse=True)
    risks = catalogue_hits.patsnap.top_risks(10)
    assert risks["best_score"].tolist() == sorted(pairs.values(), reverse=True)[:10]
    for row in risks.itertuples():                                     # the hit named is the pair's best
        hit = catalogue_hits[(catalogue_hits["patent_pn"] == row.patent_pn) & (catalogue_hits["query"] == row.product)]
        assert float(hit["score"].max()) == pytest.approx(row.best_score)


def test_the_timeline_and_owner_x_class_tables_in_one_call(catalogue_hits):
    timeline = catalogue_hits.patsnap.timeline()
    years = timeline.index.tolist()
    assert years == list(range(years[0], years[-1] + 1))               # ascending, no year missing
    rows = catalogue_hits[catalogue_hits["patent_id"].notna()]
    designs: dict[str, set[str]] = {}
    for number, owners in zip(rows["patent_pn"], owner_lists(rows), strict=True):
        for owner in owners:
            designs.setdefault(owner, set()).add(number)               # a design matched twice counts once
    totals = timeline.sum().to_dict()
    assert totals == {owner: len(numbers) for owner, numbers in designs.items()}
    ranked = list(totals.values())
    assert ranked == sorted(ranked, reverse=True)
    families = catalogue_hits.patsnap.with_families()                  # a family of several offices: once
    per_owner: dict[str, set[str]] = {}
    rows = families[families["patent_id"].notna()]
    for number, family, owners in zip(rows["patent_pn"], rows["family"], owner_lists(rows), strict=True):
        for owner in owners:
            per_owner.setdefault(owner, set()).add(family or number)
    assert families.patsnap.timeline().sum().to_dict() == {o: len(f) for o, f in per_owner.items()}
    assert sum(map(len, per_owner.values())) < sum(map(len, designs.values()))   # the sandbox has families
    classes = catalogue_hits.patsnap.owner_classes()
    assert classes.index.tolist() == timeline.columns.tolist() or set(classes.index) == set(timeline.columns)
    for label in classes.columns:
        number, name = re.match(r"^(\d\d) (.+)$", label).groups()
        assert LOCARNO_CLASSES[int(number)] == name
    offices = catalogue_hits.patsnap.office_years()
    assert set(offices.index) <= {"China", "United States", "EUIPO (EU designs)", "Japan", "South Korea",
                                  "Hong Kong", "WIPO (PCT / Hague)", "United Kingdom"}
    assert offices.columns.tolist() == sorted(offices.columns)


def test_the_landscape_section_in_html_excel_and_word(catalogue_hits, products, tmp_path):
    report = build_report(catalogue_hits, title="Catalogue landscape")
    assert report.landscape is not None and report.landscape.batch
    assert build_report(catalogue_hits, landscape=False).landscape is None
    with pytest.raises(InvalidInputError, match="landscape='no' is not valid"):
        build_report(catalogue_hits, landscape="no")
    html = write_html(report, tmp_path / "r.html").read_text(encoding="utf-8")
    section = html[html.index('<section class="landscape">'):]
    for text in ("<h2>Landscape</h2>", 'alt="filings per year of the top owners"',
                 'alt="heat map of the best score per product and owner"', "Top risks",
                 "Designs per owner and Locarno class", "Designs per year and office"):
        assert text in section
    book = openpyxl.load_workbook(write_excel(report, tmp_path / "r.xlsx"))
    assert book.sheetnames == ["Summary", "Products", "Hits", "Landscape", "About"]
    cells = [[c.value for c in row] for row in book["Landscape"].iter_rows()]
    heading = next(i for i, row in enumerate(cells) if row[0] == "Best score per product and owner")
    products = [row[0] for row in cells[heading + 2:heading + 2 + products]]
    assert products == report.landscape.risk_matrix.index.tolist()
    assert len(book["Landscape"]._images) == 2                          # the timeline and the heat map
    import docx

    document = docx.Document(write_docx(report, tmp_path / "r.docx"))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings.index("Landscape") < headings.index("Designs per owner and Locarno class")
    assert "Top risks: the product and owner pairs with the highest best score" in headings


@pytest.mark.slow
def test_the_landscape_section_in_the_pdf_fits_the_page(catalogue_hits, tmp_path):
    path = write_pdf(build_report(catalogue_hits, title="Catalogue landscape"), tmp_path / "r.pdf")
    pages = [p for p in range(1, pdf_pages(path) + 1)
             if re.search(r"Landscape|Top risks|Designs per", pdf_text(path, p))]
    text = pdf_text(path, pages[0], pages[-1])
    assert "Top risks" in text and "Designs per owner and Locarno class" in text
    first = pdf_text(path, pages[0]).split("Landscape\n", 1)  # the section starts a page: no heading left alone
    assert len(first) == 2 and set(first[0].split()) <= set(f"Catalogue landscape {words.SANDBOX_BANNER}".split())
    for page in pages:
        assert words_misplaced(path, page) == [], page

"""The Word report (write_docx) over the sandbox, opened with python-docx: banner, comments, images, CJK fonts."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import zipfile

import docx
import pandas as pd
import pytest
from docx.oxml.ns import qn

from patsnap_pandas import InvalidInputError
from patsnap_pandas.frame import words
from patsnap_pandas.report import build_report, clearance_report, comparison, prior_art_report, write_docx, write_html
from patsnap_pandas.report.docx_xml import CJK_FONTS, east_asian_font
from tests.helpers import design_png, pdf_pages, pdf_text, words_misplaced

BANNER = words.SANDBOX_BANNER
UTC = dt.timezone.utc
CJK = re.compile("[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")


@pytest.fixture
def marked(hits):
    """Marks by two reviewers on two days."""
    out = hits.patsnap.mark(hits["rank"] <= 2, relevance="relevant", note="same outline", by="A. Analyst",
                            at="2026-12-01T09:30:00Z")
    out = out.patsnap.mark(hits["rank"] == 3, relevance="not relevant", by="A. Analyst", at="2026-12-01T09:31:00Z")
    return out.patsnap.mark(hits["rank"] == 5, relevance="unsure", note="扶手 differs: check the legs",
                            by="B. Counsel", at="2026-12-03T16:05:00Z")


def _headers(document) -> list[str]:
    """Each section's own header text (a section linked to the previous one would have none of its own)."""
    out = []
    for section in document.sections:
        assert not section.header.is_linked_to_previous and not section.footer.is_linked_to_previous
        out.append(" / ".join(p.text for p in section.header.paragraphs))
    return out


def _anchored_rows(document) -> list[tuple[str, str]]:
    """(comment text, the text of the table row, else the paragraph, its range starts in), in document order."""
    body = document.element.body
    by_id = {str(c.comment_id): c.text for c in document.comments}
    out = []
    for start in body.iter(qn("w:commentRangeStart")):
        ancestors = list(start.iterancestors())
        row = next((a for a in ancestors if a.tag == qn("w:tr")), ancestors[0])
        out.append((by_id[start.get(qn("w:id"))], _text(row)))
    return out


def _text(element) -> str:
    """The text of an element as Word shows it (a non-breaking hyphen is a hyphen)."""
    return "".join("-" if e.tag == qn("w:noBreakHyphen") else e.text or ""
                   for e in element.iter(qn("w:t"), qn("w:noBreakHyphen")))


def _cjk_runs(document) -> list:
    return [r for r in document.element.body.iter(qn("w:r"))
            if CJK.search(_text(r))]


def test_word_report_of_one_search(marked, tmp_path):
    report = build_report(marked, title="Chairs like our C-100", author="A. Analyst", organisation="Acme")
    document = docx.Document(write_docx(report, tmp_path / "chairs.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    tables = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    # the sections counsel reads, in words
    for heading in ("Executive summary", "Search coverage and method", "Query image", "Candidates: all hits",
                    "Closest matches: the query beside each hit", "What a similarity score is and is not",
                    "Not a legal opinion", "About this report"):
        assert heading in text, heading
    assert words.SCORE_NOTE in text and words.NOT_LEGAL_OPINION in text
    assert "2 marked relevant, 1 not relevant, 1 unsure, 8 not marked" in tables
    assert "The 5 closest matches and their owners" in text
    best = max(report.sections[0].hits, key=lambda h: h.score)
    assert best.number in tables and best.assignees and best.assignees in tables
    for internal in (marked.attrs["search_id"], marked["patent_id"].iloc[0], "P009", "127.0.0.1", "enrich"):
        assert internal not in text + tables
    # the banner in the header of every section (portrait, landscape table, portrait cards)
    headers = _headers(document)
    assert len(headers) == 3 and all(h.startswith(BANNER) and "Chairs like our C-100" in h for h in headers)
    assert [s.orientation for s in document.sections] == [0, 1, 0]
    # one comment per noted hit, anchored in the hit's row of the candidate table
    noted = {h.number: h for h in report.sections[0].hits if h.note}
    assert len(document.comments) == len(noted) == 3
    anchored = _anchored_rows(document)
    assert len(anchored) == 3
    for (said, row), hit in zip(anchored, [h for h in report.sections[0].hits if h.note], strict=True):
        assert said == f"{hit.relevance}: {hit.note}" and hit.number in row and hit.title in row
    # each comment by its reviewer, dated when the mark was made; the row says who and when too
    assert [(c.author, c.initials, c.timestamp) for c in document.comments] == [
        ("A. Analyst", "AA", dt.datetime(2026, 12, 1, 9, 30, tzinfo=UTC)),
        ("A. Analyst", "AA", dt.datetime(2026, 12, 1, 9, 30, tzinfo=UTC)),
        ("B. Counsel", "BC", dt.datetime(2026, 12, 3, 16, 5, tzinfo=UTC))]
    assert "by B. Counsel, 2026-12-03 16:05 UTC" in anchored[2][1] and "by A. Analyst, 2026-12-01 09:30 UTC" in tables
    assert "Marked: B. Counsel, 2026-12-03 16:05 UTC" in tables  # on the card
    # a date or Locarno code never breaks at its hyphen, even in a narrow column (a hyphen in words still may)
    assert best.loc and re.fullmatch(r"\d\d-\d\d.*", best.loc) and best.loc in tables
    assert [t.text for t in document.element.body.iter(qn("w:t")) if re.search(r"\d-\d", t.text or "")] == []
    # pictures: the query, a thumbnail per hit, a picture per card side, the chart, the summaries' best matches
    assert len(document.inline_shapes) >= 1 + 12 + 2 * 10 + 1
    # CJK text (the sandbox's Chinese titles and owners, the note) in a font Word has
    runs = _cjk_runs(document)
    assert len(runs) > 12
    assert all(r.find(qn("w:rPr")).find(qn("w:rFonts")).get(qn("w:eastAsia")) in dict(CJK_FONTS.values())
               for r in runs)
    assert document.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "SimSun"


def test_pictures_keep_their_aspect_ratio_and_tables_fit_the_page(marked, tmp_path):
    document = docx.Document(write_docx(build_report(marked), tmp_path / "r.docx", page_size="Letter"))
    for shape in document.inline_shapes:
        blip = shape._inline.graphic.graphicData.pic.blipFill.blip
        image = document.part.related_parts[blip.embed].image
        assert abs(shape.width / shape.height - image.px_width / image.px_height) < 0.02
    for section in document.sections:
        assert section.page_width == docx.shared.Inches(8.5 if section.orientation == 0 else 11)
    body = document.element.body
    for tbl in body.iter(qn("w:tbl")):
        section = next(s for s in document.sections if _in_section(body, tbl, s))
        room = (section.page_width - section.left_margin - section.right_margin) / 635
        width = sum(int(g.get(qn("w:w"))) for g in tbl.iter(qn("w:gridCol")))
        assert width <= room + 1 and tbl.find(qn("w:tblPr")).find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        # room above and below a cell's content: LibreOffice drew a picture over the cell's top border without it
        margins = tbl.find(qn("w:tblPr")).find(qn("w:tblCellMar"))
        assert [int(margins.find(qn(f"w:{side}")).get(qn("w:w"))) > 0 for side in ("top", "bottom")] == [True, True]


def _in_section(body, element, section) -> bool:
    """``element`` lies in ``section``: the first section break after it is that section's."""
    following = next((p for p in element.itersiblings() if p.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None),
                     None)
    sect = following.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") if following is not None else body.find(qn("w:sectPr"))
    return sect is section._sectPr


def test_word_report_of_a_batch_has_a_banner_on_every_section(client, corpus, tmp_path):
    catalogue = pd.DataFrame({"sku": ["C-1", "L-2"], "photo": [design_png(corpus, 60), design_png(corpus, 61)]})
    batch = catalogue.patsnap.search_each("photo", label_column="sku", limit=5, client=client, progress=False)
    batch = batch.patsnap.mark(batch["rank"] == 1, relevance="relevant", note="close")
    path = write_docx(batch.patsnap.enrich(), tmp_path / "batch.docx", title="Catalogue")  # a frame, built here
    document = docx.Document(path)
    headers = _headers(document)
    assert len(headers) == 1 + 2 * 2 + 1 and all(h.startswith(BANNER) for h in headers)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Products" in text and "Product: C-1" in text and "Hits for L-2" in text
    anchored = _anchored_rows(document)
    assert [said for said, _row in anchored] == ["relevant: close"] * 2
    firsts = [h.number for s in build_report(batch).sections for h in s.hits if h.rank == 1]
    assert [number in row for number, (_said, row) in zip(firsts, anchored, strict=True)] == [True, True], (
        firsts, anchored)


def test_executive_summary_says_markets_dates_and_counts(client, corpus, tmp_path):
    from patsnap_pandas import search_designs

    df = search_designs(design_png(corpus, 5), client=client, limit=8, country="US,CN",
                        apply_start_time="2010-01-01", apply_end_time="2024-12-31")
    document = docx.Document(write_docx(build_report(df), tmp_path / "filtered.docx"))
    summary = {row.cells[0].text: row.cells[1].text for row in document.tables[1].rows}
    assert summary["Markets"] == "China, United States" or summary["Markets"] == "United States, China"
    assert summary["Dates"] == "Applied 2010-01-01 to 2024-12-31"
    assert summary["Hits"] == "8 of 8 fetched" and summary["Marks"] == "0 marked relevant, 8 not marked"


def test_live_like_report_names_its_source_and_no_sandbox(plain_hits, tmp_path):
    document = docx.Document(write_docx(build_report(plain_hits), tmp_path / "live.docx"))
    headers = _headers(document)
    assert all("Source: PatSnap design image search" in h and "SANDBOX" not in h for h in headers)
    assert "SANDBOX" not in "\n".join(p.text for p in document.paragraphs)


def test_a_live_like_multi_view_report_names_owners_and_views(client, corpus, tmp_path):
    """Two views searched as live PatSnap answers (P060/P061): owners from current_assignee, no enrichment."""
    from patsnap_pandas import search_designs

    df = search_designs([design_png(corpus, 5), design_png(corpus, 9)], client=client, limit=10)
    assert "current_assignee" in df.columns and "assignees" not in df.columns
    report = build_report(df)
    document = docx.Document(write_docx(report, tmp_path / "views.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    tables = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    owners = {name for h in report.sections[0].hits for name in h.assignees.split("; ")}
    assert owners and all(name in tables for name in owners)
    assert "enrich" not in (text + tables).lower() and "Owners unknown" not in text
    assert "Query images: 2 views of one product" in text and "View 2 of 2" in tables
    assert report.sections[0].views_note in text
    assert f"Inventors: {report.sections[0].cards[0].inventors}" in tables


def test_clearance_and_prior_art_reports_in_word(clearance_frames, evidence, tmp_path):
    kept, excluded, provenance = clearance_frames
    report = clearance_report(kept.patsnap.mark(kept["rank"] == 1, relevance="relevant", note="our risk"),
                              excluded, provenance, title="Clearance of the C-100")
    document = docx.Document(write_docx(report, tmp_path / "clearance.docx"))
    text = "\n".join(p.text for p in document.paragraphs)
    tables = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "Registered designs in force or pending on 2027-01-01 (7)" in text
    assert "Excluded, and why (5)" in text and "What this search cannot see" in text
    assert all(spot in text for spot in words.CLEARANCE_BLIND_SPOTS)
    assert "In force on" in tables and "2027-01-01" in tables and "the term ended on 2020-01-02" in tables
    searched = next(r for t in document.tables for r in t.rows if r.cells[0].text == "What was searched")
    assert searched.cells[1].text.startswith("Clearance: the registered designs")  # the job named once
    assert "EM registered design" in tables and "2036-03-02" in tables  # the rule and the expiry
    assert [c.text for c in document.comments] == ["relevant: our risk"]
    assert all(h.startswith(BANNER) for h in _headers(document))

    tw = comparison(evidence.iloc[[0]], design_png_from(evidence), evidence, accused_label="their chair")
    art = prior_art_report(evidence, None, {"before": "2030-01-01", "utility_models": True}, comparisons=[tw])
    document = docx.Document(write_docx(art, tmp_path / "prior-art.docx", page_size="Letter"))
    text = "\n".join(p.text for p in document.paragraphs)
    tables = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "Three-way comparison" in text and "Published before" in tables and "utility model" in tables
    assert "Accused product" in tables and "their chair" in tables


def design_png_from(frame) -> bytes:
    """A hit's own picture (from the report model's thumbnails) as the accused product's photo."""
    return build_report(frame.head(1)).sections[0].hits[0].image


def test_word_and_html_say_the_same_numbers(marked, tmp_path):
    report = build_report(marked, include="marked", group_by_relevance=True)
    document = docx.Document(write_docx(report, tmp_path / "r.docx"))
    html = write_html(report, tmp_path / "r.html").read_text("utf-8")
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Marked relevant (2)" in text and "Marked relevant (2)" in html
    numbers = [h.number for h in report.sections[0].hits]
    tables = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert all(n in tables and n in html for n in numbers)


def test_hostile_text_stays_text_and_the_file_stays_valid(hits, tmp_path):
    df = hits.head(3).copy()
    df.loc[0, "title"] = "Chair \u202egnp.exe <w:p> & \x00\x1b[31m"
    df.loc[0, "note"] = "=HYPERLINK(\"http://x\") " + "y" * 5000  # a row must fit a page: cut there, whole in the comment
    path = write_docx(build_report(df, title="A & B <c>"), tmp_path / "odd.docx")
    document = docx.Document(path)
    tables = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "Chair \ufffdgnp.exe <w:p> & \ufffd\ufffd[31m" in tables
    assert document.paragraphs[0].text == "A & B <c>"
    assert [c.text for c in document.comments] == [df.loc[0, "note"]]
    assert "5,023 characters in all: the full text is in the comment]" in tables and "y" * 600 not in tables
    with zipfile.ZipFile(path) as z:
        assert "instrText" not in z.read("word/document.xml").decode().replace("NUMPAGES", "").replace("PAGE", "")


def test_the_package_is_consistent(marked, tmp_path):
    """What Word checks when it opens a file: every relationship id used resolves, drawing ids are unique,
    each picture is stored once, headers and footers are parts of their own with their content type."""
    path = write_docx(build_report(marked), tmp_path / "r.docx")
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        document = z.read("word/document.xml").decode()
        rels = z.read("word/_rels/document.xml.rels").decode()
        types = z.read("[Content_Types].xml").decode()
        media = [z.read(n) for n in names if n.startswith("word/media/")]
    targets = dict(re.findall(r'Id="([^"]+)"[^>]*Target="([^"]+)"', rels))
    used = set(re.findall(r'r:(?:embed|id)="([^"]+)"', document))
    assert used and used <= set(targets)
    for rid in used:
        target = targets[rid]
        assert target.startswith("http") or f"word/{target}" in names, target
    ids = re.findall(r'<wp:docPr id="(\d+)"', document)
    assert len(ids) == len(set(ids)) >= 12
    assert len(media) == len(set(media))  # the same picture (a summary's best match) embedded once
    headers = [n for n in names if re.fullmatch(r"word/header\d+\.xml", n)]
    assert len(headers) == 3 and types.count("wordprocessingml.header+xml") == 3
    assert 'Extension="png"' in types or types.count("image/png") >= len(media)


def test_bad_input_is_refused_before_anything_is_written(hits, tmp_path):
    report = build_report(hits.head(2))
    with pytest.raises(InvalidInputError, match=r"page_size='A5' is not valid"):
        write_docx(report, tmp_path / "x.docx", page_size="A5")
    with pytest.raises(InvalidInputError, match=r"report=str is not valid"):
        write_docx("hits.csv", tmp_path / "x.docx")
    with pytest.raises(InvalidInputError, match=r"\['title'\] are options of a frame's report"):
        write_docx(report, tmp_path / "x.docx", title="T")
    with pytest.raises(InvalidInputError, match=r"\['titel'\] are not options of a report. Allowed: title, "):
        write_docx(hits.head(2), tmp_path / "x.docx", titel="T")
    assert not (tmp_path / "x.docx").exists()


def test_east_asian_font_per_script():
    assert east_asian_font("扶手椅") == ("SimSun", "zh-CN")
    assert east_asian_font("ひじ掛け椅子") == ("MS Mincho", "ja-JP")
    assert east_asian_font("안락의자") == ("Malgun Gothic", "ko-KR")
    assert east_asian_font("Armchair") is None


def test_accessor_to_docx(hits, tmp_path):
    path = hits.patsnap.to_docx(tmp_path / "hits.docx", title="Chairs", page_size="Letter")
    document = docx.Document(path)
    assert document.paragraphs[0].text == "Chairs" and document.core_properties.title == "Chairs"
    props = document.core_properties
    assert props.author == "" and "python-docx" not in props.comments and props.created.year >= 2026
    with pytest.raises(InvalidInputError, match="page_size"):
        hits.patsnap.to_docx(tmp_path / "x.docx", page_size="A3")


@pytest.mark.slow  # LibreOffice headless renders the document: a few seconds
@pytest.mark.parametrize("page_size", ["A4", "Letter"])
def test_libreoffice_renders_every_page_with_the_banner(marked, tmp_path, page_size):
    path = write_docx(build_report(marked, title="Chairs for counsel"), tmp_path / "chairs.docx", page_size=page_size)
    done = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
                           "pdf", "--outdir", str(tmp_path), str(path)], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    pdf = tmp_path / "chairs.pdf"
    pages = pdf_pages(pdf)
    assert pages >= 4
    for page in range(1, pages + 1):
        text = pdf_text(pdf, page)
        assert BANNER in text and f"Page {page} of {pages}" in " ".join(text.split()), page
        assert words_misplaced(pdf, page) == [], page  # tables inside the margins, no text over text
    text = pdf_text(pdf)
    assert "Executive summary" in text and "Not a legal opinion" in text
    assert "扶手" in text  # CJK drawn (Noto CJK for SimSun), not boxes
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts and "Carlito" in fonts

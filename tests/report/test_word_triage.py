"""Counsel's marks back from a Word report (issue 25 item 5): read_triage of the .docx that write_docx wrote, after
edits made with python-docx the way Word makes them (a mark changed in a row, with Track Changes on or off; a
reply to a comment; a new comment), and hostile .docx files refused fast with a message in words."""

from __future__ import annotations

import copy
import datetime as dt
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import docx
import pandas as pd
import pytest
from docx.oxml.ns import qn
from docx.text.run import Run

from patsnap_pandas import read_triage
from patsnap_pandas.errors import InvalidInputError
from patsnap_pandas.frame.triage import TriageWarning
from tests.helpers import design_png

UTC = dt.timezone.utc
DAY_1 = "2026-12-07T09:30:17Z"
DAY_2 = dt.datetime(2026, 12, 8, 17, 5, 42, tzinfo=dt.timezone(dt.timedelta(hours=1)))  # 16:05:42 UTC
DAY_3 = dt.datetime(2026, 12, 9, 11, 0, 5, tzinfo=UTC)
COLUMNS = ["patent_pn", "relevance", "note", "marked_by", "marked_at"]
MEMORY_BOUND = 32 * 2**20


def _two_reviewers(hits: pd.DataFrame) -> pd.DataFrame:
    first, second, third = hits["patent_pn"].iloc[:3]
    out = hits.patsnap.mark(first, relevance="relevant", note="same backrest", by="Ana Li", at=DAY_1)
    out = out.patsnap.mark(second, relevance="not relevant", by="Bo Chen", at=DAY_2)
    return out.patsnap.mark(third, relevance="unsure", note="扶手 differs: " + "check the legs " * 60 + "and the seat", by="Bo Chen",
                            at=DAY_2)


def _read(path: Path) -> tuple[pd.DataFrame, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        marks = read_triage(path)
    return marks, [str(w.message) for w in caught if issubclass(w.category, TriageWarning)]


def _row(document, number: str):
    """The row of ``number`` in the candidate table (a table whose header has 'Relevance and note')."""
    for table in document.tables:
        if "Relevance and note" in table.rows[0].cells[-1].text:
            for row in table.rows[1:]:
                if number in row.cells[0].text + row.cells[3].text:
                    return row
    raise AssertionError(f"{number} has no row")


def _number_run(row) -> Run:
    """The first run of the hit's number in its row (where write_docx anchors its comment)."""
    cell = next(c for c in row.cells if c._tc.find(f".//{qn('w:hyperlink')}") is not None
                or c.text.strip()[:2].isalpha())
    return Run(next(cell._tc.iter(qn("w:r"))), cell.paragraphs[0])


def _comment(document, row, text: str, author: str, when: dt.datetime) -> None:
    """A comment on the hit's number, as Word adds a new one or a reply (a reply is anchored on the same text)."""
    comment = document.add_comment(_number_run(row), text=text, author=author, initials=author[:2].upper())
    comment._comment_elm.date = when.astimezone(UTC).replace(tzinfo=None)


def _retype_tracked(row, value: str | None, author: str, when: dt.datetime) -> None:
    """Replace the mark with ``value`` (None: delete it) as Word does with Track Changes on: the old runs in
    w:del, the new in w:ins."""
    first = row.cells[-1].paragraphs[0]._p
    deleted = first.makeelement(qn("w:del"), {qn("w:id"): "901", qn("w:author"): author,
                                              qn("w:date"): f"{when:%Y-%m-%dT%H:%M:%SZ}"})
    for r in first.findall(qn("w:r")):
        for t in r.findall(qn("w:t")):
            t.tag = qn("w:delText")
        deleted.append(r)
    inserted = first.makeelement(qn("w:ins"), {qn("w:id"): "902", qn("w:author"): author,
                                               qn("w:date"): f"{when:%Y-%m-%dT%H:%M:%SZ}"})
    new = copy.deepcopy(deleted[0])
    new.find(qn("w:delText")).tag = qn("w:t")
    new.find(qn("w:t")).text = value
    inserted.append(new)
    first.append(deleted)
    if value is not None:
        first.append(inserted)


def test_a_word_round_trip_keeps_marks_notes_and_who_and_when_of_two_reviewers_on_two_days(hits, tmp_path):
    marked = _two_reviewers(hits)
    marks, warned = _read(marked.patsnap.to_docx(tmp_path / "r.docx"))
    assert warned == [] and marks.attrs["triage_report"] == {"formulas": [], "conflicts": []}
    back = hits.patsnap.apply_triage(marks)
    pd.testing.assert_frame_equal(back[COLUMNS], marked[COLUMNS])  # to the second; the long note in full
    assert marks["marked_at"].tolist()[:2] == ["2026-12-07T09:30:17Z", "2026-12-08T16:05:42Z"]


def test_a_batch_round_trip_keeps_each_products_marks_apart(client, corpus, tmp_path):
    catalogue = pd.DataFrame({"sku": ["C-1", "L-2"], "photo": [design_png(corpus, 60), design_png(corpus, 61)]})
    batch = catalogue.patsnap.search_each("photo", label_column="sku", limit=4, client=client, progress=False)
    batch = batch.patsnap.mark(batch["rank"] == 1, relevance="relevant", note="close", by="Ana Li", at=DAY_1)
    batch = batch.patsnap.mark((batch["rank"] == 2) & (batch["query"] == "L-2"), relevance="unsure", by="Bo Chen",
                               at=DAY_2)
    marks, warned = _read(batch.patsnap.to_docx(tmp_path / "batch.docx"))
    assert warned == [] and sorted(set(marks["query"])) == ["C-1", "L-2"] and len(marks) == len(batch)
    back = batch.patsnap.apply_triage(marks)
    pd.testing.assert_frame_equal(back[[*COLUMNS, "query"]], batch[[*COLUMNS, "query"]])


def test_counsel_changes_a_mark_in_a_row_with_track_changes_on(hits, tmp_path):
    marked = _two_reviewers(hits)
    path = marked.patsnap.to_docx(tmp_path / "r.docx")
    document = docx.Document(path)
    second = marked["patent_pn"].iloc[1]
    _retype_tracked(_row(document, second), "Relevant", "Cy Park", DAY_3)
    document.save(path)
    marks, warned = _read(path)
    got = marks.set_index("patent_pn").loc[second, ["relevance", "marked_by", "marked_at"]].tolist()
    assert got == ["relevant", "Cy Park", "2026-12-09T11:00:05Z"] and warned == []  # Word's author and date
    assert marks.set_index("patent_pn").loc[marked["patent_pn"].iloc[0], "marked_by"] == "Ana Li"  # others kept


def test_a_mark_deleted_with_track_changes_on_is_cleared_although_its_older_comment_says_relevant(hits, tmp_path):
    marked = _two_reviewers(hits)
    path = marked.patsnap.to_docx(tmp_path / "r.docx")
    document = docx.Document(path)
    first = marked["patent_pn"].iloc[0]
    _retype_tracked(_row(document, first), None, "Cy Park", DAY_3)
    document.save(path)
    marks, warned = _read(path)
    got = marks.set_index("patent_pn").loc[first, ["relevance", "marked_by", "marked_at"]].tolist()
    assert got == [pd.NA, "Cy Park", "2026-12-09T11:00:05Z"] and warned == []


def test_a_mark_typed_with_track_changes_off_is_the_last_savers_at_the_save_time(hits, tmp_path):
    marked = _two_reviewers(hits)
    path = marked.patsnap.to_docx(tmp_path / "r.docx")
    document = docx.Document(path)
    fourth = marked["patent_pn"].iloc[3]
    row = _row(document, fourth)
    row.cells[-1].paragraphs[0].add_run("unsure")
    row.cells[-1].add_paragraph("the base is close")
    document.core_properties.last_modified_by = "Cy Park"  # as Word sets them when Cy saves
    document.core_properties.modified = DAY_3.replace(tzinfo=None)
    document.save(path)
    marks, warned = _read(path)
    got = marks.set_index("patent_pn").loc[fourth, ["relevance", "note", "marked_by", "marked_at"]].tolist()
    assert got == ["unsure", "the base is close", "Cy Park", "2026-12-09T11:00:05Z"] and warned == []


def test_a_later_reply_changes_the_mark_and_the_disagreeing_row_is_reported(hits, tmp_path):
    marked = _two_reviewers(hits)
    path = marked.patsnap.to_docx(tmp_path / "r.docx")
    document = docx.Document(path)
    first = marked["patent_pn"].iloc[0]
    _comment(document, _row(document, first), "Not relevant: the legs differ", "Bo Chen", DAY_3)
    document.save(path)
    marks, warned = _read(path)
    got = marks.set_index("patent_pn").loc[first, ["relevance", "note", "marked_by", "marked_at"]].tolist()
    assert got == ["not relevant", "the legs differ", "Bo Chen", "2026-12-09T11:00:05Z"]
    assert len(warned) == 1 and f"{first}: the row says 'relevant', a comment by Bo Chen of 2026-12-09 11:00 UTC " \
        "says 'not relevant'" in warned[0], warned
    (conflict,) = marks.attrs["triage_report"]["conflicts"]
    assert conflict["relevance"] == ["relevant", "not relevant"] and conflict["kept"].startswith("a comment by Bo")


def test_a_comment_of_word_365_is_dated_by_its_utc_time_not_its_local_one(hits, tmp_path):
    """Word writes w:date in the reviewer's local time (here Berlin, 12:00) and the UTC time in dateUtc."""
    path = hits.patsnap.to_docx(tmp_path / "r.docx")
    document = docx.Document(path)
    first = hits["patent_pn"].iloc[0]
    _comment(document, _row(document, first), "unsure: the seat", "Dana Roe", DAY_3 + dt.timedelta(hours=1))
    last = document.comments.get(0)._comment_elm.findall(qn("w:p"))[-1]
    last.set("{http://schemas.microsoft.com/office/word/2010/wordml}paraId", "1A2B3C4D")
    document.save(path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("word/commentsIds.xml", '<w16cid:commentsIds xmlns:w16cid="http://schemas.microsoft.com/'
                         'office/word/2016/wordml/cid"><w16cid:commentId w16cid:paraId="1A2B3C4D" '
                         'w16cid:durableId="7E8F9A0B"/></w16cid:commentsIds>')
        archive.writestr("word/commentsExtensible.xml", '<w16cex:commentsExtensible xmlns:w16cex="http://schemas.'
                         'microsoft.com/office/word/2018/wordml/cex"><w16cex:commentExtensible w16cex:durableId='
                         '"7E8F9A0B" w16cex:dateUtc="2026-12-09T11:00:05Z"/></w16cex:commentsExtensible>')
    marks, _ = _read(path)
    assert marks.set_index("patent_pn").loc[first, ["relevance", "marked_at"]].tolist() == [
        "unsure", "2026-12-09T11:00:05Z"]


def test_an_older_comment_or_one_without_a_mark_word_leaves_the_row_as_it_is(hits, tmp_path):
    marked = _two_reviewers(hits)
    path = marked.patsnap.to_docx(tmp_path / "r.docx")
    document = docx.Document(path)
    first, second = marked["patent_pn"].iloc[:2]
    _comment(document, _row(document, first), "unsure: before the meeting", "Cy Park",
             dt.datetime(2026, 12, 1, tzinfo=UTC))  # before Ana's mark
    _comment(document, _row(document, second), "relevant to the other case, not this one", "Cy Park", DAY_3)
    document.save(path)
    marks, warned = _read(path)
    assert warned == [] and marks.attrs["triage_report"]["conflicts"] == []
    pd.testing.assert_frame_equal(hits.patsnap.apply_triage(marks)[COLUMNS], marked[COLUMNS])


def test_a_new_comment_marks_an_unmarked_hit(hits, tmp_path):
    path = hits.patsnap.to_docx(tmp_path / "r.docx")  # nothing marked yet
    document = docx.Document(path)
    last = hits["patent_pn"].iloc[-1]
    _comment(document, _row(document, last), "relevant — same armrest", "Dana Roe", DAY_3)
    document.save(path)
    marks, warned = _read(path)
    assert warned == [] and marks["relevance"].notna().sum() == 1
    assert marks.set_index("patent_pn").loc[last].tolist() == ["relevant", "same armrest", "Dana Roe",
                                                               "2026-12-09T11:00:05Z"]


def test_a_changed_note_in_a_row_comes_back(hits, tmp_path):
    marked = _two_reviewers(hits)
    path = marked.patsnap.to_docx(tmp_path / "r.docx")
    document = docx.Document(path)
    first = marked["patent_pn"].iloc[0]
    note = _row(document, first).cells[-1].paragraphs[-1]
    assert note.text == "same backrest"
    note.runs[0].text = "same backrest and seat"
    document.save(path)
    marks, _ = _read(path)
    assert marks.set_index("patent_pn").loc[first, "note"] == "same backrest and seat"


# --- hostile and foreign files -------------------------------------------------------------------

def _refused(path: Path, match: str, **limits) -> str:
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInputError, match=match) as caught:
            read_triage(path, **limits)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BOUND, f"{peak / 2**20:.0f} MB"
    return str(caught.value)


def _docx(path: Path, document: bytes | list[bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A minimal .docx whose word/document.xml is ``document`` (byte chunks streamed into the zip)."""
    with zipfile.ZipFile(path, "w", compression, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as part:
            for chunk in [document] if isinstance(document, bytes) else document:
                part.write(chunk)
    return path


W = b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'


def test_files_that_are_no_word_report_say_what_they_are(tmp_path):
    (tmp_path / "csv.docx").write_text("Number,Relevance\nUSD1S,relevant\n")
    _refused(tmp_path / "csv.docx", r"named \.docx but it is a text file \(a CSV\?\), not a Word document\. "
                                    r"read_triage reads .* or a Word report \(\.docx\)")
    with zipfile.ZipFile(tmp_path / "book.docx", "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    _refused(tmp_path / "book.docx", r"a zip archive but not a Word document \(it has no word/document.xml: an "
                                     r"Excel or PowerPoint file")
    letter = docx.Document()  # a Word document of another program: no candidate table
    letter.add_paragraph("Dear counsel, relevant: all of them.")
    letter.add_table(rows=2, cols=2).cell(0, 0).text = "Number"
    letter.save(tmp_path / "letter.docx")
    _refused(tmp_path / "letter.docx", r"no table with the headers 'Number' and 'Relevance and note' \(expected a "
                                       r"Word report written by write_docx")
    _docx(tmp_path / "broken.docx", W + b"<w:tbl><w:tr>")
    _refused(tmp_path / "broken.docx", r"its part 'word/document.xml' is not valid XML")


def test_a_docx_zip_bomb_is_refused_before_anything_is_decompressed(tmp_path):
    path = _docx(tmp_path / "bomb.docx", [W] + [b" " * 2**20] * 300)  # 300 MB of spaces in about 300 KB
    message = _refused(path, r"its parts would take 300\.\d MB once uncompressed .*zip bomb")
    assert "max_bytes=" in message and "Split the file" in message
    path = _docx(tmp_path / "ratio.docx", [W] + [b" " * 2**20] * 4)
    _refused(path, r"a zip bomb: its part 'word/document.xml' would grow [\d,]+ times")


def test_huge_xml_with_millions_of_rows_is_refused_while_counting(tmp_path):
    row = b"<w:tr><w:tc><w:p/></w:tc></w:tr>"
    path = _docx(tmp_path / "rows.docx", [W, b"<w:tbl>"] + [row * 1000] * 210 + [b"</w:tbl></w:body></w:document>"],
                 compression=zipfile.ZIP_STORED)
    _refused(path, r"the document has more than 200,000 table rows; read_triage reads at most 200,000 rows "
                   r"\(max_rows=200000")
    _refused(path, r"the document has more than 1,000 table cells; read_triage reads at most 1,000 cells",
             max_cells=1000, max_rows=10**6)


def test_entities_are_refused_never_expanded(tmp_path):
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
                         for i in range(1, 10))
              + b"]>" + W[:-len(b"<w:body>")] + b"<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>")
    path = _docx(tmp_path / "laughs.docx", laughs, compression=zipfile.ZIP_STORED)
    _refused(path, r"its part 'word/document.xml' declares a document type \(entities\), which no Word document does")


@pytest.mark.slow  # LibreOffice opens and saves the document: a few seconds
def test_a_report_saved_again_by_libreoffice_keeps_every_mark_and_seconds_stay_hidden(hits, tmp_path):
    """Counsel without Word: LibreOffice keeps the rows, the comments and their anchors, and the hidden seconds,
    which its PDF does not show."""
    import subprocess

    from tests.helpers import pdf_text

    marked = _two_reviewers(hits)
    path = marked.patsnap.to_docx(tmp_path / "r.docx")
    for kind in ("docx", "pdf"):
        done = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
                               kind, "--outdir", str(tmp_path / "lo"), str(path)], capture_output=True, text=True,
                              timeout=180)
        assert done.returncode == 0, done.stderr
    marks, warned = _read(tmp_path / "lo" / "r.docx")
    assert warned == []
    pd.testing.assert_frame_equal(hits.patsnap.apply_triage(marks)[COLUMNS], marked[COLUMNS])
    text = " ".join(pdf_text(tmp_path / "lo" / "r.pdf").split())
    assert "by Ana Li, 2026-12-07 09:30 UTC" in text and "09:30:17" not in text


def test_a_prior_art_report_round_trip_keeps_who_and_when(evidence, tmp_path):
    from patsnap_pandas.report import prior_art_report, write_docx

    marked = _two_reviewers(evidence)
    report = prior_art_report(marked, None, {"before": "2030-01-01", "utility_models": True})
    marks, warned = _read(write_docx(report, tmp_path / "prior-art.docx"))
    assert warned == [] and len(marks) == len(evidence)
    pd.testing.assert_frame_equal(evidence.patsnap.apply_triage(marks)[COLUMNS], marked[COLUMNS])


def test_a_clearance_reports_word_file_says_where_its_marks_are(clearance_frames, tmp_path):
    from patsnap_pandas.report import clearance_report, write_docx

    kept, excluded, provenance = clearance_frames
    path = write_docx(clearance_report(_two_reviewers(kept), excluded, provenance), tmp_path / "clearance.docx")
    _refused(path, r"no table with the headers 'Number' and 'Relevance and note' .* This is a clearance report, "
                   r"whose Word tables hold no marks: read them back from its Excel report \(write_excel\)\.")


def test_a_mark_typed_loosely_is_read_and_a_word_that_is_no_mark_is_refused_naming_the_hit(hits, tmp_path):
    marked = _two_reviewers(hits)
    path = marked.patsnap.to_docx(tmp_path / "r.docx")
    document = docx.Document(path)
    first, second = marked["patent_pn"].iloc[:2]
    _row(document, second).cells[-1].paragraphs[0].runs[0].text = "Not Relevant."
    document.save(path)
    marks, _ = _read(path)
    assert marks.set_index("patent_pn").loc[second, "relevance"] == "not relevant"
    _row(document, first).cells[-1].paragraphs[0].runs[0].text = "maybe"
    document.save(path)
    with pytest.raises(InvalidInputError, match=rf"^the row of {first}: relevance='maybe' is not valid: unknown "
                                                r"relevance.*'relevant'"):
        read_triage(path)

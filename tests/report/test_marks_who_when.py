"""Marks with who and when (issue 25 item 5): recorded on the frame, kept in the store's history (local and
Redis), shown in HTML, PDF and Excel, and kept by the Excel round trip. Clocks are injected (``at=``), never slept."""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
import pandas as pd
import pytest

from patsnap_pandas import read_triage
from patsnap_pandas.errors import InvalidInputError
from patsnap_pandas.store.redis_backend import RedisBackend
from tests.helpers import pdf_text

DAY_1 = "2026-12-07T09:30:00Z"
DAY_2 = dt.datetime(2026, 12, 8, 17, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))  # 16:05 UTC


def _two_reviewers(hits: pd.DataFrame) -> pd.DataFrame:
    first, second = hits["patent_pn"].iloc[0], hits["patent_pn"].iloc[1]
    out = hits.patsnap.mark(first, relevance="relevant", note="same backrest", by="Ana Li", at=DAY_1)
    return out.patsnap.mark(second, relevance="not relevant", by="Bo Chen", at=DAY_2)


def _plain(markup: str) -> str:
    """The text a reader sees: tags and soft breaks gone, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", "", markup.replace("<wbr>", "")).split())


def test_mark_records_who_and_when_in_utc(hits):
    marked = _two_reviewers(hits)
    assert marked.loc[0, ["relevance", "marked_by", "marked_at"]].tolist() == ["relevant", "Ana Li", DAY_1]
    assert marked.loc[1, ["relevance", "marked_by", "marked_at"]].tolist() == ["not relevant", "Bo Chen",
                                                                               "2026-12-08T16:05:00Z"]
    assert marked["marked_by"].iloc[2:].isna().all() and "marked_by" not in hits.columns  # hits unchanged


def test_the_reviewer_defaults_to_the_setting_and_is_checked_before_anything_is_kept(hits, monkeypatch):
    monkeypatch.setenv("PATSNAP_REVIEWER", "  Counsel  Office ")
    first = hits["patent_pn"].iloc[0]
    assert hits.patsnap.mark(first, relevance="unsure").loc[0, "marked_by"] == "Counsel Office"
    before = len(hits.patsnap.mark_history())
    for bad in ("", "x" * 81, "bell\x07", 42):
        with pytest.raises(InvalidInputError, match=r"^by=.* is not valid"):
            hits.patsnap.mark(first, relevance="relevant", by=bad)
    with pytest.raises(InvalidInputError, match=r"^at='yesterday' is not valid"):
        hits.patsnap.mark(first, relevance="relevant", at="yesterday")
    monkeypatch.setenv("PATSNAP_REVIEWER", "\x07")
    with pytest.raises(InvalidInputError, match="PATSNAP_REVIEWER"):
        hits.patsnap.mark(first, relevance="relevant")
    assert len(hits.patsnap.mark_history()) == before  # nothing kept of a refused mark


def test_reports_show_the_latest_mark_with_reviewer_and_date(hits, tmp_path):
    marked = _two_reviewers(hits)
    page = _plain(marked.patsnap.to_html(tmp_path / "r.html").read_text(encoding="utf-8"))
    assert "by Ana Li, 2026-12-07 09:30 UTC" in page and "by Bo Chen, 2026-12-08 16:05 UTC" in page
    text = " ".join(pdf_text(marked.patsnap.to_pdf(tmp_path / "r.pdf")).split())
    assert "by Ana Li, 2026-12-07 09:30 UTC" in text and "by Bo Chen, 2026-12-08 16:05 UTC" in text
    sheet = openpyxl.load_workbook(marked.patsnap.to_excel(tmp_path / "r.xlsx"))["Hits"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(r for r in rows if "Number" in r)
    by, at = header.index("Marked by"), header.index("Marked at (UTC)")
    found = {r[header.index("Number")]: (r[by], r[at]) for r in rows[rows.index(header) + 1:]}
    assert found[marked["patent_pn"].iloc[0]] == ("Ana Li", dt.datetime(2026, 12, 7, 9, 30))
    assert found[marked["patent_pn"].iloc[1]] == ("Bo Chen", dt.datetime(2026, 12, 8, 16, 5))


def test_excel_round_trip_keeps_who_and_when(hits, tmp_path):
    marked = _two_reviewers(hits)
    marks = read_triage(marked.patsnap.to_excel(tmp_path / "r.xlsx"))
    back = hits.patsnap.apply_triage(marks)
    columns = ["patent_pn", "relevance", "note", "marked_by", "marked_at"]
    pd.testing.assert_frame_equal(back[columns], marked[columns])


def test_history_in_the_cache_folder_keeps_every_mark_across_clients_and_cache_clear(hits, client, make_client):
    first = hits["patent_pn"].iloc[0]
    marked = hits.patsnap.mark(first, relevance="unsure", by="Ana Li", at=DAY_1)
    marked = marked.patsnap.mark(first, relevance="relevant", note="same legs", by="Bo Chen", at=DAY_2)
    client.store.clear()  # the cache is emptied; people's marks are not
    again = make_client()  # the same cache folder, another client (as a new session)
    history = marked.patsnap.mark_history(client=again)
    assert history[["patent_pn", "relevance", "marked_by", "marked_at"]].values.tolist() == [
        [first, "unsure", "Ana Li", DAY_1], [first, "relevant", "Bo Chen", "2026-12-08T16:05:00Z"]]
    assert (client.cache_dir / "marks.sqlite").is_file()


def test_history_in_the_teams_redis_is_seen_by_everyone_sharing_it(hits, make_client, patsnap_redis):
    ana = make_client(name="ana", cache_url=patsnap_redis)
    bo = make_client(name="bo", cache_url=patsnap_redis)
    first = hits["patent_pn"].iloc[0]
    marked = hits.patsnap.mark(first, relevance="unsure", by="Ana Li", at=DAY_1, client=ana)
    marked.patsnap.mark(first, relevance="relevant", by="Bo Chen", at=DAY_2, client=bo)
    assert isinstance(bo.store, RedisBackend)
    bo.store.clear()
    history = hits.patsnap.mark_history(client=ana)
    assert history[["marked_by", "relevance"]].values.tolist() == [["Ana Li", "unsure"], ["Bo Chen", "relevant"]]
    other = RedisBackend(patsnap_redis)
    try:
        assert [e["marked_by"] for e in other.mark_log().read([first.lower()])] == ["Ana Li", "Bo Chen"]
    finally:
        other.close()


def test_a_clearance_workbook_round_trip_keeps_who_and_when(clearance_frames, tmp_path):
    from patsnap_pandas.report import clearance_report, write_excel

    kept, excluded, provenance = clearance_frames
    marked = _two_reviewers(kept)
    path = write_excel(clearance_report(marked, excluded, provenance), tmp_path / "clearance.xlsx")
    back = kept.patsnap.apply_triage(read_triage(path))
    columns = ["patent_pn", "relevance", "marked_by", "marked_at"]
    pd.testing.assert_frame_equal(back[columns], marked[columns])


def test_a_hostile_reviewer_name_is_text_everywhere(hits, tmp_path):
    from tests.helpers import HOSTILE_TITLE, assert_safe_html

    name = "=HYPERLINK(\"http://x\")" + HOSTILE_TITLE
    marked = hits.patsnap.mark(hits["patent_pn"].iloc[0], relevance="relevant", by=name, at=DAY_1)
    page = marked.patsnap.to_html(tmp_path / "r.html").read_text(encoding="utf-8")
    assert_safe_html(page, "a report with a hostile reviewer name")
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.replace("<wbr>", "")
    sheet = openpyxl.load_workbook(marked.patsnap.to_excel(tmp_path / "r.xlsx"))["Hits"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value == name]
    assert cells and all(c.data_type == "s" for c in cells)  # text, never a formula


@pytest.mark.parametrize("page_size", ["A4", "Letter"])
def test_who_and_when_fit_the_pdf_page(hits, tmp_path, page_size):
    from tests.helpers import pdf_pages, words_misplaced

    marked = hits
    for i, pn in enumerate(hits["patent_pn"]):
        marked = marked.patsnap.mark(pn, relevance=("relevant", "not relevant", "unsure")[i % 3],
                                     note=f"checked-{i} against the outline", by="Anastasia Papadopoulou-Whitfield",
                                     at=DAY_2)
    path = marked.patsnap.to_pdf(tmp_path / "r.pdf", page_size=page_size)
    assert [(page, words_misplaced(path, page)) for page in range(1, pdf_pages(path) + 1)
            if words_misplaced(path, page)] == []
    text = " ".join(pdf_text(path).split())
    assert text.count("2026-12-08 16:05 UTC") >= len(hits)  # every row says when (cards too)


def test_counsel_signs_a_mark_in_excel_and_it_comes_back(hits, tmp_path):
    path = hits.patsnap.to_excel(tmp_path / "r.xlsx")  # nothing marked yet: the columns are there to fill
    book = openpyxl.load_workbook(path)
    sheet = book["Hits"]
    header_row = next(row for row in sheet.iter_rows() if any(c.value == "Number" for c in row))
    at = {c.value: c.column for c in header_row}
    first = header_row[0].row + 1
    sheet.cell(first, at["Relevance"]).value = "Relevant"
    sheet.cell(first, at["Marked by"]).value = "  C. Counsel "
    sheet.cell(first, at["Marked at (UTC)"]).value = dt.datetime(2026, 12, 9, 14, 0)
    book.save(path)
    back = hits.patsnap.apply_triage(read_triage(path))
    assert back.loc[0, ["relevance", "marked_by", "marked_at"]].tolist() == ["relevant", "C. Counsel",
                                                                             "2026-12-09T14:00:00Z"]
    assert back["marked_by"].iloc[1:].isna().all()


def test_a_batch_workbook_round_trip_keeps_the_product_and_who_and_when(client, corpus, tmp_path):
    from tests.helpers import design_png

    catalogue = pd.DataFrame({"sku": ["C-1", "C-1b"], "photo": [design_png(corpus, 5), design_png(corpus, 5)]})
    batch = catalogue.patsnap.search_each("photo", label_column="sku", limit=3, client=client, progress=False)
    first = batch["patent_pn"].iloc[0]
    assert (batch["patent_pn"] == first).sum() == 2  # the same design under both products
    marked = batch.patsnap.mark((batch["patent_pn"] == first) & (batch["query"] == "C-1b"), relevance="relevant",
                                by="Ana Li", at=DAY_1)
    marks = read_triage(marked.patsnap.to_excel(tmp_path / "batch.xlsx"))
    assert "query" in marks.columns  # the Product column is read back
    back = batch.patsnap.apply_triage(marks)
    columns = ["query", "patent_pn", "relevance", "marked_by", "marked_at"]
    pd.testing.assert_frame_equal(back[columns], marked[columns])

"""Triage: relevance / note columns, mark(), read_triage(), apply_triage(); marks survive the usual trips."""

from __future__ import annotations

import warnings

import openpyxl
import pandas as pd
import pytest

from patsnap_pandas import InvalidInputError, read_triage, search_designs
from patsnap_pandas.frame.schema import RELEVANCE_VALUES, concat_frames
from patsnap_pandas.frame.triage import TriageWarning
from tests.helpers import design_png


def test_new_frames_have_empty_triage_columns(client, corpus):
    hits = search_designs(design_png(corpus, 2), client=client, limit=4)
    assert str(hits["relevance"].dtype) == "string" and str(hits["note"].dtype) == "string"
    assert hits["relevance"].isna().all() and hits["note"].isna().all()


def test_mark_by_mask_and_by_number_and_bad_values(hits):
    first, second = hits["patent_pn"].iloc[0], hits["patent_pn"].iloc[1]
    marked = hits.patsnap.mark(hits["rank"] <= 2, relevance="Relevant", note="same silhouette")
    marked = marked.patsnap.mark(second, relevance="unsure")
    marked = marked.patsnap.mark([hits["patent_pn"].iloc[3]], note="ask the designer")
    assert marked["relevance"].tolist()[:4] == ["relevant", "unsure", pd.NA, pd.NA]
    assert marked["note"].tolist()[:4] == ["same silhouette", "same silhouette", pd.NA, "ask the designer"]
    assert hits["relevance"].isna().all()  # the input is unchanged
    assert marked.attrs == hits.attrs
    cleared = marked.patsnap.mark(first, relevance="", note="")
    assert cleared["relevance"].isna().iloc[0] and cleared["note"].isna().iloc[0]
    with pytest.raises(InvalidInputError, match=r"^relevance='maybe' is not valid: unknown relevance\. Allowed: 'relevant', 'not relevant' or "
                                                r"'unsure' \(case and spaces ignored\), or an empty value\.$"):
        hits.patsnap.mark(first, relevance="maybe")
    with pytest.raises(InvalidInputError, match=r"XX123.*not in df"):
        hits.patsnap.mark(["XX123"], relevance="relevant")
    with pytest.raises(InvalidInputError, match="relevance= and/or note="):
        hits.patsnap.mark(first)
    assert set(RELEVANCE_VALUES) == {"relevant", "not relevant", "unsure"}


def test_marks_survive_more_enrich_concat_parquet_and_csv(client, corpus, tmp_path):
    hits = search_designs(design_png(corpus, 7), client=client, limit=5)
    hits = hits.patsnap.mark(hits["rank"] == 1, relevance="relevant", note="closest")
    page2 = hits.patsnap.more(5)
    page2 = page2.patsnap.mark(page2["rank"] == 6, relevance="not relevant")
    both = concat_frames([hits, page2]).patsnap.enrich()
    assert both["relevance"].tolist()[0] == "relevant" and both["relevance"].tolist()[5] == "not relevant"
    assert both["note"].tolist()[0] == "closest"
    both.to_parquet(tmp_path / "hits.parquet")
    back = pd.read_parquet(tmp_path / "hits.parquet")
    assert back["relevance"].tolist() == both["relevance"].tolist()
    both.to_csv(tmp_path / "hits.csv", index=False)
    reread = pd.read_csv(tmp_path / "hits.csv")
    fresh = search_designs(design_png(corpus, 7), client=client, limit=10)
    merged = fresh.patsnap.apply_triage(read_triage(tmp_path / "hits.csv"))
    assert merged["relevance"].tolist() == both["relevance"].tolist()
    assert merged["note"].tolist() == both["note"].tolist()
    assert reread["relevance"].iloc[0] == "relevant"


def test_excel_round_trip_with_a_cell_edited_in_openpyxl(hits, tmp_path):
    marked = hits.patsnap.mark(hits["rank"] == 1, relevance="relevant", note="counsel: check")
    path = marked.patsnap.to_excel(tmp_path / "report.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["Hits"]
    header_row = next(r for r in sheet.iter_rows() if any(c.value == "Relevance" for c in r))
    col = {c.value: c.column for c in header_row}
    first = header_row[0].row + 1
    number_of_row_3 = sheet.cell(first + 2, col["Number"]).value
    sheet.cell(first + 2, col["Relevance"]).value = "Not relevant"   # counsel picks from the drop-down
    sheet.cell(first + 2, col["Note"]).value = "different legs"
    book.save(path)

    marks = read_triage(path)
    assert list(marks.columns[:3]) == ["patent_pn", "relevance", "note"]
    row = marks[marks["patent_pn"] == number_of_row_3].iloc[0]
    assert row["relevance"] == "not relevant" and row["note"] == "different legs"
    back = hits.patsnap.apply_triage(marks)
    assert back.loc[back["patent_pn"] == number_of_row_3, "relevance"].item() == "not relevant"
    assert back.loc[back["rank"] == 1, "relevance"].item() == "relevant"
    assert back.loc[back["rank"] == 1, "note"].item() == "counsel: check"
    assert back["relevance"].notna().sum() == 2


def test_read_triage_names_a_bad_value_and_its_row(hits, tmp_path):
    bad = pd.DataFrame({"patent_pn": hits["patent_pn"].iloc[:2], "relevance": ["relevant", "yes!"]})
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(InvalidInputError, match=r"row 3: relevance='yes!' is not valid"):
        read_triage(tmp_path / "bad.csv")
    with pytest.raises(InvalidInputError, match=r"expected a file ending in"):
        read_triage(tmp_path / "marks.txt")


def test_apply_triage_warns_about_patents_not_in_the_frame(hits):
    marks = pd.DataFrame({"patent_pn": ["ZZ999S", hits["patent_pn"].iloc[0]], "relevance": ["relevant", "unsure"]})
    with pytest.warns(UserWarning, match=r"1 marked patent\(s\) are not in df.*ZZ999S"):
        out = hits.patsnap.apply_triage(marks)
    assert out["relevance"].iloc[0] == "unsure"


def _hits_sheet(path):
    """The workbook, its Hits sheet, column number by header, and the first hit's row."""
    book = openpyxl.load_workbook(path)
    sheet = book["Hits"]
    header_row = next(r for r in sheet.iter_rows() if any(c.value == "Relevance" for c in r))
    return book, sheet, {c.value: c.column for c in header_row}, header_row[0].row + 1


def test_formula_cells_are_reported_and_their_rows_left_out_not_dropped_silently(hits, tmp_path):
    path = hits.patsnap.to_excel(tmp_path / "report.xlsx")
    book, sheet, col, first = _hits_sheet(path)
    numbers = [sheet.cell(first + i, col["Number"]).value for i in range(3)]
    sheet.cell(first, col["Relevance"]).value = '=IF(1=1,"relevant","")'  # counsel typed a formula
    sheet.cell(first + 1, col["Relevance"]).value = "Unsure"
    sheet.cell(first + 1, col["Note"]).value = '=CONCAT("see ","row 1")'
    sheet.cell(first + 2, col["Relevance"]).value = "Relevant"
    book.save(path)

    with pytest.warns(TriageWarning, match=rf"2 row\(s\) left out: a cell holds an Excel formula, which read_triage "
                                           rf"does not evaluate: row {first} Relevance '=IF\(1=1,\"relevant\",\"\"\)'; "
                                           rf"row {first + 1} Note .*Type the value"):
        marks = read_triage(path)
    assert marks.attrs["triage_report"]["formulas"] == [
        {"row": first, "column": "Relevance", "formula": '=IF(1=1,"relevant","")'},
        {"row": first + 1, "column": "Note", "formula": '=CONCAT("see ","row 1")'}]
    assert numbers[0] not in set(marks["patent_pn"]) and numbers[1] not in set(marks["patent_pn"])
    assert marks.loc[marks["patent_pn"] == numbers[2], "relevance"].item() == "relevant"
    # A mark already in the frame is not cleared by a row that was left out.
    before = hits.patsnap.mark(numbers[0], relevance="not relevant")
    after = before.patsnap.apply_triage(marks)
    assert after.loc[after["patent_pn"] == numbers[0], "relevance"].item() == "not relevant"


def test_a_hit_marked_differently_in_two_rows_is_reported_and_the_last_applies(hits, tmp_path):
    path = hits.patsnap.to_excel(tmp_path / "report.xlsx")
    book, sheet, col, first = _hits_sheet(path)
    number = sheet.cell(first, col["Number"]).value
    query = sheet.cell(first, col["Query"]).value if "Query" in col else None
    same = sheet.cell(first + 1, col["Number"]).value
    sheet.cell(first, col["Relevance"]).value = "Relevant"
    sheet.cell(first + 1, col["Relevance"]).value = "Unsure"
    last = sheet.max_row + 1
    for row, (pn, mark, note) in enumerate([(number, "Not relevant", "other legs"), (same, "Unsure", None)], last):
        sheet.cell(row, col["Number"]).value = pn
        sheet.cell(row, col["Relevance"]).value = mark
        sheet.cell(row, col["Note"]).value = note
        if query is not None:
            sheet.cell(row, col["Query"]).value = query
    book.save(path)

    with pytest.warns(TriageWarning, match=rf"1 hit\(s\) marked differently in several rows: {number}.* in rows "
                                           rf"{first}, {last}: 'relevant' vs 'not relevant' \('other legs'\)\. "
                                           "apply_triage applies the last of them"):
        marks = read_triage(path)
    (conflict,) = marks.attrs["triage_report"]["conflicts"]  # the same mark twice is no conflict
    assert conflict == {"patent_pn": number, "query": query, "rows": [first, last],
                        "relevance": ["relevant", "not relevant"], "note": [None, "other legs"]}
    applied = hits.patsnap.apply_triage(marks)
    assert applied.loc[applied["patent_pn"] == number, ["relevance", "note"]].iloc[0].tolist() == [
        "not relevant", "other legs"]


def test_the_same_patent_under_two_queries_is_no_conflict(tmp_path):
    marks = pd.DataFrame({"patent_pn": ["USD1S", "USD1S"], "relevance": ["relevant", "not relevant"],
                          "query": ["chair", "lamp"]})
    marks.to_csv(tmp_path / "batch.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        back = read_triage(tmp_path / "batch.csv")
    assert back.attrs["triage_report"] == {"formulas": [], "conflicts": []}
    assert back["relevance"].tolist() == ["relevant", "not relevant"]

"""Owners and dates from every field PatSnap gives (issue 25 item 3): a live-like report names the owners from
``current_assignee`` / ``pbdt`` without enrichment, and no writer ever tells counsel to "enrich"."""

from __future__ import annotations

import html

import openpyxl
import pandas as pd
import pytest

from patsnap_pandas import search_designs
from patsnap_pandas.frame import parties
from patsnap_pandas.frame.owners import owner_lists
from patsnap_pandas.report import build_report
from tests.helpers import design_png, pdf_text


@pytest.fixture
def live_like(client, corpus):
    """A multi-view search (P060/P061, as live PatSnap answers): hits carry current_assignee, original_assignee,
    pbdt, apdt and inventor, and no enrichment ran."""
    df = search_designs([design_png(corpus, 5), design_png(corpus, 9)], client=client, limit=10)
    assert {"current_assignee", "pbdt", "inventor"} <= set(df.columns) and "assignees" not in df.columns
    return df


def _squeezed(text: str) -> str:
    return "".join(text.split())


def _workbook_text(path) -> str:
    book = openpyxl.load_workbook(path)
    return "\n".join(str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row
                     if c.value is not None)


def test_a_live_like_report_names_the_owners_and_never_says_enrich(live_like, tmp_path):
    report = build_report(live_like)
    first = report.sections[0].hits[0]
    row = live_like.iloc[0].to_dict()
    assert first.assignees == parties.owner_of(row) != ""
    assert first.published == parties.date_of(row, "published").isoformat()
    assert first.inventors and report.by_assignee  # the summary per owner, from the hits themselves
    # every owner named, its spellings folded (the per-owner table shows one name per owner; cards the raw ones)
    hits = report.sections[0].hits
    owners = {name for names in owner_lists(pd.DataFrame({"current_assignee": [h.assignees for h in hits]})) for name in names}
    outputs = {
        "html": html.unescape(live_like.patsnap.to_html(tmp_path / "r.html").read_text(encoding="utf-8")),  # "&amp;"
        "pdf": pdf_text(live_like.patsnap.to_pdf(tmp_path / "r.pdf"), raw=True),  # a wrapped name in one piece
        "xlsx": _workbook_text(live_like.patsnap.to_excel(tmp_path / "r.xlsx")),
    }
    for kind, text in outputs.items():
        assert "enrich" not in text.lower(), kind
        assert all(_squeezed(name) in _squeezed(text) for name in owners), kind
        assert "Owners unknown" not in text, kind
    assert first.published in outputs["html"]


def test_without_any_owner_the_report_says_so_in_words(live_like, tmp_path):
    bare = live_like.drop(columns=[c for c in parties.OWNER_FIELDS if c in live_like.columns])
    outputs = {
        "html": " ".join(bare.patsnap.to_html(tmp_path / "r.html").read_text(encoding="utf-8").split()),
        "xlsx": _workbook_text(bare.patsnap.to_excel(tmp_path / "r.xlsx")),
    }
    for kind, text in outputs.items():
        assert "Owners unknown: PatSnap gave no assignee" in text.replace("<wbr>", ""), kind
        assert "enrich" not in text.lower(), kind


def test_summary_and_the_panel_cards_take_the_owner_from_the_hit(live_like):
    from patsnap_pandas.widgets.cards import assignee_of, card_html

    by_owner = live_like.patsnap.summary()["assignee"]
    row = live_like.iloc[0].to_dict()
    assert parties.owner_names(row)[0] in by_owner.index
    assert assignee_of(row) == parties.owner_of(row)
    day = parties.date_of(row, "published").isoformat()
    assert day in card_html(row, None)


def test_the_enriched_owner_wins_over_the_hits_fields_and_dates_fall_back():
    row = {"assignees": "Register Owner", "current_assignee": "Hit Owner", "original_assignee": "First Owner",
           "publication_date": None, "pbdt": 20210105, "apdt": "20200302"}
    assert parties.owner_of(row) == "Register Owner"
    assert parties.owner_of({**row, "assignees": None}) == "Hit Owner"
    assert parties.owner_of({"original_assignee": ["First Owner", "First Owner"]}) == "First Owner"
    assert str(parties.date_of(row, "published")) == "2021-01-05" and str(parties.date_of(row, "applied")) == "2020-03-02"
    assert parties.date_of(row, "granted") is None

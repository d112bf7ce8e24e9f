"""Clearance and prior-art reports: the model, the HTML, the PDF pages and the workbook.

The frames are a real sandbox search with the clearance job's columns added by hand
(``clearance_frames``, ``evidence`` in conftest.py): the reports take the job's data, not the job.
"""

from __future__ import annotations

import datetime as dt
import re

import openpyxl
import pytest

import patsnap_pandas
from patsnap_pandas import InvalidInputError
from patsnap_pandas.frame import words
from patsnap_pandas.report import clearance_report, comparison, prior_art_report, render_html, write_excel, write_pdf
from tests.helpers import EXPIRY_RULE, HOSTILE_TITLE, assert_safe_html, design_png, pdf_pages, pdf_text, words_misplaced

BANNER = words.SANDBOX_BANNER


def visible(page: str) -> str:
    """The page's text as a reader sees it (tags and break opportunities gone, entities decoded)."""
    return assert_safe_html(page, "report")


def test_clearance_model_says_markets_date_counts_and_reasons(clearance_frames):
    kept, excluded, provenance = clearance_frames
    report = clearance_report(kept, excluded, provenance, title="Clearance of our chair")
    job = report.job
    assert job.kind == "clearance" and job.date == dt.date(2027, 1, 1) and job.markets == ["US", "EM", "CN"]
    scope = dict(job.scope)
    assert scope["Markets"] == "United States, EUIPO (EU designs), China"
    assert scope["In force on"] == "2027-01-01"
    assert "Hits in this report" not in scope  # the counts say it, with the exclusions
    # the designs the search ranked are not "matching": only the most similar were checked, and the report says so
    total = f"{kept.attrs['total']:,}"
    assert "Designs matching" not in scope and scope["Hits checked"] == (
        f"the 12 most similar of the {total} designs the image search ranked: a design ranked lower is not in this "
        "clearance; search again with a higher limit to check more")
    counts = dict(job.counts)
    assert counts == {"Hits the image search returned": "12", "In force or pending in the markets on the date": "7",
                      "Excluded": "5", "of which expired": "2", "of which lapsed": "2", "of which not in the markets": "1"}
    assert [h.number for h in job.rows] == list(kept["patent_pn"])
    assert [h.in_force for h in job.rows] == ["in force"] * 6 + ["pending"]
    assert job.rows[0].expiry == dt.date(2036, 3, 2) and job.rows[0].expiry_rule == EXPIRY_RULE
    assert [e.number for e in job.excluded] == list(excluded["patent_pn"])
    assert job.excluded[1].reason == "lapsed: legal status: annual fee unpaid, since 2019-04-01"
    assert job.blind_spots == words.CLEARANCE_BLIND_SPOTS and job.disclaimer == words.NOT_LEGAL_OPINION
    assert report.banner == BANNER


def test_counts_come_from_the_provenance_when_the_job_gives_them(clearance_frames):
    kept, excluded, provenance = clearance_frames
    job = clearance_report(kept, excluded, {**provenance, "dropped": {"expired": 40, "outside the markets": 9}}).job
    assert dict(job.counts)["of which expired"] == "40" and dict(job.counts)["of which outside the markets"] == "9"


def test_a_reason_column_wins_over_the_status(clearance_frames):
    kept, excluded, provenance = clearance_frames
    excluded = excluded.assign(excluded_reason=["published in Japan only"] + [None] * 4)
    job = clearance_report(kept, excluded, provenance).job
    assert job.excluded[0].reason == "published in Japan only"
    assert job.excluded[1].reason.startswith("lapsed: ")


def test_a_design_in_force_but_set_aside_counts_under_its_reason(clearance_frames):
    kept, excluded, provenance = clearance_frames
    excluded = excluded.assign(in_force=["in force"] * 5, excluded_reason=["not in the markets"] * 2 + [None] * 3)
    counts = dict(clearance_report(kept, excluded, provenance).job.counts)
    assert counts["of which not in the markets"] == "2"  # not "in force": that is not why it was left out
    assert counts["of which in force: legal status: withdrawn"] == "1"  # no reason given: said as it is


def test_the_provenance_can_come_from_the_frames_attrs(clearance_frames):
    kept, excluded, provenance = clearance_frames
    kept = kept.copy()
    kept.attrs = {**kept.attrs, "markets": "US,EM", "on": "2027-01-01"}
    job = clearance_report(kept, excluded).job
    assert job.markets == ["US", "EM"] and job.date == dt.date(2027, 1, 1)


def test_bad_input_is_named(clearance_frames):
    kept, excluded, provenance = clearance_frames
    with pytest.raises(InvalidInputError, match=r"provenance\['on'\]=None is not valid: the report needs the date"):
        clearance_report(kept, excluded, {"markets": ["US"]})
    with pytest.raises(InvalidInputError, match=r"provenance\['before'\]='soon' is not valid"):
        prior_art_report(kept, None, {"before": "soon"})
    with pytest.raises(InvalidInputError, match="excluded=list is not valid"):
        clearance_report(kept, [], provenance)
    with pytest.raises(InvalidInputError, match="provenance=list is not valid"):
        clearance_report(kept, excluded, [("on", "2027-01-01")])
    with pytest.raises(InvalidInputError, match="comparisons=.* is not valid"):
        clearance_report(kept, excluded, provenance, comparisons=["a picture"])


def test_clearance_html_reads_in_counsels_order(clearance_frames):
    kept, excluded, provenance = clearance_frames
    text = visible(render_html(clearance_report(kept, excluded, provenance, title="Clearance")))
    headings = ["What was searched", "Counts", "Registered designs in force or pending on 2027-01-01 (7)",
                "Excluded, and why (5)", "What this search cannot see", "Not a legal opinion", "About this report"]
    at = [text.index(h) for h in headings]
    assert at == sorted(at), dict(zip(headings, at, strict=True))
    for spot in words.CLEARANCE_BLIND_SPOTS:
        assert spot in text
    assert words.NOT_LEGAL_OPINION in text
    for number in kept["patent_pn"]:
        assert number in text
    for reason in excluded["in_force_reason"]:
        assert reason in text
    assert EXPIRY_RULE in text and "2036-03-02" in text
    assert "212 days apart, check the register" in text  # ours and PatSnap's estimate differ by more than 31 days
    assert text.count(BANNER) >= 2  # the sticky banner and the data source


def test_clearance_html_has_no_internals(clearance_frames):
    kept, excluded, provenance = clearance_frames
    page = render_html(clearance_report(kept, excluded, provenance))
    for internal in (kept.attrs["search_id"], kept["patent_id"].iloc[0], excluded["patent_id"].iloc[0], "P009",
                     "in_force_reason", "expiry_estimate", "127.0.0.1"):
        assert str(internal) not in page


def test_every_text_is_escaped(clearance_frames):
    kept, excluded, provenance = clearance_frames
    kept = kept.assign(expiry_rule=HOSTILE_TITLE, title=HOSTILE_TITLE)
    excluded = excluded.assign(in_force_reason='"><script>alert(2)</script>')
    report = clearance_report(kept, excluded, provenance, title=HOSTILE_TITLE, author="<b>A</b>",
                              comparisons=comparison(kept.iloc[[0]], design_png_bytes(kept), excluded,
                                                     accused_label=HOSTILE_TITLE))
    page = render_html(report)
    text = visible(page)  # no active content
    assert HOSTILE_TITLE in text and "<script>alert(2)</script>" in text  # shown as text
    assert "<script" not in page.lower() and "<img src=x" not in page


def design_png_bytes(df) -> bytes:
    from patsnap_pandas.report.clearance import hit_picture

    return hit_picture(df, df.index[0])


def test_live_data_has_no_banner(plain_hits):
    kept = plain_hits.head(3).assign(in_force="in force")
    page = render_html(clearance_report(kept, None, {"markets": ["CN"], "on": "2027-01-01"}))
    assert "SANDBOX" not in page and "PatSnap design image search" in page
    assert "Nothing was excluded." in visible(page)


def test_prior_art_report_marks_utility_models_and_shows_the_cutoff(evidence):
    report = prior_art_report(evidence, None, {"before": "2030-01-01", "utility_models": True})
    job = report.job
    assert job.kind == "prior_art" and job.date == dt.date(2030, 1, 1) and job.markets == []
    assert dict(job.scope)["Published before"].startswith("2030-01-01 (nothing published on or after it")
    assert dict(job.counts)["of which utility models"] == "6"
    page = render_html(report)
    in_cards = sum(h.utility_model for h in report.sections[0].cards)
    assert in_cards and page.count('class="badge badge-um">utility model</span>') == 6 + in_cards  # table and cards
    text = visible(page)
    for spot in words.PRIOR_ART_BLIND_SPOTS:
        assert spot in text
    assert words.NOT_LEGAL_OPINION_PRIOR_ART in text and "In-force status" not in text  # it looks up no status
    assert "Evidence published before 2030-01-01 (12)" in text


def test_nothing_published_on_or_after_the_cutoff_is_shown_as_evidence(evidence):
    published = evidence["publication_date"].astype("string")
    cutoff = sorted(published)[6]  # the 7th publication date: half the hits are on or after it
    report = prior_art_report(evidence, None, {"before": cutoff})
    assert sorted(h.published for h in report.job.rows) == sorted(published)[:6]
    assert all(h.published < cutoff for h in report.job.rows)
    late = {e.number: e.reason for e in report.job.excluded}
    assert set(late) == set(evidence.loc[(published >= cutoff).to_numpy(), "patent_pn"])
    assert all(reason.startswith("published on ") and reason.endswith(", not before the cutoff")
               for reason in late.values())
    assert dict(report.job.counts)["of which published on or after the cutoff"] == str(len(late))
    no_date = evidence.assign(publication_date=None, pbdt=None).head(2)
    reasons = [e.reason for e in prior_art_report(no_date, None, {"before": cutoff}).job.excluded]
    assert reasons == ["no publication date: it cannot be shown to be earlier than the cutoff"] * 2
    with_counts = prior_art_report(evidence, None, {"before": cutoff, "dropped": {"a duplicate": 3}}).job.counts
    assert ("of which a duplicate", "3") in with_counts  # the job's counts, and the report's own
    assert ("of which published on or after the cutoff", str(len(late))) in with_counts
    # the closest prior art of a comparison is taken before the cutoff too
    tw = comparison(evidence.iloc[[0]], b"", evidence, before=cutoff)
    assert tw.pictures[2].caption in {h.number for h in report.job.rows} - {evidence["patent_pn"].iloc[0]}


def test_three_way_comparisons_in_the_report(evidence, corpus):
    tw = comparison(evidence.iloc[[0]], design_png(corpus, 30), evidence, accused_label="our C-100")
    assert [p.caption for p in tw.pictures] == [evidence["patent_pn"].iloc[0], "our C-100",
                                                evidence["patent_pn"].iloc[1]]  # closest that is not the design itself
    page = render_html(prior_art_report(evidence, None, {"before": "2030-01-01"}, comparisons=[tw, tw]))
    assert page.count('<table class="tw">') == 2
    text = visible(page)
    assert text.index("Three-way comparison") < text.index("Excluded, and why")
    assert re.search(r"Score: [01]\.\d{3}", text) and "Kind: utility model" in text  # the prior art's facts under its picture


@pytest.mark.parametrize("kind", ["clearance", "prior_art"])
def test_pdf_pages_fit_and_carry_the_banner(clearance_frames, evidence, corpus, tmp_path, kind):
    kept, excluded, provenance = clearance_frames
    tw = comparison(kept.iloc[[0]], design_png(corpus, 30), evidence)
    if kind == "clearance":
        report = clearance_report(kept, excluded, provenance, title="Clearance of our chair", comparisons=tw)
    else:
        report = prior_art_report(evidence, None, {"before": "2030-01-01"}, title="Clearance of our chair",
                                  comparisons=tw)
    path = write_pdf(report, tmp_path / f"{kind}.pdf")
    pages = pdf_pages(path)
    for page in range(1, pages + 1):
        text = pdf_text(path, page)
        assert "SANDBOX" in text and f"Page {page} of {pages}" in text and "Clearance of our chair" in text
        assert words_misplaced(path, page) == [], page
    appendix = [page for page in range(1, pages + 1) if "Appendix: the query beside" in pdf_text(path, page)]
    assert len(appendix) == 1  # on the page its cards start: a heading never ends a page alone
    before = pdf_text(path, appendix[0]).split("Appendix: the query beside")[0]
    assert set(before.split()) <= set(f"Clearance of our chair {BANNER}".split()), before
    text = re.sub(r"\s+", " ", pdf_text(path))
    assert "Not a legal opinion" in text and "What this search cannot see" in text
    assert "Three-way comparison" in text and "Registered design" in text and "Closest prior art" in text
    rows = kept["patent_pn"] if kind == "clearance" else evidence["patent_pn"]
    assert all(number in text for number in rows)
    if kind == "clearance":
        assert all(number in text for number in excluded["patent_pn"]) and "Rule" in text


def test_long_texts_break_in_the_html_and_are_cut_in_the_pdf(clearance_frames, tmp_path):
    kept, excluded, provenance = clearance_frames
    long = "Rule " + "x" * 12_000  # one run without a space, as a pasted text can be
    report = clearance_report(kept.assign(expiry_rule=long), excluded.assign(excluded_reason=long), provenance)
    page = render_html(report)
    assert page.count("x" * 5 + "<wbr>") > 2_000  # break opportunities: the column is not widened
    assert report.job.rows[0].expiry_rule == long  # the model and the HTML keep the whole text
    path = write_pdf(report, tmp_path / "long.pdf")
    text = re.sub(r"\s+", " ", pdf_text(path, raw=True))  # drawing order: each cell's lines in one piece
    assert text.count("[12,005 characters in all: the HTML and Excel reports have the full text]") == 7 + 5
    for page_number in range(1, pdf_pages(path) + 1):
        assert words_misplaced(path, page_number) == [], page_number


def test_excel_workbook_of_a_clearance(clearance_frames, tmp_path):
    kept, excluded, provenance = clearance_frames
    path = write_excel(clearance_report(kept, excluded, provenance), tmp_path / "c.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Hits", "Excluded", "About"]
    assert all(sheet["A1"].value == BANNER for sheet in book.worksheets)
    summary = [c.value for r in book["Summary"].iter_rows() for c in r if c.value is not None]
    assert words.NOT_LEGAL_OPINION in summary and all(spot in summary for spot in words.CLEARANCE_BLIND_SPOTS)
    assert "2027-01-01" in summary and "United States, EUIPO (EU designs), China" in summary
    hits = book["Hits"]
    header = next(r for r in hits.iter_rows() if r[0].value == "Image")
    col = {c.value: c.column_letter for c in header if c.value}
    first = header[0].row + 1
    assert hits[f"{col['Expiry (estimate)']}{first}"].is_date
    assert hits[f"{col['Expiry (estimate)']}{first}"].value == dt.datetime(2036, 3, 2)
    assert hits[f"{col['Rule']}{first}"].value == EXPIRY_RULE
    assert hits[f"{col['Days apart']}{first + 1}"].value == 212
    assert hits[f"{col['In force']}{first + 6}"].value == "pending"
    assert len([im for im in hits._images if im.anchor._from.row + 1 >= first]) == len(kept)
    excluded_rows = [[c.value for c in r] for r in book["Excluded"].iter_rows(min_row=4)]
    assert [r[3] for r in excluded_rows] == [f"{s}: {w}" for s, w in zip(excluded["in_force"],
                                                                           excluded["in_force_reason"], strict=True)]
    marks = patsnap_pandas.read_triage(path)  # counsel can mark it like any report
    assert list(marks["patent_pn"]) == list(kept["patent_pn"])


def test_excel_keeps_formula_like_reasons_and_rules_as_text(clearance_frames, tmp_path):
    import zipfile

    kept, excluded, provenance = clearance_frames
    formula = '=HYPERLINK("http://evil.example","click")'
    path = write_excel(clearance_report(kept.assign(expiry_rule=formula), excluded.assign(excluded_reason="+1+2"),
                                        provenance, title="@SUM(A1)"), tmp_path / "f.xlsx")
    book = openpyxl.load_workbook(path)
    values = [c.value for sheet in book.worksheets for r in sheet.iter_rows() for c in r]
    assert values.count(formula) == len(kept) and values.count("+1+2") == len(excluded) and "@SUM(A1)" in values
    with zipfile.ZipFile(path) as z:
        assert not any("<f>" in z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet"))


def test_excel_workbook_of_prior_art(evidence, corpus, tmp_path):
    tw = comparison(evidence.iloc[[0]], design_png(corpus, 30), evidence)
    path = write_excel(prior_art_report(evidence, None, {"before": "2030-01-01"}, comparisons=tw), tmp_path / "p.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Hits", "Excluded", "Comparison", "About"]
    hits = book["Hits"]
    header = next(r for r in hits.iter_rows() if r[0].value == "Image")
    kinds = [r[[c.value for c in header].index("Kind")].value for r in hits.iter_rows(min_row=header[0].row + 1)]
    assert kinds == ["design", "utility model"] * 6
    compare = book["Comparison"]
    assert len(compare._images) == 1 and compare._images[0].width > 3 * 200
    texts = [c.value for r in compare.iter_rows() for c in r if c.value]
    assert any(t.startswith("Registered design: ") and "Closest prior art: " in t for t in texts)


def test_a_kept_hits_place_is_counted_over_every_hit_of_the_search(clearance_frames):
    kept, excluded, provenance = clearance_frames
    kept, excluded = kept.iloc[1:], __import__("pandas").concat([kept.iloc[:1], excluded])  # the best hit excluded
    job = clearance_report(kept, excluded, provenance).job
    said = {h.number: h.why for h in job.rows}
    assert said[kept["patent_pn"].iloc[0]].endswith("2nd of 12 (top 17 %).")  # not "1st of 6"
    assert not any("the only scored hit" in w or " of 6" in w for w in said.values()), said


def test_a_date_in_a_reason_or_rule_never_breaks_at_its_hyphen(clearance_frames):
    kept, excluded, provenance = clearance_frames
    page = render_html(clearance_report(kept, excluded, provenance))
    assert 'which ends on <span style="white-space:nowrap">2036-03-02</span>' in page  # the In force column
    assert 'since <span class="nowrap">2019-04-01</span>' in page                      # an excluded row's reason

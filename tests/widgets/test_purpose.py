"""The panel's purpose choice: explore, clearance, prior art; markets and date in words; what Search runs.

The state alone first (no widget is made), then its view and the cards and comparison that
show in force and expiry. Searches go over real HTTP to the sandbox (its date fixed: no design
expires under the tests); Search runs the real jobs, ``jobs.clearance.clearance`` and
``jobs.prior_art.prior_art``, and the panel reads their ``JobResult`` (kept, excluded).
"""

from __future__ import annotations

import datetime as dt
import html
import re

import ipywidgets as W
import pandas as pd
import pytest

from patsnap_pandas import InvalidInputError, SearchPanel
from patsnap_pandas.frame import words
from patsnap_pandas.widgets import purpose
from patsnap_pandas.widgets.cards import card_html, status_html
from patsnap_pandas.widgets.purpose import PURPOSES
from patsnap_pandas.widgets.state import PanelState
from tests.helpers import SANDBOX_TODAY, assert_safe_html

from .test_panel_views import files_value

ON = dt.date(2027, 1, 1)
BEFORE = dt.date(2019, 6, 1)
pytestmark = pytest.mark.patsnap_sandbox(today=SANDBOX_TODAY)


@pytest.fixture
def no_widgets(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise AssertionError(f"a {type(self).__name__} widget was made: the state draws nothing")

    monkeypatch.setattr(W.Widget, "open", refuse)


def test_explore_is_the_default_and_says_so(no_widgets):
    state = PanelState()
    assert state.purpose == "explore" and state.job_errors == {} and state.job_provenance() == {}
    assert state.purpose_in_words() == ("Explore: every registered design that looks like the query, whatever its "
                                        "status or market.")
    assert list(PURPOSES.values()) == ["Explore", "Clearance", "Prior art"]


def test_clearance_needs_markets_and_a_date_said_in_words(no_widgets):
    state = PanelState(query_url="https://example.com/chair.png")
    seen = []
    state.observe(lambda change: seen.append(change["new"]), names=["job_errors"])
    state.purpose = "clearance"
    assert state.in_force_on == dt.date.today()  # a clearance is about today unless told otherwise
    assert state.job_errors == {"markets": "Clearance: choose the markets where the product will be sold."}
    assert state.search_blocker() == "Correct the field marked in red to search."
    state.markets = ("US", "EM", "CN")
    state.in_force_on = ON
    assert state.job_errors == {} and state.search_blocker() is None and seen[-1] == {}
    assert state.purpose_in_words() == (
        "Clearance: the registered designs in force or pending on 2027-01-01 in United States, EUIPO (EU designs), "
        "China; the others are set aside, each with its reason.")
    assert state.job_provenance() == {"markets": ["US", "EM", "CN"], "on": ON}
    state.in_force_on = None
    assert state.job_errors == {} and state.in_force_on == dt.date.today()  # cleared: back to today


def test_prior_art_needs_the_cutoff(no_widgets):
    state = PanelState()
    state.purpose = "prior_art"
    assert state.job_errors["date"].startswith("Prior art: choose the date: evidence must be published before it")
    state.published_before = dt.date(2019, 6, 1)
    assert state.job_errors == {}
    assert state.purpose_in_words() == ("Prior art: registered designs and utility models published before "
                                        "2019-06-01, whatever their status.")
    assert state.job_provenance() == {"before": dt.date(2019, 6, 1), "utility_models": True}


def test_set_purpose_checks_every_value(no_widgets):
    state = PanelState()
    state.set_purpose("clearance", markets="us, em", on="2027-01-01")
    assert (state.purpose, state.markets, state.in_force_on) == ("clearance", ("US", "EM"), ON)
    with pytest.raises(InvalidInputError, match=r"purpose='fto' is not valid: unknown purpose"):
        state.set_purpose("fto")
    with pytest.raises(InvalidInputError, match=r"markets=\['US', 'XX'\] is not valid: Markets: 'XX' is not an office"):
        state.set_purpose("clearance", markets=["US", "XX"])
    with pytest.raises(InvalidInputError, match=r"^on='soon' is not valid"):
        state.set_purpose("clearance", markets=["US"], on="soon")
    with pytest.raises(InvalidInputError, match="image=str is not valid: expected the bytes of an image"):
        state.set_accused("chair.png")
    assert (state.purpose, state.markets) == ("clearance", ("US", "EM"))  # a refused value changes nothing


def test_a_clearance_search_keeps_what_is_in_force_and_sets_the_rest_aside(client, sandbox, query_png,
                                                                          no_widgets, tmp_path):
    state = PanelState(client=client, limit=20, export_folder=str(tmp_path))
    state.set_image(query_png, "chair.png")
    state.set_purpose("clearance", markets=["US", "EM"], on=ON)
    state.search()
    assert state.last_error is None, state.last_error
    kept, excluded = state.results, state.excluded
    assert excluded.attrs["job"] == "clearance"  # what jobs.clearance.clearance returned
    assert excluded.attrs["markets"] == ["US", "EM"] and excluded.attrs["on"] == ON.isoformat()
    assert len(kept) + len(excluded) == 20 and len(excluded) > 0
    assert set(kept["authority"]) <= {"US", "EM"} and set(kept["in_force"]) <= {"in force", "pending", "unknown"}
    assert excluded["excluded_reason"].notna().all()
    dropped = "; ".join(f"{reason} {count}" for reason, count in excluded.attrs["dropped"].items())
    assert re.fullmatch(rf"Found {len(kept)} hits? of \d+ matching designs; {len(excluded)} hits? set aside "
                        rf"\({re.escape(dropped)}: each with its reason under Set aside, and the report\)\.", state.message), state.message
    billed = sandbox.ledger.billed()
    state.load_more()  # a job's results are not continued
    assert "a clearance or prior-art search is not continued" in state.last_error
    assert sandbox.ledger.billed() == billed
    state.export_format = "html"
    state.export()
    assert state.last_error is None, state.last_error
    assert state.last_report.name.startswith("clearance-")  # named for what it is
    page = state.last_report.read_text("utf-8")
    assert "<h1 dir=\"auto\">Clearance: chair.png</h1>" in page and "Excluded, and why" in page
    assert html.escape(words.CLEARANCE_BLIND_SPOTS[0], quote=True) in page
    assert "United States, EUIPO (EU designs)" in page and "2027-01-01" in page
    first = excluded.iloc[0]
    assert html.escape(first["patent_pn"]) in page and html.escape(first["excluded_reason"], quote=True) in page
    assert sandbox.ledger.billed() == billed  # exporting makes no call
    state.search()  # the same search again: the search, the bibliography and the legal statuses are cached
    assert state.last_error is None and len(state.results) == len(kept)
    assert sandbox.ledger.billed() == billed


def test_without_the_job_the_panel_says_so_and_calls_nothing(client, sandbox, query_png, monkeypatch, no_widgets):
    monkeypatch.setitem(purpose.JOB_FUNCTIONS, "clearance", ("patsnap_pandas.jobs.no_such_module", "clearance"))
    state = PanelState(client=client)
    state.set_image(query_png, "chair.png")
    state.set_purpose("clearance", markets=["US"])
    state.search()
    assert state.last_error == ("Search was not started: Clearance needs patsnap_pandas.jobs.no_such_module.clearance, "
                                "which this version of patsnap-pandas does not have; choose Explore.")
    assert state.results is None and sandbox.ledger.billed() == 0


def test_prior_art_with_an_accused_product_exports_three_way_comparisons(client, sandbox, query_png, corpus,
                                                                        no_widgets, tmp_path):
    state = PanelState(client=client, limit=20, export_folder=str(tmp_path))
    state.set_image(query_png, "registered.png")
    state.set_purpose("prior_art", before=BEFORE)
    state.search()
    assert state.last_error is None, state.last_error
    evidence = state.results
    assert evidence.attrs["job"] == "prior_art" and evidence.attrs["before"] == BEFORE.isoformat()
    assert len(evidence) and (evidence["patent_type"] == "U").any() and (evidence["patent_type"] == "D").any()
    assert (pd.to_datetime(evidence["publication_date"]).dt.date < BEFORE).all()  # only what was published before
    billed = sandbox.ledger.billed()
    assert billed == 4  # the upload, the design search, the utility-model search, one bibliography batch
    designs, utility_models = evidence.attrs["total"]  # two searches: their totals said with their kinds
    aside = "none set aside" if state.excluded.empty else f"{len(state.excluded)} hits? set aside \\(.*\\)"
    said = rf"Found {len(evidence)} hits of {designs} matching designs and {utility_models} matching utility models"
    assert re.fullmatch(rf"{said}; {aside}\.", state.message), state.message
    state.search()  # the same search again: all from the cache
    assert state.last_error is None and sandbox.ledger.billed() == billed and len(state.results) == len(evidence)
    assert re.fullmatch(rf"{said} \(from the cache: no billed call\); {aside}\.", state.message), state.message
    state.set_accused(corpus.image_png(corpus.designs[3].image_keys[0]), "their lamp.png")
    state.mark(1, "relevant")
    state.mark(2, "relevant")
    state.export()
    assert state.last_error is None, state.last_error
    assert state.last_report.name.startswith("prior-art-")
    page = state.last_report.read_text("utf-8")
    assert page.count('<table class="tw">') == 2  # one per hit marked relevant
    text = assert_safe_html(page, "prior-art export")
    assert "registered.png" in text and "their lamp.png" in text and f"Evidence published before {BEFORE}" in text
    um = evidence[evidence["patent_type"] == "U"].iloc[0]  # the job's sections: utility models marked, blind spots
    assert html.escape(um["patent_pn"]) in page and "utility model" in page
    assert html.escape(words.PRIOR_ART_BLIND_SPOTS[0], quote=True) in page and "not a legal opinion" in page.lower()


def test_the_purpose_view_draws_the_state_and_writes_into_it(client):
    panel = SearchPanel(client, purpose="clearance", markets=["US"], on="2027-01-01")
    assert panel.purpose.value == "clearance" and panel.markets.value == ("US",)
    assert panel.in_force_on.value == ON
    assert panel.purpose_view.clearance_box.layout.display == "flex"
    assert panel.purpose_view.prior_art_box.layout.display == "none"
    assert "in force or pending on 2027-01-01 in United States" in panel.purpose_words.value
    panel.markets.value = ()  # chosen in the browser: into the state, the message next to the list
    assert panel.state.markets == () and "choose the markets" in panel.purpose_view.markets_msg.value
    assert panel.search_button.disabled and panel.purpose_words.value == ""
    panel.purpose.value = "prior_art"
    assert panel.purpose_view.prior_art_box.layout.display == "flex"
    assert "Prior art: choose the date" in panel.purpose_view.date_msg.value
    panel.published_before.value = dt.date(2019, 6, 1)
    assert "published before 2019-06-01" in panel.purpose_words.value
    panel.accused_upload.value = files_value((b"not an image", "x.png"))
    assert "not an image the panel can read" in panel.purpose_view.accused_preview.value
    panel.close()


def test_cards_and_comparison_show_in_force_and_expiry(client, query_png, corpus):
    panel = SearchPanel(client, image=query_png, limit=20, purpose="clearance", markets=["US", "EM", "CN"], on=ON)
    panel.search_button.click()
    assert panel.state.last_error is None, panel.state.last_error
    shown = panel.shown
    assert shown.attrs["job"] == "clearance" and (shown["in_force"] == "in force").any()
    for i, row in enumerate(shown.itertuples()):  # every card: its state, and until when when in force
        card = panel.card_box.children[i].children[0].value
        assert f'psp-state-{row.in_force.replace(" ", "-")}">{row.in_force}</span>' in card
        if row.in_force == "in force":
            assert f'until <span class="psp-nowrap">{row.expiry_estimate:%Y-%m-%d}</span> (estimate)' in card
    aside = panel.results_view.aside  # the hits set aside, each with its reason, in the panel
    assert aside.layout.display == "flex" and aside.get_title(0) == f"Set aside, and why ({len(panel.state.excluded)})"
    for row in panel.state.excluded.itertuples():
        assert f"<b>{row.patent_pn}</b>" in panel.results_view.aside_table.value
        assert html.escape(row.excluded_reason, quote=True) in panel.results_view.aside_table.value
    # the clearance looked up owners and in force already: the button has nothing to ask, and says so
    assert panel.enrich_button.disabled and "shown for every hit" in panel.enrich_offer.value
    panel.open_hit(0)
    body = panel.compare.value
    assert "Expiry (estimate)" in body and "<th scope=\"row\">Rule</th>" in body and "In force" in body
    assert "not looked up yet" not in body
    assert "in_force_reason" not in body and "expiry_rule" not in body  # words, not column names
    # prior art with an accused product: three pictures in the comparison
    panel.state.set_purpose("prior_art", before=BEFORE)
    panel.search_button.click()
    assert panel.state.last_error is None, panel.state.last_error
    for i, kind in enumerate(panel.shown["patent_type"]):  # utility models marked on their cards
        card = panel.card_box.children[i].children[0].value
        assert ('<span class="psp-um">utility model</span>' in card) == (kind == "U")
    summary = panel.results_view.summary.value
    assert "views of one product" not in summary and "matching utility models in all) for" in summary  # one image
    panel.open_hit(0)  # the job's columns beside the search's: each field once, none empty
    fields = re.findall(r'<th scope="row">([^<]+)</th><td>(.*?)</td></tr>', panel.compare.value)
    labels = [label for label, _value in fields]
    assert labels.count("Applied") == 1 and labels.count("Kind") == 1 and "Record url" not in labels, labels
    assert all(value for _label, value in fields), fields
    panel.state.set_accused(corpus.image_png(corpus.designs[3].image_keys[0]), "their lamp.png")
    panel.open_hit(0)
    assert panel.compare.value.count("<img ") == 3 and "Closest prior art" in panel.compare.value
    assert "their lamp.png" in panel.compare.value
    panel.close()


def test_status_words_of_a_card():
    assert status_html({"in_force": "lapsed", "expiry_estimate": "2036-03-02"}) == \
        '<span class="psp-state psp-state-lapsed">lapsed</span>'
    assert status_html({"title": "Lamp"}) == ""
    card = card_html({"patent_pn": "USD1", "in_force": "pending", "patent_type": "U", "title": "<b>"}, None)
    assert '<span class="psp-um">utility model</span>' in card and "&lt;b&gt;" in card

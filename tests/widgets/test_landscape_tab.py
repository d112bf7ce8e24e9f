"""The panel's Landscape tab: closed and free at first, a sentence while the hits name no owner, the timeline
and the owner x class and year x office tables once they do; measured in Chromium at 800, 1280 and 1920 px."""

from __future__ import annotations

import os

import pytest

from patsnap_pandas import SearchPanel
from patsnap_pandas.widgets.landscape_view import NO_OWNERS
from tests.report.test_browser import CHROMIUM, MEASURE


@pytest.fixture
def panel(client, query_png):
    p = SearchPanel(client, image=query_png, limit=30)
    p.search_button.click()
    yield p
    p.close()


def test_the_tab_is_closed_and_draws_nothing_until_opened_then_says_what_is_missing(panel, sandbox):
    view = panel.landscape_view
    assert view.box in panel.results_view.results_box.children and view.box.selected_index is None
    assert view.html.value == ""
    calls = len(sandbox.ledger)
    view.box.selected_index = 0
    assert NO_OWNERS in view.html.value and len(sandbox.ledger) == calls   # opening the tab calls nothing


def test_with_owners_the_tab_shows_the_timeline_and_tables_of_the_shown_hits(panel, client, sandbox):
    panel.state.results = panel.results.patsnap.enrich(client=client)
    view = panel.landscape_view
    view.box.selected_index = 0
    calls = len(sandbox.ledger)
    value = view.html.value
    assert 'alt="filings per year of the top owners"' in value
    assert "Designs per owner and Locarno class" in value and "Designs per year and office" in value
    first_owner = panel.results.patsnap.owner_classes().index[0]
    assert first_owner.split()[0] in value
    panel.min_score.value = float(panel.results["score"].max())           # fewer hits shown: drawn again
    assert view.html.value != value and len(sandbox.ledger) == calls


def test_the_tab_fits_the_panel_at_every_width(panel, client, chromium):
    # the process's one Chromium (tests/conftest.py): a second sync Playwright in one thread refuses to start
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
    panel.state.results = panel.results.patsnap.enrich(client=client)
    panel.landscape_view.box.selected_index = 0
    page_html = f'<html><body style="margin:0"><div style="padding:4px">{panel.landscape_view.html.value}</div>'
    with chromium.contexts_closed_after() as browser:
        for width in (800, 1280, 1920):
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.set_content(page_html)
            measured = page.evaluate(MEASURE)
            assert measured["checked"] > 10, width
            assert measured["wrapped"] == [] and measured["wide"] == [], (width, measured)
            assert measured["scrollWidth"] <= width
            if os.environ.get("PATSNAP_TEST_ARTIFACTS"):
                page.screenshot(path=os.path.join(os.environ["PATSNAP_TEST_ARTIFACTS"],
                                                  f"landscape-tab-{width}.png"), full_page=True)
            page.close()

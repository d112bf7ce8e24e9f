"""The HTML report in a real browser (Debian's Chromium via Playwright), at 1920, 1280 and 800 px.

Measured: no number, date or code wraps; no element is wider than the page; the
sandbox banner stays on screen while scrolling. The process's one Chromium (tests/conftest.py).
"""

from __future__ import annotations

import os

import pandas as pd
import pytest

from patsnap_pandas import search_designs
from patsnap_pandas.report import build_report, clearance_report, comparison, prior_art_report, write_html
from patsnap_pandas.testing import ClientFactory, reset_sandbox
from tests.helpers import DEFAULT_CORPUS_SIZE, FAST, design_png
from tests.widgets.browser import decoded_box

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]

# Elements whose text must stay on one line, and a measure of how many lines each takes.
MEASURE = """() => {
  const out = {wrapped: [], wide: [], checked: 0};
  const width = document.documentElement.clientWidth;
  for (const el of document.querySelectorAll('.num, .code, .date, .score, .nowrap, .tw-nowrap, .state')) {
    const text = el.textContent.trim();
    // a cell holding a number and a second line (the authority under it) is measured by its parts
    if (!text || [...el.children].some(c => !['A', 'SPAN'].includes(c.tagName) || c.classList.contains('sub'))) continue;
    out.checked += 1;
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
    if (tops.size > 1) out.wrapped.push(el.className + ': ' + text);
  }
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > width + 1 || r.left < -1)) out.wide.push(el.tagName + '.' + el.className);
  }
  out.scrollWidth = document.documentElement.scrollWidth;
  out.width = width;
  return out;
}"""


@pytest.fixture(scope="module")
def browser(chromium):
    """The process's Chromium (tests/conftest.py); what this module opened is closed after it."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package")
    with chromium.contexts_closed_after() as browser:
        yield browser


@pytest.fixture(scope="module")
def reports(patsnap_sandboxes, tmp_path_factory):
    """The three reports, built once for the module (the test measures them at three widths): a client of the
    folder's shared sandbox, at default knobs, with a cache folder of its own."""
    server = reset_sandbox(patsnap_sandboxes.shared(corpus_size=DEFAULT_CORPUS_SIZE))
    corpus, tmp_path = server.corpus, tmp_path_factory.mktemp("reports")
    with ClientFactory(tmp_path, server, **FAST) as make:
        yield _reports(make(), corpus, tmp_path)


def _reports(client, corpus, tmp_path):
    hits = search_designs(design_png(corpus, 11), client=client, limit=30).patsnap.enrich(legal_status=True)
    hits = hits.patsnap.mark(hits["rank"] <= 3, relevance="relevant", note="closest outline; check the legs")
    catalogue = pd.DataFrame({"sku": ["C-1", "L-2"], "photo": [design_png(corpus, 60), design_png(corpus, 61)]})
    batch = catalogue.patsnap.search_each("photo", label_column="sku", limit=6, client=client, progress=False)
    keys = corpus.designs[11].image_keys
    views = search_designs([corpus.image_png(keys[k % len(keys)]) for k in range(5)], client=client,
                           limit=10).patsnap.enrich(client=client)  # five views: fused, matched view per hit
    return {
        "single": write_html(build_report(hits, title="Chairs like ours", author="A. Analyst"),
                             tmp_path / "single.html"),
        "views": write_html(build_report(views, title="Five views"), tmp_path / "views.html"),
        "batch": write_html(build_report(batch.patsnap.enrich(), title="Catalogue"), tmp_path / "batch.html"),
    }


@pytest.mark.parametrize("width", [1920, 1280, 800])
def test_nothing_wraps_or_overflows_and_the_banner_stays(browser, reports, width):
    from playwright.sync_api import expect

    for name, path in reports.items():
        page = browser.new_page(viewport={"width": width, "height": 900})
        try:
            page.route("**/*", lambda route: route.abort() if not route.request.url.startswith(("file:", "data:"))
                       else route.continue_())
            page.goto(path.as_uri())
            result = page.evaluate(MEASURE)
            assert result["checked"] > 50, (name, result["checked"])
            assert result["wrapped"] == [], (name, width, result["wrapped"][:5])
            assert result["wide"] == [], (name, width, result["wide"][:5])
            assert result["scrollWidth"] <= result["width"], (name, width)
            if name == "views":  # the strip: five views, each decoded and large enough to read
                strip = page.locator(".strip li img")
                expect(strip).to_have_count(5)
                assert min(decoded_box(strip.nth(i))["width"] for i in range(5)) >= 150  # decoded, large enough
                assert page.locator(".card .others").count() == page.locator(".card").count() > 0
            page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
            top = page.evaluate("document.elementFromPoint(window.innerWidth / 2, 8).className")
            assert top == "banner", (name, width, top)
        finally:
            page.close()


@pytest.fixture
def job_reports(clearance_frames, evidence, corpus, tmp_path):
    kept, excluded, provenance = clearance_frames
    tw = comparison(kept.iloc[[0]], design_png(corpus, 30), evidence, accused_label="our C-100 chair, photo 1")
    return {
        "clearance": write_html(clearance_report(kept, excluded, provenance, title="Clearance of our C-100",
                                                 comparisons=tw), tmp_path / "clearance.html"),
        "prior_art": write_html(prior_art_report(evidence, None, {"before": "2030-01-01"}, title="Prior art",
                                                 comparisons=tw), tmp_path / "prior_art.html"),
    }


@pytest.mark.parametrize("width", [1920, 1280, 800])
def test_job_reports_fit_and_the_three_pictures_stand_at_one_height(browser, job_reports, width):
    for name, path in job_reports.items():
        page = browser.new_page(viewport={"width": width, "height": 900})
        try:
            page.route("**/*", lambda route: route.abort() if not route.request.url.startswith(("file:", "data:"))
                       else route.continue_())
            page.goto(path.as_uri())
            result = page.evaluate(MEASURE)
            assert result["checked"] > 40, (name, result["checked"])
            assert result["wrapped"] == [], (name, width, result["wrapped"][:5])
            assert result["wide"] == [], (name, width, result["wide"][:5])
            pictures = page.locator("table.tw img")
            assert pictures.count() == 3
            heights = [round(decoded_box(pictures.nth(i))["height"]) for i in range(3)]
            assert max(heights) - min(heights) <= 2, (name, width, heights)
            assert min(heights) >= 200, (name, width, heights)  # large enough to judge the overall impression
            page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
            top = page.evaluate("document.elementFromPoint(window.innerWidth / 2, 8).className")
            assert top == "banner", (name, width, top)
        finally:
            page.close()

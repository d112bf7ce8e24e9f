"""The digest in a real browser (Debian's Chromium via Playwright) at 1920, 1280 and 800 px: no number, date
or code wraps, nothing is wider than the page, the sandbox banner stays. The measure is the report tests' own."""

from __future__ import annotations

import pytest

from patsnap_pandas import Watch
from patsnap_pandas.report import write_html
from patsnap_pandas.report.watch import digest_report
from tests.helpers import WATCH_T0, WATCH_T1
from tests.report.test_browser import MEASURE


@pytest.fixture
def digest(sandbox, make_client, products, fresh_designs, tmp_path):
    client = make_client()
    watch = Watch("our products", products, limit=10).save(client=client)
    watch.run(client=client, as_of=WATCH_T0)
    sandbox.configure(today=WATCH_T1)
    return write_html(digest_report(watch.run(client=client, as_of=WATCH_T1), author="A. Analyst"),
                      tmp_path / "digest.html")


@pytest.mark.slow  # a browser
def test_the_digest_fits_every_width_and_keeps_the_banner(digest, chromium):
    with chromium.contexts_closed_after() as browser:  # the process's Chromium (tests/conftest.py)
        for width in (1920, 1280, 800):
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.route("**/*", lambda route: route.abort()
                       if not route.request.url.startswith(("file:", "data:")) else route.continue_())
            page.goto(digest.as_uri())
            result = page.evaluate(MEASURE)
            assert result["checked"] > 20, (width, result["checked"])
            assert result["wrapped"] == [] and result["wide"] == [], (width, result["wrapped"][:5], result["wide"][:5])
            assert result["scrollWidth"] <= result["width"], width
            assert page.locator("h1").inner_text() == "Watch 'our products': 6 new designs"
            page.evaluate("window.scrollTo(0, document.body.scrollHeight / 2)")
            assert page.evaluate("document.elementFromPoint(window.innerWidth / 2, 8).className") == "banner"
            page.close()

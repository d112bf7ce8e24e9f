"""Regenerate the clearance and prior-art report images of docs/reports.md from the offline sandbox.

    .venv/bin/python docs/_scripts/job_report_screenshots.py

Writes docs/img/report-clearance.png (a clearance report in Chromium at 1280 px: the counts
and the first in-force designs with their expiry and rule) and docs/img/report-three-way.png
(the three-way comparison of a prior-art report at 1280 px: prior art against the best hit, by its
number). The clearance frames are made as the example of docs/reports.md makes them: an enriched
search, each hit's expiry by the term rules.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
IMG = ROOT / "docs" / "img"

from report_screenshots import CHROMIUM, CHROMIUM_ARGS, sample_chair  # noqa: E402  (this folder)


def frames(hits, on: dt.date, markets: list[str]):
    """(kept, excluded) of a clearance on ``on`` in ``markets``, as docs/reports.md makes them."""
    from patsnap_pandas.frame.terms import estimate_expiry

    found = [estimate_expiry(row.authority, filing_date=row.apply_date, grant_date=row.grant_date,
                             legal_status=row.simple_legal_status, on=on) for row in hits.itertuples()]
    hits = hits.assign(in_force=[e.in_force for e in found], in_force_reason=[e.reason for e in found],
                       expiry_estimate=[e.expiry for e in found], expiry_rule=[e.rule for e in found],
                       expiry_certainty=[e.certainty for e in found],
                       next_renewal=[e.next_renewal.words if e.next_renewal else None for e in found])
    in_market = hits["authority"].isin(markets)
    keep = in_market & hits["in_force"].isin(["in force", "pending"])
    excluded = hits[~keep].assign(excluded_reason=in_market[~keep].map({True: None, False: "not in the markets"}))
    return hits[keep], excluded


def shoot(browser, html: Path, out: Path, start: str, end: str, extra: int = 0) -> None:
    """The page from the element ``start`` to the element ``end`` (CSS selectors), at 1280 px."""
    page = browser.new_page(viewport={"width": 1280, "height": 1200})
    page.goto(html.as_uri())
    top = page.evaluate(f"document.querySelector({start!r}).getBoundingClientRect().top + window.scrollY")
    bottom = page.evaluate(f"document.querySelector({end!r}).getBoundingClientRect().bottom + window.scrollY")
    page.screenshot(path=str(out), full_page=True,
                    clip={"x": 0, "y": max(0, top - 12), "width": 1280, "height": bottom - top + 16 + extra})
    page.close()


def main() -> int:
    from playwright.sync_api import sync_playwright

    from patsnap_pandas import PatsnapClient, prior_art, search_designs
    from patsnap_pandas.report import clearance_report, comparison, prior_art_report, write_html

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        chair = sample_chair(folder)
        with PatsnapClient.sandbox(today="2026-12-07") as client:
            hits = search_designs(chair, client=client, limit=30).patsnap.enrich(legal_status=True)
            on, markets = dt.date(2027, 1, 1), ["US", "EM", "CN"]
            kept, excluded = frames(hits, on, markets)
            write_html(clearance_report(kept, excluded, {"markets": markets, "on": on},
                                        title="Clearance of our C-100 chair", author="A. Analyst"),
                       folder / "clearance.html")
            # prior art against the best hit, by its number (P069): its filing date is the cutoff
            result = prior_art(chair, registered=hits["patent_pn"].iloc[0], client=client, limit=10)
            accused = sample_chair(folder, view=1)
            tw = comparison(result.provenance["registered"], accused, result.evidence, registered_image=chair,
                            accused_label="their chair (photo)")
            write_html(prior_art_report(result.evidence, result.excluded, result.provenance,
                                        title="Prior art against our registration", comparisons=[tw]),
                       folder / "prior.html")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            shoot(browser, folder / "clearance.html", IMG / "report-clearance.png", "section.scope + section + section",
                  "table.job tbody tr:nth-child(3)")
            shoot(browser, folder / "prior.html", IMG / "report-three-way.png", ".comparison", ".comparison", extra=8)
            browser.close()
    for name in ("report-clearance.png", "report-three-way.png"):
        print(IMG / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

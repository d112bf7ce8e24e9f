"""Regenerate the screenshots of docs/panel.md: the app notebook in Voila and JupyterLab, in Debian's Chromium.

Run from the repository root (needs the dev extra and /usr/bin/chromium)::

    .venv/bin/python docs/_scripts/panel_screenshots.py          # every shot
    .venv/bin/python docs/_scripts/panel_screenshots.py --jobs   # only the clearance and prior-art shots

It serves notebooks/04_panel.ipynb against the offline sandbox (no credentials are
read: the PATSNAP_* variables are removed), walks the panel through a search, a
validation error, a comparison with a mark and an export, and writes the PNG files
named in :data:`SHOTS` into docs/img/. The browser reaches 127.0.0.1 only.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

#: File in docs/img -> what it shows (docs/panel.md shows each of them).
SHOTS: dict[str, str] = {
    "panel.png": "Voila, 1280 px: the panel after a search (cards, status line)",
    "panel-800.png": "Voila, 800 px: the same panel in a narrow window (columns stacked)",
    "panel-messages.png": "Voila, 1280 px: messages next to their fields after a validation error",
    "panel-compare.png": "Voila, 1280 px: the comparison view after Add owners and legal status, with a mark and a note",
    "panel-export.png": "Voila, 1280 px: the export section after an Excel export of the marked hits",
    "panel-jupyterlab.png": "JupyterLab 4, 1280 px, file browser open: the panel after a search",
    "panel-views.png": "Voila, 1280 px: three views of one product as a strip, searched together, and the "
                       "comparison with view 1 beside the hit and the views small",
    "panel-clearance.png": "Voila, 1280 px: a clearance in the US, the EU and China: the designs in force with "
                           "their expiry on the cards, and the hits set aside with their reasons",
    "panel-prior-art.png": "Voila, 1280 px: prior art before a date with an accused product: the registered "
                           "design, the accused product and the closest prior art side by side",
}


def _drawing(folder: Path) -> tuple[Path, object]:
    from PIL import Image

    from patsnap_pandas.sandbox.corpus import generated_corpus

    corpus = generated_corpus()
    design = next(d for d in corpus.designs if d.authority == "US")
    path = folder / "bottle-drawing.tif"
    with Image.open(io.BytesIO(corpus.image_png(design.image_keys[0]))) as im:
        im.save(path, format="TIFF")
    return path, design


def _search(page, drawing: Path, design) -> None:
    from playwright.sync_api import expect

    from patsnap_pandas.codes import AUTHORITIES

    with page.expect_file_chooser() as chooser:
        page.locator("button.psp-upload").click()
    chooser.value.set_files(str(drawing))
    expect(page.locator(".psp-preview img")).to_be_visible(timeout=30_000)
    page.locator(".psp-country select").select_option(label=f"{design.authority} \u2013 {AUTHORITIES[design.authority]}")
    page.locator("button.psp-search").click()
    expect(page.locator(".psp-card")).to_have_count(10, timeout=90_000)


def _views(folder: Path) -> list[Path]:
    """Three views of one chair of the sandbox corpus (front, three-quarter, top), as PNG files."""
    from patsnap_pandas.sandbox.corpus import generated_corpus

    corpus = generated_corpus()
    design = next(d for d in corpus.designs if corpus.kinds[d.patent_id] == "chair" and len(d.image_keys) >= 3)
    paths = []
    for name, key in zip(("chair-front.png", "chair-three-quarter.png", "chair-top.png"), design.image_keys):
        path = folder / name
        path.write_bytes(corpus.image_png(key))
        paths.append(path)
    return paths


def _job_shots(browser, url: str, folder: Path, out: Path) -> None:
    """The clearance and prior-art shots: a chair of the sandbox corpus, a fresh page (kernel) each."""
    from playwright.sync_api import expect

    from patsnap_pandas.codes import AUTHORITIES
    from patsnap_pandas.sandbox.corpus import generated_corpus
    from tests.widgets.browser import PAGE_TIMEOUT_MS

    corpus = generated_corpus()
    chairs = [d for d in corpus.designs if corpus.kinds[d.patent_id] == "chair" and d.authority == "US"]
    ours, theirs = folder / "our-chair.png", folder / "their-chair.png"
    ours.write_bytes(corpus.image_png(chairs[0].image_keys[0]))
    theirs.write_bytes(corpus.image_png(chairs[1].image_keys[0]))

    page = browser.page(1280)
    page.goto(url, timeout=PAGE_TIMEOUT_MS)
    expect(page.locator(".psp-status")).to_contain_text("SANDBOX", timeout=PAGE_TIMEOUT_MS)
    page.locator(".psp-purpose-choice button", has_text="Clearance").click()
    page.locator(".psp-markets select").select_option(
        label=[f"{code} \u2013 {AUTHORITIES[code]}" for code in ("CN", "US", "EM")])
    with page.expect_file_chooser() as chooser:
        page.locator("button.psp-upload").click()
    chooser.value.set_files(str(ours))
    expect(page.locator(".psp-preview img")).to_be_visible(timeout=30_000)
    page.locator("button.psp-search").click()
    expect(page.locator(".psp-status")).to_contain_text("set aside (", timeout=90_000)
    page.get_by_text("Set aside, and why (").click()
    expect(page.locator(".psp-aside")).to_be_visible(timeout=30_000)
    _tall(page)
    box = page.locator(".psp-panel").bounding_box()
    aside = page.locator(".psp-aside").bounding_box()
    page.screenshot(path=str(out / "panel-clearance.png"),
                    clip={"x": box["x"], "y": box["y"], "width": box["width"],
                          "height": aside["y"] + aside["height"] + 16 - box["y"]})
    page.close()

    page = browser.page(1280)
    page.goto(url, timeout=PAGE_TIMEOUT_MS)
    expect(page.locator(".psp-status")).to_contain_text("SANDBOX", timeout=PAGE_TIMEOUT_MS)
    page.locator(".psp-purpose-choice button", has_text="Prior art").click()
    page.locator(".psp-published-before input").fill("2019-06-01")
    page.locator(".psp-published-before input").press("Tab")
    with page.expect_file_chooser() as chooser:
        page.locator("button.psp-accused-upload").click()
    chooser.value.set_files(str(theirs))
    with page.expect_file_chooser() as chooser:
        page.locator("button.psp-upload").click()
    chooser.value.set_files(str(ours))
    expect(page.locator(".psp-preview img")).to_be_visible(timeout=30_000)
    page.locator("button.psp-search").click()
    expect(page.locator(".psp-card").first).to_be_visible(timeout=90_000)
    page.locator(".psp-card button.psp-open").nth(1).click()
    expect(page.locator(".psp-compare table.tw img")).to_have_count(3, timeout=30_000)
    _tall(page)
    box = page.locator(".psp-panel").bounding_box()
    fields = page.locator(".psp-compare .psp-fields").first.bounding_box()
    page.screenshot(path=str(out / "panel-prior-art.png"),
                    clip={"x": box["x"], "y": box["y"], "width": box["width"],
                          "height": fields["y"] + fields["height"] + 16 - box["y"]})
    page.close()


def _tall(page, width: int = 1280) -> None:
    """Voila scrolls inside its own container: make the window as tall as the panel."""
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_timeout(400)
    height = page.locator(".psp-panel").bounding_box()["height"]
    page.set_viewport_size({"width": width, "height": int(min(height + 200, 8000))})
    page.wait_for_timeout(400)


def main(out: Path = ROOT / "docs" / "img") -> list[Path]:
    """Take every screenshot of :data:`SHOTS` into ``out``; returns the files written."""
    import os

    from playwright.sync_api import expect

    from tests.widgets.browser import PAGE_TIMEOUT_MS, Browser, jupyter_server

    for name in list(os.environ):
        if name.startswith("PATSNAP_") and name not in ("PATSNAP_SANDBOX_CACHE_DIR",):
            del os.environ[name]  # the sandbox, never an account
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="panel-shots-") as tmp:
        tmp = Path(tmp)
        drawing, design = _drawing(tmp)
        browser = Browser()
        try:
            from patsnap_pandas.sandbox.corpus import sandbox_cache_dir

            home = tmp / "home"  # so the export folder reads as the documented default, ~/Documents/...
            shown_env = {"HOME": str(home), "XDG_DOCUMENTS_DIR": str(home / "Documents"),
                         "PATSNAP_SANDBOX_CACHE_DIR": str(sandbox_cache_dir())}
            with jupyter_server("voila", tmp / "voila", shown_env) as (url, _log):
                page = browser.page(1280)
                page.goto(url, timeout=PAGE_TIMEOUT_MS)
                expect(page.locator(".psp-status")).to_contain_text("SANDBOX", timeout=PAGE_TIMEOUT_MS)
                _search(page, drawing, design)
                _tall(page)
                page.locator(".psp-panel").screenshot(path=str(out / "panel.png"))
                _tall(page, 800)
                page.locator(".psp-panel").screenshot(path=str(out / "panel-800.png"))
                page.set_viewport_size({"width": 1280, "height": 900})

                page.locator(".psp-loc input").fill("06-01 AMD 06-02")
                page.locator(".psp-loc input").press("Enter")
                page.locator(".psp-country-other input").fill("Germny")
                page.locator(".psp-country-other input").press("Enter")
                expect(page.locator(".psp-msg-country")).to_contain_text("Did you mean")
                _tall(page)
                box = page.locator(".psp-panel").bounding_box()
                actions = page.locator("button.psp-search").bounding_box()
                page.screenshot(path=str(out / "panel-messages.png"),
                                clip={"x": box["x"], "y": box["y"], "width": box["width"],
                                      "height": actions["y"] + actions["height"] + 12 - box["y"]})
                page.locator(".psp-loc input").fill("")
                page.locator(".psp-loc input").press("Enter")
                page.locator(".psp-country-other input").fill("")
                page.locator(".psp-country-other input").press("Enter")

                page.locator("button.psp-enrich").click()  # owners and legal status, shown in the comparison
                expect(page.locator(".psp-status")).to_contain_text("Added owners and legal status", timeout=60_000)
                page.locator(".psp-card button.psp-open").nth(1).click()
                compare = page.locator(".psp-compare")
                expect(compare).to_be_visible(timeout=30_000)
                compare.locator(".psp-relevance button", has_text="relevant").first.click()
                note = compare.locator(".psp-note textarea")
                note.fill("Same outline as our bottle; the cap differs")
                note.press("Tab")
                expect(page.locator(".psp-msg-mark")).to_contain_text("marked relevant")
                _tall(page)
                compare.screenshot(path=str(out / "panel-compare.png"))

                page.locator(".psp-export-format select").select_option(label="Excel")
                page.locator(".psp-export-include select").select_option(label="marked hits")
                page.locator("button.psp-export").click()
                expect(page.locator("a.psp-download")).to_be_visible(timeout=60_000)
                _tall(page)
                page.locator(".psp-export-box").screenshot(path=str(out / "panel-export.png"))
                page.close()

                # several views of one product: a fresh page (a new kernel, a new panel)
                page = browser.page(1280)
                page.goto(url, timeout=PAGE_TIMEOUT_MS)
                expect(page.locator(".psp-status")).to_contain_text("SANDBOX", timeout=PAGE_TIMEOUT_MS)
                with page.expect_file_chooser() as chooser:
                    page.locator("button.psp-upload").click()
                chooser.value.set_files([str(p) for p in _views(tmp)])
                expect(page.locator(".psp-view-item")).to_have_count(3, timeout=30_000)
                page.locator("button.psp-search").click()
                expect(page.locator(".psp-card")).to_have_count(10, timeout=90_000)
                page.locator(".psp-card button.psp-open").nth(1).click()
                expect(page.locator(".psp-compare")).to_be_visible(timeout=30_000)
                _tall(page)
                box = page.locator(".psp-panel").bounding_box()
                pair = page.locator(".psp-compare .psp-pair").bounding_box()
                page.screenshot(path=str(out / "panel-views.png"),
                                clip={"x": box["x"], "y": box["y"], "width": box["width"],
                                      "height": pair["y"] + pair["height"] + 16 - box["y"]})
                page.close()
                _job_shots(browser, url, tmp, out)
            with jupyter_server("lab", tmp / "lab", shown_env) as (url, _log):
                from tests.widgets.test_jupyterlab import run_app_cell

                page = browser.page(1280)
                page.goto(url + "lab/tree/app.ipynb?reset", timeout=PAGE_TIMEOUT_MS)
                run_app_cell(page)
                _search(page, drawing, design)
                page.locator(".psp-status").evaluate("el => el.scrollIntoView({block: 'start'})")
                page.wait_for_timeout(400)
                page.screenshot(path=str(out / "panel-jupyterlab.png"))
                page.close()
        finally:
            browser.close()
    written = [out / name for name in SHOTS]
    for path in written:
        print(f"wrote {path.relative_to(ROOT)}")
    return written


def job_shots(out: Path = ROOT / "docs" / "img") -> list[Path]:
    """Only the clearance and prior-art shots (``--jobs``): one Voila server, no JupyterLab."""
    import os

    from tests.widgets.browser import Browser, jupyter_server

    for name in list(os.environ):
        if name.startswith("PATSNAP_") and name not in ("PATSNAP_SANDBOX_CACHE_DIR",):
            del os.environ[name]  # the sandbox, never an account
    from patsnap_pandas.sandbox.corpus import sandbox_cache_dir

    with tempfile.TemporaryDirectory(prefix="panel-shots-") as tmp:
        folder = Path(tmp)
        browser = Browser()
        try:
            env = {"HOME": str(folder / "home"), "PATSNAP_SANDBOX_CACHE_DIR": str(sandbox_cache_dir())}
            with jupyter_server("voila", folder / "voila", env) as (url, _log):
                _job_shots(browser, url, folder, out)
        finally:
            browser.close()
    written = [out / "panel-clearance.png", out / "panel-prior-art.png"]
    for path in written:
        print(f"wrote {path.relative_to(ROOT)}")
    return written


if __name__ == "__main__":
    job_shots() if "--jobs" in sys.argv[1:] else main()

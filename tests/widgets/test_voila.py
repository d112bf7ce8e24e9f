"""The app notebook (notebooks/04_panel.ipynb) served by Voila on 127.0.0.1, driven in Debian's Chromium.

One Voila server and one browser for the module. The notebook's cell finds no
PATSNAP_* credentials in the test environment, so its kernel starts the offline
sandbox; the panel's status line says so. Every state the acceptance names (after
load, after a search, after a validation error, with a comparison open) is measured
at 800, 1280 and 1920 px on the same page, and screenshotted into tmp/artifacts.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image

from patsnap_pandas.codes import AUTHORITIES

from .browser import APP_NOTEBOOK, PAGE_TIMEOUT_MS, check_widths, decoded_box, jupyter_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def voila(tmp_path_factory):
    root = tmp_path_factory.mktemp("voila")
    with jupyter_server("voila", root) as (url, log):
        yield url, log, root


@pytest.fixture(scope="module")
def drawing(tmp_path_factory):
    """A drawing of the sandbox's default corpus (what the kernel's sandbox serves): PNG and TIFF files."""
    from patsnap_pandas.sandbox.corpus import generated_corpus

    corpus = generated_corpus()  # cached in PATSNAP_SANDBOX_CACHE_DIR, shared with the kernel
    design = next(d for d in corpus.designs if d.authority == "US")  # English titles in the screenshots
    folder = tmp_path_factory.mktemp("drawing")
    png = folder / "chair-drawing.png"
    png.write_bytes(corpus.image_png(design.image_keys[0]))
    tif = folder / "chair-drawing.tif"
    with Image.open(io.BytesIO(png.read_bytes())) as im:
        im.save(tif, format="TIFF")
    return png, tif, design


#: A PatSnap id (a UUID) as the sandbox and PatSnap write it.
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: Every link of the panel whose colour, underline or cursor is not a link's: [text, colour, line, cursor].
LINKS_JS = """() => [...document.querySelectorAll('.psp-panel a')].filter(a => a.getClientRects().length).map(a => {
  const s = getComputedStyle(a); return [a.innerText.slice(0, 40), s.color, s.textDecorationLine, s.cursor]; })
  .filter(([_t, color, line, cursor]) => color !== 'rgb(11, 87, 208)' || !line.includes('underline')
                                         || cursor !== 'pointer')"""


def internals_in_view(page) -> list[str]:
    """PatSnap ids and signed links a reader sees in the panel (a closed toggle's content is not seen)."""
    text = page.locator(".psp-panel").first.inner_text()
    return UUID.findall(text) + re.findall(r"\S*signature=\S*", text)


def links_unlike_links(page) -> list[list[str]]:
    """The panel's visible links that do not look like links (colour, underline, pointer); [] when all do."""
    return page.evaluate(LINKS_JS)


def add_owners(page) -> None:
    """Click *Add owners and legal status* after its billed calls are said beside it; wait for what it found."""
    from playwright.sync_api import expect

    expect(page.locator(".psp-enrich-offer")).to_contain_text("billed call", timeout=20_000)
    page.locator("button.psp-enrich").click()
    expect(page.locator(".psp-status")).to_contain_text("Added owners and legal status to", timeout=60_000)
    expect(page.locator("button.psp-enrich")).to_be_disabled()


def open_app(browser, url):
    from playwright.sync_api import expect

    page = browser.page()
    page.goto(url, timeout=PAGE_TIMEOUT_MS)
    expect(page.locator(".psp-panel")).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    expect(page.locator(".psp-status")).to_contain_text("SANDBOX", timeout=PAGE_TIMEOUT_MS)
    return page


def choose_file(page, path):
    from playwright.sync_api import expect

    with page.expect_file_chooser() as chooser:  # ipywidgets makes its <input type=file> on click
        page.locator("button.psp-upload").click()
    chooser.value.set_files(str(path))
    expect(page.locator(".psp-preview img")).to_be_visible(timeout=20_000)


def test_layout_fits_at_800_1280_1920_in_every_state(browser, voila, drawing):
    from playwright.sync_api import expect

    url, log, _root = voila
    png, _tif, design = drawing
    page = open_app(browser, url)
    problems = {}
    # after load: nothing red, a hint (not an error) next to Search
    expect(page.locator("button.psp-search")).to_be_disabled()
    expect(page.locator(".psp-hint")).to_contain_text("Choose an image file or paste an image URL")
    expect(page.locator(".psp-panel .psp-msg-error")).to_have_count(0)
    problems["load"] = check_widths(page, "voila-1-load")

    # after a search
    page.set_viewport_size({"width": 1280, "height": 900})
    choose_file(page, png)
    page.locator(".psp-country select").select_option(label=f"{design.authority} \u2013 {AUTHORITIES[design.authority]}")
    search = page.locator("button.psp-search")
    expect(search).to_be_enabled(timeout=10_000)
    search.click()
    cards = page.locator(".psp-card")
    expect(cards).to_have_count(10, timeout=60_000)
    expect(cards.first).to_contain_text(design.patent_pn)
    expect(page.locator(".psp-status")).to_contain_text("Found 10 hits")
    for i in range(10):  # every thumbnail decoded by the browser, shown at 160 px or more
        assert decoded_box(cards.nth(i).locator("img"))["width"] >= 160
    problems["search"] = check_widths(page, "voila-2-search")

    # after a validation error: each message once, next to its field
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator(".psp-loc input").fill("06-01 AMD 06-02")
    page.locator(".psp-loc input").press("Enter")
    expect(page.locator(".psp-msg-loc")).to_contain_text("Locarno class: unexpected 'AMD'")
    page.locator(".psp-country-other input").fill("XX")
    page.locator(".psp-country-other input").press("Enter")
    expect(page.locator(".psp-msg-country")).to_contain_text("Authority: 'XX' is not an authority code.")
    page.locator(".psp-more-filters .jupyter-widget-Collapse-header, .psp-more-filters .p-Collapse-header").first.click() \
        if page.locator(".psp-apply-start input").is_hidden() else None
    page.locator(".psp-apply-start input").fill("2022-06-01")
    page.locator(".psp-apply-end input").fill("2020-01-01")
    page.locator(".psp-apply-end input").press("Tab")
    expect(page.locator(".psp-msg-apply")).to_have_text("Applied from is after Applied to.")
    expect(search).to_be_disabled()
    expect(page.get_by_text("Applied from is after Applied to.")).to_have_count(1)
    expect(page.get_by_text("is not an authority code")).to_have_count(1)
    problems["error"] = check_widths(page, "voila-3-validation-error")

    # a comparison open (with the errors still shown)
    page.set_viewport_size({"width": 1280, "height": 900})
    cards.nth(1).locator("button.psp-open").click()
    compare = page.locator(".psp-compare")
    expect(compare).to_be_visible(timeout=20_000)
    expect(compare).to_contain_text("Locarno class")
    images = compare.locator(".psp-pair img")
    expect(images).to_have_count(2)
    assert all(decoded_box(images.nth(i))["width"] >= 240 for i in range(2))  # large, side by side
    expect(compare.locator(".psp-why")).to_contain_text("Why it matched")  # widgets/why_view.py
    assert decoded_box(compare.locator(".psp-why img").first)["width"] >= 120
    problems["compare"] = check_widths(page, "voila-4-comparison")

    assert not {state: p for state, p in problems.items() if p}, json.dumps(problems, indent=1)
    assert not browser.errors, browser.errors
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
    page.close()


def test_click_through_tiff_search_more_compare_mark_export_excel(browser, voila, drawing, tmp_path):
    """Upload a TIFF, set a country, Search, Load more, open a hit, mark it, download Excel of marked hits."""
    from playwright.sync_api import expect

    import patsnap_pandas as pp

    url, log, root = voila
    _png, tif, design = drawing
    page = open_app(browser, url)
    choose_file(page, tif)
    expect(page.locator(".psp-preview")).to_contain_text(tif.name)
    page.locator(".psp-country select").select_option(label=f"{design.authority} \u2013 {AUTHORITIES[design.authority]}")
    search = page.locator("button.psp-search")
    expect(search).to_be_enabled(timeout=10_000)
    search.click()
    cards = page.locator(".psp-card")
    expect(cards).to_have_count(10, timeout=60_000)
    expect(page.locator(".psp-status")).to_contain_text("This session: 2 billed API calls")
    page.locator("button.psp-more").click()
    expect(cards).to_have_count(20, timeout=60_000)
    expect(page.locator(".psp-status")).to_contain_text("Loaded 10 more hits")
    expect(page.locator(".psp-status")).to_contain_text("This session: 3 billed API calls")

    hit = cards.nth(3)
    number = hit.locator("b").first.inner_text()
    hit.locator("button.psp-open").click()
    compare = page.locator(".psp-compare")
    expect(compare).to_be_visible(timeout=20_000)
    expect(compare).to_contain_text(number)
    compare.locator(".psp-relevance button", has_text="relevant").first.click()
    note = compare.locator(".psp-note textarea")
    note.fill("Same outline as our bottle; check the cap")
    note.press("Tab")  # the note is sent when the box loses focus
    expect(page.locator(".psp-msg-mark")).to_contain_text("marked relevant with a note")
    page.locator("button.psp-back").click()
    expect(cards.nth(3)).to_contain_text("relevant")

    page.locator(".psp-export-format select").select_option(label="Excel")
    page.locator(".psp-export-include select").select_option(label="marked hits")
    export = page.locator("button.psp-export")
    expect(export).to_be_enabled()
    export.click()
    link = page.locator("a.psp-download")
    expect(link).to_be_visible(timeout=60_000)
    with page.expect_download() as download_info:  # the browser's own download, from the data: link
        link.click()
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.suffix == ".xlsx"
    # also saved in the folder shown in the panel (the documented default under the user's Documents)
    kept = root / "Documents" / "patsnap-reports" / saved.name
    assert kept.read_bytes() == saved.read_bytes()
    expect(page.locator(".psp-export-msg")).to_contain_text(str(kept))

    triage = pp.read_triage(saved)
    assert len(triage) == 1
    assert triage.iloc[0]["patent_pn"] == number
    assert (triage.iloc[0]["relevance"], triage.iloc[0]["note"]) == ("relevant", "Same outline as our bottle; check the cap")
    assert not browser.errors, browser.errors
    assert "Traceback" not in log.read_text()
    page.close()


def test_three_views_strip_search_and_comparison_fit_at_800_1280_1920(browser, voila, tmp_path):
    """Three files chosen at once: a numbered strip with Remove buttons and the order hint, one search,
    the comparison with all views beside the hit (P061 does not say which matched); nothing wider than the window."""
    from playwright.sync_api import expect

    from patsnap_pandas.sandbox.corpus import generated_corpus

    url, log, _root = voila
    corpus = generated_corpus()
    design = next(d for d in corpus.designs if d.authority == "US" and len(d.image_keys) >= 2)
    paths = []
    for i in range(3):
        path = tmp_path / f"view-{i + 1}.png"
        path.write_bytes(corpus.image_png(design.image_keys[i % len(design.image_keys)]))
        paths.append(str(path))
    page = open_app(browser, url)
    with page.expect_file_chooser() as chooser:
        page.locator("button.psp-upload").click()
    chooser.value.set_files(paths)
    items = page.locator(".psp-view-item")
    expect(items).to_have_count(3, timeout=20_000)
    for i in range(3):
        expect(items.nth(i)).to_contain_text(f"View {i + 1} of 3")
        assert decoded_box(items.nth(i).locator("img"))["width"] >= 100
    expect(page.locator(".psp-views-hint")).to_contain_text("Order matters")
    expect(page.locator("button.psp-remove-view")).to_have_count(3)
    problems = {"strip": check_widths(page, "voila-5-views-strip")}
    # no wrapped numbers: each "View i of 3" stays on one line
    heights = page.locator(".psp-view figcaption b").evaluate_all("els => els.map(e => e.getClientRects().length)")
    assert heights == [1, 1, 1], heights

    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("button.psp-search").click()
    cards = page.locator(".psp-card")
    expect(cards).to_have_count(10, timeout=60_000)
    expect(page.locator(".psp-summary")).to_contain_text("for 3 views of one product")
    cards.first.locator("button.psp-open").click()
    compare = page.locator(".psp-compare")
    expect(compare).to_be_visible(timeout=20_000)
    expect(compare).to_contain_text("All 3 views, scored together")  # P061 does not say which matched
    tiles = compare.locator(".psp-allviews img")
    expect(tiles).to_have_count(3)
    assert all(decoded_box(tiles.nth(i))["width"] >= 100 for i in range(3))
    assert decoded_box(compare.locator(".psp-pair > figure > img"))["width"] >= 240  # the hit, large
    assert internals_in_view(page) == []  # no PatSnap id or signed link until the Identifiers toggle is opened
    expect(compare.locator(".psp-fields").first).to_contain_text("not looked up yet")
    add_owners(page)  # owners and legal status of the shown hits: the comparison shows them
    for label in ("Owner", "Legal status", "In force"):
        expect(compare.locator(".psp-fields th", has_text=re.compile(f"^{label}$"))).to_have_count(1)
    expect(compare.locator(".psp-fields").first).not_to_contain_text("not looked up yet")
    expect(compare.locator(".psp-fields .psp-state")).to_have_count(1)
    assert internals_in_view(page) == []
    problems["compare"] = check_widths(page, "voila-6-views-comparison")
    page.locator(".psp-landscape-box").get_by_text("Landscape: owners, classes, offices, years").click()
    expect(page.locator(".psp-land table.landscape").first).to_be_visible(timeout=60_000)  # owners added above
    problems["landscape"] = check_widths(page, "voila-6b-landscape")
    compare.locator(".psp-ids summary").click()  # one click shows PatSnap's id and the image link
    assert UUID.search(compare.locator(".psp-ids").inner_text())
    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("button.psp-export").click()
    expect(page.locator("a.psp-download")).to_be_visible(timeout=60_000)
    assert links_unlike_links(page) == []  # the download, the record and the image links look like links
    assert not {state: p for state, p in problems.items() if p}, json.dumps(problems, indent=1)
    assert not browser.errors, browser.errors
    assert "Traceback" not in log.read_text()
    page.close()


#: Elements whose text must stay on one line: patent numbers, scores, ranks, dates, states (``psp-nowrap``).
ONE_LINE = ".psp-panel .psp-nowrap, .psp-panel .psp-state, .psp-panel .psp-um"


def wrapped(page) -> list[str]:
    """The texts of :data:`ONE_LINE` broken over two lines or more (empty when none is)."""
    return page.locator(ONE_LINE).evaluate_all(
        "els => els.filter(e => e.getClientRects().length > 1).map(e => e.innerText)")


def test_clearance_search_fits_at_800_1280_1920(browser, voila, drawing):
    """Clearance with two markets and today: Search runs jobs.clearance.clearance in the kernel; every card
    says its state (in force with its estimated expiry), the status line counts the hits set aside by reason;
    the comparison shows in force, expiry and rule. Nothing wider than the window, no wrapped number."""
    from playwright.sync_api import expect

    url, log, _root = voila
    png, _tif, _design = drawing
    page = open_app(browser, url)
    page.locator(".psp-purpose-choice button", has_text="Clearance").click()
    expect(page.locator(".psp-markets select")).to_be_visible(timeout=20_000)
    expect(page.locator(".psp-msg-markets")).to_have_text("Clearance: choose the markets where the product will be sold.")
    page.locator(".psp-markets select").select_option(label=[f"{code} \u2013 {AUTHORITIES[code]}" for code in ("US", "EM")])
    expect(page.locator(".psp-msg-markets")).to_have_text("")
    expect(page.locator(".psp-purpose-words")).to_contain_text("in United States, EUIPO (EU designs)")
    choose_file(page, png)
    page.locator("button.psp-search").click()
    status = page.locator(".psp-status")
    expect(status).to_contain_text("set aside (", timeout=90_000)
    expect(status).to_contain_text("SANDBOX")
    cards = page.locator(".psp-card")
    expect(cards.first).to_be_visible(timeout=30_000)
    expect(page.locator(".psp-card .psp-state")).to_have_count(cards.count())
    states = page.locator(".psp-card .psp-state").all_inner_texts()
    assert len(states) == cards.count() and set(states) <= {"in force", "pending", "unknown"}, states
    in_force = page.locator(".psp-card .psp-card-status", has_text="in force")
    assert in_force.count() >= 1
    for i in range(in_force.count()):  # the expiry on every card in force
        expect(in_force.nth(i)).to_contain_text(" until ")
    page.get_by_text("Set aside, and why (").click()  # the hits set aside, each with its reason
    aside = page.locator(".psp-aside")
    expect(aside).to_be_visible(timeout=20_000)
    expect(aside).to_contain_text("Why it was set aside")
    reasons = aside.locator("td.psp-why").all_inner_texts()
    assert reasons and all(": " in reason for reason in reasons), reasons  # "<state>: <why>", in words
    problems = {"clearance": check_widths(page, "voila-7-clearance")}
    bad_lines = {"clearance": wrapped(page)}

    page.set_viewport_size({"width": 1280, "height": 900})
    in_force.first.locator("xpath=ancestor::*[contains(@class,'psp-card')]").locator("button.psp-open").click()
    compare = page.locator(".psp-compare")
    expect(compare).to_be_visible(timeout=20_000)
    for words in ("In force", "Expiry (estimate)", "Rule"):
        expect(compare).to_contain_text(words)
    problems["clearance compare"] = check_widths(page, "voila-8-clearance-comparison")
    bad_lines["clearance compare"] = wrapped(page)
    assert not {state: p for state, p in problems.items() if p}, json.dumps(problems, indent=1)
    assert not any(bad_lines.values()), bad_lines
    assert not browser.errors, browser.errors
    assert "Traceback" not in log.read_text()
    page.close()


def test_prior_art_search_and_three_way_comparison_fit_at_800_1280_1920(browser, voila, drawing, tmp_path):
    """Prior art before a cutoff with an accused product: the evidence (utility models marked), then a hit
    opened: the registered design, the accused product and the prior art side by side, each large enough
    to judge. Nothing wider than the window, no wrapped number."""
    from playwright.sync_api import expect

    from patsnap_pandas.sandbox.corpus import generated_corpus

    url, log, _root = voila
    png, _tif, design = drawing
    corpus = generated_corpus()
    other = next(d for d in corpus.designs if d.authority == design.authority and d.patent_id != design.patent_id)
    accused = tmp_path / "their-product.png"
    accused.write_bytes(corpus.image_png(other.image_keys[0]))
    page = open_app(browser, url)
    page.locator(".psp-purpose-choice button", has_text="Prior art").click()
    expect(page.locator(".psp-published-before input")).to_be_visible(timeout=20_000)
    expect(page.locator(".psp-msg-date")).to_contain_text("Prior art: choose the date")
    page.locator(".psp-published-before input").fill("2019-06-01")
    page.locator(".psp-published-before input").press("Tab")
    expect(page.locator(".psp-purpose-words")).to_contain_text("published before 2019-06-01")
    with page.expect_file_chooser() as chooser:
        page.locator("button.psp-accused-upload").click()
    chooser.value.set_files(str(accused))
    expect(page.locator(".psp-accused-preview img")).to_be_visible(timeout=20_000)
    choose_file(page, png)
    page.locator("button.psp-search").click()
    cards = page.locator(".psp-card")
    expect(cards.first).to_be_visible(timeout=90_000)
    expect(page.locator(".psp-status")).to_contain_text("SANDBOX")
    assert page.locator(".psp-card .psp-um").count() >= 1  # utility models marked
    problems = {"prior art": check_widths(page, "voila-9-prior-art")}
    bad_lines = {"prior art": wrapped(page)}

    page.set_viewport_size({"width": 1280, "height": 900})
    cards.first.locator("button.psp-open").click()
    compare = page.locator(".psp-compare")
    expect(compare).to_be_visible(timeout=20_000)
    expect(compare).to_contain_text("Closest prior art")
    expect(compare).to_contain_text(accused.name)
    pictures = compare.locator("table.tw img")
    expect(pictures).to_have_count(3)
    problems["three-way"] = check_widths(page, "voila-10-prior-art-three-way")
    bad_lines["three-way"] = wrapped(page)
    for width in (800, 1280, 1920):  # each picture large enough to judge, at every width
        page.set_viewport_size({"width": width, "height": 900})
        heights = [decoded_box(pictures.nth(i))["height"] for i in range(3)]
        assert min(heights) >= 160, (width, heights)
    assert not {state: p for state, p in problems.items() if p}, json.dumps(problems, indent=1)
    assert not any(bad_lines.values()), bad_lines
    assert not browser.errors, browser.errors
    assert "Traceback" not in log.read_text()
    page.close()


def test_the_layout_measure_finds_what_it_looks_for(browser):
    """The measure the layout tests rely on flags a clipped control, a cut label and an overflowing box."""
    from .browser import layout_problems

    page = browser.page(800)
    page.set_content("""
      <div class="psp-panel" style="width: 500px; overflow: hidden">
        <input value="a value far too long for the box it sits in, cut at its right end" style="width: 120px">
        <label style="display:inline-block; width: 40px; overflow: hidden; white-space: nowrap">Applied from</label>
        <div style="width: 900px">a box wider than the window</div>
        <button style="width: 200px">fits</button>
      </div>""")
    problems = layout_problems(page)
    whats = [(what, element.split(" ")[0]) for what, element, _numbers in problems]
    assert ("narrower than its content", "input") in whats
    assert ("narrower than its content", "label") in whats
    assert ("right edge beyond the viewport", "div") in whats
    assert not any(element.startswith("button") for _what, element, _n in problems)
    page.set_content('<div class="psp-panel" style="width: 500px"><button>fits</button></div>')
    assert layout_problems(page) == []
    page.close()


def test_decoded_box_waits_for_a_picture_shown_late(browser):
    """The wait the image checks rely on: a picture in a box still hidden (as the views' strip is for a moment
    after the files are chosen) is measured once shown and decoded, not read as None; a broken one fails."""
    import base64

    from playwright.sync_api import Error as PlaywrightError

    out = io.BytesIO()
    Image.new("RGB", (120, 80), "white").save(out, format="PNG")
    src = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")
    page = browser.page(800)
    page.set_content(f"""
      <div id="strip" style="display: none"><img id="late" src="{src}" style="width: 60px"></div>
      <img id="broken" src="data:image/png;base64,AAAA" style="width: 60px; height: 40px">
      <script>setTimeout(() => document.getElementById('strip').style.display = 'block', 500)</script>""")
    box = decoded_box(page.locator("#late"))
    assert (box["width"], box["height"]) == (60, 40)
    with pytest.raises((AssertionError, PlaywrightError)):
        decoded_box(page.locator("#broken"), timeout_ms=3_000)
    page.close()


def test_app_notebook_is_the_panel_alone():
    nb = json.loads(APP_NOTEBOOK.read_text(encoding="utf-8"))  # plain JSON: nbformat takes seconds to import
    assert nb["nbformat"] == 4 and nb["metadata"]["kernelspec"]["name"] == "python3"
    assert [cell["cell_type"] for cell in nb["cells"]] == ["code"]  # Voila shows markdown: no prose
    source = "".join(nb["cells"][0]["source"])
    assert "PatsnapClient.from_env()" in source and "PatsnapClient.sandbox()" in source
    assert "print(" not in source and "voila" not in source.lower()  # no credential block, no instructions
    assert source.rstrip().endswith("SearchPanel(client)")
    # outputs could carry data or secrets of whoever ran it last: the notebook is stored clean
    assert not nb["cells"][0]["outputs"] and nb["cells"][0]["execution_count"] is None

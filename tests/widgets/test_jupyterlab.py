"""The app notebook in JupyterLab 4 (file browser open and closed) and Notebook 7, in Debian's Chromium.

One Jupyter server and one browser for the module. The states of the acceptance
(after load, after a search, after a validation error, with a comparison open) are
measured at 800, 1280 and 1920 px with JupyterLab's left sidebar open and closed, and
after load and search in Notebook 7; in both, the comparison of three views searched together
after *Add owners and legal status*; screenshots go to tmp/artifacts.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest

from patsnap_pandas.codes import AUTHORITIES

from .browser import PAGE_TIMEOUT_MS, check_widths, jupyter_server, settle
from .test_voila import (  # noqa: F401  (drawing: the module's drawing fixture)
    add_owners,
    choose_file,
    drawing,
    internals_in_view,
    links_unlike_links,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    with jupyter_server("lab", root) as (url, log):
        yield url, log, root


def run_app_cell(page):
    """Run the notebook's only cell (Shift+Enter in its editor) and wait for the panel."""
    from playwright.sync_api import expect

    editor = page.locator(".jp-Cell .cm-content").first
    expect(editor).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    prompt = page.locator(".jp-Cell .jp-InputPrompt").first
    for _attempt in range(20):  # a run sent before the kernel is connected is dropped: send it again
        accept_dialog(page)
        editor.click()
        page.keyboard.press("Shift+Enter")
        try:
            expect(prompt).not_to_have_text(re.compile(r"\[ \]"), timeout=3_000)
            break
        except AssertionError:
            continue
    expect(page.locator(".psp-panel")).to_be_visible(timeout=PAGE_TIMEOUT_MS)
    news = page.get_by_role("button", name="No", exact=True)  # JupyterLab's "official news?" toast
    if news.count():
        news.first.click()
    expect(page.locator(".psp-status")).to_contain_text("SANDBOX", timeout=PAGE_TIMEOUT_MS)


def accept_dialog(page) -> None:
    """Accept a JupyterLab dialog that covers the notebook (on a fresh machine, e.g. "Select Kernel" while
    the kernel list loads): its default button, as a user would; its title is printed for the test's log."""
    dialog = page.locator(".jp-Dialog")
    if dialog.count():
        print("JupyterLab dialog accepted:", dialog.first.inner_text()[:200].replace("\n", " "))
        dialog.first.locator("button.jp-mod-accept").first.click()
        dialog.first.wait_for(state="detached", timeout=10_000)


def sidebar(page, open_: bool) -> None:
    """Show or hide JupyterLab's left sidebar (the file browser)."""
    from playwright.sync_api import expect

    stack = page.locator("#jp-left-stack")
    if stack.is_visible() != open_:
        page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab").first.click()
    if open_:
        expect(stack).to_be_visible()
    else:
        expect(stack).to_be_hidden()
    settle(page)  # the notebook takes the width the sidebar left on the next frame


def measure_both_sidebars(page, label: str, focus: str) -> dict:
    found = {}
    for open_ in (True, False):
        sidebar(page, open_)
        problems = check_widths(page, f"{label}-sidebar-{'open' if open_ else 'closed'}", full_page=False,
                                focus=focus)
        if problems:
            found[f"sidebar {'open' if open_ else 'closed'}"] = problems
        page.set_viewport_size({"width": 1280, "height": 900})
    return found


def download_html_report(page) -> None:
    """Export the HTML report and download it through the browser: the file is the sandbox report."""
    from playwright.sync_api import expect

    page.set_viewport_size({"width": 1280, "height": 900})
    page.locator("button.psp-export").click()
    link = page.locator("a.psp-download")
    expect(link).to_be_visible(timeout=60_000)
    assert links_unlike_links(page) == []  # the download and the record link look like links here too
    with page.expect_download() as info:
        link.click()
    path = info.value.path()
    text = open(path, encoding="utf-8").read()
    assert info.value.suggested_filename.endswith(".html") and "SANDBOX" in text and "<script" not in text.lower()


def test_layout_fits_in_jupyterlab_with_the_sidebar_open_and_closed(browser, lab, drawing):  # noqa: F811
    from playwright.sync_api import expect

    url, log, root = lab
    png, _tif, design = drawing
    page = browser.page()
    page.goto(url + f"lab/tree/{own_notebook(root, 'app-lab')}?reset", timeout=PAGE_TIMEOUT_MS)
    run_app_cell(page)
    problems = {"load": measure_both_sidebars(page, "lab-1-load", ".psp-panel")}

    choose_file(page, png)
    page.locator(".psp-country select").select_option(label=f"{design.authority} \u2013 {AUTHORITIES[design.authority]}")
    page.locator("button.psp-search").click()
    cards = page.locator(".psp-card")
    expect(cards).to_have_count(10, timeout=60_000)
    problems["search"] = measure_both_sidebars(page, "lab-2-search", ".psp-results")

    page.locator(".psp-loc input").fill("06-01 AMD 06-02")
    page.locator(".psp-loc input").press("Enter")
    expect(page.locator(".psp-msg-loc")).to_contain_text("Locarno class: unexpected 'AMD'")
    page.locator(".psp-country-other input").fill("XX")
    page.locator(".psp-country-other input").press("Enter")
    expect(page.locator(".psp-msg-country")).to_contain_text("is not an authority code")
    problems["error"] = measure_both_sidebars(page, "lab-3-validation-error", ".psp-loc")

    cards.nth(1).locator("button.psp-open").click()
    expect(page.locator(".psp-compare")).to_be_visible(timeout=20_000)
    problems["compare"] = measure_both_sidebars(page, "lab-4-comparison", ".psp-compare")
    expect(page.locator(".psp-why")).to_contain_text("Why it matched")  # its onion skin, measured in view
    problems["why"] = measure_both_sidebars(page, "lab-5-why-it-matched", ".psp-why")
    download_html_report(page)

    assert not {k: v for k, v in problems.items() if v}, json.dumps(problems, indent=1)
    assert not browser.errors, browser.errors
    page.close()


def test_layout_fits_in_notebook_7(browser, lab, drawing):  # noqa: F811
    from playwright.sync_api import expect

    url, log, root = lab
    png, _tif, design = drawing
    page = browser.page()
    page.goto(url + f"notebooks/{own_notebook(root, 'app-nb7')}", timeout=PAGE_TIMEOUT_MS)
    run_app_cell(page)
    problems = {"load": check_widths(page, "nb7-1-load", full_page=False, focus=".psp-panel")}
    page.set_viewport_size({"width": 1280, "height": 900})
    choose_file(page, png)
    page.locator(".psp-country select").select_option(label=f"{design.authority} \u2013 {AUTHORITIES[design.authority]}")
    page.locator("button.psp-search").click()
    expect(page.locator(".psp-card")).to_have_count(10, timeout=60_000)
    page.locator(".psp-card button.psp-open").first.click()
    expect(page.locator(".psp-compare")).to_be_visible(timeout=20_000)
    problems["comparison"] = check_widths(page, "nb7-2-comparison", full_page=False, focus=".psp-compare")
    download_html_report(page)
    assert not {k: v for k, v in problems.items() if v}, json.dumps(problems, indent=1)
    page.close()


def own_notebook(root, name: str) -> str:
    """A copy of the app notebook named ``name``, in the server's folder: its own kernel, not one an earlier test's
    page left shutting down (Notebook 7 opened on the notebook JupyterLab had just closed once showed "Kernel
    Terminating" over the panel, under load in CI). Returns its file name."""
    shutil.copyfile(root / "work" / "app.ipynb", root / "work" / f"{name}.ipynb")
    return f"{name}.ipynb"


def views_comparison_with_owners(page, tmp_path) -> None:
    """In the app notebook just run: three views of one chair searched together, owners and legal status added,
    the first hit opened; its comparison shows owner, status and in force, and no PatSnap id or signed link."""
    from playwright.sync_api import expect

    from patsnap_pandas.sandbox.corpus import generated_corpus

    corpus = generated_corpus()
    design = next(d for d in corpus.designs if d.authority == "US" and len(d.image_keys) >= 2)
    paths = []
    for i in range(3):
        path = tmp_path / f"view-{i + 1}.png"
        path.write_bytes(corpus.image_png(design.image_keys[i % len(design.image_keys)]))
        paths.append(str(path))
    with page.expect_file_chooser() as chooser:
        page.locator("button.psp-upload").click()
    chooser.value.set_files(paths)
    expect(page.locator(".psp-view-item")).to_have_count(3, timeout=20_000)
    page.locator("button.psp-search").click()
    cards = page.locator(".psp-card")
    expect(cards).to_have_count(10, timeout=90_000)
    add_owners(page)
    cards.first.locator("button.psp-open").click()
    compare = page.locator(".psp-compare")
    expect(compare).to_contain_text("All 3 views, scored together", timeout=20_000)
    for label in ("Owner", "Legal status", "In force"):
        expect(compare.locator(".psp-fields th", has_text=re.compile(f"^{label}$"))).to_have_count(1)
    expect(compare.locator(".psp-fields .psp-state")).to_have_count(1)
    assert internals_in_view(page) == []


def test_several_views_comparison_with_owners_fits_in_jupyterlab_with_the_sidebar_open_and_closed(browser, lab,
                                                                                                   tmp_path):
    """Three views searched together, owners and legal status added, a hit opened: the comparison (all views beside
    the hit, the fields under them) stacks inside the notebook at 800/1280/1920 px with the file browser open and
    closed; owner, status and in force shown; no PatSnap id or signed link in view."""
    url, log, root = lab
    page = browser.page()
    errors: list[str] = []  # this page's own (the module's browser also hears the earlier pages closing)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url + f"lab/tree/{own_notebook(root, 'views-lab')}?reset", timeout=PAGE_TIMEOUT_MS)
    run_app_cell(page)
    views_comparison_with_owners(page, tmp_path)
    problems = measure_both_sidebars(page, "lab-5-views-comparison", ".psp-compare")
    assert not problems, json.dumps(problems, indent=1)
    # JupyterLab's own kernel plumbing may cancel a subshell request while the page resets (seen once under load in
    # CI): not the panel's error; any other page error still fails the test
    assert [e for e in errors if "create_subshell_request" not in e] == [], errors
    page.close()


def test_several_views_comparison_with_owners_fits_in_notebook_7(browser, lab, tmp_path):
    """The same in Notebook 7 at 800/1280/1920 px (whose own start-up reports page errors of its file browser
    commands: not the panel's, so not asserted here, as in the Notebook 7 test above)."""
    url, log, root = lab
    page = browser.page()
    page.goto(url + f"notebooks/{own_notebook(root, 'views-nb7')}", timeout=PAGE_TIMEOUT_MS)
    run_app_cell(page)
    views_comparison_with_owners(page, tmp_path)
    problems = check_widths(page, "nb7-3-views-comparison", full_page=False, focus=".psp-compare")
    assert not problems, json.dumps(problems, indent=1)
    page.close()

"""The two PDF engines: Chromium (one browser per process, reused) and WeasyPrint (the fallback).

Both print the same paged HTML: the banner, the title and "Page N of M" on every page, CJK text,
images, every word whole in the class column. "auto" takes Chromium when Playwright and a
Chromium are there (CI installs Debian's chromium), else WeasyPrint; a bad engine is refused
before anything is written. The browser is started once, reused, started again when it died,
works from a thread with a running asyncio loop (a Jupyter kernel's), and is closed at exit.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from patsnap_pandas import InvalidInputError, MissingExtraError
from patsnap_pandas.report import build_report, pdf_chromium, write_pdf
from patsnap_pandas.report.pdf import pdf_engine
from tests.helpers import pdf_pages, pdf_text

ENGINES = ("chromium", "weasyprint")
#: What each engine writes as the PDF's producer (pdfinfo).
PRODUCERS = {"chromium": "Skia/PDF", "weasyprint": "WeasyPrint"}
TELECOM = "14-03 (Recording, telecommunication or data processing equipment)"


def _producer(path: Path) -> str:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return re.search(r"Producer:\s*(.*)", info).group(1)


@pytest.fixture(scope="module")
def engine_pdfs(module_sandbox, module_client, tmp_path_factory):
    """One small PDF per engine (12 hits, the first hit's class a long Locarno name, a CJK title), shared by
    the tests that read them."""
    from patsnap_pandas import search_designs
    from tests.helpers import design_png

    df = search_designs(design_png(module_sandbox.corpus, 5), client=module_client, limit=12).patsnap.enrich(legal_status=True)
    df.loc[df.index[0], "loc"] = TELECOM
    df.loc[df.index[1], "title"] = "扶手椅 armchair"
    report = build_report(df, title="Chairs & stools: engines")
    folder = tmp_path_factory.mktemp("engines")
    return {engine: write_pdf(report, folder / f"{engine}.pdf", page_size="Letter", engine=engine)
            for engine in ENGINES}


def test_auto_is_chromium_where_one_is_installed_else_weasyprint(monkeypatch):
    assert pdf_chromium.chromium_ready()  # CI installs Debian's chromium, the [pdf] extra Playwright
    assert pdf_engine("auto") == "chromium"
    monkeypatch.setattr(pdf_chromium, "chromium_executable", lambda: None)
    assert pdf_engine("auto") == "weasyprint" and pdf_engine("chromium") == "chromium"


@pytest.mark.parametrize("engine", ENGINES)
def test_each_engine_prints_banner_title_and_page_numbers_on_every_page(engine_pdfs, engine):
    path = engine_pdfs[engine]
    assert _producer(path).startswith(PRODUCERS[engine])
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    assert "612 x 792 pts (letter)" in info
    pages = pdf_pages(path)
    assert pages >= 3
    for page in range(1, pages + 1):
        text = re.sub(r"\s+", " ", pdf_text(path, page))
        assert "SANDBOX" in text, page
        assert f"Page {page} of {pages}" in text, page
        assert "Chairs & stools: engines" in text, page  # the running title, not only on the cover
    everything = pdf_text(path)
    assert "扶手椅" in everything  # CJK text is text, not lost
    images = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    placed = [line.split() for line in images.splitlines()[2:] if line.split()[2] == "image"]
    assert len(placed) >= 12  # the thumbnails are embedded
    assert len({cells[10] for cells in placed}) < len(placed)  # each distinct picture once (the query beside each card)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_long_title_is_shortened_in_the_header_and_footer_and_the_page_number_kept_on_one_line(hits, tmp_path,
                                                                                                  engine):
    title = "Clearance of the C-100 armchair family for the European, Chinese and United States markets. " * 3
    path = write_pdf(build_report(hits.head(3), title=title.strip()), tmp_path / "long.pdf", engine=engine)
    pages = pdf_pages(path)
    for page in range(1, pages + 1):
        lines = pdf_text(path, page).splitlines()
        assert any(f"Page {page} of {pages}" in line for line in lines), page
        assert "United States market\u2026" in " ".join(lines)  # the running title, cut at 90 characters


@pytest.mark.parametrize("engine", ENGINES)
def test_no_word_breaks_mid_word_in_the_class_column(engine_pdfs, engine):
    text = re.sub(r"\s+", " ", pdf_text(engine_pdfs[engine]))
    assert "telecommunication" in text and "telecommunica " not in text


@pytest.mark.parametrize("engine", ["prince", "Chromium ", None, 3])
def test_engine_is_checked_before_anything_is_written(hits, tmp_path, engine):
    with pytest.raises(InvalidInputError, match=r"engine=.*'auto', 'chromium' or 'weasyprint'"):
        write_pdf(build_report(hits.head(2)), tmp_path / "x.pdf", engine=engine)
    with pytest.raises(InvalidInputError, match=r"engine=.*'auto', 'chromium' or 'weasyprint'"):
        hits.head(2).patsnap.to_pdf(tmp_path / "y.pdf", engine=engine)
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "y.pdf").exists()


def test_chromium_asked_for_without_a_chromium_says_how_to_get_one(hits, tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_chromium, "chromium_executable", lambda: None)
    with pytest.raises(MissingExtraError, match=r"playwright install chromium.*\[pdf\]") as raised:
        write_pdf(build_report(hits.head(2)), tmp_path / "x.pdf", engine="chromium")
    assert raised.value.extra == "pdf"
    assert not (tmp_path / "x.pdf").exists()


def test_a_chromium_that_does_not_start_is_an_error_or_for_auto_weasyprint(hits, tmp_path, monkeypatch, caplog):
    report = build_report(hits.head(2))
    pdf_chromium._BROWSER.run(pdf_chromium.chromium_executable(), lambda tab: tab.context.browser.close())
    monkeypatch.setattr(pdf_chromium, "chromium_executable", lambda: "/bin/false")  # the next start fails
    with pytest.raises(pdf_chromium.ChromiumUnavailable, match=r"Chromium \(/bin/false\) did not start"):
        write_pdf(report, tmp_path / "x.pdf", engine="chromium")
    assert not (tmp_path / "x.pdf").exists()
    path = write_pdf(report, tmp_path / "auto.pdf")
    assert _producer(path).startswith("WeasyPrint")
    assert "laid out by WeasyPrint instead" in caplog.text


def test_one_browser_prints_every_pdf_and_a_dead_one_is_started_again(hits, tmp_path):
    report = build_report(hits.head(3))
    write_pdf(report, tmp_path / "1.pdf", engine="chromium")
    browser = pdf_chromium._BROWSER
    thread, launches = browser._thread, browser.launches
    write_pdf(report, tmp_path / "2.pdf", engine="chromium")
    assert browser._thread is thread and browser.launches == launches  # the same thread and browser
    browser.run(pdf_chromium.chromium_executable(), lambda tab: tab.context.browser.close())  # the browser dies
    write_pdf(report, tmp_path / "3.pdf", engine="chromium")
    assert browser.launches == launches + 1
    with pytest.raises(ZeroDivisionError):  # a job that fails is the caller's error, and the next PDF is made
        browser.run(pdf_chromium.chromium_executable(), lambda tab: 1 / 0)
    write_pdf(report, tmp_path / "4.pdf", engine="chromium")
    assert browser.launches == launches + 1
    assert all((tmp_path / f"{i}.pdf").read_bytes().startswith(b"%PDF-") for i in (1, 2, 3, 4))


def test_chromium_prints_from_a_thread_running_an_asyncio_loop(hits, tmp_path):
    """A Jupyter cell runs in the kernel's asyncio loop, where Playwright's sync API refuses to run."""
    report = build_report(hits.head(3))

    async def cell() -> Path:
        return write_pdf(report, tmp_path / "in-loop.pdf", engine="chromium")

    # the cell's loop in a thread of its own: this worker's main thread may already hold the shared test browser's
    done: dict[str, Path] = {}
    kernel = threading.Thread(target=lambda: done.setdefault("pdf", asyncio.run(cell())))
    kernel.start()
    kernel.join(timeout=300)
    assert done["pdf"].read_bytes().startswith(b"%PDF-")


def test_the_browser_is_closed_when_python_exits(tmp_path):
    """A script that wrote a PDF exits promptly and leaves no Chromium behind."""
    script = textwrap.dedent("""
        import os, sys
        from pathlib import Path
        from patsnap_pandas import PatsnapClient, samples, search_designs
        from patsnap_pandas.report import build_report, write_pdf

        with PatsnapClient.sandbox(cache_dir="cache") as client:
            df = search_designs(samples.image("armchair"), client=client, limit=3)
        write_pdf(build_report(df), "out.pdf", engine="chromium")

        def descendants(pid):
            found = []
            for entry in Path("/proc").iterdir():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except (OSError, IndexError):
                    continue
                if entry.name.isdigit() and int(fields[1]) == pid:
                    found += [int(entry.name), *descendants(int(entry.name))]
            return found

        print(" ".join(map(str, descendants(os.getpid()))))
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    children = [int(pid) for pid in result.stdout.split()]
    assert children  # the driver and the browser were running
    alive = [pid for pid in children if Path(f"/proc/{pid}").exists()
             and "Z" not in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]]
    assert alive == []

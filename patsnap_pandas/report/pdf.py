"""The PDF writer of the report model: the HTML report laid out by Chromium or WeasyPrint (extra ``[pdf]``).

Two engines print the same paged HTML (``render_html(..., medium="print")``):

* ``"chromium"``: one headless Chromium per process, driven by Playwright, started on the
  first PDF and reused (:mod:`.pdf_chromium`); four to five times less CPU than WeasyPrint
  once started (docs/benchmarks.md), and needs a Chromium on the machine (the system's,
  or ``playwright install chromium``);
* ``"weasyprint"``: pure Python with the pango library, no browser.

``engine="auto"`` (the default) takes Chromium when Playwright and a Chromium are found,
else WeasyPrint (and WeasyPrint too when the Chromium found does not start, saying so in
the log). Pages are A4 or Letter; each page's header carries the title and the sandbox
banner (or the data source), its footer the page number ("Page 2 of 5"); table
rows and comparison cards are never split across pages. A free text longer than
:data:`PDF_TEXT_MAX` characters (a long note, a hostile title) is cut in the PDF
with an ellipsis and says so; the HTML and Excel reports keep all of it.
"""

from __future__ import annotations

import dataclasses
import logging
import urllib.request
from pathlib import Path
from typing import Any

from .._extras import require
from .._validate import check_choice, check_output_path
from ..frame.format import truncate
from ..imaging import image_mime
from .html import IMAGE_SCHEME, render_html
from .model import GroupRow, Hit, Report

__all__ = ["PAGE_SIZES", "PDF_ENGINES", "PDF_TEXT_MAX", "pdf_engine", "write_pdf"]

#: Page sizes the PDF writer accepts.
PAGE_SIZES: tuple[str, ...] = ("A4", "Letter")
#: The engines the PDF writer accepts ("auto": Chromium when one is found, else WeasyPrint).
PDF_ENGINES: tuple[str, ...] = ("auto", "chromium", "weasyprint")
#: Free texts longer than this are cut in the PDF (a table row must fit a page).
PDF_TEXT_MAX = 500


def pdf_engine(engine: str = "auto") -> str:
    """The engine that writes a PDF for ``engine``: ``"auto"`` is ``"chromium"`` when Playwright and a Chromium
    are found, else ``"weasyprint"``; the others are themselves. Raises InvalidInputError for anything else.

    Examples
    --------
    >>> pdf_engine("weasyprint"), pdf_engine("auto") in ("chromium", "weasyprint")
    ('weasyprint', True)
    """
    check_choice(engine, "engine", PDF_ENGINES, what="PDF engine")
    if engine == "auto":
        from .pdf_chromium import chromium_ready

        return "chromium" if chromium_ready() else "weasyprint"
    return engine


def write_pdf(report: Report, path: str | Path, page_size: str = "A4", engine: str = "auto") -> Path:
    """Write the report as a PDF (needs the ``[pdf]`` extra: Playwright and a Chromium, or WeasyPrint).

    Parameters
    ----------
    report : Report
        From :func:`patsnap_pandas.report.build_report`.
    path : str or Path
        The ``.pdf`` file to write; its folder must exist.
    page_size : {"A4", "Letter"}
    engine : {"auto", "chromium", "weasyprint"}
        Who lays the pages out (see the module's text); ``"auto"``: Chromium when one is found.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> from patsnap_pandas.report import build_report
    >>> client = PatsnapClient.sandbox()
    >>> report = build_report(search_designs(samples.image("armchair"), client=client, limit=5), title="Chairs")
    >>> write_pdf(report, "chairs.pdf", page_size="Letter").read_bytes()[:5]
    b'%PDF-'
    >>> client.close()
    """
    path = check_output_path(path, "path", (".pdf",))
    check_choice(page_size, "page_size", PAGE_SIZES, what="page size")
    if pdf_engine(engine) == "chromium":
        from .pdf_chromium import ChromiumUnavailable, chromium_page, print_pdf

        images: dict[bytes, str] = {}
        page = render_html(printable(report), medium="print", page_size=page_size, images=images)
        try:
            return print_pdf(chromium_page(page, images), Path(path))
        except ChromiumUnavailable as exc:
            if engine != "auto":
                raise
            logging.getLogger(__name__).warning("%s; the PDF is laid out by WeasyPrint instead", exc)
    return _weasyprint(report, Path(path), page_size)


def _weasyprint(report: Report, target: Path, page_size: str) -> Path:
    """The PDF laid out by WeasyPrint (the engine without a browser)."""
    from PIL import ImageFile

    truncated = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        weasyprint = require("weasyprint", "Writing PDF reports")
    except OSError as exc:  # WeasyPrint is installed, the pango library is not
        raise ImportError("Writing PDF reports needs the pango library: on Debian/Ubuntu "
                          f"sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 ({type(exc).__name__}: {exc})") from None
    finally:
        # Importing WeasyPrint makes Pillow accept truncated images process-wide; the package's
        # own image checks (a corrupt query image is an error) must not change because a PDF was made.
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    images: dict[bytes, str] = {}
    page = render_html(printable(report), medium="print", page_size=page_size, images=images)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # its CSS notes are not the user's concern
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        weasyprint.HTML(string=page, base_url=None, url_fetcher=_fetcher(weasyprint, images)).write_pdf(target)
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return target


def _fetcher(weasyprint: Any, images: dict[bytes, str]) -> Any:
    """WeasyPrint's URL fetcher for the page: the report's own images (``report-image:N``) and ``data:`` URIs;
    anything else is refused (a report never makes a network call, nor reads a local file)."""
    by_name = {name: data for data, name in images.items()}

    def answer(url: str) -> tuple[bytes, str]:
        if url.startswith(IMAGE_SCHEME) and url in by_name:
            data = by_name[url]
            return data, image_mime(data) or "application/octet-stream"
        if url.startswith("data:"):
            with urllib.request.urlopen(url) as response:  # noqa: S310 - a data: URI, read in memory
                return response.read(), response.headers.get_content_type()
        raise PermissionError(f"a report loads no external resource ({url[:40]})")

    base = getattr(weasyprint, "URLFetcher", None)
    if base is None:  # WeasyPrint before 68: a function returning a dict
        def fetch(url: str) -> dict[str, Any]:
            data, mime = answer(url)
            return {"string": data, "mime_type": mime}
        return fetch

    class Fetcher(base):  # type: ignore[misc, valid-type]
        def fetch(self, url: str, headers: Any = None) -> Any:
            data, mime = answer(url)
            return weasyprint.urls.URLFetcherResponse(url, body=data, headers={"Content-Type": mime})

    return Fetcher()


def cut(text: str) -> str:
    """``text``, or its first :data:`PDF_TEXT_MAX` characters and what was left out.

    Examples
    --------
    >>> cut("Lamp"), cut("x" * 5000)[499:]
    ('Lamp', '… [5,000 characters in all: the HTML and Excel reports have the full text]')
    """
    if len(text) <= PDF_TEXT_MAX:
        return text
    return f"{truncate(text, PDF_TEXT_MAX)} [{len(text):,} characters in all: the HTML and Excel reports have the full text]"


def printable(report: Report) -> Report:
    """A copy of ``report`` whose free texts are :func:`cut` for the PDF (the report itself is unchanged).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> from patsnap_pandas.report import build_report
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, limit=3)
    >>> df.loc[0, "note"] = "x" * 5000
    >>> report = build_report(df)
    >>> len(printable(report).sections[0].hits[0].note) < 600, len(report.sections[0].hits[0].note)
    (True, 5000)
    >>> client.close()
    """
    done: dict[int, Hit] = {}

    def hit(h: Hit) -> Hit:
        if id(h) not in done:
            done[id(h)] = dataclasses.replace(h, title=cut(h.title), assignees=cut(h.assignees), note=cut(h.note),
                                              query=cut(h.query), loc=cut(h.loc), legal_status=cut(h.legal_status),
                                              in_force_reason=cut(h.in_force_reason), expiry_rule=cut(h.expiry_rule),
                                              expiry_certainty=cut(h.expiry_certainty),
                                              next_renewal=cut(h.next_renewal), marked_by=cut(h.marked_by),
                                              inventors=cut(h.inventors))
        return done[id(h)]

    def groups(rows: list[GroupRow]) -> list[GroupRow]:
        return [dataclasses.replace(g, name=cut(g.name)) for g in rows]

    sections = [dataclasses.replace(s, query=cut(s.query), error=cut(s.error), hits=[hit(h) for h in s.hits],
                                    cards=[hit(h) for h in s.cards],
                                    views=[dataclasses.replace(v, label=cut(v.label)) for v in s.views])
                for s in report.sections]
    overview = [dataclasses.replace(r, query=cut(r.query), error=cut(r.error), best=hit(r.best) if r.best else None)
                for r in report.overview]
    job = report.job and dataclasses.replace(
        report.job, scope=[(k, cut(v)) for k, v in report.job.scope], rows=[hit(h) for h in report.job.rows],
        excluded=[dataclasses.replace(e, title=cut(e.title), reason=cut(e.reason), authority=cut(e.authority))
                  for e in report.job.excluded])
    return dataclasses.replace(
        report, job=job, title=cut(report.title), subtitle=cut(report.subtitle) if report.subtitle else report.subtitle,
        sections=sections, overview=overview, by_assignee=groups(report.by_assignee),
        by_authority=groups(report.by_authority), method=[(k, cut(v)) for k, v in report.method],
        about=[(k, cut(v)) for k, v in report.about])

"""The PDF writer of the report model: the HTML report laid out by WeasyPrint (extra ``[pdf]``).

Pages are A4 or Letter; each page's header carries the title and the sandbox
banner (or the data source), its footer the page number ("Page 2 of 5"); table
rows and comparison cards are never split across pages.
"""

from __future__ import annotations

import logging
from pathlib import Path

from .._extras import require
from ..errors import InvalidInputError
from .html import render_html
from .model import Report

__all__ = ["PAGE_SIZES", "write_pdf"]

#: Page sizes the PDF writer accepts.
PAGE_SIZES: tuple[str, ...] = ("A4", "Letter")


def write_pdf(report: Report, path: str | Path, page_size: str = "A4") -> Path:
    """Write the report as a PDF (needs the ``[pdf]`` extra: WeasyPrint and the pango library).

    Parameters
    ----------
    report : Report
        From :func:`patsnap_pandas.report.build_report`.
    path : str or Path
        The ``.pdf`` file to write; its folder must exist.
    page_size : {"A4", "Letter"}

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
    if page_size not in PAGE_SIZES:
        raise InvalidInputError(f"page_size={page_size!r} is not valid: expected one of {PAGE_SIZES}.")
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
    target = Path(path)
    page = render_html(report, medium="print", page_size=page_size)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # its CSS notes are not the user's concern
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        weasyprint.HTML(string=page, base_url=None).write_pdf(target)
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated
    return target

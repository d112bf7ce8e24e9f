"""What every command shares: its name and exit codes, usage errors, and what it prints.

Results go to stdout (:func:`format_table`, terminal-safe); everything else goes to stderr
as one line each (``_info``, warnings as ``warning: ...`` lines, redacted). Counts and sizes
in words, and the count flags checked by the library's own rules, reported as a
:class:`UsageError` (exit code 2).
"""

from __future__ import annotations

import contextlib
import math
import sys
import warnings
from collections.abc import Iterator
from typing import Any

from .._validate import check_int, check_rate
from ..api.filters import check_limit
from ..errors import InvalidInputError
from ..redaction import redact
from ..safe_text import terminal_safe

PROG = "patsnap-pandas"
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
TITLE_WIDTH = 60  # characters of a title shown in the stdout table


class UsageError(Exception):
    """Bad input found by the command line itself (exit code 2)."""


# --- tables on stdout ---------------------------------------------------------------------------------

def _clip(text: str, width: int = TITLE_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 1] + "…"


def _cell(value: Any) -> str:
    import pandas as pd

    if value is None or (not pd.api.types.is_list_like(value) and pd.isna(value)):
        return ""
    if isinstance(value, float):  # a score: 3 decimals; inf or 1e308 (no similarity) short, not 309 digits
        return f"{value:.3f}" if math.isfinite(value) and abs(value) < 1e6 else f"{value:.3g}"
    if pd.api.types.is_list_like(value) and not isinstance(value, (str, bytes)):
        value = ", ".join(map(str, value))
    # Titles come from the API: an escape sequence or a bidi override must not reach the terminal.
    return terminal_safe(str(value))


def format_table(df, columns: list[str]) -> str:
    """A plain-text table of ``columns``; the last column is left-aligned and clipped."""
    rows = [columns] + [[_cell(v) for v in values] for values in zip(*(df[c].tolist() for c in columns), strict=True)]
    rows = [row[:-1] + [_clip(row[-1])] for row in rows]
    numeric = {c for c in columns if c in ("rank", "score")}
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns) - 1)]
    lines = []
    for row in rows:
        cells = [cell.rjust(w) if col in numeric else cell.ljust(w)
                 for cell, w, col in zip(row, widths, columns, strict=False)]  # no width for the last column
        lines.append("  ".join(cells + [row[-1]]).rstrip())
    return "\n".join(lines)


# --- messages -----------------------------------------------------------------------------------------

def _info(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


@contextlib.contextmanager
def _warnings_as_lines() -> Iterator[None]:
    """Library warnings (fewer hits than asked, thumbnails that failed...) as `warning: ...` lines."""
    def show(message, category, filename, lineno, file=None, line=None):
        print(f"{PROG}: warning: {redact(_one_line(message))}", file=sys.stderr, flush=True)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


# --- counts and sizes in words; count flags -----------------------------------------------------------

def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} bytes"  # pragma: no cover


def _check_limit(value: int) -> int:
    """--limit checked by the library's own rule, reported as a usage error."""
    try:
        return check_limit(value, name="--limit")
    except InvalidInputError as exc:
        raise UsageError(str(exc)) from None


def _check_count(value: int | None, flag: str, high: int) -> int | None:
    """A count flag checked by the library's own rule, reported as a usage error."""
    try:
        return None if value is None else check_int(value, flag, 1, high)
    except InvalidInputError as exc:
        raise UsageError(str(exc)) from None


def _check_rate(value: float | None) -> float | None:
    """--rate-limit checked by the library's own rule, reported as a usage error."""
    try:
        return check_rate(value, "--rate-limit")
    except InvalidInputError as exc:
        raise UsageError(str(exc)) from None


def add_page_size_argument(parser: Any) -> None:
    """``--page-size``: the paper of a ``.pdf`` or ``.docx`` report (checked by :func:`check_page_size`), and
    ``--pdf-engine``: who lays out a ``.pdf`` report (checked by :func:`check_pdf_engine`)."""
    parser.add_argument("--page-size", default="A4", metavar="SIZE",
                        help="paper of a .pdf or .docx report: A4 or Letter (default A4)")
    parser.add_argument("--pdf-engine", default="auto", metavar="ENGINE",
                        help="who lays out a .pdf report: chromium, weasyprint or auto (default: Chromium when "
                             "one is found, else WeasyPrint)")


def check_page_size(value: Any) -> str:
    """``--page-size`` checked before any call: one of the PDF writer's page sizes.

    Examples
    --------
    >>> check_page_size("Letter")
    'Letter'
    >>> check_page_size("A3")
    Traceback (most recent call last):
    ...
    patsnap_pandas.cli.common.UsageError: --page-size='A3' is not valid: unknown page size. Allowed: 'A4' or 'Letter'.
    """
    from .._validate import check_choice
    from ..report.pdf import PAGE_SIZES

    try:
        return check_choice(value, "page-size", PAGE_SIZES, what="page size")
    except InvalidInputError as exc:
        raise UsageError(str(exc).replace("page-size=", "--page-size=", 1)) from None


def check_pdf_engine(value: Any) -> str:
    """``--pdf-engine`` checked before any call: one of the PDF writer's engines.

    Examples
    --------
    >>> check_pdf_engine("weasyprint")
    'weasyprint'
    >>> check_pdf_engine("prince")
    Traceback (most recent call last):
    ...
    patsnap_pandas.cli.common.UsageError: --pdf-engine='prince' is not valid: unknown PDF engine. Allowed: 'auto', 'chromium' or 'weasyprint'.
    """
    from .._validate import check_choice
    from ..report.pdf import PDF_ENGINES

    try:
        return check_choice(value, "--pdf-engine", PDF_ENGINES, what="PDF engine")
    except InvalidInputError as exc:
        raise UsageError(str(exc)) from None

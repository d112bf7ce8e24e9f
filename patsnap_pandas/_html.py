"""The HTML every view shares: escaping, ``data:`` URIs of images, and the page shell.

Used by :mod:`~patsnap_pandas.frame.grids` (thumbnail grids), :mod:`~patsnap_pandas.report`
(HTML and PDF reports) and :mod:`~patsnap_pandas.widgets` (the search panel), so that
every text reaching HTML is escaped the same way and every written page carries the
same Content-Security-Policy (no script, nothing loaded from elsewhere).

Escaped text is also :func:`~patsnap_pandas.safe_text.display_safe`: no control character
a page cannot hold, no bidi override that would show it in another order than stored.
:func:`breakable` adds break opportunities (``<wbr>``) inside long runs without spaces,
so that a 10,000-character note lays out in linear time (WeasyPrint measures an unbroken
run of text again for every line it could break it into) and never widens a table.

Examples
--------
>>> escape('<b title="x">') + " " + data_uri(b"\\x89PNG\\r\\n\\x1a\\n")[:22]
'&lt;b title=&quot;x&quot;&gt; data:image/png;base64,'
"""

from __future__ import annotations

import base64
import html
import re
from typing import Any

from .imaging import image_mime
from .safe_text import break_runs, display_safe

__all__ = ["CSP", "BREAK_EVERY", "escape", "breakable", "numbers_whole", "data_uri", "page"]

#: In :func:`breakable` text, a run of more than BREAK_RUNS characters without a space gets a
#: break opportunity every BREAK_EVERY characters (words up to BREAK_RUNS characters stay whole).
BREAK_EVERY, BREAK_RUNS = 5, 30

#: Content-Security-Policy of written pages: even injected markup could not run script or load anything.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def escape(text: Any) -> str:
    """HTML-escape any value (quotes included), :func:`~patsnap_pandas.safe_text.display_safe` first.

    For attribute values and short text; element text that may be long goes through :func:`breakable`.

    Examples
    --------
    >>> escape("Tom & Jerry's \\x00"), escape("Chair \\u202egnp.exe")
    ('Tom &amp; Jerry&#x27;s \\ufffd', 'Chair \\ufffdgnp.exe')
    """
    return html.escape(display_safe(str(text)), quote=True)


#: A hyphenated word with a digit in it (2040-03-22, 06-01, WCH-7007), in escaped text.
_CODE = re.compile(r"(?<![\w&#;-])(?=[\w-]*\d)\w+(?:-\w+)+(?![\w-])")


def breakable(text: Any, every: int = BREAK_EVERY, longer_than: int = BREAK_RUNS) -> str:
    """:func:`escape`, with a ``<wbr>`` every ``every`` characters in runs longer than ``longer_than``.

    Element content only (never an attribute value). Under ``white-space: nowrap`` (numbers,
    dates, codes) a ``<wbr>`` does nothing, so they still never break. A hyphenated word with a
    digit in it (a date, a Locarno class, a product code) is kept on one line wherever it stands:
    "ends on 2040-03-22" never shows "2040-" above "03-22".

    Examples
    --------
    >>> breakable("note: " + "x" * 8 + " & more", every=3, longer_than=6)
    'note: xxx<wbr>xxx<wbr>xx &amp; more'
    >>> breakable("well-known, ends on 2040-03-22")
    'well-known, ends on <span style="white-space:nowrap">2040-03-22</span>'
    """
    marked = "<wbr>".join(escape(piece) for piece in break_runs(display_safe(str(text)), every, longer_than))
    return _CODE.sub(r'<span style="white-space:nowrap">\g<0></span>', marked) if "-" in marked else marked


def numbers_whole(text: Any, css_class: str = "nowrap") -> str:
    """:func:`breakable` text in which every word holding a digit never breaks, whatever its punctuation
    ("since 2019-04-01,", "0.045", "1/2"): each is a span of ``css_class``, a class the page styles
    ``white-space: nowrap`` (the browser tests find such spans by it and check none wrapped).

    Examples
    --------
    >>> numbers_whole("lapsed since 2019-04-01, fee 1/2 unpaid")
    'lapsed since <span class="nowrap">2019-04-01,</span> fee <span class="nowrap">1/2</span> unpaid'
    """
    return " ".join(f'<span class="{css_class}">{escape(word)}</span>' if any(c.isdigit() for c in word)
                    else breakable(word) for word in str(text).split(" "))


def data_uri(data: bytes) -> str:
    """A ``data:`` URI of image bytes (PNG or JPEG by their signature, else octet-stream).

    Examples
    --------
    >>> data_uri(b"\\xff\\xd8\\xff\\xe0")
    'data:image/jpeg;base64,/9j/4A=='
    """
    mime = image_mime(data) or "application/octet-stream"
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def page(body: str, title: str, *, head_extra: str = "") -> str:
    """A standalone UTF-8 HTML page around ``body`` (markup), with :data:`CSP` and an escaped title.

    Examples
    --------
    >>> text = page("<p>hello</p>", "A & B")
    >>> text.startswith("<!DOCTYPE html>"), "<title>A &amp; B</title>" in text, CSP in text
    (True, True, True)
    """
    return (
        "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
        "<meta name=\"referrer\" content=\"no-referrer\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{escape(title)}</title>\n{head_extra}</head>\n<body>\n{body}\n</body>\n</html>\n"
    )

"""The HTML every view shares: escaping, ``data:`` URIs of images, and the page shell.

Used by :mod:`~patsnap_pandas.render` (thumbnail grids), :mod:`~patsnap_pandas.report`
(HTML and PDF reports) and :mod:`~patsnap_pandas.widgets` (the search panel), so that
every text reaching HTML is escaped the same way and every written page carries the
same Content-Security-Policy (no script, nothing loaded from elsewhere).

Examples
--------
>>> escape('<b title="x">') + " " + data_uri(b"\\x89PNG\\r\\n\\x1a\\n")[:22]
'&lt;b title=&quot;x&quot;&gt; data:image/png;base64,'
"""

from __future__ import annotations

import base64
import html
from typing import Any

from .images import image_mime

__all__ = ["CSP", "escape", "data_uri", "page"]

#: Content-Security-Policy of written pages: even injected markup could not run script or load anything.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def escape(text: Any) -> str:
    """HTML-escape any value (quotes included); NUL becomes U+FFFD.

    Examples
    --------
    >>> escape("Tom & Jerry's \\x00")
    'Tom &amp; Jerry&#x27;s \\ufffd'
    """
    return html.escape(str(text), quote=True).replace("\x00", "\ufffd")


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

"""Links to a public record of a design, for the authorities whose URL pattern is known.

Only patterns that were looked up and are documented (with their sources) in
``docs/reports.md`` are used; for every other authority there is no link rather
than a guessed one. The URLs are shown as links only: nothing here (nor in the
tests) fetches them.

=========  ==========================================================  ========================
Authority  Public record                                               Number as PatSnap has it
=========  ==========================================================  ========================
US         ``https://patents.google.com/patent/<number>``              ``USD907292S``
EM         ``https://euipo.europa.eu/eSearch/#details/designs/<n>``    ``EM008123456-0001``
=========  ==========================================================  ========================

Examples
--------
>>> public_record_url("USD907292S", "US")
'https://patents.google.com/patent/USD907292S'
>>> public_record_url("EM008123456-0001", "EM")
'https://euipo.europa.eu/eSearch/#details/designs/008123456-0001'
>>> public_record_url("CN305123456S", "CN") is None
True
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

__all__ = ["LINKED_AUTHORITIES", "public_record_url"]

# US design patents: "USD" + digits + optional kind code (S, S1).
_US_DESIGN = re.compile(r"^USD\d{5,7}(?:S1?|S)?$")
# EU registered (Community) designs: "EM" + 9-digit application number + "-" + 4-digit design number.
_EM_DESIGN = re.compile(r"^EM(\d{9}-\d{4})$")

#: Authorities that get a link, with the site it points to.
LINKED_AUTHORITIES: dict[str, str] = {
    "US": "Google Patents",
    "EM": "EUIPO eSearch plus",
}


def public_record_url(patent_pn: Any, authority: Any) -> str | None:
    """The URL of a public record of a design, or None when no stable pattern is known.

    Parameters
    ----------
    patent_pn : str
        The publication number as PatSnap writes it (``"USD907292S"``, ``"EM008123456-0001"``).
    authority : str
        Its authority code (``"US"``, ``"EM"``, ...).

    Returns
    -------
    str or None
        A link for US design patents (Google Patents) and EU registered designs
        (EUIPO eSearch plus) whose number has the expected form; None otherwise.

    Examples
    --------
    >>> public_record_url("USD907292S", "US")
    'https://patents.google.com/patent/USD907292S'
    >>> public_record_url("US10758101B2", "US") is None      # not a design number
    True
    """
    if not isinstance(patent_pn, str) or not isinstance(authority, str):
        return None
    pn = patent_pn.strip().upper().replace(" ", "")
    code = authority.strip().upper()
    if code == "US" and _US_DESIGN.match(pn):
        return "https://patents.google.com/patent/" + quote(pn)
    if code == "EM":
        m = _EM_DESIGN.match(pn)
        if m:
            return "https://euipo.europa.eu/eSearch/#details/designs/" + quote(m.group(1))
    return None

"""P069 number search (``POST /search/patent/patent-search-pn``): a known number in, its record out.

The body is JSON: ``pn`` (publication numbers) and/or ``apno`` (application numbers), each a
string (comma-separated numbers allowed) or a JSON array of strings; ``authority`` (a JSON array
of authority codes), ``offset`` (>= 0, default 0) and ``limit`` (1..1000, default 10). Unknown
names are refused, as P060's are. Numbers match ignoring case, spaces and punctuation, and a
publication number also matches without its trailing kind code (``USD907292`` finds
``USD907292S``), an application number without its check digit (``CN2018300000131`` finds
``CN2018300000131.7``). With both ``pn`` and ``apno`` a design must match both; results come in
the order of the numbers asked, then by publication number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import codes
from .params import ParamError

NAMES = frozenset({"pn", "apno", "authority", "offset", "limit"})
OFFSET_MAX = 1_000_000  # PatSnap documents no bound; the sandbox refuses only the absurd
_KIND = re.compile(r"^(?P<body>[A-Z]{2}.*?\d)(?P<kind>[A-Z]\d?)$")


@dataclass(frozen=True)
class NumberQuery:
    """A validated P069 body (see :func:`parse_number_query`).

    Examples
    --------
    >>> NumberQuery(pn=("USD907292S",), apno=None, authority=None, offset=0, limit=10).limit
    10
    """

    pn: tuple[str, ...] | None
    apno: tuple[str, ...] | None
    authority: frozenset[str] | None
    offset: int
    limit: int


def compact(number: str) -> str:
    """A number as the search compares it: upper case, letters and digits only.

    Examples
    --------
    >>> compact(" usd907292s "), compact("EM004960259-0004"), compact("CN2018300000131.7")
    ('USD907292S', 'EM0049602590004', 'CN20183000001317')
    """
    return re.sub(r"[^0-9A-Z]", "", number.upper())


def pn_keys(pn: str) -> set[str]:
    """The forms of a publication number a query may give: in full, and without its kind code.

    Examples
    --------
    >>> sorted(pn_keys("USD907292S")), sorted(pn_keys("KR3000057290000"))
    (['USD907292', 'USD907292S'], ['KR3000057290000'])
    """
    full = compact(pn)
    m = _KIND.match(full)
    return {full, m.group("body")} if m else {full}


def apno_keys(apno: str) -> set[str]:
    """The forms of an application number a query may give: in full, and without a check digit after a dot.

    Examples
    --------
    >>> sorted(apno_keys("CN2018300000131.7"))
    ['CN2018300000131', 'CN20183000001317']
    """
    return {compact(apno), compact(apno.rsplit(".", 1)[0])}


def _numbers(body: Mapping[str, Any], name: str, what: str) -> tuple[str, ...] | None:
    value = body.get(name)
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise ParamError(name, value, f"{what}: a string (numbers separated by commas) or a JSON array of strings")
    numbers = tuple(compact(v) for v in items)
    if not numbers or not all(numbers):
        raise ParamError(name, value, f"{what}: numbers without empty items")
    return numbers


def _int(body: Mapping[str, Any], name: str, low: int, high: int, default: int) -> int:
    value = body.get(name)
    if value is None:
        return default
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ParamError(name, value, f"an integer from {low} to {high}")
    return value


def parse_number_query(body: Any) -> NumberQuery:
    """Validate a P069 body; ParamError naming the first parameter that breaks the rules.

    Examples
    --------
    >>> parse_number_query({"pn": "USD907292S, usd907293", "authority": ["US"]})
    NumberQuery(pn=('USD907292S', 'USD907293'), apno=None, authority=frozenset({'US'}), offset=0, limit=10)
    >>> parse_number_query({"pn": "USD907292S", "limit": 1001})
    Traceback (most recent call last):
    ...
    patsnap_pandas.sandbox.params.ParamError: limit=1001 is invalid: an integer from 1 to 1000
    """
    if not isinstance(body, Mapping):
        raise ParamError("body", type(body).__name__, "a JSON object")
    unknown = sorted(set(body) - NAMES)
    if unknown:
        raise ParamError(unknown[0], body[unknown[0]], f"not a parameter of this endpoint (allowed: {', '.join(sorted(NAMES))})")
    pn = _numbers(body, "pn", "publication numbers")
    apno = _numbers(body, "apno", "application numbers")
    if pn is None and apno is None:
        raise ParamError("pn", None, "pn or apno is required: the publication or application number(s) to look up")
    authority = body.get("authority")
    if authority is not None:
        if not isinstance(authority, list) or not all(isinstance(a, str) and a in codes.AUTHORITIES for a in authority):
            raise ParamError("authority", authority, 'a JSON array of upper-case authority codes, e.g. ["CN", "US"]')
        authority = frozenset(authority) or None
    return NumberQuery(
        pn=pn,
        apno=apno,
        authority=authority,
        offset=_int(body, "offset", 0, OFFSET_MAX, 0),
        limit=_int(body, "limit", 1, codes.NUMBER_SEARCH_LIMIT_MAX, codes.NUMBER_SEARCH_LIMIT_DEFAULT),
    )


def _rank(wanted: tuple[str, ...] | None, keys: set[str]) -> int | None:
    """Position of the first number asked that matches (0 when nothing was asked), None when none matches."""
    if wanted is None:
        return 0
    return next((i for i, number in enumerate(wanted) if number in keys), None)


def search_numbers(designs: Sequence, query: NumberQuery) -> list:
    """The designs a query finds, in the order of the numbers asked, then by publication number.

    Examples
    --------
    >>> from patsnap_pandas.sandbox.corpus import generated_corpus
    >>> designs = generated_corpus().designs
    >>> wanted = [designs[5].patent_pn, designs[2].patent_pn.lower()]
    >>> [d.patent_pn for d in search_numbers(designs, parse_number_query({"pn": wanted}))] == [
    ...     designs[5].patent_pn, designs[2].patent_pn]
    True
    """
    found = []
    for design in designs:
        if query.authority is not None and design.authority not in query.authority:
            continue
        by_pn = _rank(query.pn, pn_keys(design.patent_pn))
        by_apno = _rank(query.apno, apno_keys(design.apno) if design.apno else set())
        if by_pn is not None and by_apno is not None:
            found.append(((by_pn, by_apno, design.patent_pn), design))
    return [design for _, design in sorted(found, key=lambda pair: pair[0])]


__all__ = ["NumberQuery", "apno_keys", "compact", "parse_number_query", "pn_keys", "search_numbers"]

"""Words for people, in one place: labels, code names and notes shown in reports, charts and the panel.

Reports, the panel and charts never show a parameter name or a raw code where a
reader expects words: ``"Locarno class 26-05 (Lighting apparatus)"``, not
``loc=26-05``; ``"Active"``, not ``simple_legal_status: 1``. The code tables
themselves live in :mod:`patsnap_pandas.codes`, the filter labels in
:data:`patsnap_pandas.codes.FILTER_LABELS`; this module turns them into words.

Where a frame came from
-----------------------
``df.attrs["source"]`` says where the hits came from: ``"sandbox"`` (the
embedded offline sandbox, or a sandbox server on this machine that identifies
itself at ``/_sandbox/status``), ``"patsnap"`` (any other server) or missing
(a frame built by hand). :func:`is_sandbox` reads it; every report, chart and
export made from sandbox data carries :data:`SANDBOX_BANNER`. A loopback server
that is not a sandbox (a proxy, a recording) is not taken for one.

Examples
--------
>>> loc_in_words("26-05"), authority_name("EM")
('26-05 (Lighting apparatus)', 'EUIPO (EU designs)')
>>> filters_in_words({"country": "CN,US", "simple_legal_status": "1"})
[('Authority', 'China, United States'), ('Status', 'Active')]
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from typing import Any

from ..codes import AUTHORITIES, FILTER_LABELS, LEGAL_STATUS, LOCARNO_CLASSES, SIMPLE_LEGAL_STATUS, SORT_FIELDS
from ..errors import InvalidTypeError

__all__ = [
    "COLUMN_LABELS",
    "PATSNAP_SOURCE",
    "SANDBOX_BANNER",
    "SANDBOX_SOURCE",
    "SCORE_NOTE",
    "CLEARANCE_BLIND_SPOTS",
    "PRIOR_ART_BLIND_SPOTS",
    "NOT_LEGAL_OPINION",
    "authority_name",
    "column_label",
    "date_in_words",
    "filters_in_words",
    "is_sandbox",
    "legal_status_in_words",
    "loc_in_words",
    "source_in_words",
    "views_in_words",
]

#: The banner every report, chart and export made from sandbox data carries.
SANDBOX_BANNER = "SANDBOX \u2014 synthetic designs, not PatSnap data"

#: ``df.attrs["source"]`` values.
SANDBOX_SOURCE = "sandbox"
PATSNAP_SOURCE = "patsnap"

#: The summaries of a report without hits (a watch digest with nothing new), instead of "owners unknown".
NO_HITS_TO_SUMMARISE = "No hits in this report: no owner or office to summarise."
#: A batch report's product table when no product has a hit to show.
NO_PRODUCTS_SHOWN = "None: no product has a hit in this report."

#: What a similarity score is and is not (shown in every report).
SCORE_NOTE = (
    "The similarity score says how alike two images look to PatSnap's image search "
    "(higher is closer). It ranks the hits of one query: scores of different queries "
    "or filters are not comparable. It is not a measure of legal similarity, not an "
    "opinion on infringement or validity, and a design may be relevant at any score."
)

#: What every clearance report says it cannot see (the blind spots of any design clearance).
CLEARANCE_BLIND_SPOTS: tuple[str, ...] = (
    "US design applications are not published before grant: a pending US application cannot be found "
    "until it is granted.",
    "International (Hague) registrations are published 12 months after registration by default, and "
    "publication can be deferred up to 30 months from filing: a recent one may not be visible yet.",
    "German registered designs can have their publication deferred: such a design is registered but "
    "not shown (its protection ends after 30 months unless it is extended).",
    "EU unregistered designs (3 years from first disclosure in the EU) are in no register: a product "
    "on the market can be protected without any registration to find.",
    "Legal statuses are PatSnap's as of its last update, and a clearance on a later date assumes nothing "
    "changes but the term: a lapse, a transfer or an invalidation after that is not seen.",
)
#: What every prior-art report says it cannot see.
PRIOR_ART_BLIND_SPOTS: tuple[str, ...] = (
    "Prior art is any design disclosed before the date, not only registrations: products on sale, "
    "catalogues, websites and trade fairs are not searched here.",
    "A design filed before the cutoff but published on or after it is not in this evidence: US design "
    "applications are not published before grant, Hague publication can be deferred up to 30 months "
    "from filing, and German registered designs can have their publication deferred.",
    "The designer's own disclosures in the 12 months before filing may not count against a design "
    "(the EU and US grace periods): check who disclosed a design before relying on it.",
)
#: The last words of every clearance report (and of search reports).
NOT_LEGAL_OPINION = (
    "This is not a legal opinion. It is a search made to help counsel: it does not say whether a product "
    "infringes, whether a design is valid or whether a product is free to use. In-force status and expiry "
    "dates are estimates from PatSnap's data and each office's term rules; check them against the official "
    "registers before anyone relies on them."
)

#: The last words of every prior-art report: it dates publications, it looks up no status or expiry.
NOT_LEGAL_OPINION_PRIOR_ART = (
    "This is not a legal opinion. It is a search made to help counsel: it does not say whether a design is "
    "new or has individual character, nor whether a product infringes. Publication dates are PatSnap's; check "
    "them, and any earlier disclosure, against the official registers before anyone relies on them."
)

#: Human column headers for the frame schema, the batch columns, enrichment and triage.
COLUMN_LABELS: dict[str, str] = {
    "rank": "Rank",
    "score": "Score",
    "patent_pn": "Number",
    "title": "Title",
    "patent_id": "PatSnap id",
    "image_url": "Image URL",
    "authority": "Authority",
    "search_id": "Search id",
    "query": "Query",
    "query_index": "Catalogue row",
    "status": "Search status",
    "error": "Error",
    "assignees": "Assignees",
    "applicants": "Applicants",
    "apply_date": "Applied",
    "publication_date": "Published",
    "grant_date": "Granted",
    "loc": "Locarno class",
    "simple_legal_status": "Legal status",
    "relevance": "Relevance",
    "note": "Note",
    "marked_by": "Marked by",
    "marked_at": "Marked at (UTC)",
    "image": "Image",
    # raw hit fields of P009/P060/P061 answers (before enrichment names them)
    "apdt": "Applied",
    "pbdt": "Published",
    "isd": "Granted",
    "apno": "Application number",
    "current_assignee": "Assignee",
    "original_assignee": "Original assignee",
    "inventor": "Inventors",
    "img_id": "Image id",
    "loc_match": "Matches the predicted Locarno class",
    # several views of one product (search_designs with a list of images)
    "matched_view": "Matched view",
    "fused_score": "Fused score",
    # clearance and prior art (df.patsnap.in_force, clearance(), prior_art())
    "in_force": "In force",
    "in_force_reason": "Why",
    "expiry_estimate": "Expiry (estimate)",
    "expiry_rule": "Rule",
    "expiry_certainty": "How sure",
    "expiry_patsnap": "PatSnap's expiry",
    "next_renewal": "Next renewal",
    "patent_type": "Kind",
}


def column_label(column: str) -> str:
    """The header of a frame column in words: :data:`COLUMN_LABELS`, or ``score_viewN`` as "Score of view N".

    Examples
    --------
    >>> column_label("matched_view"), column_label("score_view2"), column_label("loc_match")
    ('Matched view', 'Score of view 2', 'Matches the predicted Locarno class')
    """
    if column in COLUMN_LABELS:
        return COLUMN_LABELS[column]
    if column.startswith("score_view") and column[10:].isdigit():
        return f"Score of view {int(column[10:])}"
    return column.replace("_", " ").capitalize()


def views_in_words(attrs: Mapping[str, Any]) -> str | None:
    """How a search of several views of one product combined them, in words (None for one image).

    Reads ``df.attrs`` of :func:`patsnap_pandas.search_designs`: ``views``,
    ``endpoint_version`` and ``fusion``.

    Examples
    --------
    >>> views_in_words({"views": ["front.png", "side.png", "top.png"], "endpoint_version": "P061"})
    'the 3 views were searched together in one multi-image search: each design is scored against all of them'
    >>> views_in_words({"views": list("abcde"), "endpoint_version": "P060+fusion", "fusion": "best"})
    "each of the 5 views was searched on its own, then combined per design: a design's score is its best score over the views, and the view that gave it is the matched view"
    >>> views_in_words({"views": ["one.png"]}) is None
    True
    """
    views = attrs.get("views")
    if not isinstance(views, (list, tuple)) or len(views) < 2:
        return None
    n = len(views)
    endpoint = str(attrs.get("endpoint_version") or "")
    if not endpoint.endswith("+fusion"):
        return (f"the {n} views were searched together in one multi-image search: "
                "each design is scored against all of them")
    if attrs.get("fusion") == "rrf":
        from .fusion import RRF_K

        return (f"each of the {n} views was searched on its own, then combined per design by reciprocal-rank "
                f"fusion: each view that found a design adds 1/({RRF_K} + its rank there), so designs found by "
                "several views rank higher; the score shown is the design's best score over the views")
    return (f"each of the {n} views was searched on its own, then combined per design: a design's score is "
            "its best score over the views, and the view that gave it is the matched view")

_LOC = re.compile(r"^\s*(\d{1,2})(?:\s*-\s*(\d{1,2}))?\s*$")
_COMPACT_DATE = re.compile(r"^\d{8}$")
_DATE_FILTERS = ("apply_start_time", "apply_end_time", "public_start_time", "public_end_time")


def is_sandbox(df_or_attrs: Any) -> bool:
    """Whether a result frame (or its ``attrs``) came from a sandbox server.

    Parameters
    ----------
    df_or_attrs : DataFrame or mapping
        A result frame, or its ``attrs``. A batch frame whose ``source`` is a list
        counts as sandbox when any of its searches was.

    Returns
    -------
    bool
        True when ``attrs["source"]`` is ``"sandbox"``.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, limit=3)
    >>> is_sandbox(df), df.attrs["source"], is_sandbox({"source": "patsnap"})
    (True, 'sandbox', False)
    >>> client.close()
    """
    attrs = getattr(df_or_attrs, "attrs", df_or_attrs)
    if not isinstance(attrs, Mapping):
        return False
    source = attrs.get("source")
    if isinstance(source, (list, tuple)):
        return any(s == SANDBOX_SOURCE for s in source)
    return source == SANDBOX_SOURCE


def source_in_words(df_or_attrs: Any) -> str:
    """The data source as a reader says it.

    Examples
    --------
    >>> source_in_words({"source": "patsnap"})
    'PatSnap design image search'
    >>> source_in_words({"source": "sandbox"})
    'SANDBOX — synthetic designs, not PatSnap data'
    """
    if is_sandbox(df_or_attrs):
        return SANDBOX_BANNER
    attrs = getattr(df_or_attrs, "attrs", df_or_attrs)
    source = attrs.get("source") if isinstance(attrs, Mapping) else None
    if source == PATSNAP_SOURCE:
        return "PatSnap design image search"
    return "not recorded (frame not made by a search)"


def authority_name(code: Any) -> str:
    """The name of a patent authority code, e.g. ``"US"`` -> ``"United States"``.

    Unknown codes come back as given; missing values as ``""``.

    Examples
    --------
    >>> authority_name("cn"), authority_name("WO"), authority_name("XX")
    ('China', 'WIPO (PCT / Hague)', 'XX')
    """
    if code is None or not isinstance(code, str):
        return "" if code is None or code != code else str(code)
    return AUTHORITIES.get(code.strip().upper(), code.strip())


def loc_in_words(code: Any) -> str:
    """A Locarno code with its class heading: ``"26-05"`` -> ``"26-05 (Lighting apparatus)"``.

    Several codes joined by ``"; "`` or ``","`` are each put in words; an unknown
    class is returned as given.

    Examples
    --------
    >>> loc_in_words("26-05")
    '26-05 (Lighting apparatus)'
    >>> loc_in_words("06-01; 06-03")
    '06-01 (Furnishing); 06-03 (Furnishing)'
    """
    if code is None or not isinstance(code, str):
        return "" if code is None or code != code else str(code)
    parts = [p.strip() for p in re.split(r"[;,]", code) if p.strip()]
    out = []
    for part in parts:
        m = _LOC.match(part)
        heading = LOCARNO_CLASSES.get(int(m.group(1))) if m else None
        out.append(f"{part} ({heading})" if heading else part)
    return "; ".join(out)


def legal_status_in_words(value: Any, *, simple: bool = True) -> str:
    """Legal-status codes or names as words with a capital: ``1`` -> ``"Active"``.

    Parameters
    ----------
    value : int, str or list
        Codes (``1``, ``"1,0"``) or names (``"active"``); several joined by ``","`` or ``"; "``.
    simple : bool, default True
        ``codes.SIMPLE_LEGAL_STATUS`` (P009 ``simple_legal_status``) when True,
        else ``codes.LEGAL_STATUS`` (P009 ``legal_status``).

    Examples
    --------
    >>> legal_status_in_words("1,0"), legal_status_in_words("3", simple=False)
    ('Active, Inactive', 'Granted')
    >>> legal_status_in_words("active; pending")
    'Active, Pending'
    """
    table = SIMPLE_LEGAL_STATUS if simple else LEGAL_STATUS
    if value is None:
        return ""
    items = value if isinstance(value, (list, tuple)) else re.split(r"[;,]", str(value))
    words = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        name = table.get(int(text)) if text.isdigit() else text
        words.append(_capital(name or text))
    return ", ".join(words)


def date_in_words(value: Any) -> str:
    """A date as ``YYYY-MM-DD`` from ``YYYYMMDD``, ISO text, a date or a datetime.

    Examples
    --------
    >>> date_in_words("20120101"), date_in_words("2012-01-01T10:00:00+00:00")
    ('2012-01-01', '2012-01-01')
    """
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.strftime("%Y-%m-%d")
    text = "" if value is None else str(value).strip()
    if _COMPACT_DATE.match(text):
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text[:10] if re.match(r"^\d{4}-\d{2}-\d{2}", text) else text


def filters_in_words(filters: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Search filters as (label, value in words) pairs, in the order of ``FILTER_LABELS``.

    Date ranges become one line each (``"Applied"``: ``"2012-01-01 to 2020-12-31"``),
    Locarno codes get their class headings, authority codes their names, status
    codes their names. A filter this module does not know is shown with its name.

    Parameters
    ----------
    filters : mapping or None
        ``df.attrs["filters"]`` (``SearchFilters.to_dict()``) or the filter
        arguments as a user typed them.

    Examples
    --------
    >>> filters_in_words({"loc": "(26-05 OR 26-03)", "apply_start_time": "20120101",
    ...                   "apply_end_time": "20201231", "legal_status": "3"})
    [('Locarno class', '26-05 (Lighting apparatus) or 26-03 (Lighting apparatus)'), ('Legal status', 'Granted'), ('Applied', '2012-01-01 to 2020-12-31')]
    >>> filters_in_words({})
    []
    """
    if not filters:
        return []
    if not isinstance(filters, Mapping):
        raise InvalidTypeError(f"filters: expected a mapping of filter names to values, got {type(filters).__name__}")
    values = {k: v for k, v in filters.items() if v not in (None, "", [], ())}
    out: list[tuple[str, str]] = []
    for name in list(FILTER_LABELS) + [k for k in values if k not in FILTER_LABELS]:
        if name not in values:
            continue
        value = values[name]
        if name in _DATE_FILTERS:
            kind = "apply" if name.startswith("apply") else "public"
            if name.endswith("end_time") and f"{kind}_start_time" in values:
                continue  # said with its start
            start = values.get(f"{kind}_start_time")
            end = values.get(f"{kind}_end_time")
            label = "Applied" if kind == "apply" else "Published"
            if start and end:
                text = f"{date_in_words(start)} to {date_in_words(end)}"
            elif start:
                text = f"on or after {date_in_words(start)}"
            else:
                text = f"on or before {date_in_words(end)}"
            out.append((label, text))
            continue
        label = FILTER_LABELS.get(name, name.replace("_", " ").capitalize())
        out.append((label, _filter_value(name, value)))
    return out


def _filter_value(name: str, value: Any) -> str:
    if isinstance(value, (list, tuple)):
        value = ",".join(str(v) for v in value)
    text = str(value)
    if name == "loc":
        plain = text.replace("(", " ").replace(")", " ").replace(",", " OR ")
        plain = " ".join(plain.split())
        for word, said in ((" AND NOT ", " and not "), (" OR ", " or "), (" AND ", " and ")):
            plain = plain.replace(word, said)
        return re.sub(r"\b\d{1,2}(?:-\d{1,2})?\b", lambda m: loc_in_words(m.group(0)), plain)
    if name == "country":
        return ", ".join(authority_name(c) for c in re.split(r"[,\s]+", text) if c)
    if name == "simple_legal_status":
        return legal_status_in_words(text)
    if name == "legal_status":
        return legal_status_in_words(text, simple=False)
    if name == "field":
        return _capital(SORT_FIELDS.get(text.upper(), text))
    if name == "order":
        return {"desc": "Descending", "asc": "Ascending"}.get(text.lower(), text)
    return text


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text

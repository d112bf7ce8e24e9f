"""What a report says of its search: method and coverage, the about rows, times in words.

Read from ``df.attrs`` through a whitelist (no search ids, URLs or secrets) by
:func:`patsnap_pandas.report.model.build_report`; each fact once (a note given for a
row's label takes that row's place).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..frame import words
from ..frame.format import format_value

if TYPE_CHECKING:
    from .model import Section

__all__ = ["BATCH_VIEWS_NOTE", "about_rows", "method_rows", "when_text"]

#: How a batch searched its products with several views (views.choose_endpoint, fusion "best").
BATCH_VIEWS_NOTE = ("a product with several views had them searched together in one multi-image search "
                    "(up to 4 views); a product with more views had each view searched on its own, "
                    "and a design's score is its best score over the views")


def when_text(value: Any) -> str:
    """A time of ``df.attrs`` (ISO text; a list: the earliest) as a report says it, in UTC.

    Examples
    --------
    >>> when_text("2026-12-07T10:30:00+01:00"), when_text(None)
    ('2026-12-07 09:30 UTC', 'not recorded')
    """
    if isinstance(value, list):
        value = min((v for v in value if isinstance(v, str)), default=None)
    if not isinstance(value, str) or not value:
        return "not recorded"
    try:
        t = _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if t.tzinfo is not None:
        t = t.astimezone(_dt.timezone.utc)
    return t.strftime("%Y-%m-%d %H:%M UTC")


def _single_filters(attrs: Mapping[str, Any]) -> Mapping[str, Any]:
    filters = attrs.get("filters")
    if isinstance(filters, list):
        filters = filters[0] if filters and all(f == filters[0] for f in filters) else {}
    return filters if isinstance(filters, Mapping) else {}


def method_rows(attrs: Mapping[str, Any], df: pd.DataFrame, counts: tuple[int, int], shown: int, include: str,
            batch: bool, notes: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The "Method and coverage" rows: source, what was searched, filters in words, counts, order, when.

    ``counts`` is (hits fetched, hits ``df`` holds), ``shown`` the hits in the report; a note whose
    label is already a row takes that row's place (each fact once), the others follow.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = dict(method_rows({"query": "chair.png"}, pd.DataFrame(), (20, 4), 4, "all", False,
    ...                         [("Sort order", "newest first, as the panel shows them")]))
    >>> rows["Hits in this report"], rows["Sort order"]
    ('4 of 20 fetched (16 left out by the filters listed below)', 'newest first, as the panel shows them')
    """
    rows: list[tuple[str, str]] = [("Data source", words.source_in_words(attrs))]
    if batch:
        batch_attrs = attrs.get("batch")
        info: Mapping[str, Any] = batch_attrs if isinstance(batch_attrs, Mapping) else {}
        products = info.get("rows", df["query"].nunique())
        rows.append(("Searched", f"{products} product images, up to {attrs.get('limit', '?')} hits each"))
    elif isinstance(attrs.get("views"), list) and len(attrs["views"]) > 1:
        labels = [format_value(v) for v in attrs["views"]]
        rows.append(("Searched", f"{len(labels)} views of one product, in this order: " + ", ".join(labels)))
        rows.append(("Views combined", words.views_in_words(attrs) or ""))
    else:
        rows.append(("Searched", f"one query image: {format_value(attrs.get('query')) or 'not named'}"))
    if batch and isinstance(attrs.get("query_urls_by_label"), Mapping) and attrs["query_urls_by_label"]:
        rows.append(("Views combined", BATCH_VIEWS_NOTE))
    said = words.filters_in_words(_single_filters(attrs))
    if said:
        rows.extend((f"Filter: {label}", text) for label, text in said)
    else:
        rows.append(("Filters", "none (all authorities, classes, dates and statuses)"))
    total = attrs.get("total")
    if isinstance(total, int) and not isinstance(total, bool):
        rows.append(("Designs matching", f"{total:,}"))
    fetched, passed = counts
    parts = [f"{fetched - passed} left out by the filters listed below"] if passed < fetched else []
    which = {"all": "", "marked": "hits marked relevant, not relevant or unsure", "relevant": "hits marked relevant"}
    if which[include]:
        parts.append(f"of the {passed} {'left' if passed < fetched else 'fetched'}, only {which[include]}")
    rows.append(("Hits in this report", f"{shown} of {fetched} fetched" + (f" ({'; '.join(parts)})" if parts else "")))
    filters = _single_filters(attrs)
    if filters.get("field"):
        order = words.filters_in_words({"order": filters.get("order", "desc")})[0][1].lower()
        rows.append(("Sort order", f"by {words.filters_in_words({'field': filters['field']})[0][1].lower()}, "
                                   f"{order}"))
    else:
        rows.append(("Sort order", "by similarity score, closest first"))
    cached = bool(attrs.get("from_cache"))
    rows.append(("Results fetched", when_text(attrs.get("fetched_at")) + (" (answered from this package's cache; "
                                                                      "no new search was billed)" if cached else "")))
    by_label = dict(notes)
    rows = [(label, by_label.pop(label, text)) for label, text in rows]  # a note in a row's place: said once
    return rows + [(label, text) for label, text in notes if label in by_label]


def about_rows(attrs: Mapping[str, Any], sections: Sequence[Section]) -> list[tuple[str, str]]:
    """The "About this report" rows: the package's version, each query image's SHA-256, the filters as sent.

    Examples
    --------
    >>> about_rows({"filters": {"country": "US"}}, [])[-1]
    ('Filters as sent', 'country=US')
    """
    from .._version import __version__

    rows = [("Made with", f"patsnap-pandas {__version__}")]
    digests = [(s.query, s.query_digest) for s in sections if s.query_digest]
    for query, digest in digests:
        rows.append((f"Query image SHA-256 ({query})" if len(sections) > 1 else "Query image SHA-256", digest))
    filters = attrs.get("filters")
    if isinstance(filters, list):
        filters = _single_filters(attrs) or "differ per product"
    sent = ", ".join(f"{k}={v}" for k, v in filters.items()) if isinstance(filters, Mapping) else str(filters)
    rows.append(("Filters as sent", sent or "none"))
    return rows

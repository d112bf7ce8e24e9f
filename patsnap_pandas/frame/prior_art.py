"""The columns of a prior-art result, and the cutoff rule, over frames already fetched (no HTTP here).

:func:`merge_hits` puts the design hits and the utility-model hits of one query in one ranking
(by score) and marks each row (``patent_type`` ``D``/``U``, ``kind`` in words);
:func:`evidence_columns` adds the dates and owners of the bibliography (P012) items and the
link to the public record; :func:`cutoff_reasons` names every row that may not be kept as
prior art before a date: published on or after it, or undated.

Examples
--------
>>> import datetime as dt
>>> import pandas as pd
>>> hits = pd.DataFrame({"publication_date": pd.to_datetime(["2019-05-31", "2019-06-01", None])})
>>> cutoff_reasons(hits, dt.date(2019, 6, 1))
{1: 'published on or after the cutoff: 2019-06-01', 2: 'undated: no publication date in the hit or its bibliography'}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import pandas as pd

from . import parties
from .links import public_record_url
from .schema import concat_frames

__all__ = ["EVIDENCE_COLUMNS", "KINDS", "cutoff_reasons", "evidence_columns", "merge_hits"]

#: ``patent_type`` -> ``kind``, the words for people.
KINDS: dict[str, str] = {"D": "design", "U": "utility model"}

#: The columns of the evidence table, in the order a person reads them (the frame has more).
EVIDENCE_COLUMNS: tuple[str, ...] = ("rank", "score", "patent_pn", "kind", "authority", "publication_date",
                                     "owner", "record_url", "image_url", "title")

#: The bibliography fields a prior-art frame takes from P012 (see ``jobs.enrich.bibliography_record``).
DATE_COLUMNS: tuple[str, ...] = ("apply_date", "publication_date", "grant_date")

UNDATED = "undated: no publication date in the hit or its bibliography"


def merge_hits(designs: pd.DataFrame, utility_models: pd.DataFrame | None = None) -> pd.DataFrame:
    """Design hits and utility-model hits in one ranking: by score, best first, ranks 1..n.

    Each row is marked: ``patent_type`` (``D``/``U``) and ``kind`` (``design``/``utility model``);
    a patent found by both searches is kept once, with its best score. ``attrs`` are merged as
    :func:`~patsnap_pandas.frame.schema.concat_frames` does, but the query (``query*``, ``views``):
    both searches searched the same image(s), so it is the design search's.

    Examples
    --------
    >>> from patsnap_pandas.frame.schema import hits_to_frame
    >>> d = hits_to_frame([{"patent_id": "a", "patent_pn": "USD1S", "score": 0.9},
    ...                    {"patent_id": "b", "patent_pn": "USD2S", "score": 0.5}], search_id="S1", query="q")
    >>> u = hits_to_frame([{"patent_id": "c", "patent_pn": "CN212023757U", "score": 0.7}], search_id=None, query="q")
    >>> merge_hits(d, u)[["rank", "patent_id", "patent_type", "kind"]].values.tolist()
    [[1, 'a', 'D', 'design'], [2, 'c', 'U', 'utility model'], [3, 'b', 'D', 'design']]
    """
    parts = [_marked(designs, "D")]
    if utility_models is not None:
        parts.append(_marked(utility_models, "U"))
    merged = concat_frames(parts) if len(parts) > 1 else parts[0]
    attrs = dict(merged.attrs)
    # both searches searched the same image(s): the query is the designs' (not a list of two, read as two views)
    def about_query(key: str) -> bool:
        return key.startswith("query") or key == "views"

    attrs = {k: v for k, v in attrs.items() if not about_query(k)}
    attrs.update({k: v for k, v in designs.attrs.items() if about_query(k)})
    ordered = merged.sort_values("score", ascending=False, kind="stable", na_position="last")
    ordered = ordered.drop_duplicates("patent_id", keep="first").reset_index(drop=True)
    ordered["rank"] = pd.array(range(1, len(ordered) + 1), dtype="Int64")
    ordered.attrs = attrs
    return ordered


def _marked(hits: pd.DataFrame, patent_type: str) -> pd.DataFrame:
    out = hits.copy()
    out["patent_type"] = pd.Series(patent_type, index=out.index, dtype="string")
    out["kind"] = pd.Series(KINDS[patent_type], index=out.index, dtype="string")
    return out


def evidence_columns(hits: pd.DataFrame, records: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """``hits`` with the dates, owners and links of prior art.

    ``records`` maps a patent id to its bibliography record (``jobs.enrich.bibliography_record`` of a
    P012 item). Added (replaced where present): ``apply_date``, ``publication_date``, ``grant_date``
    (datetime64; the hit's own ``apdt``/``pbdt`` where the bibliography has none), ``assignees``,
    ``applicants``, ``owner`` (as :func:`~patsnap_pandas.frame.parties.owner_of` decides: the
    bibliography's assignees, else the hit's ``current_assignee``, else its ``original_assignee``) and ``record_url`` (:func:`~patsnap_pandas.frame.links.public_record_url`).

    Examples
    --------
    >>> hits = pd.DataFrame({"patent_id": ["a", "b"], "patent_pn": ["USD907292S", "CN212023757U"],
    ...                      "authority": ["US", "CN"], "pbdt": [None, 20160405],
    ...                      "current_assignee": [None, "Xinghe"]})
    >>> records = {"a": {"publication_date": pd.Timestamp("2021-01-05"), "assignees": "ACME"}}
    >>> out = evidence_columns(hits, records)
    >>> out["publication_date"].dt.date.astype(str).tolist(), out["owner"].tolist()
    (['2021-01-05', '2016-04-05'], ['ACME', 'Xinghe'])
    >>> out["record_url"].tolist()
    ['https://patents.google.com/patent/USD907292S', <NA>]
    """
    out = hits.copy()
    ids = [v if isinstance(v, str) else None for v in out["patent_id"]]
    rows = [records.get(i, {}) if i is not None else {} for i in ids]
    fallback = {"apply_date": "apdt", "publication_date": "pbdt"}
    for name in DATE_COLUMNS:
        own = _column(out, fallback.get(name, ""))
        values = [row.get(name) if row.get(name) is not None else _hit_date(hit) for row, hit in zip(rows, own, strict=True)]
        out[name] = pd.Series(values, index=out.index, dtype="datetime64[ns]")
    for name in ("assignees", "applicants"):
        out[name] = pd.Series([row.get(name) for row in rows], index=out.index, dtype="string")
    own = zip(_column(out, "current_assignee"), _column(out, "original_assignee"), strict=True)
    out["owner"] = pd.Series([parties.owner_of({"assignees": row.get("assignees"), "current_assignee": current,
                                                "original_assignee": original}) or None
                              for row, (current, original) in zip(rows, own, strict=True)],
                             index=out.index, dtype="string")
    out["record_url"] = pd.Series([public_record_url(pn, code) for pn, code in
                                   zip(_column(out, "patent_pn"), _column(out, "authority"), strict=True)],
                                  index=out.index, dtype="string")
    return out


def cutoff_reasons(hits: pd.DataFrame, before: dt.date) -> dict[Hashable, str]:
    """index label -> why the row cannot be prior art before ``before``: published on or after it, or undated.

    Decided on ``publication_date`` alone, whatever the search's date filter did (its bounds may be
    inclusive or exclusive): only a row published strictly before ``before`` passes.

    Examples
    --------
    >>> hits = pd.DataFrame({"publication_date": pd.to_datetime(["2019-05-31", "2019-06-01", None])},
    ...                     index=[7, 8, 9])
    >>> cutoff_reasons(hits, dt.date(2019, 6, 1))
    {8: 'published on or after the cutoff: 2019-06-01', 9: 'undated: no publication date in the hit or its bibliography'}
    """
    cutoff = pd.Timestamp(before)
    reasons: dict[Hashable, str] = {}
    for label, day in zip(hits.index, hits["publication_date"], strict=True):
        if pd.isna(day):
            reasons[label] = UNDATED
        elif pd.Timestamp(day) >= cutoff:
            reasons[label] = f"published on or after the cutoff: {pd.Timestamp(day).date().isoformat()}"
    return reasons


# --- helpers ----------------------------------------------------------------------------------------

def _column(df: pd.DataFrame, name: str) -> Iterable[Any]:
    return df[name].tolist() if name in df.columns else [None] * len(df)


def _hit_date(value: Any) -> pd.Timestamp | None:
    """A hit's ``apdt``/``pbdt`` (int ``YYYYMMDD``) as a Timestamp; None when absent or unreadable."""
    if value is None or isinstance(value, bool):
        return None
    try:
        if pd.isna(value):
            return None
        return pd.Timestamp(dt.datetime.strptime(str(int(value)), "%Y%m%d"))
    except (TypeError, ValueError):
        return None

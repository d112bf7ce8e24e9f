"""A watch's hits over time: first and last seen, new or not, counsel's marks carried forward.

Pure pandas over what a watch keeps (:mod:`patsnap_pandas.jobs.watch` reads and writes it in the
store): ``seen`` maps each patent number the watch ever reported to ``[first_seen, last_seen]``
(ISO dates of runs), ``marks`` maps a patent number to the ``relevance`` and ``note`` counsel
gave. :func:`with_watch_columns` adds the columns ``first_seen``, ``last_seen`` and ``new`` to a
run's hits; :func:`carry_marks` puts the marks back on them.

Examples
--------
>>> import pandas as pd
>>> hits = pd.DataFrame({"patent_pn": ["CN1S", "CN2S"], "query": ["C-100", "C-100"]})
>>> seen = {"CN1S": ["2026-11-30", "2026-11-30"]}
>>> out = with_watch_columns(hits, seen, day="2026-12-07", report_once=True)
>>> out[["patent_pn", "first_seen", "last_seen", "new"]].values.tolist()
[['CN1S', '2026-11-30', '2026-12-07', False], ['CN2S', '2026-12-07', '2026-12-07', True]]
>>> updated_seen(seen, out, "2026-12-07")
{'CN1S': ['2026-11-30', '2026-12-07'], 'CN2S': ['2026-12-07', '2026-12-07']}
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from .marks import _with_triage, normalise_relevance
from .schema import SCHEMA, concat_frames

__all__ = ["WATCH_COLUMNS", "by_product", "carry_marks", "frame_from_json", "frame_to_json", "history_frame", "marks_of",
           "updated_seen", "with_watch_columns"]

#: The columns a watch adds to the result frame (after the triage columns).
WATCH_COLUMNS: tuple[str, ...] = ("first_seen", "last_seen", "new")


def _numbers(df: pd.DataFrame) -> list[str]:
    return [str(pn).strip().upper() for pn in df["patent_pn"].astype("string").fillna("")]


def with_watch_columns(hits: pd.DataFrame, seen: Mapping[str, list[str]], *, day: str, report_once: bool,
                       previous: Iterable[str] = ()) -> pd.DataFrame:
    """``hits`` with ``first_seen``, ``last_seen`` (ISO dates) and ``new``.

    ``new``: never reported before (``report_once``), else not in the previous run's hits
    (``previous``: their patent numbers). ``last_seen`` is ``day``, the run's date.

    Examples
    --------
    >>> hits = pd.DataFrame({"patent_pn": ["CN1S"]})
    >>> with_watch_columns(hits, {"CN1S": ["2026-11-23", "2026-11-23"]}, day="2026-12-07", report_once=False,
    ...                    previous=[])["new"].tolist()
    [True]
    """
    out = hits.copy()
    numbers = _numbers(out)
    before = set(previous)
    out["first_seen"] = pd.array([seen[pn][0] if pn in seen else day for pn in numbers], dtype="string")
    out["last_seen"] = pd.array([day] * len(out), dtype="string")
    new = [pn not in seen if report_once else pn not in before for pn in numbers]
    out["new"] = pd.array(new, dtype="bool")
    out.attrs = hits.attrs
    return out


def updated_seen(seen: Mapping[str, list[str]], hits: pd.DataFrame, day: str) -> dict[str, list[str]]:
    """``seen`` with every patent of ``hits`` seen on ``day`` (first seen kept, last seen moved on).

    Examples
    --------
    >>> updated_seen({"CN1S": ["2026-11-30", "2026-11-30"]}, pd.DataFrame({"patent_pn": ["cn1s"]}), "2026-12-07")
    {'CN1S': ['2026-11-30', '2026-12-07']}
    """
    out = {pn: list(dates) for pn, dates in seen.items()}
    for pn in _numbers(hits):
        if pn:
            out[pn] = [out[pn][0] if pn in out else day, day]
    return out


def marks_of(df: pd.DataFrame) -> dict[str, dict[str, str | None]]:
    """The marks of a frame (``mark()``'s result, or ``read_triage()``'s): patent number ->
    ``{"relevance", "note"}``, rows with neither left out.

    Examples
    --------
    >>> marks_of(pd.DataFrame({"patent_pn": ["cn1s", "CN2S"], "relevance": ["Relevant", None],
    ...                        "note": [None, None]}))
    {'CN1S': {'relevance': 'relevant', 'note': None}}
    """
    out: dict[str, dict[str, str | None]] = {}
    for i, row in enumerate(_with_triage(df).itertuples(index=False)):
        pn = str(row.patent_pn).strip().upper() if row.patent_pn is not pd.NA else ""
        relevance = normalise_relevance(row.relevance, where=f"row {i}: relevance")
        note = None if row.note is pd.NA or not str(row.note).strip() else str(row.note)
        if pn and (relevance or note):
            out[pn] = {"relevance": relevance, "note": note}
    return out


def carry_marks(hits: pd.DataFrame, marks: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """``hits`` with the marks counsel gave (by patent number) in ``relevance`` and ``note``.

    Examples
    --------
    >>> hits = pd.DataFrame({"patent_pn": ["CN1S", "CN2S"]})
    >>> carry_marks(hits, {"CN2S": {"relevance": "unsure", "note": "legs differ"}})["relevance"].tolist()
    [<NA>, 'unsure']
    """
    out = _with_triage(hits)
    for i, pn in enumerate(_numbers(out)):
        mark = marks.get(pn)
        if mark:
            out.iloc[i, out.columns.get_loc("relevance")] = mark.get("relevance") or pd.NA
            out.iloc[i, out.columns.get_loc("note")] = mark.get("note") or pd.NA
    out.attrs = hits.attrs
    return out


def by_product(frames: Mapping[str, pd.DataFrame], *, name: str) -> pd.DataFrame:
    """The products' result frames as one frame shaped like a batch's (``query_index`` = the product,
    ``status``, ``error``; attrs naming each product's query image), so reports show one section a product.

    Examples
    --------
    >>> from patsnap_pandas.frame.schema import hits_to_frame
    >>> one = hits_to_frame([{"patent_pn": "CN1S", "patent_id": "p1", "score": 0.9, "title": "Chair"}],
    ...                     attrs={"query_url": "https://img.example/c100.png", "limit": 10}, query="C-100", search_id="s1")
    >>> out = by_product({"C-100": one}, name="chairs")
    >>> out[["query_index", "status"]].values.tolist(), out.attrs["query_url_by_label"]
    ([['C-100', 'ok']], {'C-100': 'https://img.example/c100.png'})
    """
    out = concat_frames(list(frames.values()))
    labels = [str(q) for q in out["query"]] if "query" in out.columns else []
    at = min(len(SCHEMA), len(out.columns))
    for offset, (column, values) in enumerate((("query_index", labels), ("status", ["ok"] * len(out)),
                                               ("error", [None] * len(out)))):
        if column in out.columns:
            out = out.drop(columns=column)
        out.insert(at + offset, column, pd.array(values, dtype="string"))
    attrs = dict(out.attrs)
    firsts = {label: df.attrs for label, df in frames.items()}
    attrs.update({
        "query": f"{len(frames)} products of the watch {name!r}",
        "queries": list(frames),
        "total": None,  # designs matching: per product, not one number
        "query_url_by_label": {k: a.get("query_url") for k, a in firsts.items() if a.get("query_url")},
        "query_urls_by_label": {k: list(a["query_urls"]) for k, a in firsts.items()
                                if len(a.get("query_urls") or ()) > 1},
        "query_sha256_by_label": {k: a["query_sha256"] for k, a in firsts.items() if a.get("query_sha256")},
        "limit": next((a.get("limit") for a in firsts.values() if a.get("limit")), None),
        "batch": {"rows": len(frames), "distinct_images": len(frames), "ok": sum(1 for df in frames.values() if len(df)),
                  "no_hits": sum(1 for df in frames.values() if not len(df)), "error": 0},
    })
    out.attrs = attrs
    return out


def frame_to_json(df: pd.DataFrame) -> dict[str, Any]:
    """A result frame as a JSON-safe dict (rows with their dtypes, and attrs): what a watch keeps of a search.

    Examples
    --------
    >>> sorted(frame_to_json(pd.DataFrame({"patent_pn": ["CN1S"]})))
    ['attrs', 'table']
    """
    return {"table": df.to_json(orient="table", date_format="iso", index=False),
            "attrs": json.loads(json.dumps(df.attrs, default=str))}


def frame_from_json(kept: Mapping[str, Any]) -> pd.DataFrame:
    """The frame :func:`frame_to_json` kept.

    Examples
    --------
    >>> df = pd.DataFrame({"rank": pd.array([1], dtype="Int64"), "patent_pn": pd.array(["CN1S"], dtype="string")})
    >>> df.attrs["query"] = "C-100"
    >>> back = frame_from_json(frame_to_json(df))
    >>> back.dtypes.astype(str).tolist(), back.attrs["query"]
    (['Int64', 'string'], 'C-100')
    """
    df = pd.read_json(io.StringIO(kept["table"]), orient="table")
    df = df.reset_index(drop=True)
    df.attrs = dict(kept.get("attrs") or {})
    return df


def history_frame(runs: list[Mapping[str, Any]]) -> pd.DataFrame:
    """A watch's runs, oldest first: when (started, finished), the run's date, billed calls, hits, new hits,
    how it ended.

    Examples
    --------
    >>> history_frame([{"started": "2026-12-07T07:00:00+00:00", "day": "2026-12-07", "billed_calls": 6,
    ...                 "hits": 30, "new": 4, "outcome": "done"}])[["day", "billed_calls", "new"]].values.tolist()
    [['2026-12-07', 6, 4]]
    """
    columns = ["started", "finished", "day", "billed_calls", "hits", "new", "outcome"]
    df = pd.DataFrame([{c: run.get(c) for c in columns} for run in runs], columns=columns)
    for column in ("billed_calls", "hits", "new"):
        df[column] = pd.array(df[column].tolist(), dtype="Int64")
    return df

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

__all__ = ["WATCH_COLUMNS", "carry_marks", "frame_from_json", "frame_to_json", "history_frame", "marks_of",
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
    """``seen`` with every patent of ``hits`` seen on ``day`` (first seen kept, last seen moved on)."""
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
    """``hits`` with the marks counsel gave (by patent number) in ``relevance`` and ``note``."""
    out = _with_triage(hits)
    for i, pn in enumerate(_numbers(out)):
        mark = marks.get(pn)
        if mark:
            out.iloc[i, out.columns.get_loc("relevance")] = mark.get("relevance") or pd.NA
            out.iloc[i, out.columns.get_loc("note")] = mark.get("note") or pd.NA
    out.attrs = hits.attrs
    return out


def frame_to_json(df: pd.DataFrame) -> dict[str, Any]:
    """A result frame as a JSON-safe dict (rows with their dtypes, and attrs): what a watch keeps of a search."""
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
    """A watch's runs, oldest first: when, the run's date, billed calls, hits, new hits, how it ended.

    Examples
    --------
    >>> history_frame([{"started": "2026-12-07T07:00:00+00:00", "day": "2026-12-07", "billed_calls": 6,
    ...                 "hits": 30, "new": 4, "outcome": "done"}])[["day", "billed_calls", "new"]].values.tolist()
    [['2026-12-07', 6, 4]]
    """
    columns = ["started", "day", "billed_calls", "hits", "new", "outcome"]
    df = pd.DataFrame([{c: run.get(c) for c in columns} for run in runs], columns=columns)
    for column in ("billed_calls", "hits", "new"):
        df[column] = pd.array(df[column].tolist(), dtype="Int64")
    return df

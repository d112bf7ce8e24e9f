"""Marking hits: ``relevant`` / ``not relevant`` / ``unsure`` with a note, and marks merged into a frame.

Every result frame has the columns ``relevance`` and ``note`` (empty at first; see
:data:`patsnap_pandas.frame.schema.TRIAGE_COLUMNS`). Set them with plain pandas or with
:func:`mark`, which also records who marked and when in ``marked_by`` and ``marked_at``
(UTC, ISO 8601; :data:`~patsnap_pandas.frame.schema.MARK_COLUMNS`); they travel with the frame through ``more()`` + ``concat_frames``,
``enrich()``, parquet and CSV. :func:`apply_triage` merges marks read back from counsel's
file (:func:`patsnap_pandas.frame.triage.read_triage`) into the frame by patent number.

Examples
--------
>>> from patsnap_pandas import PatsnapClient, samples, search_designs
>>> client = PatsnapClient.sandbox()
>>> df = search_designs(samples.image("armchair"), client=client, limit=5)
>>> df = mark(df, df["rank"] <= 2, relevance="relevant", note="same backrest", by="A. Analyst",
...           at="2026-12-07T09:30:00Z")
>>> df["relevance"].tolist(), df.loc[0, ["marked_by", "marked_at"]].tolist()
(['relevant', 'relevant', <NA>, <NA>, <NA>], ['A. Analyst', '2026-12-07T09:30:00Z'])
>>> client.close()
"""

from __future__ import annotations

import datetime as _dt
import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .. import config
from .._validate import invalid, one_of
from ..errors import InvalidInputError
from .schema import MARK_COLUMNS, RELEVANCE_VALUES, TRIAGE_COLUMNS

__all__ = ["apply_triage", "history_entries", "mark", "mark_entries", "mark_time", "normalise_relevance"]


def mark_time(value: Any = None, *, where: str = "at") -> str:
    """A mark's time as the frame keeps it: UTC, ISO 8601 to the second (``2026-12-07T09:30:00Z``).

    ``None`` is now; a datetime (one without a time zone is taken as UTC), a ``pd.Timestamp``
    or ISO text is converted.

    Examples
    --------
    >>> mark_time("2026-12-07 10:30+01:00"), mark_time(_dt.datetime(2026, 12, 8, 9, 0))
    ('2026-12-07T09:30:00Z', '2026-12-08T09:00:00Z')
    """
    if value is None:
        when = _dt.datetime.now(_dt.timezone.utc)
    elif isinstance(value, _dt.datetime):  # pd.Timestamp is one
        when = value
    elif isinstance(value, str):
        try:
            when = _dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise invalid(where, value, "not an ISO date and time", "e.g. '2026-12-07T09:30:00Z', a datetime, "
                          "or None for now") from None
    else:
        raise invalid(where, value, f"expected a datetime or ISO text, got {type(value).__name__}",
                      "e.g. '2026-12-07T09:30:00Z', a datetime, or None for now")
    if pd.isna(when):
        raise invalid(where, value, "no date", "e.g. '2026-12-07T09:30:00Z', a datetime, or None for now")
    when = when.replace(tzinfo=_dt.timezone.utc) if when.tzinfo is None else when.astimezone(_dt.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def normalise_relevance(value: Any, *, where: str = "relevance") -> str | None:
    """One relevance value as stored: one of ``RELEVANCE_VALUES``, or None for empty.

    Case and surrounding spaces are ignored; ``""`` and missing values are empty.

    Examples
    --------
    >>> normalise_relevance(" Relevant "), normalise_relevance(""), normalise_relevance("Not relevant")
    ('relevant', None, 'not relevant')
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    allowed = one_of(RELEVANCE_VALUES) + " (case and spaces ignored), or an empty value"
    if not isinstance(value, str):
        raise invalid(where, value, f"expected text, got {type(value).__name__}", allowed)
    text = " ".join(value.split()).lower()
    if not text:
        return None
    if text not in RELEVANCE_VALUES:
        raise invalid(where, value, "unknown relevance", allowed)
    return text


def _with_triage(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with string ``relevance`` and ``note`` columns (added when missing)."""
    out = df.copy()
    for column in (*TRIAGE_COLUMNS, *MARK_COLUMNS):
        if column not in out.columns:
            out[column] = pd.array([None] * len(out), dtype="string")
        else:
            values = [None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v)
                      for v in out[column]]
            out[column] = pd.array(values, dtype="string")
    out.attrs = df.attrs
    return out


def _selection_mask(df: pd.DataFrame, selection: Any) -> np.ndarray:
    if isinstance(selection, str):
        selection = [selection]
    if isinstance(selection, (pd.Series, np.ndarray, list, tuple, pd.Index)) and len(selection) == len(df) \
            and len(df) and all(isinstance(v, (bool, np.bool_)) for v in list(selection)):
        if isinstance(selection, pd.Series) and not selection.index.equals(df.index):
            selection = selection.reindex(df.index, fill_value=False)
        return np.asarray(selection, dtype=bool)
    if isinstance(selection, Iterable) and not isinstance(selection, (bytes, dict)):
        wanted = list(selection)
        bad = [v for v in wanted if not isinstance(v, str)]
        if bad:
            raise InvalidInputError(f"selection={bad[0]!r} is not valid: expected a boolean mask with one "
                                    "value per row, or patent numbers (patent_pn), e.g. 'USD907292S'.")
        keys = {v.strip().upper() for v in wanted}
        numbers = df["patent_pn"].astype("string").str.strip().str.upper()
        mask = numbers.isin(keys).fillna(False).to_numpy(dtype=bool)
        missing = keys - set(numbers.dropna())
        if missing:
            raise InvalidInputError(f"selection names patent number(s) {sorted(missing)} that are not in df; "
                                    "expected values of df['patent_pn'].")
        return mask
    raise InvalidInputError(f"selection={selection!r} is not valid: expected a boolean mask with one value "
                            "per row, or patent numbers (patent_pn).")


def mark(df: pd.DataFrame, selection: Any, *, relevance: str | None = None, note: str | None = None,
         by: str | None = None, at: Any = None) -> pd.DataFrame:
    """Return a copy of ``df`` with ``relevance`` and/or ``note`` set on the selected rows, and who and when.

    Parameters
    ----------
    df : DataFrame
        A result frame (needs ``patent_pn``).
    selection : bool mask, str or list of str
        A boolean mask with one value per row (``df["score"] > 0.9``), or patent
        numbers (``"USD907292S"`` or a list of them).
    relevance : str, optional
        ``"relevant"``, ``"not relevant"``, ``"unsure"``, or ``""`` to clear; None leaves it.
    note : str, optional
        A note for the selected rows; ``""`` clears it; None leaves it.
    by : str, optional
        Who marks: default ``$PATSNAP_REVIEWER``, else the login name (1 to 80 printable characters).
        Recorded in ``marked_by``.
    at : datetime or ISO text, optional
        When (default now), recorded in ``marked_at`` as UTC ISO 8601 (see :func:`mark_time`).

    Returns
    -------
    DataFrame
        A new frame (attrs kept); ``df`` is unchanged. ``df.patsnap.mark`` also keeps the mark in
        the history of the store (``df.patsnap.mark_history()``).

    Raises
    ------
    InvalidInputError
        For a relevance outside :data:`~patsnap_pandas.frame.schema.RELEVANCE_VALUES`, a patent
        number not in ``df``, or a mask of the wrong length.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, limit=5)
    >>> first = df["patent_pn"].iloc[0]
    >>> df = mark(df, first, relevance="unsure", note="check the legs")
    >>> df.loc[0, ["relevance", "note"]].tolist()
    ['unsure', 'check the legs']
    >>> mark(df, first, relevance="maybe")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: relevance='maybe' is not valid: unknown relevance. Allowed: 'relevant', 'not relevant' or 'unsure' (case and spaces ignored), or an empty value.
    >>> client.close()
    """
    return mark_entries(df, selection, relevance=relevance, note=note, by=by, at=at)[0]


def mark_entries(df: pd.DataFrame, selection: Any, *, relevance: str | None = None, note: str | None = None,
                 by: str | None = None, at: Any = None) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """:func:`mark`, and one history entry per marked row (``patent_pn``, ``query``, the mark, who, when).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"patent_pn": ["USD1S", "USD2S"], "query": ["chair.png"] * 2})
    >>> _, entries = mark_entries(df, "USD2S", relevance="unsure", by="bo", at="2026-12-08T10:00:00Z")
    >>> entries
    [{'patent_pn': 'USD2S', 'query': 'chair.png', 'relevance': 'unsure', 'note': None, 'marked_by': 'bo', 'marked_at': '2026-12-08T10:00:00Z'}]
    """
    if not isinstance(df, pd.DataFrame) or "patent_pn" not in df.columns:
        raise InvalidInputError("df is not valid: expected a result frame with a 'patent_pn' column.")
    if relevance is None and note is None:
        raise InvalidInputError("mark() needs relevance= and/or note=; both are None.")
    value = None if relevance is None else (normalise_relevance(relevance) or "")
    if note is not None and not isinstance(note, str):
        raise InvalidInputError(f"note={note!r} is not valid: expected text (str) or None.")
    who, when = config.reviewer(by), mark_time(at)
    mask = _selection_mask(df, selection)
    out = _with_triage(df)
    if value is not None:
        out.loc[mask, "relevance"] = value or pd.NA
    if note is not None:
        out.loc[mask, "note"] = note or pd.NA
    out.loc[mask, "marked_by"] = who
    out.loc[mask, "marked_at"] = when
    return out, history_entries(out[mask])


def history_entries(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """The history entries of marked rows: their mark as it now stands, who and when.

    Examples
    --------
    >>> history_entries(pd.DataFrame({"patent_pn": ["USD1S"], "relevance": ["unsure"], "marked_by": ["bo"]}))
    [{'patent_pn': 'USD1S', 'query': None, 'relevance': 'unsure', 'note': None, 'marked_by': 'bo', 'marked_at': None}]
    """
    def text(value: Any) -> str | None:
        return None if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) else str(value)

    columns = ("patent_pn", "query", "relevance", "note", "marked_by", "marked_at")
    return [{c: text(row.get(c)) for c in columns} for row in rows.to_dict("records")]


def _mark_cell(value: Any, column: str, i: int) -> Any:
    """A ``marked_by`` / ``marked_at`` cell of a triage file as the frame keeps it (NA when empty)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) or not str(value).strip():
        return pd.NA
    if column == "marked_at":
        return mark_time(value if isinstance(value, _dt.datetime) else str(value), where=f"triage row {i}: marked_at")
    return " ".join(str(value).split())


def apply_triage(df: pd.DataFrame, triage: pd.DataFrame) -> pd.DataFrame:
    """Merge marks and notes (from :func:`read_triage`) into a result frame, by patent number.

    Each row of ``triage`` sets ``relevance`` and ``note`` (and ``marked_by`` / ``marked_at``
    when it has them) of the rows of ``df`` with the same ``patent_pn`` (and the same ``query`` when both frames have one, as in a batch),
    an empty value clearing the mark. Patents of ``triage`` that are not in ``df`` are
    left out with a warning.

    Parameters
    ----------
    df : DataFrame
        A result frame.
    triage : DataFrame
        Columns ``patent_pn`` and ``relevance`` (``note`` and ``query`` optional).

    Returns
    -------
    DataFrame
        A new frame (attrs kept).

    Examples
    --------
    >>> import pandas as pd
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, limit=3)
    >>> marks = pd.DataFrame({"patent_pn": [df["patent_pn"].iloc[1]], "relevance": ["Not relevant"],
    ...                       "note": ["different seat"]})
    >>> apply_triage(df, marks)["relevance"].tolist()
    [<NA>, 'not relevant', <NA>]
    >>> client.close()
    """
    if not isinstance(df, pd.DataFrame) or "patent_pn" not in df.columns:
        raise InvalidInputError("df is not valid: expected a result frame with a 'patent_pn' column.")
    if not isinstance(triage, pd.DataFrame) or not {"patent_pn", "relevance"} <= set(triage.columns):
        raise InvalidInputError("triage is not valid: expected a DataFrame with the columns 'patent_pn' and "
                                "'relevance' (from read_triage).")
    by_query = "query" in triage.columns and "query" in df.columns
    out = _with_triage(df)
    numbers = out["patent_pn"].astype("string").str.strip().str.upper()
    queries = out["query"].astype("string") if by_query else None
    unmatched = []
    for i, row in enumerate(triage.itertuples(index=False)):
        row = row._asdict()
        pn = row.get("patent_pn")
        if pn is None or pn is pd.NA or (isinstance(pn, float) and np.isnan(pn)):
            continue
        mask = (numbers == str(pn).strip().upper()).fillna(False)
        if queries is not None and not (row.get("query") is None or row.get("query") is pd.NA):
            mask &= (queries == str(row["query"])).fillna(False)
        mask = mask.to_numpy(dtype=bool)
        if not mask.any():
            unmatched.append(str(pn))
            continue
        value = normalise_relevance(row.get("relevance"), where=f"triage row {i}: relevance")
        out.loc[mask, "relevance"] = value if value is not None else pd.NA
        if "note" in triage.columns:
            note = row.get("note")
            empty = note is None or note is pd.NA or (isinstance(note, float) and np.isnan(note)) or not str(note)
            out.loc[mask, "note"] = pd.NA if empty else str(note)
        for column in MARK_COLUMNS:  # who marked and when, as the file says (an Excel round trip keeps them)
            if column in triage.columns:
                out.loc[mask, column] = _mark_cell(row.get(column), column, i)
    if unmatched:
        warnings.warn(f"{len(unmatched)} marked patent(s) are not in df and were left out: "
                      f"{', '.join(unmatched[:5])}{' ...' if len(unmatched) > 5 else ''}", stacklevel=2)
    return out

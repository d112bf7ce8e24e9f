"""Values made into text for people: one cell of a result frame as plain text, and the best rows.

Shared by the grids, the charts, the report and the panel: :func:`format_value` (scores to
3 decimals, dates ISO, lists joined), :func:`is_missing` and the ``optional_*`` readers of
a cell that may be empty, :func:`truncate` (never leaving half a glyph) and :func:`top`.
Nothing here draws or does HTTP.
"""

from __future__ import annotations

import copy
import datetime as _dt
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from .._validate import check_column, check_frame, check_int
from ..safe_text import GLYPH_JOINERS, valid_score

__all__ = ["format_value", "is_missing", "optional_float", "optional_int", "top", "truncate"]

#: The label of rows whose group value is missing (charts, report tables).
MISSING_GROUP = "(missing)"


def is_missing(value: Any) -> bool:
    """Whether one cell is empty: None, NaN, ``pd.NA`` or ``NaT`` (a list or an array is never missing).

    Examples
    --------
    >>> import pandas as pd
    >>> is_missing(None), is_missing(float("nan")), is_missing(pd.NaT), is_missing(""), is_missing([None])
    (True, True, True, False, False)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        result = pd.isna(value)
    except (TypeError, ValueError):
        return False
    return isinstance(result, (bool, np.bool_)) and bool(result)


def optional_float(value: Any) -> float | None:
    """``float(value)``, or None for a missing cell (None, NaN, ``pd.NA``, ``NaT``).

    Examples
    --------
    >>> optional_float("0.5"), optional_float(float("nan")), optional_float(None)
    (0.5, None, None)
    """
    return None if is_missing(value) else float(value)


def optional_int(value: Any) -> int | None:
    """``int(value)``, or None for a missing cell (a rank or view number of a row that is not a hit).

    Examples
    --------
    >>> import pandas as pd
    >>> optional_int(3.0), optional_int(pd.NA)
    (3, None)
    """
    return None if is_missing(value) else int(value)


def format_value(value: Any, column: str | None = None) -> str:
    """Plain text for one cell: scores to 3 decimals, dates ISO, lists joined by '; '.

    Examples
    --------
    >>> import pandas as pd
    >>> format_value(0.87654, "score"), format_value(pd.Timestamp("2023-05-02")), format_value(["Acme", None, "Beta"])
    ('0.877', '2023-05-02', 'Acme; Beta')
    >>> format_value(pd.NA), format_value(True)
    ('', 'yes')
    """
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray, pd.Series)):
        return "; ".join(t for t in (format_value(v, column) for v in value) if t)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {format_value(v)}" for k, v in value.items() if not is_missing(v))
    if is_missing(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if column in ("score", "scores") and isinstance(value, (int, float, np.integer, np.floating)):
        score = valid_score(value)  # 1e308 or inf is no similarity: shown as nothing
        return "" if score is None else f"{score:.3f}"
    if isinstance(value, _dt.datetime):  # includes pd.Timestamp
        if value.tzinfo is None and value.time() == _dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.6g}"
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending with an ellipsis when cut.

    Examples
    --------
    >>> truncate("Folding chair with armrests", 12), truncate("Chair", 12)
    ('Folding cha…', 'Chair')
    """
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    # do not leave a dangling joiner, variation selector or combining mark
    while cut and (cut[-1] in GLYPH_JOINERS or unicodedata.combining(cut[-1])):
        cut = cut[:-1]
    return cut.rstrip() + "\u2026"


def top(df: pd.DataFrame, n: int, by: str = "score", *, ascending: bool | None = None) -> pd.DataFrame:
    """The ``n`` best rows of ``df`` by one column.

    Parameters
    ----------
    df : DataFrame in the frame schema.
    n : int, number of rows to keep (>= 1).
    by : column to rank by, default ``"score"``.
    ascending : sort order; default descending, except ascending for ``by="rank"``.

    Returns
    -------
    DataFrame
        A copy (attrs kept), stable sort so ties keep their frame order, missing values last.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, limit=20)
    >>> best = top(df, 5)                       # the five highest scores
    >>> len(best), best["score"].is_monotonic_decreasing, best.attrs == df.attrs
    (5, True, True)
    >>> top(df, 3, by="rank")["rank"].tolist()
    [1, 2, 3]
    >>> client.close()
    """
    check_frame(df)
    n = check_int(n, "n", 1)
    check_column(df, by, "by", what="df")
    if ascending is None:
        ascending = by == "rank"
    out = df.sort_values(by, ascending=bool(ascending), na_position="last", kind="stable").head(n).copy()
    out.attrs = copy.deepcopy(df.attrs)
    return out

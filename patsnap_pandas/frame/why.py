"""Why a hit matched: the reasons beside every hit, as columns and as one sentence.

A score alone does not convince counsel. For each hit of a result frame (or each
product's hits in a batch frame) :func:`why_frame` says, from the frame alone:

- which query view matched best (several-view searches: ``matched_view`` and the
  view's label from ``attrs["views"]``);
- whether the hit is in the query's predicted Locarno class (``loc_match``, given by
  P060/P061 with model 1); the predicted class itself is not in PatSnap's answer, so
  it is read off the hits: the one class every matching hit has and no other hit has;
- its place among this search's scores: rank (ties share the better place), of how
  many, "top N %", and the gap to the next hit's score.

:func:`why_sentence` puts a row in words for reports and the panel::

    Matched best on view 2 of 3 (side.png); in the query's predicted Locarno class 26-05;
    0.08 above the next hit; 2nd of 100 (top 2 %).

This module knows nothing of HTTP: the frame in, a frame out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .format import is_missing

__all__ = ["WHY_COLUMNS", "ordinal", "predicted_loc", "why_frame", "why_sentence"]

#: The columns of :func:`why_frame`, in order.
WHY_COLUMNS: tuple[str, ...] = ("rank", "patent_pn", "score", "matched_view", "view_label", "loc_match",
                                "predicted_loc", "score_place", "scored_hits", "top_percent", "gap_to_next",
                                "why")
_SPLIT = re.compile(r"[;,]")


def ordinal(n: int) -> str:
    """``1`` -> ``"1st"``, ``12`` -> ``"12th"``, ``22`` -> ``"22nd"``.

    Examples
    --------
    >>> [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 102)]
    ['1st', '2nd', '3rd', '4th', '11th', '12th', '13th', '21st', '102nd']
    """
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _classes(value: Any) -> set[str]:
    if is_missing(value):
        return set()
    items = value if isinstance(value, (list, tuple, np.ndarray)) else _SPLIT.split(str(value))
    return {str(p).strip() for p in items if str(p).strip()}


def predicted_loc(df: pd.DataFrame) -> str | None:
    """The query's predicted Locarno class, read off the hits' ``loc`` and ``loc_match``; None when unsure.

    PatSnap's model 1 predicts the query's class and marks each hit ``loc_match``, but does
    not name the class: it is the one class that every matching hit has and no hit marked
    as not matching has. None when no hit carries ``loc_match`` or the hits leave more than one.

    Examples
    --------
    >>> df = pd.DataFrame({"loc": ["26-05", "26-05; 26-03", "06-01"], "loc_match": [True, True, False]})
    >>> predicted_loc(df)
    '26-05'
    >>> predicted_loc(df.assign(loc_match=None)) is None
    True
    """
    if "loc_match" not in df.columns or "loc" not in df.columns:
        return None
    common: set[str] | None = None
    others: set[str] = set()
    for loc, match in zip(df["loc"], df["loc_match"], strict=True):
        if is_missing(match):
            continue
        if bool(match):
            common = _classes(loc) if common is None else common & _classes(loc)
        else:
            others |= _classes(loc)
    left = (common or set()) - others
    return next(iter(left)) if len(left) == 1 else None


def _places(scores: pd.Series) -> pd.DataFrame:
    """Place, count, top percent and gap to the next score of one search's hits (NaN scores: no place)."""
    valid = scores.dropna().sort_values(ascending=False, kind="stable")
    n = len(valid)
    place = valid.rank(method="min", ascending=False)
    gap = valid - valid.shift(-1)
    out = pd.DataFrame(index=scores.index)
    out["score_place"] = pd.array(place.reindex(scores.index).round(), dtype="Int64")
    out["scored_hits"] = pd.array([n if i in valid.index else pd.NA for i in scores.index], dtype="Int64")
    top = (place * 100.0 / n).apply(math.ceil) if n else place
    out["top_percent"] = pd.array(top.reindex(scores.index).round(), dtype="Int64")
    out["gap_to_next"] = gap.reindex(scores.index).astype("float64").round(6)
    return out


def _number(row: Mapping[str, Any], key: str) -> float | None:
    value: Any = row.get(key)
    return None if is_missing(value) else float(value)


def why_sentence(row: Mapping[str, Any], *, n_views: int = 1) -> str:
    """One row of :func:`why_frame` in words (a short sentence; "" for a row without a hit).

    Examples
    --------
    >>> why_sentence({"matched_view": 2, "view_label": "side.png", "loc_match": True, "predicted_loc": "26-05",
    ...               "gap_to_next": 0.08, "score_place": 2, "scored_hits": 100, "top_percent": 2}, n_views=3)
    "Matched best on view 2 of 3 (side.png); in the query's predicted Locarno class 26-05; 0.08 above the next hit; 2nd of 100 (top 2 %)."
    >>> why_sentence({"loc_match": None, "gap_to_next": float("nan"), "score_place": 5, "scored_hits": 5,
    ...               "top_percent": 100})
    'The last hit fetched; 5th of 5.'
    """
    parts = []
    view, label = _number(row, "matched_view"), row.get("view_label")
    if n_views > 1 and view is not None:
        parts.append(f"Matched best on view {int(view)} of {n_views}" + ("" if is_missing(label) or not label
                                                                          else f" ({label})"))
    match, loc = row.get("loc_match"), row.get("predicted_loc")
    if not is_missing(match):
        where = "in" if bool(match) else "outside"
        parts.append(f"{where} the query's predicted Locarno class" + ("" if is_missing(loc) else f" {loc}"))
    place, n, top, gap = (_number(row, k) for k in ("score_place", "scored_hits", "top_percent", "gap_to_next"))
    if place is None or n is None:
        parts.append("no score")
    elif gap is None:
        parts.append(f"the last hit fetched; {ordinal(int(place))} of {int(n)}" if n > 1 else "the only scored hit")
    else:
        parts.append("level with the next hit" if gap <= 0.0 else "less than 0.01 above the next hit"
                     if gap < 0.005 else f"{gap:.2f} above the next hit")
        parts.append(f"{ordinal(int(place))} of {int(n)}" + ("" if n < 10 or top is None else f" (top {int(top)} %)"))
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def why_frame(df: pd.DataFrame) -> pd.DataFrame:
    """The reasons of each hit of a result or batch frame, as columns and as a sentence (``why``).

    Parameters
    ----------
    df : DataFrame
        A result frame (``search_designs``) or a batch frame (``search_each``: places are
        counted per product). Needs ``score``; ``matched_view``, ``loc`` and ``loc_match``
        are used when present.

    Returns
    -------
    DataFrame
        Indexed as ``df``, the columns of :data:`WHY_COLUMNS`: ``matched_view`` and its
        ``view_label`` (several views), ``loc_match`` and ``predicted_loc`` (model 1),
        ``score_place`` (1 = best; ties share the better place), ``scored_hits``,
        ``top_percent``, ``gap_to_next`` (the score minus the next hit's; NaN for the last)
        and ``why``, the sentence.

    Examples
    --------
    >>> from patsnap_pandas.frame.schema import hits_to_frame
    >>> df = hits_to_frame([{"patent_id": p, "patent_pn": p.upper(), "score": s}
    ...                     for p, s in [("a", 0.93), ("b", 0.85), ("c", 0.85)]], search_id=None, query="lamp.png")
    >>> why = why_frame(df)
    >>> why[["patent_pn", "score_place", "gap_to_next"]]
      patent_pn  score_place  gap_to_next
    0         A            1         0.08
    1         B            2          0.0
    2         C            2          NaN
    >>> why.loc[0, "why"]
    '0.08 above the next hit; 1st of 3.'
    """
    if "score" not in df.columns:
        raise AttributeError("why() needs a result frame with a 'score' column.")
    out = pd.DataFrame(index=df.index)
    for column in ("rank", "patent_pn", "score"):
        out[column] = df[column] if column in df.columns else pd.NA
    scores = pd.to_numeric(df["score"], errors="coerce").astype("float64")
    if "patent_id" in df.columns:
        scores = scores.where(df["patent_id"].notna())
    views = df.attrs.get("views")
    labels = [str(v) for v in views] if isinstance(views, list) else []
    view = df["matched_view"] if "matched_view" in df.columns else pd.Series(pd.NA, index=df.index)
    out["matched_view"] = pd.array(view, dtype="Int64")
    out["view_label"] = pd.array([labels[int(v) - 1] if not is_missing(v) and 0 < int(v) <= len(labels) else pd.NA
                                  for v in view], dtype="string")
    match = df["loc_match"] if "loc_match" in df.columns else pd.Series(pd.NA, index=df.index)
    out["loc_match"] = pd.array([pd.NA if is_missing(m) else bool(m) for m in match], dtype="boolean")
    groups = [df.index] if "query_index" not in df.columns else \
        [g.index for _, g in df.groupby("query_index", sort=False, dropna=False)]
    places = pd.concat([_places(scores.loc[index]) for index in groups]) if len(df) else _places(scores)
    predicted = pd.Series(pd.NA, index=df.index, dtype="string")
    for index in groups:
        predicted.loc[index] = predicted_loc(df.loc[index])
    out["predicted_loc"] = predicted
    out = out.join(places)
    n_views = len(labels) if len(labels) > 1 else 1
    is_hit = df["patent_id"].notna() if "patent_id" in df.columns else pd.Series(True, index=df.index)
    out["why"] = pd.array([why_sentence(row, n_views=n_views) if hit else ""
                           for row, hit in zip(out.to_dict("records"), is_hit, strict=True)], dtype="string")
    return out[list(WHY_COLUMNS)]

"""Fusing the results of several views of one product into one ranking per patent.

PatSnap's P061 scores up to four images of one product in one call. For more
views, or for an endpoint that takes one image (P009, P060), ``search_designs``
searches each view and fuses the hit lists here, one row per patent:

- ``rule="best"`` (the default): a patent ranks by its best score over the views
  (the view that shows the product from the angle the registration drew it wins);
- ``rule="rrf"``: reciprocal-rank fusion, ``sum over views of 1 / (k + rank)``
  (``k`` = :data:`RRF_K`): patents found by several views rise, whatever their raw
  scores; robust when the views' scores are not comparable.

Whatever the rule, ``score`` is the patent's best similarity over the views; the
rule's own value is ``fused_score``; ``score_view1`` .. ``score_viewN`` keep each
view's score (NaN when that view did not find the patent); ``matched_view``
(1-based) is the view whose score is the best, and the row's ``image_url`` and
other fields are that view's hit. This module knows nothing of HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._validate import check_choice, check_int
from ..errors import InvalidInputError

__all__ = ["FUSION_RULES", "RRF_K", "fuse_views", "view_score_columns"]

#: The rules :func:`fuse_views` knows.
FUSION_RULES: tuple[str, ...] = ("best", "rrf")
#: The constant of reciprocal-rank fusion (Cormack et al., 2009).
RRF_K = 60


def view_score_columns(n_views: int) -> list[str]:
    """The per-view score columns of a fused frame: ``score_view1`` .. ``score_view<n>``.

    Examples
    --------
    >>> view_score_columns(3)
    ['score_view1', 'score_view2', 'score_view3']
    """
    return [f"score_view{i}" for i in range(1, n_views + 1)]


def check_rule(rule: object) -> str:
    """``rule`` if it is one of :data:`FUSION_RULES`, else :class:`InvalidInputError`."""
    return str(check_choice(rule, "fusion", FUSION_RULES, what="fusion rule"))


def fuse_views(frames: Sequence[pd.DataFrame], *, rule: str = "best", k: int = RRF_K,
               limit: int | None = None) -> pd.DataFrame:
    """One row per patent from the result frames of several views of one product, best first.

    Parameters
    ----------
    frames : sequence of DataFrame
        One result frame per view (the columns of :data:`frame.SCHEMA`), in view order.
    rule : {"best", "rrf"}, default "best"
        How patents are ranked (see the module docs).
    k : int, default 60
        The constant of reciprocal-rank fusion.
    limit : int, optional
        Keep the first ``limit`` patents.

    Returns
    -------
    DataFrame
        The columns of the view frames (taken from each patent's best view), with
        ``rank`` renumbered and ``score`` the best score; then ``matched_view``
        (Int64, 1-based), ``fused_score`` and ``score_view1`` .. ``score_viewN``.
        ``attrs`` are left to the caller.

    Examples
    --------
    >>> from patsnap_pandas.frame.schema import hits_to_frame
    >>> front = hits_to_frame([{"patent_id": "a", "score": 0.9}, {"patent_id": "b", "score": 0.8}],
    ...                       search_id=None, query="front.png")
    >>> side = hits_to_frame([{"patent_id": "b", "score": 0.95}, {"patent_id": "c", "score": 0.7}],
    ...                      search_id=None, query="side.png")
    >>> fuse_views([front, side])[["rank", "patent_id", "score", "matched_view", "score_view1", "score_view2"]]
       rank patent_id  score  matched_view  score_view1  score_view2
    0     1         b   0.95             2          0.8         0.95
    1     2         a   0.90             1          0.9          NaN
    2     3         c   0.70             2          NaN         0.70
    >>> fuse_views([front, side], rule="rrf")["patent_id"].tolist()     # b: found by both views
    ['b', 'a', 'c']
    """
    rule = check_rule(rule)
    k = check_int(k, "k", 1)
    if not frames:
        raise InvalidInputError("frames is empty: pass one result frame per view.")
    n = len(frames)
    columns = view_score_columns(n)
    parts = []
    for view, df in enumerate(frames, start=1):
        part = df.copy()
        part["matched_view"] = view
        part["_view_rank"] = np.arange(1, len(part) + 1)
        parts.append(part)
    long = pd.concat(parts, ignore_index=True)
    if not len(long):
        out = frames[0].iloc[0:0].copy()
        out["matched_view"] = pd.array([], dtype="Int64")
        out["fused_score"] = np.array([], dtype="float64")
        for column in columns:
            out[column] = np.array([], dtype="float64")
        return out
    scores = long.pivot_table(index="patent_id", columns="matched_view", values="score", aggfunc="max")
    scores = scores.reindex(columns=range(1, n + 1))
    rrf = (1.0 / (k + long["_view_rank"])).groupby(long["patent_id"]).sum()
    # each patent's best view: the highest score, ties to the earlier view
    best = long.sort_values(["score", "matched_view"], ascending=[False, True], kind="stable")
    best = best.drop_duplicates("patent_id").set_index("patent_id", drop=False)
    best["fused_score"] = best["score"] if rule == "best" else rrf.reindex(best.index)
    for view, column in zip(range(1, n + 1), columns, strict=True):
        best[column] = scores[view].reindex(best.index).astype("float64")
    # equal (rounded) scores keep the engine's order: its rank in the view that scored best
    order = best.sort_values(["fused_score", "score", "_view_rank", "patent_pn"],
                             ascending=[False, False, True, True], kind="stable", na_position="last")
    if limit is not None:
        order = order.head(limit)
    out = order.drop(columns="_view_rank").reset_index(drop=True)
    out["rank"] = pd.array(np.arange(1, len(out) + 1), dtype="Int64")
    out["matched_view"] = out["matched_view"].astype("Int64")
    out["fused_score"] = out["fused_score"].astype("float64")
    return out

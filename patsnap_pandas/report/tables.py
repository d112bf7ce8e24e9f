"""Frame summaries: hits per assignee and per authority, patents several queries share, the top rows.

Pure: a DataFrame in the frame schema in, pandas objects out. Nothing here does HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validate import check_frame
from ..errors import InvalidInputError
from ..frame import owners, parties
from ..frame.format import MISSING_GROUP, format_value, is_missing

__all__ = ["summary", "overlap", "ASSIGNEE_COLUMNS"]

#: The columns that may name a hit's owner (:data:`patsnap_pandas.frame.parties.OWNER_FIELDS`).
ASSIGNEE_COLUMNS: tuple[str, ...] = parties.OWNER_FIELDS
# df.attrs keys an overlap table keeps (provenance a reader needs; never internals such as URLs).
_KEPT_ATTRS = ("query", "queries", "filters", "search_id", "total", "fetched_at", "from_cache",
               "endpoint_version", "source")

# --------------------------------------------------------------------------
# summaries
# --------------------------------------------------------------------------


def _group_stats(keys: Sequence[str], patent_ids: pd.Series, scores: pd.Series, name: str,
                 families: Sequence[Any] | None = None) -> pd.DataFrame:
    work = pd.DataFrame(
        {
            name: list(keys),
            "patent_id": list(patent_ids),
            "score": pd.to_numeric(pd.Series(list(scores)), errors="coerce").astype("float64"),
            **({"family": list(families)} if families is not None else {}),
        }
    )
    grouped = work.groupby(name, sort=False)
    out = pd.DataFrame(
        {
            "hits": grouped.size().astype("int64"),
            "patents": grouped["patent_id"].nunique().astype("int64"),
            **({"families": grouped["family"].nunique().astype("int64")} if families is not None else {}),
            "best_score": grouped["score"].max(),
            "mean_score": grouped["score"].mean(),
        }
    )
    out = out.reset_index().sort_values(
        ["hits", "best_score", name], ascending=[False, False, True], kind="stable", na_position="last"
    )
    out[name] = out[name].astype("string")
    return out.set_index(name)


def summary(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Hits per authority and per assignee, with the best score.

    Parameters
    ----------
    df : DataFrame in the frame schema (columns ``authority``, ``patent_id``, ``score``).
        The owner of each hit is :func:`patsnap_pandas.frame.parties.owner_of`'s: the
        enriched ``assignees``, else the hit's ``current_assignee``, ``assignee``, ``owner``
        or ``original_assignee`` (names joined by ``"; "``, or lists).

    Returns
    -------
    dict[str, DataFrame]
        ``"authority"``: one row per authority; ``"assignee"``: one row per assignee name
        (only when the frame has an owner column; a hit with several owners counts
        for each; spellings of one owner folded by :func:`patsnap_pandas.frame.owners.owner_lists`, or the
        frame's ``canonical_owner`` column when it has one). Each frame is indexed by the name (string) and has the columns
        ``hits`` (rows), ``patents`` (distinct patent_id), ``best_score`` and ``mean_score``
        (and ``families`` when the frame has a ``family`` column, from ``df.patsnap.with_families()``),
        sorted by hits, then best score (both descending), then name. Missing values
        are grouped as ``"(missing)"``. Rows without a ``patent_id`` (a batch's
        ``"error"`` and ``"no_hits"`` rows) are not hits and are not counted.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, limit=50).patsnap.enrich()
    >>> tables = summary(df)
    >>> sorted(tables), tables["authority"].columns.tolist()
    (['assignee', 'authority'], ['hits', 'patents', 'best_score', 'mean_score'])
    >>> int(tables["authority"]["hits"].sum())
    50
    >>> client.close()
    """
    check_frame(df, ("authority", "patent_id", "score"))
    # Rows without a patent are not hits (a batch's "error" and "no_hits" rows): not counted.
    df = df.loc[np.array([not (is_missing(p) or (isinstance(p, str) and not p.strip()))
                          for p in df["patent_id"]], dtype=bool)]
    family = [format_value(v) for v in df["family"]] if "family" in df.columns else None
    result = {
        "authority": _group_stats(
            [format_value(v) or MISSING_GROUP for v in df["authority"]], df["patent_id"], df["score"], "authority",
            family,
        )
    }
    present = [c for c in (*parties.OWNER_FIELDS, "canonical_owner") if c in df.columns]
    if present:  # the owner as parties decides it, spellings folded (frame.owners), or with_families()' owner
        keys, ids, scores, fams = [], [], [], []
        canonical = owners.owner_lists(df)  # with_families()' canonical_owner column where it names one
        for k, (names, pid, score) in enumerate(zip(canonical, df["patent_id"], df["score"], strict=True)):
            for name in names or [MISSING_GROUP]:
                keys.append(name)
                ids.append(pid)
                scores.append(score)
                fams.append(family[k] if family is not None else None)
        result["assignee"] = _group_stats(
            keys, pd.Series(ids, dtype=object), pd.Series(scores, dtype=object), "assignee",
            fams if family is not None else None,
        )
    return result


def overlap(df: pd.DataFrame) -> pd.DataFrame:
    """Patents matched by several queries of a batch search (which designs match several of my products).

    Parameters
    ----------
    df : batch results: the frame schema with a ``query`` and/or ``query_index`` column.
        Queries are told apart by ``query_index`` when present (two products may share a label),
        else by ``query``.

    Returns
    -------
    DataFrame
        One row per ``patent_id`` matched by >= 2 distinct queries, columns ``patent_id``,
        ``patent_pn``, ``title``, ``authority`` (those present in ``df``), ``n_queries``,
        ``best_score``, ``queries`` (list of query labels, in query order), ``scores``
        (best score per query, same order) and, with ``query_index``, ``query_indices``.
        Sorted by ``n_queries`` then ``best_score`` (descending), then ``patent_pn``.
        A patent found twice for the same query counts once (its best score).

    Examples
    --------
    Two photos of our chair (the second one a little rotated) share most of their hits:

    >>> import pandas as pd
    >>> from PIL import Image
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> chair = samples.image("armchair")
    >>> Image.open(chair).rotate(3, fillcolor=255).save("chair-side.png")
    >>> catalogue = pd.DataFrame({"sku": ["C-1", "C-1b", "L-2"],
    ...                           "photo": [chair, "chair-side.png", samples.image("desk-lamp")]})
    >>> client = PatsnapClient.sandbox()
    >>> hits = catalogue.patsnap.search_each("photo", label_column="sku", progress=False, client=client)
    >>> shared = overlap(hits)
    >>> shared["queries"].iloc[0], int(shared["n_queries"].iloc[0])
    (['C-1', 'C-1b'], 2)
    >>> client.close()
    """
    check_frame(df, ("patent_id", "score"))
    if "query_index" not in df.columns and "query" not in df.columns:
        raise InvalidInputError(
            "df is missing required column(s) ['query' or 'query_index']: overlap() needs batch results; "
            f"it has {list(map(str, df.columns))}"
        )
    info = [c for c in ("patent_pn", "title", "authority") if c in df.columns]
    has_index = "query_index" in df.columns
    key = df["query_index"] if has_index else df["query"]
    labels = df["query"] if "query" in df.columns else df["query_index"]
    work = pd.DataFrame(
        {
            "patent_id": list(df["patent_id"]),
            "score": pd.to_numeric(df["score"], errors="coerce").astype("float64").to_numpy(),
            "_key": list(key),
            "_label": [format_value(v) for v in labels],
            **{c: list(df[c]) for c in info},
        }
    )
    keep = [not (is_missing(p) or is_missing(k)) for p, k in zip(work["patent_id"], work["_key"], strict=True)]
    work = work.loc[np.array(keep, dtype=bool)]
    if has_index and pd.api.types.is_numeric_dtype(df["query_index"]):
        work["_order"] = pd.to_numeric(work["_key"]).astype("float64")
    else:
        work["_order"] = pd.factorize(work["_key"])[0]
    work = work.sort_values("score", ascending=False, kind="stable", na_position="last")
    work = work.drop_duplicates(["patent_id", "_key"])
    counts = work.groupby("patent_id", sort=False)["_key"].nunique()
    shared = work[work["patent_id"].isin(counts[counts >= 2].index)]

    columns = ["patent_id", *info, "n_queries", "best_score", "queries", "scores"]
    if has_index:
        columns.append("query_indices")
    rows = []
    for pid, group in shared.groupby("patent_id", sort=False):
        group = group.sort_values("_order", kind="stable")
        row = {"patent_id": pid}
        for c in info:
            present = [v for v in group[c] if not is_missing(v)]
            row[c] = present[0] if present else pd.NA
        row["n_queries"] = len(group)
        row["best_score"] = float(group["score"].max())
        row["queries"] = list(group["_label"])
        row["scores"] = [float(s) for s in group["score"]]
        if has_index:
            row["query_indices"] = [_as_int(k) for k in group["_key"]]
        rows.append(row)
    out = pd.DataFrame(rows, columns=columns)
    for c in ("patent_id", *info):
        out[c] = out[c].astype("string")
    out["n_queries"] = out["n_queries"].astype("int64")
    out["best_score"] = out["best_score"].astype("float64")
    sort = ["n_queries", "best_score"] + (["patent_pn"] if "patent_pn" in info else ["patent_id"])
    out = out.sort_values(sort, ascending=[False, False, True], kind="stable").reset_index(drop=True)
    out.attrs = {k: v for k, v in df.attrs.items() if k in _KEPT_ATTRS}
    return out


def _as_int(value: Any) -> Any:
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    return value

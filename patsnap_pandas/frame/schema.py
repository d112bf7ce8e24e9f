"""The one DataFrame schema of search results: hits -> DataFrame, provenance in attrs.

Every result frame has the columns of :data:`SCHEMA` first, in that order and with
those dtypes, then any further fields the API returned for the hits (kept, never
dropped). An empty result is an empty frame with the same columns and dtypes.
``df.attrs`` holds JSON-safe provenance only (see :data:`ATTRS_KEYS`).

This module knows nothing of HTTP: it turns plain mappings into frames.
The columns are built directly from Python lists (no per-row pandas work), so
a frame of 1,000 hits takes about a millisecond.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable, Mapping
from pathlib import PurePath
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .._validate import check_int
from ..codes import AUTHORITIES
from ..errors import InvalidInputError, InvalidTypeError
from ..safe_text import xml_safe

__all__ = [
    "ATTRS_KEYS",
    "ENDPOINT_VERSION",
    "MARK_COLUMNS",
    "RELEVANCE_VALUES",
    "SCHEMA",
    "TRIAGE_COLUMNS",
    "authority_from_pn",
    "concat_frames",
    "empty_frame",
    "hits_to_frame",
    "missing_columns",
]

#: Column name -> dtype of the columns every result frame starts with, in order.
SCHEMA: dict[str, str] = {
    "rank": "Int64",
    "score": "float64",
    "patent_pn": "string",
    "title": "string",
    "patent_id": "string",
    "image_url": "string",
    "authority": "string",
    "search_id": "string",
    "query": "string",
    "relevance": "string",
    "note": "string",
}

#: The triage columns (empty in a new frame; set with plain pandas or ``df.patsnap.mark``).
TRIAGE_COLUMNS: tuple[str, ...] = ("relevance", "note")
#: Who made the latest mark of a row and when (UTC, ISO 8601 ``2026-12-07T09:30:00Z``): added by ``mark()``.
MARK_COLUMNS: tuple[str, ...] = ("marked_by", "marked_at")
#: Allowed values of ``relevance`` (besides empty).
RELEVANCE_VALUES: tuple[str, ...] = ("relevant", "not relevant", "unsure")

#: The provenance keys of ``df.attrs`` (always all present; values JSON-safe).
ATTRS_KEYS: tuple[str, ...] = (
    "query",
    "filters",
    "search_id",
    "total",
    "fetched_at",
    "from_cache",
    "endpoint_version",
    "thumbnail_dir",
    "source",
)

ENDPOINT_VERSION = "P009-v2"

# Hit keys that feed a schema column (the API calls the image `url`).
_SOURCE_KEYS = frozenset({"patent_id", "patent_pn", "title", "score", "url", "authority"})
# Keys naming a secret never belong in provenance.
_SECRET_KEYS = frozenset(
    {"api_key", "apikey", "client_secret", "token", "access_token", "authorization", "password"}
)


def authority_from_pn(pn: str | None) -> str | None:
    """Return the patent authority of a publication number, from its two-letter prefix.

    Parameters
    ----------
    pn : str or None
        A publication number as PatSnap writes it, e.g. ``"USD907292S"``,
        ``"CN305123456S"``, ``"EM008123456-0001"``.

    Returns
    -------
    str or None
        The prefix when it is a known authority code (``codes.AUTHORITIES``),
        else None.

    Examples
    --------
    >>> authority_from_pn("USD907292S"), authority_from_pn("em008123456-0001")
    ('US', 'EM')
    >>> authority_from_pn("D907292") is None
    True
    """
    if not isinstance(pn, str):
        return None
    prefix = pn.strip()[:2].upper()
    return prefix if prefix in AUTHORITIES else None


def empty_frame(attrs: Mapping | None = None) -> pd.DataFrame:
    """Return a result frame with no rows: the schema columns and dtypes, and attrs.

    Parameters
    ----------
    attrs : mapping, optional
        Provenance (see :func:`hits_to_frame`).

    Examples
    --------
    >>> df = empty_frame({"query": "chair.png"})
    >>> len(df), df.columns[:4].tolist(), df.attrs["query"]
    (0, ['rank', 'score', 'patent_pn', 'title'], 'chair.png')
    """
    return hits_to_frame([], search_id=None, query=(attrs or {}).get("query") or "", attrs=attrs)


class HasToDict(Protocol):
    """A hit object of the client (``models.Hit``): its API fields by ``to_dict()``."""

    def to_dict(self) -> Mapping[str, Any]: ...


def hits_to_frame(
    hits: Iterable[Mapping[str, Any] | HasToDict],
    *,
    search_id: str | None,
    query: str,
    start_rank: int = 1,
    attrs: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Build a result frame from hits as the API returns them.

    Parameters
    ----------
    hits : iterable of mappings
        One mapping per hit, in rank order, with the API's keys: ``patent_id``,
        ``patent_pn``, ``title``, ``score``, ``url`` (``image_url`` is accepted
        too) and any others. Objects with a ``to_dict()`` method (the client's
        ``Hit``) are accepted as well.
    search_id : str or None
        The search id, repeated on every row.
    query : str
        The query's label (file name, URL or ``label=``), repeated on every row.
    start_rank : int, default 1
        Rank of the first hit: ``offset + 1`` for a later page, so that ranks
        continue across pages.
    attrs : mapping, optional
        Provenance for ``df.attrs``: ``filters``, ``total``, ``fetched_at``,
        ``from_cache``, ``endpoint_version``, ``thumbnail_dir`` and any other
        JSON-safe keys. ``query`` and ``search_id`` default to the arguments.

    Returns
    -------
    pandas.DataFrame
        The :data:`SCHEMA` columns, then one column per further hit field in
        order of first appearance. A further field whose name is taken by a
        schema column is kept as ``api_<name>``. ``authority`` is the hit's own
        ``authority`` when it has one, else derived from ``patent_pn``.

    Examples
    --------
    >>> df = hits_to_frame([{"patent_id": "p1", "patent_pn": "USD907292S", "title": "Cartridge",
    ...                      "score": 0.93, "url": "http://127.0.0.1/img/1.png", "loc": ["28-03"]}],
    ...                    search_id="S1", query="razor.png")
    >>> df[["rank", "authority", "loc"]]
       rank authority      loc
    0     1        US  [28-03]
    >>> df.attrs["search_id"], df.attrs["endpoint_version"]
    ('S1', 'P009-v2')
    """
    if isinstance(hits, (str, bytes, Mapping)):
        raise InvalidTypeError(f"hits: expected an iterable of hit mappings, got {type(hits).__name__}")
    start_rank = check_int(start_rank, "start_rank", 1)
    rows = [_as_mapping(h, i) for i, h in enumerate(hits)]
    n = len(rows)

    score, pn, title, pid, url, authority = [], [], [], [], [], []
    extra: dict[str, list] = {}
    for i, row in enumerate(rows):
        score.append(_to_float(row.get("score")))
        p = row.get("patent_pn")
        pn.append(p)
        title.append(row.get("title"))
        pid.append(row.get("patent_id"))
        url.append(row["url"] if "url" in row else row.get("image_url"))
        a = row.get("authority")
        authority.append(a.strip().upper() if isinstance(a, str) and a.strip() else authority_from_pn(p))
        for key, value in row.items():
            if key in _SOURCE_KEYS or (key == "image_url" and "url" not in row):
                continue
            name = f"api_{key}" if key in SCHEMA else key
            column = extra.get(name)
            if column is None:
                column = extra[name] = [None] * n
            column[i] = value

    data: dict[str, Any] = {
        "rank": pd.array(np.arange(start_rank, start_rank + n, dtype="int64"), dtype="Int64"),
        "score": np.array(score, dtype="float64"),
        "patent_pn": _strings(pn),
        "title": _strings(title),
        "patent_id": _strings(pid),
        "image_url": _strings(url),
        "authority": _strings(authority),
        "search_id": _strings([search_id] * n),
        "query": _strings([query] * n),
        "relevance": _strings([None] * n),
        "note": _strings([None] * n),
    }
    for name, values in extra.items():
        data[name] = _infer_array(values)
    df = pd.DataFrame(data, copy=False)
    df.attrs = _provenance(attrs, query=query, search_id=search_id)
    return df


def concat_frames(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate result frames, keeping the schema, the dtypes and the ranks.

    Extra columns are united (schema first, then extras in order of first
    appearance; missing values NA). Ranks are kept as they are: pages of one
    search continue each other, and each query of a batch keeps its own ranks.

    ``attrs`` are merged per distinct search (``search_id``, ``query``): a key
    whose value is the same for every search keeps it; otherwise it becomes a
    list with one value per search, in order. ``from_cache`` is true only when
    every frame came from the cache; ``fetched_at`` is the earliest fetch.

    Parameters
    ----------
    frames : iterable of DataFrame
        Frames made by :func:`hits_to_frame` (or with the same schema).

    Examples
    --------
    Two pages of one search:

    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> page1 = search_designs(samples.image("armchair"), client=client, limit=10)
    >>> page2 = page1.patsnap.more(5)
    >>> both = concat_frames([page1, page2])
    >>> len(both), both["rank"].tolist()[-3:], both.attrs["search_id"] == page1.attrs["search_id"]
    (15, [13, 14, 15], True)
    >>> client.close()
    """
    frames = list(frames)
    for i, f in enumerate(frames):
        if not isinstance(f, pd.DataFrame):
            raise InvalidTypeError(f"frames[{i}]: expected a DataFrame, got {type(f).__name__}")
        missing = missing_columns(f)
        if missing:
            raise InvalidInputError(f"frames[{i}]: not a result frame, missing columns {missing}")
    attrs = _merge_attrs([f.attrs for f in frames])
    if not frames:
        return empty_frame(attrs)

    columns, dtypes = _united_columns(frames)
    parts = [f for f in frames if len(f)] or frames[:1]
    aligned = []
    for f in parts:
        f = f.copy(deep=False)
        for c in columns:
            if c not in f.columns:
                f[c] = pd.Series([None] * len(f), index=f.index, dtype=dtypes.get(c, SCHEMA.get(c)))
            elif c in dtypes and dtypes[c] is object and f[c].dtype != object:
                f[c] = f[c].astype(object)
        aligned.append(f[columns])
    out = pd.concat(aligned, ignore_index=True) if len(aligned) > 1 else aligned[0].reset_index(drop=True)
    out = out.astype({c: t for c, t in SCHEMA.items() if out[c].dtype != t})
    out.attrs = attrs
    return out


def _united_columns(frames: list[pd.DataFrame]) -> tuple[list[str], dict[str, Any]]:
    """The schema columns, then the extras in order of first appearance, with each extra's dtype
    (``object`` where the frames disagree)."""
    columns = list(SCHEMA)
    dtypes: dict[str, Any] = {}
    for f in frames:
        for c in f.columns:
            if c in SCHEMA:
                continue
            if c not in dtypes:
                columns.append(c)
                dtypes[c] = f[c].dtype
            elif dtypes[c] != f[c].dtype:
                dtypes[c] = object
    return columns, dtypes


def missing_columns(df: pd.DataFrame) -> list[str]:
    """Return the schema columns ``df`` lacks (empty when it is a result frame).

    The triage columns (``relevance``, ``note``) are not required: a frame saved
    before they existed is still a result frame, and gets them empty where needed.

    Examples
    --------
    >>> import pandas as pd
    >>> missing_columns(pd.DataFrame({"patent_pn": ["USD907292S"], "score": [0.9]}))
    ['rank', 'title', 'patent_id', 'image_url', 'authority', 'search_id', 'query']
    >>> missing_columns(empty_frame())
    []
    """
    return [c for c in SCHEMA if c not in df.columns and c not in TRIAGE_COLUMNS]


# --- helpers -----------------------------------------------------------------


def _as_mapping(hit: Any, i: int) -> Mapping:
    if isinstance(hit, Mapping):
        return hit
    to_dict = getattr(hit, "to_dict", None)
    if callable(to_dict):
        d = to_dict()
        if isinstance(d, Mapping):
            return d
    raise InvalidTypeError(f"hits[{i}]: expected a mapping of hit fields, got {type(hit).__name__}")


def _to_float(value: Any) -> float:
    if value is None or isinstance(value, bool):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _strings(values: list) -> pd.api.extensions.ExtensionArray:
    """A string array: non-strings become their ``str()``; None, NaN and NA stay missing.

    Text that UTF-8 cannot hold (a lone surrogate, in hits built by hand: answers are cleaned
    when parsed) has it replaced by U+FFFD rather than failing the whole frame.
    """
    if not all(v is None or isinstance(v, str) for v in values):
        values = [_to_str(v) for v in values]
    try:
        return pd.array(values, dtype="string")
    except UnicodeEncodeError:
        return pd.array([xml_safe(v) if isinstance(v, str) else v for v in values],
                        dtype="string")


def _to_str(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return str(value)


def _infer_array(values: list) -> Any:
    """Pick a dtype for an extra column: boolean, Int64, float64, string, else object."""
    kinds = set()
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        if isinstance(v, (bool, np.bool_)):
            kinds.add("bool")
        elif isinstance(v, (int, np.integer)):
            kinds.add("int")
        elif isinstance(v, (float, np.floating)):
            kinds.add("float")
        elif isinstance(v, str):
            kinds.add("str")
        else:
            kinds.add("object")
            break
    if kinds == {"bool"}:
        return pd.array(values, dtype="boolean")
    if kinds == {"int"} and all(v is None or -(2**63) <= v < 2**63 for v in values):
        return pd.array(values, dtype="Int64")
    if kinds and kinds <= {"int", "float"}:
        return np.array([math.nan if v is None else float(v) for v in values], dtype="float64")
    if kinds == {"str"}:
        return _strings(values)
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _provenance(attrs: Mapping | None, *, query: str, search_id: str | None) -> dict:
    merged: dict[str, Any] = {
        "query": query,
        "filters": {},
        "search_id": search_id,
        "total": None,
        "fetched_at": utcnow_iso(),
        "from_cache": False,
        "endpoint_version": ENDPOINT_VERSION,
        "thumbnail_dir": None,
        "source": None,
    }
    for key, value in (attrs or {}).items():
        if not isinstance(key, str):
            raise InvalidTypeError(f"attrs: keys must be strings, got {key!r}")
        if key.lower() in _SECRET_KEYS:
            raise InvalidInputError(f"attrs: {key!r} looks like a secret; secrets never go into df.attrs")
        if key == "filters" and value is not None and not isinstance(value, Mapping):
            to_dict = getattr(value, "to_dict", None)
            value = to_dict() if callable(to_dict) else value
        merged[key] = _json_safe(value, key)
    if merged["filters"] is None:
        merged["filters"] = {}
    merged["from_cache"] = bool(merged["from_cache"])
    return merged


def _json_safe(value: Any, where: str) -> Any:
    """Return ``value`` as plain JSON types (str, int, float, bool, None, list, dict)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return None
        return value
    if isinstance(value, np.generic):
        return _json_safe(value.item(), where)
    if isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc)
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted(_json_safe(v, where) for v in value)
    if isinstance(value, (list, tuple)):
        return [_json_safe(v, where) for v in value]
    raise InvalidTypeError(
        f"attrs[{where!r}]: {type(value).__name__} is not JSON-safe; "
        "allowed: str, int, float, bool, None, date/datetime, path, list, dict"
    )


def utcnow_iso() -> str:
    """Now, in UTC, as ISO 8601 to the second (the ``fetched_at`` of provenance)."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _merge_attrs(all_attrs: list[Mapping]) -> dict:
    if not all_attrs:
        return _provenance(None, query="", search_id=None)
    groups: dict[tuple, Mapping] = {}
    for a in all_attrs:
        groups.setdefault((_hashable(a.get("search_id")), _hashable(a.get("query"))), a)
    firsts = list(groups.values())
    keys: list[str] = []
    for a in firsts:
        keys.extend(k for k in a if k not in keys)
    merged: dict[str, Any] = {}
    for key in keys:
        values = [a.get(key) for a in firsts]
        merged[key] = values[0] if all(v == values[0] for v in values) else values
    merged["from_cache"] = all(bool(a.get("from_cache")) for a in all_attrs)
    times = [a["fetched_at"] for a in all_attrs if isinstance(a.get("fetched_at"), str)]
    if times:
        merged["fetched_at"] = min(times, key=_parse_iso)
    return _provenance(merged, query=merged.get("query", ""), search_id=merged.get("search_id"))


def _hashable(value: Any) -> Any:
    return repr(value) if isinstance(value, (list, dict)) else value


def _parse_iso(text: str) -> _dt.datetime:
    if text.endswith(("Z", "z")):  # Python 3.10's fromisoformat does not read "Z"
        text = text[:-1] + "+00:00"
    try:
        t = _dt.datetime.fromisoformat(text)
    except ValueError:
        return _dt.datetime.max.replace(tzinfo=_dt.timezone.utc)
    return t if t.tzinfo else t.replace(tzinfo=_dt.timezone.utc)

"""Marks kept: a mark made on a frame is appended to the history in the store, and read back.

:func:`patsnap_pandas.frame.marks.mark` sets the marks and who/when on the frame;
:func:`record_marks` does that and appends one entry per marked row to the store's mark
history (:meth:`patsnap_pandas.store.base.Store.mark_log`: ``marks.sqlite`` in the cache
folder, or the team's Redis), so a re-run can show who judged a hit, and what changed.
The store is the one of the client that made the frame (the one passed, else the frame's,
else the one of the ``PATSNAP_*`` settings); without credentials, the store those settings
name (the cache folder or ``PATSNAP_CACHE_URL``).

Examples
--------
>>> from patsnap_pandas import PatsnapClient, samples, search_designs
>>> client = PatsnapClient.sandbox()
>>> df = search_designs(samples.image("armchair"), client=client, limit=3)
>>> first = df["patent_pn"].iloc[0]
>>> df = record_marks(df, first, relevance="unsure", by="ana", at="2026-12-07T09:00:00Z", client=client)
>>> df = record_marks(df, first, relevance="relevant", by="bo", at="2026-12-08T10:00:00Z", client=client)
>>> mark_history(df, client=client)[["relevance", "marked_by", "marked_at"]].values.tolist()
[['unsure', 'ana', '2026-12-07T09:00:00Z'], ['relevant', 'bo', '2026-12-08T10:00:00Z']]
>>> client.close()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import MissingCredentialsError
from ..frame.marks import mark_entries
from ..store.base import Store, open_store
from ..store.mark_log import MARK_FIELDS
from .clients import client_for

if TYPE_CHECKING:
    from ..api.client import PatsnapClient

__all__ = ["mark_history", "record_marks", "store_of"]


def store_of(df: pd.DataFrame | None, client: PatsnapClient | None = None) -> Store:
    """The store that keeps the marks of ``df``: its client's, else the one the ``PATSNAP_*`` settings name.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient
    >>> with PatsnapClient.sandbox() as client:
    ...     store_of(None, client) is client.store
    True
    """
    try:
        return client_for(df, client).store
    except MissingCredentialsError:
        return open_store()


def record_marks(df: pd.DataFrame, selection: Any, *, relevance: str | None = None, note: str | None = None,
                 by: str | None = None, at: Any = None, client: PatsnapClient | None = None) -> pd.DataFrame:
    """:func:`~patsnap_pandas.frame.marks.mark`, and the marks appended to the store's history.

    Every argument is checked before anything is kept; the frame returned holds the marks even
    when the history cannot be written (the store keeps them in memory and warns once).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("desk-lamp"), client=client, limit=3)
    >>> df = record_marks(df, df["rank"] == 1, relevance="relevant", by="ana", client=client)
    >>> df.loc[0, ["relevance", "marked_by"]].tolist(), len(mark_history(df, client=client))
    (['relevant', 'ana'], 1)
    >>> client.close()
    """
    out, entries = mark_entries(df, selection, relevance=relevance, note=note, by=by, at=at)
    store_of(df, client).mark_log().append(entries)
    return out


def mark_history(df: pd.DataFrame | None = None, *, client: PatsnapClient | None = None) -> pd.DataFrame:
    """Every mark kept of the patents of ``df`` (None: of every patent), oldest first.

    Returns
    -------
    DataFrame
        Columns ``patent_pn``, ``query``, ``relevance``, ``note``, ``marked_by``, ``marked_at``
        (UTC, ISO 8601), strings; the last row of a patent is its mark as it stands.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> with PatsnapClient.sandbox() as client:
    ...     df = search_designs(samples.image("desk-lamp"), client=client, limit=3)
    ...     mark_history(df, client=client).columns.tolist()
    ['patent_pn', 'query', 'relevance', 'note', 'marked_by', 'marked_at']
    """
    numbers = None if df is None else [str(p) for p in df["patent_pn"].dropna().unique()]
    entries = store_of(df, client).mark_log().read(numbers)
    out = pd.DataFrame({f: pd.array([e.get(f) for e in entries], dtype="string") for f in MARK_FIELDS})
    return out.sort_values("marked_at", kind="stable", na_position="first").reset_index(drop=True)

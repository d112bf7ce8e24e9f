"""The panel's actions that call the API or write a file: Search, Load more and Export.

Each runs through :func:`run`: ``busy`` while it runs (the views disable their buttons),
any failure said in plain words in ``last_error`` (never raised: the panel stays usable
and the results shown are kept), and the warnings of the search modules kept as
``notes``. They change :class:`~patsnap_pandas.widgets.state.PanelState` only; the
views draw what changed.

Examples
--------
>>> from patsnap_pandas import PatsnapClient, samples
>>> from patsnap_pandas.widgets.state import PanelState
>>> with PatsnapClient.sandbox() as client:
...     state = PanelState(client=client, limit=3)
...     state.set_image(samples.image("armchair"))
...     run(state, "Searching\\u2026", "Search", search)
...     run(state, "Loading more\\u2026", "Load more", load_more)
...     len(state.results), state.message
(6, 'Loaded 3 more hits; 6 of 600 fetched.')
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..client import PatsnapClient
from ..errors import FilterError, InvalidInputError, MissingCredentialsError
from ..frame import concat_frames
from ..images import ImageSizeWarning
from ..search import SearchWarning, client_for, continue_search, load_thumbnails, search_designs
from ..thumbnails import ThumbnailWarning
from .export import export_report
from .messages import plain_error, plural

if TYPE_CHECKING:
    from .state import PanelState

__all__ = ["export", "find_client", "load_more", "run", "search", "with_marks"]

# Warnings of the search modules that the status line repeats in plain words.
_SHOWN_WARNINGS = (SearchWarning, ThumbnailWarning, ImageSizeWarning)


def run(state: PanelState, busy_text: str, what: str, action: Callable[[PanelState], None]) -> None:
    """Run ``action`` with ``busy`` set; a failure is said in ``last_error``, never raised.

    ``busy`` is set first, so every view has disabled its buttons before the status line
    says ``busy_text``.
    """
    if state.busy:
        return
    state.busy = True
    state.last_error, state.last_exception = None, None
    state.message, state.notes = busy_text, []
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            action(state)
    except Exception as exc:  # noqa: BLE001 - a UI callback: show it, keep the panel usable
        if isinstance(exc, FilterError) and state.field_errors:
            state.last_error = f"{what} was not started: correct the field marked in red."
        else:
            state.last_error = plain_error(what, exc)
        state.last_exception = exc
        state.message = f"{what} did not complete; the results shown are unchanged."
    finally:
        state.busy = False
    state.notes = [str(w.message) for w in caught if issubclass(w.category, _SHOWN_WARNINGS)]


def find_client(state: PanelState) -> PatsnapClient | None:
    """The client of the ``PATSNAP_*`` variables into ``state.client``; without them, ``credentials_help`` says what to set."""
    try:
        client = client_for(None, None)
    except MissingCredentialsError as exc:
        state.credentials_help = str(exc)
        return None
    with state.hold_trait_notifications():
        state.client = client
        state.credentials_help = None
    return client


def with_marks(df: pd.DataFrame, marks: Mapping[str, tuple[str | None, str]]) -> pd.DataFrame:
    """A copy of ``df`` with the ``relevance`` and ``note`` columns filled from ``marks`` (``patent_id`` -> mark).

    Examples
    --------
    >>> with_marks(pd.DataFrame({"patent_id": ["a", "b"]}), {"b": ("relevant", "same legs")}).values.tolist()
    [['a', <NA>, <NA>], ['b', 'relevant', 'same legs']]
    """
    ids = df["patent_id"].astype("string").fillna("").tolist()
    df = df.copy()
    df["relevance"] = pd.array([marks.get(i, (None, ""))[0] for i in ids], dtype="string")
    df["note"] = pd.array([(marks.get(i, (None, ""))[1] or None) for i in ids], dtype="string")
    return df


def search(state: PanelState) -> None:
    """Search with the query and the filters (billed); the results replace the last ones, marks of the same query kept."""
    filters = state.filters()
    image, label = state.query()
    client = state.client or find_client(state)
    if client is None:
        raise MissingCredentialsError(state.credentials_help or "No PatSnap credentials found.")
    by_name: dict[str, Any] = dict(filters.to_dict())  # filter names only: none of the named parameters
    df = search_designs(image, client=client, limit=state.limit, label=label, **by_name)
    thumbs = load_thumbnails(df)
    identity = state.query_identity()
    with state.hold_trait_notifications():  # the views see the new results, thumbnails and marks together
        if identity != state.marks_query:  # marks belong to one query image
            state.marks, state.marks_query = {}, identity
        state.search_count += 1
        state.open_row = None
        state.results, state.thumbnails = with_marks(df.reset_index(drop=True), state.marks), thumbs
    total = df.attrs.get("total")
    cached = " (from the cache: no billed call)" if df.attrs.get("from_cache") else ""
    state.message = f"Found {plural(len(df), 'hit')} of {total} matching designs{cached}."


def load_more(state: PanelState) -> None:
    """The next ``state.limit`` hits of the same search id (billed), added to the results with their marks."""
    df = state.results
    if df is None:
        raise InvalidInputError("nothing to continue: search first.")
    more = continue_search(df, n=state.limit, client=state.client, refresh=True)
    thumbs = load_thumbnails(more)
    combined = df
    if len(more):
        combined = with_marks(concat_frames([df, more]).reset_index(drop=True), state.marks)
        with state.hold_trait_notifications():
            state.results, state.thumbnails = combined, state.thumbnails + thumbs
    cached = " (from the cache)" if more.attrs.get("from_cache") else ""
    state.message = (f"Loaded {plural(len(more), 'more hit', 'more hits')}{cached}; "
                     f"{len(combined)} of {combined.attrs.get('total')} fetched.")


def export(state: PanelState) -> None:
    """Write the report of the shown hits into ``state.export_dir`` and offer it as a download (no call)."""
    if state.results is None or state.shown is None:
        raise InvalidInputError("nothing to export: search first.")
    done = export_report(state.shown, fmt=state.export_format, include=state.export_include,
                         folder=state.export_dir, notes=state.local_filter_notes())
    with state.hold_trait_notifications():
        state.last_report, state.export_html = done.path, done.html
    state.message = done.message

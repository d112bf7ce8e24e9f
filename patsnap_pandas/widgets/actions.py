"""The panel's actions that call the API or write a file: Search, Load more and Export.

Each runs through :func:`run`: ``busy`` while it runs (the views disable their buttons),
any failure said in plain words in ``last_error`` (never raised: the panel stays usable
and the results shown are kept), and the warnings of the search modules kept as
``notes``. They change :class:`~patsnap_pandas.widgets.state.PanelState` only; the
views draw what changed. Each function has its example below.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..api.client import PatsnapClient
from ..api.filters import MAX_RESULTS_CAP
from ..api.images import ImageSizeWarning
from ..errors import CacheError, FilterError, InvalidInputError, MissingCredentialsError
from ..frame.marks import history_entries, mark_time
from ..frame.schema import MARK_COLUMNS, concat_frames
from ..jobs.clients import client_for
from ..jobs.images import load_thumbnails
from ..jobs.marks import store_of
from ..jobs.search import SearchWarning, continue_search
from ..store.thumbnails import ThumbnailWarning
from .export import export_report
from .messages import more_in_words, note_in_words, plain_error, plural, total_in_words
from .purpose import run_job

if TYPE_CHECKING:
    from .state import PanelState

__all__ = ["export", "find_client", "job_of", "keep_mark", "load_more", "run", "search", "set_mark",
           "with_marks"]

# Warnings of the search modules that the status line repeats in plain words.
_SHOWN_WARNINGS = (SearchWarning, ThumbnailWarning, ImageSizeWarning)
# What an action's changes tell the status line (applied with busy=False, before the rest).
_STATUS = ("message", "last_error", "last_exception")
#: What an action found, as trait name -> new value of the state.
Changes = dict[str, Any]


def run(state: PanelState, busy_text: str, what: str, action: Callable[[PanelState], Changes]) -> None:
    """Run ``action`` with ``busy`` set, then apply the changes it returns; a failure goes to ``last_error``.

    ``busy`` is set first, so every view has disabled its buttons before the status line
    says ``busy_text``. The action decides, ``run`` applies, in the order the views end in:
    the buttons and the status line first, then what the action found (results, cards,
    chart), as one batch of notifications.

    Examples
    --------
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> state = PanelState()                       # no query image yet: Search fails, nothing is raised
    >>> run(state, "Searching\u2026", "Search", search)
    >>> state.busy, state.last_error, state.results is None
    (False, 'Search was not started: no query image: choose an image file or paste an image URL.', True)
    """
    if state.busy:
        return
    state.busy = True
    state.last_error, state.last_exception = None, None
    state.message, state.notes = busy_text, []
    caught: list[warnings.WarningMessage] = []
    changes: Changes = {}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            changes = action(state)
    except Exception as exc:  # noqa: BLE001 - a UI callback: show it, keep the panel usable
        if isinstance(exc, FilterError) and state.field_errors:
            error = f"{what} was not started: correct the field marked in red."
        else:
            error = plain_error(what, exc)
        changes = {"last_error": error, "last_exception": exc,
                   "message": f"{what} did not complete; the results shown are unchanged."}
    finally:
        status = {name: changes.pop(name) for name in _STATUS if name in changes}
        with state.hold_trait_notifications():
            state.busy = False
            for name, value in status.items():
                setattr(state, name, value)
            state.notes = [note for w in caught if issubclass(w.category, _SHOWN_WARNINGS)
                           if (note := note_in_words(str(w.message)))]
    with state.hold_trait_notifications():
        for name, value in changes.items():
            setattr(state, name, value)


def find_client(state: PanelState) -> PatsnapClient | None:
    """The client of the ``PATSNAP_*`` variables into ``state.client``; without them, ``credentials_help`` says what to set.

    Examples
    --------
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> state = PanelState()
    >>> find_client(state) is None                 # no PATSNAP_* variable is set here
    True
    >>> print(state.credentials_help)
    No client was passed and no PatSnap credentials are set. Set PATSNAP_CLIENT_ID and ...
    """
    try:
        client = client_for(None, None)
    except MissingCredentialsError as exc:
        state.credentials_help = str(exc)
        return None
    with state.hold_trait_notifications():
        state.client = client
        state.credentials_help = None
    return client


def set_mark(state: PanelState, index: int, relevance: str | None, note: str | None) -> None:
    """Mark row ``index`` of ``state.results``: into ``marks`` and ``mark_stamps`` (who, when: ``state.reviewer``
    and ``state.clock()``), the ``relevance``/``note``/``marked_by``/``marked_at`` columns, and the store's history.

    ``note=None`` keeps the note there is; no relevance and no note clear the mark (the clearing is kept in
    the history too).

    Examples
    --------
    >>> import datetime as dt
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> with PatsnapClient.sandbox() as client:
    ...     state = PanelState(client=client, limit=3, reviewer="ana")
    ...     state.set_image(samples.image("armchair"))
    ...     state.search()
    ...     state.clock = lambda: dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.timezone.utc)
    ...     set_mark(state, 0, "relevant", "same legs")
    >>> state.results.loc[0, ["relevance", "marked_by", "marked_at"]].tolist()
    ['relevant', 'ana', '2026-12-07T09:30:00Z']
    """
    df = state.results
    assert df is not None
    pid = str(df.at[index, "patent_id"])
    note = state.marks.get(pid, (None, ""))[1] if note is None else note.strip()
    marks, stamps = dict(state.marks), dict(state.mark_stamps)
    stamp = (state.reviewer, mark_time(state.clock()))
    if relevance is None and not note:
        marks.pop(pid, None)
        stamps.pop(pid, None)
    else:
        marks[pid], stamps[pid] = (relevance, note), stamp
    same = (df["patent_id"].astype("string") == pid).to_numpy()
    for column in MARK_COLUMNS:
        if column not in df.columns:
            df[column] = pd.array([None] * len(df), dtype="string")
    df.loc[same, ["relevance", "note"]] = [relevance if relevance is not None else pd.NA, note or pd.NA]
    df.loc[same, list(MARK_COLUMNS)] = [v or pd.NA for v in stamp] if pid in stamps else [pd.NA, pd.NA]
    keep_mark(state, df[same].head(1), stamp)
    state.mark_stamps = stamps
    state.marks = marks


def keep_mark(state: PanelState, rows: pd.DataFrame, stamp: tuple[str, str]) -> None:
    """Append the mark of ``rows`` (as it now stands; a cleared mark too) to the store's mark history.

    The store of the panel's client (the cache folder or the team's Redis), as ``df.patsnap.mark``
    keeps it; a history that cannot be written warns and keeps the mark in memory (the panel's mark stays).
    :func:`set_mark` calls it.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> with PatsnapClient.sandbox() as client:
    ...     state = PanelState(client=client, limit=3)
    ...     state.set_image(samples.image("armchair"))
    ...     state.search()
    ...     keep_mark(state, state.results.head(1).assign(relevance="unsure"), ("bo", "2026-12-08T10:00:00Z"))
    ...     state.results.patsnap.mark_history(client=client)["marked_by"].tolist()
    ['bo']
    """
    # who and when of this change, a cleared mark included (its row keeps no stamp)
    entries = history_entries(rows.assign(marked_by=stamp[0] or None, marked_at=stamp[1]))
    try:
        store_of(rows, state.client).mark_log().append(entries)
    except CacheError as exc:  # a damaged history: the mark stays in the panel; say so once, next to it
        warnings.warn(f"the mark was not kept in the history ({exc})", stacklevel=2)


def with_marks(df: pd.DataFrame, marks: Mapping[str, tuple[str | None, str]],
               stamps: Mapping[str, tuple[str, str]] | None = None) -> pd.DataFrame:
    """A copy of ``df`` with ``relevance`` and ``note`` filled from ``marks`` (``patent_id`` -> mark), and
    ``marked_by`` / ``marked_at`` from ``stamps`` (``patent_id`` -> (who, UTC ISO time)).

    Examples
    --------
    >>> with_marks(pd.DataFrame({"patent_id": ["a", "b"]}), {"b": ("relevant", "same legs")},
    ...            {"b": ("ana", "2026-12-07T09:00:00Z")}).values.tolist()
    [['a', <NA>, <NA>, <NA>, <NA>], ['b', 'relevant', 'same legs', 'ana', '2026-12-07T09:00:00Z']]
    """
    ids = df["patent_id"].astype("string").fillna("").tolist()
    stamps = stamps or {}
    df = df.copy()
    df["relevance"] = pd.array([marks.get(i, (None, ""))[0] for i in ids], dtype="string")
    df["note"] = pd.array([(marks.get(i, (None, ""))[1] or None) for i in ids], dtype="string")
    for j, column in enumerate(MARK_COLUMNS):
        df[column] = pd.array([stamps[i][j] if i in stamps and i in marks else None for i in ids], dtype="string")
    return df


def search(state: PanelState) -> Changes:
    """Search with the query and the filters (billed): new results; the marks of the same query kept.

    It decides and changes nothing: :func:`run` applies what it returns (as :meth:`PanelState.search` does).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> with PatsnapClient.sandbox() as client:
    ...     state = PanelState(client=client, limit=3)
    ...     state.set_image(samples.image("armchair"))
    ...     changes = search(state)                # billed
    >>> state.results is None, len(changes["results"]), changes["message"]
    (True, 3, 'Found 3 hits of 600 matching designs.')
    """
    filters = state.filters()
    image, label = state.query()
    client = state.client or find_client(state)
    if client is None:
        raise MissingCredentialsError(state.credentials_help or "No PatSnap credentials found.")
    by_name: dict[str, Any] = dict(filters.to_dict())  # filter names only: none of the named parameters
    df, excluded = run_job(state, image, label, client, state.limit, by_name)  # explore: search_designs
    thumbs = load_thumbnails(df)
    changes: Changes = {"search_count": state.search_count + 1, "open_row": None, "excluded": excluded,
                        "enriched": []}
    marks = state.marks
    identity = state.query_identity()
    stamps = state.mark_stamps
    if identity != state.marks_query:  # marks belong to one query image
        marks, stamps = {}, {}
        changes.update(marks=marks, mark_stamps=stamps, marks_query=identity)
    cached = " (from the cache: no billed call)" if df.attrs.get("from_cache") else ""
    aside = "" if excluded is None else "; none set aside" if not len(excluded) else \
        f"; {plural(len(excluded), 'hit')} set aside ({set_aside_words(excluded)})"
    return {**changes, "results": with_marks(df.reset_index(drop=True), marks, stamps), "thumbnails": thumbs,
            "message": f"Found {plural(len(df), 'hit')} of {total_in_words(df.attrs)}{cached}{aside}."}


def set_aside_words(excluded: pd.DataFrame) -> str:
    """Why a job's hits were set aside, counted by reason (the job's ``dropped``), and where to read them.

    Examples
    --------
    >>> excluded = pd.DataFrame({"excluded_reason": ["expired: ...", "not in the markets: JP", "expired: ..."]})
    >>> excluded.attrs["dropped"] = {"expired": 2, "not in the markets": 1}  # as JobResult puts it
    >>> set_aside_words(excluded)
    'expired 2; not in the markets 1: each with its reason under Set aside, and the report'
    """
    dropped = excluded.attrs.get("dropped")
    counted = "; ".join(f"{reason} {count}" for reason, count in dropped.items()) if isinstance(dropped, dict) else ""
    return f"{counted + ': ' if counted else ''}each with its reason under Set aside, and the report"


def load_more(state: PanelState) -> Changes:
    """The next ``state.limit`` hits of the same search id (billed), added to the results with their marks.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> with PatsnapClient.sandbox() as client:
    ...     state = PanelState(client=client, limit=3)
    ...     state.set_image(samples.image("armchair"))
    ...     run(state, "Searching\u2026", "Search", search)
    ...     run(state, "Loading more\u2026", "Load more", load_more)
    >>> len(state.results), state.message
    (6, 'Loaded 3 more hits; 6 of 600 fetched.')
    """
    df = state.results
    if df is None:
        raise InvalidInputError("nothing to continue: search first.")
    if state.excluded is not None:
        raise InvalidInputError("a clearance or prior-art search is not continued: search again with more hits "
                                "per search.")
    more = continue_search(df, n=state.limit, client=state.client, refresh=True)
    thumbs = load_thumbnails(more)
    changes: Changes = {}
    combined = df
    if len(more):
        combined = with_marks(concat_frames([df, more]).reset_index(drop=True), state.marks, state.mark_stamps)
        changes = {"results": combined, "thumbnails": state.thumbnails + thumbs}
    return {**changes, "message": more_in_words(state.limit, len(more), len(combined), combined.attrs.get("total"),
                                                MAX_RESULTS_CAP, bool(more.attrs.get("from_cache")))}


def export(state: PanelState) -> Changes:
    """Write the report of the shown hits into ``state.export_dir`` and offer it as a download (no call).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> with PatsnapClient.sandbox() as client:
    ...     state = PanelState(client=client, limit=3, export_folder="reports")
    ...     state.set_image(samples.image("armchair"))
    ...     state.search()
    ...     run(state, "Writing the report\u2026", "Export", export)
    >>> state.last_report.parent.name, state.last_report.suffix, 'download="' in state.export_html
    ('reports', '.html', True)
    """
    if state.results is None or state.shown is None:
        raise InvalidInputError("nothing to export: search first.")
    done = export_report(state.shown, fmt=state.export_format, include=state.export_include,
                         folder=state.export_dir, notes=state.local_filter_notes(), job=job_of(state),
                         fetched=len(state.results))
    return {"last_report": done.path, "export_html": done.html, "message": done.message}


def job_of(state: PanelState) -> dict[str, Any] | None:
    """What a clearance or prior-art export needs beyond the hits: kind, excluded hits, provenance, comparisons.

    None for an explore search. Prior art with an accused product: one three-way comparison per
    hit marked relevant (else the closest hit), the query standing for the registered design.

    Examples
    --------
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> job_of(PanelState()) is None
    True
    """
    if state.purpose == "explore" or state.shown is None:
        return None
    comparisons = []
    if state.purpose == "prior_art" and state.accused_image and state.query_thumb and len(state.shown):
        from ..report.clearance import comparison

        shown = state.shown
        relevant = shown[(shown["relevance"].astype("string") == "relevant").fillna(False).to_numpy()]
        for index in (relevant.index if len(relevant) else shown.index[:1]):
            comparisons.append(comparison(state.query_thumb, state.accused_image, shown.loc[[index]],
                                          registered_label=state.query_name, accused_label=state.accused_name,
                                          before=state.published_before))
    return {"kind": state.purpose, "excluded": state.excluded, "provenance": state.job_provenance(),
            "comparisons": comparisons}

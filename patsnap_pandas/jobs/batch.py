"""Batch search: every image of a catalogue DataFrame, as one long frame of hits.

:func:`search_each` runs the design search for each row of any DataFrame whose
column holds images (paths, URLs, bytes, PIL images, numpy arrays), with

* every argument checked before any call (filters, limit, workers, rate);
* identical images searched once: rows are keyed by the prepared image's SHA-256
  (or the URL) before any call, and the hits copied to each row;
* bounded concurrency (a thread pool) and an optional rate limit on network
  calls only: cached answers are never throttled;
* a failed row recorded in ``status`` / ``error`` instead of aborting the batch;
  a quota error, the budget you set (``PATSNAP_BUDGET`` / ``budget=``) used up,
  rejected credentials or an unreachable service stop the remaining searches at
  once (already fetched results kept; a re-run completes the rest);
* a re-run that completes only what failed: the client's cache answers the rest
  for free (uploads and searches alike).

Each search is one upload (P010, skipped when the same bytes were uploaded
before) and one search-id call (P009) for at most 100 hits, through
``search.search_prepared`` (the search step ``search_designs`` uses too): each image
is prepared once, for the dedupe key, before any call.

Examples
--------
>>> import pandas as pd
>>> from patsnap_pandas import PatsnapClient, samples
>>> chair, lamp = samples.image("armchair"), samples.image("desk-lamp")
>>> catalogue = pd.DataFrame({"sku": ["C-100", "L-200", "C-101"], "photo": [chair, lamp, chair]})
>>> with PatsnapClient.sandbox() as client:
...     hits = catalogue.patsnap.search_each("photo", limit=3, label_column="sku", client=client,
...                                          progress=False)
>>> hits.groupby("query", sort=False)["status"].first().to_dict()
{'C-100': 'ok', 'L-200': 'ok', 'C-101': 'ok'}
>>> hits.attrs["batch"]["distinct_images"], len(hits)
(2, 9)
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable, Hashable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._validate import check_column, check_flag, check_int, check_rate
from ..api import images
from ..api.filters import SearchFilters, check_limit
from ..api.http import LONG_WAIT_S
from ..api.image_params import ImageSearchOptions
from ..api.models import Estimate
from ..errors import (
    AuthenticationError,
    BatchInterrupted,
    BudgetExceededError,
    CacheUnavailableError,
    ImageInputError,
    InvalidInputError,
    InvalidTypeError,
    QuotaExceededError,
    ServiceUnreachableError,
    SpendingLostError,
    SpendingNotRecordedError,
)
from ..frame import schema as frame
from ..store.cache import open_thumbnail_store
from ..store.thumbnails import ThumbnailWarning
from . import search
from .clients import client_for, data_source
from .images import THUMBNAIL_SIZE, _store_query_image, load_thumbnails, thumbnail_dir
from .views import MAX_VIEWS, choose_endpoint, search_views

if TYPE_CHECKING:
    from ..api.client import PatsnapClient

__all__ = ["BATCH_COLUMNS", "MAX_WORKERS", "STATUSES", "search_each"]

#: Columns a batch adds after the frame schema.
BATCH_COLUMNS: tuple[str, ...] = ("query_index", "status", "error")
STATUSES: tuple[str, ...] = ("ok", "no_hits", "error")
MAX_WORKERS = 32


@dataclass
class _Query:
    """One distinct image of the catalogue: what to upload (or the URL) and its first row's label."""

    target: str | images.PreparedImage | tuple[str | images.PreparedImage, ...]  # a tuple: the views
    label: str
    result: pd.DataFrame | None = None   # the hits (possibly empty) once searched
    error: str | None = None             # "ClassName: message" when it failed
    from_cache: bool = False


class _Skipped(Exception):
    """A search not started because an earlier one ran out of quota."""


def search_each(catalogue: pd.DataFrame, image_column: Hashable, *, limit: int = 10, max_workers: int = 4,  # noqa: C901  (argument checks before any billed call)
                rate_limit: float | None = None, progress: bool = True, client: PatsnapClient | None = None,
                label_column: Hashable | None = None, thumbnails: bool = True, dry_run: bool = False,
                **filters: Any) -> pd.DataFrame:
    """Search the image of every catalogue row; one long frame of hits.

    Parameters
    ----------
    catalogue : DataFrame
        Any frame; ``catalogue[image_column]`` holds one image per row: a path, an
        http(s) URL, bytes, a PIL image or a numpy array; or a list of them, the
        views of one product (searched as by ``search_designs`` with a list: P061
        for up to four, each view and fusion for more).
    image_column : column label or list of column labels
        The column with the images, or several columns each holding one view of the
        row's product (empty cells are left out).
    limit : int, default 10
        Hits per image, 1..100.
    max_workers : int, default 4
        Searches running at the same time, 1..32.
    rate_limit : float, optional
        At most this many network calls per second across the workers (cache hits
        are free and never wait). The client's own ``rate_limit``, if stricter, still
        applies. Run one batch at a time per client when you use it.
    progress : bool, default True
        Show a progress bar (``tqdm.auto``: a widget in notebooks, text elsewhere).
    client : PatsnapClient, optional
        Default: a client from the ``PATSNAP_*`` environment.
    label_column : column label, optional
        A column naming each row in ``query`` (default: the image's label: file name,
        URL, or ``bytes:<sha8>``).
    thumbnails : bool, default True
        Prefetch the hit images into the thumbnail store (for grids and reports).
    dry_run : bool, default False
        Make no call: return what the batch would cost now, one row per catalogue row
        (``query_index``, ``query``, ``status``, ``uploads``, ``searches``, ``billed_calls``;
        0 for what the cache holds), with the total in ``attrs["estimate"]``.
    **filters
        Search filters, as for ``search_designs`` (``country``, ``loc``, ...).

    Returns
    -------
    DataFrame
        The frame schema, then ``query_index`` (the catalogue row's index label),
        ``status`` and ``error``, then the further hit fields. Every catalogue row
        appears, in catalogue order: its hits (status ``"ok"``, ranks 1..limit), or
        one row with missing hit fields and status ``"no_hits"``, or one row with
        status ``"error"`` and ``error`` = ``"ClassName: message"``. ``attrs``: the
        frame provenance keys (``search_id`` is the list of search ids), plus
        ``queries``, ``query_urls``, ``limit`` and ``batch`` (counts per status).

    Raises
    ------
    InvalidInputError
        (a ``ValueError``) for a bad argument or filter, before any call.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> catalogue = pd.DataFrame({"sku": ["C-100", "X-1"], "photo": [samples.image("armchair"), "missing.png"]})
    >>> with PatsnapClient.sandbox() as client:
    ...     hits = search_each(catalogue, "photo", label_column="sku", client=client, progress=False)
    >>> hits.loc[hits.status == "error", ["query", "error"]].to_dict("records")
    [{'query': 'X-1', 'error': "ImageInputError: image='missing.png': no such file..."}]

    Several views per product, one column each:

    >>> views = pd.DataFrame({"sku": ["C-100"], "front": [samples.image("armchair")], "side": [samples.image("desk-lamp")]})
    >>> with PatsnapClient.sandbox() as client:
    ...     hits = search_each(views, ["front", "side"], label_column="sku", client=client, progress=False)
    >>> hits["status"].unique().tolist(), hits.attrs["batch"]["ok"], hits["matched_view"].dtype
    (['ok'], 1, Int64Dtype())

    What a batch would cost, before running it:

    >>> with PatsnapClient.sandbox() as client:
    ...     _ = search_each(catalogue[:1], "photo", client=client, progress=False)   # C-100 is cached now
    ...     plan = search_each(catalogue.assign(photo=[samples.image("armchair"), samples.image("desk-lamp")]),
    ...                        "photo", label_column="sku", client=client, dry_run=True)
    >>> plan[["query", "billed_calls"]].to_dict("records"), plan.attrs["estimate"]
    ([{'query': 'C-100', 'billed_calls': 0}, {'query': 'X-1', 'billed_calls': 2}], '2 billed calls: 1 upload, 1 search')
    """
    if not isinstance(catalogue, pd.DataFrame):
        raise InvalidTypeError(f"catalogue must be a pandas DataFrame, got {type(catalogue).__name__}")
    duplicated = list(dict.fromkeys(catalogue.columns[catalogue.columns.duplicated()]))
    if duplicated:
        raise InvalidInputError(f"catalogue has duplicate column names {duplicated!r}: each column needs "
                                "its own name. Rename them first, e.g. catalogue.columns = [...].")
    view_columns = list(image_column) if isinstance(image_column, list) else None
    for column in view_columns or [image_column]:
        check_column(catalogue, column, "image_column")
    if view_columns == []:
        raise InvalidInputError("image_column=[] is not valid: name one column, or a list of columns of views.")
    if label_column is not None:
        check_column(catalogue, label_column, "label_column")
    search_filters = SearchFilters.from_kwargs(**filters)
    limit = check_limit(limit)
    max_workers = check_int(max_workers, "max_workers", 1, MAX_WORKERS)
    rate_limit = check_rate(rate_limit, "rate_limit")
    progress = check_flag(progress, "progress")
    thumbnails = check_flag(thumbnails, "thumbnails")
    dry_run = check_flag(dry_run, "dry_run")
    api = client_for(None, client)

    if view_columns is not None:  # several views per row: the row's non-empty cells, in column order
        values = [[v for v in row if v is not None and (isinstance(v, (str, bytes)) or not _is_na(v))]
                  for row in catalogue[view_columns].itertuples(index=False, name=None)]
    else:
        values = catalogue[image_column].tolist()
    labels = _labels(catalogue, values, label_column)
    rows: list[str | None] = []           # per row: its query key, or None when the image was unusable
    row_errors: dict[int, str] = {}
    queries: dict[str, _Query] = {}       # key -> query, in order of first appearance
    prepared = _map(_prepare, _distinct_values(values), max_workers, "patsnap-prepare")
    for _, target in prepared:
        for view in target if isinstance(target, tuple) else (target,):
            images.warn_notes(view, stacklevel=2)
    by_value = dict(prepared)
    for i, value in enumerate(values):
        target = by_value[_value_key(value, i)]
        if isinstance(target, Exception):
            rows.append(None)
            row_errors[i] = _describe(target)
            continue
        key = _target_key(target)
        queries.setdefault(key, _Query(target, labels[i]))
        rows.append(key)

    if dry_run:
        return _estimate(catalogue, rows, row_errors, queries, labels, search_filters, limit, api)
    prefetch = _Prefetch() if thumbnails else None
    try:
        _run(api, list(queries.values()), search_filters, limit, max_workers, rate_limit, progress,
             on_hits=prefetch.add if prefetch else None)
    except BaseException:
        if prefetch is not None:
            prefetch.close(cancel=True)  # thumbnails can be fetched later; the results are cached
        raise
    if prefetch is not None:
        for query in queries.values():
            prefetch.add_query(query)
        prefetch.close()
    return _assemble(catalogue, rows, row_errors, queries, labels, search_filters, limit, api)


def _estimate(catalogue: pd.DataFrame, rows: list[str | None], row_errors: dict[int, str],
              queries: dict[str, _Query], labels: list[str], filters: SearchFilters, limit: int,
              api: PatsnapClient) -> pd.DataFrame:
    """The dry run: per catalogue row, the billed calls its search would make now (no call is made)."""
    estimates: dict[str, Estimate] = {}
    for key, query in queries.items():
        target = query.target
        if isinstance(target, tuple):
            views = [v if isinstance(v, str) else v.data for v in target]
            estimates[key] = api.estimate(views, limit=limit, options=ImageSearchOptions.coerce(filters.to_dict()))
        else:
            estimates[key] = api.estimate(target if isinstance(target, str) else target.data, filters, limit=limit)
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    total = Estimate({})
    for i, row_key in enumerate(rows):
        if row_key is None:
            status, calls = "error", Estimate({})
        elif row_key in seen:
            status, calls = "same image as an earlier row", Estimate({})
        else:
            seen.add(row_key)
            calls = estimates[row_key]
            status = "cached" if calls.total == 0 else "would search"
            total = total + calls
        records.append({"query_index": catalogue.index[i], "query": labels[i], "status": status,
                        "uploads": calls.calls.get("upload", 0),
                        "searches": calls.total - calls.calls.get("upload", 0),
                        "billed_calls": calls.total, "error": row_errors.get(i)})
    out = pd.DataFrame.from_records(records, columns=["query_index", "query", "status", "uploads", "searches",
                                                      "billed_calls", "error"])
    out.attrs = {"estimate": str(total), "billed_calls": total.total, "source": data_source(api)}
    return out


# --- running the searches ---------------------------------------------------------------------------


def _run(api: PatsnapClient, queries: list[_Query], filters: SearchFilters, limit: int, max_workers: int,
         rate_limit: float | None, progress: bool, on_hits: Callable[[pd.DataFrame], None] | None) -> None:
    """Search every query (sets .result or .error); stops early on a batch-fatal error (_BATCH_FATAL).

    ``on_hits`` gets each query's hits as soon as they arrive (in this thread). This thread
    never blocks longer than :data:`_LOOK_UP_S` (see :func:`_wait_all`).
    """
    if not queries:
        return
    from tqdm.auto import tqdm

    stop = threading.Event()
    stopped_by: list[BaseException] = []

    def work(query: _Query) -> None:
        if stop.is_set():
            raise _Skipped
        try:
            query.result, query.from_cache = _search_one(api, query, filters, limit)
        except _BATCH_FATAL as exc:
            # Stop here, not in the loop below: a free worker must not start another call meanwhile.
            stopped_by.append(exc)
            stop.set()
            raise

    bar = _Bar(tqdm(total=len(queries), desc="search_each", unit="image", disable=not progress, leave=True))
    pool = ThreadPoolExecutor(max_workers=min(max_workers, len(queries)), thread_name_prefix="patsnap-search")
    try:
        with api.limited(rate_limit):
            futures: list[Future] = []
            try:
                for query in queries:   # an interrupt here too stops what was submitted (below)
                    futures.append(pool.submit(work, query))
                _collect(api, futures, queries, stopped_by, on_hits, bar)
            except BaseException as exc:  # e.g. KeyboardInterrupt: stop at once, no new billed call
                sent, billed = api.usage.billed_sent, api.usage.billed_calls
                stop.set()
                _stop_workers(api, pool, futures)
                if isinstance(exc, KeyboardInterrupt) and not isinstance(exc, BatchInterrupted):
                    finished = sum(1 for query in queries if query.result is not None)
                    after = api.usage.billed_sent - sent  # billed calls sent after the interrupt was seen
                    raise BatchInterrupted(finished, len(queries), billed_after=after,
                                           under_way=max(0, api.usage.billed_calls - billed - after)) from None
                raise
        pool.shutdown(wait=True)  # every worker is done: returns at once
    finally:
        bar.close()


#: The longest the batch's own thread blocks while its workers search: an interrupt that wakes
#: nothing (``_thread.interrupt_main()``, how Jupyter interrupts on Windows) is seen within this,
#: before a worker can start another billed call; and the progress bar's notes are refreshed.
_LOOK_UP_S = 0.05


def _collect(api: PatsnapClient, futures: list[Future], queries: list[_Query], stopped_by: list[BaseException],
             on_hits: Callable[[pd.DataFrame], None] | None, bar: _Bar) -> None:
    """Record each finished search in its query, in submission order per look-up, until all are done."""
    order = {future: i for i, future in enumerate(futures)}
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=_LOOK_UP_S, return_when=FIRST_COMPLETED)
        for future in sorted(done, key=order.__getitem__):
            query = queries[order[future]]
            exc = future.exception()
            if isinstance(exc, _Skipped):
                query.error = _not_searched(stopped_by[0])
            elif exc is not None:
                query.error = _describe(exc)
            elif on_hits is not None and query.result is not None and len(query.result):
                on_hits(query.result)
            bar.finished(query.error is not None)
        bar.waiting(api.usage.longest_wait())


class _Bar:
    """The batch's progress bar: images done, errors, and a long pause under way ("waiting 42 s: ...")."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar
        self.notes: dict[str, Any] = {}

    def finished(self, failed: bool) -> None:
        if failed:
            self.notes["errors"] = self.notes.get("errors", 0) + 1
            self.bar.set_postfix(self.notes, refresh=False)
        self.bar.update(1)

    def waiting(self, wait: tuple[float, str] | None) -> None:
        """Show the longest pause under way when it is long (:data:`~patsnap_pandas.api.http.LONG_WAIT_S`)."""
        left = wait[0] if wait is not None else 0.0
        # A short pause is not worth a note; a long one is shown until its last second.
        shown = left >= LONG_WAIT_S or ("waiting" in self.notes and left >= 1)
        note = f"{left:.0f} s more, {wait[1]}" if wait is not None and shown else None
        if note != self.notes.get("waiting"):
            if note is None:
                self.notes.pop("waiting", None)
            else:
                self.notes["waiting"] = note
            self.bar.set_postfix(self.notes)

    def close(self) -> None:
        self.bar.close()


def _wait_all(futures: list[Future]) -> None:
    """Wait until every future is done, looking up every :data:`_LOOK_UP_S` (so an interrupt is seen).

    ``done()``, not ``wait()``: a future cancelled by ``shutdown(cancel_futures=True)`` is done,
    but ``wait()`` would count it as pending for ever.
    """
    while True:
        pending = [future for future in futures if not future.done()]
        if not pending:
            return
        wait(pending, timeout=_LOOK_UP_S)


def _stop_workers(api: PatsnapClient, pool: ThreadPoolExecutor, futures: list[Future]) -> None:
    """Stop the batch's workers: no new call; calls already on the wire finish (their answers are cached).

    ``api.interrupt()`` wakes every worker waiting for the rate limit, a retry pause or a lock;
    the client makes calls again (``api.resume()``) once every worker has stopped. A second
    Ctrl-C while waiting for them leaves at once; the client then resumes by itself when they are done.
    """
    api.interrupt()
    pool.shutdown(wait=False, cancel_futures=True)
    try:
        _wait_all(futures)
    except BaseException:
        threading.Thread(target=_resume_when_done, args=(api, futures), daemon=True,
                         name="patsnap-resume").start()
        raise
    api.resume()


def _resume_when_done(api: PatsnapClient, futures: list[Future]) -> None:
    _wait_all(futures)
    api.resume()


# Errors after which every further search of the batch would fail the same way.
# The team's shared cache lost: every further search would fail the same way (before any billed call).
_BATCH_FATAL = (QuotaExceededError, BudgetExceededError, AuthenticationError, ServiceUnreachableError,
                CacheUnavailableError, SpendingLostError, SpendingNotRecordedError)


def _not_searched(cause: BaseException) -> str:
    """The error recorded for the rows a batch skipped after ``cause`` stopped it."""
    if isinstance(cause, BudgetExceededError):
        return (f"{type(cause).__name__}: not searched, stopped by the budget: it was used up before this "
                f"image's turn, so nothing was billed for it. {cause.message} {cause.hint} Then run the same "
                "batch again: finished searches come from the cache at no cost.")
    if isinstance(cause, (SpendingLostError, SpendingNotRecordedError)):
        return (f"{type(cause).__name__}: not searched, nothing was billed for it: the budget's count of billed "
                f"calls could not be kept during this batch. {cause}")
    if isinstance(cause, CacheUnavailableError):
        return (f"{type(cause).__name__}: not searched, nothing was billed for it: the shared cache at "
                f"{cause.path} failed during this batch. Run the same batch again once it is back: finished "
                "searches come from the cache at no cost.")
    why = "ran out of quota" if isinstance(cause, QuotaExceededError) else "failed"
    return (f"{type(cause).__name__}: not searched: an earlier search of this batch {why} "
            f"({_describe(cause)})")


def _search_one(api: PatsnapClient, query: _Query, filters: SearchFilters, limit: int) -> tuple[pd.DataFrame, bool]:
    """Upload (unless it is a URL or was uploaded before) and search one image: (hits frame, from_cache).

    ``search.search_prepared`` also registers the client, so enrich() / more() on these
    results find it. Thumbnails are prefetched by the batch, in the background.
    """
    if isinstance(query.target, tuple):  # several views of one product: P061, or each view and fusion
        endpoint, fuse = choose_endpoint(len(query.target), None, newer_options=False)
        hits = search_views(list(query.target), client=api, endpoint=endpoint, fuse=fuse,
                            options=ImageSearchOptions.coerce(filters.to_dict()), filters=filters,
                            limit=limit, label=query.label, thumbnails=False)
    else:
        hits = search.search_prepared(query.target, client=api, filters=filters, limit=limit,
                                      label=query.label, thumbnails=False)
    return hits, bool(hits.attrs["from_cache"])


def _target_key(target: str | images.PreparedImage | tuple) -> str:
    """Rows with the same image (or the same views in the same order) are searched once."""
    if isinstance(target, tuple):
        return "views:" + "|".join(_target_key(view) for view in target)
    return "url:" + target if isinstance(target, str) else "sha256:" + target.sha256


class _Prefetch:
    """Thumbnails of the hits, fetched in the background while the batch searches on."""

    def __init__(self) -> None:
        self._seen: set[str] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="patsnap-thumbnails")
        self._futures: list[Future] = []

    def add(self, hits: pd.DataFrame) -> None:
        self._futures.append(self._pool.submit(self._fetch, hits))

    def add_query(self, query: _Query) -> None:
        """Keep the product's picture (each view's) in the store, as a single search does: reports show it."""
        if query.result is not None:
            self._futures.append(self._pool.submit(self._keep_query, query.target, dict(query.result.attrs)))

    @staticmethod
    def _keep_query(target: Any, attrs: dict[str, Any]) -> None:
        targets = target if isinstance(target, tuple) else (target,)
        urls = attrs.get("query_urls") or [attrs.get("query_url")]
        with open_thumbnail_store(attrs.get("thumbnail_dir"), size=THUMBNAIL_SIZE) as store:
            for view, url in zip(targets, urls, strict=False):
                if isinstance(url, str):
                    _store_query_image(store, view, url, stacklevel=2)

    def _fetch(self, hits: pd.DataFrame) -> None:
        ids = hits["patent_id"].tolist()
        with self._lock:  # each patent once per batch (the store also skips what it holds on disk)
            new = [pid not in self._seen for pid in ids]
            self._seen.update(ids)
        if any(new):
            load_thumbnails(hits[new])

    def close(self, cancel: bool = False) -> None:
        if cancel:  # the ones under way finish in the background; the rest can be fetched later
            self._pool.shutdown(wait=False, cancel_futures=True)
            return
        try:
            _wait_all(self._futures)
        finally:
            self._pool.shutdown(wait=False, cancel_futures=True)
        failed = [exc for exc in (f.exception() for f in self._futures) if exc is not None]
        if failed:  # a full disk, say: it costs the thumbnails, never the results
            warnings.warn(ThumbnailWarning(
                f"thumbnails were not all prefetched ({_describe(failed[0])}); the results are complete"),
                stacklevel=3)


# --- preparing the images ---------------------------------------------------------------------------


def _map(fn: Callable[[Any], Any], items: list, max_workers: int, name: str) -> list:
    """``[fn(item) for item in items]`` on a thread pool, waited for in slices (an interrupt is seen)."""
    pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix=name)
    try:
        futures = [pool.submit(fn, item) for item in items]
        _wait_all(futures)
        return [future.result() for future in futures]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _value_key(value: Any, i: int) -> Hashable:
    """Rows holding the same string (path or URL) are prepared once; anything else per row."""
    return ("str", value) if isinstance(value, str) else ("row", i)


def _distinct_values(values: list) -> list[tuple[Hashable, Any]]:
    seen: dict[Hashable, Any] = {}
    for i, value in enumerate(values):
        seen.setdefault(_value_key(value, i), value)
    return list(seen.items())


def _prepare(item: tuple[Hashable, Any]) -> tuple[Hashable, str | images.PreparedImage | tuple | Exception]:
    key, value = item
    if isinstance(value, (list, tuple)):  # several views of one product
        if not value:
            return key, ImageInputError("no image in this row (every view is empty)")
        if len(value) > MAX_VIEWS:
            return key, ImageInputError(f"{len(value)} views in this row: allowed 1 to {MAX_VIEWS}")
        views = []
        for n, view in enumerate(value, start=1):
            _, target = _prepare((key, view))
            if isinstance(target, Exception):
                return key, ImageInputError(f"view {n}: {target}") if isinstance(target, ImageInputError) else target
            views.append(target)
        return key, tuple(views)
    if value is None or (not isinstance(value, (str, bytes)) and _is_na(value)):
        return key, ImageInputError("no image in this row (the cell is empty)")
    try:
        # No warning from a worker thread: the notes are warned in the caller's thread.
        return key, images.prepare_image(value, warn=False)
    except InvalidInputError as exc:
        return key, exc


def _is_na(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # arrays: not a missing value
        return False


def _labels(catalogue: pd.DataFrame, values: list, label_column: Hashable | None) -> list[str]:
    if label_column is not None:
        return ["" if _is_na(v) else str(v) for v in catalogue[label_column].tolist()]
    out = []
    for value in values:
        try:
            if isinstance(value, (list, tuple)):
                out.append(" + ".join(images.query_label(view) for view in value))
                continue
            out.append(images.query_label(value))
        except InvalidInputError:  # the row's error says what is wrong with the image
            out.append("" if _is_na(value) else f"<{type(value).__name__}>")
    return out


# --- the result frame -------------------------------------------------------------------------------


def _assemble(catalogue: pd.DataFrame, rows: list[str | None], row_errors: dict[int, str],
              queries: dict[str, _Query], labels: list[str], filters: SearchFilters, limit: int,
              api: PatsnapClient) -> pd.DataFrame:
    # One frame of every distinct query's hits plus one blank row, then each catalogue row
    # takes its hits (or the blank row) by position: no per-row frames.
    found = [(q, q.result) for q in queries.values() if q.error is None and q.result is not None and len(q.result)]
    base = frame.concat_frames([result for _, result in found] + [frame.empty_frame().reindex(range(1))])
    first: dict[int, tuple[int, int]] = {}  # id(query) -> (its first row in base, its number of rows)
    position = 0
    for q, result in found:
        first[id(q)] = (position, len(result))
        position += len(result)
    blank = position
    take: list[int] = []
    query: list[str] = []
    query_index: list[int] = []
    status: list[str] = []
    error: list[str | None] = []
    statuses = []  # one per catalogue row
    for i, key in enumerate(rows):
        row_query = queries[key] if key is not None else None
        message = row_errors.get(i) if row_query is None else row_query.error
        if row_query is not None and id(row_query) in first:
            start, n_hits = first[id(row_query)]
            picked, state = list(range(start, start + n_hits)), "ok"
        else:
            picked, state = [blank], ("error" if message is not None else "no_hits")
        take.extend(picked)
        n = len(picked)
        query += [labels[i]] * n
        query_index += [i] * n
        status += [state] * n
        error += [message] * n
        statuses.append(state)
    out = base.take(take).reset_index(drop=True)
    out["query"] = pd.array(query, dtype="string")
    out.insert(len(frame.SCHEMA), "query_index", catalogue.index.take(query_index))
    out.insert(len(frame.SCHEMA) + 1, "status", pd.array(status, dtype="string"))
    out.insert(len(frame.SCHEMA) + 2, "error", pd.array(error, dtype="string"))

    searched = [q.result for q in queries.values() if q.result is not None]
    url_by_label: dict[str, str] = {}
    urls_by_label: dict[str, list[str]] = {}
    digest_by_label: dict[str, str] = {}
    for i, key in enumerate(rows):
        result = queries[key].result if key is not None else None
        if result is not None:
            url_by_label.setdefault(labels[i], result.attrs.get("query_url"))
            if len(result.attrs.get("query_urls") or ()) > 1:  # several views: each product's strip
                urls_by_label.setdefault(labels[i], list(result.attrs["query_urls"]))
            if result.attrs.get("query_sha256"):
                digest_by_label.setdefault(labels[i], result.attrs["query_sha256"])
    out.attrs = {
        "query": f"{len(catalogue)} catalogue images",
        "filters": filters.to_dict(),
        "search_id": [result.attrs["search_id"] for result in searched],
        "total": None,
        "fetched_at": frame.utcnow_iso(),
        "from_cache": bool(queries) and not row_errors and all(q.from_cache for q in queries.values()),
        "endpoint_version": frame.ENDPOINT_VERSION,
        "thumbnail_dir": thumbnail_dir(api),
        "source": data_source(api),
        "queries": list(dict.fromkeys(labels)),
        "query_urls": [result.attrs["query_url"] for result in searched],
        "query_url_by_label": url_by_label,
        "query_urls_by_label": urls_by_label,
        "query_sha256_by_label": digest_by_label,
        "limit": limit,
        "batch": {"rows": len(catalogue), "distinct_images": len(queries),
                  **{state: statuses.count(state) for state in STATUSES}},
    }
    return out


def _describe(exc: BaseException) -> str:
    """``"ClassName: message"``; the client already keeps secrets out of its messages."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__

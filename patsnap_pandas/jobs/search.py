"""search_designs(): one call from a query image to a DataFrame of similar registered designs.

The steps, each in the module that owns it:

1. check every argument (filters, limit, max_results, the image) before any call;
2. prepare a local image for upload (:func:`images.prepare_image`: EXIF, format,
   at most 4 MB) and upload it (:meth:`PatsnapClient.upload_image`, which reuses
   an earlier upload of the same bytes);
3. create the search (P009) and page through its results by offset;
4. build the frame (:func:`frame.hits_to_frame`) with its provenance in ``attrs``;
5. prefetch the hit images into the :class:`thumbnails.ThumbnailStore`, so that a
   result served from the cache still shows its thumbnails after the image URLs
   expired.

A repeated search (same image, same filters) is served from the client's cache:
zero billed calls, uploads included.

Examples
--------
>>> from patsnap_pandas import PatsnapClient, samples, search_designs
>>> with PatsnapClient.sandbox() as client:
...     df = search_designs(samples.image("armchair"), client=client, limit=5, country="CN")
...     again = search_designs(samples.image("armchair"), client=client, limit=5, country="CN")
>>> df[["rank", "patent_pn", "authority"]].shape, df["authority"].unique().tolist()
((5, 3), ['CN'])
>>> again.attrs["from_cache"], client.usage.billed_calls            # upload + search, once
(True, 2)
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import threading
import warnings
import weakref
from collections import OrderedDict
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd
from PIL import Image

from .. import codes, config
from .._validate import check_choice, check_flag, check_frame
from ..api import images
from ..api.client import PatsnapClient
from ..api.filters import MAX_RESULTS_CAP, SearchFilters, check_limit, check_max_results
from ..api.image_params import ImageSearchOptions
from ..api.models import Hit, SearchPage
from ..errors import InvalidInputError, MissingCredentialsError, ResponseFormatError, SearchExpiredError
from ..frame import schema as frame
from ..frame import words
from ..store.cache import content_ref, open_thumbnail_store
from ..store.thumbnails import ThumbnailStore, ThumbnailWarning

__all__ = [
    "SearchWarning",
    "client_for",
    "continue_search",
    "load_query_image",
    "load_query_images",
    "load_thumbnails",
    "register_client",
    "search_designs",
    "search_prepared",
    "search_views",
    "choose_endpoint",
]

#: The columns a result frame must have (the triage columns may be missing from an older frame).
_RESULT_COLUMNS = tuple(c for c in frame.SCHEMA if c not in frame.TRIAGE_COLUMNS)
PAGE_SIZE = codes.LIMIT_MAX
THUMBNAIL_SIZE = 256
# Concurrent hit-image downloads per search: a page of 100 in ~7 round trips.
THUMBNAIL_WORKERS = 16
#: The "patent id" of the query image's thumbnail in the store (hits have UUIDs).
_QUERY_ID = "query"


class SearchWarning(UserWarning):
    """A search returned fewer hits than asked (a cap cut it), or had to be run again.

    Examples
    --------
    Only 41 registered designs of Hong Kong exist in the sandbox:

    >>> import warnings
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     hits = search_designs(samples.image("armchair"), client=client, max_results=300, country="HK")
    >>> print(caught[0].message)
    max_results=300 but 41 hits were returned: only 41 designs match this query and filters (total_search_result_count).
    >>> client.close()
    """


# --- which client -------------------------------------------------------------------------------

# search_id -> the client that made it, so df.patsnap.more() finds it without being told.
_CLIENTS: weakref.WeakValueDictionary[str, PatsnapClient] = weakref.WeakValueDictionary()
# client -> its thumbnail store (keeps the download connections alive between searches).
_STORES: weakref.WeakKeyDictionary[PatsnapClient, ThumbnailStore] = weakref.WeakKeyDictionary()
_DEFAULT: dict[str, Any] = {"key": None, "client": None}
_LOCK = threading.Lock()


def _environment_key() -> str:
    """A digest of every PATSNAP_* setting: a new default client when the environment changes."""
    values = "\0".join(os.environ.get(setting.env, "") for setting in config.SETTINGS.values())
    return hashlib.sha256(values.encode("utf-8", "surrogatepass")).hexdigest()


def _default_client() -> PatsnapClient:
    key = _environment_key()
    with _LOCK:
        if _DEFAULT["key"] == key and _DEFAULT["client"] is not None:
            return _DEFAULT["client"]
        try:
            client = PatsnapClient.from_env()
        except MissingCredentialsError:
            raise MissingCredentialsError(
                "No client was passed and no PatSnap credentials are set. "
                f"{config.credentials_help()} For example: "
                "search_designs(image, client=PatsnapClient.sandbox()).") from None
        _DEFAULT.update(key=key, client=client)
        return client


def client_for(df_or_search_id: pd.DataFrame | str | None = None,
               client: PatsnapClient | None = None) -> PatsnapClient:
    """The client to continue a search with.

    Parameters
    ----------
    df_or_search_id : DataFrame, str or None
        A result frame (its ``attrs["search_id"]``, a search id or, for a batch, a
        list of them: the first registered one wins) or a search id.
    client : PatsnapClient, optional
        Wins when given.

    Returns
    -------
    PatsnapClient
        ``client`` if given; else the client that made this search (while it is
        alive); else the default client from the ``PATSNAP_*`` environment.

    Raises
    ------
    MissingCredentialsError
        No client anywhere and no credentials in the environment; the message says
        which variables to set, or to pass ``client=PatsnapClient.sandbox()``.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> hits = search_designs(samples.image("armchair"), client=client)
    >>> client_for(hits) is client, client_for(hits.attrs["search_id"]) is client
    (True, True)
    >>> client.close()
    """
    if client is not None:
        if not isinstance(client, PatsnapClient):
            raise InvalidInputError(f"client={client!r} is not valid: expected a PatsnapClient "
                                    "(e.g. PatsnapClient.from_env() or PatsnapClient.sandbox()) or None.")
        return client
    search_id = df_or_search_id
    if isinstance(df_or_search_id, pd.DataFrame):
        search_id = df_or_search_id.attrs.get("search_id")
    # A batch's frame holds a list of search ids: any one that is registered names the client.
    for sid in (search_id if isinstance(search_id, (list, tuple)) else [search_id]):
        found = _CLIENTS.get(sid) if isinstance(sid, str) else None
        if found is not None:
            return found
    return _default_client()


def register_client(search_id: str, client: PatsnapClient) -> None:
    """Remember that ``client`` made the search ``search_id`` (for :func:`client_for`).

    Held by a weak reference: a closed and dropped client is forgotten.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient
    >>> client = PatsnapClient.sandbox()
    >>> register_client("my-search-id", client)
    >>> client_for("my-search-id") is client
    True
    >>> client.close()
    """
    try:
        _CLIENTS[search_id] = client
    except TypeError:  # an object without weak-reference support: nothing to remember
        pass


# --- argument checks ------------------------------------------------------------------------------

def _check_amounts(limit: Any, max_results: Any, thumbnails: Any) -> tuple[int, int | None, bool]:
    """The page size, the cap on hits and the thumbnails flag of a search, checked before any call."""
    return (check_limit(limit), None if max_results is None else check_max_results(max_results),
            check_flag(thumbnails, "thumbnails"))


# --- query preparation (memoised) -----------------------------------------------------------------

class _PreparedMemo:
    """Content digest of a query input -> its PreparedImage (whose ``notes`` say what preparing changed).

    Re-running a search with the same image skips decoding and re-encoding it (a photo
    takes a few hundred ms), so a cached search is answered in milliseconds. Bounded
    by entries and bytes; least recently used first out.
    """

    def __init__(self, max_entries: int = 32, max_bytes: int = 64 * 2**20) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._items: OrderedDict[str, images.PreparedImage] = OrderedDict()
        self._bytes = 0  # total len(data) of the entries
        self._lock = threading.Lock()

    def get(self, key: str) -> images.PreparedImage | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key: str, prepared: images.PreparedImage) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old.data)
            self._items[key] = prepared
            self._bytes += len(prepared.data)
            while self._items and (len(self._items) > self.max_entries or self._bytes > self.max_bytes):
                self._bytes -= len(self._items.popitem(last=False)[1].data)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


_PREPARED = _PreparedMemo()
# Modes whose pixels (tobytes) plus size, orientation and transparency say everything.
_PLAIN_MODES = frozenset({"1", "L", "LA", "RGB", "RGBA", "I", "I;16", "F"})


def _content_key(image: Any) -> str | None:
    """A digest of what ``prepare_image`` would read, or None when it cannot be had cheaply."""
    try:
        return _digest(image)
    except Exception:  # noqa: BLE001 - e.g. a lazily opened, corrupt PIL image: prepare_image explains it
        return None


def _digest(image: Any) -> str | None:
    h = hashlib.sha256()
    if isinstance(image, (bytes, bytearray, memoryview)):
        h.update(b"bytes\0")
        h.update(image)
    elif isinstance(image, (str, os.PathLike)):
        try:
            path = os.path.expanduser(os.fspath(image))  # as prepare_image reads it
            if not os.path.isfile(path):
                return None  # prepare_image says what is wrong with it
            with open(path, "rb") as f:
                data = f.read()
        except (OSError, TypeError, ValueError):
            return None
        h.update(b"bytes\0")
        h.update(data)
    elif isinstance(image, np.ndarray):
        h.update(f"array\0{image.dtype.str}\0{image.shape}\0".encode())
        h.update(np.ascontiguousarray(image).tobytes())
    elif isinstance(image, Image.Image):
        if image.mode not in _PLAIN_MODES:
            return None
        try:
            orientation = image.getexif().get(0x0112)
        except Exception:  # noqa: BLE001 - unreadable EXIF: no memo, prepare_image decides
            return None
        h.update(f"pil\0{image.mode}\0{image.size}\0{orientation}\0{image.info.get('transparency')!r}\0".encode())
        h.update(image.tobytes())
    else:
        return None  # file objects are read once: nothing to key on without consuming them
    return h.hexdigest()


def _prepare(image: Any, label: str | None) -> str | images.PreparedImage:
    """``images.prepare_image`` with a memo keyed by content; its notes are warned on every call.

    The notes travel in ``PreparedImage.notes`` (no warning capture, which is not thread-safe)
    and are warned at the caller of ``search_designs``.
    """
    key = _content_key(image)  # None for URLs (not files): nothing to memoise
    memo = _PREPARED.get(key) if key is not None else None
    prepared: str | images.PreparedImage
    if memo is not None:
        prepared = dataclasses.replace(memo, label=images.query_label(image, label))
    else:
        prepared = images.prepare_image(image, label=label, warn=False)
        if key is not None and isinstance(prepared, images.PreparedImage):
            _PREPARED.put(key, prepared)
    images.warn_notes(prepared, stacklevel=3)
    return prepared


# --- paging ---------------------------------------------------------------------------------------

def _collect(client: PatsnapClient, search_id: str, filters: SearchFilters, start: int, end: int,
             first: SearchPage | None = None) -> tuple[list[Hit], list[SearchPage], str | None]:
    """Hits at offsets ``start`` .. ``end - 1`` of one search, each page fetched once.

    ``first`` is the page the search-id call returned (offsets ``0 .. first.limit - 1``).
    Further pages come from the results endpoint, at most ``PAGE_SIZE`` hits each,
    never past the API's offset cap or the search's total. Returns
    ``(hits, pages, reason)``; ``reason`` says why fewer hits than asked came back
    (None when the range was served in full).
    """
    hits: list[Hit] = []
    pages: list[SearchPage] = []
    offset = start
    total: int | None = None
    if first is not None:
        pages.append(first)
        hits.extend(first.hits[start:end])
        total = first.total
        if len(first.hits) < first.limit:
            return hits, pages, _shortfall(start, end, len(hits), total, short_at=0)
        offset = max(start, len(first.hits))
    while offset < end:
        if total is not None and offset >= total:
            break
        # Past OFFSET_MAX the only way in is the last page (offset 1000), skipping what we have.
        skip = max(0, offset - codes.OFFSET_MAX)
        page_offset = offset - skip
        limit = min(PAGE_SIZE, end - page_offset)
        page = client.search_results(search_id, offset=page_offset, limit=limit, filters=filters)
        pages.append(page)
        total = page.total
        got = page.hits[skip:]
        hits.extend(got)
        offset += len(got)
        if len(page.hits) < limit:
            if offset < min(end, total):
                return hits, pages, _shortfall(start, end, len(hits), total, short_at=page_offset)
            break
    return hits, pages, _shortfall(start, end, len(hits), total, short_at=None)


def _shortfall(start: int, end: int, got: int, total: int | None, short_at: int | None) -> str | None:
    if got >= end - start:
        return None
    if total is not None and start + got >= total:
        return f"only {total} designs match this query and filters (total_search_result_count)"
    if short_at is not None:
        return (f"PatSnap returned a short page at offset {short_at} (total_search_result_count "
                f"says {total})")
    return f"PatSnap serves at most {MAX_RESULTS_CAP} hits per search"


def _dedupe(hits: list[Hit], seen: set[str] | None = None) -> tuple[list[Hit], int]:
    seen = set() if seen is None else set(seen)
    kept = []
    for hit in hits:
        if hit.patent_id in seen:
            continue
        seen.add(hit.patent_id)
        kept.append(hit)
    return kept, len(hits) - len(kept)


# --- where the data came from -----------------------------------------------------------------------

_SOURCES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def data_source(client: PatsnapClient) -> str:
    """Where ``client``'s answers come from: ``"sandbox"`` or ``"patsnap"`` (``attrs["source"]``).

    ``"sandbox"`` for the embedded sandbox (:meth:`PatsnapClient.sandbox`) and for a
    server on this machine (loopback base URL) that identifies itself as a sandbox at
    ``/_sandbox/status``; any other server, a loopback one included, is ``"patsnap"``.
    Asked once per client (the status probe is not an API call and is never billed).

    Examples
    --------
    >>> with PatsnapClient.sandbox() as client:
    ...     data_source(client)
    'sandbox'
    """
    if getattr(client, "sandbox_server", None) is not None:
        return words.SANDBOX_SOURCE
    try:
        known = _SOURCES.get(client)
    except TypeError:
        known = None
    if known is not None:
        return known
    source = words.PATSNAP_SOURCE
    base = str(getattr(client, "base_url", "") or "")
    if (urlsplit(base).hostname or "").lower() in _LOOPBACK_HOSTS:
        try:
            import requests

            answer = requests.get(base.rstrip("/") + "/_sandbox/status", timeout=5, allow_redirects=False)
            body = answer.json() if answer.status_code == 200 else None
            if isinstance(body, dict) and body.get("sandbox") is True:
                source = words.SANDBOX_SOURCE
        except (OSError, ValueError):
            pass
    try:
        _SOURCES[client] = source
    except TypeError:
        pass
    return source


# --- thumbnails -----------------------------------------------------------------------------------

def thumbnail_dir(client: PatsnapClient) -> str:
    """Where ``client`` keeps thumbnails (``attrs["thumbnail_dir"]`` of its results): a folder or a Redis URL."""
    return client.thumbnail_location


def _thumbnail_store(client: PatsnapClient) -> ThumbnailStore:
    with _LOCK:
        store = _STORES.get(client)
        if store is None:
            store = open_thumbnail_store(thumbnail_dir(client), size=THUMBNAIL_SIZE, max_workers=THUMBNAIL_WORKERS)
            try:
                _STORES[client] = store
            except TypeError:
                pass
        return store


def _prefetch(store: ThumbnailStore, df: pd.DataFrame) -> None:
    """Download the hit images into the store; a failure warns and never costs the results."""
    if not len(df):
        return
    try:
        store.fetch(zip(df["patent_id"].tolist(), df["image_url"].tolist(), strict=True))
    except Exception as exc:  # noqa: BLE001 - disk full, a decoder bug...: the results matter more
        warnings.warn(ThumbnailWarning(
            f"thumbnails were not prefetched ({type(exc).__name__}: {exc}); the results are complete"),
            stacklevel=3)


def _store_query_image(store: ThumbnailStore, target: str | images.PreparedImage,
                       query_url: str, stacklevel: int) -> None:
    """Keep a thumbnail of the query under its URL: reports show it after the URL expired.

    A prepared local image is stored from its bytes (no download); a query URL is
    fetched like a hit image. A failure only warns: the results matter more.
    """
    try:
        if isinstance(target, images.PreparedImage):
            store.put(_QUERY_ID, query_url, target.data)
        else:
            store.fetch([(_QUERY_ID, query_url)])  # warns itself when the image cannot be loaded
    except Exception as exc:  # noqa: BLE001 - disk full, a decoder bug...
        warnings.warn(ThumbnailWarning(
            f"the query image was not stored ({type(exc).__name__}: {exc}); the results are complete"),
            stacklevel=stacklevel + 1)


def load_query_image(df: pd.DataFrame) -> bytes | None:
    """PNG thumbnail of the query image of a result frame, or None when it is gone.

    The search stored it in the thumbnail store (``df.attrs["thumbnail_dir"]``) under
    ``df.attrs["query_url"]`` (its upload URL, or ``sha256:...`` when the answer came from
    the cache without an upload), so it loads after that URL expired; a query not in the
    store is downloaded while its URL lives. Batch results (several queries) give None.

    Parameters
    ----------
    df : DataFrame
        A result frame of one search.

    Returns
    -------
    bytes or None
        PNG bytes (at most 256 px on the long side).

    Examples
    --------
    A sandbox whose image URLs (the uploaded query's too) expire after one second:

    >>> import time
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox(image_url_lifetime=1)
    >>> hits = search_designs(samples.image("armchair"), client=client, limit=5)
    >>> time.sleep(1.5)                           # the query's upload URL has expired...
    >>> load_query_image(hits).startswith(b"\\x89PNG")   # ...the search stored its thumbnail
    True
    >>> client.close()
    """
    url = df.attrs.get("query_url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://", "sha256:")):
        return None
    with open_thumbnail_store(df.attrs.get("thumbnail_dir"), size=THUMBNAIL_SIZE) as store, \
            warnings.catch_warnings():
        if url.startswith("sha256:"):  # searched from the cache, never uploaded: kept by its content
            return store.get(_QUERY_ID, url)
        warnings.simplefilter("ignore", ThumbnailWarning)  # an expired URL only costs the picture
        return store.fetch([(_QUERY_ID, url)])[0]


def load_thumbnails(df: pd.DataFrame, *, size: int | None = None) -> list[bytes]:
    """One PNG thumbnail per row of a result frame, a placeholder where an image is missing.

    Thumbnails come from the store the search prefetched into (``df.attrs["thumbnail_dir"]``),
    so they load after the image URLs expired; missing ones are downloaded concurrently.

    Parameters
    ----------
    df : DataFrame
        A result frame (``patent_id`` and ``image_url`` columns).
    size : int, optional
        Longest side in pixels (default 256, the size prefetched).

    Returns
    -------
    list of bytes
        PNG bytes, in row order.

    Examples
    --------
    A sandbox whose image URLs expire after one second (PatSnap's live 9 hours):

    >>> import time
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox(image_url_lifetime=1)
    >>> hits = search_designs(samples.image("armchair"), client=client, limit=5)
    >>> time.sleep(1.5)                      # the image URLs have expired...
    >>> thumbs = load_thumbnails(hits)       # ...but the search prefetched the thumbnails
    >>> from patsnap_pandas.store.thumbnails import ThumbnailStore
    >>> len(thumbs), ThumbnailStore(size=256).placeholder() in thumbs   # no "no image" placeholder
    (5, False)
    >>> client.close()
    """
    check_frame(df, _RESULT_COLUMNS)
    store = open_thumbnail_store(df.attrs.get("thumbnail_dir"),
                                  size=THUMBNAIL_SIZE if size is None else size)
    try:
        return store.load(zip(df["patent_id"].tolist(), df["image_url"].tolist(), strict=True))
    finally:
        store.close()


def load_row_thumbnails(df: pd.DataFrame) -> list[bytes | None]:
    """One thumbnail per row, None for rows that are not hits (a batch's error / no-hit rows).

    As :func:`load_thumbnails` (a placeholder where a hit's image failed), for frames
    that may hold rows without an image URL.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> with PatsnapClient.sandbox() as client:
    ...     hits = search_designs(samples.image("armchair"), client=client, limit=3)
    ...     thumbs = load_row_thumbnails(hits)
    >>> len(thumbs), all(t.startswith(b"\\x89PNG") for t in thumbs)
    (3, True)
    """
    has_image = df["image_url"].notna().to_numpy()
    out: list[bytes | None] = [None] * len(df)
    if has_image.any():
        loaded = iter(load_thumbnails(df[has_image]))
        for i in has_image.nonzero()[0]:
            out[i] = next(loaded)
    return out


def load_query_image_of(url: str | None, thumbnail_dir: str | None) -> bytes | None:
    """The stored thumbnail of a query image by its upload URL (see :func:`load_query_image`).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> with PatsnapClient.sandbox() as client:
    ...     hits = search_designs(samples.image("armchair"), client=client, limit=3)
    ...     image = load_query_image_of(hits.attrs["query_url"], hits.attrs["thumbnail_dir"])
    >>> image[:4] == b"\\x89PNG"
    True
    """
    probe = pd.DataFrame()
    probe.attrs = {"query_url": url, "thumbnail_dir": thumbnail_dir}
    return load_query_image(probe)


# --- the search -------------------------------------------------------------------------------------

def search_designs(image: Any, *, client: PatsnapClient | None = None, limit: int = codes.LIMIT_DEFAULT,
                   max_results: int | None = None, label: str | None = None, thumbnails: bool = True,
                   endpoint: str | None = None, model: int | None = None, patent_type: str | None = None,
                   lang: str | None = None, fusion: str = "best", refresh: bool = False,
                   **filters: Any) -> pd.DataFrame:
    """Search registered designs that look like ``image``; one row per hit, best first.

    Parameters
    ----------
    image : str, path, bytes, binary file object, PIL.Image.Image or numpy.ndarray
        An http(s) URL of a JPG/PNG (searched as is), or a local image in any format
        Pillow reads (converted to PNG/JPEG and shrunk under 4 MB, then uploaded).
        A list of them: several views of one product (1..4 in one P061 call, more
        searched one by one and fused; see ``endpoint`` and ``fusion``).
    client : PatsnapClient, optional
        Default: a client from the ``PATSNAP_*`` environment variables.
    limit : int, default 10
        Hits to return, 1..100 (one search-id call).
    max_results : int, optional
        Hits to return, 1..1100; above 100 the results are paged by 100 through the
        results endpoint. Overrides ``limit``.
    label : str, optional
        The query's name in the frame (default: file name, URL or a content digest).
    thumbnails : bool, default True
        Prefetch the hit images into the thumbnail store.
    endpoint : {"P009", "P060", "P061"}, optional
        Default: P009 for one image (P060 when ``model``, ``patent_type`` or ``lang``
        is given), P061 for a list of up to four, P060 per view and fusion for more.
        ``"P009"`` or ``"P060"`` with a list: each view searched, then fused.
    model : int, optional
        P060/P061: 1 smart recommendation, 2 plain (designs); 3 shape only, 4 shape and
        colour (utility models). Default: 1 for designs, 4 for utility models.
    patent_type : {"D", "U"}, optional
        P060/P061: designs (the default) or utility models.
    lang : {"original", "cn", "en"}, optional
        P060/P061: the language of the titles.
    fusion : {"best", "rrf"}, default "best"
        How views searched one by one are fused per patent (see :mod:`patsnap_pandas.frame.fusion`).
    refresh : bool, default False
        Search anew even if the cache holds an answer younger than the client's
        ``result_max_age`` (the cache knows a local image by its content, so the same
        image searched again, anywhere the cache is shared, is otherwise free).
    **filters
        Search filters, see :class:`SearchFilters`: ``loc``, ``assignees``,
        ``legal_status``, ``country``, ``simple_legal_status``, ``main_field``,
        ``apply_start_time``, ``apply_end_time``, ``public_start_time``,
        ``public_end_time``, ``field``, ``order``.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`frame.SCHEMA`, then any further hit fields. ``attrs``:
        ``query``, ``filters``, ``search_id``, ``total``, ``fetched_at``,
        ``from_cache`` (True only when every call, the upload included, came from the
        cache), ``endpoint_version``, ``thumbnail_dir``, ``query_url``, ``limit``,
        ``max_results``.

    Raises
    ------
    InvalidInputError
        (a ``ValueError``) for a bad filter, limit, max_results or image, before any call.
    MissingCredentialsError
        No client given and no credentials in the environment.
    PatsnapError
        The API refused or failed a call (see :mod:`patsnap_pandas.errors`).

    Warns
    -----
    SearchWarning
        Fewer hits than ``max_results`` exist (the total or the API's cap cut them).
    ImageSizeWarning
        The image was shrunk to fit the 4 MB upload limit.
    ThumbnailWarning
        Some hit images could not be fetched (the rows are kept).

    Examples
    --------
    >>> from patsnap_pandas import samples
    >>> with PatsnapClient.sandbox() as client:
    ...     df = search_designs(samples.image("desk-lamp"), client=client, max_results=250, country=["CN", "US"])
    ...     print(len(df), df.attrs["total"], client.usage.requests["results"])
    250 302 2
    >>> df.columns[:9].tolist()
    ['rank', 'score', 'patent_pn', 'title', 'patent_id', 'image_url', 'authority', 'search_id', 'query']
    >>> df.attrs["query"], df.attrs["filters"]
    ('desk-lamp.png', {'country': 'CN,US'})

    Several views of one product (P061), and a utility-model search (P060):

    >>> with PatsnapClient.sandbox() as client:
    ...     views = search_designs([samples.image("armchair"), samples.image("desk-lamp")], client=client, limit=5)
    ...     utility = search_designs(samples.image("armchair"), client=client, patent_type="U", limit=3)
    >>> views.attrs["endpoint_version"], views.attrs["views"], utility["patent_pn"].str[-1].tolist()
    ('P061', ['armchair.png', 'desk-lamp.png'], ['U', 'U', 'U'])

    Without ``client=``, the client comes from the ``PATSNAP_*`` environment variables.
    """
    refresh = check_flag(refresh, "refresh")
    views = _views_of(image)
    newer = any(v is not None for v in (model, patent_type, lang))
    chosen, fuse = choose_endpoint(None if views is None else len(views), endpoint, newer_options=newer)
    if views is not None or chosen != "P009":
        return _search_newer(views if views is not None else [image], chosen, fuse, client=client,
                             limit=limit, max_results=max_results, label=label, thumbnails=thumbnails,
                             model=model, patent_type=patent_type, lang=lang, fusion=fusion, filters=filters,
                             refresh=refresh)
    search_filters = SearchFilters.from_kwargs(**filters)
    limit, max_results, thumbnails = _check_amounts(limit, max_results, thumbnails)
    prepared = _prepare(image, label)
    client = client_for(None, client)
    query = images.query_label(prepared, label) if isinstance(prepared, str) else prepared.label
    return search_prepared(prepared, client=client, filters=search_filters, limit=limit,
                           max_results=max_results, label=query, thumbnails=thumbnails, refresh=refresh,
                           stacklevel=3)


def search_prepared(target: str | images.PreparedImage, *, client: PatsnapClient, filters: SearchFilters,
                    limit: int = codes.LIMIT_DEFAULT, max_results: int | None = None,
                    label: str | None = None, thumbnails: bool = True, refresh: bool = False,
                    stacklevel: int = 2) -> pd.DataFrame:
    """Search an already prepared query: upload, search, page, build the frame, remember the client.

    The one place of that flow, shared by :func:`search_designs` and
    :func:`patsnap_pandas.jobs.batch.search_each`. The arguments are not checked again:
    callers pass checked values.

    Parameters
    ----------
    target : str or images.PreparedImage
        An http(s) URL (searched as is) or the output of :func:`images.prepare_image`.
    client : PatsnapClient
    filters : SearchFilters
    limit : int, default 10
        Hits to return when ``max_results`` is None (one search-id call).
    max_results : int, optional
        Hits to return, paged by 100 (overrides ``limit``).
    label : str, optional
        The query's name in the frame (default: ``target.label``, or the URL).
    thumbnails : bool, default True
        Prefetch the hit images into the thumbnail store (synchronously), and store a
        thumbnail of the query image there (see :func:`load_query_image`).
    stacklevel : int, default 2
        Where warnings point, counted as in :func:`warnings.warn` from the caller.

    Returns
    -------
    pandas.DataFrame
        As :func:`search_designs`.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> from patsnap_pandas.api import images
    >>> with PatsnapClient.sandbox() as client:
    ...     df = search_prepared(images.prepare_image(samples.image("armchair")), client=client,
    ...                          filters=SearchFilters(), limit=3, thumbnails=False)
    >>> len(df), df.attrs["query"], client_for(df) is not None
    (3, 'armchair.png', True)
    """
    wanted = max_results if max_results is not None else limit
    # A local image is searched by its bytes: the cache knows it by content, so a cached answer
    # needs no upload at all (the client uploads only when it must search).
    searched: str | bytes = target if isinstance(target, str) else target.data
    if isinstance(target, str):
        query = label if label is not None else images.query_label(target)
    else:
        query = label if label is not None else target.label

    first_limit = min(wanted, PAGE_SIZE)
    first = client.create_search(searched, filters, limit=first_limit, refresh=refresh)
    try:
        hits, pages, shortfall = _collect(client, _search_id(first), filters, 0, wanted, first)
    except SearchExpiredError:
        if not first.from_cache or refresh:
            raise
        # The first page came from the cache but its search id has expired on the server:
        # this is a new search anyway, so run it again and page through the new id.
        first = client.create_search(searched, filters, limit=first_limit, refresh=True)
        hits, pages, shortfall = _collect(client, _search_id(first), filters, 0, wanted, first)
    query_url = _query_url(target, first)

    hits, dropped = _dedupe(hits)
    if dropped:
        warnings.warn(SearchWarning(f"{dropped} hits repeated a patent already on an earlier page and "
                                    "were dropped (the ranking changed while paging)"), stacklevel=stacklevel + 1)
    if shortfall and max_results is not None:
        warnings.warn(SearchWarning(f"max_results={max_results} but {len(hits)} hits were returned: "
                                    f"{shortfall}."), stacklevel=stacklevel + 1)

    store = _thumbnail_store(client) if thumbnails else None
    total = max(page.total for page in pages)
    digest = None if isinstance(target, str) else hashlib.sha256(target.data).hexdigest()
    attrs = {
        "query": query,
        "filters": filters.to_dict(),
        "search_id": first.search_id,
        "total": total,
        "from_cache": all(page.from_cache for page in pages),
        "thumbnail_dir": thumbnail_dir(client),
        "query_url": query_url,
        "limit": first_limit,
        "max_results": max_results,
        "source": data_source(client),
        "query_sha256": digest,
    }
    df = frame.hits_to_frame(hits, search_id=first.search_id, query=query, attrs=attrs)
    register_client(_search_id(first), client)
    if store is not None:
        _store_query_image(store, target, query_url, stacklevel=stacklevel + 1)
        _prefetch(store, df)
    return df


# --- more of the same search ------------------------------------------------------------------------

def _single(attrs: dict, key: str) -> Any:
    value = attrs.get(key)
    if isinstance(value, list):
        raise InvalidInputError(f"df holds the results of several searches (attrs[{key!r}] has "
                                f"{len(value)} values): continue one search at a time.")
    return value


def continue_search(df: pd.DataFrame, n: int = 100, *, client: PatsnapClient | None = None,  # noqa: C901  (checks of df's provenance before a billed call)
                    refresh: bool = False, thumbnails: bool = True) -> pd.DataFrame:
    """The next ``n`` hits of the search that made ``df``, ranks continued from ``df``'s last.

    Parameters
    ----------
    df : DataFrame
        A result frame of one search (``attrs["search_id"]``, ``attrs["filters"]``).
    n : int, default 100
        Hits to fetch, 1..1100 (paged by 100; never past the search's total or the
        API's cap of 1100 hits).
    client : PatsnapClient, optional
        Default: the client that made the search, else one from the environment.
    refresh : bool, default False
        When the search id has expired (20 minutes), run the search again from
        ``attrs["query_url"]`` with the same filters and return its hits after
        ``df``'s last rank (with a :class:`SearchWarning`: the ranking may have changed).
    thumbnails : bool, default True
        Prefetch the new hits' images into the thumbnail store.

    Returns
    -------
    pandas.DataFrame
        Only the new hits (concatenate with :func:`frame.concat_frames`); the same attrs
        keys as :func:`search_designs`.

    Raises
    ------
    SearchExpiredError
        The search id expired and ``refresh`` is False.

    Examples
    --------
    >>> import time, warnings
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox(search_id_lifetime=2)     # PatSnap: 20 minutes
    >>> first = search_designs(samples.image("armchair"), client=client, limit=10)
    >>> more = continue_search(first, 20)                          # same search id
    >>> more["rank"].tolist()[:3], len(more)
    ([11, 12, 13], 20)
    >>> time.sleep(2.5)
    >>> continue_search(first, 5)
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.SearchExpiredError: [error 68300007, on /image-search/results] ... pass refresh=True ...
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", SearchWarning)        # "the search was run again ..."
    ...     again = continue_search(first, 5, refresh=True)
    >>> again["rank"].tolist()
    [11, 12, 13, 14, 15]
    >>> client.close()
    """
    check_frame(df, _RESULT_COLUMNS)
    n = check_max_results(n, "n")
    refresh = check_flag(refresh, "refresh")
    thumbnails = check_flag(thumbnails, "thumbnails")
    attrs = dict(df.attrs)
    version = attrs.get("endpoint_version")
    if isinstance(version, str) and version.startswith(("P060", "P061", "P009+fusion")):
        raise InvalidInputError(f"df comes from {version}, which has no search id to continue: search "
                                "again with max_results= (up to 1100 hits).")
    query = _single(attrs, "query")
    if df["query"].nunique(dropna=True) > 1:
        raise InvalidInputError("df holds the results of several queries: continue one search at a time.")
    ranks = pd.to_numeric(df["rank"], errors="coerce")
    start = int(ranks.max()) if ranks.notna().any() else 0
    # The row with the highest rank names the search to continue: after more(refresh=True) a
    # frame holds two search ids, and only the newer one is alive.
    search_id = df["search_id"].loc[ranks.idxmax()] if ranks.notna().any() else attrs.get("search_id")
    if not isinstance(search_id, str) or not search_id:
        raise InvalidInputError("df has no search id (attrs['search_id'] is missing): expected a frame "
                                "made by search_designs().")
    filters = SearchFilters.coerce(_single(attrs, "filters") or {})
    total = attrs.get("total")
    if not isinstance(total, int) or isinstance(total, bool):
        total = None  # unknown (e.g. differing totals of a refreshed search): the pages will tell
    attrs["search_id"] = search_id
    client = client_for(search_id, client)
    end = min(start + n, MAX_RESULTS_CAP)
    if isinstance(total, int):
        end = min(end, total)

    def build(hits: list[Hit], sid: str, pages: list[SearchPage]) -> pd.DataFrame:
        store = _thumbnail_store(client) if thumbnails else None
        new_attrs = {**attrs, "search_id": sid, "from_cache": bool(pages) and all(p.from_cache for p in pages)}
        if pages:
            new_attrs["total"] = max(p.total for p in pages)
        new_attrs.pop("fetched_at", None)
        if store is not None:
            new_attrs["thumbnail_dir"] = thumbnail_dir(client)
        out = frame.hits_to_frame(hits, search_id=sid, query=query if isinstance(query, str) else "",
                                  start_rank=start + 1, attrs=new_attrs)
        register_client(sid, client)
        if store is not None:
            _prefetch(store, out)
        return out

    cap_reason = (f"PatSnap serves at most {MAX_RESULTS_CAP} hits per search (offset <= "
                  f"{codes.OFFSET_MAX}, {codes.LIMIT_MAX} per page)") if start + n > MAX_RESULTS_CAP else None
    total_reason = (f"only {total} designs match this query and filters"
                    if isinstance(total, int) and start + n > total else None)
    if end <= start:
        reason = "; ".join(r for r in (cap_reason, total_reason) if r)
        warnings.warn(SearchWarning(f"no more hits after rank {start}: {reason}."), stacklevel=2)
        return build([], search_id, [])

    in_df = set(df["patent_id"].dropna().tolist())
    try:
        hits, pages, shortfall = _collect(client, search_id, filters, start, end)
        hits, dropped = _dedupe(hits, in_df)
        sid = search_id
    except SearchExpiredError as err:
        if not refresh:
            err.hint = ("Search ids live 20 minutes: pass refresh=True (df.patsnap.more(refresh=True)) to "
                        "run the search again from attrs['query_url'] with the same filters.")
            raise
        query_url = _single(attrs, "query_url")
        if isinstance(query_url, str) and query_url.startswith("sha256:"):
            raise InvalidInputError("df's query came from the cache and has no live upload URL to search again "
                                    "from: run search_designs(image, refresh=True) with the query image.") from err
        if not isinstance(query_url, str) or not query_url:
            raise InvalidInputError("df has no attrs['query_url'] to run the search again from: search "
                                    "again with search_designs().") from err
        first = client.create_search(query_url, filters, limit=min(end, PAGE_SIZE), refresh=True)
        sid = _search_id(first)
        hits, pages, shortfall = _collect(client, sid, filters, start, end, first)
        hits, dropped = _dedupe(hits, in_df)
        warnings.warn(SearchWarning(
            f"search id {search_id} had expired: the search was run again (new search id {sid}) and "
            f"its hits after rank {start} returned; the ranking may differ from df's"
            + (f" ({dropped} hits already in df were left out)" if dropped else "") + "."), stacklevel=2)
        dropped = 0
    if dropped:
        warnings.warn(SearchWarning(f"{dropped} hits already in df were left out (the ranking changed "
                                    "while paging)."), stacklevel=2)
    if len(hits) < n:
        reasons = [r for r in (cap_reason, shortfall or total_reason) if r]
        if reasons:
            warnings.warn(SearchWarning(f"n={n} but {len(hits)} more hits were returned: "
                                        f"{'; '.join(reasons)}."), stacklevel=2)
    return build(hits, sid, pages)


# --- several views of one product; the newer endpoints (P060, P061) -----------------------------------

#: The endpoints ``search_designs(endpoint=...)`` takes.
ENDPOINTS: tuple[str, ...] = ("P009", "P060", "P061")
#: At most this many views in one multi-view search (each view beyond P061's four is a billed search).
MAX_VIEWS = 20
#: Columns a multi-view frame adds after the schema: which view matched, and each view's score.
VIEW_COLUMNS: tuple[str, ...] = ("matched_view", "fused_score")


def _views_of(image: Any) -> list | None:
    """The views of a multi-view query (a list or tuple of images), else None."""
    if isinstance(image, (list, tuple)):
        if not 1 <= len(image) <= MAX_VIEWS:
            raise InvalidInputError(f"image is a list of {len(image)} images: not valid. Allowed: 1 to "
                                    f"{MAX_VIEWS} views of one product (one image: pass it alone).")
        return list(image)
    return None


def choose_endpoint(n_views: int | None, endpoint: str | None, *, newer_options: bool) -> tuple[str, bool]:
    """(endpoint searched, fused on the client) for a query of ``n_views`` images (None: one image, not a list).

    The rule: one image goes to P009 unless ``endpoint`` or a P060 option
    (``model``, ``patent_type``, ``lang``) says otherwise; a list of up to four
    goes to P061 in one call; more views, or an endpoint taking one image
    (P009, P060) with a list, search each view and fuse on the client.

    Examples
    --------
    >>> choose_endpoint(None, None, newer_options=False), choose_endpoint(None, None, newer_options=True)
    (('P009', False), ('P060', False))
    >>> choose_endpoint(3, None, newer_options=False), choose_endpoint(6, None, newer_options=False)
    (('P061', False), ('P060', True))
    >>> choose_endpoint(2, "P009", newer_options=False)
    ('P009', True)
    """
    check_choice(endpoint, "endpoint", ENDPOINTS, allow_none=True,
                 shown=", ".join(map(repr, ENDPOINTS)) + ", or None to choose by the number of images")
    if endpoint == "P009" and newer_options:
        raise InvalidInputError("endpoint='P009' takes no model, patent_type or lang: those are options of "
                                "P060/P061 (endpoint='P060', 'P061' or None).")
    if n_views is None:
        if endpoint is not None:
            return endpoint, False
        return ("P060" if newer_options else "P009"), False
    if endpoint in ("P009", "P060"):
        return endpoint, True
    if n_views <= codes.MULTI_IMAGE_MAX:
        return "P061", False
    if endpoint == "P061":
        raise InvalidInputError(f"image has {n_views} views: P061 takes 1 to {codes.MULTI_IMAGE_MAX}. "
                                "Pass endpoint=None or 'P060' to search each view and fuse the results.")
    return "P060", True


def _page_newer(client: PatsnapClient, name: str, target: Any, options: ImageSearchOptions,
                wanted: int, refresh: bool = False) -> tuple[list[Hit], list[SearchPage], str | None]:
    """``wanted`` hits of a P060/P061 search, paged by offset (these endpoints have no search id)."""
    call = client.image_single if name == "P060" else client.image_multiple
    hits: list[Hit] = []
    pages: list[SearchPage] = []
    while len(hits) < wanted:
        offset = min(len(hits), codes.OFFSET_MAX)
        skip = len(hits) - offset
        limit = min(PAGE_SIZE, wanted - offset)
        page = call(target, options, limit=limit, offset=offset, refresh=refresh)
        pages.append(page)
        got = page.hits[skip:]
        hits.extend(got)
        if len(page.hits) < limit or offset + len(page.hits) >= page.total:
            break
    total = pages[-1].total
    return hits, pages, _shortfall(0, wanted, len(hits), total, short_at=None)


def _search_id(page: SearchPage) -> str:
    """The search id of a P009 page (parse_page refuses a P009 answer without one)."""
    if page.search_id is None:
        raise ResponseFormatError("The search answer has no search_id.", endpoint="/image-search/search-id")
    return page.search_id


def _query_url(target: str | images.PreparedImage, page: SearchPage, view: int = 0) -> str:
    """The query's URL for the frame: the URL given, the upload URL, or the image's content name.

    A search whose answer came from the cache made no upload, and an earlier upload's URL may
    have expired: the query is then named by its content (``sha256:...``), under which its
    thumbnail is kept (see :func:`load_query_image`).
    """
    if isinstance(target, str):
        return target
    url = page.urls[view] if len(page.urls) > view else None
    return url or content_ref(target.data)


def _search_newer(views: list, endpoint: str, fuse: bool, *, client: PatsnapClient | None, limit: int,
                  max_results: int | None, label: str | None, thumbnails: bool, model: int | None,
                  patent_type: str | None, lang: str | None, fusion: str, filters: dict,
                  refresh: bool = False) -> pd.DataFrame:
    """search_designs for a list of views or a P060/P061 search: check everything, prepare, search."""
    from ..frame.fusion import check_rule

    if endpoint == "P009":
        search_filters, options = SearchFilters.from_kwargs(**filters), None
    else:
        search_filters = SearchFilters()
        options = ImageSearchOptions(patent_type=patent_type or "D", model=model, lang=lang or "original",
                                     **filters)
    limit, max_results, thumbnails = _check_amounts(limit, max_results, thumbnails)
    fusion = check_rule(fusion)
    if label is not None and not isinstance(label, str):
        raise InvalidInputError(f"label={label!r} is not valid: expected a string.")
    targets = [_prepare(view, None) for view in views]
    labels = [images.query_label(t) if isinstance(t, str) else t.label for t in targets]
    client = client_for(None, client)
    return search_views(targets, client=client, endpoint=endpoint, fuse=fuse, options=options,
                        filters=search_filters, limit=limit, max_results=max_results, labels=labels,
                        label=label, fusion=fusion, thumbnails=thumbnails, refresh=refresh, stacklevel=4)


def search_views(targets: list[str | images.PreparedImage], *, client: PatsnapClient, endpoint: str,
                 fuse: bool, options: ImageSearchOptions | None, filters: SearchFilters,
                 limit: int = codes.LIMIT_DEFAULT, max_results: int | None = None,
                 labels: list[str] | None = None, label: str | None = None, fusion: str = "best",
                 thumbnails: bool = True, refresh: bool = False, stacklevel: int = 2) -> pd.DataFrame:
    """Search prepared views of one product (P061 in one call, or each view and fuse); the frame.

    The one place of the multi-view flow, shared by :func:`search_designs` and
    :func:`patsnap_pandas.jobs.batch.search_each`. Arguments are checked by the callers.

    Parameters
    ----------
    targets : list of str or images.PreparedImage
        The views (URLs or prepared images), in order: with model 1 the first view's
        Locarno class is predicted, so the order matters.
    endpoint : {"P009", "P060", "P061"}
        What is called (P061 with ``fuse=False``; P009/P060 per view with ``fuse=True``).
    options : ImageSearchOptions or None
        P060/P061 options and filters (None for P009).
    filters : SearchFilters
        P009 filters (used when ``endpoint="P009"``).
    fusion : {"best", "rrf"}
        The rule of :func:`patsnap_pandas.frame.fusion.fuse_views`.

    Returns
    -------
    pandas.DataFrame
        The schema columns and the fuller hit fields, then ``matched_view`` (1-based,
        NA when P061 does not say which view matched); fused frames also have
        ``fused_score`` and ``score_view1`` .. ``score_viewN``. ``attrs``: the
        provenance keys plus ``views`` (the view labels), ``query_urls``, ``options``,
        ``fusion``, ``limit``, ``max_results``; ``endpoint_version`` is ``"P060"``,
        ``"P061"`` or ``"P009+fusion"``/``"P060+fusion"``.

    Examples
    --------
    >>> from patsnap_pandas.api import images
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> from patsnap_pandas.api.image_params import ImageSearchOptions
    >>> views = [images.prepare_image(samples.image(name)) for name in ("sneaker", "sneaker-drawing")]
    >>> with PatsnapClient.sandbox() as client:
    ...     df = search_views(views, client=client, endpoint="P060", fuse=True,
    ...                       options=ImageSearchOptions(), filters=SearchFilters(), limit=10, thumbnails=False)
    >>> df.attrs["endpoint_version"], df.attrs["views"], sorted(set(df["matched_view"].tolist()))
    ('P060+fusion', ['sneaker.png', 'sneaker-drawing.tiff'], [1, 2])
    """
    from ..frame import fusion as _fusion

    if labels is not None and len(labels) != len(targets):  # a short list would drop views from the fusion
        raise InvalidInputError(f"labels={labels!r} is not valid: {len(labels)} labels for {len(targets)} views. "
                                "Allowed: one label per view, in the views' order.")
    wanted = max_results if max_results is not None else limit
    view_labels = labels or [t if isinstance(t, str) else t.label for t in targets]
    query = label if label is not None else " + ".join(view_labels)
    # Local views are searched by their bytes (cached by content: no upload for a cached answer).
    searched = [t if isinstance(t, str) else t.data for t in targets]
    urls: list[str] = []
    shortfall = None
    if not fuse:
        assert options is not None  # P060/P061: search_designs made them
        hits, pages, shortfall = _page_newer(client, endpoint, searched[0] if endpoint == "P060" else searched,
                                             options, wanted, refresh)
        urls = [_query_url(t, pages[0], i) for i, t in enumerate(targets)]
        hits, _ = _dedupe(hits)
        df = frame.hits_to_frame(hits, search_id=None, query=query)
        if endpoint == "P061" and "matched_view" not in df.columns:
            df.insert(len(frame.SCHEMA), "matched_view", pd.array([pd.NA] * len(df), dtype="Int64"))
        totals = [p.total for p in pages]
        from_cache = all(p.from_cache for p in pages)
    else:
        frames, totals, caches = [], [], []
        for view_target, view_label in zip(targets, view_labels, strict=False):
            if endpoint == "P009":
                view = search_prepared(view_target, client=client, filters=filters, max_results=wanted,
                                       label=view_label, thumbnails=False, refresh=refresh,
                                       stacklevel=stacklevel + 1)
                totals.append(view.attrs["total"])
                caches.append(view.attrs["from_cache"])
                urls.append(view.attrs["query_url"])
            else:
                assert options is not None  # P060: search_designs made them
                hits, pages, _ = _page_newer(client, "P060", view_target if isinstance(view_target, str)
                                             else view_target.data, options, wanted, refresh)
                urls.append(_query_url(view_target, pages[0]))
                hits, _ = _dedupe(hits)
                view = frame.hits_to_frame(hits, search_id=None, query=view_label)
                totals.append(max(p.total for p in pages))
                caches.append(all(p.from_cache for p in pages))
            frames.append(view)
        fused = _fusion.fuse_views(frames, rule=fusion, limit=wanted)
        fused["query"] = pd.array([query] * len(fused), dtype="string")
        fused["search_id"] = pd.array([None] * len(fused), dtype="string")
        front = [c for c in fused.columns if c in frame.SCHEMA]
        views = ["matched_view", "fused_score", *_fusion.view_score_columns(len(frames))]
        rest = [c for c in fused.columns if c not in front and c not in views]
        df = fused[front + views + rest]
        from_cache = all(caches)
        if max_results is not None and len(df) < wanted:
            shortfall = "the views together found fewer distinct patents"
    if shortfall and max_results is not None:
        warnings.warn(SearchWarning(f"max_results={max_results} but {len(df)} hits were returned: "
                                    f"{shortfall}."), stacklevel=stacklevel + 1)
    attrs = {
        "query": query,
        "filters": options.filter_dict() if options is not None else filters.to_dict(),
        "search_id": None,
        "total": max(totals) if totals else None,
        "from_cache": from_cache,
        "endpoint_version": endpoint + ("+fusion" if fuse else ""),
        "thumbnail_dir": thumbnail_dir(client),
        "source": data_source(client),  # the sandbox banner of reports and charts depends on it
        "query_url": urls[0],
        "query_urls": urls,
        "views": view_labels,
        "options": options.to_dict() if options is not None else {},
        "fusion": fusion if fuse else None,
        "limit": min(wanted, PAGE_SIZE),
        "max_results": max_results,
    }
    df.attrs = frame.empty_frame(attrs).attrs  # the provenance keys, checked JSON-safe
    if thumbnails:
        store = _thumbnail_store(client)
        for view_target, url in zip(targets, urls, strict=True):
            _store_query_image(store, view_target, url, stacklevel=stacklevel + 1)
        _prefetch(store, df)
    return df


def load_query_images(df: pd.DataFrame) -> list[bytes | None]:
    """PNG thumbnails of every query view of a result frame, in view order (None where gone).

    One search of one image gives a list of one; a multi-view search one per view
    (``df.attrs["query_urls"]``). Like :func:`load_query_image`, the views come from
    the thumbnail store, so they load after their URLs expired.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> with PatsnapClient.sandbox() as client:
    ...     hits = search_designs([samples.image("armchair"), samples.image("desk-lamp")], client=client, limit=3)
    ...     strip = load_query_images(hits)
    >>> len(strip), all(png.startswith(b"\\x89PNG") for png in strip)
    (2, True)
    """
    urls = df.attrs.get("query_urls") or [df.attrs.get("query_url")]
    out: list[bytes | None] = []
    with open_thumbnail_store(df.attrs.get("thumbnail_dir"), size=THUMBNAIL_SIZE) as store, \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", ThumbnailWarning)
        for url in urls:
            ok = isinstance(url, str) and url.startswith(("http://", "https://"))
            out.append(store.fetch([(_QUERY_ID, url)])[0] if ok else None)
    return out

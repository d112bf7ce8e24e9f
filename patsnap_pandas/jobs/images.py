"""The images of a result frame, loaded through the thumbnail store: hit thumbnails and query images.

A search prefetches its hits' images (and a thumbnail of its query) into the client's
thumbnail store (:func:`patsnap_pandas.store.cache.open_thumbnail_store`: the cache folder or
the shared Redis), kept by patent, not by signed URL; the functions here load them back for a
frame, so tables, grids and reports still show them after the image URLs expired (9 hours).
"""

from __future__ import annotations

import threading
import warnings
import weakref

import pandas as pd

from .._validate import check_frame
from ..api.client import PatsnapClient
from ..api.images import PreparedImage
from ..frame import schema as frame
from ..store.cache import open_thumbnail_store
from ..store.thumbnails import ThumbnailStore, ThumbnailWarning

__all__ = ["load_query_image", "load_query_image_of", "load_query_images", "load_row_thumbnails", "load_thumbnails"]

#: The columns a result frame must have (the triage columns may be missing from an older frame).
_RESULT_COLUMNS = tuple(c for c in frame.SCHEMA if c not in frame.TRIAGE_COLUMNS)
THUMBNAIL_SIZE = 256
#: A query image given as bytes or a file is kept this large too (never enlarged), for where a report
#: shows it large: sharp on a high-density screen and at 200 dpi in print.
QUERY_LARGE_SIZE = 1024
# Concurrent hit-image downloads per search: a page of 100 in ~7 round trips.
THUMBNAIL_WORKERS = 16
#: The "patent id" of the query image's thumbnail in the store (hits have UUIDs).
_QUERY_ID = "query"

# client -> its thumbnail store (keeps the download connections alive between searches).
_STORES: weakref.WeakKeyDictionary[PatsnapClient, ThumbnailStore] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


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


def _store_query_image(store: ThumbnailStore, target: str | PreparedImage,
                       query_url: str, stacklevel: int) -> None:
    """Keep a thumbnail of the query under its URL: reports show it after the URL expired.

    A prepared local image is stored from its bytes (no download), as a thumbnail and at
    :data:`QUERY_LARGE_SIZE`; a query URL is fetched like a hit image (a thumbnail only).
    A failure only warns: the results matter more.
    """
    try:
        if isinstance(target, PreparedImage):
            store.put(_QUERY_ID, query_url, target.data)
            store.put(_QUERY_ID, query_url, target.data, size=QUERY_LARGE_SIZE)
        else:
            store.fetch([(_QUERY_ID, query_url)])  # warns itself when the image cannot be loaded
    except Exception as exc:  # noqa: BLE001 - disk full, a decoder bug...
        warnings.warn(ThumbnailWarning(
            f"the query image was not stored ({type(exc).__name__}: {exc}); the results are complete"),
            stacklevel=stacklevel + 1)


def load_query_image(df: pd.DataFrame, *, large: bool = False) -> bytes | None:
    """PNG thumbnail of the query image of a result frame, or None when it is gone.

    The search stored it in the thumbnail store (``df.attrs["thumbnail_dir"]``) under
    ``df.attrs["query_url"]`` (its upload URL, or ``sha256:...`` when the answer came from
    the cache without an upload), so it loads after that URL expired; a query not in the
    store is downloaded while its URL lives. Batch results (several queries) give None.

    Parameters
    ----------
    df : DataFrame
        A result frame of one search.
    large : bool
        The picture kept at up to :data:`QUERY_LARGE_SIZE` px (a query given as bytes or a
        file; never enlarged), falling back to the thumbnail when there is none.

    Returns
    -------
    bytes or None
        PNG bytes (at most 256 px on the long side; 1024 px with ``large``).

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
        picture = store.get(_QUERY_ID, url, size=QUERY_LARGE_SIZE) if large else None
        if picture is not None:
            return picture
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


def load_query_image_of(url: str | None, thumbnail_dir: str | None, *, large: bool = False) -> bytes | None:
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
    return load_query_image(probe, large=large)


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

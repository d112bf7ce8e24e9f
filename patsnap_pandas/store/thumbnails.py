"""The hit-image store (:class:`ThumbnailStore`): thumbnails fetched concurrently, kept by patent, size-capped.

:class:`ThumbnailStore` downloads hit images concurrently (through the safe fetcher of
:mod:`patsnap_pandas.store.safe_fetch`: public addresses only, connections pinned to the
checked address, failed images not fetched again for a while), shrinks them to PNG thumbnails
(with :func:`patsnap_pandas.imaging.thumbnail_png`) and keeps them on disk keyed by patent id
and the image URL without its query string, so results served from the cache still show
their thumbnails after the signed image URLs expired. The folder's byte total and eviction
are :class:`~patsnap_pandas.store.disk_index.DiskIndex`'s.
"""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
import threading
import warnings
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests
import requests.utils
from urllib3.util.retry import Retry

from .. import config, imaging
from .._validate import check_int, check_number, megabytes, shorten
from .._version import __version__
from ..errors import ImageInputError, InvalidInputError
from .disk_index import DiskIndex, _unlink
from .files import THUMBNAILS_DIR
from .safe_fetch import (
    _FAILED,
    _MAX_DOWNLOAD_BYTES,
    MAX_REDIRECTS,
    _CheckedAdapter,
    _Failure,
    _identity,
    _ImageSession,
    _is_http_url,
    _StripAuthorization,
    check_image_url,
    origin_of,
)

__all__ = ["ThumbnailStore", "ThumbnailWarning"]


class ThumbnailWarning(UserWarning):
    """Some hit images could not be loaded (a summary: one warning per fetch).

    Examples
    --------
    >>> import warnings
    >>> store = ThumbnailStore("thumbnails")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     store.fetch([("p1", "http://127.0.0.1:9/gone.png")])   # a local address: never fetched
    [None]
    >>> caught[0].category.__name__, str(caught[0].message)
    ('ThumbnailWarning', '1 of 1 thumbnails could not be loaded: p1 http://127.0.0.1:9/gone.png: points to a local or private address (127.0.0.1)')
    """


_TMP_PREFIX = ".tmp-"


class ThumbnailStore:
    """Hit-image thumbnails: fetched concurrently, kept on disk, size-capped (LRU).

    Thumbnails are keyed by patent id plus the image URL without its query string
    (signed URLs change only their query), plus the thumbnail size. A cached result
    keeps its thumbnails after the image URLs expired.

    Parameters
    ----------
    directory : str or path, optional
        Where thumbnails live; default ``config.cache_dir() / "thumbnails"``.
        Created on the first write.
    size : int, default 256
        Longest side of a thumbnail in pixels (smaller images are not enlarged).
    max_bytes : int, default 256 MiB
        Size cap of the directory; the least recently used files are evicted.
    max_workers : int, default 8
        Concurrent downloads (and connections in the pool).
    timeout : float, default 20
        Seconds per download (connect and read).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> from patsnap_pandas.jobs.images import load_thumbnails
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, limit=10)
    >>> thumbs = load_thumbnails(df)            # one PNG per row, from the thumbnail store
    >>> store = ThumbnailStore("thumbnails", size=128)     # default folder: <cache dir>/thumbnails
    >>> pngs = store.load(zip(df["patent_id"], df["image_url"]))
    >>> len(pngs), all(png.startswith(b"\\x89PNG") for png in pngs)
    (10, True)
    >>> store.info()["files"]
    10
    >>> store.close(); client.close()
    """

    def __init__(self, directory: str | os.PathLike[str] | None = None, *, size: int = 256,
                 max_bytes: int = 256 * 2**20, max_workers: int = 8, timeout: float = 20) -> None:
        self.size = check_int(size, "size", 8)
        self.max_bytes = check_int(max_bytes, "max_bytes", 1)
        self.max_workers = check_int(max_workers, "max_workers", 1)
        self.timeout = check_number(timeout, "timeout", minimum=0, inclusive="neither", what="a number of seconds")
        self.directory = (config.cache_dir() / THUMBNAILS_DIR if directory is None
                          else Path(directory).expanduser())
        self._session: requests.Session | None = None
        self._lock = threading.Lock()
        self._placeholder: bytes | None = None
        self._index = DiskIndex(self.directory, self.max_bytes, suffix=".png", skip_prefix=_TMP_PREFIX)

    def __repr__(self) -> str:
        return (f"ThumbnailStore(directory={str(self.directory)!r}, size={self.size}, "
                f"max_bytes={self.max_bytes}, max_workers={self.max_workers})")

    # -- public -------------------------------------------------------------------

    def fetch(self, items: Iterable[tuple[str, str]]) -> list[bytes | None]:
        """PNG thumbnails for ``(patent_id, image_url)`` pairs (or a result frame's rows), in order.

        Cached thumbnails come from disk; the rest are downloaded concurrently.
        Where an image is missing or fails, the entry is None, and one
        :class:`ThumbnailWarning` summarises all failures of the call.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient, samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> df = search_designs(samples.image("armchair"), client=client, limit=10)
        >>> store = ThumbnailStore("thumbnails")
        >>> [len(png) > 0 for png in store.fetch(df.head(3))]   # a result frame's rows work too
        [True, True, True]
        >>> client.close()
        """
        return self._fetch(items, stacklevel=3)

    def load(self, items: Iterable[tuple[str, str]]) -> list[bytes]:
        """Like :meth:`fetch`, with :meth:`placeholder` where an image is missing or failed.

        Examples
        --------
        >>> import warnings
        >>> store = ThumbnailStore("thumbnails", size=64)
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     pngs = store.load([("p1", None)])      # no image URL: the placeholder, and a warning
        >>> pngs == [store.placeholder()], str(caught[0].message)
        (True, '1 of 1 thumbnails could not be loaded: p1 (no URL): no image URL')
        """
        return [data if data is not None else self.placeholder()
                for data in self._fetch(items, stacklevel=3)]

    def _fetch(self, items: Iterable[tuple[str, str]], stacklevel: int) -> list[bytes | None]:  # noqa: C901  (concurrent fetch and its failure bookkeeping)
        pairs = self._pairs(items)
        results: list[bytes | None] = [None] * len(pairs)
        failures: list[tuple[int, str, str, str]] = []  # (first index, patent id, image, why)
        pending: dict[str, tuple[str, str, list[int]]] = {}
        for i, (pid, url) in enumerate(pairs):
            if not _is_http_url(url):
                failures.append((i, pid, _identity(url) if isinstance(url, str) else "",
                                 "no image URL" if not url else "not an http(s) URL"))
                continue
            key = self.key(pid, url)
            if key in pending:
                pending[key][2].append(i)
                continue
            data = self._read(key)
            if data is not None:
                results[i] = data
            else:
                pending[key] = (pid, url, [i])
        for key in list(pending):
            pid, url, indices = pending[key]
            why = _FAILED.get(_identity(url)) or self._why_not(url)
            if why is not None:
                failures.append((indices[0], pid, _identity(url), why))
                del pending[key]
        if pending:
            session = self._get_session()
            workers = min(self.max_workers, len(pending))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="thumbnails") as pool:
                futures = {key: pool.submit(self._fetch_one, session, key, url)
                           for key, (pid, url, _) in pending.items()}
            write_errors = set()
            for key, future in futures.items():
                pid, url, indices = pending[key]
                try:
                    data, write_error = future.result()
                except _Failure as exc:
                    failures.append((indices[0], pid, _identity(url), str(exc)))
                    _FAILED.add(_identity(url), str(exc))  # not fetched again on every render
                    continue
                if write_error:
                    write_errors.add(write_error)
                for i in indices:
                    results[i] = data
            if write_errors:
                # A read-only or full disk costs the cache, not the thumbnails.
                warnings.warn(ThumbnailWarning(f"thumbnails not cached in {self._location()}: "
                                               + "; ".join(sorted(write_errors))), stacklevel=stacklevel)
        if failures:
            in_order = [failure[1:] for failure in sorted(failures, key=lambda failure: failure[0])]
            warnings.warn(ThumbnailWarning(_failure_summary(in_order, len(pairs))), stacklevel=stacklevel)
        return results

    def get(self, patent_id: str | None, image_url: str, *, size: int | None = None) -> bytes | None:
        """The stored thumbnail of ``(patent_id, image_url)``, or None; never downloads.

        ``image_url`` may be any name an image was :meth:`put` under, such as the content
        name (``sha256:...``) of a query image that was never uploaded; ``size`` a size it was
        put at other than the store's own (a query image kept large too).

        Examples
        --------
        >>> store = ThumbnailStore("thumbnails", size=64)
        >>> store.get("query", "sha256:ab") is None
        True
        >>> from patsnap_pandas import samples
        >>> _ = store.put("query", "sha256:ab", samples.image("armchair").read_bytes())
        >>> store.get("query", "sha256:ab")[:4]
        b'\x89PNG'
        """
        return self._read(self.key(patent_id, image_url, size=size))

    def put(self, patent_id: str | None, image_url: str, data: bytes, *, size: int | None = None) -> bytes:
        """Store a thumbnail of image bytes already at hand under ``(patent_id, image_url)``.

        No download: :meth:`fetch` of the same pair (any query string) then reads it
        from disk, also after the URL expired. A disk that cannot be written to costs
        only the cache (the thumbnail is still returned). ``size`` keeps it at another size
        than the store's own (read back with :meth:`get` and the same ``size``).

        Parameters
        ----------
        patent_id : str or None
        image_url : str
            The URL the image is known by (its query string is not part of the key).
        data : bytes
            The image (any format Pillow reads).

        Returns
        -------
        bytes
            The PNG thumbnail.

        Examples
        --------
        >>> from patsnap_pandas import samples
        >>> store = ThumbnailStore("thumbnails", size=64)
        >>> png = store.put("", "https://img.example/query.png?Expires=1", open(samples.image("armchair"), "rb").read())
        >>> store.fetch([("", "https://img.example/query.png?Expires=2")]) == [png]   # no download
        True
        """
        if not isinstance(data, (bytes, bytearray)):
            raise InvalidInputError(f"data={shorten(data)}: expected the image's bytes")
        wanted = self.size if size is None else check_int(size, "size", 8)
        thumbnail = imaging.thumbnail_png(bytes(data), wanted)
        self._write(self.key(patent_id, image_url, size=wanted), thumbnail)
        return thumbnail

    def placeholder(self) -> bytes:
        """A light-grey square PNG with a cross, ``size`` pixels wide: "no image".

        Examples
        --------
        >>> import io
        >>> from PIL import Image
        >>> Image.open(io.BytesIO(ThumbnailStore("thumbnails", size=64).placeholder())).size
        (64, 64)
        """
        if self._placeholder is None:
            self._placeholder = imaging.placeholder_png(self.size)
        return self._placeholder

    def key(self, patent_id: str | None, image_url: str, *, size: int | None = None) -> str:
        """The cache key of a thumbnail: patent id + URL without query + size (the store's, unless given).

        Examples
        --------
        A signed URL that changed only its query string keeps its thumbnail:

        >>> store = ThumbnailStore("thumbnails")
        >>> store.key("p1", "https://img.example/p1/0.png?Expires=1&Signature=a") == \\
        ...     store.key("p1", "https://img.example/p1/0.png?Expires=2&Signature=b")
        True
        """
        pid = patent_id if isinstance(patent_id, str) else ""
        text = f"{pid}\n{_identity(image_url)}\n{self.size if size is None else size}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def path(self, patent_id: str | None, image_url: str) -> Path:
        """Where the thumbnail of ``(patent_id, image_url)`` is (or would be) stored.

        Examples
        --------
        >>> ThumbnailStore("thumbnails").path("p1", "https://img.example/p1/0.png").suffix
        '.png'
        """
        return self._file(self.key(patent_id, image_url))

    def _file(self, key: str) -> Path:
        return self.directory / f"{key}.png"

    def info(self) -> dict[str, Any]:
        """``{"directory", "files", "bytes", "max_bytes"}`` of the store.

        Examples
        --------
        >>> ThumbnailStore("thumbnails", max_bytes=2**20).info()
        {'directory': 'thumbnails', 'files': 0, 'bytes': 0, 'max_bytes': 1048576}
        """
        files = self._files()
        return {"directory": str(self.directory), "files": len(files),
                "bytes": sum(f[2] for f in files), "max_bytes": self.max_bytes}

    def clear(self) -> None:
        """Delete every stored thumbnail.

        Examples
        --------
        >>> store = ThumbnailStore("thumbnails")
        >>> store.clear()
        >>> store.info()["files"]
        0
        """
        for path, _, _ in self._files():
            _unlink(path)
        self._index.forget()

    def close(self) -> None:
        """Close the download session (its pooled connections); the store stays usable.

        Examples
        --------
        >>> with ThumbnailStore("thumbnails") as store:    # closed at the end of the block
        ...     store.size
        256
        """
        with self._lock:
            if self._session is not None:
                self._session.close()
                self._session = None

    def __enter__(self) -> ThumbnailStore:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------

    @staticmethod
    def _pairs(items: Any) -> list[tuple[Any, Any]]:
        columns = getattr(items, "columns", None)
        if columns is not None and "patent_id" in columns and "image_url" in columns:
            items = zip(items["patent_id"], items["image_url"], strict=True)  # a result frame
        if isinstance(items, (str, bytes)):
            raise InvalidInputError(f"items={shorten(items)}: expected (patent_id, image_url) pairs")
        pairs = []
        for i, item in enumerate(items):
            try:
                pid, url = item
            except (TypeError, ValueError):
                raise InvalidInputError(
                    f"items[{i}]={shorten(item)}: expected a (patent_id, image_url) pair") from None
            pairs.append((pid if isinstance(pid, str) else "", url if isinstance(url, str) else None))
        return pairs

    def _get_session(self) -> requests.Session:
        with self._lock:
            if self._session is None:
                s = _ImageSession()
                s.auth = _StripAuthorization()
                s.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
                s.headers.update({"User-Agent": f"patsnap-pandas/{__version__} (thumbnails)",
                                  "Accept": "image/png,image/jpeg,image/*;q=0.8"})
                retry = Retry(total=2, connect=2, read=1, status=2, backoff_factor=0.2,
                              status_forcelist=(500, 502, 503, 504), allowed_methods={"GET"},
                              raise_on_status=False)
                adapter = _CheckedAdapter(pool_connections=self.max_workers,
                                          pool_maxsize=self.max_workers, max_retries=retry)
                s.mount("http://", adapter)
                s.mount("https://", adapter)
                self._session = s
            return self._session

    def _fetch_one(self, session: requests.Session, key: str, url: str) -> tuple[bytes, str | None]:
        try:
            body = self._download(session, url)
        except requests.RequestException as exc:
            raise _Failure(type(exc).__name__) from None
        try:
            data = imaging.thumbnail_png(bytes(body), self.size)
        except ImageInputError as exc:
            raise _Failure(exc.reason or str(exc)) from None
        return data, self._write(key, data)

    @staticmethod
    def _why_not(url: str) -> str | None:
        """Why ``url`` must not be fetched, before any request: its scheme and a literal address; its
        host name's addresses only when a proxy will connect (a direct connection checks what it resolves)."""
        proxied = bool(requests.utils.get_environ_proxies(url))
        return check_image_url(url, resolve=socket.getaddrinfo if proxied else None)

    def _download(self, session: requests.Session, url: str) -> bytearray:
        """The image's bytes; redirects are followed only to the same host, and only to allowed addresses."""
        first = origin_of(url)
        for _ in range(MAX_REDIRECTS + 1):
            with session.get(url, timeout=self.timeout, stream=True, allow_redirects=False) as r:
                if r.is_redirect:
                    target = urljoin(url, r.headers.get("Location", ""))
                    origin = origin_of(target)
                    if origin is None or first is None or origin[1] != first[1]:
                        raise _Failure(f"redirected to another host ({_identity(target)}): refused")
                    why = self._why_not(target)
                    if why is not None:
                        raise _Failure(f"redirected to {_identity(target)}, which {why}: refused")
                    url = target
                    continue
                if r.status_code != 200:
                    raise _Failure(f"HTTP {r.status_code}")
                declared = r.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > _MAX_DOWNLOAD_BYTES:
                    raise _Failure(f"larger than {megabytes(_MAX_DOWNLOAD_BYTES)}")
                body = bytearray()
                for chunk in r.iter_content(1 << 16):
                    body += chunk
                    if len(body) > _MAX_DOWNLOAD_BYTES:
                        raise _Failure(f"larger than {megabytes(_MAX_DOWNLOAD_BYTES)}")
                return body
        raise _Failure(f"more than {MAX_REDIRECTS} redirects")

    # -- storage primitives: a subclass keeping thumbnails elsewhere overrides _read, _write,
    # _location, info and clear (patsnap_pandas.store.redis_thumbnails.RedisThumbnailStore keeps them in Redis).

    def _location(self) -> str:
        """Where the thumbnails are kept, for messages."""
        return str(self.directory)

    def _read(self, key: str) -> bytes | None:
        """The stored PNG of ``key`` (marked as recently used), or None."""
        path = self._file(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if imaging.image_mime(data) != "image/png":
            return None
        try:
            os.utime(path)  # mark as recently used
        except OSError:
            pass
        return data

    def _write(self, key: str, data: bytes) -> str | None:
        """Store atomically (temp file + rename); return the error text when it could not."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, suffix=".png", dir=self.directory)
            target = self._file(key)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                self._index.publish(tmp, target)  # O(1); a batch of old files goes only when the cap is passed
            except BaseException:
                _unlink(tmp)
                raise
        except OSError as exc:
            return f"{type(exc).__name__}: {exc.strerror or exc}"
        return None

    def _files(self) -> list[tuple[Path, int, int]]:
        """(path, mtime_ns, size) of the stored thumbnails; stale temp files are removed."""
        return [(Path(path), mtime, size) for path, mtime, size in self._index.files()]


def _failure_summary(failures: list[tuple[str, str, str]], n: int) -> str:
    shown = "; ".join(f"{pid or '?'} {ident or '(no URL)'}: {why}" for pid, ident, why in failures[:3])
    more = f"; and {len(failures) - 3} more" if len(failures) > 3 else ""
    return f"{len(failures)} of {n} thumbnails could not be loaded: {shown}{more}"

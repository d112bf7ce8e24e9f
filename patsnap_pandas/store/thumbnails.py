"""The hit-image store (:class:`ThumbnailStore`): what it may fetch, what it remembers failing, what it holds.

* :class:`ThumbnailStore` downloads hit images concurrently, shrinks them to PNG
  thumbnails (with :func:`patsnap_pandas.api.imaging.thumbnail_png`) and keeps them on disk
  keyed by patent id and the image URL without its query string, so results served
  from the cache still show their thumbnails after the signed image URLs expired.

* :func:`check_image_url`: only ``http(s)`` URLs whose host resolves to public
  addresses; a loopback, link-local or private address is refused unless its origin
  (scheme, host, port) is one a client trusts (:func:`trust_origin`: a client whose
  own base URL is loopback, i.e. the sandbox, trusts that origin). A hit URL pointing
  at ``169.254.169.254`` or at another service on the analyst's machine is never fetched.
* :class:`FailedImages`: an image that failed is not fetched again for
  :data:`FAILURE_TTL_S` seconds (a report renders each thumbnail several times).
* :class:`DiskIndex`: the store's byte total, kept in a small file in the folder, so
  that opening the store and each write cost the same with 1 000 or 100 000
  thumbnails stored; the folder is scanned only when the total passes the cap, and
  then eviction removes a batch (down to :data:`EVICT_TO` of the cap), not one file
  per write.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import socket
import tempfile
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
import requests.auth
import requests.utils
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.connection import allowed_gai_family
from urllib3.util.retry import Retry
from urllib3.util.timeout import _DEFAULT_TIMEOUT

from .. import config, imaging
from .._validate import check_int, check_number, megabytes, shorten
from .._version import __version__
from ..errors import ImageInputError, InvalidInputError
from .files import THUMBNAILS_DIR

__all__ = ["ThumbnailStore", "ThumbnailWarning", "check_image_url", "trust_origin", "distrust_origin", "origin_of",
           "FailedImages", "DiskIndex", "FAILURE_TTL_S", "EVICT_TO", "MAX_REDIRECTS"]

#: Seconds a failed image is not fetched again.
FAILURE_TTL_S = 300.0
#: Eviction brings the store down to this share of its cap.
EVICT_TO = 0.8
#: Redirects followed per image (to the same host only).
MAX_REDIRECTS = 3
_SIZE_FILE = ".size"  # a store folder's byte total (DiskIndex)
_SIZE_LOCK_TIMEOUT_S = 10.0

_trusted: dict[tuple[str, str, int], int] = {}  # origin -> clients trusting it
_trusted_lock = threading.Lock()


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, or None.

    Examples
    --------
    >>> origin_of("http://127.0.0.1:8080/img/a.png?sig=1")
    ('http', '127.0.0.1', 8080)
    >>> origin_of("https://Img.Example/a.png"), origin_of("file:///etc/passwd")
    (('https', 'img.example', 443), None)
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except (ValueError, AttributeError):
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80)


def _is_local(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip.is_loopback or ip.is_link_local or ip.is_private or ip.is_reserved or ip.is_multicast
            or ip.is_unspecified)


def trust_origin(base_url: str) -> bool:
    """Let the thumbnail store fetch from ``base_url``'s origin although it is a local address.

    Only a loopback base URL is trusted (the sandbox, or a test server on the same
    machine); any other is refused here and stays subject to the address check.
    Returns whether the origin is now trusted.

    Examples
    --------
    >>> trust_origin("http://127.0.0.1:8766"), trust_origin("https://connect.patsnap.com")
    (True, False)
    """
    origin = origin_of(base_url)
    if origin is None:
        return False
    try:
        loopback = ipaddress.ip_address(origin[1].strip("[]")).is_loopback
    except ValueError:
        loopback = origin[1] in ("localhost",)
    if loopback:
        with _trusted_lock:
            _trusted[origin] = _trusted.get(origin, 0) + 1
    return loopback


def distrust_origin(base_url: str) -> None:
    """Undo one :func:`trust_origin` (a client closing).

    Examples
    --------
    >>> trust_origin("http://127.0.0.1:8767")
    True
    >>> distrust_origin("http://127.0.0.1:8767")
    >>> check_image_url("http://127.0.0.1:8767/img/a.png")
    'points to a local or private address (127.0.0.1)'
    """
    origin = origin_of(base_url)
    if origin is None:
        return
    with _trusted_lock:
        left = _trusted.get(origin, 0) - 1
        if left > 0:
            _trusted[origin] = left
        else:
            _trusted.pop(origin, None)


def check_image_url(url: str, resolve: Callable[..., list] | None = socket.getaddrinfo) -> str | None:
    """Why ``url`` must not be fetched, or None when it may be.

    ``resolve=None`` checks the scheme and an address written in the URL only, and
    leaves a host name to the connection: the store's connections resolve the name
    once, check every address and connect to one of those (a second lookup that
    answers otherwise, as in DNS rebinding, is never made).

    Examples
    --------
    >>> check_image_url("ftp://img.example/a.png")
    'not an http(s) URL'
    >>> check_image_url("http://169.254.169.254/latest/meta-data/")
    'points to a local or private address (169.254.169.254)'
    >>> check_image_url("http://10.0.0.7/a.png")
    'points to a local or private address (10.0.0.7)'
    """
    origin = origin_of(url) if isinstance(url, str) else None
    if origin is None:
        return "not an http(s) URL"
    with _trusted_lock:
        if origin in _trusted:
            return None
    host = origin[1].strip("[]")
    if _is_ip(host):
        return _addresses_problem([host])
    if resolve is None:
        return None
    try:
        addresses = sorted({str(info[4][0]) for info in resolve(host, origin[2])})
    except (OSError, UnicodeError):
        return "its host name does not resolve"
    return _addresses_problem(addresses)


def _addresses_problem(addresses: Iterable[str]) -> str | None:
    """Why a host with these addresses must not be fetched from (any one local or private), or None."""
    for address in addresses:
        try:
            local = _is_local(address)
        except ValueError:
            return f"its host resolves to an unusable address ({address})"
        if local:
            return f"points to a local or private address ({address})"
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return True


class FailedImages:
    """Image identities that failed lately -> why; forgotten after ``ttl`` seconds (bounded).

    Examples
    --------
    >>> failed = FailedImages(ttl=60)
    >>> failed.add("https://img.example/a.png", "HTTP 404")
    >>> failed.get("https://img.example/a.png"), failed.get("https://img.example/b.png")
    ('HTTP 404 (failed less than 60 s ago)', None)
    """

    def __init__(self, ttl: float = FAILURE_TTL_S, max_entries: int = 10_000) -> None:
        self.ttl, self.max_entries = ttl, max_entries
        self._items: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, identity: str, why: str) -> None:
        with self._lock:
            self._items.pop(identity, None)
            self._items[identity] = (time.monotonic() + self.ttl, why)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def get(self, identity: str) -> str | None:
        with self._lock:
            item = self._items.get(identity)
            if item is None:
                return None
            if item[0] < time.monotonic():
                del self._items[identity]
                return None
            return f"{item[1]} (failed less than {self.ttl:g} s ago)"

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class DiskIndex:
    """The byte total of a store folder, kept in a small file in it, so that opening costs nothing.

    The total lives in ``<folder>/.size``, which every process writing the folder keeps up
    to date under a file lock (``.size.lock``): a write reads it, adds its size and writes
    it back, so the first write of a new process costs the same with 1,000 or 100,000
    thumbnails stored (the folder is never scanned to open it). The folder is scanned
    only when the total passes ``max_bytes``: the least recently used files are removed
    down to ``EVICT_TO * max_bytes``, and the total is set to what the scan found (this
    also corrects any drift, e.g. files deleted by hand), or when ``.size`` is missing
    (a folder written by an older version, or just cleared).

    Examples
    --------
    >>> from pathlib import Path
    >>> folder = Path("thumbs"); folder.mkdir()
    >>> index = DiskIndex(folder, max_bytes=250)
    >>> for i in range(5):
    ...     _ = (folder / f"{i}.png").write_bytes(b"x" * 100)
    ...     index.added(100)
    >>> sorted(p.name for p in folder.iterdir() if p.suffix == ".png"), index.total, index.scans
    (['3.png', '4.png'], 200, 4)
    >>> DiskIndex(folder, max_bytes=250).stored()     # another process: read, not counted
    200
    """

    def __init__(self, folder: Path, max_bytes: int, suffix: str = ".png", skip_prefix: str = ".tmp-") -> None:
        self.folder, self.max_bytes = Path(folder), max_bytes
        self.suffix, self.skip_prefix = suffix, skip_prefix
        self._lock = threading.Lock()
        self.total: int | None = None  # the last total this process read or wrote
        self.scans = 0

    def added(self, size: int, replaced: int = 0) -> None:
        """A file of ``size`` bytes was written (over one of ``replaced`` bytes); evict a batch past the cap.

        A total that cannot be read or written (a full or read-only disk, a lock held too
        long) costs only its accuracy: the next scan counts again.
        """
        try:
            with self._lock, self._file_lock():
                total = self._read_total()
                total = sum(f[2] for f in self._scan()) if total is None else total + size - replaced
                if total > self.max_bytes:
                    total = self._evict()
                self._write_total(total)
                self.total = total
        except OSError:  # filelock's Timeout is an OSError too
            self.total = None

    def stored(self) -> int | None:
        """The folder's byte total as kept in ``.size`` (None when there is none yet); no scan."""
        if not (self.folder / _SIZE_FILE).is_file():
            return None
        try:
            with self._lock, self._file_lock():
                return self._read_total()
        except OSError:
            return None

    def forget(self) -> None:
        """The folder was emptied: the next write counts again (a scan of what is there)."""
        self.total = None
        if not self.folder.is_dir():  # nothing to forget; and the lock must not create the folder
            return
        try:
            with self._lock, self._file_lock():
                _unlink(self.folder / _SIZE_FILE)
        except OSError:
            pass

    def _file_lock(self) -> Any:
        import filelock

        return filelock.FileLock(self.folder / (_SIZE_FILE + ".lock"), timeout=_SIZE_LOCK_TIMEOUT_S)

    def _read_total(self) -> int | None:
        try:
            text = (self.folder / _SIZE_FILE).read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            return None
        return int(text) if text.isdigit() else None  # a torn or damaged file: count again

    def _write_total(self, total: int) -> None:
        (self.folder / _SIZE_FILE).write_text(str(max(0, total)), encoding="ascii")

    def files(self) -> list[tuple[str, int, int]]:
        """(path, mtime_ns, size) of the stored files; temp files older than an hour are removed.

        Examples
        --------
        >>> from pathlib import Path
        >>> folder = Path("store"); folder.mkdir()
        >>> _ = (folder / "a.png").write_bytes(b"x" * 3)
        >>> [(Path(path).name, size) for path, _, size in DiskIndex(folder, max_bytes=10).files()]
        [('a.png', 3)]
        """
        out: list[tuple[str, int, int]] = []
        now = time.time()
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return out
        for entry in entries:
            try:
                st = entry.stat()
            except OSError:
                continue
            if entry.name.startswith(self.skip_prefix):
                if now - st.st_mtime > 3600:  # left over by a killed process
                    _unlink(entry.path)
                continue
            if entry.name.endswith(self.suffix) and entry.is_file():
                out.append((entry.path, st.st_mtime_ns, st.st_size))
        return out

    def _scan(self) -> list[tuple[str, int, int]]:
        self.scans += 1
        return self.files()

    def _evict(self) -> int:
        """Scan; remove the least recently used files down to EVICT_TO of the cap; the total left."""
        files = self._scan()
        total = sum(size for _, _, size in files)
        target = int(self.max_bytes * EVICT_TO)
        if total > self.max_bytes:
            for path, _, size in sorted(files, key=lambda f: (f[1], f[0])):
                if total <= target:
                    break
                if _unlink(path):
                    total -= size
        return total


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _unlink(path: str | os.PathLike[str]) -> bool:
    try:
        os.unlink(path)
    except OSError:
        return False
    return True


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



# --- the store --------------------------------------------------------------------------------

_MAX_DOWNLOAD_BYTES = 16 * 2**20  # a design drawing is far smaller; more is not an image we want
#: Images that failed lately, shared by every store of the process (a report renders each several times).
_FAILED = FailedImages()
_TMP_PREFIX = ".tmp-"


class _StripAuthorization(requests.auth.AuthBase):
    """Session auth that removes credentials (and stops requests from reading ~/.netrc)."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers.pop("Authorization", None)
        r.headers.pop("Cookie", None)
        return r


class _ImageSession(requests.Session):
    """A session that never sends credentials, not even after a redirect."""

    def rebuild_auth(self, prepared_request, response):  # noqa: D401 - requests hook
        prepared_request.headers.pop("Authorization", None)


class _Failure(Exception):
    pass


# --- connections that connect to the address they checked ---------------------------------------
# requests resolves a host name when it connects; a check made before, with its own lookup, could
# see another answer (DNS rebinding: a public address to the check, 127.0.0.1 to the connection).
# The store's connections resolve once, check every address, and connect to one of those. The Host
# header, TLS SNI and certificate verification still use the host name (urllib3 keeps
# ``conn.host``; only the socket is opened here). Through a proxy, the proxy resolves the name:
# the store then checks the name's addresses itself before the request (see ThumbnailStore._why_not).


def _open_checked(conn: HTTPConnection, scheme: str) -> Any:
    """A socket to one of the addresses ``conn``'s host resolves to, all of them checked first."""
    host = conn._dns_host.strip("[]")
    try:
        infos = socket.getaddrinfo(host, conn.port, allowed_gai_family(), socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise _Failure("its host name does not resolve") from None
    with _trusted_lock:
        trusted = (scheme, host.rstrip(".").lower(), conn.port) in _trusted
    why = None if trusted else _addresses_problem(str(info[4][0]) for info in infos)
    if why is not None:
        raise _Failure(why)
    error: OSError = OSError(f"{host} resolves to no address")
    for family, kind, proto, _, address in infos:
        sock = socket.socket(family, kind, proto)
        try:
            for option in conn.socket_options or ():
                sock.setsockopt(*option)
            if conn.timeout is not _DEFAULT_TIMEOUT:
                sock.settimeout(conn.timeout)
            if conn.source_address:
                sock.bind(conn.source_address)
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error


def _new_checked_conn(conn: HTTPConnection, scheme: str) -> Any:
    """``_new_conn`` of the checked connections: urllib3's own errors for a failed connect (retried)."""
    try:
        sock = _open_checked(conn, scheme)
    except TimeoutError as exc:
        raise ConnectTimeoutError(conn, f"Connection to {conn.host} timed out. (connect timeout={conn.timeout})") from exc
    except OSError as exc:
        raise NewConnectionError(conn, f"Failed to establish a new connection: {exc}") from exc
    return sock


class _CheckedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> Any:
        return _new_checked_conn(self, "http")


class _CheckedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> Any:
        return _new_checked_conn(self, "https")


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    """A requests adapter whose direct connections are checked ones (proxies keep urllib3's own)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _CheckedHTTPPool, "https": _CheckedHTTPSPool}


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
    >>> from patsnap_pandas.jobs.search import load_thumbnails
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

    def __init__(self, directory: str | os.PathLike | None = None, *, size: int = 256,
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

    def get(self, patent_id: str | None, image_url: str) -> bytes | None:
        """The stored thumbnail of ``(patent_id, image_url)``, or None; never downloads.

        ``image_url`` may be any name an image was :meth:`put` under, such as the content
        name (``sha256:...``) of a query image that was never uploaded.

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
        return self._read(self.key(patent_id, image_url))

    def put(self, patent_id: str | None, image_url: str, data: bytes) -> bytes:
        """Store a thumbnail of image bytes already at hand under ``(patent_id, image_url)``.

        No download: :meth:`fetch` of the same pair (any query string) then reads it
        from disk, also after the URL expired. A disk that cannot be written to costs
        only the cache (the thumbnail is still returned).

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
        thumbnail = imaging.thumbnail_png(bytes(data), self.size)
        self._write(self.key(patent_id, image_url), thumbnail)
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

    def key(self, patent_id: str | None, image_url: str) -> str:
        """The cache key of a thumbnail: patent id + URL without query + size.

        Examples
        --------
        A signed URL that changed only its query string keeps its thumbnail:

        >>> store = ThumbnailStore("thumbnails")
        >>> store.key("p1", "https://img.example/p1/0.png?Expires=1&Signature=a") == \\
        ...     store.key("p1", "https://img.example/p1/0.png?Expires=2&Signature=b")
        True
        """
        pid = patent_id if isinstance(patent_id, str) else ""
        text = f"{pid}\n{_identity(image_url)}\n{self.size}"
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

    def info(self) -> dict:
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
    # _location, info and clear (patsnap_pandas.store.redis_backend.RedisThumbnailStore keeps them in Redis).

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
                replaced = _size_of(target)
                os.replace(tmp, target)
            except BaseException:
                _unlink(tmp)
                raise
        except OSError as exc:
            return f"{type(exc).__name__}: {exc.strerror or exc}"
        self._index.added(len(data), replaced)  # O(1); a batch of old files goes only when the cap is passed
        return None

    def _files(self) -> list[tuple[Path, int, int]]:
        """(path, mtime_ns, size) of the stored thumbnails; stale temp files are removed."""
        return [(Path(path), mtime, size) for path, mtime, size in self._index.files()]


def _identity(url: str) -> str:
    """The image's identity: its URL without query string and fragment."""
    try:
        p = urlsplit(url.strip())
    except ValueError:
        return url
    return urlunsplit((p.scheme.lower(), p.netloc.lower(), p.path, "", ""))


def _is_http_url(url: Any) -> bool:
    return isinstance(url, str) and imaging.url_scheme(url) in ("http", "https")


def _failure_summary(failures: list[tuple[str, str, str]], n: int) -> str:
    shown = "; ".join(f"{pid or '?'} {ident or '(no URL)'}: {why}" for pid, ident, why in failures[:3])
    more = f"; and {len(failures) - 3} more" if len(failures) > 3 else ""
    return f"{len(failures)} of {n} thumbnails could not be loaded: {shown}{more}"

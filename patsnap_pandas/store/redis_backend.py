"""The shared backend: one Redis server holds what a team shares (HTTP cache, upload memo, thumbnails,
single-flight locks, the rate limit).

:class:`RedisBackend` connects to a ``redis://`` URL and is the shared
:class:`~patsnap_pandas.store.base.Store` (the local one is
:class:`~patsnap_pandas.store.local.LocalStore`): it hands out the building blocks, each with the
API of its local counterpart:

* ``backend.http_cache()``: :class:`~patsnap_pandas.store.redis_http_cache.RedisHTTPCache`,
  requests-cache's ``RedisCache``;
* ``backend.upload_memo()``: :class:`~patsnap_pandas.store.redis_upload_memo.RedisUploadMemo`, as
  :class:`~patsnap_pandas.store.upload_memo.UploadMemo`;
* ``backend.thumbnail_store()``: :class:`~patsnap_pandas.store.redis_thumbnails.RedisThumbnailStore`, a
  :class:`~patsnap_pandas.store.thumbnails.ThumbnailStore`;
* ``backend.single_flight()``: :class:`~patsnap_pandas.store.redis_locks.RedisSingleFlight`, a
  :class:`~patsnap_pandas.store.locks.SingleFlight`;
* ``backend.rate_limiter(rate)``: :class:`~patsnap_pandas.store.redis_rate_limit.SharedRateLimiter`, a
  :class:`~patsnap_pandas.store.rate_limit.RateLimiter`;
* ``backend.usage_counter()``: a :class:`~patsnap_pandas.store.redis_usage.RedisUsageCounter` (the budget);
* ``backend.info()`` / ``backend.clear()``: what is stored, and emptying it.

Each building block is a module of its own (``redis_http_cache``, ``redis_upload_memo``,
``redis_thumbnails``, ``redis_locks``, ``redis_rate_limit``); this module holds the connection.

The keys, under the namespace ``N`` (default ``"patsnap"``):

* ``N:http:<requests-cache key>``: an HTTP answer (JSON, never pickle: a shared server must not
  be a way to run code on the team's machines), expiring an hour after the answer does;
  ``N:http-redirects``: a hash of redirect aliases (requests-cache's own layout).
* ``N:upload:<sha256 of the bytes>``: ``[url, issued_at, expires_at]`` (JSON), expiring in
  Redis at ``expires_at``.
* ``N:thumb:<ThumbnailStore.key>``: a PNG thumbnail; ``N:thumb-lru`` a sorted set key -> last use
  (server time, ms); ``N:thumb-sizes`` a hash key -> bytes; ``N:thumb-bytes`` the byte total.
  Writes and evictions run in one Lua script each, so processes never disagree on the total.
* ``N:lock:<flight key>``: a single-flight lease (a random token, ``SET NX PX``), renewed
  while held; released only by its owner; its token is compared before each billed call
  (fencing: a holder paused past its lease takes the lock again instead of paying twice).
* ``N:rate``: the rate limit's next free start (GCRA, microseconds of the server's clock).
* ``N:usage:day:<date>``, ``N:usage:month:<month>``, ``N:usage:epochs``: the budget's counts of
  billed calls and the namespace's epoch, by which a counter tells a store that lost its counts
  from a new one (:class:`~patsnap_pandas.store.redis_usage.RedisUsageCounter`; :meth:`RedisBackend.clear`
  leaves them alone).
* ``N:record:<kind>``: a hash of kept records (watch lists, their runs), JSON by key; never
  expiring, and left by :meth:`RedisBackend.clear` (:class:`~patsnap_pandas.store.redis_records.RedisRecords`).

What fails, and how (never a raw redis traceback; never a password in a message):

* Unreachable at the start, a refused login, a wrong URL: :class:`~patsnap_pandas.errors.CacheUnavailableError`
  naming the URL with user and password replaced by ``***`` (``redis://***@host:6379/0``).
* A read that fails mid-use (HTTP cache, upload memo, thumbnails, a lock, the rate limit):
  CacheUnavailableError, raised before any billed call. A failed read is never taken for a
  miss: a miss sends the call again, and PatSnap bills it again.
* A write that fails (an answer or an upload already paid for): the result is kept in memory
  for this session and returned as usual; a :class:`~patsnap_pandas.errors.CacheWarning` says
  once that other processes will pay for it again. Releasing a lock that fails only warns: the
  lease runs out by itself within :data:`LOCK_LEASE_S`.

This module needs the ``[redis]`` extra; without it :class:`RedisBackend` raises
:class:`~patsnap_pandas.errors.MissingExtraError` naming it. It expects a standalone Redis
(>= 5; not a cluster: the thumbnail script touches keys it computes).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from .. import config
from .._extras import require
from .._validate import check_int
from ..errors import CacheUnavailableError, InvalidInputError
from ..redaction import install_log_redaction, redact, register_secret
from .base import Store
from .redis_http_cache import RedisHTTPCache
from .redis_locks import LOCK_LEASE_S, RedisSingleFlight
from .redis_mark_log import RedisMarkLog
from .redis_rate_limit import SharedRateLimiter
from .redis_records import RedisRecords
from .redis_thumbnails import THUMBNAIL_MAX_BYTES, RedisThumbnailStore
from .redis_upload_memo import RedisUploadMemo
from .redis_usage import RedisUsageCounter

if TYPE_CHECKING:
    import redis

__all__ = ["RedisBackend", "shown_url"]

_CONNECT_TIMEOUT_S = 5.0
_SOCKET_TIMEOUT_S = 5.0  # a hung server: CacheUnavailableError after this, not a stalled batch
_FEATURE = "A cache shared by a team (PATSNAP_CACHE_URL / cache_url=)"
_SECRET_QUERY = ("password", "username", "user")


def shown_url(url: str) -> str:
    """``url`` as it may be shown: user name and password (also in the query) replaced by ``***``.

    Examples
    --------
    >>> shown_url("redis://:hunter2-pass@cache.example:6379/0")
    'redis://***@cache.example:6379/0'
    >>> shown_url("rediss://team:hunter2-pass@cache.example/2?password=x&socket_timeout=3")
    'rediss://***@cache.example/2?password=***&socket_timeout=3'
    >>> shown_url("redis://127.0.0.1:6379/0")
    'redis://127.0.0.1:6379/0'
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return "(an unparsable URL)"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    query = parts.query
    if query:
        pairs = [(k, "***" if k.lower() in _SECRET_QUERY else v) for k, v in parse_qsl(query, keep_blank_values=True)]
        query = urlencode(pairs, safe="*")
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")


def _url_secrets(url: str) -> list[str]:
    """The user name and password in ``url`` (netloc and query), decoded and raw."""
    found: list[str] = []
    try:
        parts = urlsplit(url.strip())
        if parts.username:
            found += [parts.username, unquote(parts.username)]
        if parts.password:
            found += [parts.password, unquote(parts.password)]
        found += [v for k, v in parse_qsl(parts.query) if k.lower() in _SECRET_QUERY]
    except ValueError:
        pass
    return [value for value in found if value]


class RedisBackend(Store):
    """A connection to the team's Redis and the shared building blocks made on it: the shared store.

    Parameters
    ----------
    url : str
        ``redis://[[user]:password@]host[:port][/db]``, ``rediss://`` (TLS) or ``unix://``.
        Connects and PINGs at once.
    namespace : str, default "patsnap"
        Prefix of every key (``<namespace>:...``); teams sharing one server use one each.
    thumbnail_max_bytes : int, default :data:`THUMBNAIL_MAX_BYTES` (512 MiB)
        Size cap of the thumbnails kept in Redis; the least recently used go first.
    cache_dir : path, optional
        The local cache folder whose ``usage.sqlite`` keeps the counts this machine last saw
        (:class:`~patsnap_pandas.store.redis_usage.RedisUsageCounter`'s record). Default
        ``$PATSNAP_CACHE_DIR`` or the platform's user cache folder; nothing is created there
        until a count is recorded.

    Attributes
    ----------
    connection : redis.Redis
        The client (a connection pool; thread-safe).
    shown_url : str
        The URL with user name and password replaced by ``***``: what messages, reprs and
        DataFrame attrs show. :meth:`lookup` finds a live backend again by it.
    namespace : str

    Raises
    ------
    CacheUnavailableError
        The server cannot be reached or refused the login (the message names :attr:`shown_url`).
    InvalidInputError
        ``url`` is not a Redis URL, or ``namespace`` / ``thumbnail_max_bytes`` is not allowed.
    MissingExtraError
        The ``[redis]`` extra is not installed.

    Examples
    --------
    >>> from patsnap_pandas.testing import RedisServer
    >>> server = RedisServer()                     # a throwaway redis-server on a free port
    >>> backend = RedisBackend(server.url)
    >>> backend.shown_url == server.url, backend.namespace
    (True, 'patsnap')
    >>> RedisBackend.lookup(backend.shown_url) is backend
    True
    >>> backend.info()["uploads"]
    0
    >>> backend.close(); server.stop()
    """

    _live: ClassVar[dict[str, list[weakref.ref[RedisBackend]]]] = {}
    _live_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, url: str, *, namespace: str = "patsnap", thumbnail_max_bytes: int = THUMBNAIL_MAX_BYTES,
                 cache_dir: str | Path | None = None) -> None:
        self._http: RedisHTTPCache | None = None
        self._uploads: RedisUploadMemo | None = None
        self._marks: RedisMarkLog | None = None
        if not isinstance(url, str) or not url.strip():
            raise InvalidInputError(f"url={url!r}: expected a Redis URL such as redis://host:6379/0")
        self.shown_url = shown_url(url)
        if not isinstance(namespace, str) or not namespace or any(c in namespace for c in " *?[]\n"):
            raise InvalidInputError(f"namespace={namespace!r}: expected a non-empty name without spaces "
                                    "or the wildcards * ? [ ]")
        self.namespace = namespace
        self.thumbnail_max_bytes = check_int(thumbnail_max_bytes, "thumbnail_max_bytes", 1)
        self.cache_dir = config.cache_dir(cache_dir)
        for secret in _url_secrets(url):
            register_secret(secret)  # the log filter hides it too
        install_log_redaction()
        redis_module = require("redis", _FEATURE)
        self._errors: tuple[type[BaseException], ...] = (redis_module.RedisError,)
        self._not_owned: type[BaseException] = redis_module.exceptions.LockNotOwnedError
        try:
            self.connection: redis.Redis = redis_module.Redis.from_url(
                url.strip(), socket_connect_timeout=_CONNECT_TIMEOUT_S, socket_timeout=_SOCKET_TIMEOUT_S,
                health_check_interval=30)
        except ValueError as exc:
            raise InvalidInputError(f"url={self.shown_url!r}: not a Redis URL ({redact(str(exc))}); expected "
                                    "redis://[[user]:password@]host[:port][/db], rediss://... or unix://...") from None
        self._scripts: dict[str, Any] = {}
        self._closed = False
        try:
            with self.guard("connecting"):
                self.connection.ping()
        except CacheUnavailableError:
            self.close()
            raise
        self._run_id = self._server_run_id()
        with RedisBackend._live_lock:
            RedisBackend._live.setdefault(self.shown_url, []).append(weakref.ref(self))

    def _server_run_id(self) -> str | None:
        """The server's ``run_id`` (a new one at every start), or None when INFO is not allowed."""
        try:
            return str(self.connection.info("server").get("run_id")) or None
        except self._errors:
            return None

    def restarted(self) -> bool:
        """True when the server was restarted since this backend connected (its ``run_id`` changed).

        Without persistence a restart empties it: cached answers, remembered uploads, counts.

        Examples
        --------
        >>> from patsnap_pandas.testing import RedisServer
        >>> server = RedisServer()
        >>> backend = RedisBackend(server.url)
        >>> backend.restarted()
        False
        >>> backend.close(); server.stop()
        """
        now = self._server_run_id()
        return self._run_id is not None and now is not None and now != self._run_id

    # -- the registry ------------------------------------------------------------------------

    @classmethod
    def lookup(cls, shown_url: str, namespace: str | None = None) -> RedisBackend | None:
        """The most recently opened live (not closed) backend of ``shown_url``, or None.

        DataFrame attrs keep only the redacted URL; render code finds the store again with it.

        Examples
        --------
        >>> RedisBackend.lookup("redis://127.0.0.1:1/0") is None    # none open in this process
        True
        """
        with cls._live_lock:
            refs = cls._live.get(shown_url, [])
            alive = [backend for backend in (ref() for ref in refs) if backend is not None and not backend._closed]
            cls._live[shown_url] = [weakref.ref(backend) for backend in alive]
            if not alive:
                cls._live.pop(shown_url, None)
        for backend in reversed(alive):
            if namespace is None or backend.namespace == namespace:
                return backend
        return None

    # -- keys, scripts and errors -------------------------------------------------------------

    def key(self, *parts: str) -> str:
        """The Redis key ``<namespace>:<part>:<part>...`` (for the blocks built on this backend).

        Examples
        --------
        >>> from patsnap_pandas.testing import RedisServer
        >>> server = RedisServer()
        >>> RedisBackend(server.url, namespace="team-a").key("upload", "ab12")
        'team-a:upload:ab12'
        >>> server.stop()
        """
        return ":".join((self.namespace, *parts))

    @contextmanager
    def guard(self, doing: str) -> Iterator[None]:
        """Turn a Redis error inside the block into :class:`CacheUnavailableError` naming :attr:`shown_url`."""
        try:
            yield
        except self._errors as exc:
            self._raise(exc, doing)

    def _raise(self, exc: BaseException, doing: str) -> NoReturn:
        raise CacheUnavailableError(self.shown_url, f"failed while {doing} ({self.describe(exc)})") from None

    def describe(self, exc: BaseException) -> str:
        """``Type: message`` of a Redis error, with any secret masked."""
        return redact(f"{type(exc).__name__}: {exc}")

    def script(self, source: str) -> Any:
        """A registered Lua script (EVALSHA, loaded again by redis-py when the server lost it)."""
        found = self._scripts.get(source)
        if found is None:
            found = self._scripts[source] = self.connection.register_script(source)
        return found

    def scan_count(self, pattern: str) -> int:
        """How many keys match ``pattern`` (SCAN; never KEYS)."""
        with self.guard("counting keys"):
            return sum(1 for _ in self.connection.scan_iter(match=pattern, count=1000))

    def delete_matching(self, pattern: str) -> int:
        """Delete the keys matching ``pattern`` (SCAN + UNLINK in batches); how many."""
        deleted = 0
        with self.guard("deleting keys"):
            batch: list[Any] = []
            for name in self.connection.scan_iter(match=pattern, count=1000):
                batch.append(name)
                if len(batch) >= 500:
                    deleted += int(self.connection.unlink(*batch))
                    batch.clear()
            if batch:
                deleted += int(self.connection.unlink(*batch))
        return deleted

    # -- the building blocks --------------------------------------------------------------------

    def http_cache(self, **kwargs: Any) -> RedisHTTPCache:
        """requests-cache's Redis backend on this connection, under ``<namespace>:http``: the store's one.

        ``kwargs`` go to :class:`requests_cache.RedisCache` (e.g. ``ttl_offset``); with them, a new
        one is made (not the store's).

        Examples
        --------
        >>> import requests_cache
        >>> from patsnap_pandas.testing import RedisServer
        >>> server = RedisServer()
        >>> backend = RedisBackend(server.url)
        >>> isinstance(backend.http_cache(), requests_cache.RedisCache), backend.http_cache().count()
        (True, 0)
        >>> backend.close(); server.stop()
        """
        if kwargs:
            return RedisHTTPCache(self, **kwargs)
        if self._http is None:
            self._http = RedisHTTPCache(self)
        return self._http

    def upload_memo(self) -> RedisUploadMemo:
        """The upload memo in Redis (entries expire with their URL): the store's one.

        Examples
        --------
        >>> from patsnap_pandas.testing import RedisServer
        >>> server = RedisServer()
        >>> backend = RedisBackend(server.url)
        >>> backend.upload_memo().count()
        0
        >>> backend.close(); server.stop()
        """
        if self._uploads is None:
            self._uploads = RedisUploadMemo(self)
        return self._uploads

    def records(self, kind: str) -> RedisRecords:
        """Kept records of ``kind`` in the hash ``<namespace>:record:<kind>`` (never expire; ``clear`` leaves them)."""
        return RedisRecords(self, kind)

    def mark_log(self) -> RedisMarkLog:
        """The history of marks in Redis, shared by the team (never expires; ``clear`` keeps it): the store's one."""
        if self._marks is None:
            self._marks = RedisMarkLog(self)
        return self._marks

    def thumbnail_store(self, size: int = 256, *, max_bytes: int | None = None, max_workers: int = 8,
                        timeout: float = 20) -> RedisThumbnailStore:
        """A :class:`~patsnap_pandas.store.thumbnails.ThumbnailStore` keeping its thumbnails in Redis.

        ``max_bytes`` defaults to the backend's ``thumbnail_max_bytes``.

        Examples
        --------
        >>> from patsnap_pandas.testing import RedisServer
        >>> server = RedisServer()
        >>> backend = RedisBackend(server.url, thumbnail_max_bytes=2**20)
        >>> backend.thumbnail_store(size=128).info()["max_bytes"]
        1048576
        >>> backend.close(); server.stop()
        """
        return RedisThumbnailStore(self, size=size, max_bytes=self.thumbnail_max_bytes if max_bytes is None else max_bytes,
                                   max_workers=max_workers, timeout=timeout)

    def single_flight(self, lease: float = LOCK_LEASE_S) -> RedisSingleFlight:
        """Single-flight locks for everyone on this Redis namespace (leases of ``lease`` seconds).

        Examples
        --------
        >>> from patsnap_pandas.testing import RedisServer
        >>> server = RedisServer()
        >>> backend = RedisBackend(server.url)
        >>> with backend.single_flight().hold("some-search"):
        ...     backend.connection.exists(backend.key("lock", "some-search"))
        1
        >>> backend.close(); server.stop()
        """
        return RedisSingleFlight(self, lease=lease)

    def rate_limiter(self, rate: float | None) -> SharedRateLimiter:
        """At most ``rate`` call starts per second for everyone on this namespace (None: unlimited).

        Examples
        --------
        >>> from patsnap_pandas.testing import RedisServer
        >>> server = RedisServer()
        >>> backend = RedisBackend(server.url)
        >>> backend.rate_limiter(10).rate, backend.rate_limiter(None).rate
        (10, None)
        >>> backend.close(); server.stop()
        """
        return SharedRateLimiter(self, rate)

    def usage_counter(self) -> RedisUsageCounter:
        """The counts of billed calls of everyone on this namespace, checked against the budget atomically.

        This machine's record of the counts it saw is kept in :attr:`cache_dir` (a Redis that lost
        its counts is told from a new one by it).

        Examples
        --------
        >>> from patsnap_pandas.testing import RedisServer
        >>> server = RedisServer()
        >>> backend = RedisBackend(server.url, cache_dir="my-cache")
        >>> backend.usage_counter().spent("day")
        0
        >>> backend.close(); server.stop()
        """
        return RedisUsageCounter(self.connection, self.namespace, guard=self.guard, location=self.shown_url,
                                 record=self.cache_dir)

    @property
    def location(self) -> str:
        """The server's URL as it may be shown (:attr:`shown_url`)."""
        return self.shown_url

    @property
    def thumbnail_location(self) -> str:
        """Thumbnails are kept in this Redis: result frames name it by :attr:`shown_url`."""
        return self.shown_url

    @property
    def shown(self) -> str:
        return f"Redis({self.shown_url})"

    # -- info and clear ------------------------------------------------------------------------

    def info(self) -> dict[str, Any]:
        """What is stored: HTTP answers, remembered uploads, thumbnails (count, bytes, cap).

        Examples
        --------
        >>> from patsnap_pandas.testing import RedisServer
        >>> server = RedisServer()
        >>> backend = RedisBackend(server.url, namespace="team-a")
        >>> backend.upload_memo().put("ab12", "https://img.example/q.png", 0.0, 4e9)
        >>> info = backend.info()
        >>> info["namespace"], info["http_responses"], info["uploads"], info["thumbnails"]
        ('team-a', 0, 1, 0)
        >>> backend.close(); server.stop()
        """
        thumbs = RedisThumbnailStore.stored(self)
        return {"url": self.shown_url, "namespace": self.namespace,
                "http_responses": self.scan_count(self.key("http", "*")),
                "uploads": self.scan_count(self.key("upload", "*")),
                "thumbnails": thumbs[0], "thumbnail_bytes": thumbs[1],
                "thumbnail_max_bytes": self.thumbnail_max_bytes}

    def clear(self, *, thumbnails: bool = True) -> None:
        """Delete the HTTP answers, remembered uploads and (unless ``thumbnails=False``) thumbnails of this namespace.

        Locks in flight, the rate limit and usage counters stay: clearing a cache must neither
        let an identical call through twice nor reset what was spent. What the store's own HTTP
        cache and upload memo kept in memory (after a failed write) is forgotten too.

        Examples
        --------
        >>> from patsnap_pandas.testing import RedisServer
        >>> server = RedisServer()
        >>> backend = RedisBackend(server.url)
        >>> backend.upload_memo().put("ab12", "https://img.example/q.png", 0.0, 4e9)
        >>> backend.clear(); backend.info()["uploads"]
        0
        >>> backend.close(); server.stop()
        """
        for part in (self._http, self._uploads):
            if part is not None:
                part._memory.clear()
        patterns = ("http:*", "http-redirects", "upload:*") + (("thumb:*", "thumb-*") if thumbnails else ())
        for pattern in patterns:
            self.delete_matching(f"{self.namespace}:{pattern}")

    def close(self) -> None:
        """Close the connection pool; :meth:`lookup` no longer finds this backend.

        Examples
        --------
        >>> from patsnap_pandas.testing import RedisServer
        >>> server = RedisServer()
        >>> backend = RedisBackend(server.url)
        >>> backend.close()
        >>> RedisBackend.lookup(server.url) is None
        True
        >>> server.stop()
        """
        self._closed = True
        try:
            self.connection.close()
        except self._errors:
            pass

    def __repr__(self) -> str:
        return f"RedisBackend(url={self.shown_url!r}, namespace={self.namespace!r})"

"""The shared backend: one Redis server holds what a team shares (HTTP cache, upload memo, thumbnails,
single-flight locks, the rate limit).

:class:`RedisBackend` connects to a ``redis://`` URL and hands out the building blocks,
each with the API of its local counterpart:

* ``backend.http_cache()``: :class:`RedisHTTPCache`, requests-cache's ``RedisCache``;
* ``backend.upload_memo()``: :class:`RedisUploadMemo`, as :class:`~patsnap_pandas.store.upload_memo.UploadMemo`;
* ``backend.thumbnail_store()``: :class:`RedisThumbnailStore`, a :class:`~patsnap_pandas.store.thumbnails.ThumbnailStore`;
* ``backend.single_flight()``: :class:`RedisSingleFlight`, a :class:`~patsnap_pandas.store.locks.SingleFlight`;
* ``backend.rate_limiter(rate)``: :class:`SharedRateLimiter`, a :class:`~patsnap_pandas.store.rate_limit.RateLimiter`;
* ``backend.info()`` / ``backend.clear()``: what is stored, and emptying it.

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
  from a new one (:class:`~patsnap_pandas.store.budget.RedisUsageCounter`; :meth:`RedisBackend.clear`
  leaves them alone).

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

import json
import math
import secrets as _secrets
import threading
import time
import warnings
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

import requests
import requests_cache
from requests_cache.backends import RedisDict  # a placeholder class without redis: RedisBackend names the extra first
from requests_cache.models import CachedResponse

from .._extras import require
from .._validate import check_int, check_number, check_rate
from ..errors import CacheError, CacheUnavailableError, CacheWarning, InvalidInputError
from ..redaction import install_log_redaction, redact, register_secret
from ..waits import Interrupted
from . import locks
from .files import WriteWarner, paid_answer
from .rate_limit import RateLimiter
from .thumbnails import EVICT_TO, ThumbnailStore

if TYPE_CHECKING:
    import redis

__all__ = ["RedisBackend", "RedisHTTPCache", "RedisUploadMemo", "RedisThumbnailStore", "RedisSingleFlight",
           "SharedRateLimiter", "shown_url", "THUMBNAIL_MAX_BYTES", "LOCK_LEASE_S"]

#: Default size cap of the thumbnails kept in Redis (all sizes together): 512 MiB. A 256 px thumbnail
#: is 20-60 kB, so this holds some 10 000 of them; Redis keeps all of it in memory.
THUMBNAIL_MAX_BYTES = 512 * 2**20
#: Seconds a single-flight lease lives unless renewed; it is renewed every fifth of that while held,
#: so the lock of a crashed (SIGKILLed, unplugged) holder is free again within this time.
LOCK_LEASE_S = 5.0
#: Seconds between two tries of a busy lock.
LOCK_POLL_S = 0.02
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


def _write_warner() -> WriteWarner:
    """Warns once that a write to the shared cache failed (the result is kept in memory)."""
    return WriteWarner(others="other processes", fix="Check that the Redis server is running and reachable.")


# --- Lua scripts: each runs atomically on the server, with the server's clock ------------------

# GCRA without burst: KEYS[1] holds the next free start (µs); ARGV[1] the interval (µs).
# Returns how many µs the caller waits for the start it has just reserved.
_RATE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local after = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%d', after), 'PX', math.ceil((after - now) / 1000) + 1000)
return slot - now
"""

# KEYS: value, lru, sizes, total; ARGV: member, data, max_bytes, target_bytes, value-key prefix.
# Stores, marks as used now, and evicts the least recently used down to target when over max.
_THUMB_WRITE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local old = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
redis.call('SET', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], #ARGV[2])
redis.call('ZADD', KEYS[2], now, ARGV[1])
local total = redis.call('INCRBY', KEYS[4], #ARGV[2] - old)
local evicted = 0
if total > tonumber(ARGV[3]) then
  while total > tonumber(ARGV[4]) do
    local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)
    if #oldest == 0 or oldest[1] == ARGV[1] then break end
    local size = tonumber(redis.call('HGET', KEYS[3], oldest[1]) or '0')
    redis.call('ZREM', KEYS[2], oldest[1])
    redis.call('HDEL', KEYS[3], oldest[1])
    redis.call('DEL', ARGV[5] .. oldest[1])
    total = redis.call('DECRBY', KEYS[4], size)
    evicted = evicted + 1
  end
end
return evicted
"""

# KEYS: value, lru, sizes, total; ARGV: member. The PNG (marked as used now), or nil; an index
# entry whose value is gone (flushed, expired by a maxmemory policy) is dropped.
_THUMB_READ_LUA = """
local v = redis.call('GET', KEYS[1])
if v then
  local t = redis.call('TIME')
  redis.call('ZADD', KEYS[2], 'XX', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
elseif redis.call('ZREM', KEYS[2], ARGV[1]) == 1 then
  local size = redis.call('HGET', KEYS[3], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
  if size then redis.call('DECRBY', KEYS[4], size) end
end
return v
"""


class RedisBackend:
    """A connection to the team's Redis and the shared building blocks made on it.

    Parameters
    ----------
    url : str
        ``redis://[[user]:password@]host[:port][/db]``, ``rediss://`` (TLS) or ``unix://``.
        Connects and PINGs at once.
    namespace : str, default "patsnap"
        Prefix of every key (``<namespace>:...``); teams sharing one server use one each.
    thumbnail_max_bytes : int, default :data:`THUMBNAIL_MAX_BYTES` (512 MiB)
        Size cap of the thumbnails kept in Redis; the least recently used go first.

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

    def __init__(self, url: str, *, namespace: str = "patsnap", thumbnail_max_bytes: int = THUMBNAIL_MAX_BYTES) -> None:
        if not isinstance(url, str) or not url.strip():
            raise InvalidInputError(f"url={url!r}: expected a Redis URL such as redis://host:6379/0")
        self.shown_url = shown_url(url)
        if not isinstance(namespace, str) or not namespace or any(c in namespace for c in " *?[]\n"):
            raise InvalidInputError(f"namespace={namespace!r}: expected a non-empty name without spaces "
                                    "or the wildcards * ? [ ]")
        self.namespace = namespace
        self.thumbnail_max_bytes = check_int(thumbnail_max_bytes, "thumbnail_max_bytes", 1)
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
        """requests-cache's Redis backend on this connection, under ``<namespace>:http``.

        ``kwargs`` go to :class:`requests_cache.RedisCache` (e.g. ``ttl_offset``).

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
        return RedisHTTPCache(self, **kwargs)

    def upload_memo(self) -> RedisUploadMemo:
        """The upload memo in Redis (entries expire with their URL).

        Examples
        --------
        >>> from patsnap_pandas.testing import RedisServer
        >>> server = RedisServer()
        >>> backend = RedisBackend(server.url)
        >>> backend.upload_memo().count()
        0
        >>> backend.close(); server.stop()
        """
        return RedisUploadMemo(self)

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

    def clear(self) -> None:
        """Delete the HTTP answers, remembered uploads and thumbnails of this namespace.

        Locks in flight, the rate limit and usage counters stay: clearing a cache must neither
        let an identical call through twice nor reset what was spent.

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
        for pattern in ("http:*", "http-redirects", "upload:*", "thumb:*", "thumb-*"):
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


# --- the HTTP cache ----------------------------------------------------------------------------

class _ResponsesDict(RedisDict):
    """requests-cache's RedisDict, writing with ``SET key value EX ttl`` (SETEX is deprecated in redis-py)."""

    def __setitem__(self, key: str, item: Any) -> None:
        expires_delta = getattr(item, "expires_delta", None)
        ttl = None if expires_delta is None or not self.ttl else int(expires_delta + self.ttl_offset)
        self.connection.set(self._bkey(key), self.serialize(item), ex=ttl if ttl and ttl > 0 else None)


class RedisHTTPCache(requests_cache.RedisCache):
    """requests-cache's ``RedisCache`` on a :class:`RedisBackend`, which never drops a paid answer.

    Answers are JSON (not pickle) under ``<namespace>:http:<key>``. A read that fails raises
    :class:`~patsnap_pandas.errors.CacheUnavailableError` before the network call (a miss would
    be billed again). A write that fails keeps the answer in memory for this session, returns it
    as usual and warns once (:class:`~patsnap_pandas.errors.CacheWarning`).

    Examples
    --------
    >>> import requests_cache
    >>> from patsnap_pandas.testing import RedisServer
    >>> server = RedisServer()
    >>> backend = RedisBackend(server.url)
    >>> session = requests_cache.CachedSession(backend=backend.http_cache())
    >>> session.cache.namespace, session.cache.count()
    ('patsnap:http', 0)
    >>> session.close(); backend.close(); server.stop()
    """

    def __init__(self, backend: RedisBackend, **kwargs: Any) -> None:
        kwargs.setdefault("serializer", "json")
        super().__init__(namespace=backend.key("http"), connection=backend.connection, **kwargs)
        self.responses.__class__ = _ResponsesDict  # SET ... EX instead of redis-py's deprecated SETEX
        self.backend = backend
        self.namespace = backend.key("http")
        self._memory: dict[str, CachedResponse] = {}
        self._warner = _write_warner()

    def get_response(self, key: str, default: Any = None) -> CachedResponse | None:
        kept = self._memory.get(key)
        if kept is not None:
            return kept
        with self.backend.guard("reading a cached answer"):
            found: CachedResponse | None = super().get_response(key, default)
            return found

    def save_response(self, response: requests.Response, cache_key: str | None = None,
                      expires: datetime | None = None) -> None:
        cache_key = cache_key or self.create_key(response.request)
        try:
            super().save_response(response, cache_key, expires)
            self._memory.pop(cache_key, None)
            return
        except self.backend._errors as exc:
            self._warn(self.backend.describe(exc), stacklevel=4)
        except Exception as exc:  # noqa: BLE001 - e.g. an answer the serializer refuses: the caller still gets it
            self._warn(f"{type(exc).__name__}: {redact(str(exc))}", stacklevel=4)
        try:
            self._memory[cache_key] = paid_answer(self, response, expires)
        except Exception:  # noqa: BLE001 - not even kept in memory; the answer itself is returned as usual
            return

    def delete(self, *keys: str, **kwargs: Any) -> None:
        for key in keys:
            self._memory.pop(key, None)
        try:
            super().delete(*keys, **kwargs)
        except self.backend._errors as exc:  # a stale answer that stays is re-checked on use
            self._warn(self.backend.describe(exc), stacklevel=4)

    def _warn(self, problem: str, stacklevel: int) -> None:
        self._warner.warn(f"the shared cache at {self.backend.shown_url}", problem, "HTTP answers",
                          stacklevel=stacklevel)

    def contains(self, key: str | None = None, request: Any = None, url: str | None = None,
                 verify: bool = True) -> bool:
        if key is not None and key in self._memory:
            return True
        with self.backend.guard("looking up a cached answer"):
            return bool(super().contains(key=key, request=request, url=url, verify=verify))

    def clear(self) -> None:
        self._memory.clear()
        with self.backend.guard("clearing the HTTP cache"):
            super().clear()  # type: ignore[no-untyped-call]

    def count(self) -> int:
        """Stored answers (in Redis, plus those kept in memory after a failed write)."""
        return self.backend.scan_count(f"{self.namespace}:*") + len(self._memory)

    def close(self) -> None:
        """Nothing to close: the connection belongs to the backend (``backend.close()``)."""

    def __repr__(self) -> str:
        return f"RedisHTTPCache(url={self.backend.shown_url!r}, namespace={self.namespace!r})"


# --- the upload memo ---------------------------------------------------------------------------

class RedisUploadMemo:
    """sha256 of uploaded bytes -> (URL, issued_at, expires_at) in Redis, each gone at its expiry.

    The API of :class:`~patsnap_pandas.store.upload_memo.UploadMemo`. A read that fails raises
    CacheUnavailableError (before the upload); a write that fails keeps the URL in memory
    and warns once: an upload already paid for is never lost.

    Examples
    --------
    >>> import time
    >>> from patsnap_pandas.testing import RedisServer
    >>> server = RedisServer()
    >>> memo = RedisBackend(server.url).upload_memo()
    >>> memo.put("k1", "https://img.example/q.png", 0.0, 4e9)
    >>> memo.get("k1")
    ('https://img.example/q.png', 0.0, 4000000000.0)
    >>> memo.put("k2", "https://img.example/r.png", 0.0, time.time() - 1)    # already expired: not kept
    >>> memo.count(), memo.clear(), memo.count()
    (1, None, 0)
    >>> server.stop()
    """

    def __init__(self, backend: RedisBackend) -> None:
        self.backend = backend
        self.path: str = f"{backend.shown_url} {backend.key('upload', '*')}"  # where, for messages
        self._lock = threading.Lock()
        self._memory: dict[str, tuple[str, float, float]] = {}
        self._warner = _write_warner()

    def _key(self, key: str) -> str:
        return self.backend.key("upload", key)

    def get(self, key: str) -> tuple[str, float, float] | None:
        """(url, issued_at, expires_at) or None; CacheUnavailableError when Redis fails."""
        with self._lock:
            kept = self._memory.get(key)
        if kept is not None:
            return kept
        with self.backend.guard("reading the upload memo"):
            raw = self.backend.connection.get(self._key(key))
        if raw is None:
            return None
        try:
            url, issued_at, expires_at = json.loads(raw)
            return str(url), float(issued_at), float(expires_at)
        except (ValueError, TypeError):
            return None  # not ours (another writer's format): as if absent; the next put replaces it

    def put(self, key: str, url: str, issued_at: float, expires_at: float) -> None:
        """Remember an upload until ``expires_at`` (epoch seconds); in memory when Redis fails (warns once)."""
        expires_ms = int(expires_at * 1000)
        if expires_ms <= int(time.time() * 1000):
            return  # its URL is dead already: nothing to reuse
        try:
            self.backend.connection.set(self._key(key), json.dumps([url, issued_at, expires_at]), pxat=expires_ms)
        except self.backend._errors as exc:
            self._warner.warn(f"the shared cache at {self.backend.shown_url}", self.backend.describe(exc),
                              "the upload memo (an upload already paid for)")
            with self._lock:
                self._memory[key] = (url, float(issued_at), float(expires_at))
            return
        with self._lock:
            self._memory.pop(key, None)

    def count(self) -> int:
        """Remembered uploads still alive; CacheUnavailableError when Redis fails."""
        now = time.time()
        with self._lock:
            alive = sum(1 for entry in self._memory.values() if entry[2] >= now)
        return alive + self.backend.scan_count(self._key("*"))

    def clear(self) -> None:
        """Forget every upload of this namespace."""
        with self._lock:
            self._memory.clear()
        self.backend.delete_matching(self._key("*"))

    def __repr__(self) -> str:
        return f"RedisUploadMemo(url={self.backend.shown_url!r}, namespace={self.backend.namespace!r})"


# --- the thumbnail store -----------------------------------------------------------------------

class RedisThumbnailStore(ThumbnailStore):
    """A :class:`~patsnap_pandas.store.thumbnails.ThumbnailStore` keeping thumbnails in Redis, size-capped (LRU).

    Same keys as on disk (patent id + image URL without query + size). Each read marks the
    thumbnail as used (server time); a write that passes ``max_bytes`` evicts the least
    recently used down to :data:`~patsnap_pandas.store.thumbnails.EVICT_TO` of it, in one Lua script.
    A read that fails raises CacheUnavailableError; a write that fails costs only the cache
    (the thumbnail is returned, and a ThumbnailWarning says it was not kept).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> from patsnap_pandas.testing import RedisServer
    >>> server = RedisServer()
    >>> backend = RedisBackend(server.url)
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, limit=5)
    >>> store = backend.thumbnail_store(size=128)
    >>> pngs = store.load(zip(df["patent_id"], df["image_url"]))
    >>> all(png.startswith(b"\\x89PNG") for png in pngs), store.info()["files"]
    (True, 5)
    >>> store.clear(); store.info()["files"]
    0
    >>> client.close(); backend.close(); server.stop()
    """

    def __init__(self, backend: RedisBackend, *, size: int = 256, max_bytes: int = THUMBNAIL_MAX_BYTES,
                 max_workers: int = 8, timeout: float = 20) -> None:
        super().__init__(size=size, max_bytes=max_bytes, max_workers=max_workers, timeout=timeout)
        self.backend = backend

    @staticmethod
    def _index_keys(backend: RedisBackend) -> list[str]:
        return [backend.key("thumb-lru"), backend.key("thumb-sizes"), backend.key("thumb-bytes")]

    @classmethod
    def stored(cls, backend: RedisBackend) -> tuple[int, int]:
        """(thumbnails, bytes) stored on ``backend``'s namespace."""
        lru, _, total = cls._index_keys(backend)
        with backend.guard("reading the thumbnail index"):
            pipe = backend.connection.pipeline(transaction=False)
            pipe.zcard(lru)
            pipe.get(total)
            files, size = pipe.execute()
        return int(files), int(size or 0)

    def _location(self) -> str:
        return f"{self.backend.shown_url} {self.backend.key('thumb', '*')}"

    def _read(self, key: str) -> bytes | None:
        keys = [self.backend.key("thumb", key), *self._index_keys(self.backend)]
        with self.backend.guard("reading a thumbnail"):
            data = self.backend.script(_THUMB_READ_LUA)(keys=keys, args=[key])
        return bytes(data) if data is not None and bytes(data[:8]) == b"\x89PNG\r\n\x1a\n" else None

    def _write(self, key: str, data: bytes) -> str | None:
        keys = [self.backend.key("thumb", key), *self._index_keys(self.backend)]
        args = [key, data, self.max_bytes, int(self.max_bytes * EVICT_TO), self.backend.key("thumb", "")]
        try:
            self.backend.script(_THUMB_WRITE_LUA)(keys=keys, args=args)
        except self.backend._errors as exc:
            return self.backend.describe(exc)
        return None

    def info(self) -> dict[str, Any]:
        """``{"directory", "files", "bytes", "max_bytes"}`` as ThumbnailStore's; ``directory`` names the Redis keys.

        Examples
        --------
        >>> from patsnap_pandas.testing import RedisServer
        >>> server = RedisServer()
        >>> store = RedisBackend(server.url).thumbnail_store(max_bytes=2**20)
        >>> store.info() == {"directory": server.url + " patsnap:thumb:*", "files": 0, "bytes": 0,
        ...                  "max_bytes": 2**20}
        True
        >>> server.stop()
        """
        files, size = self.stored(self.backend)
        return {"directory": self._location(), "files": files, "bytes": size, "max_bytes": self.max_bytes}

    def clear(self) -> None:
        """Delete every thumbnail of this namespace (all sizes) and the index.

        Examples
        --------
        >>> from patsnap_pandas.testing import RedisServer
        >>> server = RedisServer()
        >>> store = RedisBackend(server.url).thumbnail_store()
        >>> store.clear(); store.info()["files"]
        0
        >>> server.stop()
        """
        self.backend.delete_matching(self.backend.key("thumb", "*"))
        self.backend.delete_matching(self.backend.key("thumb-*"))

    def __repr__(self) -> str:
        return (f"RedisThumbnailStore(url={self.backend.shown_url!r}, namespace={self.backend.namespace!r}, "
                f"size={self.size}, max_bytes={self.max_bytes}, max_workers={self.max_workers})")


# --- single flight -----------------------------------------------------------------------------

class RedisSingleFlight(locks.SingleFlight):
    """Single flight for every process and machine on one Redis namespace: :meth:`hold` as SingleFlight's.

    Threads of one process first meet on a thread lock (as in SingleFlight); then the holder
    takes a Redis lease (redis-py's ``Lock``: ``SET NX PX`` with a random token, released by
    a token-checking Lua script, so only its owner releases it). The lease lasts ``lease``
    seconds and is renewed every fifth of that while held, so the lock of a holder that died
    is free again within ``lease`` seconds. Waiting longer than
    :data:`~patsnap_pandas.store.locks.LOCK_TIMEOUT_S` raises :class:`~patsnap_pandas.errors.CacheError`.

    A holder paused longer than its lease (a stopped process, a suspended laptop: nothing
    renews it meanwhile) loses the lease to whoever asks next. :meth:`check_held`, which the
    client calls just before each billed call, compares the lease's token in Redis with its
    own and raises :class:`~patsnap_pandas.store.locks.LeaseLost` when it differs; the client then
    takes the lock again and asks the cache again instead of paying a second time.

    Examples
    --------
    >>> from patsnap_pandas.testing import RedisServer
    >>> server = RedisServer()
    >>> backend = RedisBackend(server.url)
    >>> flights = backend.single_flight()
    >>> with flights.hold(locks.flight_key("upload", "abc")):
    ...     flights.check_held()            # the lease is ours: the one upload of these bytes happens here
    >>> backend.connection.exists(backend.key("lock", locks.flight_key("upload", "abc")))   # released
    0

    A lease that ran out and was taken by another process is found before the call is sent:

    >>> with flights.hold("k"):
    ...     _ = backend.connection.set(backend.key("lock", "k"), "another-process", px=5000)
    ...     flights.check_held()
    Traceback (most recent call last):
    ...
    patsnap_pandas.store.locks.LeaseLost: The cache file redis://127.0.0.1:.../0 (lock patsnap:lock:k) was lost ...
    >>> backend.close(); server.stop()
    """

    def __init__(self, backend: RedisBackend, lease: float = LOCK_LEASE_S) -> None:
        super().__init__(None)
        self.lease = check_number(lease, "lease", minimum=0.1, maximum=3600, what="a number of seconds")
        self.backend = backend

    def _where(self, key: str) -> str:
        return f"{self.backend.shown_url} (lock {self.backend.key('lock', key)})"

    @contextmanager
    def _shared_lock(self, key: str) -> Iterator[Any]:
        backend = self.backend
        lock = backend.connection.lock(backend.key("lock", key), timeout=self.lease, sleep=LOCK_POLL_S,
                                       blocking=False, thread_local=False)
        token = _secrets.token_hex(16)

        def attempt() -> bool:
            with backend.guard("taking a lock"):
                return bool(lock.acquire(token=token))

        self.wait_for(attempt, LOCK_POLL_S, lambda: CacheError(
            self._where(key), f"is held by another process for more than {locks.LOCK_TIMEOUT_S:g} s "
            "(it is making the same upload or search)", fix=_BUSY_FIX))
        stop = threading.Event()
        lost: list[str] = []
        renewer = threading.Thread(target=self._renew, args=(lock, key, stop, lost), daemon=True,
                                   name=f"patsnap-lease-{key[:8]}")
        renewer.start()
        fenced = False
        try:
            yield lock
        except locks.LeaseLost as exc:
            fenced = key in exc.keys
            raise
        finally:
            stop.set()
            renewer.join()
            # A loss the fence found before a billed call was sent cost nothing twice, and the
            # caller takes the lock again: nothing to warn about.
            self._release(lock, key, lost, quiet=fenced)

    def _still_ours(self, handle: Any) -> bool:
        if handle is None:
            return True
        with self.backend.guard("checking a lock"):
            return bool(handle.owned())

    def _renew(self, lock: Any, key: str, stop: threading.Event, lost: list[str]) -> None:
        while not stop.wait(self.lease / 5):
            try:
                lock.reacquire()
            except self.backend._not_owned:
                lost.append(self._why_lost(key))
                return
            except self.backend._errors:
                continue  # transient: try again; the lease runs out by itself if the server stays away

    def _why_lost(self, key: str) -> str:
        """What took a held lock away, as far as the server can tell: a restart, a flush, or a lease run out."""
        backend = self.backend
        try:
            holder = backend.connection.get(backend.key("lock", key))
        except backend._errors as exc:
            return f"it was lost while held, and the server cannot be asked why ({backend.describe(exc)})"
        if backend.restarted():
            return ("the Redis server restarted while it was held; without persistence it lost its data: cached "
                    "answers, remembered uploads and the counts of billed calls")
        if holder is None:
            return (f"its key vanished while it was held: the shared cache was flushed or evicted it, or the lease "
                    f"ran out (this process stalled for more than {self.lease:g} s)")
        return f"the lease ran out (this process stalled for more than {self.lease:g} s) and another process took it"

    def _release(self, lock: Any, key: str, lost: list[str], *, quiet: bool = False) -> None:
        """Release the lease; warn when it was lost while held (unless ``quiet``: the fence found the loss
        before a billed call was sent) or could not be released."""
        # Never raise here: the block's result (an answer already paid for) must reach the caller.
        problems = [] if quiet else list(lost)
        try:
            lock.release()
        except self.backend._not_owned:
            if not quiet and not problems:
                problems.append(self._why_lost(key))
        except self.backend._errors as exc:
            problems.append(f"it could not be released ({self.backend.describe(exc)}); it frees itself "
                            f"within {self.lease:g} s")
        if problems:
            warnings.warn(CacheWarning(f"The lock {self._where(key)}: {'; '.join(problems)}. An identical upload or "
                                       "search in another process may have been billed as well."), stacklevel=4)


_BUSY_FIX = ("Wait for the other search to finish, or stop the process holding it; a process that died "
             f"frees its lock within {LOCK_LEASE_S:g} s.")


# --- the shared rate limit ---------------------------------------------------------------------

class SharedRateLimiter(RateLimiter):
    """At most ``rate`` call starts per second for everyone on one Redis namespace; interruptible.

    The API of :class:`~patsnap_pandas.store.rate_limit.RateLimiter`. Each :meth:`wait` reserves the next
    free start in one Lua script run by the server (GCRA: starts spaced ``1 / rate`` apart on the
    Redis server's clock, so machines with skewed clocks agree), then sleeps until it on an event
    that :meth:`interrupt` sets. ``rate`` None: unlimited, without a Redis round trip. A start
    reserved by a wait that was then interrupted stays used. A Redis failure raises
    CacheUnavailableError (before the call).

    Examples
    --------
    >>> import time
    >>> from patsnap_pandas.testing import RedisServer
    >>> server = RedisServer()
    >>> limiter = RedisBackend(server.url).rate_limiter(20)     # 20 starts per second, for all processes
    >>> started = time.monotonic()
    >>> for _ in range(3):
    ...     limiter.wait()
    >>> time.monotonic() - started >= 0.09, limiter.admitted
    (True, 3)
    >>> limiter.interrupt()
    >>> limiter.wait()
    Traceback (most recent call last):
    ...
    patsnap_pandas.waits.Interrupted: interrupted: no new call is made
    >>> limiter.resume(); limiter.wait(); limiter.admitted
    4
    >>> server.stop()
    """

    def __init__(self, backend: RedisBackend, rate: float | None) -> None:
        check_rate(rate, "rate")
        super().__init__(rate)
        self.backend = backend

    def wait(self) -> None:
        """Wait for this call's start; raise :class:`~patsnap_pandas.waits.Interrupted` when interrupted."""
        if self._stop.is_set():
            raise Interrupted("interrupted: no new call is made")
        rate = self.rate
        if rate:
            interval_us = math.ceil(1_000_000 / rate)
            with self.backend.guard("reserving a call under the shared rate limit"):
                delay_us = int(self.backend.script(_RATE_LUA)(keys=[self.backend.key("rate")], args=[interval_us]))
            if delay_us > 0:
                self.sleep(delay_us / 1_000_000)
        if self._stop.is_set():
            raise Interrupted("interrupted: no new call is made")
        with self._lock:
            self.admitted += 1

    def __repr__(self) -> str:
        return f"SharedRateLimiter(url={self.backend.shown_url!r}, rate={self.rate!r}, admitted={self.admitted})"


"""The one HTTP session: requests-cache + urllib3 retries + timeouts + rate limit.

Also the two guards that keep secrets out of logs: :func:`register_secret` and
:class:`RedactingFilter`, installed on the loggers of urllib3 and requests-cache
(which log request URLs, and the ``apikey`` query parameter with them) when the
first client is built, never at import.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Mapping

import requests
import requests.auth
import requests_cache
from requests.adapters import HTTPAdapter
from requests_cache.policy.expiration import DO_NOT_CACHE
from urllib3.util.retry import Retry

__all__ = [
    "Usage", "RateLimiter", "HeadersAuth", "CountingRetry", "PatsnapAdapter", "build_session",
    "register_secret", "redact", "install_log_redaction", "SECRET_PARAMETERS",
]

#: Request parameters and headers that carry secrets: never part of a cache key, never stored.
SECRET_PARAMETERS: tuple[str, ...] = ("apikey", "Authorization", "authorization", "client_secret",
                                      "client_id", "token", "access_token")

#: HTTP statuses urllib3 retries (with backoff, honouring Retry-After).
RETRY_STATUSES: frozenset[int] = frozenset({500, 502, 503, 504})
RETRY_AFTER_MAX_S = 60.0
BACKOFF_MAX_S = 30.0

_secrets: set[str] = set()
#: The secrets, longest first (so a secret containing another is masked whole); rebuilt on
#: registration so that redact(), which runs on every log record, neither sorts nor locks.
_secrets_by_length: tuple[str, ...] = ()
_secrets_lock = threading.Lock()
_MASK = "***"


def register_secret(value: str | None) -> None:
    """Remember a secret so that :func:`redact` (and the log filter) hides it.

    The client registers its client id and secret, API key and tokens; values shorter
    than 4 characters are ignored.

    Examples
    --------
    >>> register_secret("s3cr3t-value")
    >>> redact("POST /oauth/token client_secret=s3cr3t-value")
    'POST /oauth/token client_secret=***'
    """
    global _secrets_by_length
    if value and len(value) >= 4:
        with _secrets_lock:
            if value not in _secrets:
                _secrets.add(value)
                _secrets_by_length = tuple(sorted(_secrets, key=len, reverse=True))


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``.

    Examples
    --------
    >>> register_secret("sk-example-0123")
    >>> redact("GET /image-search/results?apikey=sk-example-0123&offset=100")
    'GET /image-search/results?apikey=***&offset=100'
    """
    for secret in _secrets_by_length:
        if secret in text:
            text = text.replace(secret, _MASK)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites a log record whose text contains a registered secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is not ours to fix
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            cleaned = redact(text)
            if cleaned != text:
                record.exc_info, record.exc_text = None, cleaned
        return True


_FILTER = RedactingFilter()
_LOGGED_PACKAGES = ("urllib3", "requests", "requests_cache", "patsnap_pandas")
# Loggers known to log URLs; created here so that the filter reaches them even before first use.
_KNOWN_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.connection",
                  "urllib3.response", "urllib3.poolmanager", "requests_cache.session",
                  "requests_cache.policy.actions", "requests_cache.policy.expiration",
                  "requests_cache.backends.base", "requests_cache.backends.sqlite",
                  "requests_cache.cache_keys", "requests_cache", "patsnap_pandas.client")
_install_lock = threading.Lock()


def install_log_redaction() -> None:
    """Attach :class:`RedactingFilter` to the loggers of the HTTP stack (idempotent).

    A logger's filters apply only to records it creates itself, so the filter goes
    on every logger of those packages, not only on the package roots.

    Examples
    --------
    >>> import logging
    >>> install_log_redaction()
    >>> register_secret("sk-example-4567")
    >>> logger = logging.getLogger("urllib3.connectionpool")
    >>> record = logger.makeRecord(logger.name, logging.DEBUG, "connectionpool.py", 1,
    ...                            "GET /x?apikey=%s", ("sk-example-4567",), None)
    >>> logger.filter(record), record.getMessage()
    (True, 'GET /x?apikey=***')
    """
    with _install_lock:
        names = set(_KNOWN_LOGGERS)
        names.update(name for name in list(logging.root.manager.loggerDict)
                     if name.split(".")[0] in _LOGGED_PACKAGES)
        for name in names:
            logger = logging.getLogger(name)
            if _FILTER not in logger.filters:
                logger.addFilter(_FILTER)


class Usage:
    """What a client spent: network requests per endpoint, cache hits, billed calls, retries.

    ``requests`` counts every network attempt (retries included) per endpoint name;
    ``billed_calls`` counts the attempts on billable endpoints that reached the server;
    ``cache_hits`` counts answers served from the HTTP cache or the upload memo.

    Examples
    --------
    Every client has one, ``client.usage``:

    >>> from patsnap_pandas import PatsnapClient, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> hits = search_designs("chair.png", client=client)
    >>> hits = search_designs("chair.png", client=client)      # the same search: from the cache
    >>> client.usage
    Usage(requests={'token': 1, 'upload': 1, 'search': 1}, cache_hits=2, billed_calls=2, retries=0)
    >>> client.usage.as_dict()["billed_calls"]
    2
    >>> client.close()
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.cache_hits = 0
        self.billed_calls = 0
        self.retries = 0

    def add_request(self, endpoint: str, *, billed: bool) -> None:
        with self._lock:
            self.requests[endpoint] += 1
            if billed:
                self.billed_calls += 1

    def add_retry(self) -> None:
        with self._lock:
            self.retries += 1

    def add_cache_hit(self) -> None:
        with self._lock:
            self.cache_hits += 1

    def as_dict(self) -> dict[str, Any]:
        """A JSON-safe snapshot."""
        with self._lock:
            return {"requests": dict(self.requests), "cache_hits": self.cache_hits,
                    "billed_calls": self.billed_calls, "retries": self.retries}

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.cache_hits = self.billed_calls = self.retries = 0

    def __repr__(self) -> str:
        d = self.as_dict()
        return (f"Usage(requests={d['requests']}, cache_hits={d['cache_hits']}, "
                f"billed_calls={d['billed_calls']}, retries={d['retries']})")


class RateLimiter:
    """At most ``rate`` call starts per second across threads (None: unlimited).

    Examples
    --------
    >>> import time
    >>> limiter = RateLimiter(20)              # 20 calls per second: one every 50 ms
    >>> started = time.monotonic()
    >>> for _ in range(3):
    ...     limiter.wait()
    >>> time.monotonic() - started >= 0.09, limiter.admitted
    (True, 3)
    """

    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self.admitted = 0  # network call starts that passed through (cache hits never do)
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        with self._lock:
            self.admitted += 1
            if not self.rate:
                return
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + 1.0 / self.rate
        if slot > now:
            time.sleep(slot - now)


AttemptHook = Callable[[str, Any, Any], None]  # (url, response or None, error or None)


class CountingRetry(Retry):
    """urllib3 ``Retry`` that reports every failed attempt to ``on_attempt``.

    ``increment`` runs once per failed attempt (including the last one when the
    retries are exhausted), which is where attempts the caller never sees happen.

    Examples
    --------
    >>> import urllib3
    >>> failed = []
    >>> retry = make_retry(3, 0.5, lambda url, response, error: failed.append(url))
    >>> retry = retry.increment("GET", "/image-search/search-id",
    ...                         error=urllib3.exceptions.ProtocolError("Connection aborted"))
    >>> type(retry).__name__, retry.total, failed
    ('CountingRetry', 2, ['/image-search/search-id'])
    """

    def __init__(self, *args: Any, on_attempt: AttemptHook | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_attempt = on_attempt

    def new(self, **kw: Any) -> CountingRetry:
        retry = super().new(**kw)
        retry.on_attempt = self.on_attempt
        return retry

    def increment(self, method=None, url=None, response=None, error=None, _pool=None,
                  _stacktrace=None):  # noqa: D102 - urllib3's signature
        try:
            retry = super().increment(method, url, response, error, _pool, _stacktrace)
        except Exception:
            # Exhausted. A final error response is returned to the caller, who counts it;
            # a final network error is not, so count it here.
            if error is not None and self.on_attempt:
                self.on_attempt(url or "", None, error)
            raise
        if self.on_attempt:
            self.on_attempt(url or "", response, error)
        return retry


def make_retry(max_retries: int, backoff_factor: float, on_attempt: AttemptHook | None) -> Retry:
    """Transport-level retries: connection errors, timeouts and HTTP 5xx, GET and POST alike.

    Examples
    --------
    >>> retry = make_retry(5, 0.5, None)
    >>> retry.total, sorted(retry.status_forcelist), sorted(retry.allowed_methods)
    (5, [500, 502, 503, 504], ['GET', 'POST'])
    """
    return CountingRetry(
        total=max_retries, connect=max_retries, read=max_retries, status=max_retries, other=0,
        redirect=3, allowed_methods=frozenset({"GET", "POST"}), status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff_factor, backoff_jitter=backoff_factor, backoff_max=BACKOFF_MAX_S,
        retry_after_max=RETRY_AFTER_MAX_S, respect_retry_after_header=True,
        raise_on_status=False, on_attempt=on_attempt,
    )


class HeadersAuth(requests.auth.AuthBase):
    """Leaves the request as built: keeps requests from replacing our Authorization header with
    credentials it would otherwise look up in ~/.netrc.

    Examples
    --------
    >>> import requests
    >>> request = requests.Request("GET", "https://connect.patsnap.com/image-search/results",
    ...                            headers={"Authorization": "Bearer my-token"}, auth=HeadersAuth())
    >>> request.prepare().headers["Authorization"]
    'Bearer my-token'
    """

    def __call__(self, request):
        return request


class PatsnapAdapter(HTTPAdapter):
    """HTTPAdapter that applies the rate limit; it only runs for real network calls.

    It sits below the HTTP cache, so a cache hit never waits for the rate limit.

    Examples
    --------
    >>> adapter = PatsnapAdapter(make_retry(5, 0.5, None), RateLimiter(2.0))
    >>> adapter.limiter.rate, adapter.max_retries.total
    (2.0, 5)
    """

    def __init__(self, retry: Retry, limiter: RateLimiter, pool_maxsize: int = 16) -> None:
        self.limiter = limiter
        super().__init__(max_retries=retry, pool_connections=4, pool_maxsize=pool_maxsize)

    def send(self, request, *args, **kwargs):  # noqa: D102
        self.limiter.wait()
        return super().send(request, *args, **kwargs)


def _is_backend(cache: Any) -> bool:
    return isinstance(cache, requests_cache.BaseCache)


def sqlite_path(cache: Any, cache_dir: Path) -> Path | None:
    """Where the SQLite cache file lives for a ``cache`` argument (None: not a SQLite file we own)."""
    if cache is True:
        return cache_dir / "http_cache.sqlite"
    if isinstance(cache, (str, os.PathLike)):
        path = Path(cache).expanduser()
        return path if path.suffix in (".sqlite", ".db") else path / "http_cache.sqlite"
    return None


def build_session(*, cache: Any, cache_dir: Path, urls_expire_after: Mapping[str, Any],
                  filter_fn: Callable[[requests.Response], bool], adapter: HTTPAdapter,
                  user_agent: str) -> requests.Session:
    """A requests session for the client.

    Parameters
    ----------
    cache : bool, str, PathLike or requests_cache backend
        False: no HTTP cache; True: SQLite in ``cache_dir``; a path: SQLite there;
        a backend object (e.g. ``requests_cache.RedisCache()``): that backend.
    urls_expire_after : mapping
        URL pattern -> lifetime; anything else is never cached.
    filter_fn : callable
        Only responses for which it returns True are stored.
    adapter : HTTPAdapter
        Mounted for http:// and https:// (retries and rate limit).
    user_agent : str
        The User-Agent header.

    Examples
    --------
    >>> from pathlib import Path
    >>> adapter = PatsnapAdapter(make_retry(5, 0.5, None), RateLimiter(None))
    >>> session = build_session(cache=True, cache_dir=Path("cache"), urls_expire_after={},
    ...                         filter_fn=lambda response: True, adapter=adapter, user_agent="example/1.0")
    >>> type(session).__name__, session.cache.db_path.name, session.headers["User-Agent"]
    ('CachedSession', 'http_cache.sqlite', 'example/1.0')
    >>> session.close()
    """
    if cache is False or cache is None:
        session: requests.Session = requests.Session()
    else:
        common = dict(
            expire_after=DO_NOT_CACHE, urls_expire_after=dict(urls_expire_after),
            allowable_methods=("GET", "POST"), allowable_codes=(200,), filter_fn=filter_fn,
            ignored_parameters=SECRET_PARAMETERS, match_headers=False, cache_control=False,
            stale_if_error=False,
        )
        if _is_backend(cache):
            session = requests_cache.CachedSession(backend=cache, **common)
        else:
            path = sqlite_path(cache, cache_dir)
            if path is None:
                raise TypeError(f"cache={cache!r} is not valid: expected True, False, a path or a "
                                "requests_cache backend object")
            path.parent.mkdir(parents=True, exist_ok=True)
            session = requests_cache.CachedSession(
                cache_name=str(path), backend="sqlite", busy_timeout=30_000, **common)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = user_agent
    return session


"""The HTTP transport of every call: the session around the store's cache, the adapter, retries of connections, usage counts.

* :func:`build_session`: the requests session of a client, cached in the backend its store
  gives (:meth:`patsnap_pandas.store.base.Store.http_cache`), or uncached;
* :class:`PatsnapAdapter`: mounted on the session, below the HTTP cache, so its last check
  before sending (the lease fencing) only ever sees real network calls;
* :func:`make_retry`: urllib3 retries only connections that could not be opened;
  every other retry is the pipeline's one retry step (:mod:`patsnap_pandas.api.pipeline`);
* :func:`retry_after_s`: a ``Retry-After`` header in seconds, as delta-seconds or an HTTP date;
* :class:`Usage`: what a client spent (requests, cache hits, billed calls, retries, waits).

Secrets are kept out of logs by :mod:`patsnap_pandas.redaction`, waits are
:mod:`patsnap_pandas.waits`', and the rate limit is a step of the pipeline, before the send.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import requests
import requests.auth
import requests_cache
from requests.adapters import HTTPAdapter
from requests_cache import DO_NOT_CACHE
from requests_cache.backends.base import BaseCache
from requests_cache.models import CachedResponse
from urllib3.util.retry import Retry

from ..redaction import SECRET_PARAMETERS
from ..store.cache import content_key

__all__ = ["Usage", "HeadersAuth", "PatsnapAdapter", "make_retry", "retry_after_s", "LONG_WAIT_S", "build_session",
           "keeps_misses"]

#: HTTP statuses the client's retry loop retries (with backoff, honouring Retry-After).
RETRY_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504})
#: The longest pause the server's ``Retry-After`` gets (a longer one is waited this long, then the call is
#: tried again); a call waits at most ``max_retries`` times this in all.
RETRY_AFTER_MAX_S = 60.0
BACKOFF_MAX_S = 30.0
#: A retry pause longer than this is shown: a log line (WARNING) and, in a batch, the progress bar.
LONG_WAIT_S = 5.0

_DELTA_SECONDS = re.compile(r"\d+(\.\d+)?")


def retry_after_s(value: str | None, date: str | None = None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait: delta-seconds or an HTTP date; None when absent or unreadable.

    An HTTP date is counted from the answer's own ``Date`` header when it has one (so a
    client whose clock is off still waits as long as the server meant), else from ``now``
    (default: this machine's clock). A date in the past asks for no wait (0). The caller caps it.

    Examples
    --------
    >>> retry_after_s("120")
    120.0
    >>> retry_after_s("Wed, 21 Oct 2015 07:28:30 GMT", date="Wed, 21 Oct 2015 07:28:00 GMT")
    30.0
    >>> import email.utils
    >>> retry_after_s("Wed, 21 Oct 2015 07:28:30 GMT", now=email.utils.parsedate_to_datetime(
    ...     "Wed, 21 Oct 2015 07:29:00 GMT").timestamp())          # already past
    0.0
    >>> retry_after_s("soon"), retry_after_s(""), retry_after_s(None), retry_after_s("-5")
    (None, None, None, None)
    """
    text = (value or "").strip()
    if not text:
        return None
    if _DELTA_SECONDS.fullmatch(text):
        return float(text)
    moment = _http_date(text)
    if moment is None:
        return None
    served = _http_date(date) if date else None
    base = served.timestamp() if served is not None else (time.time() if now is None else now)
    return max(0.0, moment.timestamp() - base)


def _http_date(text: str) -> dt.datetime | None:
    """An HTTP date (RFC 9110: IMF-fixdate, or the obsolete forms) as an aware datetime; None if it is not one."""
    try:
        moment = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.timezone.utc)


class Usage:
    """What a client spent: network requests per endpoint, cache hits, billed calls, retries.

    ``requests`` counts every network attempt (retries included) per endpoint name;
    ``billed_calls`` counts the attempts on billable endpoints that reached the server (a P062
    create counts once per query image, as PatSnap bills it);
    ``cache_hits`` counts answers served from the HTTP cache or the upload memo;
    ``throttled`` counts HTTP 429 answers (too many requests) and ``throttled_wait_s``
    the seconds waited after them, as their ``Retry-After`` asked (shown in the repr when any);
    ``retry_wait_s`` the seconds waited before every retry (backoff and ``Retry-After``; 429s
    included), measured, so an interrupted pause counts what it lasted. ``billed_sent``
    counts billable requests as they are handed to the network (``billed_calls`` counts
    them when their answer, or their failure, comes back), and :meth:`longest_wait` says
    which long pause is under way right now (a batch shows it on its progress bar).
    ``spent_today`` / ``spent_this_month`` are the billed calls of the UTC day and month
    counted by everyone sharing the client's cache (its usage counter), and ``budget``
    is ``{"limit", "window", "spent", "remaining", "resets_at"}`` when a budget is set
    (``PATSNAP_BUDGET`` / ``budget=``), else None; ``as_dict()`` has them all, and
    ``budget_left`` in words ("48 of 50 calls left today").

    Examples
    --------
    Every client has one, ``client.usage``:

    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> hits = search_designs(samples.image("armchair"), client=client)
    >>> hits = search_designs(samples.image("armchair"), client=client)      # the same search: from the cache
    >>> client.usage
    Usage(requests={'token': 1, 'upload': 1, 'search': 1}, cache_hits=1, billed_calls=2, retries=0, spent_today=2, spent_this_month=2)
    >>> client.usage.as_dict()["billed_calls"], client.usage.budget
    (2, None)
    >>> client.close()

    With a budget:

    >>> client = PatsnapClient.sandbox(budget="50/day")
    >>> hits = search_designs(samples.image("armchair"), client=client)
    >>> client.usage.budget["remaining"], client.usage.budget["window"]
    (48, 'day')
    >>> client.usage
    Usage(requests={...}, cache_hits=0, billed_calls=2, retries=0, spent_today=2, spent_this_month=2, budget='48 of 50 calls left today')
    >>> client.close()
    """

    def __init__(self, spending: Callable[[], dict[str, Any]] | None = None) -> None:
        #: ``spending()`` -> {"spent_today", "spent_this_month", "budget"}: the client's usage counter.
        self.spending = spending
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()
        self.cache_hits = 0
        self.billed_calls = 0
        self.retries = 0
        self.throttled = 0          # HTTP 429 answers
        self.throttled_wait_s = 0.0  # seconds waited after them, as their Retry-After asked
        self.retry_wait_s = 0.0      # seconds waited before retries (backoff and Retry-After)
        self.billed_sent = 0         # billable requests handed to the network
        self._waits: dict[int, tuple[float, str]] = {}  # id -> (monotonic end, why): pauses under way

    def add_throttled(self, waited: float = 0.0) -> None:
        """An HTTP 429 (too many requests) answer; ``waited``: seconds already waited because of it."""
        with self._lock:
            self.throttled += 1
            self.throttled_wait_s += waited

    def add_wait(self, waited: float, *, throttled: bool) -> None:
        """``waited`` seconds paused before a retry (``throttled``: after an HTTP 429)."""
        with self._lock:
            self.retry_wait_s += waited
            if throttled:
                self.throttled_wait_s += waited

    def add_sent(self) -> None:
        """A billable request handed to the network (it may be billed from now on)."""
        with self._lock:
            self.billed_sent += 1

    @contextmanager
    def waiting(self, seconds: float, why: str) -> Iterator[None]:
        """Marks a pause of ``seconds`` as under way (for :meth:`longest_wait`) while the block runs."""
        token = object()
        with self._lock:
            self._waits[id(token)] = (time.monotonic() + seconds, why)
        try:
            yield
        finally:
            with self._lock:
                self._waits.pop(id(token), None)

    def longest_wait(self) -> tuple[float, str] | None:
        """(seconds left, why) of the longest pause under way in any thread, or None.

        Examples
        --------
        >>> usage = Usage()
        >>> usage.longest_wait() is None
        True
        >>> with usage.waiting(30, "the server asked (HTTP 429)"):
        ...     left, why = usage.longest_wait()
        >>> 29 < left <= 30, why
        (True, 'the server asked (HTTP 429)')
        """
        now = time.monotonic()
        with self._lock:
            if not self._waits:
                return None
            end, why = max(self._waits.values())
        return max(0.0, end - now), why

    def add_request(self, endpoint: str, *, billed: bool, units: int = 1) -> None:
        """One network attempt; billed: ``units`` billed calls (a P062 create is billed per query image)."""
        with self._lock:
            self.requests[endpoint] += 1
            if billed:
                self.billed_calls += units

    def add_retry(self) -> None:
        with self._lock:
            self.retries += 1

    def add_cache_hit(self) -> None:
        with self._lock:
            self.cache_hits += 1

    @property
    def budget(self) -> dict[str, Any] | None:
        """``{"limit", "window", "spent", "remaining", "resets_at"}`` of the budget; None without one."""
        budget: dict[str, Any] | None = self.spending().get("budget") if self.spending is not None else None
        return budget

    def as_dict(self) -> dict[str, Any]:
        """A JSON-safe snapshot (with ``spent_today``, ``spent_this_month`` and ``budget`` from the counter)."""
        spent = self.spending() if self.spending is not None else {}
        with self._lock:
            return {"requests": dict(self.requests), "cache_hits": self.cache_hits,
                    "billed_calls": self.billed_calls, "retries": self.retries,
                    "throttled": self.throttled, "throttled_wait_s": round(self.throttled_wait_s, 3),
                    "retry_wait_s": round(self.retry_wait_s, 3), **spent}

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.cache_hits = self.billed_calls = self.retries = self.throttled = self.billed_sent = 0
            self.throttled_wait_s = self.retry_wait_s = 0.0

    def __repr__(self) -> str:
        d = self.as_dict()
        throttled = (f", throttled={d['throttled']} (waited {d['throttled_wait_s']:g} s as the server "
                     "asked)") if d["throttled"] else ""
        spent = (f", spent_today={d['spent_today']}, spent_this_month={d['spent_this_month']}"
                 if "spent_today" in d else "")
        if d.get("budget_left"):
            spent += f", budget={d['budget_left']!r}"
        return (f"Usage(requests={d['requests']}, cache_hits={d['cache_hits']}, "
                f"billed_calls={d['billed_calls']}, retries={d['retries']}{throttled}{spent})")


def make_retry(max_retries: int, backoff_factor: float) -> Retry:
    """Transport-level retries: only connections that could not be opened (nothing reached the server).

    Every other retry (HTTP 5xx, 429, dropped connections, timeouts, PatSnap's transient
    codes) is the client's one retry loop, where each attempt passes the rate limiter and
    is counted in ``client.usage``.

    Examples
    --------
    >>> retry = make_retry(5, 0.5)
    >>> retry.connect, retry.read, retry.status, retry.redirect
    (5, 0, 0, 0)
    """
    return Retry(
        total=max_retries, connect=max_retries, read=0, status=0, other=0, redirect=0,
        allowed_methods=frozenset({"GET", "POST"}), status_forcelist=(),
        backoff_factor=backoff_factor, backoff_jitter=backoff_factor, backoff_max=BACKOFF_MAX_S,
        respect_retry_after_header=False, raise_on_status=False, raise_on_redirect=False,
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

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        return request


class PatsnapAdapter(HTTPAdapter):
    """HTTPAdapter that runs ``before_send`` as the last step before a request goes out; only real network calls get here.

    It sits below the HTTP cache, so a cache hit never reaches it. ``before_send(request)``
    runs after every wait (the pipeline's rate limit and retry pauses, a token fetch, the
    cache's own I/O): the client checks there that the single-flight leases it holds are
    still its own (fencing) and counts the billable request as sent. Whatever it raises
    stops the request unsent.

    Examples
    --------
    >>> sent = []
    >>> adapter = PatsnapAdapter(make_retry(5, 0.5), before_send=sent.append)
    >>> adapter.max_retries.total, adapter.before_send is not None
    (5, True)
    """

    def __init__(self, retry: Retry, pool_maxsize: int = 16,
                 before_send: Callable[[requests.PreparedRequest], None] | None = None) -> None:
        self.before_send = before_send
        super().__init__(max_retries=retry, pool_connections=4, pool_maxsize=pool_maxsize)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:  # noqa: D102
        if self.before_send is not None:
            self.before_send(request)
        return super().send(request, *args, **kwargs)


def build_session(backend: BaseCache | None, *, urls_expire_after: Mapping[str | re.Pattern[str], Any],
                  filter_fn: Callable[[requests.Response], bool], adapter: HTTPAdapter,
                  user_agent: str) -> requests.Session:
    """The requests session of a client: cached in ``backend`` (its store's), or uncached when None.

    Keys name images by content and hold no credential (:func:`~patsnap_pandas.store.cache.content_key`);
    answers are kept only as ``urls_expire_after`` says, and only those ``filter_fn`` accepts.

    Parameters
    ----------
    backend : requests_cache backend or None
        Where answers are kept (:meth:`patsnap_pandas.store.base.Store.http_cache`); None: not kept.
    urls_expire_after : mapping
        URL pattern -> lifetime; anything else is never cached.
    filter_fn : callable
        Only responses for which it returns True are stored.
    adapter : HTTPAdapter
        Mounted for http:// and https://.
    user_agent : str
        The User-Agent header.

    Examples
    --------
    >>> from patsnap_pandas.store.local import LocalStore
    >>> adapter = PatsnapAdapter(make_retry(5, 0.5))
    >>> session = build_session(LocalStore("cache").http_cache(), urls_expire_after={},
    ...                         filter_fn=lambda response: True, adapter=adapter, user_agent="example/1.0")
    >>> type(session).__name__, session.cache.db_path.name, session.headers["User-Agent"]
    ('CachedSession', 'http_cache.sqlite', 'example/1.0')
    >>> session.close()
    >>> type(build_session(None, urls_expire_after={}, filter_fn=bool, adapter=adapter, user_agent="x")).__name__
    'Session'
    """
    if backend is None:
        session: requests.Session = requests.Session()
    else:
        session = requests_cache.CachedSession(
            backend=backend, expire_after=DO_NOT_CACHE, urls_expire_after=dict(urls_expire_after),
            allowable_methods=("GET", "POST"), allowable_codes=(200,), filter_fn=keeps_misses(filter_fn),
            ignored_parameters=SECRET_PARAMETERS, match_headers=False, cache_control=False,
            stale_if_error=False, key_fn=content_key)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = user_agent
    return session


def keeps_misses(filter_fn: Callable[[requests.Response], bool]) -> Callable[[requests.Response], bool]:
    """``filter_fn`` that never refuses the "504 Not Cached" of an only-if-cached look-up.

    requests-cache deletes the cached answer of every response its filter refuses, and that
    includes the 504 it makes up when a look-up misses. Between the miss and the delete another
    process sharing the cache may store that very answer; the delete would then throw away a
    paid search, and the next caller would pay for it again.

    Examples
    --------
    >>> from requests_cache.session import get_504_response
    >>> miss = get_504_response(requests.Request("GET", "https://example.com/x").prepare())
    >>> only_success = lambda response: response.status_code == 200
    >>> only_success(miss), keeps_misses(only_success)(miss)
    (False, True)
    """
    def keep(response: requests.Response) -> bool:
        if isinstance(response, CachedResponse) and response.status_code == 504 \
                and response.reason == "Not Cached":
            return True
        return filter_fn(response)
    return keep

"""The HTTP transport of every call: the adapter, auth headers, retries of connections, usage counts.

* :class:`PatsnapAdapter`: mounted on the client's session, below the HTTP cache, so only
  real network calls pass the rate limiter (cache hits never wait);
* :func:`make_retry`: urllib3 retries only connections that could not be opened;
  every other retry is the client's one retry loop;
* :func:`retry_after_s`: a ``Retry-After`` header in seconds, as delta-seconds or an HTTP date;
* :class:`Usage`: what a client spent (requests, cache hits, billed calls, retries, waits).

Secrets are kept out of logs by :mod:`patsnap_pandas.redaction`, waits are
:mod:`patsnap_pandas.waits`' and the rate limiter is the store's.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import requests
import requests.auth
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ..store.rate_limit import RateLimiter

__all__ = ["Usage", "HeadersAuth", "PatsnapAdapter", "make_retry", "retry_after_s", "LONG_WAIT_S"]

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
    ``billed_calls`` counts the attempts on billable endpoints that reached the server;
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
    """HTTPAdapter that applies the rate limit, then ``before_send``; it only runs for real network calls.

    It sits below the HTTP cache, so a cache hit never waits for the rate limit.
    ``before_send(request)`` runs after every wait, as the last step before the request
    goes out: the client checks there that the single-flight leases it holds are still its
    own (fencing) and counts the billable request as sent. Whatever it raises stops the
    request unsent.

    Examples
    --------
    >>> adapter = PatsnapAdapter(make_retry(5, 0.5), RateLimiter(2.0))
    >>> adapter.limiter.rate, adapter.max_retries.total
    (2.0, 5)
    """

    def __init__(self, retry: Retry, limiter: RateLimiter, pool_maxsize: int = 16,
                 before_send: Callable[[requests.PreparedRequest], None] | None = None) -> None:
        self.limiter = limiter
        self.before_send = before_send
        super().__init__(max_retries=retry, pool_connections=4, pool_maxsize=pool_maxsize)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:  # noqa: D102
        self.limiter.wait()
        if self.before_send is not None:
            self.before_send(request)
        return super().send(request, *args, **kwargs)



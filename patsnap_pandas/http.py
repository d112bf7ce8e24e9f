"""The one HTTP session: requests-cache + urllib3 retries + timeouts + rate limit.

Also the two guards that keep secrets out of logs: :func:`register_secret` and
:class:`RedactingFilter`, installed on the loggers of urllib3 and requests-cache
(which log request URLs, and the ``apikey`` query parameter with them) when the
first client is built, never at import.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, quote_plus

import requests
import requests.auth
from requests.adapters import HTTPAdapter
from requests_cache.models import CachedResponse
from urllib3.util.retry import Retry

__all__ = [
    "Usage", "RateLimiter", "Interrupted", "HeadersAuth", "PatsnapAdapter", "keeps_misses", "make_retry",
    "register_secret", "redact", "install_log_redaction", "SECRET_PARAMETERS", "pause", "retry_after_s",
    "WAIT_SLICE_S", "LONG_WAIT_S",
]

#: Request parameters and headers that carry secrets: never part of a cache key, never stored.
SECRET_PARAMETERS: tuple[str, ...] = ("apikey", "Authorization", "authorization", "client_secret",
                                      "client_id", "token", "access_token")

#: HTTP statuses the client's retry loop retries (with backoff, honouring Retry-After).
RETRY_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504})
#: The longest pause the server's ``Retry-After`` gets (a longer one is waited this long, then the call is
#: tried again); a call waits at most ``max_retries`` times this in all.
RETRY_AFTER_MAX_S = 60.0
BACKOFF_MAX_S = 30.0
#: The longest single sleep of any wait (rate limit, retry pause, lock): a ``KeyboardInterrupt`` that
#: ``_thread.interrupt_main()`` raises (how Jupyter interrupts on Windows) is seen between two sleeps,
#: since it only sets a flag the main thread checks between bytecodes, never while it sleeps or blocks.
WAIT_SLICE_S = 0.1
#: A retry pause longer than this is shown: a log line (WARNING) and, in a batch, the progress bar.
LONG_WAIT_S = 5.0

_secrets: set[str] = set()
_forms: set[str] = set()  # every encoding of every secret
#: The secrets, longest first (so a secret containing another is masked whole); rebuilt on
#: registration so that redact(), which runs on every log record, neither sorts nor locks.
_secrets_by_length: tuple[str, ...] = ()
_secrets_lock = threading.Lock()
_MASK = "***"


def _encodings(value: str) -> set[str]:
    """The forms a secret takes on the wire: raw, percent-encoded (quote, quote_plus, any case),
    and inside an HTTP Basic header (base64 of ``value``, of ``value:`` and of ``:value``)."""
    forms = {value, quote(value, safe=""), quote_plus(value, safe=""), quote(value, safe="/"),
             quote(value, safe="/:@")}
    forms |= {form.lower() for form in list(forms) if "%" in form}
    forms |= {re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), form) for form in list(forms)}
    raw = value.encode("utf-8")
    for blob in (raw, raw + b":", b":" + raw):
        forms.add(base64.b64encode(blob).decode("ascii").rstrip("="))
    return {form for form in forms if len(form) >= 4}


def register_secret(value: str | None) -> None:
    """Remember a secret so that :func:`redact` (and the log filter) hides it.

    The client registers its client id and secret, API key and tokens; values shorter
    than 4 characters are ignored. Every encoding the secret can take in a log line
    is masked too: percent-encoded (URLs and forms) and base64 (an HTTP Basic header).

    Examples
    --------
    >>> register_secret("s3cr3t-value")
    >>> redact("POST /oauth/token client_secret=s3cr3t-value")
    'POST /oauth/token client_secret=***'
    >>> register_secret("id+with/special=chars")
    >>> redact("GET /x?client_id=id%2Bwith%2Fspecial%3Dchars")
    'GET /x?client_id=***'
    """
    global _secrets_by_length
    if value and len(value) >= 4:
        with _secrets_lock:
            if value not in _secrets:
                _secrets.add(value)
                _forms.update(_encodings(value))
                _secrets_by_length = tuple(sorted(_forms, key=len, reverse=True))


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


def pause(seconds: float, stop: threading.Event | None = None) -> bool:
    """Wait ``seconds`` in slices of at most :data:`WAIT_SLICE_S`; True as soon as ``stop`` is set.

    Every wait of the package goes through here (or sleeps as briefly), so that an interrupt
    of the main thread, even one that does not wake a blocked call (``_thread.interrupt_main()``,
    Jupyter's interrupt on Windows), is seen within a slice.

    Examples
    --------
    >>> import threading
    >>> pause(0.05)
    False
    >>> stop = threading.Event(); stop.set()
    >>> pause(3600, stop)                # returns at once
    True
    """
    deadline = time.monotonic() + seconds
    while True:
        if stop is not None and stop.is_set():
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        if stop is None:
            time.sleep(min(left, WAIT_SLICE_S))
        elif stop.wait(min(left, WAIT_SLICE_S)):
            return True


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


class Interrupted(Exception):
    """Raised in a worker waiting for the rate limiter, a retry pause or a lock after :meth:`RateLimiter.interrupt`.

    No call is made after it: the batch that interrupted the client is stopping.

    Examples
    --------
    >>> limiter = RateLimiter(None)
    >>> limiter.interrupt()
    >>> try:
    ...     limiter.sleep(5)             # returns at once instead of sleeping 5 s
    ... except Interrupted as stop:
    ...     print(stop)
    interrupted: no new call is made
    """


class RateLimiter:
    """At most ``rate`` call starts per second across threads (None: unlimited); interruptible.

    Waits are waits on an event, so :meth:`interrupt` wakes every waiting thread at once
    (each raises :class:`Interrupted` instead of making its call) -- Ctrl-C during a
    rate-limited batch stops it within a second. :meth:`resume` lets calls through again.
    They wait in slices of :data:`WAIT_SLICE_S` (:func:`pause`), so a main thread waiting
    here also sees an interrupt that wakes nothing (``_thread.interrupt_main()``).

    Examples
    --------
    >>> import time
    >>> limiter = RateLimiter(20)              # 20 calls per second: one every 50 ms
    >>> started = time.monotonic()
    >>> for _ in range(3):
    ...     limiter.wait()
    >>> time.monotonic() - started >= 0.09, limiter.admitted
    (True, 3)
    >>> limiter.interrupt()
    >>> limiter.wait()
    Traceback (most recent call last):
    ...
    patsnap_pandas.http.Interrupted: interrupted: no new call is made
    >>> limiter.resume(); limiter.wait(); limiter.admitted
    4
    """

    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self.admitted = 0  # network call starts that passed through (cache hits never do)
        self._lock = threading.Lock()
        self._next = 0.0
        self._stop = threading.Event()

    def wait(self) -> None:
        """Wait for this call's slot; raise :class:`Interrupted` when interrupted before or meanwhile."""
        if self._stop.is_set():
            raise Interrupted("interrupted: no new call is made")
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next) if self.rate else now
            if self.rate:
                self._next = slot + 1.0 / self.rate
        if slot > now:
            self.sleep(slot - now)
        if self._stop.is_set():
            raise Interrupted("interrupted: no new call is made")
        with self._lock:
            self.admitted += 1

    def sleep(self, seconds: float) -> None:
        """Pause ``seconds`` (a retry's backoff), or until interrupted (then raise :class:`Interrupted`)."""
        if pause(seconds, self._stop):
            raise Interrupted("interrupted: no new call is made")

    def interrupt(self) -> None:
        """Wake every waiting thread; until :meth:`resume`, every wait raises :class:`Interrupted`."""
        self._stop.set()

    def resume(self) -> None:
        """Let calls through again (after an interrupted batch has stopped)."""
        with self._lock:
            self._next = 0.0
        self._stop.clear()

    @property
    def interrupted(self) -> bool:
        return self._stop.is_set()

    @property
    def stop_event(self) -> threading.Event:
        """The event :meth:`interrupt` sets: other waits of the client (its locks) stop on it too."""
        return self._stop


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

"""The call as steps: what happens to every call to PatSnap, in one visible order.

:data:`STEPS` is the whole story. A call passes each step in turn; a step looks at the call,
acts, and says where it goes next (:class:`Verdict`): on (``NEXT``), done (``DONE``: the answer
is there), or back to the budget step (``RETRY``: a transient failure, or a rejected token)::

    FromCache      answered from the cache (the HTTP cache, or the upload memo)? done: no lock, no budget, no wait
    InFlight       in flight elsewhere? hold its single-flight lock (wait for the other), ask the cache again
    ReserveAhead   a search by image bytes: its uploads and itself reserved in the budget in one step
    Uploads        a search by image bytes: its images uploaded (each an upload through these same steps)
    WithinBudget   within budget? this attempt's billed call counted before it is sent, or refused  <- RETRY
    RateLimit      wait for the turn (only calls going to the network get here); the leases checked after it
    Send           with credentials, fenced (the leases still ours after every wait), over the network
    Count          what the attempt cost: a request (billed or not), or a reservation given back
    Retry          the answer read; a transient failure or a rejected token: back to WithinBudget
    Answer         the answer kept: an upload's URL remembered; done

A lock lost before a billed call was sent (a Redis lease that ran out while the process was
paused: :class:`~patsnap_pandas.store.locks.LeaseLost`) starts the call again at ``FromCache``,
so what another process paid for meanwhile is reused (:meth:`Pipeline.run`). An attempt stopped
before it reached the server (interrupted, refused by a lock, Ctrl-C) gives its reservation back.

:class:`Pipeline` holds what the steps work with -- the session, the credentials and the parts
of the client's store -- and runs calls through :data:`STEPS`. The client
(:class:`~patsnap_pandas.api.client.PatsnapClient`) is a facade over it: one method per endpoint.

Examples
--------
>>> [step.__name__ for step in STEPS][:3]
['FromCache', 'InFlight', 'ReserveAhead']
>>> from patsnap_pandas import PatsnapClient, samples
>>> client = PatsnapClient.sandbox()
>>> data = open(samples.image("armchair"), "rb").read()
>>> pipe = client._pipeline
>>> pipe.upload(data, "chair.png").from_cache, pipe.upload(data, "chair.png").from_cache
(False, True)
>>> client.close()
"""

from __future__ import annotations

import abc
import dataclasses
import enum
import json
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

import requests
import urllib3
from requests.exceptions import ChunkedEncodingError, ContentDecodingError

from .. import codes
from .._version import __version__
from ..errors import (
    AuthenticationError,
    CacheError,
    InvalidParameterError,
    PatsnapError,
    ResponseFormatError,
    ServiceUnavailableError,
)
from ..imaging import image_mime
from ..store.base import Store
from ..store.budget import Budget, Ticket
from ..store.cache import content_ref, keyed_by_content
from ..store.locks import LeaseLost, flight_key
from .answers import network_error, never_connected, utc
from .auth import ApiKeyAuth, TokenAuth
from .http import (
    BACKOFF_MAX_S,
    LONG_WAIT_S,
    RETRY_AFTER_MAX_S,
    RETRY_STATUSES,
    HeadersAuth,
    PatsnapAdapter,
    Usage,
    build_session,
    make_retry,
    retry_after_s,
)
from .inputs import upload_name
from .kept import Kept
from .lifetimes import expire_patterns
from .models import ENDPOINTS, UploadedImage, decode, is_success_envelope, raise_if_error

__all__ = ["STEPS", "Pipeline", "Call", "Verdict", "Step", "BILLABLE", "REACQUIRE_MAX"]

# The client's logger: what a person configures (docs/errors.md names it).
log = logging.getLogger("patsnap_pandas.api.client")

#: Every endpoint but the token's and P062's result fetch is billed (P062's create per query image: ``Call.units``).
BILLABLE = frozenset(ENDPOINTS) - {"token", "batch_result"}
#: Calls never repeated once they may have reached the server (a P062 create would make and bill a second
#: job): only an HTTP 429, which the gateway answers before the service sees the call, is retried; never cached.
ONCE_ONLY = frozenset({"batch_create"})
#: How many times one call takes its lock again after finding it lost, before it gives up (LeaseLost).
REACQUIRE_MAX = 3


class Verdict(enum.Enum):
    """Where a call goes after a step.

    Examples
    --------
    >>> [verdict.name for verdict in Verdict]
    ['NEXT', 'DONE', 'RETRY']
    """

    NEXT = "next"    # on to the next step
    DONE = "done"    # the answer is there
    RETRY = "retry"  # back to the budget step: a new attempt


@dataclasses.dataclass(eq=False)
class Call:
    """One call on its way through the steps: what is asked (the fields given), then what the steps found.

    ``images`` and ``request`` make a search by image bytes: ``request(urls)`` gives its
    ``params`` or ``json_body`` for the images' URLs (their content refs while the cache is asked).
    ``image`` makes an upload of those bytes (its memo key).

    Examples
    --------
    >>> call = Call("bibliography", params={"patent_id": "p1,p2"})
    >>> call.path, call.first_attempt, call.from_cache, call.ticket is None
    ('/basic-patent-data/simple-bibliography', True, False, True)
    """

    name: str
    method: str = "GET"
    params: Mapping[str, str] | None = None
    json_body: Any = None
    data: Any = None
    headers: Mapping[str, str] | None = None
    basic_auth: tuple[str, str] | None = None
    refresh: bool = False
    images: tuple[bytes, ...] = ()
    request: Callable[[list[str]], dict[str, Any]] | None = None
    image: bytes | None = None
    units: int = 1  # billed calls it counts as (P062 create: its query images)
    # -- found on the way (each pass starts afresh) --
    held: ExitStack = dataclasses.field(init=False, default_factory=ExitStack)
    started: float = dataclasses.field(init=False, default=0.0)     # when its lock was taken
    stale: bool = dataclasses.field(init=False, default=False)      # a cached answer too old for this client
    answer: Any = dataclasses.field(init=False, default=None)
    from_cache: bool = dataclasses.field(init=False, default=False)
    urls: list[str | None] = dataclasses.field(init=False, default_factory=list)   # the images' upload URLs
    refs: dict[str, str] = dataclasses.field(init=False, default_factory=dict)     # upload URL -> content ref
    reused: list[bool] = dataclasses.field(init=False, default_factory=list)     # each URL from the upload memo
    reuploaded: bool = dataclasses.field(init=False, default=False)              # uploaded anew once (Retry)
    attempt: int = dataclasses.field(init=False, default=0)
    reauthenticated: bool = dataclasses.field(init=False, default=False)
    ticket: Ticket | None = dataclasses.field(init=False, default=None)          # this attempt's budget
    more: list[Ticket] = dataclasses.field(init=False, default_factory=list)     # its other units' budget
    used: str | None = dataclasses.field(init=False, default=None)               # the credential sent
    sent: bool = dataclasses.field(init=False, default=False)                    # this attempt went out
    response: requests.Response | None = dataclasses.field(init=False, default=None)
    failure: requests.RequestException | None = dataclasses.field(init=False, default=None)

    @property
    def path(self) -> str:
        return ENDPOINTS[self.name]

    @property
    def first_attempt(self) -> bool:
        return self.attempt == 0 and not self.reauthenticated


class Step(abc.ABC):
    """One step of a call: it looks at the call, acts, and says where the call goes next.

    Examples
    --------
    >>> all(issubclass(step, Step) for step in STEPS), STEPS[STEPS.index(WithinBudget) + 1].__name__
    (True, 'RateLimit')
    """

    @abc.abstractmethod
    def run(self, call: Call, pipe: Pipeline) -> Verdict:
        """Act on ``call`` with ``pipe``'s parts; raise to stop the call."""


class FromCache(Step):
    """Answered from the cache? An upload from the upload memo, any other cacheable call from the HTTP cache.

    A hit is done: no lock, no budget, no rate limit, no token. A cached answer older than
    this client's lifetime counts as missing (``stale``: the send replaces it).
    """

    def run(self, call: Call, pipe: Pipeline) -> Verdict:
        return Verdict.DONE if self.found(call, pipe) else Verdict.NEXT

    @staticmethod
    def found(call: Call, pipe: Pipeline) -> bool:
        if call.image is not None:
            live = None if call.refresh else pipe.kept.live_upload(call.image)
            if live is None:
                return False
            log.debug("upload: reusing the URL of an earlier upload of the same image")
            call.answer = live
        else:
            if not pipe.looks_up(call):
                return False
            call.answer, call.stale = pipe.kept.answer(call.name, call.method, call.params, call.json_body)
            if call.answer is None:
                return False
            call.urls = [pipe.kept.live_url(data) for data in call.images]
        call.from_cache = True
        pipe.usage.add_cache_hit()
        return True


class InFlight(Step):
    """In flight elsewhere? Hold the call's single-flight lock, then ask the cache again.

    The same upload or search wanted by other threads or processes right now is made once:
    they wait for the lock, then find the answer. Calls the cache is not asked for (a token, a
    refresh) take no lock; a search by image bytes and an upload always do.
    """

    def run(self, call: Call, pipe: Pipeline) -> Verdict:
        if call.image is not None:
            key = flight_key("upload", pipe.kept.upload_key(call.image))
        elif call.images or pipe.looks_up(call):
            key = flight_key(call.method.lower(), pipe.base_url + call.path,
                             json.dumps(sorted((call.params or {}).items())),
                             json.dumps(call.json_body, sort_keys=True, default=str))
        else:
            return Verdict.NEXT
        call.held.enter_context(pipe.flights.hold(key))
        call.started = time.time()
        return Verdict.DONE if FromCache.found(call, pipe) else Verdict.NEXT


class ReserveAhead(Step):
    """A search by image bytes: the budget of its uploads and of the search, reserved in one atomic step.

    Refused: nothing is sent, not even an upload. Each of these calls' first attempt takes its
    reservation (:class:`WithinBudget`); what is not used (an upload another process made
    meanwhile) is given back when the call ends.
    """

    def run(self, call: Call, pipe: Pipeline) -> Verdict:
        if call.images:
            keys = {pipe.kept.upload_key(data): data for data in call.images}
            endpoints = ["upload" for data in keys.values() if pipe.kept.live_upload(data) is None] + [call.name]
            call.held.enter_context(pipe.reserved_ahead(endpoints))
        return Verdict.NEXT


class Uploads(Step):
    """A search by image bytes: each image uploaded (an upload call through these same steps: the memo may
    hold it), the search asked with their URLs, and its cache key made with their content."""

    def run(self, call: Call, pipe: Pipeline) -> Verdict:
        if not call.images or call.request is None:
            return Verdict.NEXT
        uploaded = [pipe.upload(data, upload_name(data)) for data in call.images]
        self.ask(call, [u.url for u in uploaded])
        call.reused = [u.from_cache for u in uploaded]
        return Verdict.NEXT

    @staticmethod
    def ask(call: Call, urls: list[str]) -> None:
        """The search's request for these image URLs (its cache key made with the images' content)."""
        assert call.request is not None
        asked = call.request(urls)
        call.params, call.json_body = asked.get("params"), asked.get("json_body")
        call.refs = dict(zip(urls, (content_ref(data) for data in call.images), strict=True))
        call.urls = list(urls)


class WithinBudget(Step):
    """Within budget? Each attempt of a billable call is counted before it is sent, or refused.

    The first attempt of a call reserved ahead takes that reservation; any other reserves now
    (:class:`~patsnap_pandas.errors.BudgetExceededError` when it would go over: nothing is
    sent). A retry comes back here: every attempt is a billed attempt. The leases held are
    checked first, after the waits so far (a retry pause).
    """

    def run(self, call: Call, pipe: Pipeline) -> Verdict:
        if call.name not in BILLABLE:
            return Verdict.NEXT
        pipe.flights.check_held()
        call.sent = False
        if call.units > 1:
            call.ticket, *call.more = pipe.counter.reserve_all([call.name] * call.units, pipe.budget)
            return Verdict.NEXT
        call.ticket = pipe.take_reserved(call.name) if call.first_attempt else None
        if call.ticket is None:
            call.ticket = pipe.counter.reserve(call.name, pipe.budget)
        return Verdict.NEXT


class RateLimit(Step):
    """Wait for the turn: at most ``rate_limit`` network calls per second (interruptible).

    Only calls going to the network get here: a cache hit never waits. A billable call's leases
    are checked after the wait (fenced): one that ran out meanwhile starts the call again, and
    what another process paid for meanwhile comes from the cache.
    """

    def run(self, call: Call, pipe: Pipeline) -> Verdict:
        pipe.limiter.wait()
        if call.name in BILLABLE:
            pipe.flights.check_held()
        return Verdict.NEXT


class Send(Step):
    """Send: with credentials (a token fetched when due), fenced, over the network.

    The transport adapter checks, after every wait, that the single-flight leases of this
    thread are still its own (else LeaseLost and nothing goes out), and counts the request as
    sent. What came back, or how the request failed, is for the next steps.
    """

    def run(self, call: Call, pipe: Pipeline) -> Verdict:
        headers, params = dict(call.headers or {}), dict(call.params or {})
        call.used = None
        if call.basic_auth is None:
            auth_headers, auth_params, call.used = pipe.auth.credentials()
            headers.update(auth_headers)
            params.update(auth_params)
        extra: dict[str, Any] = {"force_refresh": True} if (call.refresh or call.stale) and pipe.cached else {}
        log.debug("%s %s (attempt %d)", call.method, call.path, call.attempt + 1)
        call.response, call.failure, call.sent = None, None, False
        pipe.sending.call = call
        try:
            with keyed_by_content(call.refs):
                call.response = pipe.session.request(
                    call.method, pipe.base_url + call.path, params=params, data=call.data, json=call.json_body,
                    headers=headers, auth=call.basic_auth or HeadersAuth(), timeout=pipe.timeout,
                    allow_redirects=False, **extra)
        except requests.RequestException as exc:
            call.failure = exc
        return Verdict.NEXT


class Count(Step):
    """What the attempt cost, counted in ``client.usage``; its reservation settled.

    A request that reached the server is counted (billed when billable), also when its answer
    was lost on the way back; one that never connected, or was answered from the cache after
    all, gives its reservation back. HTTP 429 answers are counted as throttled.
    """

    def run(self, call: Call, pipe: Pipeline) -> Verdict:
        tickets, call.ticket, call.more = [call.ticket, *call.more], None, []
        billed = call.name in BILLABLE
        if call.failure is not None:
            if never_connected(call.failure):
                pipe.give_back(*tickets)
                for _ in range(pipe.max_retries + 1):  # urllib3 tried to connect 1 + max_retries times
                    pipe.usage.add_request(call.name, billed=False)
            else:
                pipe.usage.add_request(call.name, billed=billed, units=call.units)
        elif getattr(call.response, "from_cache", False):
            pipe.give_back(*tickets)
            pipe.usage.add_cache_hit()
            call.from_cache = True
        else:
            pipe.usage.add_request(call.name, billed=billed, units=call.units)
            if call.response is not None and call.response.status_code == 429:
                pipe.usage.add_throttled()
        return Verdict.NEXT


class Retry(Step):
    """The answer read; only transient failures are retried, after a pause, and a rejected token once.

    Retried (back to :class:`WithinBudget`): an answer lost after the request reached the server,
    HTTP 429 and 5xx, PatSnap's transient error codes -- each after a full-jitter backoff, at least
    the server's ``Retry-After`` (shown when long, interruptible) -- and, once, a rejected token,
    with a new one. A connection never opened, anything else, or no retries left: raised.
    """

    def run(self, call: Call, pipe: Pipeline) -> Verdict:
        if call.failure is not None:
            return self._lost(call, call.failure, pipe)
        assert call.response is not None
        try:
            body = decode(call.response, call.path)
            raise_if_error(body, call.response, call.path, token=(call.name == "token"))
            if call.name != "token" and "data" not in body:
                raise ResponseFormatError("The answer has no 'data' field.", endpoint=call.path,
                                          http_status=call.response.status_code)
        except PatsnapError as err:
            return self._refused(call, err, pipe)
        call.answer = body if call.name == "token" else body["data"]
        return Verdict.NEXT

    def _lost(self, call: Call, exc: requests.RequestException, pipe: Pipeline) -> Verdict:
        if never_connected(exc):
            raise network_error(exc, pipe.base_url, call.path, pipe.max_retries)
        if call.attempt < pipe.max_retries and call.name not in ONCE_ONLY:
            call.attempt += 1
            self.pause(call, None, type(exc).__name__, pipe)
            return Verdict.RETRY
        if isinstance(exc, (ChunkedEncodingError, ContentDecodingError)):
            raise ServiceUnavailableError(
                f"The answer broke off ({type(exc).__name__}) after {call.attempt + 1} attempts.", endpoint=call.path)
        raise network_error(exc, pipe.base_url, call.path, pipe.max_retries)

    def _refused(self, call: Call, err: PatsnapError, pipe: Pipeline) -> Verdict:
        response = call.response
        assert response is not None
        if self._stale_upload(call, err, pipe):
            return Verdict.RETRY
        if (call.used is not None and not call.reauthenticated and pipe.auth.can_refresh()
                and isinstance(err, AuthenticationError) and (err.code == 67200003 or err.http_status == 401)):
            log.debug("%s: token rejected, fetching a new one", call.path)
            pipe.auth.invalidate(call.used)
            call.reauthenticated = True
            return Verdict.RETRY
        transient = err.code in codes.RETRYABLE_CODES or response.status_code in RETRY_STATUSES
        if call.name in ONCE_ONLY:
            transient = response.status_code == 429
        if transient and call.attempt < pipe.max_retries:
            call.attempt += 1
            self.pause(call, response, type(err).__name__, pipe)
            return Verdict.RETRY
        if isinstance(err, AuthenticationError):
            err.hint = pipe.auth.hint
        if call.attempt:
            err.hint = f"Gave up after {call.attempt} retries. {err.hint}"
        raise err from None

    @staticmethod
    def _stale_upload(call: Call, err: PatsnapError, pipe: Pipeline) -> bool:
        """A search by image bytes refused for an image URL the upload memo gave: PatSnap no longer serves it
        (it died before its expiry as the memo counted it, e.g. the server's clock ran ahead). The remembered
        images are uploaded anew, once, and the search asked again."""
        if (not call.images or call.request is None or call.reuploaded or not any(call.reused)
                or not isinstance(err, InvalidParameterError) or "url" not in (err.message or "").lower()):
            return False
        log.info("%s: an image URL remembered from an earlier upload was refused; uploading it anew", call.path)
        call.reuploaded = True
        urls = [pipe.upload(data, upload_name(data), refresh=True).url if reused else str(url)
                for data, url, reused in zip(call.images, call.urls, call.reused, strict=True)]
        Uploads.ask(call, urls)
        call.reused = [False] * len(urls)
        return True

    @staticmethod
    def pause(call: Call, response: requests.Response | None, failure: str, pipe: Pipeline) -> None:
        """The pause before the retry: backoff, or the server's Retry-After; shown when long, interruptible."""
        pipe.usage.add_retry()
        asked = None if response is None else retry_after_s(response.headers.get("Retry-After"),
                                                            response.headers.get("Date"))
        delay = pipe.rng.uniform(0, min(BACKOFF_MAX_S, pipe.backoff_factor * 2 ** call.attempt))
        if asked is not None:
            delay = max(delay, min(asked, RETRY_AFTER_MAX_S))
        status = f"HTTP {response.status_code}" if response is not None else failure
        why = f"the server asked ({status})" if asked is not None else f"retry pause after {status}"
        if delay >= LONG_WAIT_S:
            capped = f"; it asked for {asked:.0f} s, {RETRY_AFTER_MAX_S:.0f} s at most are waited" \
                if asked is not None and asked > RETRY_AFTER_MAX_S else ""
            log.warning("Waiting %.0f s before retry %d of %d of %s: %s%s. Ctrl-C stops the wait; nothing more "
                        "is billed for it.", delay, call.attempt, pipe.max_retries, call.path, why, capped)
        else:
            log.debug("%s: %s; retry %d in %.2f s", call.path, failure, call.attempt, delay)
        started = time.monotonic()
        try:
            with pipe.usage.waiting(delay, why):
                pipe.limiter.sleep(delay)
        finally:
            pipe.usage.add_wait(time.monotonic() - started, throttled=response is not None and
                                response.status_code == 429)


class Answer(Step):
    """The answer kept: an upload's URL checked and remembered in the upload memo (with its expiry). Done."""

    def run(self, call: Call, pipe: Pipeline) -> Verdict:
        if call.image is None:
            return Verdict.DONE
        answer = call.answer
        if not isinstance(answer, Mapping) or not isinstance(answer.get("url"), str) or not answer["url"]:
            raise ResponseFormatError("The upload answer has no 'url'.", endpoint=call.path)
        lifetime = answer.get("expire", codes.UPLOAD_URL_LIFETIME_S)
        # not 0 < x < inf also refuses NaN and Infinity, which Python's JSON parser accepts
        if isinstance(lifetime, bool) or not isinstance(lifetime, (int, float)) or not 0 < lifetime < math.inf:
            raise ResponseFormatError(f"The upload answer has expire={lifetime!r}, not seconds > 0.", endpoint=call.path)
        expires_at = call.started + float(lifetime)
        pipe.uploads.put(pipe.kept.upload_key(call.image), answer["url"], call.started, expires_at)
        call.answer = (answer["url"], expires_at)
        return Verdict.DONE


#: The steps of every call, in order; a RETRY goes back to WithinBudget.
STEPS: tuple[type[Step], ...] = (FromCache, InFlight, ReserveAhead, Uploads, WithinBudget, RateLimit, Send, Count,
                                 Retry, Answer)
_RETRY_AT = STEPS.index(WithinBudget)


class Pipeline:
    """What the steps work with -- the session, the credentials, the parts of the client's store -- and the runner.

    Parameters
    ----------
    store : Store
        Where answers, uploads, locks, the rate limit and the counts live
        (:func:`~patsnap_pandas.store.base.open_store`); each part is asked for once, here.
    base_url, timeout, max_retries, backoff_factor, rate_limit, budget
        The client's settings.
    lifetimes : dict
        Seconds each cached endpoint's answers live (:func:`~patsnap_pandas.api.lifetimes.lifetimes`).
    usage : Usage
        Where calls are counted (``client.usage``).
    auth : TokenAuth or ApiKeyAuth
        The credentials; a token is fetched through :meth:`token`.

    Examples
    --------
    Every client has one; its endpoints are calls run through it:

    >>> from patsnap_pandas import PatsnapClient
    >>> client = PatsnapClient.sandbox(corpus_size=60)
    >>> pipe = client._pipeline
    >>> design = client.sandbox_server.corpus.designs[0]
    >>> data, from_cache = pipe.call("legal_status", params={"patent_id": design.patent_id})
    >>> data[0]["pn"] == design.patent_pn, from_cache, pipe.call("legal_status", params={"patent_id": design.patent_id})[1]
    (True, False, True)
    >>> pipe.limiter.admitted            # the token and the call; the cache hit never waited
    2
    >>> client.close()
    """

    def __init__(self, store: Store, *, base_url: str, timeout: float, max_retries: int, backoff_factor: float,
                 rate_limit: float | None, budget: Budget | None, lifetimes: dict[str, float], usage: Usage,
                 auth: TokenAuth | ApiKeyAuth) -> None:
        self.base_url, self.timeout, self.max_retries = base_url, timeout, max_retries
        self.backoff_factor, self.budget, self.lifetimes, self.usage, self.auth = \
            backoff_factor, budget, lifetimes, usage, auth
        self.steps: tuple[Step, ...] = tuple(step() for step in STEPS)
        self.rng = random.Random()
        self.closed = False
        self.limiter = store.rate_limiter(rate_limit)
        self.flights = store.single_flight()
        self.flights.stop = self.limiter.stop_event  # interrupt() stops lock waits too
        self.uploads = store.upload_memo()
        self.counter = store.usage_counter()
        backend = store.http_cache()
        self.cached = backend is not None
        adapter = PatsnapAdapter(make_retry(max_retries, backoff_factor), before_send=self.before_send)
        self.session = build_session(backend, urls_expire_after=expire_patterns(base_url, lifetimes),
                                     filter_fn=is_success_envelope, adapter=adapter,
                                     user_agent=f"patsnap-pandas/{__version__}")
        #: What the store keeps, asked without a call (FromCache, InFlight, estimates).
        self.kept = Kept(self.session, base_url, lifetimes, self.uploads, cached=self.cached)
        self.sending = threading.local()  # .call: the call whose request this thread is sending
        self._ahead = threading.local()   # .tickets: this thread's reservations ahead (ReserveAhead)

    # -- the runner --------------------------------------------------------------------------

    def run(self, asked: Call) -> Call:
        """``asked`` through :data:`STEPS`; the finished call. A lost lease starts it again (at most REACQUIRE_MAX times)."""
        if self.closed:
            raise RuntimeError("This PatsnapClient is closed; create a new one.")
        callers = self.flights.held_keys()  # a lock a caller took (an upload inside a search) is its to take again
        for again in range(REACQUIRE_MAX + 1):
            try:
                return self._through_steps(dataclasses.replace(asked))
            except LeaseLost as lost:
                if again == REACQUIRE_MAX or set(lost.keys) <= callers:
                    raise
                log.info("%s: a lock was lost while this process was paused; taking it again and asking the "
                         "cache again before paying", asked.name)
        raise AssertionError("unreachable")  # pragma: no cover

    def _through_steps(self, call: Call) -> Call:
        with call.held:
            at = 0
            try:
                while True:
                    verdict = self.steps[at].run(call, self)
                    if verdict is Verdict.DONE:
                        return call
                    at = _RETRY_AT if verdict is Verdict.RETRY else at + 1
            except BaseException:
                if not call.sent:
                    self.give_back(call.ticket, *call.more)  # stopped before it went out: nothing was billed
                raise

    def before_send(self, request: requests.PreparedRequest) -> None:
        """The last check before a request goes out, after every wait (the transport adapter calls it).

        A billable request is fenced: the single-flight leases this thread holds must still be
        its own (else :class:`~patsnap_pandas.store.locks.LeaseLost`, and nothing is sent); then
        it is counted in ``usage.billed_sent``.
        """
        path = (request.url or "").split("?", 1)[0]
        if any(path.endswith(ENDPOINTS[name]) for name in BILLABLE):
            self.flights.check_held()
            self.usage.add_sent()
        call = getattr(self.sending, "call", None)
        if call is not None:
            call.sent = True

    def give_back(self, *tickets: Ticket | None) -> None:
        """Give back the budget of an attempt that never reached the server."""
        for ticket in tickets:
            if ticket is None:
                continue
            try:
                self.counter.release(ticket)
            except CacheError:  # kept counted: the safe side
                log.debug("could not give back the reservation of %s", ticket.endpoint)

    # -- the calls ---------------------------------------------------------------------------

    def call(self, name: str, **asked: Any) -> tuple[Any, bool]:
        """(the envelope's ``data``, from_cache) of one call; ``asked``: :class:`Call`'s fields."""
        done = self.run(Call(name, **asked))
        return done.answer, done.from_cache

    def content_call(self, name: str, images: Sequence[bytes], request: Callable[[list[str]], dict[str, Any]],
                     refresh: bool) -> tuple[Any, bool, list[str | None]]:
        """A search by image bytes, cached under the images' content: (data, from_cache, each image's upload URL).

        ``request(urls)`` gives its ``params`` or ``json_body`` for those image URLs. A cached answer
        for the same bytes needs no upload (the URLs are then those still alive, or None).
        """
        probe = request([content_ref(data) for data in images])
        method = "POST" if probe.get("json_body") is not None else "GET"
        done = self.run(Call(name, method=method, params=probe.get("params"), json_body=probe.get("json_body"),
                             refresh=refresh, images=tuple(images), request=request))
        return done.answer, done.from_cache, done.urls

    def upload(self, data: bytes, filename: str, mime: str | None = None, *, refresh: bool = False) -> UploadedImage:
        """Upload JPG/PNG bytes (P010), unless a live upload of the same bytes is remembered (and not ``refresh``)."""
        body, content_type = urllib3.encode_multipart_formdata(
            {"image": (filename, data, mime or image_mime(data) or "image/png")})
        done = self.run(Call("upload", method="POST", data=body, headers={"Content-Type": content_type}, image=data,
                             refresh=refresh))
        url, expires_at = done.answer
        return UploadedImage(url, utc(expires_at), from_cache=done.from_cache)

    def token(self, client_id: str, client_secret: str) -> Mapping[str, Any]:
        """The token endpoint's answer (what :class:`~patsnap_pandas.api.auth.TokenAuth` fetches through)."""
        answer, _ = self.call("token", method="POST", data={"grant_type": "client_credentials"},
                              basic_auth=(client_id, client_secret))
        body: Mapping[str, Any] = answer
        return body

    # -- the budget reserved ahead -------------------------------------------------------------

    @contextmanager
    def reserved_ahead(self, endpoints: list[str]) -> Iterator[None]:
        """Reserve the budget of ``endpoints`` in one step; inside, their first attempts in this thread take it."""
        tickets = self.counter.reserve_all(endpoints, self.budget)
        outer = getattr(self._ahead, "tickets", None)
        self._ahead.tickets = tickets
        try:
            yield
        finally:
            unused, self._ahead.tickets = self._ahead.tickets, outer
            for ticket in unused:
                self.give_back(ticket)

    def take_reserved(self, name: str) -> Ticket | None:
        """This thread's reservation ahead for ``name``, taken; None when there is none."""
        ahead: list[Ticket] = getattr(self._ahead, "tickets", None) or []
        for i, ticket in enumerate(ahead):
            if ticket.endpoint == name:
                return ahead.pop(i)
        return None

    def looks_up(self, call: Call) -> bool:
        """Whether the HTTP cache is asked for ``call`` (a GET or a JSON body; not a refresh)."""
        return (self.cached and (call.method == "GET" or call.json_body is not None) and not call.refresh
                and call.name not in ONCE_ONLY)

    def close(self) -> None:
        """Close the session and the usage counter; no call runs afterwards."""
        self.closed = True
        self.session.close()
        self.counter.close()

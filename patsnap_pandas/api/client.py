"""PatsnapClient: the endpoints, envelope parsing, retries, caching and usage counters.

Examples
--------
>>> with PatsnapClient.sandbox() as client:
...     corpus = client.sandbox_server.corpus
...     png = corpus.image_png(corpus.designs[0].image_keys[0])
...     page = client.create_search(client.upload_image(png, "query.png").url, limit=5)
...     page.hits[0].patent_pn == corpus.designs[0].patent_pn
True
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import logging
import math
import os
import random
import re
import shutil
import tempfile
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Concatenate, NoReturn, ParamSpec, TypeVar

import requests
import urllib3
from requests.exceptions import ChunkedEncodingError, ContentDecodingError
from requests_cache import DO_NOT_CACHE, NEVER_EXPIRE
from requests_cache.backends.base import BaseCache

from .. import codes, config
from .._validate import shorten
from .._version import __version__
from ..errors import (
    AuthenticationError,
    CacheError,
    CacheUnavailableError,
    CacheWarning,
    ImageInputError,
    InvalidInputError,
    MissingCredentialsError,
    PatsnapError,
    ResponseFormatError,
    ServiceUnavailableError,
    ServiceUnreachableError,
)
from ..imaging import image_mime
from ..redaction import install_log_redaction, redact
from ..store.budget import Budget, MemoryUsageCounter, Ticket, UsageCounter, spending
from ..store.cache import (
    build_session,
    cache_location,
    clear,
    content_ref,
    count_responses,
    keyed_by_content,
    old_key_shape,
    sqlite_bytes,
)
from ..store.files import THUMBNAILS_DIR, UPLOADS_FILE, WriteWarner, http_cache_file
from ..store.local_usage import LocalUsageCounter
from ..store.locks import LeaseLost, SingleFlight, flight_key
from ..store.rate_limit import RateLimiter
from ..store.redis_usage import RedisUsageCounter
from ..store.safe_fetch import distrust_origin, trust_origin
from ..store.upload_memo import UploadMemo
from ..waits import Interrupted
from .auth import ApiKeyAuth, TokenAuth
from .filters import SearchFilters, check_limit, check_max_results, check_offset
from .http import (
    BACKOFF_MAX_S,
    LONG_WAIT_S,
    RETRY_AFTER_MAX_S,
    RETRY_STATUSES,
    HeadersAuth,
    PatsnapAdapter,
    Usage,
    make_retry,
    retry_after_s,
)
from .image_params import ImageSearchOptions
from .models import ENDPOINTS, Estimate, SearchPage, UploadedImage, decode, is_success_envelope, parse_page, raise_if_error

__all__ = ["PatsnapClient"]

log = logging.getLogger(__name__)

BILLABLE = frozenset(ENDPOINTS) - {"token"}
_DAY = 86400
#: The searches, whose answers live ``result_max_age`` (default 7 days, :mod:`~patsnap_pandas.config`).
SEARCHES = ("search", "results", "image_single", "image_multiple")
#: Default HTTP-cache lifetimes (seconds) of the other endpoints; the token endpoint and
#: uploads are never cached. Hit images outlive their 9 h URLs in the thumbnail store.
DEFAULT_LIFETIMES: dict[str, float] = {
    "bibliography": 30 * _DAY,
    "legal_status": 1 * _DAY,
}
BATCH_SIZE = 100  # P011 / P041: ids per call
_CLIENT_OPTIONS = ("cache", "cache_dir", "expire_after", "timeout", "max_retries", "rate_limit",
                   "backoff_factor", "result_max_age", "cache_url", "budget")


# --- upload memo ----------------------------------------------------------------------------------

def _reuse_margin(issued_at: float, expires_at: float) -> float:
    """Reuse an upload URL only while it has this much life left (10 %, at most 10 min)."""
    return min(600.0, 0.1 * max(0.0, expires_at - issued_at))


# --- fencing: a lost single-flight lease is taken again before anything is paid ----------------------

#: How many times one call takes its lock again after finding it lost, before it gives up (LeaseLost).
REACQUIRE_MAX = 3
_P = ParamSpec("_P")
_R = TypeVar("_R")


def _fenced(method: Callable[Concatenate[PatsnapClient, _P], _R]) -> Callable[Concatenate[PatsnapClient, _P], _R]:
    """Run ``method`` again when a single-flight lock it took was lost before a billed call went out.

    The client checks its leases just before each billed call (``_before_send``); a lost one
    raises :class:`~patsnap_pandas.store.locks.LeaseLost` and the call is not sent. Running the
    method again takes the lock again (waiting for whoever holds it now) and asks the cache
    and the upload memo again, so what another process paid for meanwhile is reused. A lock
    taken by a caller (an upload inside a search) is left to that caller to take again.
    """
    @functools.wraps(method)
    def run(client: PatsnapClient, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        callers = client._flights.held_keys()
        for again in range(REACQUIRE_MAX + 1):
            try:
                return method(client, *args, **kwargs)
            except LeaseLost as lost:
                if again == REACQUIRE_MAX or set(lost.keys) <= callers:
                    raise
                log.info("%s: a lock was lost while this process was paused; taking it again and asking the "
                         "cache again before paying", method.__name__)
        raise AssertionError("unreachable")  # pragma: no cover
    return run


# --- the client ------------------------------------------------------------------------------------

class PatsnapClient:
    """A client of PatSnap's design image search (P009/P010) and basic patent data (P011/P041).

    Parameters
    ----------
    client_id, client_secret : str, optional
        Client-credentials account (a token is fetched and refreshed automatically).
        Default: ``$PATSNAP_CLIENT_ID`` / ``$PATSNAP_CLIENT_SECRET``.
    api_key : str, optional
        ``sk-...`` API key (sent as a Bearer token). Default: ``$PATSNAP_API_KEY``.
    base_url : str, optional
        Default ``$PATSNAP_BASE_URL`` or ``https://connect.patsnap.com``.
    cache : bool, path or requests_cache backend
        True (default): SQLite in ``cache_dir``; False: no HTTP cache; a path: SQLite
        file (or folder) there; a backend object (e.g. ``requests_cache.RedisCache()``) to share one.
    cache_dir : path, optional
        Folder of the SQLite cache and the upload memo. Default ``$PATSNAP_CACHE_DIR``
        or the platform's user cache folder.
    expire_after : seconds, timedelta or dict, optional
        Cache lifetime for every cached endpoint, or ``{"search": ..., "bibliography": ...}``
        per endpoint. Default: searches ``result_max_age``, bibliography 30 days, legal status 1 day.
    timeout : float, optional
        Seconds per HTTP request (default ``$PATSNAP_TIMEOUT`` or 30).
    max_retries : int, optional
        Retries of transient failures (default ``$PATSNAP_MAX_RETRIES`` or 5).
    rate_limit : float, optional
        At most this many network calls per second; cache hits are never throttled.
    backoff_factor : float
        Base delay (s) of the exponential backoff with jitter.
    result_max_age : seconds or str, optional
        How old a cached search answer may be and still be reused (``"12h"``, ``"7d"``...).
        Searches by image are keyed by the image's content (SHA-256 of the bytes sent), so
        the answer is reused across processes, machines sharing a cache and upload-URL
        lifetimes. Default ``$PATSNAP_RESULT_MAX_AGE`` or 7 days; ``refresh=True`` searches anew.
    cache_url : str, optional
        A Redis server the team shares (``redis://host:6379/0``; the ``[redis]`` extra):
        the HTTP cache, the upload memo, the thumbnails, single-flight locks, the rate
        limit and the usage counters live there for everyone pointing at it. Default
        ``$PATSNAP_CACHE_URL``; unset: the local cache folder. When it cannot be reached,
        the client fails with :class:`~patsnap_pandas.errors.CacheUnavailableError`, or with
        ``PATSNAP_CACHE_FALLBACK=local`` warns and uses the local folder.
    budget : int, str or Budget, optional
        At most this many billed calls per UTC calendar day or month, counted for
        everyone sharing the cache: ``"500/day"``, ``"10000/month"`` (a bare number is
        per month). A call that would go over it raises ``BudgetExceededError`` before
        it is sent. Default ``$PATSNAP_BUDGET``, else no budget (calls are counted anyway).

    Raises
    ------
    MissingCredentialsError
        Naming the variables to set (or to use ``PatsnapClient.sandbox()``).

    Examples
    --------
    Without an account, against the offline sandbox:

    >>> client = PatsnapClient.sandbox()
    >>> client
    PatsnapClient(base_url='http://127.0.0.1:...', auth='client credentials (token)', cache='SQLiteCache(...)', sandbox=True)
    >>> design = client.sandbox_server.corpus.designs[0]
    >>> client.legal_status([design.patent_id])[0]["pn"] == design.patent_pn
    True
    >>> client.close()

    With an account: ``PatsnapClient.from_env()`` (the ``PATSNAP_*`` variables), or
    ``PatsnapClient(client_id=..., client_secret=...)``, or ``PatsnapClient(api_key="sk-...")``.
    Without any, it says what to set:

    >>> PatsnapClient()
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.MissingCredentialsError: No PatSnap credentials found. Set PATSNAP_CLIENT_ID ...
    """

    def __init__(self, client_id: str | None = None, client_secret: str | None = None,
                 api_key: str | None = None, base_url: str | None = None, cache: Any = True,
                 cache_dir: str | Path | None = None, expire_after: Any = None,
                 timeout: float | None = None, max_retries: int | None = None,
                 rate_limit: float | None = None, *, backoff_factor: float = 0.5,
                 result_max_age: float | str | None = None, cache_url: str | None = None,
                 budget: Budget | int | str | None = None) -> None:
        self.base_url: str = config.resolve("base_url", base_url)
        self.timeout: float = config.resolve("timeout", timeout)
        self.max_retries: int = config.resolve("max_retries", max_retries)
        self.rate_limit: float | None = config.resolve("rate_limit", rate_limit)
        self.result_max_age: float = config.resolve("result_max_age", result_max_age)
        self.budget: Budget | None = Budget.parse(budget)
        if isinstance(backoff_factor, bool) or not isinstance(backoff_factor, (int, float)) \
                or backoff_factor < 0:
            raise InvalidInputError(f"backoff_factor={backoff_factor!r} is not valid: "
                                    "expected a number of seconds >= 0.")
        self.backoff_factor = float(backoff_factor)
        self.sandbox_server: Any = None  # the Sandbox of PatsnapClient.sandbox()
        self._temp_dir: Path | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        self._closed = False
        self._trusts_origin = False
        self.usage = Usage()

        install_log_redaction()
        self._auth = self._make_auth(client_id, client_secret, api_key)
        # Hit images served by a loopback base URL (the sandbox) may be fetched; no other local address.
        self._trusts_origin = trust_origin(self.base_url)

        if not (isinstance(cache, (bool, str, os.PathLike, BaseCache)) or cache is None):
            raise InvalidInputError(f"cache={cache!r} is not valid: expected True, False, a path or a "
                                    "requests_cache backend object (e.g. requests_cache.RedisCache()).")
        if isinstance(cache, (str, os.PathLike)) and cache_dir is None:
            # next to the SQLite file
            self.cache_dir = (http_cache_file(cache, Path()) or Path(cache)).parent.resolve()
        else:
            self.cache_dir = config.cache_dir(cache_dir)
        self._lifetimes = self._make_lifetimes(expire_after)
        self._retry_rng = random.Random()
        # A team's Redis holds everything shared; else the local cache folder does.
        self.shared_backend: Any = None if cache is False else self._connect_shared(cache_url)
        if self.shared_backend is not None:
            cache = self.shared_backend.http_cache()
        # The limiter sits in the transport adapter, below the HTTP cache: it only ever sees
        # real network calls, so cache hits never wait. limited() tightens it for a while.
        shared = self.shared_backend
        self._limiter = shared.rate_limiter(self.rate_limit) if shared is not None else RateLimiter(self.rate_limit)
        adapter = PatsnapAdapter(make_retry(self.max_retries, self.backoff_factor), self._limiter,
                                 before_send=self._before_send)
        patterns: dict[str | re.Pattern[str], Any] = {
            re.compile("^" + re.escape(self.base_url + ENDPOINTS[name]) + r"(\?|$)"): self._cache_lifetime(seconds)
            for name, seconds in self._lifetimes.items()}
        # One warning for the whole cache folder when it cannot be written (HTTP cache, upload memo, locks).
        warner = WriteWarner()
        self._session = build_session(cache=cache, cache_dir=self.cache_dir, urls_expire_after=patterns,
                                      filter_fn=is_success_envelope, adapter=adapter,
                                      user_agent=f"patsnap-pandas/{__version__}", warner=warner)
        self._backend: BaseCache | None = getattr(self._session, "cache", None)
        self._cached = self._backend is not None
        # Identical uploads and searches in flight at once are made once, across threads and
        # (through lock files in the cache folder, or Redis) across processes sharing it.
        if shared is not None:
            self._uploads: Any = shared.upload_memo()
            self._flights: SingleFlight = shared.single_flight()
        else:
            self._uploads = UploadMemo(self.cache_dir / UPLOADS_FILE if self._cached else None, warner)
            self._flights = SingleFlight(self.cache_dir if self._cached else None, warner)
        self._flights.stop = self._limiter.stop_event  # interrupt() stops lock waits too
        self._sending = threading.local()  # .sent: whether this thread's current attempt went out
        # Billed calls, counted (and checked against the budget) for everyone sharing the cache.
        self._usage_counter: UsageCounter = (
            RedisUsageCounter(shared.connection, shared.namespace, guard=shared.guard, location=shared.shown_url,
                              record=self.cache_dir) if shared is not None
            else LocalUsageCounter(self.cache_dir) if self._cached else MemoryUsageCounter())
        self.usage.spending = functools.partial(spending, self._usage_counter, self.budget)
        self._reserved_ahead = threading.local()  # tickets of this thread's search by image bytes (_reserve_ahead)

    # --- construction helpers ---------------------------------------------------------------------

    def _connect_shared(self, cache_url: str | None) -> Any:
        """The team's RedisBackend of ``cache_url`` / PATSNAP_CACHE_URL, or None (the local folder)."""
        url = config.resolve("cache_url", cache_url)
        if url is None:
            return None
        fallback = config.resolve("cache_fallback")
        from ..store.redis_backend import RedisBackend, shown_url

        try:
            return RedisBackend(url)
        except CacheUnavailableError as exc:
            if fallback != "local":
                raise
            warnings.warn(CacheWarning(
                f"the shared cache at {shown_url(url)} {exc.problem}; using the local cache "
                f"folder {self.cache_dir} instead ({config.env_name('cache_fallback')}=local): searches made now "
                "are not shared with the team, and may be paid again by others"), stacklevel=4)
            return None

    def _make_auth(self, client_id: str | None, client_secret: str | None,
                   api_key: str | None) -> TokenAuth | ApiKeyAuth:
        given = {"client_id": client_id, "client_secret": client_secret, "api_key": api_key}
        # Any explicit credential means the environment's are not mixed in.
        explicit = any(value is not None for value in given.values())
        source = "argument" if explicit else "environment variable"
        values = {name: None if explicit and value is None else config.resolve(name, value)
                  for name, value in given.items()}  # resolve() validates (non-empty)
        cid, secret, key = values["client_id"], values["client_secret"], values["api_key"]
        if cid and secret:
            return TokenAuth(cid, secret, self._fetch_token)
        if key:
            return ApiKeyAuth(key)
        if cid or secret:
            missing = "client_secret" if cid else "client_id"
            name = missing if source == "argument" else config.env_name(missing)
            raise MissingCredentialsError(
                f"The {source} {name} is missing: a client-credentials account needs both the "
                f"client id and the client secret. {config.credentials_help()}")
        raise MissingCredentialsError(f"No PatSnap credentials found. {config.credentials_help()}")

    def _make_lifetimes(self, expire_after: Any) -> dict[str, float]:
        lifetimes: dict[str, float] = {name: self.result_max_age for name in SEARCHES}
        lifetimes.update(DEFAULT_LIFETIMES)
        lifetimes = {name: lifetimes[name] for name in ENDPOINTS if name in lifetimes}  # endpoint order
        if expire_after is None:
            return lifetimes
        if isinstance(expire_after, Mapping):
            for name, value in expire_after.items():
                if name not in lifetimes:
                    raise InvalidInputError(
                        f"expire_after has key {name!r}: allowed keys are {', '.join(lifetimes)}.")
                lifetimes[name] = self._check_lifetime(value)
            return lifetimes
        value = self._check_lifetime(expire_after)
        return {name: value for name in lifetimes}

    @staticmethod
    def _check_lifetime(value: Any) -> float:
        """Seconds; 0 means "do not cache", a negative number "never expire"."""
        if isinstance(value, dt.timedelta):
            return value.total_seconds()
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            raise InvalidInputError(f"expire_after={value!r} is not valid: expected seconds (0: do "
                                    "not cache, -1: never expire), a timedelta, or a dict of them "
                                    "per endpoint.")
        return -1 if value < 0 else value

    @staticmethod
    def _cache_lifetime(seconds: float) -> Any:
        """requests-cache's spelling of a lifetime (it would truncate 0.5 s to "expire now")."""
        if seconds < 0:
            return NEVER_EXPIRE
        return DO_NOT_CACHE if seconds == 0 else dt.timedelta(seconds=seconds)

    @classmethod
    def from_env(cls, **overrides: Any) -> PatsnapClient:
        """A client configured from the ``PATSNAP_*`` environment variables (``overrides`` win).

        Examples
        --------
        >>> import os
        >>> from patsnap_pandas.sandbox import start_sandbox
        >>> sandbox = start_sandbox()        # stands in for PatSnap here
        >>> os.environ["PATSNAP_API_KEY"] = sandbox.credentials.api_key
        >>> os.environ["PATSNAP_BASE_URL"] = sandbox.base_url
        >>> client = PatsnapClient.from_env(timeout=60)
        >>> client.timeout, client.base_url == sandbox.base_url
        (60.0, True)
        >>> client.close(); sandbox.stop()
        >>> del os.environ["PATSNAP_API_KEY"], os.environ["PATSNAP_BASE_URL"]
        """
        return cls(**overrides)

    @classmethod
    def sandbox(cls, *, auth: str = "token", corpus: str | os.PathLike[str] | None = None,
                **options: Any) -> PatsnapClient:
        """Start an in-process sandbox server and return a client bound to it.

        The sandbox stops when the client is closed (or its ``with`` block ends). Unless
        ``cache_dir`` is given, the HTTP cache lives in a temporary folder removed on close,
        so sandbox answers never mix with PatSnap's.

        Parameters
        ----------
        auth : {"token", "api_key"}
            Which of the sandbox's credentials the client uses.
        corpus : str or path, optional
            What the sandbox serves: a folder of drawings with a ``manifest.csv``, or
            ``"generated"``; default ``$PATSNAP_SANDBOX_CORPUS``, else the generated corpus.
        **options
            Client options (``cache``, ``cache_dir``, ``expire_after``, ``timeout``,
            ``max_retries``, ``rate_limit``, ``backoff_factor``, ``budget``); everything else goes to
            :func:`patsnap_pandas.sandbox.server.start_sandbox` (``latency``,
            ``failure_rate``, ``quota``, ``token_lifetime``, ``corpus_size``, ...).

        Examples
        --------
        >>> with PatsnapClient.sandbox(latency=0.01) as client:
        ...     print(len(client.sandbox_server.corpus.designs), client.sandbox_server.settings.latency)
        600 0.01
        >>> client.sandbox_server
        <Sandbox http://127.0.0.1:... stopped>
        """
        if auth not in ("token", "api_key"):
            raise InvalidInputError(f"auth={auth!r} is not valid: allowed 'token' or 'api_key'.")
        from ..sandbox.server import start_sandbox  # the server is only needed here

        if not isinstance(corpus, (str, os.PathLike, type(None))):
            options["corpus"] = corpus  # a loaded sandbox Corpus (start_sandbox checks the type)
        else:
            folder = config.sandbox_corpus(corpus)
            if folder is not None and not (folder / "manifest.csv").is_file():
                source = "corpus" if corpus is not None else config.env_name("sandbox_corpus")
                raise InvalidInputError(f"{source}={str(folder)!r} is not valid: no manifest.csv in that folder "
                                        "(a sandbox corpus is a folder of drawings with a manifest.csv, "
                                        "or 'generated')")
            options["corpus"] = folder
        client_options = {name: options.pop(name) for name in _CLIENT_OPTIONS if name in options}
        server = start_sandbox(**options)
        temp_dir = None
        try:
            creds = server.credentials
            if client_options.get("cache_dir") is None:
                temp_dir = Path(tempfile.mkdtemp(prefix="patsnap-sandbox-cache-"))
                client_options["cache_dir"] = temp_dir
            if auth == "token":
                credentials: dict[str, Any] = {"client_id": creds.client_id, "client_secret": creds.client_secret}
            else:
                credentials = {"api_key": creds.api_key}
            client = cls(base_url=server.base_url, **credentials, **client_options)
        except BaseException:
            server.stop()
            if temp_dir is not None:
                shutil.rmtree(temp_dir, ignore_errors=True)
            raise
        client.sandbox_server = server
        client._temp_dir = temp_dir
        # Also clean up when the client is garbage-collected or the interpreter exits unclosed.
        client._finalizer = weakref.finalize(client, _stop_sandbox, server, temp_dir)
        return client

    # --- public endpoints -------------------------------------------------------------------------

    @_fenced
    def upload_image(self, data: bytes, filename: str) -> UploadedImage:
        """Upload a JPG/PNG (P010) and get its public URL; the same bytes reuse an earlier URL.

        Parameters
        ----------
        data : bytes
            JPG or PNG bytes, at most 4096 KB (see ``images.prepare_image`` for anything else).
        filename : str
            Name sent with the upload, e.g. ``"query.png"``.

        Returns
        -------
        UploadedImage
            ``from_cache`` is True when an earlier upload of the same bytes was reused
            (no call made). The memo lives in ``cache_dir`` (in memory when ``cache=False``)
            and holds only the URL and its expiry, never the image.

        Examples
        --------
        >>> from patsnap_pandas import samples
        >>> client = PatsnapClient.sandbox()
        >>> data = open(samples.image("armchair"), "rb").read()
        >>> first = client.upload_image(data, "chair.png")
        >>> again = client.upload_image(data, "chair.png")    # the same bytes: no new upload
        >>> again.url == first.url, again.from_cache, client.usage.requests["upload"]
        (True, True, 1)
        >>> client.close()
        """
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        if not isinstance(data, bytes):
            raise ImageInputError(f"data={type(data).__name__} is not valid: expected the bytes of a "
                                  "JPG or PNG file (images.prepare_image() converts other inputs).")
        mime = image_mime(_image_bytes(data, "data")) or "image/png"  # _image_bytes refused anything else
        if not isinstance(filename, str) or not filename.strip() or any(c in filename for c in '"\r\n'):
            raise ImageInputError(f"filename={filename!r} is not valid: expected a file name such as "
                                  "'query.png'.")
        self._check_open()
        key = self._upload_key(data)
        # The same image from two threads or processes at once: the others wait and reuse the
        # first's URL instead of paying for a second upload.
        with self._flights.hold(flight_key("upload", key)):
            now = time.time()
            live = self._live_upload(data)
            if live is not None:
                self.usage.add_cache_hit()
                log.debug("upload: reusing the URL of an earlier upload of the same image")
                return UploadedImage(live[0], _utc(live[1]), from_cache=True)
            body, content_type = urllib3.encode_multipart_formdata({"image": (filename, data, mime)})
            answer, _ = self._call("upload", method="POST", data=body,
                                   headers={"Content-Type": content_type})
            if not isinstance(answer, Mapping) or not isinstance(answer.get("url"), str) or not answer["url"]:
                raise ResponseFormatError("The upload answer has no 'url'.", endpoint=ENDPOINTS["upload"])
            lifetime = answer.get("expire", codes.UPLOAD_URL_LIFETIME_S)
            # not 0 < x < inf also refuses NaN and Infinity, which Python's JSON parser accepts
            if isinstance(lifetime, bool) or not isinstance(lifetime, (int, float)) \
                    or not 0 < lifetime < math.inf:
                raise ResponseFormatError(f"The upload answer has expire={lifetime!r}, not seconds > 0.",
                                          endpoint=ENDPOINTS["upload"])
            expires_at = now + float(lifetime)
            self._uploads.put(key, answer["url"], now, expires_at)
            return UploadedImage(answer["url"], _utc(expires_at), from_cache=False)

    def create_search(self, url: str | bytes, filters: SearchFilters | Mapping[str, Any] | None = None,
                      limit: int = codes.LIMIT_DEFAULT, *, refresh: bool = False) -> SearchPage:
        """Create an image search (P009) for the image at ``url``; the first ``limit`` hits.

        Parameters
        ----------
        url : str or bytes
            Public http(s) URL of a JPG/PNG, or the JPG/PNG bytes themselves: they are
            uploaded (P010) only when no answer for the same bytes and parameters is
            cached (the cache names the image by its SHA-256, not by its upload URL).
        filters : SearchFilters or dict, optional
            Validated before any call.
        limit : int
            1..100 hits.
        refresh : bool
            Skip the cache and make a new search (e.g. when its search id expired).

        Returns
        -------
        SearchPage

        Examples
        --------
        >>> from patsnap_pandas import SearchFilters, samples
        >>> client = PatsnapClient.sandbox()
        >>> url = client.upload_image(open(samples.image("armchair"), "rb").read(), "chair.png").url
        >>> page = client.create_search(url, SearchFilters(country="US"), limit=5)
        >>> len(page.hits), {hit.patent_pn[:2] for hit in page.hits}
        (5, {'US'})
        >>> client.create_search(url, {"country": "US"}, limit=5).from_cache
        True

        By the image's bytes: a second search of the same bytes needs no upload and no search,
        whatever URL the first upload got:

        >>> data = open(samples.image("desk-lamp"), "rb").read()
        >>> first, again = client.create_search(data, limit=5), client.create_search(data, limit=5)
        >>> again.from_cache, again.hits == first.hits, client.usage.requests["upload"]
        (True, True, 2)
        >>> client.close()
        """
        filters = SearchFilters.coerce(filters)
        limit = check_limit(limit)
        if isinstance(url, (bytes, bytearray, memoryview)):
            data = _image_bytes(bytes(url), "url")
            answer, from_cache, urls = self._content_call(
                "search", [data], lambda u: {"params": {"url": u[0], **filters.to_params(), "limit": str(limit)}},
                refresh)
            page = parse_page(answer, ENDPOINTS["search"], search_id=None, offset=0, limit=limit,
                              from_cache=from_cache)
            return dataclasses.replace(page, urls=tuple(urls))
        url = _check_url(url, "url")
        params = {"url": url, **filters.to_params(), "limit": str(limit)}
        data, from_cache = self._call("search", params=params, refresh=refresh)
        return parse_page(data, ENDPOINTS["search"], search_id=None, offset=0, limit=limit,
                           from_cache=from_cache)

    def search_results(self, search_id: str, offset: int = 0, limit: int = codes.LIMIT_MAX,
                       filters: SearchFilters | Mapping[str, Any] | None = None) -> SearchPage:
        """More results of a search (P009 by search id): ``limit`` hits from ``offset`` on.

        Raises
        ------
        SearchExpiredError
            The search id is unknown or older than 20 minutes: create the search again.

        Examples
        --------
        >>> from patsnap_pandas import samples
        >>> client = PatsnapClient.sandbox()
        >>> url = client.upload_image(open(samples.image("armchair"), "rb").read(), "chair.png").url
        >>> first = client.create_search(url, limit=10)
        >>> page = client.search_results(first.search_id, offset=10, limit=100)
        >>> page.offset, len(page.hits), page.total
        (10, 100, 600)
        >>> client.close()
        """
        if not isinstance(search_id, str) or not search_id.strip():
            raise InvalidInputError(f"search_id={search_id!r} is not valid: expected the search_id "
                                    "string returned by create_search().")
        search_id = search_id.strip()
        offset = check_offset(offset)
        limit = check_limit(limit)
        filters = SearchFilters.coerce(filters)
        params = {"search_id": search_id, **filters.to_params(), "offset": str(offset),
                  "limit": str(limit)}
        data, from_cache = self._call("results", params=params)
        return parse_page(data, ENDPOINTS["results"], search_id=search_id, offset=offset,
                           limit=limit, from_cache=from_cache)

    def estimate(self, image: str | bytes | Sequence[str | bytes],
                 filters: SearchFilters | Mapping[str, Any] | None = None, *, limit: int = codes.LIMIT_DEFAULT,
                 max_results: int | None = None,
                 options: ImageSearchOptions | Mapping[str, Any] | None = None) -> Estimate:
        """How many billed calls searching ``image`` would make now, without making any.

        Counts what the cache does not hold: the upload (unless a live upload of the same
        bytes is remembered), the search, and the result pages up to ``max_results``
        (or ``limit``). Pages of a search that is not cached are counted as if the search
        had that many hits: an upper bound. A cached search whose id has expired (after
        20 minutes) costs a new search when more pages are needed.

        Parameters
        ----------
        image : str, bytes or list of them
            A URL or JPG/PNG bytes (P009, as :meth:`create_search`); a list: the views of
            one product (P061 for up to 4, else each view by P060).
        filters : SearchFilters or dict, optional
            P009's filters.
        limit, max_results : int
            As ``search_designs``: the first page's size, and the hits wanted in all.
        options : ImageSearchOptions or dict, optional
            P060/P061 options, for a list of views.

        Returns
        -------
        Estimate

        Examples
        --------
        >>> from patsnap_pandas import samples
        >>> client = PatsnapClient.sandbox()
        >>> data = open(samples.image("armchair"), "rb").read()
        >>> print(client.estimate(data, max_results=250))
        4 billed calls: 1 upload, 1 search, 2 result pages
        >>> _ = client.create_search(data, limit=100)
        >>> print(client.estimate(data, max_results=250))   # the first page is cached now
        2 billed calls: 2 result pages
        >>> client.usage.billed_calls                       # estimating made none
        2
        >>> client.close()
        """
        wanted = check_limit(limit) if max_results is None else check_max_results(max_results)
        if isinstance(image, (str, bytes, bytearray, memoryview)):
            return self._estimate_p009(_url_or_bytes(image, "image"), SearchFilters.coerce(filters), wanted)
        if not isinstance(image, Sequence) or not image:
            raise InvalidInputError(f"image={shorten(image)} is not valid: expected a URL, JPG/PNG bytes, or a "
                                    "list of them (the views of one product).")
        views = [_url_or_bytes(v, f"image[{i}]") for i, v in enumerate(image)]
        opts = ImageSearchOptions.coerce(options)
        if len(views) <= codes.MULTI_IMAGE_MAX:
            return self._estimate_newer("image_multiple", "urls", views, opts, wanted)
        total = Estimate({})
        for view in views:
            total = total + self._estimate_newer("image_single", "url", [view], opts, wanted)
        return total

    def _estimate_p009(self, target: str | bytes, filters: SearchFilters, wanted: int) -> Estimate:
        first_limit = min(wanted, codes.LIMIT_MAX)
        name = "url" if isinstance(target, str) else content_ref(target)
        params = {"url": target if isinstance(target, str) else name, **filters.to_params(),
                  "limit": str(first_limit)}
        answer = self._probe("search", params=params)
        end = min(wanted, codes.OFFSET_MAX + codes.LIMIT_MAX)
        if answer is None:
            upload = int(isinstance(target, bytes) and self._live_upload(target) is None)
            return Estimate({"upload": upload, "search": 1,
                             "results": len(range(first_limit, end, codes.LIMIT_MAX))})
        first = parse_page(answer, ENDPOINTS["search"], search_id=None, offset=0, limit=first_limit, from_cache=True)
        pages = 0
        if len(first.hits) >= first_limit:
            for offset in range(first_limit, min(end, first.total), codes.LIMIT_MAX):
                page_offset = min(offset, codes.OFFSET_MAX)
                page = {"search_id": str(first.search_id), **filters.to_params(), "offset": str(page_offset),
                        "limit": str(min(codes.LIMIT_MAX, end - page_offset))}
                pages += self._probe("results", params=page) is None
        return Estimate({"upload": 0, "search": 0, "results": pages})

    def _estimate_newer(self, name: str, field: str, views: list[str | bytes], options: ImageSearchOptions,
                        wanted: int) -> Estimate:
        names = [v if isinstance(v, str) else content_ref(v) for v in views]
        uploads = 0
        calls = 0
        for offset in range(0, min(wanted, codes.OFFSET_MAX + codes.LIMIT_MAX), codes.LIMIT_MAX):
            page_offset = min(offset, codes.OFFSET_MAX)
            body = {field: names[0] if field == "url" else names, **options.to_body(),
                    "limit": min(codes.LIMIT_MAX, wanted - page_offset), "offset": page_offset}
            if self._probe(name, json_body=body) is None:
                calls += 1
        if calls:
            uploads = sum(1 for v in views if isinstance(v, bytes) and self._live_upload(v) is None)
        return Estimate({"upload": uploads, name: calls})

    def _probe(self, name: str, *, params: Mapping[str, str] | None = None, json_body: Any = None) -> Any:
        """The cached answer of a call this client would reuse, or None (nothing is sent)."""
        if not self._cached:
            return None
        method = "POST" if json_body is not None else "GET"
        answer, _ = self._cached_answer(name, self.base_url + ENDPOINTS[name], params or {}, method=method,
                                        json_body=json_body)
        return answer

    # --- P060 / P061: the newer image searches (JSON bodies) ----------------------------------------

    def image_single(self, url: str | bytes, options: ImageSearchOptions | Mapping[str, Any] | None = None, *,
                     limit: int = codes.LIMIT_DEFAULT, offset: int = 0, refresh: bool = False) -> SearchPage:
        """Search with one image (P060): designs or utility models, with a choice of model.

        Parameters
        ----------
        url : str or bytes
            Public http(s) URL of a JPG/PNG, or its bytes (uploaded only when the answer is
            not cached; see :meth:`create_search`).
        options : ImageSearchOptions or dict, optional
            Patent type, model, language, switches and filters; validated before any call.
        limit : int
            1..100 hits.
        offset : int
            0..1000: where the page starts (P060 pages by offset; there is no search id).
        refresh : bool
            Skip the cache and search again.

        Returns
        -------
        SearchPage
            ``search_id`` is None. Hits carry the fuller fields in ``extra`` (``loc``,
            ``apdt``, ``pbdt``, ``apno``, ``authority``, assignees, ``inventor``, and
            ``loc_match`` with model 1, ``img_id`` with ``return_img_id``).

        Examples
        --------
        >>> client = PatsnapClient.sandbox()
        >>> from patsnap_pandas import samples
        >>> url = client.upload_image(open(samples.image("armchair"), "rb").read(), "chair.png").url
        >>> page = client.image_single(url, {"model": 1, "country": ["CN", "US"]}, limit=5)
        >>> len(page.hits), page.search_id, sorted(page.hits[0].extra)[:4]
        (5, None, ['apdt', 'apno', 'authority', 'current_assignee'])
        >>> client.image_single(url, {"model": 1, "country": ["CN", "US"]}, limit=5).from_cache
        True
        >>> client.close()
        """
        return self._image_search("image_single", "url", [_url_or_bytes(url, "url")], options, limit, offset,
                                  refresh)

    def image_multiple(self, urls: Sequence[str | bytes], options: ImageSearchOptions | Mapping[str, Any] | None = None,
                       *, limit: int = codes.LIMIT_DEFAULT, offset: int = 0,
                       refresh: bool = False) -> SearchPage:
        """Search with 1..4 images of one product (P061), scored from all of them.

        With model 1 the Locarno class of the first image is predicted and used to
        re-rank: the order of the images matters. Parameters as :meth:`image_single`,
        with ``urls`` (a list of 1..4 URLs, or image bytes, or both) instead of ``url``.

        Examples
        --------
        >>> client = PatsnapClient.sandbox()
        >>> from patsnap_pandas import samples
        >>> urls = [client.upload_image(p.read_bytes(), p.name).url for p in (samples.image("armchair"), samples.image("desk-lamp"))]
        >>> page = client.image_multiple(urls, {"model": 2}, limit=3)
        >>> len(page.hits), page.total
        (3, 600)
        >>> client.image_multiple(urls * 3)
        Traceback (most recent call last):
        ...
        patsnap_pandas.errors.InvalidInputError: urls has 6 URLs: not valid. Allowed: 1 to 4 images of one product; ...
        >>> client.close()
        """
        if isinstance(urls, str) or not isinstance(urls, Sequence):
            raise InvalidInputError(f"urls={shorten(urls)} is not valid: expected a list of 1 to "
                                    f"{codes.MULTI_IMAGE_MAX} image URLs.")
        if not 1 <= len(urls) <= codes.MULTI_IMAGE_MAX:
            raise InvalidInputError(
                f"urls has {len(urls)} URLs: not valid. Allowed: 1 to {codes.MULTI_IMAGE_MAX} images of one "
                "product; search_designs() fuses the results of more views on the client.")
        checked = [_url_or_bytes(u, f"urls[{i}]") for i, u in enumerate(urls)]
        return self._image_search("image_multiple", "urls", checked, options, limit, offset, refresh)

    def _image_search(self, name: str, field: str, targets: list[str | bytes], options: Any, limit: int,
                      offset: int, refresh: bool) -> SearchPage:
        options = ImageSearchOptions.coerce(options)
        limit = check_limit(limit)
        offset = check_offset(offset)
        images = [t for t in targets if isinstance(t, bytes)]

        def body(uploaded: list[str]) -> dict[str, Any]:
            given = iter(uploaded)
            urls = [t if isinstance(t, str) else next(given) for t in targets]
            return {"json_body": {field: urls[0] if field == "url" else urls, **options.to_body(), "limit": limit,
                                  "offset": offset}}

        if images:
            data, from_cache, live = self._content_call(name, images, body, refresh)
            given = iter(live)
            urls = tuple(t if isinstance(t, str) else next(given) for t in targets)
        else:
            data, from_cache = self._call(name, method="POST", json_body=body([])["json_body"], refresh=refresh)
            urls = ()
        page = parse_page(data, ENDPOINTS[name], search_id="-", offset=offset, limit=limit,
                           from_cache=from_cache)
        return dataclasses.replace(page, search_id=None, urls=urls)

    def bibliography(self, patent_ids: str | Iterable[str]) -> list[dict[str, Any]]:
        """Simple bibliography (P011) of patents, in batches of 100; items as PatSnap returns them.

        Items come back in the order of ``patent_ids`` (duplicates asked once); ids PatSnap
        does not know are absent.

        Examples
        --------
        >>> client = PatsnapClient.sandbox()
        >>> design = client.sandbox_server.corpus.designs[0]
        >>> item = client.bibliography([design.patent_id, "unknown-id"])[0]
        >>> item["pn"] == design.patent_pn, sorted(item["bibliographic_data"])[:3]
        (True, ['application_reference', 'classification_data', 'dates_of_public_availability'])
        >>> client.close()
        """
        return self._lookup("bibliography", patent_ids)

    def legal_status(self, patent_ids: str | Iterable[str]) -> list[dict[str, Any]]:
        """Simple legal status (P041) of patents, in batches of 100; items as PatSnap returns them.

        Examples
        --------
        >>> client = PatsnapClient.sandbox()
        >>> design = client.sandbox_server.corpus.designs[0]
        >>> item = client.legal_status(design.patent_id)[0]
        >>> sorted(item), item["simple_legal_status"][0] in ("Active", "Inactive", "Pending")
        (['patent_id', 'pn', 'simple_legal_status'], True)
        >>> client.close()
        """
        return self._lookup("legal_status", patent_ids)

    @contextmanager
    def limited(self, rate: float | None) -> Iterator[PatsnapClient]:
        """At most ``rate`` network calls per second inside the ``with`` block.

        The stricter of ``rate`` and the client's ``rate_limit`` applies; the limit in
        force before is restored at the end of the block. Cache hits never wait. The
        limit is the client's, shared by its threads: run one limited block at a time.

        Parameters
        ----------
        rate : float or None
            Calls per second, > 0; None leaves the limit as it is.

        Examples
        --------
        >>> from patsnap_pandas import samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> with client.limited(5):                # at most 5 network calls per second here
        ...     hits = search_designs(samples.image("armchair"), client=client)
        >>> len(hits)
        10
        >>> client.close()
        """
        if rate is not None and (isinstance(rate, bool) or not isinstance(rate, (int, float))
                                 or not 0 < float(rate) < math.inf):
            raise InvalidInputError(f"rate={rate!r} is not valid: expected None or a number of "
                                    "calls per second > 0.")
        saved = self._limiter.rate
        if rate is not None:
            self._limiter.rate = float(rate) if not saved else min(saved, float(rate))
        try:
            yield self
        finally:
            self._limiter.rate = saved

    def interrupt(self) -> None:
        """Stop making calls: threads waiting for the rate limit, a retry pause or a lock raise at once.

        A batch calls it on Ctrl-C, then :meth:`resume` once its workers have stopped.

        Examples
        --------
        >>> client = PatsnapClient.sandbox(rate_limit=1)
        >>> client.interrupt()     # a call waiting for its turn now stops instead of waiting
        >>> client.resume()        # calls wait for their turn again
        >>> client.close()
        """
        self._limiter.interrupt()

    def resume(self) -> None:
        """Make calls again after :meth:`interrupt`.

        Examples
        --------
        >>> client = PatsnapClient.sandbox()
        >>> client.interrupt(); client.resume()
        >>> client.legal_status([client.sandbox_server.corpus.designs[0].patent_id])[0]["pn"] != ""
        True
        >>> client.close()
        """
        self._limiter.resume()

    # --- cache and lifecycle ------------------------------------------------------------------------

    @property
    def thumbnail_location(self) -> str:
        """Where this client keeps hit thumbnails: the local folder, or the shared Redis (its shown URL).

        Result frames keep it in ``attrs["thumbnail_dir"]``; :func:`patsnap_pandas.store.cache.open_thumbnail_store`
        opens it again.

        Examples
        --------
        >>> with PatsnapClient.sandbox() as client:
        ...     client.thumbnail_location == str(client.cache_dir / "thumbnails")
        True
        """
        if self.shared_backend is not None:
            return str(self.shared_backend.shown_url)
        return str(self.cache_dir / THUMBNAILS_DIR)

    def cache_info(self) -> dict[str, Any]:
        """Where the cache is, how much it holds, and the lifetimes in use (JSON-safe).

        The client's view of its own backend (any requests-cache backend); for the
        cache folder alone, without credentials, see :func:`~patsnap_pandas.store.cache.cache_info`.

        Examples
        --------
        >>> from patsnap_pandas import samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client)
        >>> info = client.cache_info()
        >>> info["backend"], info["responses"], info["uploads"], info["lifetimes"]["search"]
        ('SQLiteCache', 1, 1, 604800.0)
        >>> client.close()
        """
        backend = self._backend
        location = cache_location(backend) if backend is not None else None
        uploads_file = self.cache_dir / UPLOADS_FILE
        return {
            "backend": type(backend).__name__ if backend is not None else None,
            "location": location, "cache_dir": str(self.cache_dir),
            "responses": count_responses(backend) if backend is not None else 0,
            "uploads": self._uploads.count(),
            "size_bytes": sqlite_bytes(uploads_file) + (sqlite_bytes(Path(location)) if location else 0),
            "lifetimes": dict(self._lifetimes),
            "usage": self.usage.as_dict(),
        }

    def clear_cache(self) -> None:
        """Forget every cached answer and remembered upload of this client's cache.

        Thumbnails are kept (they are not billable); :func:`~patsnap_pandas.store.cache.clear_cache` empties the
        whole cache folder, thumbnails included.

        Examples
        --------
        >>> from patsnap_pandas import samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client)
        >>> client.clear_cache()
        >>> client.cache_info()["responses"], client.cache_info()["uploads"]
        (0, 0)
        >>> client.close()
        """
        clear(self._backend, self._uploads, None)

    def close(self) -> None:
        """Close the HTTP session; a sandbox client also stops its server and removes its temp cache.

        Idempotent; ``with PatsnapClient(...) as client:`` closes it at the end of the block.

        Examples
        --------
        >>> client = PatsnapClient.sandbox()
        >>> client.close()
        >>> client.sandbox_server, client.cache_dir.exists()
        (<Sandbox http://127.0.0.1:... stopped>, False)
        >>> client.close()          # again: nothing happens
        """
        if self._closed:
            return
        self._closed = True
        self._session.close()
        self._usage_counter.close()
        if self.shared_backend is not None:
            self.shared_backend.close()
        if self._trusts_origin:
            distrust_origin(self.base_url)
        if self._finalizer is not None:
            self._finalizer()  # stops the sandbox and removes its temporary cache (once)

    def __enter__(self) -> PatsnapClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        if not self._cached:
            cache = "off"
        elif self.shared_backend is not None:
            cache = f"Redis({self.shared_backend.shown_url})"
        else:
            backend = self._backend
            location = cache_location(backend)
            cache = f"{type(backend).__name__}({location})" if location else type(backend).__name__
        sandbox = ", sandbox=True" if self.sandbox_server is not None else ""
        closed = ", closed" if self._closed else ""
        return (f"PatsnapClient(base_url={self.base_url!r}, auth={self._auth.description!r}, "
                f"cache={cache!r}{sandbox}{closed})")

    def __getstate__(self) -> NoReturn:
        raise TypeError("PatsnapClient cannot be pickled (it holds credentials and a live session); "
                        "create one per process with PatsnapClient.from_env().")

    # --- internals ---------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("This PatsnapClient is closed; create a new one.")

    def _lookup(self, name: str, patent_ids: str | Iterable[str]) -> list[dict[str, Any]]:
        ids = _patent_ids(patent_ids)
        if not ids:
            return []
        self._check_open()
        items: list[dict[str, Any]] = []
        # Sorted batches: the same set of ids always makes the same (cacheable) calls.
        ordered = sorted(ids)
        for start in range(0, len(ordered), BATCH_SIZE):
            batch = ordered[start:start + BATCH_SIZE]
            data, _ = self._call(name, params={"patent_id": ",".join(batch)})
            if not isinstance(data, list) or not all(isinstance(item, Mapping) for item in data):
                raise ResponseFormatError(f"data is a {type(data).__name__}, not a list of objects.",
                                          endpoint=ENDPOINTS[name])
            items.extend(dict(item) for item in data)
        rank: dict[Any, int] = {pid: i for i, pid in enumerate(ids)}
        return sorted(items, key=lambda item: rank.get(item.get("patent_id"), len(rank)))

    @staticmethod
    def _endpoint_of(url: str) -> str:
        path = url.split("?", 1)[0]
        for name, endpoint in ENDPOINTS.items():
            if path.endswith(endpoint):
                return name
        return "other"

    def _fetch_token(self, client_id: str, client_secret: str) -> Mapping[str, Any]:
        answer, _ = self._call("token", method="POST", data={"grant_type": "client_credentials"},
                               basic_auth=(client_id, client_secret))
        body: Mapping[str, Any] = answer
        return body

    @_fenced
    def _call(self, name: str, *, method: str = "GET", params: Mapping[str, str] | None = None,
              data: Any = None, headers: Mapping[str, str] | None = None,
              basic_auth: tuple[str, str] | None = None, refresh: bool = False,
              json_body: Any = None) -> tuple[Any, bool]:
        """One API call with auth, transient-error retries and one token refresh.

        Returns (the envelope's ``data`` -- or the whole body for the token endpoint, from_cache).
        """
        self._check_open()
        path = ENDPOINTS[name]
        url = self.base_url + path
        if self._cached and (method == "GET" or json_body is not None) and not refresh:
            with ExitStack() as held:
                cached, stale = self._cached_or_held(held, name, url, method, params, json_body)
                if cached is not None:
                    return cached, True
                # An answer older than this client's max age is replaced, not returned.
                return self._send(name, method=method, params=params, data=data, headers=headers,
                                  basic_auth=basic_auth, refresh=stale, json_body=json_body)
        return self._send(name, method=method, params=params, data=data, headers=headers,
                          basic_auth=basic_auth, refresh=refresh, json_body=json_body)

    def _cached_or_held(self, held: ExitStack, name: str, url: str, method: str,
                        params: Mapping[str, str] | None, json_body: Any) -> tuple[Any, bool]:
        """(The cached answer, counted as a cache hit) or (None, whether an older one was found).

        On a miss the call's single-flight lock is taken into ``held`` and the cache asked
        again: the same call wanted by other threads or processes right now is made once;
        they wait for the lock, then find the answer in the cache.
        """
        cached, stale = self._cached_answer(name, url, params or {}, method=method, json_body=json_body)
        if cached is None:
            held.enter_context(self._flights.hold(self._flight_key(method, url, params, json_body)))
            cached, stale = self._cached_answer(name, url, params or {}, method=method, json_body=json_body)
        if cached is not None:
            self.usage.add_cache_hit()
        return cached, stale

    @staticmethod
    def _flight_key(method: str, url: str, params: Mapping[str, str] | None, json_body: Any) -> str:
        return flight_key(method.lower(), url, json.dumps(sorted((params or {}).items())),
                          json.dumps(json_body, sort_keys=True, default=str))

    @_fenced
    def _content_call(self, name: str, images: Sequence[bytes],
                      request: Callable[[list[str]], dict[str, Any]], refresh: bool) -> tuple[Any, bool, list[str | None]]:
        """A search by image bytes, cached under the images' content, not their upload URLs.

        ``request(urls)`` gives the call's ``params`` or ``json_body`` for those image URLs.
        A cached answer for the same bytes (and parameters) is returned with no upload and
        no search; otherwise the images are uploaded (the upload memo may already hold
        them) and searched, and the answer is stored under the content key.

        Returns (data, from_cache, the upload URL of each image or None where none is alive).
        """
        self._check_open()
        url = self.base_url + ENDPOINTS[name]
        refs = [content_ref(data) for data in images]
        probe = request(refs)
        params, json_body = probe.get("params"), probe.get("json_body")
        method = "POST" if json_body is not None else "GET"
        stale = refresh
        with ExitStack() as held:
            if self._cached and not refresh:
                cached, stale = self._cached_or_held(held, name, url, method, params, json_body)
                if cached is not None:
                    return cached, True, [self._live_url(data) for data in images]
            else:
                held.enter_context(self._flights.hold(self._flight_key(method, url, params, json_body)))
            held.enter_context(self._reserve_ahead(self._content_calls(name, images)))
            urls = [self.upload_image(data, _upload_name(data)).url for data in images]
            call = request(urls)
            with keyed_by_content(dict(zip(urls, refs, strict=True))):
                answer, from_cache = self._send(name, method=method, params=call.get("params"),
                                                json_body=call.get("json_body"), data=None, headers=None,
                                                basic_auth=None, refresh=stale)
            return answer, from_cache, list(urls)

    def _live_upload(self, data: bytes) -> tuple[str, float] | None:
        """(URL, expires_at) of an earlier upload of these bytes with life enough left to reuse, else None."""
        remembered = self._uploads.get(self._upload_key(data))
        if remembered is None:
            return None
        url, issued_at, expires_at = remembered
        if expires_at - time.time() <= _reuse_margin(issued_at, expires_at):
            return None
        return str(url), float(expires_at)

    def _live_url(self, data: bytes) -> str | None:
        live = self._live_upload(data)
        return None if live is None else live[0]

    def _upload_key(self, data: bytes) -> str:
        return hashlib.sha256(self.base_url.encode() + b"\0" + hashlib.sha256(data).digest()).hexdigest()

    def _send(self, name: str, *, method: str, params: Mapping[str, str] | None, data: Any,  # noqa: C901  (the one retry loop: a branch per transient failure kind)
              headers: Mapping[str, str] | None, basic_auth: tuple[str, str] | None,
              refresh: bool, json_body: Any = None) -> tuple[Any, bool]:
        """The network call of :meth:`_call`, in the client's one retry loop."""
        path = ENDPOINTS[name]
        url = self.base_url + path
        attempt, reauthenticated = 0, False
        # The one retry loop: every attempt goes through the rate limiter (in the adapter), is
        # counted, and waits its backoff (or the server's Retry-After) interruptibly.
        while True:
            call_headers = dict(headers or {})
            call_params = dict(params or {})
            used = None
            if basic_auth is None:
                auth_headers, auth_params, used = self._auth.credentials()
                call_headers.update(auth_headers)
                call_params.update(auth_params)
            extra: dict[str, Any] = {"force_refresh": True} if (refresh and self._cached) else {}
            log.debug("%s %s (attempt %d)", method, path, attempt + 1)
            if name in BILLABLE:  # fenced after the waits so far (a token fetch, a retry pause); again in _before_send
                self._flights.check_held()
            # The budget: every attempt of a billable call is counted before it is sent (or refused).
            ticket = self._ticket(name, first=attempt == 0 and not reauthenticated)
            self._sending.sent = False
            try:
                response = self._session.request(method, url, params=call_params, data=data, json=json_body,
                                                 headers=call_headers, auth=basic_auth or HeadersAuth(),
                                                 timeout=self.timeout, allow_redirects=False, **extra)
            except (Interrupted, LeaseLost):
                self._release(ticket)  # stopped waiting for the rate limit, or its lock was lost: nothing was sent
                raise
            except KeyboardInterrupt:
                if not self._sending.sent:
                    self._release(ticket)  # Ctrl-C (or interrupt_main) while waiting: nothing was sent
                raise
            except requests.RequestException as exc:
                if _connection_refused(exc) or isinstance(exc, requests.ConnectTimeout):
                    self._release(ticket)
                    # urllib3 tried to connect 1 + max_retries times; nothing reached the server.
                    for _ in range(self.max_retries + 1):
                        self.usage.add_request(name, billed=False)
                    raise self._network_error(exc, path) from None
                # The request reached the server (which may have billed it) and the answer was
                # lost: a dropped connection, a read timeout, a body that broke off.
                self.usage.add_request(name, billed=name in BILLABLE)
                if attempt < self.max_retries:
                    attempt += 1
                    self._retry_pause(path, attempt, None, type(exc).__name__)
                    continue
                if isinstance(exc, (ChunkedEncodingError, ContentDecodingError)):
                    raise ServiceUnavailableError(
                        f"The answer broke off ({type(exc).__name__}) after {attempt + 1} attempts.",
                        endpoint=path) from None
                raise self._network_error(exc, path) from None
            from_cache = bool(getattr(response, "from_cache", False))
            if from_cache:
                self._release(ticket)
                self.usage.add_cache_hit()
            else:
                self.usage.add_request(name, billed=name in BILLABLE)
            try:
                body = decode(response, path)
                raise_if_error(body, response, path, token=(name == "token"))
                if name == "token":
                    return body, False
                if "data" not in body:
                    raise ResponseFormatError("The answer has no 'data' field.", endpoint=path,
                                              http_status=response.status_code)
                return body["data"], from_cache
            except PatsnapError as err:
                if (used is not None and not reauthenticated and self._auth.can_refresh()
                        and isinstance(err, AuthenticationError)
                        and (err.code == 67200003 or err.http_status == 401)):
                    log.debug("%s: token rejected, fetching a new one", path)
                    self._auth.invalidate(used)
                    reauthenticated = True
                    continue
                if response.status_code == 429:
                    self.usage.add_throttled()
                if self._retryable(err, response) and attempt < self.max_retries:
                    attempt += 1
                    self._retry_pause(path, attempt, response, type(err).__name__)
                    continue
                if isinstance(err, AuthenticationError):
                    err.hint = self._auth_hint()
                if attempt:
                    err.hint = f"Gave up after {attempt} retries. {err.hint}"
                raise err from None

    def _release(self, ticket: Ticket | None) -> None:
        """Give back the budget of an attempt that never reached the server."""
        if ticket is not None:
            self._usage_counter.release(ticket)

    def _before_send(self, request: requests.PreparedRequest) -> None:
        """The last step before a request goes out, after every wait (the transport adapter calls it).

        A billable request is fenced: the single-flight leases this thread holds must still
        be its own (else :class:`~patsnap_pandas.store.locks.LeaseLost`, and nothing is sent); then
        it is counted in ``usage.billed_sent``.
        """
        if self._endpoint_of(request.url or "") in BILLABLE:
            self._flights.check_held()
            self.usage.add_sent()
        self._sending.sent = True

    def _retry_pause(self, path: str, attempt: int, response: requests.Response | None, failure: str) -> None:
        """The pause before retry ``attempt``: backoff, or the server's Retry-After; shown when long, interruptible."""
        self.usage.add_retry()
        delay = self._backoff(attempt, response)
        asked = self._retry_after(response)
        throttled = response is not None and response.status_code == 429
        status = f"HTTP {response.status_code}" if response is not None else failure
        why = f"the server asked ({status})" if asked is not None else f"retry pause after {status}"
        if delay >= LONG_WAIT_S:
            capped = f"; it asked for {asked:.0f} s, {RETRY_AFTER_MAX_S:.0f} s at most are waited" \
                if asked is not None and asked > RETRY_AFTER_MAX_S else ""
            log.warning("Waiting %.0f s before retry %d of %d of %s: %s%s. Ctrl-C stops the wait; nothing more "
                        "is billed for it.", delay, attempt, self.max_retries, path, why, capped)
        else:
            log.debug("%s: %s; retry %d in %.2f s", path, failure, attempt, delay)
        started = time.monotonic()
        try:
            with self.usage.waiting(delay, why):
                self._limiter.sleep(delay)
        finally:
            self.usage.add_wait(time.monotonic() - started, throttled=throttled)

    # --- the budget of a search by image bytes: its uploads and its search, reserved together ---------

    def _content_calls(self, name: str, images: Sequence[bytes]) -> list[str]:
        """The billed calls a search by image bytes makes now: an upload per image not alive in the memo, the search."""
        keys = {self._upload_key(data): data for data in images}
        return ["upload" for data in keys.values() if self._live_upload(data) is None] + [name]

    @contextmanager
    def _reserve_ahead(self, endpoints: list[str]) -> Iterator[None]:
        """Reserve the budget of ``endpoints`` in one atomic step before the first of them is sent.

        Inside the block, the first attempt of each of these calls in this thread takes its
        ticket (:meth:`_ticket`); a retry reserves again, as any billed attempt. What was not
        used (an upload another process made meanwhile, a search answered from the cache) is
        given back at the end. Refused by the budget: nothing is sent, not even an upload.
        """
        tickets = self._usage_counter.reserve_all(endpoints, self.budget)
        outer = getattr(self._reserved_ahead, "tickets", None)
        self._reserved_ahead.tickets = tickets
        try:
            yield
        finally:
            unused, self._reserved_ahead.tickets = self._reserved_ahead.tickets, outer
            for ticket in unused:
                try:
                    self._usage_counter.release(ticket)
                except CacheError:  # kept counted: the safe side
                    log.debug("could not give back an unused reservation of %s", ticket.endpoint)

    def _ticket(self, name: str, *, first: bool) -> Ticket | None:
        """The budget of one attempt of ``name``: reserved ahead (first attempt), else reserved now; None if not billable."""
        if name not in BILLABLE:
            return None
        ahead: list[Ticket] | None = getattr(self._reserved_ahead, "tickets", None)
        if first and ahead:
            for i, ticket in enumerate(ahead):
                if ticket.endpoint == name:
                    return ahead.pop(i)
        return self._usage_counter.reserve(name, self.budget)

    def _cached_answer(self, name: str, url: str, params: Mapping[str, str], *, method: str = "GET",
                       json_body: Any = None) -> tuple[Any, bool]:
        """(The cached ``data`` of a call or None, whether a cached answer was too old to use).

        No token fetched, no network, no rate limit. Credentials are no part of the key, so
        the answer is found whoever paid for it, with a token or an API key; after a miss the
        key shape of earlier builds is tried too (:func:`~patsnap_pandas.store.cache.old_key_shape`).
        An answer stored by a client with a longer lifetime (another member of a team) counts
        as missing when it is older than this client's lifetime.
        """
        path = ENDPOINTS[name]
        response = self._cached_response(method, url, params, json_body)
        if response is None:
            with old_key_shape():
                response = self._cached_response(method, url, params, json_body)
        if response is None:
            return None, False  # not cached (or expired)
        lifetime = self._lifetimes.get(name, -1)
        created = getattr(response, "created_at", None)
        if lifetime >= 0 and isinstance(created, dt.datetime) and \
                (dt.datetime.now(dt.timezone.utc) - _aware(created)).total_seconds() > lifetime:
            return None, True
        body = decode(response, path)
        raise_if_error(body, response, path)
        return body["data"], False

    def _cached_response(self, method: str, url: str, params: Mapping[str, str], json_body: Any) -> Any:
        """The cached response of a call (asked with requests-cache's ``only_if_cached``), or None."""
        try:
            cached_only: dict[str, Any] = {"only_if_cached": True}  # a CachedSession option
            response = self._session.request(method, url, params=dict(params), json=json_body, auth=HeadersAuth(),
                                             allow_redirects=False, **cached_only)
        except requests.RequestException:  # pragma: no cover - only_if_cached never connects
            return None
        if response.status_code == 504 or not getattr(response, "from_cache", False):
            return None
        return response

    @staticmethod
    def _retryable(err: PatsnapError, response: requests.Response) -> bool:
        return (err.code in codes.RETRYABLE_CODES or response.status_code in RETRY_STATUSES)

    def _backoff(self, attempt: int, response: requests.Response | None) -> float:
        """Full-jitter exponential backoff, at least the server's Retry-After (capped at RETRY_AFTER_MAX_S)."""
        delay = self._retry_rng.uniform(0, min(BACKOFF_MAX_S, self.backoff_factor * 2 ** attempt))
        asked = self._retry_after(response)
        if asked is not None:
            delay = max(delay, min(asked, RETRY_AFTER_MAX_S))
        return delay

    @staticmethod
    def _retry_after(response: requests.Response | None) -> float | None:
        """Seconds the answer's Retry-After asks to wait (delta-seconds or an HTTP date), or None."""
        if response is None:
            return None
        return retry_after_s(response.headers.get("Retry-After"), response.headers.get("Date"))

    def _auth_hint(self) -> str:
        if isinstance(self._auth, TokenAuth):
            return (f"Check the client id and secret ({config.env_name('client_id')}, "
                    f"{config.env_name('client_secret')}); an expired client must be renewed in the "
                    "PatSnap developer portal.")
        return f"Check the API key ({config.env_name('api_key')}) in the PatSnap developer portal."

    def _network_error(self, exc: requests.RequestException, path: str) -> PatsnapError:
        if _connection_refused(exc):
            return ServiceUnreachableError(
                f"The request to {self.base_url}{path} could not connect after {self.max_retries} retries "
                f"({type(exc).__name__}: {_short(redact(str(exc)))}).", endpoint=path)
        if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
            what = "timed out" if isinstance(exc, requests.Timeout) else "could not connect or was cut off"
            return ServiceUnavailableError(
                f"The request to {self.base_url}{path} {what} after {self.max_retries} retries "
                f"({type(exc).__name__}: {_short(redact(str(exc)))}).", endpoint=path)
        return PatsnapError(f"The request to {self.base_url}{path} failed: {type(exc).__name__}: "
                            f"{_short(redact(str(exc)))}.", endpoint=path,
                            hint="Check the base URL and your network settings.")


def _image_bytes(data: bytes, name: str) -> bytes:
    """JPG or PNG bytes of at most 4096 KB, else ImageInputError naming ``name``."""
    if not data:
        raise ImageInputError(f"{name}=b'' is not valid: the image is empty. Allowed: JPG or PNG bytes.")
    if len(data) > codes.UPLOAD_MAX_BYTES:
        raise ImageInputError(f"{name}=<{len(data)} bytes> is not valid: larger than {codes.UPLOAD_MAX_BYTES} "
                              "bytes (4096 KB). Allowed: JPG or PNG up to 4096 KB; images.prepare_image() shrinks it.")
    if image_mime(data) is None:
        raise ImageInputError(f"{name}=<{len(data)} bytes starting {data[:8]!r}> is not valid: not a JPG or PNG "
                              "file. Allowed: JPG or PNG bytes (images.prepare_image() converts).")
    return data


def _url_or_bytes(value: Any, name: str) -> str | bytes:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _image_bytes(bytes(value), name)
    return _check_url(value, name)


def _check_url(url: Any, name: str) -> str:
    if not isinstance(url, str) or not re.match(r"^https?://\S+$", url.strip()):
        raise InvalidInputError(f"{name}={shorten(url)} is not valid: expected the http(s) URL of a JPG or "
                                "PNG image; upload a local image with upload_image() first.")
    return url.strip()


def _connection_refused(exc: BaseException) -> bool:
    """True when no connection could be opened at all (refused, or the name did not resolve)."""
    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, (urllib3.exceptions.NewConnectionError, ConnectionRefusedError)):
            return True
        todo.extend([getattr(item, "reason", None), item.__cause__, item.__context__, *item.args])
    return False


def _stop_sandbox(server: Any, temp_dir: Path | None) -> None:
    server.stop()
    if temp_dir is not None:
        shutil.rmtree(temp_dir, ignore_errors=True)


def _short(text: str, limit: int = 300) -> str:
    text = re.sub(r"\?[^\s'\")]*", "?...", text)  # no query strings in messages
    return text if len(text) <= limit else text[:limit] + "..."


def _aware(moment: dt.datetime) -> dt.datetime:
    """requests-cache keeps naive UTC times."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.timezone.utc)


def _upload_name(data: bytes) -> str:
    return "query.png" if image_mime(data) == "image/png" else "query.jpg"


def _utc(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, tz=dt.timezone.utc)


def _patent_ids(patent_ids: Any) -> list[str]:
    allowed = "a patent id string or a list of them"
    if isinstance(patent_ids, str):
        values: list[Any] = patent_ids.split(",")
    elif isinstance(patent_ids, Iterable) and not isinstance(patent_ids, (bytes, Mapping)):
        values = list(patent_ids)
    else:
        raise InvalidInputError(f"patent_ids={patent_ids!r} is not valid: expected {allowed}.")
    result = []
    for value in values:
        if not isinstance(value, str) or not value.strip() or "," in value:
            raise InvalidInputError(f"patent_ids contains {value!r}, which is not a patent id. "
                                    f"Allowed: {allowed}.")
        result.append(value.strip())
    return list(dict.fromkeys(result))

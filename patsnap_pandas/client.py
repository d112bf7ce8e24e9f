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
import time
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import requests
import urllib3
from requests.exceptions import ChunkedEncodingError, ContentDecodingError
from requests_cache import DO_NOT_CACHE, NEVER_EXPIRE
from requests_cache.backends.base import BaseCache

from . import codes, config
from ._version import __version__
from .auth import ApiKeyAuth, TokenAuth
from .budget import Budget, LocalUsageCounter, MemoryUsageCounter, Ticket, UsageCounter, spending
from .cache import UPLOADS_FILE, build_session, cache_location, clear, count_responses, http_cache_file, sqlite_bytes
from .cache import cache_info as cache_info  # noqa: F401 - re-exported: its old import path
from .cache import clear_cache as clear_cache  # noqa: F401 - re-exported: its old import path
from .errors import (
    AuthenticationError,
    ImageInputError,
    InvalidInputError,
    MissingCredentialsError,
    PatsnapError,
    ResponseFormatError,
    ServiceUnavailableError,
    ServiceUnreachableError,
)
from .filters import SearchFilters, check_limit, check_offset
from .http import (
    BACKOFF_MAX_S,
    RETRY_AFTER_MAX_S,
    RETRY_STATUSES,
    HeadersAuth,
    Interrupted,
    PatsnapAdapter,
    RateLimiter,
    Usage,
    install_log_redaction,
    make_retry,
    redact,
)
from .image_params import ImageSearchOptions
from .images import image_mime
from .locks import SingleFlight, flight_key
from .models import ENDPOINTS, SearchPage, UploadedImage, brief, decode, is_success_envelope, parse_page, raise_if_error
from .models import Hit as Hit  # noqa: F401 - re-exported: its old import path
from .thumbnails import distrust_origin, trust_origin
from .upload_memo import UploadMemo

# Hit, SearchPage, UploadedImage (models) and cache_info, clear_cache (cache) are still importable from
# here, where they used to live; their documentation is in their own modules.
__all__ = ["PatsnapClient", "Usage", "ENDPOINTS"]

log = logging.getLogger(__name__)

BILLABLE = frozenset(ENDPOINTS) - {"token"}
_HOUR, _DAY = 3600, 86400
#: Default HTTP-cache lifetimes (seconds). Search answers stay under the 9 h life of
#: the image URLs they contain; the token endpoint and uploads are never cached.
DEFAULT_LIFETIMES: dict[str, int] = {
    "search": 8 * _HOUR,
    "results": 8 * _HOUR,
    "bibliography": 30 * _DAY,
    "legal_status": 1 * _DAY,
    "image_single": 8 * _HOUR,
    "image_multiple": 8 * _HOUR,
}
BATCH_SIZE = 100  # P011 / P041: ids per call
_CLIENT_OPTIONS = ("cache", "cache_dir", "expire_after", "timeout", "max_retries", "rate_limit",
                   "backoff_factor", "budget")


# --- upload memo ----------------------------------------------------------------------------------

def _reuse_margin(issued_at: float, expires_at: float) -> float:
    """Reuse an upload URL only while it has this much life left (10 %, at most 10 min)."""
    return min(600.0, 0.1 * max(0.0, expires_at - issued_at))


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
        per endpoint. Default: search/results 8 h, bibliography 30 days, legal status 1 day.
    timeout : float, optional
        Seconds per HTTP request (default ``$PATSNAP_TIMEOUT`` or 30).
    max_retries : int, optional
        Retries of transient failures (default ``$PATSNAP_MAX_RETRIES`` or 5).
    rate_limit : float, optional
        At most this many network calls per second; cache hits are never throttled.
    backoff_factor : float
        Base delay (s) of the exponential backoff with jitter.
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
                 budget: Budget | int | str | None = None) -> None:
        self.base_url: str = config.resolve("base_url", base_url)
        self.timeout: float = config.resolve("timeout", timeout)
        self.max_retries: int = config.resolve("max_retries", max_retries)
        self.rate_limit: float | None = config.resolve("rate_limit", rate_limit)
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
        # The limiter sits in the transport adapter, below the HTTP cache: it only ever sees
        # real network calls, so cache hits never wait. limited() tightens it for a while.
        self._limiter = RateLimiter(self.rate_limit)
        adapter = PatsnapAdapter(make_retry(self.max_retries, self.backoff_factor), self._limiter)
        patterns: dict[str | re.Pattern[str], Any] = {
            re.compile("^" + re.escape(self.base_url + ENDPOINTS[name]) + r"(\?|$)"): self._cache_lifetime(seconds)
            for name, seconds in self._lifetimes.items()}
        self._session = build_session(cache=cache, cache_dir=self.cache_dir, urls_expire_after=patterns,
                                      filter_fn=is_success_envelope, adapter=adapter,
                                      user_agent=f"patsnap-pandas/{__version__}")
        self._backend: BaseCache | None = getattr(self._session, "cache", None)
        self._cached = self._backend is not None
        self._uploads = UploadMemo(self.cache_dir / UPLOADS_FILE if self._cached else None)
        # Identical uploads and searches in flight at once are made once, across threads and
        # (through lock files in the cache folder) across processes sharing it.
        self._flights = SingleFlight(self.cache_dir if self._cached else None)
        # Billed calls, counted (and checked against the budget) for everyone sharing the cache.
        self._usage_counter: UsageCounter = LocalUsageCounter(self.cache_dir) if self._cached else MemoryUsageCounter()
        self.usage.spending = functools.partial(spending, self._usage_counter, self.budget)

    # --- construction helpers ---------------------------------------------------------------------

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
        lifetimes: dict[str, float] = dict(DEFAULT_LIFETIMES)
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
        from .sandbox.server import start_sandbox  # the server is only needed here

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
        if not data:
            raise ImageInputError("data=b'' is not valid: the image is empty. Allowed: JPG or PNG bytes.")
        if len(data) > codes.UPLOAD_MAX_BYTES:
            raise ImageInputError(f"data=<{len(data)} bytes> is not valid: larger than "
                                  f"{codes.UPLOAD_MAX_BYTES} bytes (4096 KB). Allowed: JPG or PNG up to "
                                  "4096 KB; images.prepare_image() shrinks it.")
        mime = image_mime(data)
        if mime is None:
            raise ImageInputError(f"data=<{len(data)} bytes starting {data[:8]!r}> is not valid: not a JPG "
                                  "or PNG file. Allowed: JPG or PNG bytes (images.prepare_image() converts).")
        if not isinstance(filename, str) or not filename.strip() or any(c in filename for c in '"\r\n'):
            raise ImageInputError(f"filename={filename!r} is not valid: expected a file name such as "
                                  "'query.png'.")
        self._check_open()
        key = hashlib.sha256(self.base_url.encode() + b"\0" + hashlib.sha256(data).digest()).hexdigest()
        # The same image from two threads or processes at once: the others wait and reuse the
        # first's URL instead of paying for a second upload.
        with self._flights.hold(flight_key("upload", key)):
            now = time.time()
            remembered = self._uploads.get(key)
            if remembered is not None:
                url, issued_at, expires_at = remembered
                if expires_at - now > _reuse_margin(issued_at, expires_at):
                    self.usage.add_cache_hit()
                    log.debug("upload: reusing the URL of an earlier upload of the same image")
                    return UploadedImage(url, _utc(expires_at), from_cache=True)
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

    def create_search(self, url: str, filters: SearchFilters | Mapping[str, Any] | None = None,
                      limit: int = codes.LIMIT_DEFAULT, *, refresh: bool = False) -> SearchPage:
        """Create an image search (P009) for the image at ``url``; the first ``limit`` hits.

        Parameters
        ----------
        url : str
            Public http(s) URL of a JPG/PNG (e.g. ``upload_image(...).url``).
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
        >>> client.close()
        """
        if not isinstance(url, str) or not re.match(r"^https?://\S+$", url.strip()):
            raise InvalidInputError(f"url={url!r} is not valid: expected the http(s) URL of a JPG or "
                                    "PNG image; upload a local image with upload_image() first.")
        filters = SearchFilters.coerce(filters)
        limit = check_limit(limit)
        params = {"url": url.strip(), **filters.to_params(), "limit": str(limit)}
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

    # --- P060 / P061: the newer image searches (JSON bodies) ----------------------------------------

    def image_single(self, url: str, options: ImageSearchOptions | Mapping[str, Any] | None = None, *,
                     limit: int = codes.LIMIT_DEFAULT, offset: int = 0, refresh: bool = False) -> SearchPage:
        """Search with one image (P060): designs or utility models, with a choice of model.

        Parameters
        ----------
        url : str
            Public http(s) URL of a JPG/PNG (e.g. ``upload_image(...).url``).
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
        url = _check_url(url, "url")
        return self._image_search("image_single", {"url": url}, options, limit, offset, refresh)

    def image_multiple(self, urls: Sequence[str], options: ImageSearchOptions | Mapping[str, Any] | None = None,
                       *, limit: int = codes.LIMIT_DEFAULT, offset: int = 0,
                       refresh: bool = False) -> SearchPage:
        """Search with 1..4 images of one product (P061), scored from all of them.

        With model 1 the Locarno class of the first image is predicted and used to
        re-rank: the order of the images matters. Parameters as :meth:`image_single`,
        with ``urls`` (a list of 1..4 URLs) instead of ``url``.

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
            raise InvalidInputError(f"urls={brief(urls)} is not valid: expected a list of 1 to "
                                    f"{codes.MULTI_IMAGE_MAX} image URLs.")
        if not 1 <= len(urls) <= codes.MULTI_IMAGE_MAX:
            raise InvalidInputError(
                f"urls has {len(urls)} URLs: not valid. Allowed: 1 to {codes.MULTI_IMAGE_MAX} images of one "
                "product; search_designs() fuses the results of more views on the client.")
        checked = [_check_url(u, f"urls[{i}]") for i, u in enumerate(urls)]
        return self._image_search("image_multiple", {"urls": checked}, options, limit, offset, refresh)

    def _image_search(self, name: str, target: dict[str, Any], options: Any, limit: int, offset: int,
                      refresh: bool) -> SearchPage:
        options = ImageSearchOptions.coerce(options)
        limit = check_limit(limit)
        offset = check_offset(offset)
        body = {**target, **options.to_body(), "limit": limit, "offset": offset}
        data, from_cache = self._call(name, method="POST", json_body=body, refresh=refresh)
        page = parse_page(data, ENDPOINTS[name], search_id="-", offset=offset, limit=limit,
                           from_cache=from_cache)
        return dataclasses.replace(page, search_id=None)

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
        """Stop making calls: threads waiting for the rate limit or a retry pause raise at once.

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

    def cache_info(self) -> dict[str, Any]:
        """Where the cache is, how much it holds, and the lifetimes in use (JSON-safe).

        The client's view of its own backend (any requests-cache backend); for the
        cache folder alone, without credentials, see :func:`cache_info`.

        Examples
        --------
        >>> from patsnap_pandas import samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client)
        >>> info = client.cache_info()
        >>> info["backend"], info["responses"], info["uploads"], info["lifetimes"]["search"]
        ('SQLiteCache', 1, 1, 28800)
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

        Thumbnails are kept (they are not billable); :func:`clear_cache` empties the
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
            cached = self._cached_answer(path, url, params or {}, method=method, json_body=json_body)
            if cached is not None:
                self.usage.add_cache_hit()
                return cached, True
            # Not cached: make the call once even if other threads or processes want it now too;
            # they wait here, then find it in the cache.
            key = flight_key(method.lower(), url, json.dumps(sorted((params or {}).items())),
                             json.dumps(json_body, sort_keys=True, default=str))
            with self._flights.hold(key):
                cached = self._cached_answer(path, url, params or {}, method=method, json_body=json_body)
                if cached is not None:
                    self.usage.add_cache_hit()
                    return cached, True
                return self._send(name, method=method, params=params, data=data, headers=headers,
                                  basic_auth=basic_auth, refresh=refresh, json_body=json_body)
        return self._send(name, method=method, params=params, data=data, headers=headers,
                          basic_auth=basic_auth, refresh=refresh, json_body=json_body)

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
            # The budget: every attempt of a billable call is counted before it is sent (or refused).
            ticket = self._usage_counter.reserve(name, self.budget) if name in BILLABLE else None
            try:
                response = self._session.request(method, url, params=call_params, data=data, json=json_body,
                                                 headers=call_headers, auth=basic_auth or HeadersAuth(),
                                                 timeout=self.timeout, allow_redirects=False, **extra)
            except Interrupted:
                self._release(ticket)  # stopped while waiting for the rate limit: nothing was sent
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
                    self.usage.add_retry()
                    delay = self._backoff(attempt, None)
                    log.debug("%s: %s; retry %d in %.2f s", path, type(exc).__name__, attempt, delay)
                    self._limiter.sleep(delay)
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
                if self._retryable(err, response) and attempt < self.max_retries:
                    attempt += 1
                    self.usage.add_retry()
                    delay = self._backoff(attempt, response)
                    if response.status_code == 429:
                        self.usage.add_throttled(delay)
                    log.debug("%s: %s; retry %d in %.2f s", path, type(err).__name__, attempt, delay)
                    self._limiter.sleep(delay)
                    continue
                if response.status_code == 429:
                    self.usage.add_throttled(0.0)
                if isinstance(err, AuthenticationError):
                    err.hint = self._auth_hint()
                if attempt:
                    err.hint = f"Gave up after {attempt} retries. {err.hint}"
                raise err from None

    def _release(self, ticket: Ticket | None) -> None:
        """Give back the budget of an attempt that never reached the server."""
        if ticket is not None:
            self._usage_counter.release(ticket)

    def _cached_answer(self, path: str, url: str, params: Mapping[str, str], *, method: str = "GET",
                       json_body: Any = None) -> Any:
        """The cached ``data`` of a GET, or None: no token fetched, no network, no rate limit.

        Secrets are not part of the cache key (their values are ignored), so a placeholder
        stands in for the ``apikey`` parameter of token mode.
        """
        probe = {**params, **self._auth.cache_key_params()}
        try:
            cached_only: dict[str, Any] = {"only_if_cached": True}  # a CachedSession option
            response = self._session.request(method, url, params=probe, json=json_body, auth=HeadersAuth(),
                                             allow_redirects=False, **cached_only)
        except requests.RequestException:  # pragma: no cover - only_if_cached never connects
            return None
        if response.status_code == 504 or not getattr(response, "from_cache", False):
            return None  # not cached (or expired)
        body = decode(response, path)
        raise_if_error(body, response, path)
        return body["data"]

    @staticmethod
    def _retryable(err: PatsnapError, response: requests.Response) -> bool:
        return (err.code in codes.RETRYABLE_CODES or response.status_code in RETRY_STATUSES)

    def _backoff(self, attempt: int, response: requests.Response | None) -> float:
        """Full-jitter exponential backoff, at least the server's Retry-After (capped)."""
        delay = self._retry_rng.uniform(0, min(BACKOFF_MAX_S, self.backoff_factor * 2 ** attempt))
        if response is not None:
            retry_after = response.headers.get("Retry-After", "")
            if retry_after.strip().isdigit():
                delay = max(delay, min(float(retry_after), RETRY_AFTER_MAX_S))
        return delay

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


def _check_url(url: Any, name: str) -> str:
    if not isinstance(url, str) or not re.match(r"^https?://\S+$", url.strip()):
        raise InvalidInputError(f"{name}={brief(url)} is not valid: expected the http(s) URL of a JPG or "
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

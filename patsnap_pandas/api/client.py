"""PatsnapClient: one method per endpoint, a facade over the steps every call passes (:mod:`~patsnap_pandas.api.pipeline`).

What a client keeps -- answers, uploads, locks, the rate limit, the counts of billed calls -- is
its store's (:func:`~patsnap_pandas.store.base.open_store`: the cache folder, or a team's Redis).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import weakref
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from .. import codes, config
from .._validate import check_number
from ..redaction import install_log_redaction
from ..store.base import Store, open_store
from ..store.budget import Budget, spending
from ..store.safe_fetch import distrust_origin, trust_origin
from . import batches as _batches
from . import estimate as _estimate
from . import sandboxed
from .auth import make_auth
from .controls import ClientControls
from .endpoints import image_search, in_batches, number_search
from .filters import SearchFilters, check_limit, check_offset
from .http import Usage
from .image_params import ImageSearchOptions
from .inputs import check_search_id, check_upload, check_url, check_views, image_bytes, number_query, url_or_bytes
from .lifetimes import lifetimes
from .models import ENDPOINTS, Estimate, NumberPage, SearchPage, UploadedImage, parse_page
from .pipeline import Pipeline

__all__ = ["PatsnapClient"]


class PatsnapClient(ClientControls):
    """A client of PatSnap's design image search (P009/P010, P060/P061), patent data (P011/P012, P041/P013) and P069.

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
        per endpoint. Default: searches ``result_max_age``, bibliographies 30 days, legal statuses 1 day.
    timeout : float, optional
        Seconds per HTTP request (default ``$PATSNAP_TIMEOUT`` or 30).
    max_retries : int, optional
        Retries of transient failures (default ``$PATSNAP_MAX_RETRIES`` or 5).
    rate_limit : float, optional
        At most this many network calls per second; cache hits are never throttled.
    backoff_factor : float
        Base delay (s) of the exponential backoff with jitter.
    result_max_age : seconds or str, optional
        How old a cached search answer may be and still be reused (``"12h"``, ``"7d"``...); default
        ``$PATSNAP_RESULT_MAX_AGE`` or 7 days. ``refresh=True`` searches anew.
    cache_url : str, optional
        A Redis server the team shares (``redis://host:6379/0``; the ``[redis]`` extra): everything the
        client keeps lives there for everyone pointing at it. Default ``$PATSNAP_CACHE_URL``; unset: the
        local cache folder. Unreachable: :class:`~patsnap_pandas.errors.CacheUnavailableError`, or with
        ``PATSNAP_CACHE_FALLBACK=local`` a warning and the local folder.
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
        self.backoff_factor = check_number(backoff_factor, "backoff_factor", minimum=0, what="a number of seconds")
        self.sandbox_server: Any = None  # the Sandbox of PatsnapClient.sandbox()
        self.cache_is_temporary = False  # PatsnapClient.sandbox() without cache_dir: deleted on close
        self._finalizer: weakref.finalize[Any, Any] | None = None  # stops it (api/sandboxed.py)
        self._closed, self._trusts_origin, self.usage = False, False, Usage()
        install_log_redaction()
        auth = make_auth(client_id, client_secret, api_key, fetch=lambda cid, secret: self._pipeline.token(cid, secret))
        # Hit images served by a loopback base URL (the sandbox) may be fetched; no other local address.
        self._trusts_origin = trust_origin(self.base_url)
        cached_for = lifetimes(expire_after, self.result_max_age)
        #: Where answers, uploads, locks, the rate limit and the counts live: the cache folder or a team's Redis.
        self.store: Store = open_store(cache=cache, cache_dir=cache_dir, cache_url=cache_url)
        self.cache_dir: Path = self.store.cache_dir
        # Every call passes the same steps (api/pipeline.py), with the parts of the store.
        self._pipeline = Pipeline(self.store, base_url=self.base_url, timeout=self.timeout,
                                  max_retries=self.max_retries, backoff_factor=self.backoff_factor,
                                  rate_limit=self.rate_limit, budget=self.budget, lifetimes=cached_for,
                                  usage=self.usage, auth=auth)
        self.usage.spending = functools.partial(spending, self._pipeline.counter, self.budget)

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
        return sandboxed.start(cls, auth=auth, corpus=corpus, options=options)

    # --- the endpoints -------------------------------------------------------------------------------

    def upload_image(self, data: bytes, filename: str, *, refresh: bool = False) -> UploadedImage:
        """Upload a JPG/PNG (P010) and get its public URL; the same bytes reuse an earlier URL.

        Parameters
        ----------
        data : bytes
            JPG or PNG bytes, at most 4096 KB (see ``images.prepare_image`` for anything else).
        filename : str
            Name sent with the upload, e.g. ``"query.png"``.
        refresh : bool
            Upload anew even when a live URL of the same bytes is remembered (its 9 hours
            then start now: what an overnight job needs).

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
        data, mime = check_upload(data, filename)
        return self._pipeline.upload(data, filename, mime, refresh=refresh)

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
            answer, from_cache, urls = self._pipeline.content_call(
                "search", [image_bytes(bytes(url), "url")],
                lambda u: {"params": {"url": u[0], **filters.to_params(), "limit": str(limit)}}, refresh)
            page = parse_page(answer, ENDPOINTS["search"], search_id=None, offset=0, limit=limit, from_cache=from_cache)
            return dataclasses.replace(page, urls=tuple(urls))
        params = {"url": check_url(url, "url"), **filters.to_params(), "limit": str(limit)}
        data, from_cache = self._pipeline.call("search", params=params, refresh=refresh)
        return parse_page(data, ENDPOINTS["search"], search_id=None, offset=0, limit=limit, from_cache=from_cache)

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
        search_id = check_search_id(search_id)
        offset, limit, filters = check_offset(offset), check_limit(limit), SearchFilters.coerce(filters)
        params = {"search_id": search_id, **filters.to_params(), "offset": str(offset), "limit": str(limit)}
        data, from_cache = self._pipeline.call("results", params=params)
        return parse_page(data, ENDPOINTS["results"], search_id=search_id, offset=offset, limit=limit,
                          from_cache=from_cache)

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
        return _estimate.estimate(self._pipeline, image, filters, limit=limit, max_results=max_results, options=options)

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
        return image_search(self._pipeline, "image_single", "url", [url_or_bytes(url, "url")], options, limit,
                             offset, refresh)

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
        return image_search(self._pipeline, "image_multiple", "urls", check_views(urls), options, limit, offset,
                             refresh)

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
        return in_batches(self._pipeline, "bibliography", patent_ids)

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
        return in_batches(self._pipeline, "legal_status", patent_ids)

    def full_bibliography(self, patent_ids: str | Iterable[str]) -> list[dict[str, Any]]:
        """Full bibliography (P012) in batches of 100: P011's fields, agents, examiners and ``exdt``.

        ``exdt`` is PatSnap's estimated expiry (``YYYYMMDD``): a cross-check, not the answer.
        Order, duplicates and unknown ids as :meth:`bibliography`; billed per patent returned.

        Examples
        --------
        >>> client = PatsnapClient.sandbox(today="2026-12-07")
        >>> design = client.sandbox_server.corpus.designs[0]
        >>> client.full_bibliography(design.patent_id)[0]["bibliographic_data"]["exdt"]
        20280224
        >>> client.close()
        """
        return in_batches(self._pipeline, "full_bibliography", patent_ids)

    def legal_events(self, patent_ids: str | Iterable[str]) -> list[dict[str, Any]]:
        """Legal status with events (P013) in batches of 100: ``patent_legal`` holds the statuses and events.

        Examples
        --------
        >>> client = PatsnapClient.sandbox(today="2026-12-07")
        >>> legal = client.legal_events(client.sandbox_server.corpus.designs[0].patent_id)[0]["patent_legal"]
        >>> legal["legal_status"], legal["simple_legal_status"]
        (['Granted'], ['Active'])
        >>> client.close()
        """
        return in_batches(self._pipeline, "legal_events", patent_ids)

    def number_search(self, pn: str | Iterable[str] | None = None, apno: str | Iterable[str] | None = None, *,
                      authority: str | Iterable[str] | None = None, limit: int = codes.NUMBER_SEARCH_LIMIT_DEFAULT,
                      offset: int = 0, refresh: bool = False) -> NumberPage:
        """The records of known numbers (P069): publication (``pn``) or application numbers (``apno``), no image.

        Numbers are a comma-separated string or a list; ``authority`` narrows to offices; ``limit``
        1..1000 records from ``offset``. One billed call, cached 30 days.

        Examples
        --------
        >>> client = PatsnapClient.sandbox(today="2026-12-07")
        >>> page = client.number_search("cn305007919", limit=5)
        >>> page.total, page.records[0]["pn"], sorted(page.records[0])[:3]
        (1, 'CN305007919S', ['apdt', 'apno', 'current_assignee'])
        >>> client.close()
        """
        return number_search(self._pipeline, number_query(pn, apno, authority, limit, offset), refresh)

    def estimate_lookup(self, patent_ids: str | Iterable[str],
                        endpoints: Sequence[str] = ("full_bibliography", "legal_events")) -> Estimate:
        """How many billed calls asking ``endpoints`` (by patent id) about ``patent_ids`` would make now: none made.

        Examples
        --------
        >>> client = PatsnapClient.sandbox()
        >>> ids = [design.patent_id for design in client.sandbox_server.corpus.designs[:150]]
        >>> print(client.estimate_lookup(ids))
        4 billed calls: 2 P012 bibliography batches, 2 P013 legal-status batches
        >>> client.close()
        """
        return _estimate.estimate_lookup(self._pipeline, patent_ids, endpoints)

    def batch_create(self, urls: Sequence[str], options: ImageSearchOptions | Mapping[str, Any] | None = None, *,
                     limit: int = codes.LIMIT_DEFAULT, threshold: float | None = None) -> str:
        """Create an overnight batch job (P062) of 1..10 image URLs: its job id. Billed per query image.

        PatSnap runs it between 22:00 and 08:00 service time (UTC+8); fetch the result after
        08:00 with :meth:`batch_result`. Never answered from the cache, never retried once it
        may have reached PatSnap (a second create is a second billed job). ``options`` and
        ``limit`` (1..100 hits per image) as :meth:`image_single`; ``threshold`` (0..1) drops
        hits scoring below it. ``patsnap_pandas.jobs.overnight`` submits and collects whole sets.

        Examples
        --------
        >>> client = PatsnapClient.sandbox(batch_runs_at="immediately")
        >>> from patsnap_pandas import samples
        >>> url = client.upload_image(open(samples.image("armchair"), "rb").read(), "chair.png").url
        >>> job_id = client.batch_create([url], {"model": 2}, limit=3)
        >>> [len(image.hits) for image in client.batch_result(job_id).images], client.usage.billed_calls
        ([3], 2)
        >>> client.close()
        """
        return _batches.create(self._pipeline, urls, options, limit=limit, threshold=threshold)

    def batch_result(self, task_id: str, *, refresh: bool = False) -> _batches.BatchResult:
        """The result of a finished overnight job (P062): each query image's hits. Not billed; cached once finished.

        Raises :class:`~patsnap_pandas.errors.BatchNotReadyError` before the results are ready
        (the message says from when) and :class:`~patsnap_pandas.errors.BatchUnknownError` for an
        id PatSnap does not know.

        Examples
        --------
        >>> client = PatsnapClient.sandbox(now="2026-12-07 15:00")
        >>> from patsnap_pandas import samples
        >>> url = client.upload_image(open(samples.image("armchair"), "rb").read(), "chair.png").url
        >>> job_id = client.batch_create([url], limit=3)
        >>> client.sandbox_server.advance(hours=17)          # 08:00 service time, the next morning
        >>> found = client.batch_result(job_id)
        >>> found.status, [(image.status, len(image.hits)) for image in found.images]
        ('FINISHED', [('SUCCESS', 3)])
        >>> client.close()
        """
        return _batches.result(self._pipeline, task_id, refresh=refresh)

    # --- the lifecycle (the rate limit, interrupting and the cache: ClientControls) -----------------------

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
        self._pipeline.close()
        self.store.close()
        if self._trusts_origin:
            distrust_origin(self.base_url)
        if self._finalizer is not None:
            self._finalizer()  # stops the sandbox and removes its temporary cache (once)

    def __enter__(self) -> PatsnapClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        sandbox = ", sandbox=True" if self.sandbox_server is not None else ""
        closed = ", closed" if self._closed else ""
        return (f"PatsnapClient(base_url={self.base_url!r}, auth={self._pipeline.auth.description!r}, "
                f"cache={self.store.shown!r}{sandbox}{closed})")

    def __getstate__(self) -> NoReturn:
        raise TypeError("PatsnapClient cannot be pickled (it holds credentials and a live session); "
                        "create one per process with PatsnapClient.from_env().")


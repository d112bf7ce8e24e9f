"""search_designs(): one call from a query image to a DataFrame of similar registered designs.

The steps, each in the module that owns it:

1. check every argument (filters, limit, max_results, the image) before any call;
2. prepare a local image for upload (:func:`images.prepare_image`: EXIF, format,
   at most 4 MB) and upload it (:meth:`PatsnapClient.upload_image`, which reuses
   an earlier upload of the same bytes);
3. create the search (P009) and page through its results by offset;
4. build the frame (:func:`frame.hits_to_frame`) with its provenance in ``attrs``;
5. prefetch the hit images into the :class:`thumbnails.ThumbnailStore`, so that a
   result served from the cache still shows its thumbnails after the image URLs
   expired.

A repeated search (same image, same filters) is served from the client's cache:
zero billed calls, uploads included.

Several views of one product are searched by :mod:`patsnap_pandas.jobs.views`, the client is
found by :mod:`patsnap_pandas.jobs.clients`, and the frame's images are loaded back by
:mod:`patsnap_pandas.jobs.images`.

Examples
--------
>>> from patsnap_pandas import PatsnapClient, samples, search_designs
>>> with PatsnapClient.sandbox() as client:
...     df = search_designs(samples.image("armchair"), client=client, limit=5, country="CN")
...     again = search_designs(samples.image("armchair"), client=client, limit=5, country="CN")
>>> df[["rank", "patent_pn", "authority"]].shape, df["authority"].unique().tolist()
((5, 3), ['CN'])
>>> again.attrs["from_cache"], client.usage.billed_calls            # upload + search, once
(True, 2)
"""

from __future__ import annotations

import hashlib
import warnings
from typing import Any

import pandas as pd

from .. import codes
from .._validate import check_flag, check_frame
from ..api import images
from ..api.client import PatsnapClient
from ..api.filters import MAX_RESULTS_CAP, SearchFilters, check_limit, check_max_results
from ..api.models import Hit, SearchPage
from ..errors import InvalidInputError, ResponseFormatError, SearchExpiredError
from ..frame import schema as frame
from ..store.cache import content_ref
from .clients import client_for, data_source, register_client
from .images import _RESULT_COLUMNS, _prefetch, _store_query_image, _thumbnail_store, thumbnail_dir
from .prepare import _prepare

__all__ = [
    "SearchWarning",
    "continue_search",
    "search_designs",
    "search_prepared",
]

PAGE_SIZE = codes.LIMIT_MAX


class SearchWarning(UserWarning):
    """A search returned fewer hits than asked (a cap cut it), or had to be run again.

    Examples
    --------
    Only 41 registered designs of Hong Kong exist in the sandbox:

    >>> import warnings
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     hits = search_designs(samples.image("armchair"), client=client, max_results=300, country="HK")
    >>> print(caught[0].message)
    max_results=300 but 41 hits were returned: only 41 designs match this query and filters (total_search_result_count).
    >>> client.close()
    """


# --- argument checks ------------------------------------------------------------------------------

def _check_amounts(limit: Any, max_results: Any, thumbnails: Any) -> tuple[int, int | None, bool]:
    """The page size, the cap on hits and the thumbnails flag of a search, checked before any call."""
    return (check_limit(limit), None if max_results is None else check_max_results(max_results),
            check_flag(thumbnails, "thumbnails"))


# --- paging ---------------------------------------------------------------------------------------

def _collect(client: PatsnapClient, search_id: str, filters: SearchFilters, start: int, end: int,
             first: SearchPage | None = None) -> tuple[list[Hit], list[SearchPage], str | None]:
    """Hits at offsets ``start`` .. ``end - 1`` of one search, each page fetched once.

    ``first`` is the page the search-id call returned (offsets ``0 .. first.limit - 1``).
    Further pages come from the results endpoint, at most ``PAGE_SIZE`` hits each,
    never past the API's offset cap or the search's total. Returns
    ``(hits, pages, reason)``; ``reason`` says why fewer hits than asked came back
    (None when the range was served in full).
    """
    hits: list[Hit] = []
    pages: list[SearchPage] = []
    offset = start
    total: int | None = None
    if first is not None:
        pages.append(first)
        hits.extend(first.hits[start:end])
        total = first.total
        if len(first.hits) < first.limit:
            return hits, pages, _shortfall(start, end, len(hits), total, short_at=0)
        offset = max(start, len(first.hits))
    while offset < end:
        if total is not None and offset >= total:
            break
        # Past OFFSET_MAX the only way in is the last page (offset 1000), skipping what we have.
        skip = max(0, offset - codes.OFFSET_MAX)
        page_offset = offset - skip
        limit = min(PAGE_SIZE, end - page_offset)
        page = client.search_results(search_id, offset=page_offset, limit=limit, filters=filters)
        pages.append(page)
        total = page.total
        got = page.hits[skip:]
        hits.extend(got)
        offset += len(got)
        if len(page.hits) < limit:
            if offset < min(end, total):
                return hits, pages, _shortfall(start, end, len(hits), total, short_at=page_offset)
            break
    return hits, pages, _shortfall(start, end, len(hits), total, short_at=None)


def _shortfall(start: int, end: int, got: int, total: int | None, short_at: int | None) -> str | None:
    if got >= end - start:
        return None
    if total is not None and start + got >= total:
        return f"only {total} designs match this query and filters (total_search_result_count)"
    if short_at is not None:
        return (f"PatSnap returned a short page at offset {short_at} (total_search_result_count "
                f"says {total})")
    return f"PatSnap serves at most {MAX_RESULTS_CAP} hits per search"


def _dedupe(hits: list[Hit], seen: set[str] | None = None) -> tuple[list[Hit], int]:
    seen = set() if seen is None else set(seen)
    kept = []
    for hit in hits:
        if hit.patent_id in seen:
            continue
        seen.add(hit.patent_id)
        kept.append(hit)
    return kept, len(hits) - len(kept)


# --- the search -------------------------------------------------------------------------------------

def search_designs(image: Any, *, client: PatsnapClient | None = None, limit: int = codes.LIMIT_DEFAULT,
                   max_results: int | None = None, label: str | None = None, thumbnails: bool = True,
                   endpoint: str | None = None, model: int | None = None, patent_type: str | None = None,
                   lang: str | None = None, fusion: str = "best", refresh: bool = False,
                   **filters: Any) -> pd.DataFrame:
    """Search registered designs that look like ``image``; one row per hit, best first.

    Parameters
    ----------
    image : str, path, bytes, binary file object, PIL.Image.Image or numpy.ndarray
        An http(s) URL of a JPG/PNG (searched as is), or a local image in any format
        Pillow reads (converted to PNG/JPEG and shrunk under 4 MB, then uploaded).
        A list of them: several views of one product (1..4 in one P061 call, more
        searched one by one and fused; see ``endpoint`` and ``fusion``).
    client : PatsnapClient, optional
        Default: a client from the ``PATSNAP_*`` environment variables.
    limit : int, default 10
        Hits to return, 1..100 (one search-id call).
    max_results : int, optional
        Hits to return, 1..1100; above 100 the results are paged by 100 through the
        results endpoint. Overrides ``limit``.
    label : str, optional
        The query's name in the frame (default: file name, URL or a content digest).
    thumbnails : bool, default True
        Prefetch the hit images into the thumbnail store.
    endpoint : {"P009", "P060", "P061"}, optional
        Default: P009 for one image (P060 when ``model``, ``patent_type`` or ``lang``
        is given), P061 for a list of up to four, P060 per view and fusion for more.
        ``"P009"`` or ``"P060"`` with a list: each view searched, then fused.
    model : int, optional
        P060/P061: 1 smart recommendation, 2 plain (designs); 3 shape only, 4 shape and
        colour (utility models). Default: 1 for designs, 4 for utility models.
    patent_type : {"D", "U"}, optional
        P060/P061: designs (the default) or utility models.
    lang : {"original", "cn", "en"}, optional
        P060/P061: the language of the titles.
    fusion : {"best", "rrf"}, default "best"
        How views searched one by one are fused per patent (see :mod:`patsnap_pandas.frame.fusion`).
    refresh : bool, default False
        Search anew even if the cache holds an answer younger than the client's
        ``result_max_age`` (the cache knows a local image by its content, so the same
        image searched again, anywhere the cache is shared, is otherwise free).
    **filters
        Search filters, see :class:`SearchFilters`: ``loc``, ``assignees``,
        ``legal_status``, ``country``, ``simple_legal_status``, ``main_field``,
        ``apply_start_time``, ``apply_end_time``, ``public_start_time``,
        ``public_end_time``, ``field``, ``order``.

    Returns
    -------
    pandas.DataFrame
        The columns of :data:`frame.SCHEMA`, then any further hit fields. ``attrs``:
        ``query``, ``filters``, ``search_id``, ``total``, ``fetched_at``,
        ``from_cache`` (True only when every call, the upload included, came from the
        cache), ``endpoint_version``, ``thumbnail_dir``, ``query_url``, ``limit``,
        ``max_results``.

    Raises
    ------
    InvalidInputError
        (a ``ValueError``) for a bad filter, limit, max_results or image, before any call.
    MissingCredentialsError
        No client given and no credentials in the environment.
    PatsnapError
        The API refused or failed a call (see :mod:`patsnap_pandas.errors`).

    Warns
    -----
    SearchWarning
        Fewer hits than ``max_results`` exist (the total or the API's cap cut them).
    ImageSizeWarning
        The image was shrunk to fit the 4 MB upload limit.
    ThumbnailWarning
        Some hit images could not be fetched (the rows are kept).

    Examples
    --------
    >>> from patsnap_pandas import samples
    >>> with PatsnapClient.sandbox() as client:
    ...     df = search_designs(samples.image("desk-lamp"), client=client, max_results=250, country=["CN", "US"])
    ...     print(len(df), df.attrs["total"], client.usage.requests["results"])
    250 302 2
    >>> df.columns[:9].tolist()
    ['rank', 'score', 'patent_pn', 'title', 'patent_id', 'image_url', 'authority', 'search_id', 'query']
    >>> df.attrs["query"], df.attrs["filters"]
    ('desk-lamp.png', {'country': 'CN,US'})

    Several views of one product (P061), and a utility-model search (P060):

    >>> with PatsnapClient.sandbox() as client:
    ...     views = search_designs([samples.image("armchair"), samples.image("desk-lamp")], client=client, limit=5)
    ...     utility = search_designs(samples.image("armchair"), client=client, patent_type="U", limit=3)
    >>> views.attrs["endpoint_version"], views.attrs["views"], utility["patent_pn"].str[-1].tolist()
    ('P061', ['armchair.png', 'desk-lamp.png'], ['U', 'U', 'U'])

    Without ``client=``, the client comes from the ``PATSNAP_*`` environment variables.
    """
    from .views import _search_newer, _views_of, choose_endpoint  # views stands on this module (search_prepared)

    refresh = check_flag(refresh, "refresh")
    views = _views_of(image)
    newer = any(v is not None for v in (model, patent_type, lang))
    chosen, fuse = choose_endpoint(None if views is None else len(views), endpoint, newer_options=newer)
    if views is not None or chosen != "P009":
        return _search_newer(views if views is not None else [image], chosen, fuse, client=client,
                             limit=limit, max_results=max_results, label=label, thumbnails=thumbnails,
                             model=model, patent_type=patent_type, lang=lang, fusion=fusion, filters=filters,
                             refresh=refresh)
    search_filters = SearchFilters.from_kwargs(**filters)
    limit, max_results, thumbnails = _check_amounts(limit, max_results, thumbnails)
    prepared = _prepare(image, label)
    client = client_for(None, client)
    query = images.query_label(prepared, label) if isinstance(prepared, str) else prepared.label
    return search_prepared(prepared, client=client, filters=search_filters, limit=limit,
                           max_results=max_results, label=query, thumbnails=thumbnails, refresh=refresh,
                           stacklevel=3)


def search_prepared(target: str | images.PreparedImage, *, client: PatsnapClient, filters: SearchFilters,
                    limit: int = codes.LIMIT_DEFAULT, max_results: int | None = None,
                    label: str | None = None, thumbnails: bool = True, refresh: bool = False,
                    stacklevel: int = 2) -> pd.DataFrame:
    """Search an already prepared query: upload, search, page, build the frame, remember the client.

    The one place of that flow, shared by :func:`search_designs` and
    :func:`patsnap_pandas.jobs.batch.search_each`. The arguments are not checked again:
    callers pass checked values.

    Parameters
    ----------
    target : str or images.PreparedImage
        An http(s) URL (searched as is) or the output of :func:`images.prepare_image`.
    client : PatsnapClient
    filters : SearchFilters
    limit : int, default 10
        Hits to return when ``max_results`` is None (one search-id call).
    max_results : int, optional
        Hits to return, paged by 100 (overrides ``limit``).
    label : str, optional
        The query's name in the frame (default: ``target.label``, or the URL).
    thumbnails : bool, default True
        Prefetch the hit images into the thumbnail store (synchronously), and store a
        thumbnail of the query image there (see :func:`load_query_image`).
    stacklevel : int, default 2
        Where warnings point, counted as in :func:`warnings.warn` from the caller.

    Returns
    -------
    pandas.DataFrame
        As :func:`search_designs`.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> from patsnap_pandas.api import images
    >>> with PatsnapClient.sandbox() as client:
    ...     df = search_prepared(images.prepare_image(samples.image("armchair")), client=client,
    ...                          filters=SearchFilters(), limit=3, thumbnails=False)
    >>> len(df), df.attrs["query"], client_for(df) is not None
    (3, 'armchair.png', True)
    """
    wanted = max_results if max_results is not None else limit
    # A local image is searched by its bytes: the cache knows it by content, so a cached answer
    # needs no upload at all (the client uploads only when it must search).
    searched: str | bytes = target if isinstance(target, str) else target.data
    if isinstance(target, str):
        query = label if label is not None else images.query_label(target)
    else:
        query = label if label is not None else target.label

    first_limit = min(wanted, PAGE_SIZE)
    first = client.create_search(searched, filters, limit=first_limit, refresh=refresh)
    try:
        hits, pages, shortfall = _collect(client, _search_id(first), filters, 0, wanted, first)
    except SearchExpiredError:
        if not first.from_cache or refresh:
            raise
        # The first page came from the cache but its search id has expired on the server:
        # this is a new search anyway, so run it again and page through the new id.
        first = client.create_search(searched, filters, limit=first_limit, refresh=True)
        hits, pages, shortfall = _collect(client, _search_id(first), filters, 0, wanted, first)
    query_url = _query_url(target, first)

    hits, dropped = _dedupe(hits)
    if dropped:
        warnings.warn(SearchWarning(f"{dropped} hits repeated a patent already on an earlier page and "
                                    "were dropped (the ranking changed while paging)"), stacklevel=stacklevel + 1)
    if shortfall and max_results is not None:
        warnings.warn(SearchWarning(f"max_results={max_results} but {len(hits)} hits were returned: "
                                    f"{shortfall}."), stacklevel=stacklevel + 1)

    store = _thumbnail_store(client) if thumbnails else None
    total = max(page.total for page in pages)
    digest = None if isinstance(target, str) else hashlib.sha256(target.data).hexdigest()
    attrs = {
        "query": query,
        "filters": filters.to_dict(),
        "search_id": first.search_id,
        "total": total,
        "from_cache": all(page.from_cache for page in pages),
        "thumbnail_dir": thumbnail_dir(client),
        "query_url": query_url,
        "limit": first_limit,
        "max_results": max_results,
        "source": data_source(client),
        "query_sha256": digest,
    }
    df = frame.hits_to_frame(hits, search_id=first.search_id, query=query, attrs=attrs)
    register_client(_search_id(first), client)
    if store is not None:
        _store_query_image(store, target, query_url, stacklevel=stacklevel + 1)
        _prefetch(store, df)
    return df


# --- more of the same search ------------------------------------------------------------------------

def _single(attrs: dict, key: str) -> Any:
    value = attrs.get(key)
    if isinstance(value, list):
        raise InvalidInputError(f"df holds the results of several searches (attrs[{key!r}] has "
                                f"{len(value)} values): continue one search at a time.")
    return value


def continue_search(df: pd.DataFrame, n: int = 100, *, client: PatsnapClient | None = None,  # noqa: C901  (checks of df's provenance before a billed call)
                    refresh: bool = False, thumbnails: bool = True) -> pd.DataFrame:
    """The next ``n`` hits of the search that made ``df``, ranks continued from ``df``'s last.

    Parameters
    ----------
    df : DataFrame
        A result frame of one search (``attrs["search_id"]``, ``attrs["filters"]``).
    n : int, default 100
        Hits to fetch, 1..1100 (paged by 100; never past the search's total or the
        API's cap of 1100 hits).
    client : PatsnapClient, optional
        Default: the client that made the search, else one from the environment.
    refresh : bool, default False
        When the search id has expired (20 minutes), run the search again from
        ``attrs["query_url"]`` with the same filters and return its hits after
        ``df``'s last rank (with a :class:`SearchWarning`: the ranking may have changed).
    thumbnails : bool, default True
        Prefetch the new hits' images into the thumbnail store.

    Returns
    -------
    pandas.DataFrame
        Only the new hits (concatenate with :func:`frame.concat_frames`); the same attrs
        keys as :func:`search_designs`.

    Raises
    ------
    SearchExpiredError
        The search id expired and ``refresh`` is False.

    Examples
    --------
    >>> import time, warnings
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox(search_id_lifetime=2)     # PatSnap: 20 minutes
    >>> first = search_designs(samples.image("armchair"), client=client, limit=10)
    >>> more = continue_search(first, 20)                          # same search id
    >>> more["rank"].tolist()[:3], len(more)
    ([11, 12, 13], 20)
    >>> time.sleep(2.5)
    >>> continue_search(first, 5)
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.SearchExpiredError: [error 68300007, on /image-search/results] ... pass refresh=True ...
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", SearchWarning)        # "the search was run again ..."
    ...     again = continue_search(first, 5, refresh=True)
    >>> again["rank"].tolist()
    [11, 12, 13, 14, 15]
    >>> client.close()
    """
    check_frame(df, _RESULT_COLUMNS)
    n = check_max_results(n, "n")
    refresh = check_flag(refresh, "refresh")
    thumbnails = check_flag(thumbnails, "thumbnails")
    attrs = dict(df.attrs)
    version = attrs.get("endpoint_version")
    if isinstance(version, str) and version.startswith(("P060", "P061", "P009+fusion")):
        raise InvalidInputError(f"df comes from {version}, which has no search id to continue: search "
                                "again with max_results= (up to 1100 hits).")
    query = _single(attrs, "query")
    if df["query"].nunique(dropna=True) > 1:
        raise InvalidInputError("df holds the results of several queries: continue one search at a time.")
    ranks = pd.to_numeric(df["rank"], errors="coerce")
    start = int(ranks.max()) if ranks.notna().any() else 0
    # The row with the highest rank names the search to continue: after more(refresh=True) a
    # frame holds two search ids, and only the newer one is alive.
    search_id = df["search_id"].loc[ranks.idxmax()] if ranks.notna().any() else attrs.get("search_id")
    if not isinstance(search_id, str) or not search_id:
        raise InvalidInputError("df has no search id (attrs['search_id'] is missing): expected a frame "
                                "made by search_designs().")
    filters = SearchFilters.coerce(_single(attrs, "filters") or {})
    total = attrs.get("total")
    if not isinstance(total, int) or isinstance(total, bool):
        total = None  # unknown (e.g. differing totals of a refreshed search): the pages will tell
    attrs["search_id"] = search_id
    client = client_for(search_id, client)
    end = min(start + n, MAX_RESULTS_CAP)
    if isinstance(total, int):
        end = min(end, total)

    def build(hits: list[Hit], sid: str, pages: list[SearchPage]) -> pd.DataFrame:
        store = _thumbnail_store(client) if thumbnails else None
        new_attrs = {**attrs, "search_id": sid, "from_cache": bool(pages) and all(p.from_cache for p in pages)}
        if pages:
            new_attrs["total"] = max(p.total for p in pages)
        new_attrs.pop("fetched_at", None)
        if store is not None:
            new_attrs["thumbnail_dir"] = thumbnail_dir(client)
        out = frame.hits_to_frame(hits, search_id=sid, query=query if isinstance(query, str) else "",
                                  start_rank=start + 1, attrs=new_attrs)
        register_client(sid, client)
        if store is not None:
            _prefetch(store, out)
        return out

    cap_reason = (f"PatSnap serves at most {MAX_RESULTS_CAP} hits per search (offset <= "
                  f"{codes.OFFSET_MAX}, {codes.LIMIT_MAX} per page)") if start + n > MAX_RESULTS_CAP else None
    total_reason = (f"only {total} designs match this query and filters"
                    if isinstance(total, int) and start + n > total else None)
    if end <= start:
        reason = "; ".join(r for r in (cap_reason, total_reason) if r)
        warnings.warn(SearchWarning(f"no more hits after rank {start}: {reason}."), stacklevel=2)
        return build([], search_id, [])

    in_df = set(df["patent_id"].dropna().tolist())
    try:
        hits, pages, shortfall = _collect(client, search_id, filters, start, end)
        hits, dropped = _dedupe(hits, in_df)
        sid = search_id
    except SearchExpiredError as err:
        if not refresh:
            err.hint = ("Search ids live 20 minutes: pass refresh=True (df.patsnap.more(refresh=True)) to "
                        "run the search again from attrs['query_url'] with the same filters.")
            raise
        query_url = _single(attrs, "query_url")
        if isinstance(query_url, str) and query_url.startswith("sha256:"):
            raise InvalidInputError("df's query came from the cache and has no live upload URL to search again "
                                    "from: run search_designs(image, refresh=True) with the query image.") from err
        if not isinstance(query_url, str) or not query_url:
            raise InvalidInputError("df has no attrs['query_url'] to run the search again from: search "
                                    "again with search_designs().") from err
        first = client.create_search(query_url, filters, limit=min(end, PAGE_SIZE), refresh=True)
        sid = _search_id(first)
        hits, pages, shortfall = _collect(client, sid, filters, start, end, first)
        hits, dropped = _dedupe(hits, in_df)
        warnings.warn(SearchWarning(
            f"search id {search_id} had expired: the search was run again (new search id {sid}) and "
            f"its hits after rank {start} returned; the ranking may differ from df's"
            + (f" ({dropped} hits already in df were left out)" if dropped else "") + "."), stacklevel=2)
        dropped = 0
    if dropped:
        warnings.warn(SearchWarning(f"{dropped} hits already in df were left out (the ranking changed "
                                    "while paging)."), stacklevel=2)
    if len(hits) < n:
        reasons = [r for r in (cap_reason, shortfall or total_reason) if r]
        if reasons:
            warnings.warn(SearchWarning(f"n={n} but {len(hits)} more hits were returned: "
                                        f"{'; '.join(reasons)}."), stacklevel=2)
    return build(hits, sid, pages)


def _search_id(page: SearchPage) -> str:
    """The search id of a P009 page (parse_page refuses a P009 answer without one)."""
    if page.search_id is None:
        raise ResponseFormatError("The search answer has no search_id.", endpoint="/image-search/search-id")
    return page.search_id


def _query_url(target: str | images.PreparedImage, page: SearchPage, view: int = 0) -> str:
    """The query's URL for the frame: the URL given, the upload URL, or the image's content name.

    A search whose answer came from the cache made no upload, and an earlier upload's URL may
    have expired: the query is then named by its content (``sha256:...``), under which its
    thumbnail is kept (see :func:`load_query_image`).
    """
    if isinstance(target, str):
        return target
    url = page.urls[view] if len(page.urls) > view else None
    return url or content_ref(target.data)

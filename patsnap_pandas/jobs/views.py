"""Several views of one product, and the newer image endpoints (P060, P061).

A list of views is searched in one P061 call (up to four), or view by view and fused on the
client (:mod:`patsnap_pandas.frame.fusion`); one image with a P060 option goes to P060.
:func:`choose_endpoint` is the rule, :func:`search_views` the flow. These endpoints have no
search id: their results are paged by offset. :func:`patsnap_pandas.jobs.search.search_designs`
hands a list of views here; the one-image search is :func:`patsnap_pandas.jobs.search.search_prepared`.
"""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from .. import codes
from .._validate import check_choice
from ..api import images
from ..api.client import PatsnapClient
from ..api.filters import SearchFilters
from ..api.image_params import ImageSearchOptions
from ..api.models import Hit, SearchPage
from ..errors import InvalidInputError
from ..frame import schema as frame
from .clients import client_for, data_source, register_client
from .images import _prefetch, _store_query_image, _thumbnail_store, thumbnail_dir
from .prepare import _prepare
from .search import PAGE_SIZE, SearchWarning, _check_amounts, _dedupe, _query_url, _shortfall, search_prepared

__all__ = ["MAX_VIEWS", "choose_endpoint", "search_views"]

#: The endpoints ``search_designs(endpoint=...)`` takes.
ENDPOINTS: tuple[str, ...] = ("P009", "P060", "P061")
#: At most this many views in one multi-view search (each view beyond P061's four is a billed search).
MAX_VIEWS = 20
#: Columns a multi-view frame adds after the schema: which view matched, and each view's score.
VIEW_COLUMNS: tuple[str, ...] = ("matched_view", "fused_score")


def _views_of(image: Any) -> list | None:
    """The views of a multi-view query (a list or tuple of images), else None."""
    if isinstance(image, (list, tuple)):
        if not 1 <= len(image) <= MAX_VIEWS:
            raise InvalidInputError(f"image is a list of {len(image)} images: not valid. Allowed: 1 to "
                                    f"{MAX_VIEWS} views of one product (one image: pass it alone).")
        return list(image)
    return None


def choose_endpoint(n_views: int | None, endpoint: str | None, *, newer_options: bool) -> tuple[str, bool]:
    """(endpoint searched, fused on the client) for a query of ``n_views`` images (None: one image, not a list).

    The rule: one image goes to P009 unless ``endpoint`` or a P060 option
    (``model``, ``patent_type``, ``lang``) says otherwise; a list of up to four
    goes to P061 in one call; more views, or an endpoint taking one image
    (P009, P060) with a list, search each view and fuse on the client.

    Examples
    --------
    >>> choose_endpoint(None, None, newer_options=False), choose_endpoint(None, None, newer_options=True)
    (('P009', False), ('P060', False))
    >>> choose_endpoint(3, None, newer_options=False), choose_endpoint(6, None, newer_options=False)
    (('P061', False), ('P060', True))
    >>> choose_endpoint(2, "P009", newer_options=False)
    ('P009', True)
    """
    check_choice(endpoint, "endpoint", ENDPOINTS, allow_none=True,
                 shown=", ".join(map(repr, ENDPOINTS)) + ", or None to choose by the number of images")
    if endpoint == "P009" and newer_options:
        raise InvalidInputError("endpoint='P009' takes no model, patent_type or lang: those are options of "
                                "P060/P061 (endpoint='P060', 'P061' or None).")
    if n_views is None:
        if endpoint is not None:
            return endpoint, False
        return ("P060" if newer_options else "P009"), False
    if endpoint in ("P009", "P060"):
        return endpoint, True
    if n_views <= codes.MULTI_IMAGE_MAX:
        return "P061", False
    if endpoint == "P061":
        raise InvalidInputError(f"image has {n_views} views: P061 takes 1 to {codes.MULTI_IMAGE_MAX}. "
                                "Pass endpoint=None or 'P060' to search each view and fuse the results.")
    return "P060", True


def _page_newer(client: PatsnapClient, name: str, target: Any, options: ImageSearchOptions,
                wanted: int, refresh: bool = False) -> tuple[list[Hit], list[SearchPage], str | None]:
    """``wanted`` hits of a P060/P061 search, paged by offset (these endpoints have no search id)."""
    call = client.image_single if name == "P060" else client.image_multiple
    hits: list[Hit] = []
    pages: list[SearchPage] = []
    while len(hits) < wanted:
        offset = min(len(hits), codes.OFFSET_MAX)
        skip = len(hits) - offset
        limit = min(PAGE_SIZE, wanted - offset)
        page = call(target, options, limit=limit, offset=offset, refresh=refresh)
        pages.append(page)
        got = page.hits[skip:]
        hits.extend(got)
        if len(page.hits) < limit or offset + len(page.hits) >= page.total:
            break
    total = pages[-1].total
    return hits, pages, _shortfall(0, wanted, len(hits), total, short_at=None)


def _search_newer(views: list, endpoint: str, fuse: bool, *, client: PatsnapClient | None, limit: int,
                  max_results: int | None, label: str | None, thumbnails: bool, model: int | None,
                  patent_type: str | None, lang: str | None, fusion: str, filters: dict,
                  refresh: bool = False) -> pd.DataFrame:
    """search_designs for a list of views or a P060/P061 search: check everything, prepare, search."""
    from ..frame.fusion import check_rule

    if endpoint == "P009":
        search_filters, options = SearchFilters.from_kwargs(**filters), None
    else:
        search_filters = SearchFilters()
        options = ImageSearchOptions(patent_type=patent_type or "D", model=model, lang=lang or "original",
                                     **filters)
    limit, max_results, thumbnails = _check_amounts(limit, max_results, thumbnails)
    fusion = check_rule(fusion)
    if label is not None and not isinstance(label, str):
        raise InvalidInputError(f"label={label!r} is not valid: expected a string.")
    targets = [_prepare(view, None) for view in views]
    labels = [images.query_label(t) if isinstance(t, str) else t.label for t in targets]
    client = client_for(None, client)
    return search_views(targets, client=client, endpoint=endpoint, fuse=fuse, options=options,
                        filters=search_filters, limit=limit, max_results=max_results, labels=labels,
                        label=label, fusion=fusion, thumbnails=thumbnails, refresh=refresh, stacklevel=4)


def search_views(targets: list[str | images.PreparedImage], *, client: PatsnapClient, endpoint: str,
                 fuse: bool, options: ImageSearchOptions | None, filters: SearchFilters,
                 limit: int = codes.LIMIT_DEFAULT, max_results: int | None = None,
                 labels: list[str] | None = None, label: str | None = None, fusion: str = "best",
                 thumbnails: bool = True, refresh: bool = False, stacklevel: int = 2) -> pd.DataFrame:
    """Search prepared views of one product (P061 in one call, or each view and fuse); the frame.

    The one place of the multi-view flow, shared by :func:`search_designs` and
    :func:`patsnap_pandas.jobs.batch.search_each`. Arguments are checked by the callers.

    Parameters
    ----------
    targets : list of str or images.PreparedImage
        The views (URLs or prepared images), in order: with model 1 the first view's
        Locarno class is predicted, so the order matters.
    endpoint : {"P009", "P060", "P061"}
        What is called (P061 with ``fuse=False``; P009/P060 per view with ``fuse=True``).
    options : ImageSearchOptions or None
        P060/P061 options and filters (None for P009).
    filters : SearchFilters
        P009 filters (used when ``endpoint="P009"``).
    fusion : {"best", "rrf"}
        The rule of :func:`patsnap_pandas.frame.fusion.fuse_views`.

    Returns
    -------
    pandas.DataFrame
        The schema columns and the fuller hit fields, then ``matched_view`` (1-based,
        NA when P061 does not say which view matched); fused frames also have
        ``fused_score`` and ``score_view1`` .. ``score_viewN``. ``attrs``: the
        provenance keys plus ``views`` (the view labels), ``query_urls``, ``options``,
        ``fusion``, ``limit``, ``max_results``; ``endpoint_version`` is ``"P060"``,
        ``"P061"`` or ``"P009+fusion"``/``"P060+fusion"``.

    Examples
    --------
    >>> from patsnap_pandas.api import images
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> from patsnap_pandas.api.image_params import ImageSearchOptions
    >>> views = [images.prepare_image(samples.image(name)) for name in ("sneaker", "sneaker-drawing")]
    >>> with PatsnapClient.sandbox() as client:
    ...     df = search_views(views, client=client, endpoint="P060", fuse=True,
    ...                       options=ImageSearchOptions(), filters=SearchFilters(), limit=10, thumbnails=False)
    >>> df.attrs["endpoint_version"], df.attrs["views"], sorted(set(df["matched_view"].tolist()))
    ('P060+fusion', ['sneaker.png', 'sneaker-drawing.tiff'], [1, 2])
    """
    from ..frame import fusion as _fusion

    if labels is not None and len(labels) != len(targets):  # a short list would drop views from the fusion
        raise InvalidInputError(f"labels={labels!r} is not valid: {len(labels)} labels for {len(targets)} views. "
                                "Allowed: one label per view, in the views' order.")
    wanted = max_results if max_results is not None else limit
    view_labels = labels or [t if isinstance(t, str) else t.label for t in targets]
    query = label if label is not None else " + ".join(view_labels)
    # Local views are searched by their bytes (cached by content: no upload for a cached answer).
    searched = [t if isinstance(t, str) else t.data for t in targets]
    urls: list[str] = []
    shortfall = None
    if not fuse:
        assert options is not None  # P060/P061: search_designs made them
        hits, pages, shortfall = _page_newer(client, endpoint, searched[0] if endpoint == "P060" else searched,
                                             options, wanted, refresh)
        urls = [_query_url(t, pages[0], i) for i, t in enumerate(targets)]
        hits, _ = _dedupe(hits)
        df = frame.hits_to_frame(hits, search_id=None, query=query)
        if endpoint == "P061" and "matched_view" not in df.columns:
            df.insert(len(frame.SCHEMA), "matched_view", pd.array([pd.NA] * len(df), dtype="Int64"))
        totals = [p.total for p in pages]
        from_cache = all(p.from_cache for p in pages)
    else:
        frames, totals, caches = [], [], []
        for view_target, view_label in zip(targets, view_labels, strict=False):
            if endpoint == "P009":
                view = search_prepared(view_target, client=client, filters=filters, max_results=wanted,
                                       label=view_label, thumbnails=False, refresh=refresh,
                                       stacklevel=stacklevel + 1)
                totals.append(view.attrs["total"])
                caches.append(view.attrs["from_cache"])
                urls.append(view.attrs["query_url"])
            else:
                assert options is not None  # P060: search_designs made them
                hits, pages, _ = _page_newer(client, "P060", view_target if isinstance(view_target, str)
                                             else view_target.data, options, wanted, refresh)
                urls.append(_query_url(view_target, pages[0]))
                hits, _ = _dedupe(hits)
                view = frame.hits_to_frame(hits, search_id=None, query=view_label)
                totals.append(max(p.total for p in pages))
                caches.append(all(p.from_cache for p in pages))
            frames.append(view)
        fused = _fusion.fuse_views(frames, rule=fusion, limit=wanted)
        fused["query"] = pd.array([query] * len(fused), dtype="string")
        fused["search_id"] = pd.array([None] * len(fused), dtype="string")
        front = [c for c in fused.columns if c in frame.SCHEMA]
        views = ["matched_view", "fused_score", *_fusion.view_score_columns(len(frames))]
        rest = [c for c in fused.columns if c not in front and c not in views]
        df = fused[front + views + rest]
        from_cache = all(caches)
        if max_results is not None and len(df) < wanted:
            shortfall = "the views together found fewer distinct patents"
    if shortfall and max_results is not None:
        warnings.warn(SearchWarning(f"max_results={max_results} but {len(df)} hits were returned: "
                                    f"{shortfall}."), stacklevel=stacklevel + 1)
    attrs = {
        "query": query,
        "filters": options.filter_dict() if options is not None else filters.to_dict(),
        "search_id": None,
        "total": max(totals) if totals else None,
        "from_cache": from_cache,
        "endpoint_version": endpoint + ("+fusion" if fuse else ""),
        "thumbnail_dir": thumbnail_dir(client),
        "source": data_source(client),  # the sandbox banner of reports and charts depends on it
        "query_url": urls[0],
        "query_urls": urls,
        "views": view_labels,
        "options": options.to_dict() if options is not None else {},
        "fusion": fusion if fuse else None,
        "limit": min(wanted, PAGE_SIZE),
        "max_results": max_results,
    }
    df.attrs = frame.empty_frame(attrs).attrs  # the provenance keys, checked JSON-safe
    if urls[0]:
        register_client(urls[0], client)  # so enrich() and more() find the client without a search id
    if thumbnails:
        store = _thumbnail_store(client)
        for view_target, url in zip(targets, urls, strict=True):
            _store_query_image(store, view_target, url, stacklevel=stacklevel + 1)
        _prefetch(store, df)
    return df

"""prior_art(): what was published before a date that looks like a product, designs and utility models.

The steps, each in the module that owns it:

1. check every argument (``before``, ``utility_models``, ``limit``, the filters) before any call;
2. search the registered designs (P009; P061 for several views) with the publication-date
   filter bounded by the cutoff, and, with ``utility_models``, the utility models (P060/P061
   ``patent_type=U``) with the same bound (:func:`~patsnap_pandas.jobs.search.search_designs`);
3. merge both in one ranking by score, each row marked ``patent_type`` ``D``/``U`` and ``kind``
   (:func:`~patsnap_pandas.frame.prior_art.merge_hits`);
4. fetch the full bibliography (P012, cached 30 days) for the publication dates and owners, and
   link each record (:func:`~patsnap_pandas.frame.prior_art.evidence_columns`);
5. keep only what was published strictly before the cutoff, decided on the client from each
   row's publication date (:func:`~patsnap_pandas.frame.prior_art.cutoff_reasons`): the search's
   date filter is sent as ``public_end_time=before``, so its bound being inclusive or exclusive
   never loses a day, and what it lets through on the cutoff day is excluded here, with its reason.

Every legal status is searched: lapsed and expired rights are prior art too.

Examples
--------
>>> from patsnap_pandas import PatsnapClient, samples
>>> with PatsnapClient.sandbox(today="2026-12-07") as client:
...     result = prior_art(samples.image("armchair"), before="2019-06-01", client=client, limit=5)
>>> print(result)
prior art published before 2019-06-01: 10 of 10 hits kept
>>> sorted(result.kept["kind"].unique())
['design', 'utility model']
>>> bool((result.kept["publication_date"] < "2019-06-01").all())
True
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .. import codes
from .._validate import check_date, check_flag
from ..api.client import PatsnapClient
from ..api.filters import SearchFilters, check_limit
from ..frame.prior_art import cutoff_reasons, evidence_columns, merge_hits
from .clients import client_for
from .enrich import bibliography_record
from .result import JobResult
from .search import search_designs

__all__ = ["prior_art"]


def prior_art(image_or_views: Any, *, before: Any, utility_models: bool = True, client: PatsnapClient | None = None,
              limit: int = codes.LIMIT_DEFAULT, label: str | None = None, thumbnails: bool = True,
              **filters: Any) -> JobResult:
    """Designs (and utility models) that look like ``image_or_views`` and were published before ``before``.

    Parameters
    ----------
    image_or_views : image or list of images
        What :func:`~patsnap_pandas.jobs.search.search_designs` takes: a local image or an http(s)
        URL, or a list of views of one product.
    before : date or str
        The cutoff (``"2019-06-01"``, ``20190601``, a ``datetime.date``): only what was published
        strictly before it is kept. Typically the filing or priority date of the design at issue.
    utility_models : bool, default True
        Search the utility models too (P060/P061 ``patent_type=U``, one more billed search). They
        have no Locarno class: a ``loc`` filter narrows the designs only.
    client : PatsnapClient, optional
        Default: a client from the ``PATSNAP_*`` environment variables.
    limit : int, default 10
        Hits of each search, 1..100 (designs, and utility models: up to twice as many rows).
    label : str, optional
        The query's name in the frames.
    thumbnails : bool, default True
        Prefetch the hit images into the thumbnail store.
    **filters
        Search filters (:class:`~patsnap_pandas.api.filters.SearchFilters`). A ``public_end_time``
        later than ``before`` is bounded by it; every legal status is searched unless you filter.

    Returns
    -------
    JobResult
        ``.kept`` (also ``.evidence``): the hits published before the cutoff, best first, with
        ``patent_type``, ``kind``, ``apply_date``, ``publication_date``, ``grant_date``,
        ``assignees``, ``applicants``, ``owner`` and ``record_url``; ``.excluded``: the others
        with ``excluded_reason``; ``.provenance``: ``before``, ``utility_models``, ``estimate``,
        ``dropped``, ``counts`` (see docs/clearance.md).

    Raises
    ------
    InvalidInputError
        (a ``ValueError``) for a bad ``before``, flag, limit, filter or image, before any billed call.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> with PatsnapClient.sandbox(today="2026-12-07") as client:
    ...     result = prior_art(samples.image("armchair"), before="2015-01-01", utility_models=False,
    ...                        client=client, limit=3)
    ...     prior_art(samples.image("armchair"), before="01/01/2015", client=client)
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: before='01/01/2015' is not valid: not a date in a known format. ...
    >>> result.kept["kind"].unique().tolist(), result.provenance["before"]
    (['design'], '2015-01-01')
    """
    cutoff = check_date(before, "before")
    utility_models = check_flag(utility_models, "utility_models")
    thumbnails = check_flag(thumbnails, "thumbnails")
    limit = check_limit(limit)
    bounded = _bounded(SearchFilters.from_kwargs(**filters), cutoff)
    client = client_for(None, client)
    search: dict[str, Any] = {"client": client, "limit": limit, "label": label, "thumbnails": thumbnails}
    search_filters: dict[str, Any] = bounded.to_dict()
    designs = search_designs(image_or_views, **search, **search_filters)
    utility = None
    if utility_models:
        without_loc = {k: v for k, v in search_filters.items() if k != "loc"}
        utility = search_designs(image_or_views, patent_type="U", **search, **without_loc)
    hits = merge_hits(designs, utility)
    ids = list(dict.fromkeys(i for i in hits["patent_id"] if isinstance(i, str) and i))
    estimate = str(client.estimate_lookup(ids, ("full_bibliography",)))
    records = {item["patent_id"]: bibliography_record(item) for item in (client.full_bibliography(ids) if ids else [])
               if isinstance(item.get("patent_id"), str)}
    hits = evidence_columns(hits, records)
    return JobResult.split("prior_art", hits, cutoff_reasons(hits, cutoff), before=cutoff.isoformat(),
                           utility_models=utility_models, estimate=estimate)


def _bounded(filters: SearchFilters, cutoff: dt.date) -> SearchFilters:
    """``filters`` with ``public_end_time`` at most ``cutoff`` (sent as the cutoff itself; see the module)."""
    bound = cutoff.strftime("%Y%m%d")
    end = filters.public_end_time
    values = filters.to_dict()
    values["public_end_time"] = bound if end is None or end > bound else end
    return SearchFilters(**values)

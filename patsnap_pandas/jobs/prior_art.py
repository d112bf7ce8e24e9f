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

With ``registered=`` (a publication number), the registered design is looked up first (P069, one
billed call, cached): an unknown number stops the job before the image search is paid; its
filing date (``apdt``) is the default cutoff (P069 gives no priority date: pass ``before=`` when a
priority is claimed); the design itself is never its own prior art (excluded as "the registered
design itself"); its record is ``provenance["registered"]``.

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
from .._validate import check_date, check_flag, invalid
from ..api.client import PatsnapClient
from ..api.filters import SearchFilters, check_limit
from ..api.inputs import check_numbers
from ..frame.prior_art import cutoff_reasons, evidence_columns, merge_hits
from .clients import client_for
from .enrich import bibliography_record
from .result import JobResult
from .search import search_designs

__all__ = ["SELF", "check_registered", "prior_art", "registered_record"]

#: The excluded reason of the registered design when it shows up among its own prior art.
SELF = "the registered design itself"
_REGISTERED_ALLOWED = "one publication number of a registered design, such as 'USD907292S' (P069 looks it up)"


def prior_art(image_or_views: Any, *, before: Any = None, registered: str | None = None, utility_models: bool = True,
              client: PatsnapClient | None = None, limit: int = codes.LIMIT_DEFAULT, label: str | None = None,
              thumbnails: bool = True, **filters: Any) -> JobResult:
    """Designs (and utility models) that look like ``image_or_views`` and were published before ``before``.

    Parameters
    ----------
    image_or_views : image or list of images
        What :func:`~patsnap_pandas.jobs.search.search_designs` takes: a local image or an http(s)
        URL, or a list of views of one product.
    before : date or str, optional
        The cutoff (``"2019-06-01"``, ``20190601``, a ``datetime.date``): only what was published
        strictly before it is kept. Typically the filing or priority date of the design at issue.
        Required unless ``registered`` is given (then: its filing date).
    registered : str, optional
        The publication number of the registered design at issue (``"USD907292S"``), looked up
        through P069 (one billed call, cached) before the image search. Its filing date is the
        default ``before`` (P069 gives no priority date: pass ``before=`` when one is claimed); it
        is excluded from its own prior art ("the registered design itself"); its record is
        ``provenance["registered"]`` (for :func:`patsnap_pandas.report.comparison`).
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
        ``dropped``, ``counts``, and with ``registered`` its P069 record as ``registered``
        (see docs/clearance.md).

    Raises
    ------
    InvalidInputError
        (a ``ValueError``) for a bad ``before``, ``registered``, flag, limit, filter or image, before
        any billed call; for a ``registered`` number P069 does not know, after that one look-up and
        before the image search.

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
    number = check_registered(registered)
    if before is None and number is None:
        raise invalid("before", before, "give the cutoff, or registered= (its filing date is the cutoff)",
                      "a date such as '2019-06-01'")
    cutoff = None if before is None else check_date(before, "before")
    utility_models = check_flag(utility_models, "utility_models")
    thumbnails = check_flag(thumbnails, "thumbnails")
    limit = check_limit(limit)
    checked = SearchFilters.from_kwargs(**filters)
    client = client_for(None, client)
    record = None if number is None else registered_record(number, client)
    if cutoff is None:
        cutoff = _filing_date(record, number)
    bounded = _bounded(checked, cutoff)
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
    reasons = {**cutoff_reasons(hits, cutoff), **_itself(hits, record)}
    extra = {} if record is None else {"registered": record}
    return JobResult.split("prior_art", hits, reasons, before=cutoff.isoformat(),
                           utility_models=utility_models, estimate=estimate, **extra)


def registered_record(number: str, client: PatsnapClient) -> dict[str, Any]:
    """The P069 record of the publication ``number`` (one billed call, cached), JSON-safe; unknown: an error.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient
    >>> with PatsnapClient.sandbox(today="2026-12-07") as client:
    ...     record = registered_record("CN305007919S", client)
    ...     registered_record("USD0000001S", client)
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: registered='USD0000001S' is not valid: PatSnap's number search (P069) found no publication with this number. ...
    >>> record["pn"], record["apdt"]
    ('CN305007919S', 20180224)
    """
    records = client.number_search(number, limit=10).records
    wanted = number.upper()
    found = [r for r in records if str(r.get("pn", "")).upper() == wanted] or [
        r for r in records if str(r.get("pn", "")).upper().startswith(wanted)]
    if not found:
        raise invalid("registered", number, "PatSnap's number search (P069) found no publication with this number",
                      _REGISTERED_ALLOWED)
    return {str(k): v if v is None or isinstance(v, (str, int, float, bool)) else str(v) for k, v in found[0].items()}


def check_registered(value: Any) -> str | None:
    """``registered=`` checked before any call: one publication number, upper-cased (one spelling, one cache key).

    Examples
    --------
    >>> check_registered(" usd907292s ")
    'USD907292S'
    >>> check_registered("USD1S, USD2S")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: registered='USD1S, USD2S' is not valid: give one number. ...
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise invalid("registered", value, f"expected a string, got {type(value).__name__}", _REGISTERED_ALLOWED)
    numbers = check_numbers(value, "registered")
    if numbers is None or len(numbers) != 1:
        raise invalid("registered", value, "give one number", _REGISTERED_ALLOWED)
    return numbers[0].upper()


def _filing_date(record: dict[str, Any] | None, number: str | None) -> dt.date:
    """The registered design's filing date (P069 ``apdt``), the default cutoff."""
    apdt = None if record is None else record.get("apdt")
    try:
        return check_date(apdt, "apdt")
    except ValueError:
        raise invalid("before", None, f"the record of {number} has no filing date (apdt={apdt!r}) to use as the "
                      "cutoff", "a date such as '2019-06-01'") from None


def _itself(hits: Any, record: dict[str, Any] | None) -> dict[Any, str]:
    """index label -> :data:`SELF` for the rows that are the registered design (by number or patent id)."""
    if record is None or not len(hits):
        return {}
    pn, pid = str(record.get("pn") or "").upper(), record.get("patent_id")
    return {label: SELF for label, number, patent_id in zip(hits.index, hits["patent_pn"], hits["patent_id"],
                                                             strict=True)
            if (pn and isinstance(number, str) and number.upper() == pn) or (pid and patent_id == pid)}


def _bounded(filters: SearchFilters, cutoff: dt.date) -> SearchFilters:
    """``filters`` with ``public_end_time`` at most ``cutoff`` (sent as the cutoff itself; see the module)."""
    bound = cutoff.strftime("%Y%m%d")
    end = filters.public_end_time
    values = filters.to_dict()
    values["public_end_time"] = bound if end is None or end > bound else end
    return SearchFilters(**values)

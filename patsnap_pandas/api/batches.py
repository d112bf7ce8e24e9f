"""P062, overnight batch image search: create a job of up to 10 image URLs, fetch its result after the window.

PatSnap runs the jobs once a day between 22:00 and 08:00 service time (UTC+8) and bills the
create per query image. :func:`create` is a :data:`~patsnap_pandas.api.pipeline.ONCE_ONLY`
call: never answered from the cache and never retried once it may have reached the server
(a second create would be a second billed job), only after an HTTP 429. :func:`result` is not
billed; a finished job's result is cached like a search, an unfinished one raises
:class:`~patsnap_pandas.errors.BatchNotReadyError` (not cached). :func:`estimate_batch`
counts what a create would bill.

Examples
--------
>>> from patsnap_pandas import PatsnapClient, samples
>>> client = PatsnapClient.sandbox(corpus_size=60, batch_runs_at="immediately")
>>> url = client.upload_image(open(samples.image("armchair"), "rb").read(), "chair.png").url
>>> job_id = create(client._pipeline, [url, url], {"model": 2}, limit=5)
>>> found = result(client._pipeline, job_id)
>>> found.status, [len(image.hits) for image in found.images], client.usage.billed_calls
('FINISHED', [5, 5], 3)
>>> client.close()
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import codes
from .._validate import check_number, shorten
from ..errors import InvalidInputError, ResponseFormatError
from .filters import check_limit
from .image_params import ImageSearchOptions
from .inputs import check_url
from .models import ENDPOINTS, Estimate, Hit, parse_page
from .pipeline import Pipeline

__all__ = ["BatchImage", "BatchResult", "check_batch_urls", "create", "result", "estimate_batch"]


@dataclass(frozen=True)
class BatchImage:
    """One query image of a finished P062 job: its URL, ``SUCCESS`` or ``FAILED`` (not readable when the job ran),
    and its hits (best first).

    Examples
    --------
    >>> image = BatchImage("https://example.com/chair.png", "FAILED", ())
    >>> image.status, len(image.hits)
    ('FAILED', 0)
    """

    url: str
    status: str
    hits: tuple[Hit, ...]


@dataclass(frozen=True)
class BatchResult:
    """A finished P062 job: its id, status and one :class:`BatchImage` per query image, in the order sent.

    Examples
    --------
    >>> found = BatchResult("JOB-1", "FINISHED", (BatchImage("https://example.com/a.png", "SUCCESS", ()),))
    >>> found.status, [image.url for image in found.images]
    ('FINISHED', ['https://example.com/a.png'])
    """

    task_id: str
    status: str
    images: tuple[BatchImage, ...]
    from_cache: bool = False


def check_batch_urls(urls: Any) -> list[str]:
    """1 to 10 http(s) image URLs (one P062 job); InvalidInputError otherwise.

    Examples
    --------
    >>> check_batch_urls(["https://example.com/a.png"] * 11)
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: urls has 11 URLs: not valid. Allowed: 1 to 10 image URLs per overnight job.
    """
    if isinstance(urls, str) or not isinstance(urls, Sequence):
        raise InvalidInputError(f"urls={shorten(urls)} is not valid: expected a list of 1 to "
                                f"{codes.BATCH_IMAGE_MAX} image URLs.")
    if not 1 <= len(urls) <= codes.BATCH_IMAGE_MAX:
        raise InvalidInputError(f"urls has {len(urls)} URLs: not valid. Allowed: 1 to {codes.BATCH_IMAGE_MAX} "
                                "image URLs per overnight job.")
    return [check_url(url, f"urls[{i}]") for i, url in enumerate(urls)]


def body(urls: Sequence[str], options: ImageSearchOptions | Mapping[str, Any] | None, limit: int,
         threshold: float | None) -> dict[str, Any]:
    """The create's JSON body, validated (nothing is sent)."""
    opts = ImageSearchOptions.coerce(options)
    sent: dict[str, Any] = {"urls": check_batch_urls(urls), **opts.to_body(), "limit": check_limit(limit)}
    if threshold is not None:
        sent[codes.BATCH_THRESHOLD_PARAM] = check_number(threshold, "threshold", minimum=0.0, maximum=1.0,
                                                         what="a similarity from 0 to 1")
    return sent


def create(pipe: Pipeline, urls: Sequence[str], options: ImageSearchOptions | Mapping[str, Any] | None = None, *,
           limit: int = codes.LIMIT_DEFAULT, threshold: float | None = None) -> str:
    """Create a P062 job (billed per query image; never retried once sent): its job id.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> client = PatsnapClient.sandbox(corpus_size=60)
    >>> url = client.upload_image(open(samples.image("armchair"), "rb").read(), "chair.png").url
    >>> job_id = create(client._pipeline, [url] * 3, {"model": 2})
    >>> client.usage.billed_calls, client.sandbox_server.ledger.units("single-batch-create")   # 1 upload + 3 images
    (4, 3)
    >>> client.close()
    """
    sent = body(urls, options, limit, threshold)
    data, _ = pipe.call("batch_create", method="POST", json_body=sent, units=len(sent["urls"]))
    job_id = data.get("job_id") if isinstance(data, Mapping) else None
    if not isinstance(job_id, str) or not job_id:
        raise ResponseFormatError(f"The create answer has job_id={shorten(job_id)}, not a non-empty string.",
                                  endpoint=ENDPOINTS["batch_create"])
    return job_id


def result(pipe: Pipeline, task_id: str, *, refresh: bool = False) -> BatchResult:
    """The result of a finished P062 job (not billed; cached once finished).

    Raises
    ------
    BatchNotReadyError
        The job has not finished: its message says from when (08:00 service time).
    BatchUnknownError
        PatSnap does not know ``task_id``.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> client = PatsnapClient.sandbox(corpus_size=60, batch_runs_at="immediately")
    >>> url = client.upload_image(open(samples.image("armchair"), "rb").read(), "chair.png").url
    >>> found = result(client._pipeline, create(client._pipeline, [url], limit=2))
    >>> found.status, found.images[0].status, len(found.images[0].hits), found.from_cache
    ('FINISHED', 'SUCCESS', 2, False)
    >>> result(client._pipeline, found.task_id).from_cache          # a finished job's result is cached
    True
    >>> client.close()
    """
    if not isinstance(task_id, str) or not task_id.strip():
        raise InvalidInputError(f"task_id={shorten(task_id)} is not valid: expected the job id a create returned.")
    path = ENDPOINTS["batch_result"]
    data, from_cache = pipe.call("batch_result", method="POST", json_body={"task_id": task_id.strip()},
                                 refresh=refresh)
    items = data.get("search_result") if isinstance(data, Mapping) else None
    if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
        raise ResponseFormatError("The result has no list search_result.", endpoint=path)
    images = []
    for item in items:
        page = parse_page({"patent_messages": item.get("patent_messages"), "search_id": task_id}, path,
                          search_id=task_id, offset=0, limit=codes.BATCH_HITS_MAX, from_cache=from_cache)
        images.append(BatchImage(str(item.get("search_url") or ""), str(item.get("status") or ""), page.hits))
    return BatchResult(task_id, str(data.get("status") or ""), tuple(images), from_cache)


def estimate_batch(n_images: int, uploads: int = 0) -> Estimate:
    """What creating jobs for ``n_images`` query images bills (``uploads``: the P010 uploads before them).

    Examples
    --------
    >>> print(estimate_batch(12, uploads=12))
    24 billed calls: 12 uploads, 12 P062 overnight query images
    """
    return Estimate({"upload": uploads, "batch_create": n_images})

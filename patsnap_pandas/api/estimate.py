"""How many billed calls a search would make now, without making any: what the cache does not hold.

:func:`estimate` is what :meth:`PatsnapClient.estimate <patsnap_pandas.api.client.PatsnapClient.estimate>`
runs. It asks the client's cache and upload memo (:class:`~patsnap_pandas.api.kept.Kept`) as the first step of a call would, and
sends nothing.

Examples
--------
>>> from patsnap_pandas import PatsnapClient, samples
>>> client = PatsnapClient.sandbox()
>>> data = open(samples.image("armchair"), "rb").read()
>>> print(estimate(client._pipeline, data, max_results=150))
3 billed calls: 1 upload, 1 search, 1 result page
>>> client.close()
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .. import codes
from .._validate import shorten
from ..errors import InvalidInputError
from ..store.cache import content_ref
from .endpoints import id_batches
from .filters import SearchFilters, check_limit, check_max_results
from .image_params import ImageSearchOptions
from .inputs import patent_ids, url_or_bytes
from .models import BY_ID, ENDPOINTS, Estimate, parse_page
from .pipeline import Pipeline

__all__ = ["estimate", "estimate_lookup"]


def estimate(pipe: Pipeline, image: str | bytes | Sequence[str | bytes],
             filters: SearchFilters | Mapping[str, Any] | None = None, *, limit: int = codes.LIMIT_DEFAULT,
             max_results: int | None = None,
             options: ImageSearchOptions | Mapping[str, Any] | None = None) -> Estimate:
    """The billed calls searching ``image`` would make now with ``pipe``'s cache (parameters as the client's ``estimate``).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> client = PatsnapClient.sandbox()
    >>> views = [open(samples.image(name), "rb").read() for name in ("armchair", "desk-lamp")]
    >>> print(estimate(client._pipeline, views))
    3 billed calls: 2 uploads, 1 P061 search
    >>> client.close()
    """
    wanted = check_limit(limit) if max_results is None else check_max_results(max_results)
    if isinstance(image, (str, bytes, bytearray, memoryview)):
        return _estimate_p009(pipe, url_or_bytes(image, "image"), SearchFilters.coerce(filters), wanted)
    if not isinstance(image, Sequence) or not image:
        raise InvalidInputError(f"image={shorten(image)} is not valid: expected a URL, JPG/PNG bytes, or a "
                                "list of them (the views of one product).")
    views = [url_or_bytes(v, f"image[{i}]") for i, v in enumerate(image)]
    opts = ImageSearchOptions.coerce(options)
    if len(views) <= codes.MULTI_IMAGE_MAX:
        return _estimate_newer(pipe, "image_multiple", "urls", views, opts, wanted)
    total = Estimate({})
    for view in views:
        total = total + _estimate_newer(pipe, "image_single", "url", [view], opts, wanted)
    return total


def _estimate_p009(pipe: Pipeline, target: str | bytes, filters: SearchFilters, wanted: int) -> Estimate:
    first_limit = min(wanted, codes.LIMIT_MAX)
    name = "url" if isinstance(target, str) else content_ref(target)
    params = {"url": target if isinstance(target, str) else name, **filters.to_params(), "limit": str(first_limit)}
    answer = _probe(pipe, "search", params=params)
    end = min(wanted, codes.OFFSET_MAX + codes.LIMIT_MAX)
    if answer is None:
        upload = int(isinstance(target, bytes) and pipe.kept.live_upload(target) is None)
        return Estimate({"upload": upload, "search": 1, "results": len(range(first_limit, end, codes.LIMIT_MAX))})
    first = parse_page(answer, ENDPOINTS["search"], search_id=None, offset=0, limit=first_limit, from_cache=True)
    pages = 0
    if len(first.hits) >= first_limit:
        for offset in range(first_limit, min(end, first.total), codes.LIMIT_MAX):
            page_offset = min(offset, codes.OFFSET_MAX)
            page = {"search_id": str(first.search_id), **filters.to_params(), "offset": str(page_offset),
                    "limit": str(min(codes.LIMIT_MAX, end - page_offset))}
            pages += _probe(pipe, "results", params=page) is None
    return Estimate({"upload": 0, "search": 0, "results": pages})


def _estimate_newer(pipe: Pipeline, name: str, field: str, views: list[str | bytes], options: ImageSearchOptions,
                    wanted: int) -> Estimate:
    names = [v if isinstance(v, str) else content_ref(v) for v in views]
    uploads = 0
    calls = 0
    for offset in range(0, min(wanted, codes.OFFSET_MAX + codes.LIMIT_MAX), codes.LIMIT_MAX):
        page_offset = min(offset, codes.OFFSET_MAX)
        body = {field: names[0] if field == "url" else names, **options.to_body(),
                "limit": min(codes.LIMIT_MAX, wanted - page_offset), "offset": page_offset}
        if _probe(pipe, name, json_body=body) is None:
            calls += 1
    if calls:
        uploads = sum(1 for v in views if isinstance(v, bytes) and pipe.kept.live_upload(v) is None)
    return Estimate({"upload": uploads, name: calls})


def estimate_lookup(pipe: Pipeline, given: str | Iterable[str], endpoints: Sequence[str]) -> Estimate:
    """The billed calls asking ``endpoints`` (of P011, P041, P012, P013) about ``given`` patent ids would make now.

    The same batches as the calls (:func:`~patsnap_pandas.api.endpoints.id_batches`): each batch the
    cache does not hold is one billed call (billed per patent it returns).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient
    >>> client = PatsnapClient.sandbox(corpus_size=60)
    >>> ids = [design.patent_id for design in client.sandbox_server.corpus.designs[:3]]
    >>> _ = client.legal_events(ids)
    >>> print(estimate_lookup(client._pipeline, ids, ["full_bibliography", "legal_events"]))
    1 billed call: 1 P012 bibliography batch
    >>> client.close()
    """
    names = [endpoints] if isinstance(endpoints, str) else list(endpoints)
    unknown = [name for name in names if name not in BY_ID]
    if unknown:
        raise InvalidInputError(f"endpoints={shorten(endpoints)} is not valid: {', '.join(map(repr, unknown))} "
                                f"is not asked by patent id. Allowed: a list of {', '.join(map(repr, BY_ID))}.")
    batches = id_batches(patent_ids(given))
    return Estimate({name: sum(_probe(pipe, name, params={"patent_id": batch}) is None for batch in batches)
                     for name in names})


def _probe(pipe: Pipeline, name: str, *, params: Mapping[str, str] | None = None, json_body: Any = None) -> Any:
    """The cached answer of a call the client would reuse, or None (nothing is sent)."""
    if not pipe.cached:
        return None
    method = "POST" if json_body is not None else "GET"
    answer, _ = pipe.kept.answer(name, method, params or {}, json_body)
    return answer

"""The shapes of the requests several endpoints share: P060/P061's JSON body naming images, P011/P041/P012/P013's
batches of ids, P069's number search.

:class:`~patsnap_pandas.api.client.PatsnapClient`'s endpoint methods check their arguments and
call these; each runs its calls through the client's :class:`~patsnap_pandas.api.pipeline.Pipeline`.

Examples
--------
>>> from patsnap_pandas import PatsnapClient
>>> client = PatsnapClient.sandbox(corpus_size=60)
>>> ids = [design.patent_id for design in client.sandbox_server.corpus.designs[:3]]
>>> [item["patent_id"] for item in in_batches(client._pipeline, "legal_status", ids[::-1])] == ids[::-1]
True
>>> client.close()
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from .. import codes
from .filters import check_limit, check_offset
from .image_params import ImageSearchOptions
from .inputs import patent_ids
from .models import ENDPOINTS, NumberPage, SearchPage, parse_items, parse_numbers, parse_page
from .pipeline import Pipeline

__all__ = ["image_search", "in_batches", "id_batches", "number_search", "BATCH_SIZE"]

BATCH_SIZE = codes.ID_BATCH_MAX  # P011 / P041 / P012 / P013: ids per call


def image_search(pipe: Pipeline, name: str, field: str, targets: list[str | bytes], options: Any, limit: int,
                  offset: int, refresh: bool) -> SearchPage:
    """P060 / P061: a JSON body naming the images by URL; images given as bytes are uploaded (unless cached).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> client = PatsnapClient.sandbox(corpus_size=60)
    >>> data = open(samples.image("armchair"), "rb").read()
    >>> page = image_search(client._pipeline, "image_single", "url", [data], {"model": 1}, 5, 0, False)
    >>> len(page.hits), len(page.urls), client.usage.requests["upload"]
    (5, 1, 1)
    >>> client.close()
    """
    options = ImageSearchOptions.coerce(options)
    limit, offset = check_limit(limit), check_offset(offset)
    images = [t for t in targets if isinstance(t, bytes)]

    def body(uploaded: list[str]) -> dict[str, Any]:
        given = iter(uploaded)
        urls = [t if isinstance(t, str) else next(given) for t in targets]
        return {"json_body": {field: urls[0] if field == "url" else urls, **options.to_body(), "limit": limit,
                              "offset": offset}}

    if images:
        data, from_cache, live = pipe.content_call(name, images, body, refresh)
        given = iter(live)
        urls = tuple(t if isinstance(t, str) else next(given) for t in targets)
    else:
        data, from_cache = pipe.call(name, method="POST", json_body=body([])["json_body"], refresh=refresh)
        urls = ()
    page = parse_page(data, ENDPOINTS[name], search_id="-", offset=offset, limit=limit, from_cache=from_cache)
    return dataclasses.replace(page, search_id=None, urls=urls)


def id_batches(ids: list[str]) -> list[str]:
    """The ``patent_id`` parameter of each call for ``ids``: sorted, 100 a call (the same ids: the same cacheable calls).

    Examples
    --------
    >>> id_batches(["p3", "p1", "p2"])
    ['p1,p2,p3']
    >>> [len(batch.split(",")) for batch in id_batches([f"p{i:03}" for i in range(250)])]
    [100, 100, 50]
    """
    ordered = sorted(ids)
    return [",".join(ordered[start:start + BATCH_SIZE]) for start in range(0, len(ordered), BATCH_SIZE)]


def in_batches(pipe: Pipeline, name: str, given: str | Iterable[str]) -> list[dict[str, Any]]:
    """P011 / P041 / P012 / P013: the items of ``given`` patent ids, asked in batches (:func:`id_batches`).

    Items come back in the order of ``given``; ids PatSnap does not know are absent.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient
    >>> client = PatsnapClient.sandbox(corpus_size=60)
    >>> design = client.sandbox_server.corpus.designs[0]
    >>> [item["pn"] for item in in_batches(client._pipeline, "bibliography", ["unknown", design.patent_id])] == [design.patent_pn]
    True
    >>> in_batches(client._pipeline, "bibliography", [])
    []
    >>> client.close()
    """
    ids = patent_ids(given)
    items: list[dict[str, Any]] = []
    for batch in id_batches(ids):
        data, _ = pipe.call(name, params={"patent_id": batch})
        items.extend(parse_items(data, ENDPOINTS[name]))
    rank: dict[Any, int] = {pid: i for i, pid in enumerate(ids)}
    return sorted(items, key=lambda item: rank.get(item.get("patent_id"), len(rank)))


def number_search(pipe: Pipeline, body: dict[str, Any], refresh: bool = False) -> NumberPage:
    """P069: one page of the records of known numbers (``body`` as :func:`~patsnap_pandas.api.inputs.number_query` makes it).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient
    >>> client = PatsnapClient.sandbox(corpus_size=60)
    >>> design = client.sandbox_server.corpus.designs[0]
    >>> page = number_search(client._pipeline, {"pn": [design.patent_pn], "limit": 10, "offset": 0})
    >>> page.total, page.records[0]["patent_id"] == design.patent_id
    (1, True)
    >>> client.close()
    """
    data, from_cache = pipe.call("number_search", method="POST", json_body=body, refresh=refresh)
    return parse_numbers(data, ENDPOINTS["number_search"], offset=body["offset"], limit=body["limit"],
                         from_cache=from_cache)

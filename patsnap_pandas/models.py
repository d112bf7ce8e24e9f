"""The records of PatSnap's answers (Hit, SearchPage, UploadedImage) and the envelope parsing.

Everything here is pure: bytes of an HTTP answer in, typed records or the right
:class:`~patsnap_pandas.errors.PatsnapError` out. The client calls it; the HTTP
cache asks :func:`is_success_envelope` whether an answer may be stored.

Examples
--------
>>> page = parse_page({"search_id": "s1", "total_search_result_count": 1, "patent_messages": [
...     {"patent_id": "p1", "patent_pn": "USD1S", "title": "Lamp", "score": 0.9, "url": None}]},
...     ENDPOINTS["search"], search_id=None, offset=0, limit=10, from_cache=False)
>>> page.total, page.hits[0].patent_pn
(1, 'USD1S')
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from . import codes
from .auth import TOKEN_PATH
from .errors import ResponseFormatError, error_for
from .http import redact

__all__ = ["ENDPOINTS", "MAX_RESPONSE_BYTES", "Estimate", "Hit", "SearchPage", "UploadedImage"]

#: Endpoint name -> API path.
ENDPOINTS: dict[str, str] = {
    "token": TOKEN_PATH,
    "upload": "/image-search/image-upload",
    "search": "/image-search/search-id",
    "results": "/image-search/results",
    "bibliography": "/basic-patent-data/simple-bibliography",
    "legal_status": "/basic-patent-data/simple-legal-status",
    "image_single": "/search/patent/image-single",  # P060 (JSON body)
    "image_multiple": "/search/patent/image-multiple",  # P061 (JSON body)
}

#: Answers larger than this are refused (100 hits or 100 bibliographies take well under 1 MB).
MAX_RESPONSE_BYTES = 16 * 2**20
_HIT_FIELDS = ("patent_id", "patent_pn", "title", "score", "url")
_TOTAL_KEYS = ("total_search_result_count", "total", "total_count", "count")


# --- typed records ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Hit:
    """One similar design of a P009 answer.

    ``extra`` holds every field PatSnap sent beyond the five documented ones
    (e.g. ``loc``, ``apdt``), unchanged.

    Examples
    --------
    >>> hit = Hit(patent_id="002853ca-7b58-4b11-8142-7525a466491e", patent_pn="HK04110995S",
    ...           title="智能手表", score=0.99, url="https://example.com/0.png", extra={"loc": ["10-02"]})
    >>> hit.to_dict()["loc"], hit.score
    (['10-02'], 0.99)
    """

    patent_id: str
    patent_pn: str | None
    title: str | None
    score: float | None
    url: str | None
    extra: dict[str, Any] = field(default_factory=dict, compare=True, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """Flat dict: the five fields, then the extra ones (which never override them).

        Examples
        --------
        >>> Hit("p1", "USD907292S", "Cartridge", 0.93, None, {"apdt": 20190220}).to_dict()
        {'patent_id': 'p1', 'patent_pn': 'USD907292S', 'title': 'Cartridge', 'score': 0.93, 'url': None, 'apdt': 20190220}
        """
        row = {name: getattr(self, name) for name in _HIT_FIELDS}
        row.update({k: v for k, v in self.extra.items() if k not in row})
        return row


@dataclass(frozen=True)
class SearchPage:
    """One page of a P009 search: the hits from ``offset`` on, and the total count.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> client = PatsnapClient.sandbox()
    >>> with open(samples.image("armchair"), "rb") as f:
    ...     url = client.upload_image(f.read(), "chair.png").url
    >>> page = client.create_search(url, limit=5)
    >>> len(page.hits), page.offset, page.limit, page.total, page.from_cache
    (5, 0, 5, 600, False)
    >>> client.close()
    """

    search_id: str | None  # None for P060/P061 (no search id: they page by offset)
    hits: tuple[Hit, ...]
    total: int
    offset: int
    limit: int
    from_cache: bool
    #: For a search by image bytes: the upload URL of each image searched, or None where the
    #: answer came from the cache and no upload of those bytes is alive (none was needed).
    urls: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class Estimate:
    """How many billed calls a search would make now, by endpoint (0 for what the cache holds).

    Examples
    --------
    >>> estimate = Estimate({"upload": 1, "search": 1, "results": 2})
    >>> estimate.total, str(estimate)
    (4, '4 billed calls: 1 upload, 1 search, 2 result pages')
    >>> str(estimate + Estimate({"search": 1})), str(Estimate({}))
    ('5 billed calls: 1 upload, 2 searches, 2 result pages', '0 billed calls: everything is cached')
    """

    calls: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def __add__(self, other: Estimate) -> Estimate:
        calls = dict(self.calls)
        for name, n in other.calls.items():
            calls[name] = calls.get(name, 0) + n
        return Estimate(calls)

    def __str__(self) -> str:
        parts = [_count(n, _CALL_WORDS.get(name, (name + " call", name + " calls")))
                 for name, n in self.calls.items() if n]
        if not parts:
            return "0 billed calls: everything is cached"
        return f"{_count(self.total, ('billed call', 'billed calls'))}: {', '.join(parts)}"


_CALL_WORDS = {"upload": ("upload", "uploads"), "search": ("search", "searches"),
               "results": ("result page", "result pages"), "image_single": ("P060 search", "P060 searches"),
               "image_multiple": ("P061 search", "P061 searches")}


def _count(n: int, words: tuple[str, str]) -> str:
    return f"{n} {words[0] if n == 1 else words[1]}"


@dataclass(frozen=True)
class UploadedImage:
    """A P010 upload: the public URL PatSnap serves the image at, until ``expires_at`` (UTC).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> client = PatsnapClient.sandbox()
    >>> with open(samples.image("armchair"), "rb") as f:
    ...     uploaded = client.upload_image(f.read(), "chair.png")
    >>> uploaded.url.startswith(client.base_url), uploaded.expires_at.tzname(), uploaded.from_cache
    (True, 'UTC', False)
    >>> client.close()
    """

    url: str
    expires_at: dt.datetime
    from_cache: bool


# --- envelope parsing ---------------------------------------------------------------------------

def _snippet(response: requests.Response) -> str:
    text = response.content[:2000].decode("utf-8", "replace")
    title = re.search(r"<title>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    if title:
        text = title.group(1)
    text = " ".join(text.split())
    return redact(text[:120] + ("..." if len(text) > 120 else ""))


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def brief(value: Any, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters: a bad value from the server never floods a message."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def decode(response: requests.Response, path: str) -> Any:
    """The JSON of ``response``; for a non-JSON or oversized answer, the right PatsnapError."""
    if len(response.content) > MAX_RESPONSE_BYTES:
        kind = response.headers.get("Content-Type", "no Content-Type").split(";")[0]
        raise ResponseFormatError(f"The answer is {len(response.content)} bytes ({kind}), larger than the "
                                  f"{MAX_RESPONSE_BYTES} bytes any PatSnap answer needs.", endpoint=path,
                                  http_status=response.status_code)
    try:
        return json.loads(response.content.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: absurdly nested JSON
        status = response.status_code
        kind = response.headers.get("Content-Type", "no Content-Type").split(";")[0]
        detail = f"({kind}: {_snippet(response)!r})"
        if status >= 400:
            raise error_for(None, f"HTTP {status} {response.reason or ''} without a PatSnap answer "
                            f"{detail}.", endpoint=path, http_status=status) from None
        raise ResponseFormatError(f"The answer is not valid JSON {detail}.", endpoint=path,
                                  http_status=status) from None


def raise_if_error(body: Any, response: requests.Response, path: str, *, token: bool = False) -> None:
    status = response.status_code
    if not isinstance(body, Mapping):
        if status >= 400:
            raise error_for(None, None, endpoint=path, http_status=status)
        raise ResponseFormatError(f"The answer is a JSON {type(body).__name__}, not an object.",
                                  endpoint=path, http_status=status)
    code = _as_int(body.get("error_code"))
    raw_status = body.get("status")
    failed_flag = raw_status is False or (isinstance(raw_status, str) and raw_status.lower() == "false")
    if token:  # the token answer has "status": "approved" and no error_code
        failed_flag = failed_flag and "token" not in body
    if status >= 400 or failed_flag or (code is not None and code != 0):
        message = body.get("error_msg") or body.get("message") or body.get("msg") or None
        if message is not None and not isinstance(message, str):
            message = json.dumps(message, ensure_ascii=False)[:200]
        raise error_for(code if code else None, redact(message) if message else None,
                        endpoint=path, http_status=status)
    if "error_code" in body and code is None:
        raise ResponseFormatError(f"error_code={body.get('error_code')!r} is not an integer.",
                                  endpoint=path, http_status=status)


def is_success_envelope(response: requests.Response) -> bool:
    """True for HTTP 200 with ``status`` true and ``error_code`` 0: the only answers cached."""
    if response.status_code != 200 or len(response.content) > MAX_RESPONSE_BYTES:
        return False
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    if not (isinstance(body, dict) and body.get("status") is True
            and _as_int(body.get("error_code")) == 0 and "data" in body):
        return False
    # A success envelope around data the parser refuses is not cached either: a retry must ask again.
    path = urlsplit(response.url or "").path
    data = body["data"]
    try:
        if path.endswith((ENDPOINTS["search"], ENDPOINTS["results"], ENDPOINTS["image_single"],
                          ENDPOINTS["image_multiple"])):
            parse_page(data, path, search_id="-", offset=0, limit=codes.LIMIT_MAX, from_cache=False)
        elif path.endswith((ENDPOINTS["bibliography"], ENDPOINTS["legal_status"])):
            return isinstance(data, list) and all(isinstance(item, Mapping) for item in data)
    except ResponseFormatError:
        return False
    return True


def parse_hit(item: Any, path: str) -> Hit:
    if not isinstance(item, Mapping):
        raise ResponseFormatError(f"A patent_messages item is a {type(item).__name__}, not an object.",
                                  endpoint=path)
    patent_id = item.get("patent_id")
    if not isinstance(patent_id, str) or not patent_id:
        raise ResponseFormatError(f"A hit has patent_id={brief(patent_id)}, not a non-empty string.",
                                  endpoint=path)
    shown = brief(patent_id)[1:-1]
    values: dict[str, Any] = {}
    for name in ("patent_pn", "title", "url"):
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            raise ResponseFormatError(f"Hit {shown}: {name}={brief(value)} is not a string.", endpoint=path)
        values[name] = value
    score = item.get("score")
    if score is not None:
        if isinstance(score, bool) or not isinstance(score, (int, float, str)):
            raise ResponseFormatError(f"Hit {shown}: score={brief(score)} is not a number.", endpoint=path)
        try:
            score = float(score)
        except ValueError:
            raise ResponseFormatError(f"Hit {shown}: score={brief(score)} is not a number.",
                                      endpoint=path) from None
        if math.isnan(score):
            score = None
    extra = {k: v for k, v in item.items() if k not in _HIT_FIELDS}
    return Hit(patent_id=patent_id, score=score, extra=extra, **values)


def parse_page(data: Any, path: str, *, search_id: str | None, offset: int, limit: int,
                from_cache: bool) -> SearchPage:
    if not isinstance(data, Mapping):
        raise ResponseFormatError(f"data is a {type(data).__name__}, not an object.", endpoint=path)
    items = data.get("patent_messages")
    null = items is None
    if null:
        items = []
    if not isinstance(items, list):
        raise ResponseFormatError(f"patent_messages is a {type(items).__name__}, not a list.",
                                  endpoint=path)
    hits = tuple(parse_hit(item, path) for item in items)
    sid = data.get("search_id")
    if sid is None:
        sid = search_id
    if not isinstance(sid, str) or not sid:
        raise ResponseFormatError(f"search_id={brief(sid)} is not a non-empty string.", endpoint=path)
    total = None
    for key in _TOTAL_KEYS:
        if key in data and data[key] is not None:
            total = _as_int(data[key])
            if total is None or total < 0:
                raise ResponseFormatError(f"{key}={brief(data[key])} is not a count.", endpoint=path)
            if null and total > offset:  # null may mean "none": not when the count says there are some
                raise ResponseFormatError(f"patent_messages is null but {key} is {total}.", endpoint=path)
            break
    if total is None:
        total = offset + len(hits)
    return SearchPage(search_id=sid, hits=hits, total=total, offset=offset, limit=limit,
                      from_cache=from_cache)

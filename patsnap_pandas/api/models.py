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
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from .. import codes
from .._validate import shorten
from ..errors import ResponseDataWarning, ResponseFormatError, error_for
from ..redaction import redact
from ..safe_text import XML_ILLEGAL, valid_score
from .auth import TOKEN_PATH

__all__ = ["BY_ID", "ENDPOINTS", "MAX_RESPONSE_BYTES", "Estimate", "Hit", "NumberPage", "SearchPage",
           "UploadedImage"]

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
    "full_bibliography": "/basic-patent-data/bibliography",  # P012: P011 + agents, examiners, exdt
    "legal_events": "/basic-patent-data/legal-status",  # P013: legal status with events
    "number_search": "/search/patent/patent-search-pn",  # P069 (JSON body): a known number -> its record
    "batch_create": codes.BATCH_CREATE_PATH,  # P062 create (JSON body): billed per query image, never retried
    "batch_result": codes.BATCH_RESULT_PATH,  # P062 result (JSON body): not billed; cached once finished
}
#: The endpoints asked by patent id in batches of 100 (P011, P041, P012, P013): ``data`` is a list of objects.
BY_ID: tuple[str, ...] = ("bibliography", "legal_status", "full_bibliography", "legal_events")

#: Answers larger than this are refused (100 hits or 100 bibliographies take well under 1 MB).
MAX_RESPONSE_BYTES = 16 * 2**20
_HIT_FIELDS = ("patent_id", "patent_pn", "title", "score", "url")
_TOTAL_KEYS = ("total_search_result_count", "total", "total_count", "count")
# Where a JSON text can hold what XML_ILLEGAL matches: a \u escape of a surrogate, of a control
# character or of U+FFFE/U+FFFF (raw controls are not valid JSON), or U+FFFE/U+FFFF written as is.
_MAYBE_ILLEGAL = re.compile(r"\\u(?:[dD][89a-fA-F]|00[01]|[fF]{3}[eEfF])|[\ufffe\uffff]")
# Keys whose value names the record a text belongs to (a hit, a bibliography), for the warnings.
_LABEL_KEYS = ("patent_pn", "pn", "patent_id")
_PLACES_SHOWN = 3


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
               "image_multiple": ("P061 search", "P061 searches"),
               "bibliography": ("P011 bibliography batch", "P011 bibliography batches"),
               "legal_status": ("P041 legal-status batch", "P041 legal-status batches"),
               "full_bibliography": ("P012 bibliography batch", "P012 bibliography batches"),
               "legal_events": ("P013 legal-status batch", "P013 legal-status batches"),
               "number_search": ("P069 number search", "P069 number searches"),
               "batch_create": ("P062 overnight query image", "P062 overnight query images")}


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


@dataclass(frozen=True)
class NumberPage:
    """A page of a P069 number search: the records found (as PatSnap sends them) and how many match in all.

    Each record is a dict with ``pn``, ``patent_id``, ``title``, ``apdt``, ``apno``, ``pbdt``
    (dates int ``YYYYMMDD``), ``inventor``, ``current_assignee``, ``original_assignee`` (names
    joined by ``"; "``), and any further field PatSnap adds.

    Examples
    --------
    >>> page = parse_numbers({"results": [{"pn": "USD907292S", "patent_id": "p1"}], "total": 1},
    ...                      ENDPOINTS["number_search"], offset=0, limit=10, from_cache=False)
    >>> page.total, page.records[0]["pn"]
    (1, 'USD907292S')
    """

    records: tuple[dict[str, Any], ...]
    total: int
    offset: int
    limit: int
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


def decode(response: requests.Response, path: str) -> Any:
    """The JSON of ``response``; for a non-JSON or oversized answer, the right PatsnapError."""
    if len(response.content) > MAX_RESPONSE_BYTES:
        kind = response.headers.get("Content-Type", "no Content-Type").split(";")[0]
        raise ResponseFormatError(f"The answer is {len(response.content)} bytes ({kind}), larger than the "
                                  f"{MAX_RESPONSE_BYTES} bytes any PatSnap answer needs.", endpoint=path,
                                  http_status=response.status_code)
    try:
        text = response.content.decode("utf-8-sig")
        body = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: absurdly nested JSON
        status = response.status_code
        kind = response.headers.get("Content-Type", "no Content-Type").split(";")[0]
        detail = f"({kind}: {_snippet(response)!r})"
        if status >= 400:
            raise error_for(None, f"HTTP {status} {response.reason or ''} without a PatSnap answer "
                            f"{detail}.", endpoint=path, http_status=status) from None
        raise ResponseFormatError(f"The answer is not valid JSON {detail}.", endpoint=path,
                                  http_status=status) from None
    if _MAYBE_ILLEGAL.search(text):
        body = clean_answer(body, path)
    return body


def clean_answer(body: Any, path: str) -> Any:
    """``body`` (decoded JSON) with every text (keys too) made :func:`~patsnap_pandas.safe_text.xml_safe`.

    Every answer passes through here when it is read (fresh or from the cache): a lone
    surrogate or an XML-illegal control character becomes U+FFFD, and one
    :class:`~patsnap_pandas.errors.ResponseDataWarning` per answer says how many and where.
    Containers are cleaned in place (they are the parser's own).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     body = clean_answer({"data": [{"patent_pn": "CN1S", "title": "\\u6905\\ud840"}]}, "/x")
    >>> body["data"][0]["title"], len(caught)
    ('\\u6905\\ufffd', 1)
    >>> print(caught[0].message)
    The answer of /x held 1 character that cannot be kept (half of a character, as in a text cut in the middle, or a control character): replaced by U+FFFD in title of CN1S.
    """
    found: list[tuple[int, str]] = []
    if isinstance(body, str):
        body = _clean_text(body, "the answer", found)
    else:
        _clean_containers(body, found)
    if found:
        count = sum(n for n, _ in found)
        places = [where for _, where in found]
        shown = ", ".join(places[:_PLACES_SHOWN]) + (f" and {len(places) - _PLACES_SHOWN} more"
                                                     if len(places) > _PLACES_SHOWN else "")
        warnings.warn(ResponseDataWarning(
            f"The answer of {path} held {count} character{'s' if count != 1 else ''} that cannot be kept (half of "
            "a character, as in a text cut in the middle, or a control character): replaced by U+FFFD in "
            f"{shown}."), stacklevel=3)
    return body


def _clean_text(text: str, where: str, found: list[tuple[int, str]]) -> str:
    """``text`` made XML-safe; its replacements noted in ``found`` as (count, where)."""
    cleaned, count = XML_ILLEGAL.subn("\ufffd", text)
    if count:
        found.append((count, where))
    return cleaned


def _label(node: Mapping[str, Any]) -> str | None:
    """The patent number (or id) a JSON object is about, cut and cleaned for a message."""
    for key in _LABEL_KEYS:
        value = node.get(key)
        if isinstance(value, str) and value:
            return shorten(XML_ILLEGAL.sub("\ufffd", value), 40)[1:-1]
    return None


def _clean_containers(body: Any, found: list[tuple[int, str]]) -> None:
    """Clean the texts of nested dicts and lists in place (iteratively: any depth json accepted)."""
    stack: list[tuple[Any, str, str | None]] = [(body, "", None)]
    while stack:
        node, where, label = stack.pop()
        if isinstance(node, dict):
            label = _label(node) or label
            _clean_keys(node, where, found)
            items: list[tuple[Any, Any]] = list(node.items())
        elif isinstance(node, list):
            items = list(enumerate(node))
        else:
            continue
        for key, value in items:
            place = f"{where}[{key}]" if isinstance(key, int) else (f"{where}.{key}" if where else str(key))
            if isinstance(value, str):
                name = where.rsplit(".", 1)[-1] if isinstance(key, int) else str(key)
                node[key] = _clean_text(value, f"{name} of {label}" if label else place, found)
            elif isinstance(value, (dict, list)):
                stack.append((value, place, label))


def _clean_keys(node: dict[Any, Any], where: str, found: list[tuple[int, str]]) -> None:
    """Clean the keys of one JSON object in place, keeping their order."""
    if not any(XML_ILLEGAL.search(key) for key in node):
        return
    items = [(_clean_text(key, f"a field name in {where or 'the answer'}", found), value)
             for key, value in node.items()]
    node.clear()
    node.update(items)


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
            parse_page(data, path, search_id="-", offset=0, limit=codes.LIMIT_MAX, from_cache=False, warn=False)
        elif path.endswith(tuple(ENDPOINTS[name] for name in BY_ID)):
            return isinstance(data, list) and all(isinstance(item, Mapping) for item in data)
        elif path.endswith(ENDPOINTS["batch_result"]):  # P062: a finished job's result only
            return isinstance(data, Mapping) and data.get("status") == "FINISHED" and \
                isinstance(data.get("search_result"), list)
        elif path.endswith(ENDPOINTS["number_search"]):
            parse_numbers(data, path, offset=0, limit=codes.NUMBER_SEARCH_LIMIT_MAX, from_cache=False)
    except ResponseFormatError:
        return False
    return True


def parse_hit(item: Any, path: str, rejected: list[str] | None = None) -> Hit:
    """One hit of a P009/P060/P061 answer; a score outside 0..1 becomes None, noted in ``rejected``."""
    if not isinstance(item, Mapping):
        raise ResponseFormatError(f"A patent_messages item is a {type(item).__name__}, not an object.",
                                  endpoint=path)
    patent_id = item.get("patent_id")
    if not isinstance(patent_id, str) or not patent_id:
        raise ResponseFormatError(f"A hit has patent_id={shorten(patent_id)}, not a non-empty string.",
                                  endpoint=path)
    shown = shorten(patent_id)[1:-1]
    values: dict[str, Any] = {}
    for name in ("patent_pn", "title", "url"):
        value = item.get(name)
        if value is not None and not isinstance(value, str):
            raise ResponseFormatError(f"Hit {shown}: {name}={shorten(value)} is not a string.", endpoint=path)
        values[name] = value
    sent = _score(item.get("score"), shown, path)
    score = None if sent is None or math.isnan(sent) else valid_score(sent)
    if score is None and sent is not None and not math.isnan(sent) and rejected is not None:
        name = shorten(values["patent_pn"] or patent_id, 40)[1:-1]
        rejected.append(f"{name} (score={shorten(item.get('score'), 30)})")
    extra = {k: v for k, v in item.items() if k not in _HIT_FIELDS}
    return Hit(patent_id=patent_id, score=score, extra=extra, **values)


def _score(value: Any, shown: str, path: str) -> float | None:
    """The score of a hit as sent, as a float (NaN and out-of-range values included), or None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ResponseFormatError(f"Hit {shown}: score={shorten(value)} is not a number.", endpoint=path)
    try:
        return float(value)
    except OverflowError:  # an integer beyond any float: a number, but no similarity
        return math.inf
    except ValueError:
        raise ResponseFormatError(f"Hit {shown}: score={shorten(value)} is not a number.",
                                  endpoint=path) from None


def _warn_scores(rejected: list[str], path: str) -> None:
    n = len(rejected)
    shown = ", ".join(rejected[:_PLACES_SHOWN]) + (f" and {n - _PLACES_SHOWN} more" if n > _PLACES_SHOWN else "")
    warnings.warn(ResponseDataWarning(
        f"{n} hit{'s' if n != 1 else ''} of the answer of {path} had a score that is not a similarity in 0..1, "
        f"kept as missing (NaN): {shown}."), stacklevel=3)


def parse_page(data: Any, path: str, *, search_id: str | None, offset: int, limit: int,
                from_cache: bool, warn: bool = True) -> SearchPage:
    """One page of hits; with ``warn``, one ResponseDataWarning names the hits whose score was refused."""
    if not isinstance(data, Mapping):
        raise ResponseFormatError(f"data is a {type(data).__name__}, not an object.", endpoint=path)
    items = data.get("patent_messages")
    null = items is None
    if null:
        items = []
    if not isinstance(items, list):
        raise ResponseFormatError(f"patent_messages is a {type(items).__name__}, not a list.",
                                  endpoint=path)
    rejected: list[str] = []
    hits = tuple(parse_hit(item, path, rejected) for item in items)
    sid = data.get("search_id")
    if sid is None:
        sid = search_id
    if not isinstance(sid, str) or not sid:
        raise ResponseFormatError(f"search_id={shorten(sid)} is not a non-empty string.", endpoint=path)
    total = None
    for key in _TOTAL_KEYS:
        if key in data and data[key] is not None:
            total = _as_int(data[key])
            if total is None or total < 0:
                raise ResponseFormatError(f"{key}={shorten(data[key])} is not a count.", endpoint=path)
            if null and total > offset:  # null may mean "none": not when the count says there are some
                raise ResponseFormatError(f"patent_messages is null but {key} is {total}.", endpoint=path)
            break
    if total is None:
        total = offset + len(hits)
    if rejected and warn:
        _warn_scores(rejected, path)
    return SearchPage(search_id=sid, hits=hits, total=total, offset=offset, limit=limit,
                      from_cache=from_cache)


def parse_items(data: Any, path: str) -> list[dict[str, Any]]:
    """The items of a P011/P041/P012/P013 answer: a list of objects, else ResponseFormatError.

    Examples
    --------
    >>> parse_items([{"patent_id": "p1"}], ENDPOINTS["legal_events"])
    [{'patent_id': 'p1'}]
    >>> parse_items({"patent_id": "p1"}, ENDPOINTS["legal_events"])
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.ResponseFormatError: [on /basic-patent-data/legal-status] data is a dict, not a list of objects. ...
    """
    if not isinstance(data, list) or not all(isinstance(item, Mapping) for item in data):
        raise ResponseFormatError(f"data is a {type(data).__name__}, not a list of objects.", endpoint=path)
    return [dict(item) for item in data]


def parse_numbers(data: Any, path: str, *, offset: int, limit: int, from_cache: bool) -> NumberPage:
    """A P069 answer (``{"results": [...], "total": n}``) as a :class:`NumberPage`; a malformed one raises.

    ``results`` null or absent is an empty page; ``total`` absent is the records counted from ``offset``.

    Examples
    --------
    >>> parse_numbers({"results": None}, ENDPOINTS["number_search"], offset=0, limit=10, from_cache=True).total
    0
    >>> parse_numbers({"results": [{"pn": 7}]}, ENDPOINTS["number_search"], offset=0, limit=10, from_cache=True)
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.ResponseFormatError: [on /search/patent/patent-search-pn] A result has pn=7, not a string. ...
    """
    if not isinstance(data, Mapping):
        raise ResponseFormatError(f"data is a {type(data).__name__}, not an object.", endpoint=path)
    records = data.get("results")
    records = [] if records is None else records
    if not isinstance(records, list) or not all(isinstance(r, Mapping) for r in records):
        raise ResponseFormatError(f"results is a {type(records).__name__}, not a list of objects.", endpoint=path)
    for record in records:
        for name in ("pn", "patent_id"):
            if not isinstance(record.get(name), str):
                raise ResponseFormatError(f"A result has {name}={shorten(record.get(name))}, not a string.",
                                          endpoint=path)
    total = data.get("total")
    count = offset + len(records) if total is None else _as_int(total)
    if count is None or count < 0:
        raise ResponseFormatError(f"total={shorten(total)} is not a count.", endpoint=path)
    return NumberPage(tuple(dict(r) for r in records), count, offset, limit, from_cache)

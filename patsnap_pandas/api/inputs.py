"""The checks of what the endpoints are given: image bytes, image URLs, patent ids, search ids.

Each raises before any call, naming the parameter, the value given and what is allowed
(:class:`~patsnap_pandas.errors.InvalidInputError`, :class:`~patsnap_pandas.errors.ImageInputError`).

Examples
--------
>>> check_url(" https://img.example/q.png ", "url")
'https://img.example/q.png'
>>> patent_ids("p1, p2,p1")
['p1', 'p2']
>>> image_bytes(b"GIF89a...", "data")
Traceback (most recent call last):
...
patsnap_pandas.errors.ImageInputError: data=<9 bytes starting b'GIF89a..'> is not valid: not a JPG or PNG file. ...
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .. import codes
from .._validate import check_int, invalid, shorten
from ..errors import ImageInputError, InvalidInputError
from ..imaging import image_mime

__all__ = ["image_bytes", "url_or_bytes", "check_url", "check_upload", "check_search_id", "check_views",
           "patent_ids", "upload_name", "check_authorities", "check_numbers", "number_query"]


def image_bytes(data: bytes, name: str) -> bytes:
    """JPG or PNG bytes of at most 4096 KB, else ImageInputError naming ``name``.

    Examples
    --------
    >>> image_bytes(b"", "data")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.ImageInputError: data=b'' is not valid: the image is empty. Allowed: JPG or PNG bytes.
    """
    if not data:
        raise ImageInputError(f"{name}=b'' is not valid: the image is empty. Allowed: JPG or PNG bytes.")
    if len(data) > codes.UPLOAD_MAX_BYTES:
        raise ImageInputError(f"{name}=<{len(data)} bytes> is not valid: larger than {codes.UPLOAD_MAX_BYTES} "
                              "bytes (4096 KB). Allowed: JPG or PNG up to 4096 KB; images.prepare_image() shrinks it.")
    if image_mime(data) is None:
        raise ImageInputError(f"{name}=<{len(data)} bytes starting {data[:8]!r}> is not valid: not a JPG or PNG "
                              "file. Allowed: JPG or PNG bytes (images.prepare_image() converts).")
    return data


def url_or_bytes(value: Any, name: str) -> str | bytes:
    """An image URL (checked) or JPG/PNG bytes (checked).

    Examples
    --------
    >>> url_or_bytes("https://img.example/q.png", "url")
    'https://img.example/q.png'
    >>> url_or_bytes(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(8), "urls[1]")[:4]
    b'\\x89PNG'
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        return image_bytes(bytes(value), name)
    return check_url(value, name)


def check_url(url: Any, name: str) -> str:
    """The http(s) URL of an image, stripped.

    Examples
    --------
    >>> check_url("query.png", "url")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: url='query.png' is not valid: expected the http(s) URL of a JPG or PNG image; ...
    """
    if not isinstance(url, str) or not re.match(r"^https?://\S+$", url.strip()):
        raise InvalidInputError(f"{name}={shorten(url)} is not valid: expected the http(s) URL of a JPG or "
                                "PNG image; upload a local image with upload_image() first.")
    return url.strip()


def check_upload(data: Any, filename: Any) -> tuple[bytes, str]:
    """(the bytes, their MIME type) of an upload of ``data`` named ``filename``.

    Examples
    --------
    >>> check_upload(bytearray(b"\\xff\\xd8\\xff\\xe0" + bytes(8)), "photo.jpg")[1]
    'image/jpeg'
    >>> check_upload(b"\\xff\\xd8\\xff\\xe0" + bytes(8), 'a"b.jpg')
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.ImageInputError: filename='a"b.jpg' is not valid: expected a file name such as 'query.png'.
    """
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise ImageInputError(f"data={type(data).__name__} is not valid: expected the bytes of a "
                              "JPG or PNG file (images.prepare_image() converts other inputs).")
    mime = image_mime(image_bytes(data, "data")) or "image/png"  # image_bytes refused anything else
    if not isinstance(filename, str) or not filename.strip() or any(c in filename for c in '"\r\n'):
        raise ImageInputError(f"filename={filename!r} is not valid: expected a file name such as "
                              "'query.png'.")
    return data, mime


def check_search_id(search_id: Any) -> str:
    """A search id as create_search() returned it, stripped.

    Examples
    --------
    >>> check_search_id(" 5f1c ")
    '5f1c'
    """
    if not isinstance(search_id, str) or not search_id.strip():
        raise InvalidInputError(f"search_id={search_id!r} is not valid: expected the search_id "
                                "string returned by create_search().")
    return search_id.strip()


def check_views(urls: Any) -> list[str | bytes]:
    """1 to 4 image URLs or bytes of one product (P061).

    Examples
    --------
    >>> check_views(["https://img.example/front.png", "https://img.example/side.png"])
    ['https://img.example/front.png', 'https://img.example/side.png']
    >>> check_views([])
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: urls has 0 URLs: not valid. Allowed: 1 to 4 images of one product; ...
    """
    if isinstance(urls, str) or not isinstance(urls, Sequence):
        raise InvalidInputError(f"urls={shorten(urls)} is not valid: expected a list of 1 to "
                                f"{codes.MULTI_IMAGE_MAX} image URLs.")
    if not 1 <= len(urls) <= codes.MULTI_IMAGE_MAX:
        raise InvalidInputError(
            f"urls has {len(urls)} URLs: not valid. Allowed: 1 to {codes.MULTI_IMAGE_MAX} images of one "
            "product; search_designs() fuses the results of more views on the client.")
    return [url_or_bytes(u, f"urls[{i}]") for i, u in enumerate(urls)]


def patent_ids(given: Any) -> list[str]:
    """Patent ids, stripped and without duplicates, from a comma-separated string or a list.

    Examples
    --------
    >>> patent_ids(["p2", " p1", "p2"])
    ['p2', 'p1']
    """
    allowed = "a patent id string or a list of them"
    if isinstance(given, str):
        values: list[Any] = given.split(",")
    elif isinstance(given, Iterable) and not isinstance(given, (bytes, Mapping)):
        values = list(given)
    else:
        raise InvalidInputError(f"patent_ids={given!r} is not valid: expected {allowed}.")
    result = []
    for value in values:
        if not isinstance(value, str) or not value.strip() or "," in value:
            raise InvalidInputError(f"patent_ids contains {value!r}, which is not a patent id. "
                                    f"Allowed: {allowed}.")
        result.append(value.strip())
    return list(dict.fromkeys(result))


def upload_name(data: bytes) -> str:
    """The file name an image is uploaded under in a search by its bytes.

    Examples
    --------
    >>> upload_name(b"\\x89PNG\\r\\n\\x1a\\n" + bytes(8)), upload_name(b"\\xff\\xd8\\xff\\xe0" + bytes(8))
    ('query.png', 'query.jpg')
    """
    return "query.png" if image_mime(data) == "image/png" else "query.jpg"


_AUTHORITIES_ALLOWED = ("authority codes such as 'US', 'EM' (EU designs; 'EU' is read as 'EM'), 'CN', as a list or a "
                        "comma-separated string (see codes.AUTHORITIES)")


def _listed(value: Any) -> list[Any] | None:
    """The items of a comma-separated string or a list; None when ``value`` is neither."""
    if isinstance(value, str):
        return value.split(",")
    if isinstance(value, Iterable) and not isinstance(value, (bytes, Mapping)):
        return list(value)
    return None


def check_authorities(value: Any, name: str) -> list[str]:
    """Authority codes (``codes.AUTHORITIES``), upper case, without duplicates; ``EU`` is read as ``EM``, ``DM`` as ``WO``.

    Examples
    --------
    >>> check_authorities("us, eu,CN", "markets")
    ['US', 'EM', 'CN']
    >>> check_authorities(["US", "XX"], "markets")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: markets=['US', 'XX'] is not valid: 'XX' is not an authority code. Allowed: authority codes such as 'US', 'EM' (EU designs; 'EU' is read as 'EM'), 'CN', ...
    """
    items = _listed(value)
    if not items:
        raise invalid(name, value, "no authority code given" if items == [] or isinstance(value, str)
                      else f"expected a list of codes, got {type(value).__name__}", _AUTHORITIES_ALLOWED)
    found = []
    for item in items:
        code = item.strip().upper() if isinstance(item, str) else None
        code = codes.AUTHORITY_ALIASES.get(code, code) if code else code
        if code not in codes.AUTHORITIES:
            raise invalid(name, value, f"{item!r} is not an authority code", _AUTHORITIES_ALLOWED)
        found.append(code)
    return list(dict.fromkeys(found))


def check_numbers(value: Any, name: str) -> list[str] | None:
    """Patent numbers (publication or application), stripped, from a comma-separated string or a list; None passes.

    Examples
    --------
    >>> check_numbers("USD907292S, CN305007919S", "pn")
    ['USD907292S', 'CN305007919S']
    >>> check_numbers(["USD907292S", ""], "pn")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: pn=['USD907292S', ''] is not valid: item 2 is '', not a number. Allowed: a number such as 'USD907292S' or a list of them.
    """
    if value is None:
        return None
    allowed = "a number such as 'USD907292S' or a list of them"
    items = _listed(value)
    if not items:
        raise invalid(name, value, "no number given" if items == [] or isinstance(value, str)
                      else f"expected a string or a list, got {type(value).__name__}", allowed)
    for i, item in enumerate(items, 1):
        if not isinstance(item, str) or not item.strip() or "," in item:
            raise invalid(name, value, f"item {i} is {shorten(item, 40)}, not a number", allowed)
    return list(dict.fromkeys(item.strip() for item in items))


def number_query(pn: Any, apno: Any, authority: Any, limit: Any, offset: Any) -> dict[str, Any]:
    """The JSON body of a P069 number search, every argument checked.

    Examples
    --------
    >>> number_query("USD907292S", None, "US", 10, 0)
    {'pn': ['USD907292S'], 'authority': ['US'], 'limit': 10, 'offset': 0}
    >>> number_query(None, None, None, 10, 0)
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: pn=None is not valid: give pn or apno. Allowed: the publication numbers (pn) or application numbers (apno) to look up.
    """
    numbers, applications = check_numbers(pn, "pn"), check_numbers(apno, "apno")
    if numbers is None and applications is None:
        raise invalid("pn", pn, "give pn or apno",
                      "the publication numbers (pn) or application numbers (apno) to look up")
    body: dict[str, Any] = {"pn": numbers, "apno": applications}
    body = {k: v for k, v in body.items() if v is not None}
    if authority is not None:
        body["authority"] = check_authorities(authority, "authority")
    body["limit"] = check_int(limit, "limit", 1, codes.NUMBER_SEARCH_LIMIT_MAX)
    body["offset"] = check_int(offset, "offset", 0)
    return body

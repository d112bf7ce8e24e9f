"""Small facts about answers and failures the steps of a call share: times, network errors.

Examples
--------
>>> never_connected(requests.ConnectionError("refused")), never_connected(requests.ConnectTimeout())
(False, True)
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import requests
import urllib3

from ..errors import PatsnapError, ServiceUnavailableError, ServiceUnreachableError
from ..redaction import redact

__all__ = ["utc", "never_connected", "network_error"]


def utc(epoch: float) -> dt.datetime:
    """Epoch seconds as an aware UTC datetime.

    Examples
    --------
    >>> utc(0).isoformat()
    '1970-01-01T00:00:00+00:00'
    """
    return dt.datetime.fromtimestamp(epoch, tz=dt.timezone.utc)


def never_connected(exc: BaseException) -> bool:
    """True when the request never reached the server: refused, the name did not resolve, the connect timed out.

    Examples
    --------
    >>> never_connected(requests.ConnectTimeout()), never_connected(requests.ReadTimeout())
    (True, False)
    """
    return _connection_refused(exc) or isinstance(exc, requests.ConnectTimeout)


def _connection_refused(exc: BaseException) -> bool:
    """True when no connection could be opened at all (refused, or the name did not resolve)."""
    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, (urllib3.exceptions.NewConnectionError, ConnectionRefusedError)):
            return True
        todo.extend([getattr(item, "reason", None), item.__cause__, item.__context__, *item.args])
    return False


def network_error(exc: requests.RequestException, base_url: str, path: str, max_retries: int) -> PatsnapError:
    """The error a request that failed on the network ends in, naming where it went (no query string, no secret).

    Examples
    --------
    >>> err = network_error(requests.ReadTimeout("read timed out (?apikey=my-id)"), "https://connect.patsnap.com",
    ...                     "/image-search/search-id", 5)
    >>> type(err).__name__, err.endpoint
    ('ServiceUnavailableError', '/image-search/search-id')
    >>> "my-id" in str(err)
    False
    """
    if _connection_refused(exc):
        return ServiceUnreachableError(
            f"The request to {base_url}{path} could not connect after {max_retries} retries "
            f"({type(exc).__name__}: {_short(redact(str(exc)))}).", endpoint=path)
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        what = "timed out" if isinstance(exc, requests.Timeout) else "could not connect or was cut off"
        return ServiceUnavailableError(
            f"The request to {base_url}{path} {what} after {max_retries} retries "
            f"({type(exc).__name__}: {_short(redact(str(exc)))}).", endpoint=path)
    return PatsnapError(f"The request to {base_url}{path} failed: {type(exc).__name__}: "
                        f"{_short(redact(str(exc)))}.", endpoint=path,
                        hint="Check the base URL and your network settings.")


def _short(text: str, limit: int = 300) -> str:
    text = re.sub(r"\?[^\s'\")]*", "?...", text)  # no query strings in messages
    return text if len(text) <= limit else text[:limit] + "..."

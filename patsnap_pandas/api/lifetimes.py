"""How long each endpoint's answers are kept in the HTTP cache, and reused.

Searches live ``result_max_age`` (default 7 days, :mod:`~patsnap_pandas.config`), bibliographies
(P011, P012) and number searches (P069) 30 days, legal statuses (P041, P013) 1 day, unless ``expire_after`` says otherwise; the token endpoint and
uploads are never cached (hit images outlive their 9 h URLs in the thumbnail store).

Examples
--------
>>> lifetimes(None, result_max_age=3600)["search"], lifetimes({"bibliography": 0}, 3600)["bibliography"]
(3600, 0.0)
>>> lifetimes({"token": 60}, 3600)
Traceback (most recent call last):
...
patsnap_pandas.errors.InvalidInputError: expire_after has key 'token': allowed keys are search, results, ...
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from requests_cache import DO_NOT_CACHE, NEVER_EXPIRE

from .._validate import check_number
from ..errors import InvalidInputError
from .models import ENDPOINTS

__all__ = ["SEARCHES", "DEFAULT_LIFETIMES", "lifetimes", "expire_patterns"]

_DAY = 86400
#: The searches, whose answers live ``result_max_age`` (default 7 days, :mod:`~patsnap_pandas.config`).
SEARCHES = ("search", "results", "image_single", "image_multiple", "batch_result")  # P062: a finished job's result
#: Default HTTP-cache lifetimes (seconds) of the other endpoints; the token endpoint and
#: uploads are never cached. Hit images outlive their 9 h URLs in the thumbnail store.
DEFAULT_LIFETIMES: dict[str, float] = {
    "bibliography": 30 * _DAY,
    "legal_status": 1 * _DAY,
    "full_bibliography": 30 * _DAY,  # P012: as P011
    "legal_events": 1 * _DAY,  # P013: as P041
    "number_search": 30 * _DAY,  # P069: a number's record, as P011
}


def lifetimes(expire_after: Any, result_max_age: float) -> dict[str, float]:
    """Seconds each cached endpoint's answers live, in endpoint order (0: not cached, -1: never expire).

    ``expire_after``: None (the defaults), seconds or a timedelta for every endpoint, or a dict of
    them per endpoint.

    Examples
    --------
    >>> found = lifetimes(None, result_max_age=604800)
    >>> found["search"], found["bibliography"], found["legal_status"]
    (604800, 2592000, 86400)
    >>> lifetimes(-5, 604800)["results"]              # any negative number: never expire
    -1
    """
    found: dict[str, float] = {name: result_max_age for name in SEARCHES}
    found.update(DEFAULT_LIFETIMES)
    found = {name: found[name] for name in ENDPOINTS if name in found}  # endpoint order
    if expire_after is None:
        return found
    if isinstance(expire_after, Mapping):
        for name, value in expire_after.items():
            if name not in found:
                raise InvalidInputError(
                    f"expire_after has key {name!r}: allowed keys are {', '.join(found)}.")
            found[name] = _check_lifetime(value)
        return found
    value = _check_lifetime(expire_after)
    return {name: value for name in found}


def _check_lifetime(value: Any) -> float:
    """Seconds; 0 means "do not cache", a negative number "never expire"."""
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    seconds = check_number(value, "expire_after", what="seconds (0: do not cache, -1: never expire), a timedelta, "
                           "or a dict of them per endpoint")
    return -1 if seconds < 0 else seconds


def expire_patterns(base_url: str, found: Mapping[str, float]) -> dict[str | re.Pattern[str], Any]:
    """requests-cache's ``urls_expire_after``: each endpoint's URL pattern -> its lifetime in requests-cache's spelling.

    Examples
    --------
    >>> patterns = expire_patterns("https://connect.patsnap.com", {"legal_status": 86400, "search": 0.5})
    >>> [str(value) for value in patterns.values()]
    ['1 day, 0:00:00', '0:00:00.500000']
    """
    return {re.compile("^" + re.escape(base_url + ENDPOINTS[name]) + r"(\?|$)"): _cache_lifetime(seconds)
            for name, seconds in found.items()}


def _cache_lifetime(seconds: float) -> Any:
    """requests-cache's spelling of a lifetime (it would truncate 0.5 s to "expire now")."""
    if seconds < 0:
        return NEVER_EXPIRE
    return DO_NOT_CACHE if seconds == 0 else dt.timedelta(seconds=seconds)

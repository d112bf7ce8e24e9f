"""The argument checks every layer shares: integers, flags, frames and columns.

Each raises :class:`~patsnap_pandas.errors.InvalidInputError` (a ``ValueError``), or
the subclass a caller passes (``FilterError`` for search filters), before any call is
made, with one message shape: the parameter, the value given, what was wrong, and
what is allowed::

    limit=500 is not valid: out of range. Allowed: an integer from 1 to 100.

pandas is imported only by the frame checks (which only the pandas layers call).

Examples
--------
>>> check_int(3, "columns", 1, 20)
3
>>> check_int(0, "columns", 1, 20)
Traceback (most recent call last):
...
patsnap_pandas.errors.InvalidInputError: columns=0 is not valid: out of range. Allowed: an integer from 1 to 20.
"""

from __future__ import annotations

import datetime as _dt
import numbers
import os
import re
import sys
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

from .errors import InvalidInputError, InvalidTypeError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["check_int", "check_optional_int", "check_flag", "check_date", "check_optional_date", "check_frame",
           "check_column", "invalid"]


def invalid(name: str, value: Any, problem: str, allowed: str,
            error: type[InvalidInputError] = InvalidInputError) -> InvalidInputError:
    """The error of a bad argument, in the one message shape (``value`` shown with ``repr``).

    Examples
    --------
    >>> print(invalid("kind", "pie", "unknown kind", "one of 'bar', 'hist', 'strip'"))
    kind='pie' is not valid: unknown kind. Allowed: one of 'bar', 'hist', 'strip'.
    """
    return error(f"{name}={value!r} is not valid: {problem}. Allowed: {allowed}.")


def check_int(value: Any, name: str, low: int, high: int | None = None, *,
              error: type[InvalidInputError] = InvalidInputError, too_high: str | None = None) -> int:
    """``value`` as an ``int`` in ``low..high`` (no upper bound when ``high`` is None).

    Booleans are refused; numpy integers are accepted. ``too_high`` replaces "out of
    range" when the value is above ``high`` (to say why there is a bound).

    Examples
    --------
    >>> import numpy as np
    >>> check_int(np.int64(8), "size", 8)
    8
    >>> check_int(True, "n", 1)
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: n=True is not valid: expected an integer, got bool. Allowed: an integer >= 1.
    """
    allowed = f"an integer >= {low}" if high is None else f"an integer from {low} to {high}"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise invalid(name, value, f"expected an integer, got {type(value).__name__}", allowed, error)
    number = int(value)
    if number < low or (high is not None and number > high):
        problem = too_high if too_high is not None and high is not None and number > high else "out of range"
        raise invalid(name, value, problem, allowed, error)
    return number


def check_optional_int(value: Any, name: str, low: int, high: int | None = None) -> int | None:
    """Like :func:`check_int`, and None passes (meaning "no limit").

    Examples
    --------
    >>> check_optional_int(None, "n", 1) is None
    True
    >>> check_optional_int(0, "n", 1)
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: n=0 is not valid: out of range. Allowed: None or an integer >= 1.
    """
    if value is None:
        return None
    try:
        return check_int(value, name, low, high)
    except InvalidInputError as exc:
        raise InvalidInputError(str(exc).replace(". Allowed: ", ". Allowed: None or ", 1)) from None


def check_flag(value: Any, name: str) -> bool:
    """``value`` if it is True or False.

    Examples
    --------
    >>> check_flag("yes", "thumbnails")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: thumbnails='yes' is not valid: expected True or False.
    """
    if not isinstance(value, bool):
        raise InvalidInputError(f"{name}={value!r} is not valid: expected True or False.")
    return value


DATE_ALLOWED = "a date, 'YYYY-MM-DD' or PatSnap's YYYYMMDD (an integer or text)"
_DATE_TEXT = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})(?:[T ].*)?")


def check_date(value: Any, name: str, earliest: _dt.date | None = None, latest: _dt.date | None = None) -> _dt.date:
    """``value`` as a ``datetime.date``: a date or datetime, ISO text or PatSnap's ``YYYYMMDD``.

    PatSnap sends dates as ``YYYYMMDD`` integers (``apdt``, ``pbdt``); a column of them
    with a gap holds floats, so an integral float is read like the integer. ISO text may
    carry a time (``2015-05-13T00:00:00``), which is dropped, as it is from a datetime.
    ``earliest`` and ``latest`` bound the date (inclusive).

    Examples
    --------
    >>> check_date(20150513, "filing_date"), check_date("2015-05-13", "filing_date")
    (datetime.date(2015, 5, 13), datetime.date(2015, 5, 13))
    >>> check_date("13/05/2015", "filing_date")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: filing_date='13/05/2015' is not valid: not a date in a known format. Allowed: a date, 'YYYY-MM-DD' or PatSnap's YYYYMMDD (an integer or text).
    """
    day = _as_date(value, name)
    if (earliest is not None and day < earliest) or (latest is not None and day > latest):
        low = earliest.isoformat() if earliest else "any date"
        high = latest.isoformat() if latest else "any later date"
        raise invalid(name, value, "out of range", f"a date from {low} to {high}")
    return day


def check_optional_date(value: Any, name: str, earliest: _dt.date | None = None,
                        latest: _dt.date | None = None) -> _dt.date | None:
    """Like :func:`check_date`, and a missing value passes as None: None, ``""``, NaN or NaT (gaps of a frame).

    Examples
    --------
    >>> check_optional_date(float("nan"), "grant_date") is None, check_optional_date(20170103.0, "grant_date")
    (True, datetime.date(2017, 1, 3))
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (float, _dt.datetime)) and value != value:  # NaN, and pandas.NaT (a datetime)
        return None
    return check_date(value, name, earliest, latest)


def _as_date(value: Any, name: str) -> _dt.date:
    if isinstance(value, _dt.datetime):  # also pandas.Timestamp
        if value != value:
            raise invalid(name, value, "a missing date (NaT)", DATE_ALLOWED)
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, numbers.Integral)):
        if value != value or not float(value).is_integer():
            raise invalid(name, value, "not a whole number in the form YYYYMMDD", DATE_ALLOWED)
        value = int(float(value))
    if isinstance(value, bool) or not isinstance(value, (str, numbers.Integral)):
        raise invalid(name, value, f"expected a date, got {type(value).__name__}", DATE_ALLOWED)
    text = str(value).strip()
    match = _DATE_TEXT.fullmatch(text)
    if not match or text[:10].count("-") not in (0, 2):
        raise invalid(name, value, "not a date in a known format", DATE_ALLOWED)
    try:
        return _dt.date(*(int(part) for part in match.groups()))
    except ValueError as exc:
        raise invalid(name, value, str(exc), DATE_ALLOWED) from None


def check_frame(df: Any, required: Iterable[str] = (), *, param: str = "df",
                made_by: str = "search_designs()") -> pd.DataFrame:
    """``df`` if it is a DataFrame holding every ``required`` column.

    Not a DataFrame: :class:`~patsnap_pandas.errors.InvalidTypeError` (also a ``TypeError``).

    Examples
    --------
    >>> import pandas as pd
    >>> check_frame(pd.DataFrame({"score": [0.5]}), ("score", "patent_pn"))
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: df is not a result frame: it lacks the columns ['patent_pn'] (expected a frame made by search_designs()).
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise InvalidTypeError(f"{param}={type(df).__name__} is not valid: expected a result frame "
                                f"made by {made_by}.")
    missing = [c for c in dict.fromkeys(required) if c not in df.columns]
    if missing:
        raise InvalidInputError(f"{param} is not a result frame: it lacks the columns {missing} "
                                f"(expected a frame made by {made_by}).")
    return df


def check_column(df: pd.DataFrame, column: Any, name: str, what: str = "the catalogue") -> Hashable:
    """``column`` if it names a column of ``df``.

    Examples
    --------
    >>> import pandas as pd
    >>> check_column(pd.DataFrame({"image": []}), "photo", "image_column")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: image_column='photo' is not a column of the catalogue; allowed: ['image'].
    """
    try:
        present = column in df.columns
    except TypeError:  # unhashable
        present = False
    if not present:
        raise InvalidInputError(f"{name}={column!r} is not a column of {what}; allowed: {list(df.columns)}.")
    return column


def shorten(value: Any, width: int = 80) -> str:
    """A value as an error message shows it: bytes, arrays and images by their shape, long text cut.

    Examples
    --------
    >>> shorten(b"abc"), shorten([1, 2])
    ("<3 bytes starting b'abc'>", '[1, 2]')
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        return f"<{len(data)} bytes{' starting ' + repr(data[:8]) if data else ''}>"
    np, pil = sys.modules.get("numpy"), sys.modules.get("PIL.Image")  # not loaded: not one of theirs
    if np is not None and isinstance(value, np.ndarray):
        return f"<numpy array shape={value.shape} dtype={value.dtype}>"
    if pil is not None and isinstance(value, pil.Image):
        return f"<PIL image mode={value.mode} size={value.width}x{value.height}>"
    if callable(getattr(value, "read", None)) and not isinstance(value, (str, os.PathLike)):
        name = getattr(value, "name", None)
        return f"<{type(value).__name__}{' ' + repr(name) if isinstance(name, str) else ''}>"
    text = repr(os.fspath(value) if isinstance(value, os.PathLike) else value)
    return text if len(text) <= width else text[: width - 20] + "..." + text[-17:]


def megabytes(n: int) -> str:
    """``n`` bytes as "1.5 MB" (messages)."""
    return f"{n / 2**20:.1f} MB"

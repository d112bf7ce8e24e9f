"""The argument checks every layer shares: numbers, durations, dates, choices, flags, frames, columns.

Each raises :class:`~patsnap_pandas.errors.InvalidInputError` (a ``ValueError``), or
the subclass a caller passes (``FilterError`` for search filters), before any call is
made, with one message shape: the parameter, the value given, what was wrong, and
what is allowed::

    limit=500 is not valid: out of range. Allowed: an integer from 1 to 100.

A check written by hand elsewhere in the package fails ``tests/meta/test_argument_checks.py``: use
(or add) a helper here. :func:`shorten` shows a value in a message (bytes, arrays and
images by their shape, long text cut). pandas is imported only by the frame checks
(which only the pandas layers call).

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
import math
import numbers
import os
import re
import sys
from collections.abc import Collection, Hashable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from .errors import FilterError, InvalidInputError, InvalidTypeError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["check_int", "check_optional_int", "check_number", "check_rate", "check_duration", "check_choice",
           "check_flag", "check_date", "check_optional_date", "check_frame", "check_column", "invalid", "one_of",
           "shorten", "megabytes", "check_output_path"]

#: Which bounds of a range are allowed themselves (pandas' ``Series.between`` words).
Inclusive = Literal["both", "neither", "left", "right"]


def invalid(name: str, value: Any, problem: str, allowed: str,
            error: type[InvalidInputError] = InvalidInputError, suggestion: str | None = None) -> InvalidInputError:
    """The error of a bad argument, in the one message shape (``value`` shown with ``repr``).

    A ``FilterError`` (``error=``) also says what it is about: ``params``, ``problem``
    and ``suggestion`` (the value probably meant, offered at the end of the message).

    Examples
    --------
    >>> print(invalid("kind", "pie", "unknown kind", "'bar', 'hist' or 'strip'"))
    kind='pie' is not valid: unknown kind. Allowed: 'bar', 'hist' or 'strip'.
    >>> print(invalid("order", "dsc", "unknown sort order", "'asc' or 'desc'", FilterError, "desc").params)
    ('order',)
    """
    message = f"{name}={value!r} is not valid: {problem}. Allowed: {allowed}."
    if suggestion:
        message += f" Did you mean {suggestion!r}?"
    if issubclass(error, FilterError):
        return error(message, params=(name,), problem=problem, suggestion=suggestion)
    return error(message)


def check_int(value: Any, name: str, low: int, high: int | None = None, *,
              error: type[InvalidInputError] = InvalidInputError, too_high: str | None = None,
              text: bool = False) -> int:
    """``value`` as an ``int`` in ``low..high`` (no upper bound when ``high`` is None).

    Booleans are refused; numpy integers are accepted. ``too_high`` replaces "out of
    range" when the value is above ``high`` (to say why there is a bound). With ``text``,
    the digits of an integer written as text (an environment variable) are accepted too.

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
    given = value
    if text and isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise invalid(name, given, "not an integer", allowed, error) from None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise invalid(name, given, f"expected an integer, got {type(value).__name__}", allowed, error)
    number = int(value)
    if number < low or (high is not None and number > high):
        problem = too_high if too_high is not None and high is not None and number > high else "out of range"
        raise invalid(name, given, problem, allowed, error)
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


def _bounds(minimum: float | None, maximum: float | None, inclusive: Inclusive) -> str:
    """``"> 0"``, ``"from 0.1 to 3600"``, ``"> 0 and <= 1"``: the range in words ("" when unbounded)."""
    low_in, high_in = inclusive in ("both", "left"), inclusive in ("both", "right")
    if minimum is not None and maximum is not None and low_in and high_in:
        return f"from {minimum:g} to {maximum:g}"
    parts = []
    if minimum is not None:
        parts.append(f"{'>=' if low_in else '>'} {minimum:g}")
    if maximum is not None:
        parts.append(f"{'<=' if high_in else '<'} {maximum:g}")
    return " and ".join(parts)


def _in_range(number: float, minimum: float | None, maximum: float | None, inclusive: Inclusive) -> bool:
    low_in, high_in = inclusive in ("both", "left"), inclusive in ("both", "right")
    above = minimum is None or number > minimum or (low_in and number == minimum)
    below = maximum is None or number < maximum or (high_in and number == maximum)
    return above and below


def _number_problem(value: Any, minimum: float | None, maximum: float | None, inclusive: Inclusive) -> str:
    """What is wrong with ``value`` as a number in the range ("" when nothing is)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return f"expected a number, got {type(value).__name__}"
    number = float(value)
    if math.isnan(number):
        return "not a number (NaN)"
    if math.isinf(number):
        return "not a finite number"
    return "" if _in_range(number, minimum, maximum, inclusive) else "out of range"


@overload
def check_number(value: Any, name: str, *, minimum: float | None = ..., maximum: float | None = ...,
                 inclusive: Inclusive = ..., allow_none: Literal[False] = ..., what: str = ...,
                 text: bool = ..., error: type[InvalidInputError] = ...) -> float: ...


@overload
def check_number(value: Any, name: str, *, minimum: float | None = ..., maximum: float | None = ...,
                 inclusive: Inclusive = ..., allow_none: bool, what: str = ...,
                 text: bool = ..., error: type[InvalidInputError] = ...) -> float | None: ...


def check_number(value: Any, name: str, *, minimum: float | None = None, maximum: float | None = None,
                 inclusive: Inclusive = "both", allow_none: bool = False, what: str = "a number",
                 text: bool = False, error: type[InvalidInputError] = InvalidInputError) -> float | None:
    """``value`` as a finite ``float`` between ``minimum`` and ``maximum`` (None: unbounded).

    ``inclusive`` says which bounds are allowed themselves: ``"both"`` (the default),
    ``"neither"``, ``"left"`` or ``"right"``. Booleans, NaN and infinities are refused;
    numpy numbers are accepted. With ``allow_none``, None passes (meaning "no limit").
    ``what`` names the kind of number in the message (``"a number of seconds"``). With
    ``text``, a number written as text (an environment variable) is accepted too.

    Examples
    --------
    >>> check_number(2, "timeout", minimum=0, inclusive="neither")
    2.0
    >>> check_number(0, "timeout", minimum=0, inclusive="neither", what="a number of seconds")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: timeout=0 is not valid: out of range. Allowed: a number of seconds > 0.
    >>> check_number(float("nan"), "ratio", minimum=0, maximum=1, allow_none=True)
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: ratio=nan is not valid: not a number (NaN). Allowed: None or a number from 0 to 1.
    """
    if value is None and allow_none:
        return None
    bounds = _bounds(minimum, maximum, inclusive)
    allowed = ("None or " if allow_none else "") + (f"{what} {bounds}" if bounds else what)
    number = value
    if text and isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise invalid(name, value, "not a number", allowed, error) from None
    problem = _number_problem(number, minimum, maximum, inclusive)
    if problem:
        raise invalid(name, value, problem, allowed, error)
    return float(number)


@overload
def check_rate(value: Any, name: str, *, allow_none: Literal[True] = ..., text: bool = ...) -> float | None: ...


@overload
def check_rate(value: Any, name: str, *, allow_none: Literal[False], text: bool = ...) -> float: ...


def check_rate(value: Any, name: str, *, allow_none: bool = True, text: bool = False) -> float | None:
    """A rate limit: None (no limit) or a finite number of calls per second > 0.

    Examples
    --------
    >>> check_rate(None, "rate_limit") is None, check_rate(2, "rate_limit")
    (True, 2.0)
    >>> check_rate(0, "rate_limit")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: rate_limit=0 is not valid: out of range. Allowed: None or a number of calls per second > 0.
    """
    return check_number(value, name, minimum=0, inclusive="neither", allow_none=allow_none, text=text,
                        what="a number of calls per second")


#: The units of a duration written as text: ``"90s"``, ``"30m"``, ``"12h"``, ``"7d"``.
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def check_duration(value: Any, name: str, *, minimum: float = 0, inclusive: Inclusive = "neither") -> float:
    """Seconds from a number, a ``timedelta``, or text: ``"3600"``, ``"90s"``, ``"30m"``, ``"12h"``, ``"7d"``.

    The seconds must be finite and above ``minimum`` (> 0 by default; ``inclusive="left"``
    allows ``minimum`` itself). Text is what an environment variable holds.

    Examples
    --------
    >>> import datetime as dt
    >>> check_duration("7d", "result_max_age"), check_duration(dt.timedelta(minutes=30), "result_max_age")
    (604800.0, 1800.0)
    >>> check_duration("soon", "result_max_age")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: result_max_age='soon' is not valid: not a duration. Allowed: a number of seconds > 0, a timedelta, or text such as '90s', '30m', '12h', '7d'.
    """
    allowed = (f"a number of seconds {_bounds(minimum, None, inclusive)}, a timedelta, "
               "or text such as '90s', '30m', '12h', '7d'")
    seconds: Any = value
    if isinstance(value, _dt.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, str):
        text = value.strip()
        unit = DURATION_UNITS.get(text[-1:].lower(), 0)
        try:
            seconds = float(text[:-1] if unit else text) * (unit or 1)
        except ValueError:
            raise invalid(name, value, "not a duration", allowed) from None
    problem = _number_problem(seconds, minimum, None, inclusive)
    if problem:
        raise invalid(name, value, problem, allowed)
    return float(seconds)


def one_of(allowed: Iterable[Any], *, none: bool = False) -> str:
    """The choices in words, each shown with ``repr``: ``"'day' or 'month'"``, ``"'a', 'b' or 'c'"``.

    Examples
    --------
    >>> one_of(("bar", "hist", "strip")), one_of(["html"], none=True)
    ("'bar', 'hist' or 'strip'", "'html' or None")
    """
    items = [repr(choice) for choice in allowed] + (["None"] if none else [])
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _same_choice(value: Any, choice: Any) -> bool:
    """``value == choice``, where True is not 1 and 5.0 is not the integer choice 5."""
    if isinstance(value, bool) != isinstance(choice, bool):
        return False
    if isinstance(choice, numbers.Integral) and not isinstance(value, numbers.Integral):
        return False
    try:
        return bool(value == choice)
    except (TypeError, ValueError):  # e.g. an array: no single truth value
        return False


def check_choice(value: Any, name: str, allowed: Collection[Any], *, what: str | None = None,
                 shown: str | None = None, allow_none: bool = False,
                 error: type[InvalidInputError] = InvalidInputError) -> Any:
    """``value`` if it is one of ``allowed`` (the choice itself: ``5`` for ``numpy.int64(5)``).

    ``what`` names the kind of value (default: ``name``) in "unknown <what>"; ``shown``
    replaces the list of choices in the message. With ``allow_none``, None passes.

    Examples
    --------
    >>> check_choice("hist", "kind", ("bar", "hist", "strip"))
    'hist'
    >>> check_choice("pie", "kind", ("bar", "hist", "strip"))
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: kind='pie' is not valid: unknown kind. Allowed: 'bar', 'hist' or 'strip'.
    """
    if value is None and allow_none:
        return None
    for choice in allowed:
        if _same_choice(value, choice):
            return choice
    described = shown if shown is not None else one_of(allowed, none=allow_none)
    raise invalid(name, value, f"unknown {what or name.replace('_', ' ')}", described, error)


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
    >>> print(shorten("chair-" * 20 + ".png", width=40))         # at most ``width`` characters
    'chair-chair-chair-chair-...-chair-.png'
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
    if len(text) <= width:
        return text
    tail = min(17, (width - 3) // 3)  # the end shows the quote and a file's suffix
    return text[: width - 3 - tail] + "..." + text[len(text) - tail:]


def megabytes(n: int) -> str:
    """``n`` bytes as "1.5 MB" (messages)."""
    return f"{n / 2**20:.1f} MB"


#: The longest reviewer name a mark keeps.
MAX_REVIEWER_CHARS = 80


def check_reviewer(value: Any, name: str = "by") -> str:
    """A reviewer's name as a mark records it: text of 1 to 80 printable characters, spaces collapsed.

    Examples
    --------
    >>> check_reviewer("  A.  Analyst ")
    'A. Analyst'
    >>> check_reviewer("")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: by='' is not valid: empty. Allowed: a name of 1 to 80 printable characters, e.g. 'A. Analyst' or a login name.
    """
    allowed = f"a name of 1 to {MAX_REVIEWER_CHARS} printable characters, e.g. 'A. Analyst' or a login name"
    if not isinstance(value, str):
        raise invalid(name, value, f"expected text, got {type(value).__name__}", allowed)
    text = " ".join(value.split())
    if not text:
        raise invalid(name, value, "empty", allowed)
    if len(text) > MAX_REVIEWER_CHARS:
        raise invalid(name, value, f"{len(text)} characters", allowed)
    if not text.isprintable():
        raise invalid(name, value, "holds a control character", allowed)
    return text


#: The files the package writes, by suffix: a report written under another format's suffix would not open.
_FORMATS = {".html": "HTML", ".htm": "HTML", ".pdf": "PDF", ".docx": "Word", ".doc": "Word", ".xlsx": "Excel",
            ".xls": "Excel", ".csv": "CSV", ".json": "JSON", ".parquet": "Parquet", ".png": "PNG"}


def check_output_path(value: Any, name: str, suffixes: tuple[str, ...]) -> Path:
    """``value`` as a Path to write a file of the format of ``suffixes`` (the first is the usual one).

    A path ending in the suffix of another format is refused (a Word file named ``.pdf`` would
    not open); a path without a suffix, or with one the package does not write, is accepted.

    Examples
    --------
    >>> check_output_path("chairs.docx", "path", (".docx",)).name
    'chairs.docx'
    >>> check_output_path("chairs.pdf", "path", (".docx",))
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: path='chairs.pdf' is not valid: a Word file named .pdf would not open as PDF. Allowed: a path ending in .docx.
    """
    if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
        raise invalid(name, value, "not a file path", f"a path ending in {suffixes[0]}")
    path = Path(value)
    suffix = path.suffix.lower()
    if suffix in _FORMATS and suffix not in suffixes:
        raise invalid(name, str(value), f"a {_FORMATS[suffixes[0]]} file named {suffix} would not open as "
                      f"{_FORMATS[suffix]}", f"a path ending in {' or '.join(suffixes)}")
    return path

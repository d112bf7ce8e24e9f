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

import numbers
import os
import sys
from collections.abc import Hashable, Iterable
from typing import TYPE_CHECKING, Any

from .errors import InvalidInputError, InvalidTypeError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["check_int", "check_optional_int", "check_flag", "check_frame", "check_column", "invalid"]


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

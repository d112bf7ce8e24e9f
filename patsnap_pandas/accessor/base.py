"""What every ``df.patsnap`` verb stands on: the frame, the check that it is a search result holding the columns
a verb needs, the thumbnails of its rows and the check of an output path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InvalidInputError

__all__ = ["AccessorBase", "check_path", "thumbnails_of"]

# A frame with none of these is not a search result at all.
_RESULT_MARKERS: tuple[str, ...] = ("patent_id", "patent_pn", "score")


class AccessorBase:
    """The frame behind ``df.patsnap`` and the column check of its verbs.

    Examples
    --------
    >>> import pandas as pd
    >>> AccessorBase(pd.DataFrame({"score": [0.5]}))._need("top", "score").shape
    (1, 1)
    """

    def __init__(self, pandas_obj: pd.DataFrame) -> None:
        self._obj = pandas_obj

    def _need(self, method: str, *columns: str) -> pd.DataFrame:
        """The frame, if it is a search result holding ``columns``; else AttributeError / ValueError."""
        df = self._obj
        if not any(c in df.columns for c in _RESULT_MARKERS):
            raise AttributeError(
                f"df.patsnap.{method}() works on design-search results (frames made by search_designs() "
                f"or search_each()); this frame has none of their columns {list(_RESULT_MARKERS)}. "
                "To search the images in one of its columns use df.patsnap.search_each(column).")
        missing = [c for c in dict.fromkeys(columns) if c not in df.columns]
        if missing:
            raise InvalidInputError(f"df.patsnap.{method}() needs the column(s) {missing}, which this frame lacks; "
                                    f"it has {list(map(str, df.columns))}")
        return df


def thumbnails_of(df: pd.DataFrame) -> list[bytes | None]:
    """One thumbnail per row from the store; None for rows that are not hits.

    Examples
    --------
    >>> import pandas as pd
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> with PatsnapClient.sandbox() as client:
    ...     hits = search_designs(samples.image("armchair"), client=client, limit=2)
    ...     images = thumbnails_of(pd.concat([hits, pd.DataFrame({"status": ["no_hits"]})], ignore_index=True))
    >>> [image[:4] if image else image for image in images]
    [b'\x89PNG', b'\x89PNG', None]
    """
    from ..jobs.images import load_row_thumbnails

    return load_row_thumbnails(df)


def check_path(path: Any) -> Path:
    """``path`` as a Path whose folder exists; else InvalidInputError naming it.

    Examples
    --------
    >>> check_path("report.html").name
    'report.html'
    >>> check_path("no-such-folder/report.html")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: path='no-such-folder/report.html' is not valid: the folder 'no-such-folder' does not exist
    """
    try:
        target = Path(path)
    except TypeError:
        raise InvalidInputError(f"path={path!r} is not valid: expected a file path (str or Path)") from None
    if not target.parent.is_dir():
        raise InvalidInputError(f"path={str(path)!r} is not valid: the folder {str(target.parent)!r} does not exist")
    return target

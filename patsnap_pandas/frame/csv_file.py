"""A frame written as a CSV file that a spreadsheet opens safely: no cell runs as a formula.

The cell rule is :func:`patsnap_pandas.safe_text.neutralise_formula`; this module applies it
to a DataFrame (:func:`csv_safe`) and writes it with every text cell quoted (:func:`write_csv`).
"""

from __future__ import annotations

import csv
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas loads only when a frame is written: the command line starts fast
    import pandas as pd

from ..safe_text import neutralise_formula

__all__ = ["csv_safe", "write_csv"]


def csv_safe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and column names) are neutralised for a spreadsheet.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"title": ["@SUM(1+1)*cmd|' /C calc'!A0", "Lamp"], "score": [-0.5, 0.9]})
    >>> csv_safe(df)["title"].tolist(), csv_safe(df)["score"].tolist()
    (["'@SUM(1+1)*cmd|' /C calc'!A0", 'Lamp'], [-0.5, 0.9])
    """
    import pandas as pd

    out = df.copy()
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            out.isetitem(i, column.map(neutralise_formula).astype(object))
    out.columns = [neutralise_formula(name) for name in out.columns]
    return out


def write_csv(df: pd.DataFrame, path: Any) -> None:
    """Write ``df`` as a CSV file a spreadsheet opens safely: :func:`csv_safe` cells, every text cell
    quoted (so a carriage return inside a title cannot start a new row).

    Examples
    --------
    >>> import pandas as pd
    >>> write_csv(pd.DataFrame({"title": ["=1+1", "Lamp\\rshade"], "score": [0.9, 0.8]}), "hits.csv")
    >>> print(open("hits.csv", newline="").read().replace("\\r", "<CR>"))
    "title","score"
    "'=1+1",0.9
    "Lamp<CR>shade",0.8
    <BLANKLINE>
    """
    csv_safe(df).to_csv(path, index=False, quoting=csv.QUOTE_NONNUMERIC)

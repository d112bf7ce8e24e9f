"""Text from the API made safe for where it goes: spreadsheet cells and terminals.

* :func:`neutralise_formula`: a cell that a spreadsheet would run as a formula (it
  begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, as OWASP's
  "CSV injection" page lists) gets a leading apostrophe, so it shows as text.
* :func:`csv_safe`: a frame with every text cell neutralised, for ``to_csv``.
* :func:`terminal_safe`: control characters (escape sequences) and bidirectional
  overrides (which reorder what a terminal shows, e.g. U+202E) replaced by U+FFFD.
"""

from __future__ import annotations

import csv
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas loads only when a frame is written: the command line starts fast
    import pandas as pd

__all__ = ["FORMULA_PREFIXES", "neutralise_formula", "csv_safe", "write_csv", "terminal_safe"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

# C0/C1 controls, and the bidi embeddings, overrides, isolates and marks (U+061C, U+200E/F,
# U+202A-U+202E, U+2066-U+2069).
_UNSAFE_FOR_TERMINALS = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def neutralise_formula(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula.

    Anything else (numbers, missing values, harmless text) comes back unchanged.

    Examples
    --------
    >>> neutralise_formula('=HYPERLINK("http://x.example","Click")')
    '\\'=HYPERLINK("http://x.example","Click")'
    >>> neutralise_formula("-2+3+cmd|' /C calc'!A0"), neutralise_formula("Chair"), neutralise_formula(-2)
    ("'-2+3+cmd|' /C calc'!A0", 'Chair', -2)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


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


def terminal_safe(text: str) -> str:
    """``text`` with terminal control characters and bidi overrides replaced by U+FFFD.

    Examples
    --------
    >>> terminal_safe("Chair\\u202etxt.exe"), terminal_safe("Lamp\\x1b[31m red")
    ('Chair\\ufffdtxt.exe', 'Lamp\\ufffd[31m red')
    """
    return _UNSAFE_FOR_TERMINALS.sub("\ufffd", text)

"""Reading counsel's marks back: from the Excel report, a CSV or a parquet file, within bounds
(a Word report: :mod:`.triage_docx`).

The Excel report has a drop-down on the relevance column: counsel marks there, and
:func:`read_triage` reads the marks and notes back (then
:func:`patsnap_pandas.frame.marks.apply_triage` merges them into the frame by patent number).
A file from outside may be hostile: it is checked before it is loaded (its kind by content,
a workbook's zip before anything is decompressed, the rows and cells of its sheet as it
streams) and refused past the limits (:data:`MAX_TRIAGE_ROWS`, :data:`MAX_TRIAGE_CELLS`,
:data:`MAX_TRIAGE_BYTES`); formulas are reported, not evaluated.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._extras import require
from .._validate import check_int, megabytes
from ..errors import InvalidInputError
from .marks import mark_time, normalise_relevance
from .schema import MARK_COLUMNS

__all__ = ["MAX_COMPRESSION_RATIO", "MAX_TRIAGE_BYTES", "MAX_TRIAGE_CELLS", "MAX_TRIAGE_ROWS", "MAX_XLSX_MEMBERS",
           "TRIAGE_SUFFIXES", "TriageWarning", "read_triage"]

#: File types :func:`read_triage` reads.
TRIAGE_SUFFIXES: tuple[str, ...] = (".xlsx", ".csv", ".parquet", ".docx")
#: Rows :func:`read_triage` reads at most (``max_rows=`` raises it): a batch of 1,000 products x 100 hits has 100,000.
MAX_TRIAGE_ROWS = 200_000
#: Cells (rows x columns) of a sheet or CSV :func:`read_triage` reads at most (``max_cells=`` raises it).
MAX_TRIAGE_CELLS = 5_000_000
#: Bytes a workbook may take once uncompressed (images left out: they are never read), or a CSV on disk
#: (``max_bytes=`` raises it).
MAX_TRIAGE_BYTES = 256 * 2**20
#: A workbook part of more than 1 MiB compressed more than this many times is refused as a zip bomb
#: (the parts of a real report compress 2 to 20 times).
MAX_COMPRESSION_RATIO = 200
#: Files in a workbook's zip at most (a report holds one per thumbnail, plus about 20).
MAX_XLSX_MEMBERS = 250_000
_EXCEL_MAX_COLUMNS = 16_384  # column XFD: no valid sheet has more
_HEADERS = {"number": "patent_pn", "patent_pn": "patent_pn", "relevance": "relevance", "note": "note",
            "query": "query", "product": "query", "marked by": "marked_by", "marked_by": "marked_by", "marked at (utc)": "marked_at",
            "marked at": "marked_at", "marked_at": "marked_at"}
_HEADER_WORDS = {"patent_pn": "Number", "relevance": "Relevance", "note": "Note", "query": "Query",
                 "marked_by": "Marked by", "marked_at": "Marked at (UTC)"}


class TriageWarning(UserWarning):
    """:func:`read_triage` left rows out (an Excel formula) or found a hit marked differently in several rows.

    Examples
    --------
    >>> import pandas as pd, warnings
    >>> pd.DataFrame({"patent_pn": ["USD1S", "USD1S"], "relevance": ["relevant", "not relevant"]}).to_csv(
    ...     "twice.csv", index=False)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     marks = read_triage("twice.csv")
    >>> caught[0].category.__name__, marks.attrs["triage_report"]["conflicts"][0]["rows"]
    ('TriageWarning', [2, 3])
    """


@dataclass(frozen=True)
class _Limits:
    rows: int
    cells: int
    bytes: int


@dataclass
class _Table:
    """What a reader kept: the wanted columns by their frame names, the file's row number of each row,
    and the rows left out for a formula."""

    columns: dict[str, list[Any]]
    rows: list[int]
    formulas: list[dict[str, Any]] = field(default_factory=list)


def read_triage(path: str | Path, *, max_rows: int = MAX_TRIAGE_ROWS, max_cells: int = MAX_TRIAGE_CELLS,
                max_bytes: int = MAX_TRIAGE_BYTES) -> pd.DataFrame:
    """Read marks and notes back from an Excel or Word report, a CSV or a parquet file.

    The file is checked before it is loaded (a file from outside may be hostile): its
    kind by content (a CSV or a web page named ``.xlsx`` is refused, saying what it is),
    a workbook's uncompressed size and compression ratios (a zip bomb is refused
    before anything is decompressed), and the rows and cells of its sheet (the sheet
    is streamed, never held whole). Rows whose Number, Relevance, Note or Query cell
    holds an Excel formula are left out, and patents marked differently in several
    rows are kept as they are; both are reported with a :class:`TriageWarning` and in
    ``attrs["triage_report"]`` (see docs/reports.md).

    Parameters
    ----------
    path : str or Path
        An ``.xlsx`` written by ``write_excel`` / ``df.patsnap.to_excel`` (its Hits
        sheet, after counsel edited the Relevance and Note columns), a ``.docx`` written
        by ``write_docx`` / ``df.patsnap.to_docx`` (the candidate table's rows and the Word
        comments in them: :func:`.triage_docx.read_docx`), or a ``.csv`` / ``.parquet`` of
        a result frame.
    max_rows : int, default :data:`MAX_TRIAGE_ROWS`
        Rows read at most (a sheet's rows up to the last one used; a CSV's or parquet
        file's data rows); a larger file is refused, not truncated.
    max_cells : int, default :data:`MAX_TRIAGE_CELLS`
        Cells (rows x columns) of a sheet or CSV read at most.
    max_bytes : int, default :data:`MAX_TRIAGE_BYTES`
        Bytes a workbook may take once uncompressed (its images are never read) or a
        CSV may take on disk.

    Returns
    -------
    DataFrame
        Columns ``patent_pn``, ``relevance``, ``note`` (and ``query``, ``marked_by``,
        ``marked_at`` when the file has them), one row per hit, relevance normalised to :data:`RELEVANCE_VALUES` or NA.
        ``attrs["triage_report"]``: ``{"formulas": [...], "conflicts": [...]}``, the
        rows left out for a formula and the patents marked differently in several
        rows (empty lists when there are none).

    Raises
    ------
    InvalidInputError
        When the file is of another type than its name says, is larger than a limit
        (the message names the limit and how to split the file), has no
        Number/Relevance columns, or holds a relevance value that is not allowed (the
        message names the row).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, limit=5)
    >>> df = df.patsnap.mark(df["rank"] == 1, relevance="relevant")
    >>> df.to_csv("marks.csv", index=False)
    >>> marks = read_triage("marks.csv")
    >>> marks["relevance"].tolist(), marks.attrs["triage_report"]
    (['relevant', <NA>, <NA>, <NA>, <NA>], {'formulas': [], 'conflicts': []})
    >>> _ = open("marks.xlsx", "w").write("Number,Relevance\\nUSD1S,relevant\\n")   # a CSV named .xlsx
    >>> read_triage("marks.xlsx")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: path='marks.xlsx' is not valid: it is named .xlsx but it is a text file (a CSV?), not an Excel workbook. read_triage reads an Excel workbook (.xlsx), a CSV (.csv) or a parquet file (.parquet), or a Word report (.docx). If it is a CSV, name it .csv.
    >>> client.close()
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in TRIAGE_SUFFIXES:
        raise InvalidInputError(f"path={str(path)!r} is not valid: expected a file ending in {TRIAGE_SUFFIXES}.")
    if not target.is_file():
        raise InvalidInputError(f"path={str(path)!r} is not valid: no such file.")
    limits = _Limits(check_int(max_rows, "max_rows", 1), check_int(max_cells, "max_cells", 1),
                     check_int(max_bytes, "max_bytes", 1))
    _check_kind(target, suffix)
    if suffix == ".docx":  # a Word report: its rows and comments (frame/triage_docx.py)
        from .triage_docx import read_docx
        return read_docx(target, limits)
    readers = {".xlsx": _read_xlsx, ".csv": _read_csv, ".parquet": _read_parquet}
    table = readers[suffix](target, limits)
    return _marks(table)


def _marks(table: _Table) -> pd.DataFrame:
    """The marks frame of what a reader kept, with its report (formulas, conflicts) warned and in attrs."""
    columns, rows = table.columns, table.rows
    relevance = [normalise_relevance(v, where=f"row {row}: relevance") for row, v in zip(rows, columns["relevance"], strict=True)]
    out = pd.DataFrame({
        "patent_pn": pd.array([_text(v, strip=True) for v in columns["patent_pn"]], dtype="string"),
        "relevance": pd.array(relevance, dtype="string"),
        "note": pd.array([_text(v) for v in columns.get("note", [None] * len(rows))], dtype="string"),
    })
    if "query" in columns:
        out["query"] = pd.array([None if _empty(v) else str(v) for v in columns["query"]], dtype="string")
    for column in MARK_COLUMNS:  # who marked and when (the report's Marked by / Marked at columns)
        if column in columns:
            out[column] = pd.array([_mark_text(v, column, row) for row, v in zip(rows, columns[column], strict=True)],
                                   dtype="string")
    kept = out["patent_pn"].notna().to_numpy(dtype=bool)
    out = out[kept].reset_index(drop=True)
    conflicts = _conflicts(out, [row for row, keep in zip(rows, kept, strict=True) if keep])
    out.attrs["triage_report"] = {"formulas": table.formulas, "conflicts": conflicts}
    _warn_report(table.formulas, conflicts)
    return out


def _mark_text(value: Any, column: str, row: int) -> str | None:
    """A Marked by / Marked at cell as the frame keeps it: the name, or the UTC ISO time (None when empty)."""
    text = _text(value, strip=True) if not isinstance(value, dt.datetime) else "set"
    if text is None:
        return None
    if column == "marked_at":
        return mark_time(value if isinstance(value, dt.datetime) else text, where=f"row {row}: marked_at")
    return " ".join(text.split())


def _empty(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _text(value: Any, strip: bool = False) -> str | None:
    """A cell as text, or None when empty (blank text counts as empty)."""
    if _empty(value) or str(value).strip() == "":
        return None
    return str(value).strip() if strip else str(value)


def _conflicts(out: pd.DataFrame, rows: list[int]) -> list[dict[str, Any]]:
    """Hits (patent, and query when there is one) marked differently in several rows, with those rows."""
    keys = out["patent_pn"].str.upper()
    queries = out["query"] if "query" in out.columns else pd.Series([pd.NA] * len(out), dtype="string")
    groups: dict[tuple[str, Any], list[int]] = {}
    for i, (key, query) in enumerate(zip(keys, queries, strict=True)):
        groups.setdefault((key, None if query is pd.NA else query), []).append(i)
    found = []
    for (_, query), members in groups.items():
        marks = [(out["relevance"].iat[i], out["note"].iat[i]) for i in members]
        if len(members) < 2 or len({tuple(None if v is pd.NA else v for v in m) for m in marks}) < 2:
            continue
        found.append({"patent_pn": str(out["patent_pn"].iat[members[0]]), "query": query,
                      "rows": [rows[i] for i in members],
                      "relevance": [None if v is pd.NA else v for v, _ in marks],
                      "note": [None if n is pd.NA else n for _, n in marks]})
    return found


def _warn_report(formulas: list[dict[str, Any]], conflicts: list[dict[str, Any]]) -> None:
    if formulas:
        shown = "; ".join(f"row {f['row']} {f['column']} {f['formula'][:40]!r}" for f in formulas[:5])
        more = f"; and {len(formulas) - 5} more" if len(formulas) > 5 else ""
        warnings.warn(TriageWarning(
            f"{len(formulas)} row(s) left out: a cell holds an Excel formula, which read_triage does not "
            f"evaluate: {shown}{more}. Type the value (e.g. 'relevant') in place of the formula and read the "
            "file again; the rows are in attrs['triage_report']['formulas']."), stacklevel=3)
    if conflicts:
        def marks(c: dict[str, Any]) -> str:
            return " vs ".join(repr(r or "") + (f" ({n!r})" if n else "") for r, n in zip(c["relevance"], c["note"], strict=True))
        shown = "; ".join(f"{c['patent_pn']}{' / ' + c['query'] if c['query'] else ''} in rows "
                          f"{', '.join(map(str, c['rows']))}: {marks(c)}" for c in conflicts[:5])
        more = f"; and {len(conflicts) - 5} more" if len(conflicts) > 5 else ""
        warnings.warn(TriageWarning(
            f"{len(conflicts)} hit(s) marked differently in several rows: {shown}{more}. apply_triage applies "
            "the last of them; keep one row per hit to decide. They are in attrs['triage_report']['conflicts']."),
            stacklevel=3)


# --- what the file is: by its content, not its name ------------------------------------------------

_KIND_WORDS = {
    "zip": "a zip archive", "parquet": "a parquet file", "pdf": "a PDF document", "html": "a web page (HTML)",
    "ole": "an Excel 97-2003 workbook (.xls) or a password-protected workbook", "xml": "an XML file",
    "utf16": "UTF-16 text (Excel's 'Unicode Text')", "binary": "a binary file of an unknown kind",
    "text": "a text file (a CSV?)", "empty": "an empty file",
}
_EXPECTED = {".xlsx": ("zip", "an Excel workbook"), ".csv": ("text", "a CSV file"),
             ".parquet": ("parquet", "a parquet file"), ".docx": ("zip", "a Word document")}
_HINTS = {
    "text": " If it is a CSV, name it .csv.", "zip": " If it is an Excel workbook, name it .xlsx.",
    "parquet": " Name it .parquet.", "ole": " Open it in Excel and save it as an Excel Workbook (.xlsx), without a password.",
    "html": " Open it in Excel and save it as an Excel Workbook (.xlsx).",
    "utf16": " Save it as 'CSV UTF-8' or as an Excel Workbook (.xlsx).",
}


def _sniff(path: Path) -> str:
    """The kind of a file by its first bytes: one of the keys of ``_KIND_WORDS``."""
    with open(path, "rb") as f:
        head = f.read(1024)
    signatures = ((b"PK\x03\x04", "zip"), (b"PK\x05\x06", "zip"), (b"PAR1", "parquet"), (b"%PDF", "pdf"),
                  (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"), (b"\xff\xfe", "utf16"), (b"\xfe\xff", "utf16"))
    kind = next((kind for magic, kind in signatures if head.startswith(magic)), None)
    if kind is not None or not head:
        return kind or "empty"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<head", b"<body", b"<meta")) or (
            text.startswith(b"<?xml") and b"<html" in text):
        return "html"
    if text.startswith(b"<?xml"):
        return "xml"
    return "binary" if b"\x00" in head else "text"


def _check_kind(path: Path, suffix: str) -> None:
    kind = _sniff(path)
    expected, words = _EXPECTED[suffix]
    if kind == expected:
        return
    hint = _HINTS.get(kind, "")
    raise InvalidInputError(f"path={str(path)!r} is not valid: it is named {suffix} but it is {_KIND_WORDS[kind]}, "
                            f"not {words}. read_triage reads an Excel workbook (.xlsx), a CSV (.csv) or a parquet "
                            f"file (.parquet), or a Word report (.docx).{hint}")


def _refuse(path: Path, what: str, limit: int, parameter: str, constant: str, unit: str = "rows") -> InvalidInputError:
    """The error of a file over a limit: what it holds, the limit, how to split it or raise the limit."""
    shown = _size(limit) if unit == "bytes" else f"{limit:,} {unit}"
    return InvalidInputError(
        f"path={str(path)!r} is not valid: {what}; read_triage reads at most {shown} ({parameter}={limit}, "
        f"default {constant}). Split the file into smaller ones (e.g. one per query, or a few thousand hits "
        f"each) and read each, or pass a larger {parameter}= if you trust the file.")


def _size(n: int) -> str:
    return megabytes(n) if n >= 2**20 else f"{n:,} bytes"


def _damaged(path: Path, what: str, exc: BaseException | None = None) -> InvalidInputError:
    why = f" ({type(exc).__name__}: {str(exc)[:200]})" if exc is not None else ""
    return InvalidInputError(f"path={str(path)!r} is not valid: {what}{why}. read_triage reads an Excel workbook "
                             "(.xlsx) or a Word report (.docx) as written by write_excel / write_docx (or "
                             "df.patsnap.to_excel / to_docx), a CSV or a parquet file.")


# --- a workbook: its zip checked before anything is decompressed ------------------------------------

_EOCD = struct.Struct("<4s4H2LH")  # a zip's end-of-central-directory record


def _zip_members(path: Path) -> int:
    """How many files the zip's central directory declares (read from its last bytes; nothing parsed)."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        f.seek(max(0, size - (_EOCD.size + 65_535)))
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _EOCD.size:
        raise _damaged(path, "a damaged zip file (no central directory)")
    _, _, _, _, members, directory_size, directory_at, _ = _EOCD.unpack_from(tail, at)
    if 0xFFFF == members or 0xFFFFFFFF in (directory_size, directory_at):  # zip64: bounded by the file's size
        members = max(members, size // 46)
    return members


#: What a zip named so must hold: (its main part, its pictures' folder, what it is, what else a zip may be).
_ZIP_KINDS = {".xlsx": ("xl/workbook.xml", "xl/media/", "an Excel workbook", "a Word or PowerPoint file"),
              ".docx": ("word/document.xml", "word/media/", "a Word document", "an Excel or PowerPoint file")}


def _check_zip(path: Path, limits: _Limits, suffix: str = ".xlsx") -> None:
    """Refuse a zip bomb or a zip that is no workbook (no Word document), from the central directory's declared sizes.

    Reading goes through ``zipfile``, which never returns more than a member's declared size,
    so the declared sizes bound what loading can decompress.
    """
    members = _zip_members(path)
    if members > MAX_XLSX_MEMBERS:
        raise _damaged(path, f"a zip of {members:,} files, more than the {MAX_XLSX_MEMBERS:,} a workbook may hold "
                             "(MAX_XLSX_MEMBERS)")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _damaged(path, "a damaged zip file", exc) from None
    main, media, what, other = _ZIP_KINDS[suffix]
    if main not in {info.filename for info in infos}:
        raise _damaged(path, f"a zip archive but not {what} (it has no {main}: {other}, or another archive?)")
    total = sum(info.file_size for info in infos if not info.filename.startswith(media))
    if total > limits.bytes:
        raise _refuse(path, f"its parts would take {megabytes(total)} once uncompressed (from a "
                            f"{megabytes(path.stat().st_size)} file: a zip bomb, or a very large workbook)",
                      limits.bytes, "max_bytes", "MAX_TRIAGE_BYTES", unit="bytes")
    for info in infos:
        if info.file_size > 2**20 and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise _damaged(path, f"a zip bomb: its part {info.filename!r} would grow {info.file_size // max(info.compress_size, 1):,} "
                                 f"times, to {megabytes(info.file_size)}, where a report's parts grow at most "
                                 f"{MAX_COMPRESSION_RATIO} times (MAX_COMPRESSION_RATIO)")


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")


def _count_row_tags(path: Path, title: str, stream: Any, limits: _Limits) -> None:
    """A quick first count of a sheet's row elements (a regular expression over the raw XML, in C):
    millions of rows are refused in milliseconds, before the exact count of :class:`_SheetScan`."""
    rows = 0
    try:
        while chunk := stream.read(1 << 20):
            rows += len(_ROW_TAG.findall(chunk))
            if rows > limits.rows:
                raise _refuse(path, f"sheet {title!r} has more than {limits.rows:,} rows", limits.rows, "max_rows",
                              "MAX_TRIAGE_ROWS")
    except (zipfile.BadZipFile, OSError, EOFError) as exc:  # a part whose data lies about its size
        raise _damaged(path, "a damaged zip file", exc) from None


class _SheetScan:
    """A sheet's rows and cells counted from its XML as it streams (expat: no tree, nothing kept).

    Rows count up to the last one used (as Excel numbers them), a row's cells up to its last
    used column: what a reader of the sheet would walk through. Past a limit it raises at once.
    """

    def __init__(self, path: Path, title: str, limits: _Limits) -> None:
        self.path, self.title, self.limits = path, title, limits
        self.row = self.column = self.width = self.in_row = self.cells = 0
        self._columns: dict[str, int] = {}  # column letters -> number

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "c" or name.endswith(":c"):
            ref = attrs.get("r")
            column = self._columns.get(ref.rstrip("0123456789")) if ref else None
            self.column = column or (self._column(ref) if ref else self.column + 1)
            self.in_row += 1
            if self.column > self.width:
                self.width = self.column
                if self.column > _EXCEL_MAX_COLUMNS:
                    self._too_wide()
            if self.in_row > _EXCEL_MAX_COLUMNS:
                self._too_wide()
        elif name == "row" or name.endswith(":row"):
            self._close_row()
            self.row = self._number(attrs.get("r"), self.row + 1)
            if self.row > self.limits.rows:
                raise _refuse(self.path, f"sheet {self.title!r} has more than {self.limits.rows:,} rows (row "
                                         f"{self.row:,} is used)", self.limits.rows, "max_rows", "MAX_TRIAGE_ROWS")

    def _too_wide(self) -> None:
        raise _damaged(self.path, f"sheet {self.title!r} is not a valid sheet: row {self.row:,} has cells beyond "
                                  f"column XFD ({_EXCEL_MAX_COLUMNS:,}), Excel's last")

    def _close_row(self) -> None:
        self.cells += self.width
        self.width = self.column = self.in_row = 0
        if self.cells > self.limits.cells:
            raise _refuse(self.path, f"sheet {self.title!r} has more than {self.limits.cells:,} cells (rows x "
                                     "columns)", self.limits.cells, "max_cells", "MAX_TRIAGE_CELLS", unit="cells")

    def _number(self, text: str | None, default: int) -> int:
        if text is None:
            return default
        if not text.isdigit():
            raise _damaged(self.path, f"sheet {self.title!r} is not a valid sheet: row number {text[:20]!r}")
        return int(text)

    def _column(self, ref: str) -> int:
        """The column number of a cell reference such as ``"AB12"`` (remembered per letters)."""
        letters = ref.rstrip("0123456789")
        if not letters.isalpha():
            return self.column + 1
        if len(letters) > 3:
            return _EXCEL_MAX_COLUMNS + 1
        number = 0
        for ch in letters.upper():
            number = number * 26 + ord(ch) - 64
        self._columns[letters] = number
        return number

    def feed(self, stream: Any) -> None:
        import xml.parsers.expat

        parser = xml.parsers.expat.ParserCreate()
        parser.StartElementHandler = self.start
        try:
            while chunk := stream.read(1 << 16):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except xml.parsers.expat.ExpatError as exc:
            raise _damaged(self.path, f"sheet {self.title!r} is not valid XML", exc) from None
        except (zipfile.BadZipFile, OSError, EOFError) as exc:  # a part whose data lies about its size
            raise _damaged(self.path, "a damaged zip file", exc) from None
        self._close_row()


def _read_xlsx(path: Path, limits: _Limits) -> _Table:
    openpyxl = require("openpyxl", "Reading an Excel report back (read_triage of a .xlsx file)")
    _check_zip(path, limits)
    try:  # data_only=False: a formula comes as its text ("=..."), so it is reported, not silently dropped
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except zipfile.BadZipFile as exc:  # e.g. a part longer than its declared size (bad CRC)
        raise _damaged(path, "a damaged zip file", exc) from None
    except Exception as exc:  # noqa: BLE001  (openpyxl raises many kinds for a damaged file)
        raise _damaged(path, "not a readable Excel workbook", exc) from None
    try:
        if not book.worksheets:
            raise _damaged(path, "a workbook without a worksheet")
        sheet = book["Hits"] if "Hits" in book.sheetnames else book.worksheets[0]
        declared_rows, declared_columns = sheet.max_row or 0, sheet.max_column or 0
        if declared_rows > limits.rows:
            raise _refuse(path, f"sheet {sheet.title!r} has {declared_rows:,} rows", limits.rows, "max_rows",
                          "MAX_TRIAGE_ROWS")
        if declared_rows * declared_columns > limits.cells:
            raise _refuse(path, f"sheet {sheet.title!r} has {declared_rows * declared_columns:,} cells ({declared_rows:,} "
                                f"rows x {declared_columns:,} columns)", limits.cells, "max_cells", "MAX_TRIAGE_CELLS",
                          unit="cells")
        with book._archive.open(sheet._worksheet_path) as stream:  # the declared size may lie: count for real
            _count_row_tags(path, sheet.title, stream, limits)
        with book._archive.open(sheet._worksheet_path) as stream:
            _SheetScan(path, sheet.title, limits).feed(stream)
        sheet.reset_dimensions()  # read what is there, neither padded to nor cut at a declared size
        return _sheet_table(path, sheet.iter_rows())
    finally:
        book.close()


def _header_columns(names: Iterable[Any]) -> dict[str, int]:
    """Frame column -> position of its header (first occurrence), for the headers read_triage knows."""
    found: dict[str, int] = {}
    for j, name in enumerate(names):
        key = _HEADERS.get(str(name).strip().lower()) if name is not None else None
        if key and key not in found:
            found[key] = j
    return found


def _sheet_table(path: Path, rows: Iterator[tuple[Any, ...]]) -> _Table:
    """The wanted columns of the rows under the header row (Number and Relevance); formula rows left out."""
    header: dict[str, int] | None = None
    table = _Table({}, [])
    for number, row in enumerate(rows, start=1):
        if header is None:
            found = _header_columns(getattr(cell, "value", None) for cell in row)
            if "patent_pn" in found and "relevance" in found:
                header = found
                table.columns = {name: [] for name in header}
            continue
        cells = {name: row[j] if j < len(row) else None for name, j in header.items()}
        formulas = [{"row": number, "column": _HEADER_WORDS[name], "formula": str(getattr(cell, "value", ""))}
                    for name, cell in cells.items() if getattr(cell, "data_type", None) == "f"]
        if formulas:
            table.formulas.extend(formulas)
            continue
        for name, cell in cells.items():
            table.columns[name].append(getattr(cell, "value", None))
        table.rows.append(number)
    if header is None:
        raise InvalidInputError(f"path={str(path)!r} is not valid: no sheet row with the headers 'Number' and "
                                "'Relevance' (expected a workbook written by write_excel).")
    return table


# --- CSV and parquet ---------------------------------------------------------------------------------

def _wanted_or_raise(path: Path, headers: list[Any]) -> dict[str, Any]:
    """Frame column -> the file's header for it; the error names what is missing and what the file has."""
    wanted = {name: headers[j] for name, j in _header_columns(headers).items()}
    missing = [c for c in ("patent_pn", "relevance") if c not in wanted]
    if missing:
        raise InvalidInputError(f"path={str(path)!r} has no column(s) {missing} (headers 'Number' and "
                                f"'Relevance' in a report); it has {list(map(str, headers))[:50]}.")
    return wanted


def _read_csv(path: Path, limits: _Limits) -> _Table:
    size = path.stat().st_size
    if size > limits.bytes:
        raise _refuse(path, f"it takes {_size(size)}", limits.bytes, "max_bytes", "MAX_TRIAGE_BYTES",
                      unit="bytes")
    try:
        headers = list(pd.read_csv(path, dtype=str, nrows=0).columns)
        wanted = _wanted_or_raise(path, headers)
        table = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=list(wanted.values()),
                            nrows=limits.rows + 1)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise _damaged(path, "not a readable CSV file", exc) from None
    if len(table) > limits.rows:
        raise _refuse(path, f"it has more than {limits.rows:,} rows", limits.rows, "max_rows", "MAX_TRIAGE_ROWS")
    if len(table) * len(headers) > limits.cells:
        raise _refuse(path, f"it has {len(table) * len(headers):,} cells ({len(table):,} rows x {len(headers):,} "
                            "columns)", limits.cells, "max_cells", "MAX_TRIAGE_CELLS", unit="cells")
    return _Table({name: table[header].tolist() for name, header in wanted.items()},
                  list(range(2, len(table) + 2)))


def _read_parquet(path: Path, limits: _Limits) -> _Table:
    try:
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError as exc:
        raise ImportError("Reading marks from a parquet file needs pyarrow: pip install pyarrow") from exc
    try:
        source = pq.ParquetFile(path)
    except (ValueError, OSError) as exc:  # pyarrow's ArrowInvalid is a ValueError, ArrowIOError an OSError
        raise _damaged(path, "not a readable parquet file", exc) from None
    meta, headers = source.metadata, list(source.schema_arrow.names)
    wanted = _wanted_or_raise(path, headers)
    if meta.num_rows > limits.rows:
        raise _refuse(path, f"it has {meta.num_rows:,} rows", limits.rows, "max_rows", "MAX_TRIAGE_ROWS")
    positions = [headers.index(h) for h in wanted.values()]
    size = sum(meta.row_group(g).column(j).total_uncompressed_size for g in range(meta.num_row_groups)
               for j in positions if j < meta.num_columns)
    if size > limits.bytes:
        raise _refuse(path, f"its Number, Relevance and Note columns take {megabytes(size)}", limits.bytes,
                      "max_bytes", "MAX_TRIAGE_BYTES", unit="bytes")
    table = source.read(columns=list(wanted.values())).to_pandas()
    return _Table({name: table[header].tolist() for name, header in wanted.items()},
                  list(range(2, len(table) + 2)))

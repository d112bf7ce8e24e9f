"""Reading counsel's marks back from a Word report (``.docx``) edited in Word, within bounds.

:func:`patsnap_pandas.read_triage` hands a ``.docx`` here. The report's candidate table (the
tables whose header has a Number and a Relevance column, as ``write_docx`` writes them) gives
each hit's mark and note as its row says, and the Word comments anchored in the row (the
report's own, counsel's replies, new comments) give marks with their author and date.

**What wins.** Each hit's row and each comment in its row that starts with a mark word
(``relevant``, ``not relevant``, ``unsure``, then ``:`` or a dash) is a statement with a time; the
latest wins, and the row wins a tie. The row's time is that of Word's tracked change when the
mark was typed with Track Changes on (its author is the reviewer), else that of its
"by <name>, <date>" line, else (a mark typed with Track Changes off into a row that had none) the
document's last save (its "last modified by" is the reviewer). A row without a mark and without
a date (never marked, or emptied with Track Changes off) speaks only when no comment carries a
mark. The note is the winner's, else the row's (in full from the comment when the row shows it
shortened). When the row's own mark differs from the mark kept, the hit is reported with a
:class:`~patsnap_pandas.frame.triage.TriageWarning` and in ``attrs["triage_report"]["conflicts"]``.

The file is checked as a workbook is (its zip's declared sizes and compression ratios before
anything is decompressed, its rows counted before they are parsed) and its XML is streamed
through expat with document type declarations refused (no entity is ever expanded).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import warnings
import xml.parsers.expat
import zipfile
from pathlib import Path
from typing import Any

from ..errors import InvalidInputError
from .marks import mark_time, normalise_relevance
from .schema import RELEVANCE_VALUES

__all__ = ["read_docx"]

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
_TR_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?tr[\s/>]")
_MARK = re.compile(r"^\s*(" + "|".join(sorted(map(re.escape, RELEVANCE_VALUES), key=len, reverse=True))
                   + r")\s*(?:[:\-\u2013\u2014.,;]\s*|$)(.*)$", re.IGNORECASE | re.DOTALL)
_BY = re.compile(r"^by (.+?)(?:, (\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?) UTC)?$")  # seconds: hidden text
_SHORTENED = re.compile(r"\u2026 \[[\d,]+ characters in all: the full text is in the comment\]$")
_TEXT_MARKS = {"noBreakHyphen": "-", "tab": "\t", "br": "\n", "cr": "\n"}
_EARLIEST = dt.datetime.min.replace(tzinfo=dt.timezone.utc)


@dataclasses.dataclass
class _Para:
    text: str = ""
    tracked: tuple[str, str] | None = None  # (author, date) of the latest tracked insertion in it
    removed: tuple[str, str] | None = None  # (author, date) of the latest tracked deletion in it
    style: str = ""


@dataclasses.dataclass
class _Row:
    cells: list[list[_Para]] = dataclasses.field(default_factory=list)
    comments: list[str] = dataclasses.field(default_factory=list)  # ids of the comments anchored in it


@dataclasses.dataclass
class _Grid:
    query: str | None
    rows: list[_Row] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class _Say:
    """One statement about a hit's mark: the row's or a comment's."""

    relevance: str | None
    note: str | None
    by: str | None
    at: dt.datetime | None
    source: str


class _Document:
    """The tables (their rows' paragraphs and comment anchors) and headings of ``word/document.xml``, streamed."""

    def __init__(self, fail: Any, limits: Any) -> None:
        self.fail, self.limits = fail, limits
        self.grids: list[_Grid] = []
        self._tables: list[_Grid] = []
        self._para: _Para | None = None
        self._inserted: list[tuple[str, str]] = []
        self._deleted: list[tuple[str, str]] = []
        self._in_text = False
        self._query: str | None = None
        self.rows = self.cells = 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        uri, _, tag = name.rpartition(" ")
        if uri != _W:
            return
        if tag == "t":
            self._in_text = True
        elif tag in _TEXT_MARKS and self._para is not None:
            self._para.text += _TEXT_MARKS[tag]
        elif tag == "p":
            self._para = _Para()
        elif tag == "pStyle" and self._para is not None:
            self._para.style = attrs.get(f"{_W} val", "")
        elif tag in ("ins", "del"):
            (self._inserted if tag == "ins" else self._deleted).append(
                (attrs.get(f"{_W} author", ""), attrs.get(f"{_W} date", "")))
        elif tag == "delText" and self._deleted and self._para is not None:
            self._para.removed = self._deleted[-1]
        else:
            self._table_start(tag, attrs)

    def _table_start(self, tag: str, attrs: dict[str, str]) -> None:
        """A table, a row (counted), a cell (counted), or a comment's anchor in the current row."""
        if tag == "tbl":
            self._tables.append(_Grid(self._query))
        elif tag == "tr" and self._tables:
            self.rows += 1
            if self.rows > self.limits.rows:
                raise self.fail("rows", f"more than {self.limits.rows:,} table rows")
            self._tables[-1].rows.append(_Row())
        elif tag == "tc" and self._tables and self._tables[-1].rows:
            self.cells += 1
            if self.cells > self.limits.cells:
                raise self.fail("cells", f"more than {self.limits.cells:,} table cells")
            self._tables[-1].rows[-1].cells.append([])
        elif tag in ("commentRangeStart", "commentReference") and self._tables and self._tables[-1].rows:
            anchors = self._tables[-1].rows[-1].comments
            if (cid := attrs.get(f"{_W} id")) is not None and cid not in anchors:
                anchors.append(cid)

    def end(self, name: str) -> None:
        uri, _, tag = name.rpartition(" ")
        if uri != _W:
            return
        if tag == "t":
            self._in_text = False
        elif tag == "ins" and self._inserted:
            self._inserted.pop()
        elif tag == "del" and self._deleted:
            self._deleted.pop()
        elif tag == "p" and self._para is not None:
            para, self._para = self._para, None
            if para.style.lower().startswith("heading") and not self._tables:
                self._query = para.text[len("Hits for "):].strip() if para.text.startswith("Hits for ") else None
            elif self._tables and self._tables[-1].rows and self._tables[-1].rows[-1].cells:
                self._tables[-1].rows[-1].cells[-1].append(para)
        elif tag == "tbl" and self._tables:
            self.grids.append(self._tables.pop())

    def text(self, data: str) -> None:
        if self._in_text and self._para is not None:
            self._para.text += data
            if self._inserted:
                self._para.tracked = self._inserted[-1]


class _Comments:
    """``word/comments.xml``: id -> (author, date, text, the w14:paraId of its last paragraph)."""

    def __init__(self) -> None:
        self.found: dict[str, tuple[str, str, str, str]] = {}
        self._current: list[str] | None = None
        self._in_text = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        uri, _, tag = name.rpartition(" ")
        if uri != _W:
            return
        if tag == "comment":
            self._current = [attrs.get(f"{_W} id", ""), attrs.get(f"{_W} author", ""), attrs.get(f"{_W} date", ""),
                             "", ""]
        elif self._current is not None and tag == "p":
            self._current[3] += "\n" if self._current[3] else ""
            self._current[4] = attrs.get(f"{_W14} paraId", "")
        elif self._current is not None and tag in _TEXT_MARKS:
            self._current[3] += _TEXT_MARKS[tag]
        self._in_text = tag == "t"

    def end(self, name: str) -> None:
        if name == f"{_W} comment" and self._current is not None:
            cid, author, date, text, para = self._current
            self.found[cid] = (author, date, text, para)
            self._current = None
        self._in_text = False

    def text(self, data: str) -> None:
        if self._in_text and self._current is not None:
            self._current[3] += data


class _Pairs:
    """One attribute's value by another's, on the elements of one name (local names, any namespace): Word's
    ``commentsIds.xml`` (paraId -> durableId) and ``commentsExtensible.xml`` (durableId -> dateUtc)."""

    def __init__(self, element: str, key: str, value: str) -> None:
        self.element, self.key, self.value = element, key, value
        self.found: dict[str, str] = {}

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name.rpartition(" ")[2] == self.element:
            local = {k.rpartition(" ")[2]: v for k, v in attrs.items()}
            if self.key in local and self.value in local:
                self.found[local[self.key]] = local[self.value]

    def end(self, name: str) -> None:
        pass

    def text(self, data: str) -> None:
        pass


class _Core:
    """``docProps/core.xml``: who saved the document last, and when."""

    def __init__(self) -> None:
        self.by = self.at = ""
        self._tag = ""

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self._tag = name.rpartition(" ")[2]

    def end(self, name: str) -> None:
        self._tag = ""

    def text(self, data: str) -> None:
        if self._tag == "lastModifiedBy":
            self.by += data
        elif self._tag == "modified":
            self.at += data


def _parse(archive: zipfile.ZipFile, member: str, handler: Any, damaged: Any) -> None:
    """Stream ``member`` through expat into ``handler``; a document type declaration is refused (no entities)."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True

    def no_doctype(*_: Any) -> None:
        raise damaged(f"its part {member!r} declares a document type (entities), which no Word document does")

    parser.StartDoctypeDeclHandler = no_doctype
    parser.EntityDeclHandler = no_doctype
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.text
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(1 << 16):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError as exc:
        raise damaged(f"its part {member!r} is not valid XML", exc) from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:  # a part whose data lies about its size
        raise damaged("a damaged zip file", exc) from None


def _count_rows(archive: zipfile.ZipFile, limits: Any, fail: Any, damaged: Any) -> None:
    """A quick first count of the table rows (a regular expression in C): millions are refused in milliseconds."""
    rows = 0
    try:
        with archive.open("word/document.xml") as stream:
            while chunk := stream.read(1 << 20):
                rows += len(_TR_TAG.findall(chunk))
                if rows > limits.rows:
                    raise fail("rows", f"more than {limits.rows:,} table rows")
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise damaged("a damaged zip file", exc) from None


def read_docx(path: Path, limits: Any) -> Any:
    """The marks frame of a Word report (as :func:`~.triage.read_triage` returns it), its zip checked first;
    the rows whose text disagrees with the mark kept are warned and added to the conflicts.

    Examples
    --------
    A reply in Word on the next day changes the mark; the row still saying the old one is reported:

    >>> import datetime as dt, docx, warnings
    >>> from docx.text.run import Run
    >>> from patsnap_pandas import PatsnapClient, read_triage, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> hits = search_designs(samples.image("armchair"), client=client, limit=3)
    >>> first = hits["patent_pn"].iloc[0]
    >>> hits = hits.patsnap.mark(first, relevance="relevant", note="same backrest", by="Ana Li",
    ...                          at="2026-12-07T09:30:00Z")
    >>> document = docx.Document(hits.patsnap.to_docx("chairs.docx"))
    >>> start = next(document.element.body.iter(  # where the report's comment on the hit's number starts
    ...     "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}commentRangeStart"))
    >>> reply = document.add_comment(Run(start.getnext(), None), text="not relevant: the legs differ",
    ...                              author="Bo Chen", initials="BC")   # Bo's reply, on the same number
    >>> reply._comment_elm.date = dt.datetime(2026, 12, 8, 16, 5)
    >>> document.save("chairs.docx")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     marks = read_triage("chairs.docx")
    >>> marks.loc[0, ["relevance", "note", "marked_by", "marked_at"]].tolist()
    ['not relevant', 'the legs differ', 'Bo Chen', '2026-12-08T16:05:00Z']
    >>> marks.attrs["triage_report"]["conflicts"][0]["kept"], caught[0].category.__name__
    ('a comment by Bo Chen of 2026-12-08 16:05 UTC', 'TriageWarning')
    >>> client.close()
    """
    from . import triage

    triage._check_zip(path, limits, ".docx")
    columns, rows, disagreements = _read(path, limits)
    out = triage._marks(triage._Table(columns, rows))
    out.attrs["triage_report"]["conflicts"].extend(disagreements)
    _warn_disagreements(disagreements)
    return out


def _read(path: Path, limits: Any) -> tuple[dict[str, list[Any]], list[int], list[dict[str, Any]]]:
    """Columns (frame name -> values), each hit's row number, and the rows whose text disagrees with the mark kept."""
    from . import triage

    def damaged(what: str, exc: BaseException | None = None) -> InvalidInputError:
        return triage._damaged(path, what, exc)

    def fail(kind: str, what: str) -> InvalidInputError:
        parameter, constant, limit = {"rows": ("max_rows", "MAX_TRIAGE_ROWS", limits.rows),
                                      "cells": ("max_cells", "MAX_TRIAGE_CELLS", limits.cells)}[kind]
        return triage._refuse(path, f"the document has {what}", limit, parameter, constant, unit=kind)

    document, comments, core = _Document(fail, limits), _Comments(), _Core()
    ids, dates = _Pairs("commentId", "paraId", "durableId"), _Pairs("commentExtensible", "durableId", "dateUtc")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            _count_rows(archive, limits, fail, damaged)
            _parse(archive, "word/document.xml", document, damaged)
            for member, handler in (("word/comments.xml", comments), ("docProps/core.xml", core),
                                    ("word/commentsIds.xml", ids), ("word/commentsExtensible.xml", dates)):
                if member in names:
                    _parse(archive, member, handler, damaged)
    except InvalidInputError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise damaged("a damaged zip file", exc) from None
    saved = (" ".join(core.by.split()) or None, _when(core.at))
    # Word writes a comment's w:date in the reviewer's local time; Word 365 adds the true UTC time (dateUtc)
    found = {cid: (author, dates.found.get(ids.found.get(para, ""), date), text)
             for cid, (author, date, text, para) in comments.found.items()}
    return _hits(path, document.grids, found, saved)


def _hits(path: Path, grids: list[_Grid], comments: dict[str, tuple[str, str, str]],
          saved: tuple[str | None, dt.datetime | None]) -> tuple[dict[str, list[Any]], list[int], list[dict[str, Any]]]:
    """Each candidate row's kept statement, as read_triage's columns."""
    columns: dict[str, list[Any]] = {k: [] for k in ("patent_pn", "relevance", "note", "query", "marked_by", "marked_at")}
    numbers: list[int] = []
    disagreements: list[dict[str, Any]] = []
    found_table, marks_elsewhere = False, False
    for grid in grids:
        if not grid.rows:
            continue
        heads = [" ".join(p.text for p in cell).strip().lower() for cell in grid.rows[0].cells]
        number_col = next((j for j, h in enumerate(heads) if h.startswith("number")), None)
        mark_col = next((j for j, h in enumerate(heads) if h.startswith("relevance")), None)
        if number_col is None or mark_col is None:
            marks_elsewhere |= number_col is not None and any(h.startswith("in force") for h in heads)
            continue
        found_table = True
        for row in grid.rows[1:]:
            if len(row.cells) <= max(number_col, mark_col):
                continue
            number = next((p.text.strip() for p in row.cells[number_col] if p.text.strip()), "")
            if not number:
                continue
            said = [_comment_says(comments[c]) for c in row.comments if c in comments]
            mine = _row_says(row.cells[mark_col], saved, f"the row of {number}: relevance")
            kept = max([mine, *(s for s in said if s is not None and s.relevance)],
                       key=lambda s: (s.at or _EARLIEST, s.source == "row"))
            note = kept.note or mine.note
            if note and _SHORTENED.search(note):
                prefix = _SHORTENED.sub("", note)
                note = next((s.note for s in said if s and s.note and s.note.startswith(prefix[:200])), note)
            numbers.append(len(numbers) + 1)
            for key, value in (("patent_pn", number), ("relevance", kept.relevance), ("note", note),
                               ("query", grid.query), ("marked_by", kept.by),
                               ("marked_at", mark_time(kept.at) if kept.at else None)):
                columns[key].append(value)
            if kept is not mine and mine.relevance and kept.relevance != mine.relevance:
                disagreements.append({"patent_pn": number, "query": grid.query, "rows": [numbers[-1]],
                                      "relevance": [mine.relevance, kept.relevance], "note": [mine.note, kept.note],
                                      "kept": kept.source})
    if not found_table:
        hint = (" This is a clearance report, whose Word tables hold no marks: read them back from its Excel "
                "report (write_excel).") if marks_elsewhere else ""
        raise InvalidInputError(f"path={str(path)!r} is not valid: no table with the headers 'Number' and "
                                "'Relevance and note' (expected a Word report written by write_docx / "
                                f"df.patsnap.to_docx).{hint}")
    if all(q is None for q in columns["query"]):
        del columns["query"]
    return columns, numbers, disagreements


def _comment_says(comment: tuple[str, str, str]) -> _Say | None:
    """A comment's mark and note ("relevant: same backrest"), by its author, at its date."""
    author, date, text = comment
    found = _MARK.match(text)
    when = _when(date)
    by = " ".join(author.split()) or None
    source = f"a comment by {by or 'an unnamed reviewer'}" + (f" of {when:%Y-%m-%d %H:%M} UTC" if when else "")
    if found is None:
        return _Say(None, text if text.strip() else None, by, when, source)
    return _Say(found.group(1).lower(), found.group(2) if found.group(2).strip() else None, by, when, source)


def _row_says(cell: list[_Para], saved: tuple[str | None, dt.datetime | None], where: str) -> _Say:
    """The row's mark, note, and who and when: Word's tracked change, else the "by" line, else the last save."""
    lines = [p for p in cell if p.text.strip()]
    if len(lines) > 1 and not _MARK.match(lines[0].text) and _BY.match(" ".join(lines[1].text.split())):
        normalise_relevance(lines[0].text, where=where)  # a line above "by ..." is a mark: one not allowed is refused
    relevance, note_lines, by, at = None, [], None, None
    if lines and (found := _MARK.match(lines[0].text)):
        relevance, first = found.group(1).lower(), lines.pop(0)
        note_lines = [found.group(2).strip()] if found.group(2).strip() else []
        if first.tracked:
            by, at = " ".join(first.tracked[0].split()) or None, _when(first.tracked[1])
    elif cell and cell[0].removed:  # the mark deleted with Track Changes on: cleared, by whom and when
        by, at = " ".join(cell[0].removed[0].split()) or None, _when(cell[0].removed[1])
    if lines and (line := _BY.match(" ".join(lines[0].text.split()))):
        lines.pop(0)
        if at is None:
            by = None if line.group(1) == "an unnamed reviewer" else line.group(1)
            at = _when(line.group(2)) if line.group(2) else None
    elif relevance and at is None:
        by, at = saved
    note = "\n".join(note_lines + [p.text for p in lines]) or None
    return _Say(relevance, note, by, at, "row")


def _when(text: str | None) -> dt.datetime | None:
    """A date of the file (ISO, the "by" line's "2026-12-07 09:30", or Word's without a zone: UTC) or None."""
    if not text or not text.strip():
        return None
    try:
        when = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.replace(tzinfo=dt.timezone.utc) if when.tzinfo is None else when.astimezone(dt.timezone.utc)


def _warn_disagreements(disagreements: list[dict[str, Any]]) -> None:
    """One TriageWarning naming the hits whose row text says another mark than the one kept."""
    if not disagreements:
        return
    from .triage import TriageWarning

    shown = "; ".join(f"{d['patent_pn']}{' / ' + d['query'] if d['query'] else ''}: the row says "
                      f"{d['relevance'][0] or 'nothing'!r}, {d['kept']} says {d['relevance'][1]!r}"
                      for d in disagreements[:5])
    more = f"; and {len(disagreements) - 5} more" if len(disagreements) > 5 else ""
    warnings.warn(TriageWarning(
        f"{len(disagreements)} hit(s) whose row in the Word report disagrees with a later comment: {shown}{more}. "
        "read_triage keeps the latest mark (the comment's); edit the row to match, or delete the comment, to "
        "decide. They are in attrs['triage_report']['conflicts']."), stacklevel=4)

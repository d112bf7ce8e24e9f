"""The Excel writer of the report model (xlsxwriter): Summary, Hits (with the triage drop-down), About.

Every sheet starts with the sandbox banner when the data came from the sandbox.
Texts are always written as text (a title such as ``=HYPERLINK(...)`` stays text:
no formula, no link), and every text (cells, link texts and tips, picture
descriptions) is :func:`~patsnap_pandas.safe_text.xml_safe`, so the file is valid
XML whatever the text held; numbers are numbers, dates real dates; the only links
are the public records of designs. Counsel can mark hits in the Relevance column
(a drop-down of the allowed values) and write notes; :func:`patsnap_pandas.read_triage`
reads them back.
"""

from __future__ import annotations

import datetime as _dt
import io
from pathlib import Path
from typing import Any

from .._extras import require
from .._validate import check_output_path
from ..frame import words
from ..frame.families import DESIGNS_NOTE
from ..frame.format import truncate
from ..frame.schema import RELEVANCE_VALUES
from ..imaging import thumbnail_png_or_none
from ..safe_text import xml_safe
from .job_model import Job
from .landscape import write_sheet
from .model import GroupRow, Hit, Report

__all__ = ["EXCEL_THUMB_PX", "write_excel"]

EXCEL_THUMB_PX = 110   # thumbnails in their rows (>= 100 px)
QUERY_PX = 220         # the query image above the hits table
VIEW_PX = 160          # each view of a multi-view query, in a strip above the hits table
EXCEL_MAX_CHARS = 32767
_RED = "#B00020"


def write_excel(report: Report, path: str | Path) -> Path:
    """Write the report as an ``.xlsx`` workbook: Summary, Hits, About (and Products for a batch).

    A clearance or prior-art report (:mod:`.clearance`) has the sheets Summary (what was
    searched, counts, blind spots, not a legal opinion), Hits (the in-force designs or the
    evidence, with expiry and rule per row), Excluded (with the reasons), Comparison (the
    three-way comparisons, when there are any) and About.

    Parameters
    ----------
    report : Report
        From :func:`patsnap_pandas.report.build_report`.
    path : str or Path
        The ``.xlsx`` file to write; its folder must exist.

    Examples
    --------
    >>> import openpyxl
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> from patsnap_pandas.report import build_report
    >>> client = PatsnapClient.sandbox()
    >>> report = build_report(search_designs(samples.image("armchair"), client=client, limit=5), title="Chairs")
    >>> openpyxl.load_workbook(write_excel(report, "chairs.xlsx")).sheetnames
    ['Summary', 'Hits', 'About']
    >>> client.close()
    """
    target = check_output_path(path, "path", (".xlsx",))
    xlsxwriter = require("xlsxwriter", "Writing Excel reports")

    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with xlsxwriter.Workbook(str(target), options) as book:
        fmt = _formats(book)
        if report.job is not None:
            _job_workbook(report, report.job, book, fmt)
            return target
        summary = book.add_worksheet("Summary")
        products = book.add_worksheet("Products") if report.batch else None
        hits = book.add_worksheet("Hits")
        land = book.add_worksheet("Landscape") if report.landscape is not None else None
        about = book.add_worksheet("About")
        _summary(report, summary, fmt)
        if land is not None and report.landscape is not None:
            write_sheet(report, report.landscape, land, fmt)
        if products is not None:
            _products(report, products, fmt)
        _hits(report, hits, fmt)
        _about(report, about, fmt)
        summary.activate()
    return target


# --- pieces ---------------------------------------------------------------------------------------------


def _formats(book: Any) -> dict[str, Any]:
    top = {"valign": "top"}
    return {
        "banner": book.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": _RED, "font_size": 13,
                                   "align": "center", "valign": "vcenter"}),
        "title": book.add_format({"bold": True, "font_size": 18}),
        "subtitle": book.add_format({"font_size": 13, "font_color": "#444C56"}),
        "h2": book.add_format({"bold": True, "font_size": 13, "bottom": 2, "bottom_color": "#D0D7DE"}),
        "label": book.add_format({**top, "bold": True, "font_color": "#444C56"}),
        "header": book.add_format({"bold": True, "bg_color": "#DCE6F1", "border": 1, "valign": "vcenter",
                                   "text_wrap": True}),
        "text": book.add_format({**top, "text_wrap": True}),
        "code": book.add_format({**top}),
        "link": book.add_format({**top, "font_color": "#0550AE", "underline": 1}),
        "score": book.add_format({**top, "num_format": "0.000"}),
        "int": book.add_format({**top, "num_format": "0"}),
        "date": book.add_format({**top, "num_format": "yyyy-mm-dd"}),
        "stamp": book.add_format({**top, "num_format": "yyyy-mm-dd hh:mm", "bg_color": "#FFF8C5", "border": 1,
                                  "border_color": "#D0D7DE"}),
        "muted": book.add_format({"italic": True, "font_color": "#57606A", "text_wrap": True, "valign": "top"}),
        "edit": book.add_format({**top, "text_wrap": True, "bg_color": "#FFF8C5", "border": 1,
                                 "border_color": "#D0D7DE"}),
        "int_left": book.add_format({**top, "num_format": "#,##0", "align": "left"}),
        "um": book.add_format({**top, "bold": True, "font_color": "#5C4400", "bg_color": "#FFF3CD"}),
        "disclaimer": book.add_format({**top, "bold": True, "text_wrap": True, "border": 2, "border_color": _RED}),
    }


def _banner(report: Report, sheet: Any, fmt: dict, last_col: int) -> int:
    """The banner (sandbox) or source line in row 0; returns the next free row."""
    text = xml_safe(report.banner or f"Source: {report.source}")
    if report.banner:
        sheet.merge_range(0, 0, 0, last_col, text, fmt["banner"])
        sheet.set_row(0, 24)
    else:
        sheet.write_string(0, 0, text, fmt["muted"])
    return 1


def _text(sheet: Any, row: int, col: int, value: str, style: Any) -> None:
    if value:
        sheet.write_string(row, col, _cell_text(value), style)


def _cell_text(value: str) -> str:
    """A text as a cell holds it: XML-safe, at most Excel's 32,767 characters."""
    return truncate(xml_safe(value), EXCEL_MAX_CHARS)


def _image(sheet: Any, row: int, col: int, data: bytes | None, size: int, name: str, x_offset: int = 4) -> None:
    if data is None:
        return
    png = thumbnail_png_or_none(data, size)
    if png is None:
        return
    sheet.insert_image(row, col, f"{xml_safe(name)}.png", {"image_data": io.BytesIO(png), "x_offset": x_offset, "y_offset": 4,
                                                 "object_position": 1, "description": truncate(xml_safe(name), 255)})


def _summary(report: Report, sheet: Any, fmt: dict) -> None:
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 70)
    sheet.set_column(2, 3, 11)
    sheet.set_column(4, 4, 20)
    row = _banner(report, sheet, fmt, 5) + 1
    _text(sheet, row, 0, report.title, fmt["title"])
    sheet.set_row(row, 28)
    row += 1
    if report.subtitle:
        _text(sheet, row, 0, report.subtitle, fmt["subtitle"])
        row += 1
    row += 1
    about = (("Author", report.author), ("Organisation", report.organisation), ("Search run", report.searched_at),
             ("Report made", report.created_at), ("Data source", report.source))
    row = _label_rows(sheet, row, [(label, value) for label, value in about if value], fmt) + 1
    sheet.write_string(row, 0, "Method and coverage", fmt["h2"])
    row = _label_rows(sheet, row + 1, report.method, fmt) + 1
    sheet.write_string(row, 0, "What a similarity score is and is not", fmt["h2"])
    row += 1
    sheet.merge_range(row, 0, row, 5, report.score_note, fmt["muted"])
    sheet.set_row(row, 48)
    row += 2
    for title, groups in (("Per assignee", report.by_assignee), ("Per authority", report.by_authority)):
        if not groups:
            continue
        row = _group_table(sheet, row, title, groups, fmt)
    if not report.by_assignee:
        _text(sheet, row, 0, report.no_owners_note, fmt["muted"])


def _label_rows(sheet: Any, row: int, rows: list[tuple[str, str]], fmt: dict) -> int:
    """One "label | text" line per pair from ``row`` on; returns the row after the last."""
    for label, value in rows:
        sheet.write_string(row, 0, xml_safe(label), fmt["label"])
        _text(sheet, row, 1, value, fmt["text"])
        row += 1
    return row


def _group_table(sheet: Any, row: int, title: str, groups: list[GroupRow], fmt: dict) -> int:
    sheet.write_string(row, 0, title, fmt["h2"])
    row += 1
    designs = any(g.families is not None for g in groups)  # per owner: one design in several offices counted once
    headers = ("Best match", title.replace("Per ", "").capitalize(), "Hits", "Best score", "Number")
    for col, header in enumerate(headers + (("Designs",) if designs else ())):
        sheet.write_string(row, col, header, fmt["header"])
    row += 1
    for group in groups:
        sheet.set_row_pixels(row, EXCEL_THUMB_PX + 10)
        _image(sheet, row, 0, group.best_image, EXCEL_THUMB_PX, group.best_number)
        _text(sheet, row, 1, group.name, fmt["text"])
        sheet.write_number(row, 2, group.hits, fmt["int"])
        if group.best_score is not None:
            sheet.write_number(row, 3, group.best_score, fmt["score"])
        _text(sheet, row, 4, group.best_number, fmt["code"])
        if group.families is not None:
            sheet.write_number(row, 5, group.families, fmt["int"])
        row += 1
    if designs:
        _text(sheet, row, 0, DESIGNS_NOTE, fmt["muted"])
        row += 1
    return row + 1


def _products(report: Report, sheet: Any, fmt: dict) -> None:
    headers = ("Product image", "Product", "Hits", "Closest hit", "Number", "Score", "Title")
    row = _banner(report, sheet, fmt, len(headers) - 1)
    for col, width in enumerate((20, 24, 8, 20, 20, 10, 50)):
        sheet.set_column(col, col, width)
    for col, header in enumerate(headers):
        sheet.write_string(row, col, header, fmt["header"])
    sheet.freeze_panes(row + 1, 0)
    first = row
    for item in report.overview:
        row += 1
        sheet.set_row_pixels(row, EXCEL_THUMB_PX + 10)
        _image(sheet, row, 0, item.query_image, EXCEL_THUMB_PX, item.query)
        _text(sheet, row, 1, item.query, fmt["text"])
        sheet.write_number(row, 2, item.hits, fmt["int"])
        if item.best is None:
            _text(sheet, row, 3, "no hits" if item.status == "no_hits" else f"not searched: {item.error}",
                  fmt["muted"])
            continue
        _image(sheet, row, 3, item.best.image, EXCEL_THUMB_PX, item.best.number)
        _number(sheet, row, 4, item.best, fmt)
        if item.best.score is not None:
            sheet.write_number(row, 5, item.best.score, fmt["score"])
        _text(sheet, row, 6, item.best.title, fmt["text"])
    sheet.autofilter(first, 0, row, len(headers) - 1)


def _number(sheet: Any, row: int, col: int, hit: Hit, fmt: dict) -> None:
    if hit.link:
        number = truncate(xml_safe(hit.number), 200)
        sheet.write_url(row, col, hit.link, fmt["link"], string=number, tip=f"Public record of {number}")
    else:
        _text(sheet, row, col, hit.number, fmt["code"])


_WIDTHS = {"image": 17, "query": 22, "rank": 6, "score": 8, "number": 20, "title": 40, "assignees": 30, "inventors": 26,
           "authority": 16, "applied": 12, "published": 12, "granted": 12, "loc": 26, "legal_status": 14,
           "relevance": 14, "note": 36, "matched_view": 9, "why": 48, "marked_by": 18, "marked_at": 17}


def _hits(report: Report, sheet: Any, fmt: dict) -> None:
    columns = list(report.columns)
    if report.batch and not any(c.key == "query" for c in columns):
        columns.insert(1, type(columns[0])("query", "Product", "text"))
    if not any(c.key == "marked_by" for c in columns):  # counsel signs their marks here even when none was made
        at = next((i + 1 for i, c in enumerate(columns) if c.key == "note"), len(columns))
        columns[at:at] = [type(columns[0])(key, label, "text") for key, label, _width in _MARKED]
    last = len(columns) - 1
    row = _banner(report, sheet, fmt, last)
    _text(sheet, row, 0, report.title, fmt["title"])
    row += 1
    if not report.batch:
        section = report.sections[0]
        if section.multi_view:
            n = len(section.views)
            _text(sheet, row, 0, f"Query images: {n} views of one product, in search order: "
                                 + ", ".join(f"view {i} {v.label}" for i, v in enumerate(section.views, 1)),
                  fmt["label"])
            row += 1
            sheet.set_row_pixels(row, VIEW_PX + 12)
            for i, view in enumerate(section.views):  # one strip, left to right
                _image(sheet, row, 0, view.image, VIEW_PX, f"view {i + 1} of {n}", x_offset=4 + i * (VIEW_PX + 12))
            row += 1
        else:
            _text(sheet, row, 0, f"Query image: {section.query}", fmt["label"])
            row += 1
        if section.query_image is not None and not section.multi_view:
            sheet.set_row_pixels(row, QUERY_PX + 12)
            _image(sheet, row, 0, section.query_image, QUERY_PX, "query image")
            row += 1
    else:
        _text(sheet, row, 0, "Each product's image is on the Products sheet.", fmt["muted"])
        row += 1
    _text(sheet, row, 0, "Mark hits in the Relevance column (pick from the list), add notes, and put your name and "
                         "the time (UTC) in Marked by and Marked at; patsnap_pandas.read_triage() reads them back.", fmt["muted"])
    row += 1
    header = row
    for col, column in enumerate(columns):
        sheet.write_string(header, col, xml_safe(column.label), fmt["header"])
        sheet.set_column(col, col, _WIDTHS.get(column.key, 16))
    sheet.set_row(header, 20)
    hits = [h for s in report.sections for h in s.hits]
    for i, hit in enumerate(hits, start=header + 1):
        sheet.set_row_pixels(i, EXCEL_THUMB_PX + 10)
        for col, column in enumerate(columns):
            _hit_cell(sheet, i, col, column.key, hit, fmt)
    end = header + len(hits)
    sheet.freeze_panes(header + 1, 0)
    sheet.autofilter(header, 0, max(end, header), last)
    rel = next((j for j, c in enumerate(columns) if c.key == "relevance"), None)
    if rel is not None:
        sheet.data_validation(header + 1, rel, max(end, header + 1) + 500, rel, {
            "validate": "list", "source": list(RELEVANCE_VALUES), "ignore_blank": True,
            "input_title": "Relevance", "input_message": "relevant, not relevant or unsure",
            "error_title": "Not a relevance value", "error_message": "Pick relevant, not relevant or unsure.",
        })


def _hit_number(hit: Hit, key: str) -> tuple[float | int | None, str] | None:
    """The value and format name of a numeric column of the hits table (None: not a numeric column)."""
    if key == "rank":
        return hit.rank, "int"
    if key == "score":
        return hit.score, "score"
    if key == "matched_view":
        return hit.matched_view, "int"
    if key.startswith("score_view"):
        index = int(key[10:]) - 1
        return (hit.view_scores[index] if index < len(hit.view_scores) else None), "score"
    return None


def _hit_cell(sheet: Any, row: int, col: int, key: str, hit: Hit, fmt: dict) -> None:
    number = _hit_number(hit, key)
    if number is not None:
        value, style = number
        if value is not None:
            sheet.write_number(row, col, value, fmt[style])
    elif key == "image":
        _image(sheet, row, col, hit.image, EXCEL_THUMB_PX, hit.number)
    elif key == "number":
        _number(sheet, row, col, hit, fmt)
    elif key in ("applied", "published", "granted"):
        when = hit.dates.get(key)
        if isinstance(when, _dt.date):
            sheet.write_datetime(row, col, _dt.datetime(when.year, when.month, when.day), fmt["date"])
    elif key == "marked_at":  # a real date and time (UTC, as the header says), counsel may type theirs
        if hit.marked_at is not None:
            sheet.write_datetime(row, col, hit.marked_at.replace(tzinfo=None), fmt["stamp"])
        else:
            sheet.write_blank(row, col, None, fmt["stamp"])
    elif key in ("relevance", "note", "marked_by"):
        value = getattr(hit, key)
        if value:
            sheet.write_string(row, col, _cell_text(value), fmt["edit"])
        else:
            sheet.write_blank(row, col, None, fmt["edit"])
    else:
        _text(sheet, row, col, getattr(hit, key), fmt["text"])


def _about(report: Report, sheet: Any, fmt: dict) -> None:
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 90)
    row = _banner(report, sheet, fmt, 1) + 1
    rows = [("Title", report.title), ("Data source", report.source), *report.about,
            ("Score", words.SCORE_NOTE)]
    for label, value in rows:
        sheet.write_string(row, 0, xml_safe(label), fmt["label"])
        _text(sheet, row, 1, value, fmt["text"])
        row += 1


# --- clearance and prior-art workbooks (report.clearance) -------------------------------------------------

#: Who made each mark and when, after the Relevance and Note columns (read_triage reads them back).
_MARKED = (("marked_by", words.COLUMN_LABELS["marked_by"], 18), ("marked_at", words.COLUMN_LABELS["marked_at"], 17))
#: The job's Hits sheet: key, header, width (characters).
_JOB_SHEET: dict[str, tuple[tuple[str, str, int], ...]] = {
    "clearance": (("image", "Image", 17), ("number", "Number", 20), ("authority", "Office", 20), ("score", "Score", 8),
                  ("title", "Title", 30), ("assignees", "Owner", 26), ("applied", "Filed", 12),
                  ("granted", "Granted", 12), ("in_force", "In force", 11), ("in_force_reason", "Why", 30),
                  ("expiry", "Expiry (estimate)", 13), ("expiry_certainty", "How sure", 16),
                  ("expiry_patsnap", "PatSnap's expiry", 13), ("expiry_apart", "Days apart", 9),
                  ("expiry_rule", "Rule", 44), ("next_renewal", "Next renewal", 30),
                  ("relevance", "Relevance", 14), ("note", "Note", 30), *_MARKED),
    "prior_art": (("image", "Image", 17), ("number", "Number", 20), ("authority", "Office", 20), ("score", "Score", 8),
                  ("kind", "Kind", 13), ("published", "Published", 12), ("applied", "Filed", 12),
                  ("title", "Title", 40), ("assignees", "Owner", 34), ("relevance", "Relevance", 14), ("note", "Note", 30),
                  *_MARKED),
}


def _job_workbook(report: Report, job: Job, book: Any, fmt: dict) -> None:
    summary = book.add_worksheet("Summary")
    hits = book.add_worksheet("Hits")
    excluded = book.add_worksheet("Excluded")
    compare = book.add_worksheet("Comparison") if job.comparisons else None
    about = book.add_worksheet("About")
    _job_summary(report, job, summary, fmt)
    _job_hits(report, job, hits, fmt)
    _job_excluded(report, job, excluded, fmt)
    if compare is not None:
        _job_comparisons(report, job, compare, fmt)
    _about(report, about, fmt)
    summary.activate()


def _job_summary(report: Report, job: Job, sheet: Any, fmt: dict) -> None:
    sheet.set_column(0, 0, 50)
    sheet.set_column(1, 1, 90)
    row = _banner(report, sheet, fmt, 1) + 1
    _text(sheet, row, 0, report.title, fmt["title"])
    sheet.set_row(row, 28)
    row += 2
    cover = (("Author", report.author), ("Organisation", report.organisation), ("Search run", report.searched_at),
             ("Report made", report.created_at), ("Data source", report.source))
    row = _label_rows(sheet, row, [(k, v) for k, v in cover if v], fmt) + 1
    sheet.write_string(row, 0, "What was searched", fmt["h2"])
    row = _label_rows(sheet, row + 1, job.scope, fmt) + 1
    sheet.write_string(row, 0, "Counts", fmt["h2"])
    row += 1
    for label, value in job.counts:
        sheet.write_string(row, 0, xml_safe(label), fmt["label"])
        sheet.write_number(row, 1, int(value.replace(",", "")), fmt["int_left"])
        row += 1
    row += 1
    sheet.write_string(row, 0, "What this search cannot see", fmt["h2"])
    row = _label_rows(sheet, row + 1, [("", text) for text in job.blind_spots], fmt) + 1
    sheet.write_string(row, 0, "Not a legal opinion", fmt["h2"])
    sheet.merge_range(row + 1, 0, row + 1, 1, job.disclaimer, fmt["disclaimer"])
    sheet.set_row(row + 1, 64)
    sheet.merge_range(row + 2, 0, row + 2, 1, report.score_note, fmt["muted"])
    sheet.set_row(row + 2, 48)


def _job_value(hit: Hit, key: str) -> Any:
    """The value of one cell of a job's Hits sheet: a date, a number or text."""
    if key == "expiry_apart":
        if hit.expiry is None or hit.expiry_patsnap is None:
            return None
        return abs((hit.expiry_patsnap - hit.expiry).days)
    if key == "kind":
        return "utility model" if hit.utility_model else "design"
    if key in ("applied", "published", "granted"):
        return hit.dates.get(key)
    return getattr(hit, key)


def _job_cell(sheet: Any, row: int, col: int, key: str, hit: Hit, fmt: dict) -> None:
    if key in ("image", "number", "score", "relevance", "note", "marked_by", "marked_at"):
        _hit_cell(sheet, row, col, key, hit, fmt)
        return
    value = _job_value(hit, key)
    if isinstance(value, _dt.date):
        sheet.write_datetime(row, col, _dt.datetime(value.year, value.month, value.day), fmt["date"])
    elif isinstance(value, int) and not isinstance(value, bool):
        sheet.write_number(row, col, value, fmt["int"])
    elif value:
        style = fmt["um"] if key == "kind" and hit.utility_model else fmt["text"]
        _text(sheet, row, col, str(value), style)


def _job_hits(report: Report, job: Job, sheet: Any, fmt: dict) -> None:
    columns = _JOB_SHEET[job.kind]
    row = _banner(report, sheet, fmt, len(columns) - 1)
    _text(sheet, row, 0, f"{job.table_heading} ({len(job.rows)})", fmt["title"])
    _text(sheet, row + 1, 0, "Mark hits in the Relevance column (pick from the list), add notes, and put your name "
                             "and the time (UTC) in Marked by and Marked at; patsnap_pandas.read_triage() reads them back.", fmt["muted"])
    header = row + 2
    for col, (_key, label, width) in enumerate(columns):
        sheet.write_string(header, col, label, fmt["header"])
        sheet.set_column(col, col, width)
    for i, hit in enumerate(job.rows, start=header + 1):
        sheet.set_row_pixels(i, EXCEL_THUMB_PX + 10)
        for col, (key, _label, _width) in enumerate(columns):
            _job_cell(sheet, i, col, key, hit, fmt)
    end = header + len(job.rows)
    sheet.freeze_panes(header + 1, 0)
    sheet.autofilter(header, 0, max(end, header), len(columns) - 1)
    rel = next(j for j, c in enumerate(columns) if c[0] == "relevance")
    sheet.data_validation(header + 1, rel, max(end, header + 1) + 500, rel, {
        "validate": "list", "source": list(RELEVANCE_VALUES), "ignore_blank": True,
        "error_title": "Not a relevance value", "error_message": "Pick relevant, not relevant or unsure."})


def _job_excluded(report: Report, job: Job, sheet: Any, fmt: dict) -> None:
    headers = (("Number", 22), ("Office", 18), ("Title", 36), ("Why it was excluded", 70), ("Expiry (estimate)", 14))
    row = _banner(report, sheet, fmt, len(headers) - 1)
    _text(sheet, row, 0, f"Excluded, and why ({len(job.excluded)})", fmt["title"])
    row += 1
    for col, (label, width) in enumerate(headers):
        sheet.write_string(row, col, label, fmt["header"])
        sheet.set_column(col, col, width)
    first = row
    for item in job.excluded:
        row += 1
        if item.link:
            number = truncate(xml_safe(item.number), 200)
            sheet.write_url(row, 0, item.link, fmt["link"], string=number, tip=f"Public record of {number}")
        else:
            _text(sheet, row, 0, item.number, fmt["code"])
        _text(sheet, row, 1, item.authority, fmt["text"])
        _text(sheet, row, 2, item.title, fmt["text"])
        _text(sheet, row, 3, item.reason, fmt["text"])
        if item.expiry is not None:
            sheet.write_datetime(row, 4, _dt.datetime(item.expiry.year, item.expiry.month, item.expiry.day), fmt["date"])
    if not job.excluded:
        _text(sheet, row + 1, 0, "Nothing was excluded.", fmt["muted"])
    sheet.freeze_panes(first + 1, 0)


def _job_comparisons(report: Report, job: Job, sheet: Any, fmt: dict) -> None:
    sheet.set_column(0, 0, 120)
    sheet.set_column(1, 1, 4)
    row = _banner(report, sheet, fmt, 1)
    _text(sheet, row, 0, "Three-way comparison", fmt["title"])
    row += 1
    for tw in job.comparisons:
        words_ = "; ".join(f"{p.role}: {p.caption}" + "".join(f", {k} {v}" for k, v in p.facts) for p in tw.pictures)
        _text(sheet, row, 0, words_, fmt["text"])
        sheet.set_row(row, 48)
        png = tw.png()
        sheet.set_row_pixels(row + 1, _png_height(png) + 12)
        sheet.insert_image(row + 1, 0, "three-way comparison.png", {
            "image_data": io.BytesIO(png), "x_offset": 4, "y_offset": 4, "object_position": 1,
            "description": truncate(xml_safe(words_), 255)})
        _text(sheet, row + 2, 0, tw.note, fmt["muted"])
        row += 4


def _png_height(png: bytes) -> int:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as im:
        return int(im.height)

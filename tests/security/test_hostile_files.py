"""Issue 21, hostile files: read_triage checks a file from counsel before it loads it; a sandbox
corpus serves no file from outside its folder.

Every workbook here is crafted byte by byte with ``zipfile`` (a few KB, written in
milliseconds, or streamed in chunks): a declared sheet size of a million rows, rows that
jump to row 1,048,576, a part that would inflate a thousand times, a part whose declared
size lies, two million real rows. Each is refused with an error naming the limit, and the
memory the refusal takes is measured with tracemalloc (the issue's bound: 100 MB).
"""

from __future__ import annotations

import re
import struct
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl  # noqa: F401  (imported before memory is traced: its import is no part of a refusal)
import pandas as pd
import pytest
import requests

from patsnap_pandas import InvalidInputError, PatsnapClient, PatsnapError, read_triage, search_designs
from patsnap_pandas.frame.triage import MAX_TRIAGE_ROWS
from patsnap_pandas.sandbox import start_sandbox
from tests.helpers import drawing_png

MEMORY_BOUND = 100 * 2**20  # the acceptance criterion

_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PARTS = {
    "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                           '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                           '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
                           'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                           '<Override PartName="/xl/worksheets/sheet1.xml" '
                           'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
                   f'Id="rId1" Type="{_R}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<workbook {_NS} xmlns:r="{_R}"><sheets><sheet name="Hits" sheetId="1" r:id="rId1"/></sheets>'
                       '</workbook>',
    "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                  f'<Relationship Id="rId1" Type="{_R}/worksheet" Target="worksheets/sheet1.xml"/>'
                                  '</Relationships>',
}
HEADER = '<row r="1"><c r="A1" t="inlineStr"><is><t>Number</t></is></c><c r="B1" t="inlineStr"><is><t>Relevance</t></is></c></row>'


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _workbook(path: Path, rows, dimension: str | None = None, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A minimal .xlsx whose Hits sheet is ``rows`` (strings or an iterable of byte chunks), streamed into the zip."""
    head = f'<worksheet {_NS}>' + (f'<dimension ref="{dimension}"/>' if dimension else "") + "<sheetData>"
    with zipfile.ZipFile(path, "w", compression, compresslevel=9) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(head.encode())
            for chunk in rows:
                sheet.write(chunk.encode() if isinstance(chunk, str) else chunk)
            sheet.write(b"</sheetData></worksheet>")
    return path


def _refused(path: Path, match: str, **limits) -> tuple[str, int]:
    """read_triage(path) refuses with ``match``; returns the message and the peak memory traced meanwhile."""
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInputError, match=match) as caught:
            read_triage(path, **limits)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return str(caught.value), peak


# --- zip bombs ----------------------------------------------------------------------------------

def test_a_1_kb_workbook_declaring_a_million_rows_by_16384_columns_is_refused_in_little_memory(tmp_path):
    # Before: openpyxl padded every row to the declared XFD column and the rows were listed: 3.8 GB, MemoryError.
    rows = [HEADER, '<row r="1048576">' + _cell("XFD1048576", "x") + "</row>"]
    path = _workbook(tmp_path / "bomb.xlsx", rows, dimension="A1:XFD1048576")
    assert path.stat().st_size < 2048
    message, peak = _refused(path, r"sheet 'Hits' has 1,048,576 rows; read_triage reads at most 200,000 rows")
    assert "max_rows=200000, default MAX_TRIAGE_ROWS" in message and "Split the file" in message
    assert peak < MEMORY_BOUND, f"{peak / 2**20:.0f} MB"


def test_rows_that_jump_to_the_last_row_without_a_declared_size_are_refused_while_streaming(tmp_path):
    rows = [HEADER, '<row r="1048576">' + _cell("XFD1048576", "x") + "</row>"]
    path = _workbook(tmp_path / "jump.xlsx", rows)  # no <dimension>: only counting the rows finds the size
    assert path.stat().st_size < 2048
    message, peak = _refused(path, r"has more than 200,000 rows \(row 1,048,576 is used\)")
    assert peak < MEMORY_BOUND, f"{peak / 2**20:.0f} MB"


def test_a_part_that_would_inflate_a_thousand_times_is_refused_before_decompressing(tmp_path):
    filler = "<row/>" * 200_000  # 1.2 MB of XML in about 1 KB
    path = _workbook(tmp_path / "inflate.xlsx", [HEADER, filler])
    assert path.stat().st_size < 4096
    message, peak = _refused(path, r"a zip bomb: its part 'xl/worksheets/sheet1.xml' would grow [\d,]+ times")
    assert "MAX_COMPRESSION_RATIO" in message
    assert peak < MEMORY_BOUND, f"{peak / 2**20:.0f} MB"


def _declare_size(path: Path, member: str, size: int) -> None:
    """Rewrite the uncompressed size of ``member`` in the zip's local header and central directory."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    at = data.find(b"PK\x03\x04")
    while at >= 0:  # local headers: size at +22, name at +30
        if data[at + 30:at + 30 + len(name)] == name:
            struct.pack_into("<L", data, at + 22, size)
        at = data.find(b"PK\x03\x04", at + 4)
    at = data.find(b"PK\x01\x02")
    while at >= 0:  # central directory entries: size at +24, name at +46
        if data[at + 46:at + 46 + len(name)] == name:
            struct.pack_into("<L", data, at + 24, size)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


def test_a_part_declaring_gigabytes_is_refused_with_the_limit_in_the_message(tmp_path):
    path = _workbook(tmp_path / "declared.xlsx", [HEADER], compression=zipfile.ZIP_STORED)
    _declare_size(path, "xl/worksheets/sheet1.xml", 4_000_000_000)
    message, peak = _refused(path, r"its parts would take 3814\.\d MB once uncompressed .*zip bomb")
    assert "read_triage reads at most 256.0 MB (max_bytes=268435456, default MAX_TRIAGE_BYTES)" in message
    assert peak < MEMORY_BOUND


def test_a_part_whose_data_is_larger_than_declared_is_a_clear_error_not_a_raw_zip_error(tmp_path):
    rows = [HEADER] + [f'<row r="{i}">{_cell(f"A{i}", f"USD{i}S")}</row>' for i in range(2, 3000)]
    path = _workbook(tmp_path / "lying.xlsx", rows)
    _declare_size(path, "xl/worksheets/sheet1.xml", 2000)  # the real data is ~150 KB
    with pytest.raises(InvalidInputError, match=r"path='.*lying.xlsx' is not valid: .*(damaged|not valid XML)"):
        read_triage(path)


# --- too many rows or cells -----------------------------------------------------------------------

def test_a_sheet_declaring_two_million_rows_is_refused_before_any_row_is_read(tmp_path):
    path = _workbook(tmp_path / "declared-rows.xlsx", [HEADER], dimension="A1:J2000000")
    message, _ = _refused(path, r"sheet 'Hits' has 2,000,000 rows; read_triage reads at most 200,000 rows")
    assert "pass a larger max_rows=" in message


def test_two_million_real_rows_under_a_small_declared_size_are_refused_at_the_limit(tmp_path):
    chunk = b"<row><c><v>7</v></c></row>" * 100_000  # rows numbered by their order, as Excel allows
    path = _workbook(tmp_path / "two-million.xlsx", [HEADER] + [chunk] * 20, dimension="A1:B10",
                     compression=zipfile.ZIP_STORED)  # 52 MB on disk, written in a moment
    message, peak = _refused(path, r"sheet 'Hits' has more than 200,000 rows; read_triage reads at most 200,000 rows")
    assert peak < MEMORY_BOUND, f"{peak / 2**20:.0f} MB"
    assert "Split the file into smaller ones" in message


def test_a_sheet_wider_than_excel_or_with_too_many_cells_is_refused(tmp_path):
    wide = _workbook(tmp_path / "wide.xlsx", [HEADER, '<row r="2">' + _cell("XFE2", "x") + "</row>"])
    with pytest.raises(InvalidInputError, match=r"row 2 has cells beyond column XFD"):
        read_triage(wide)
    cells = _workbook(tmp_path / "cells.xlsx", [HEADER] + [f'<row r="{i}">{_cell(f"Z{i}", "x")}</row>'
                                                          for i in range(2, 12)])
    with pytest.raises(InvalidInputError, match=r"more than 100 cells .*max_cells=100, default MAX_TRIAGE_CELLS"):
        read_triage(cells, max_cells=100)
    assert len(read_triage(cells, max_cells=1000)) == 0  # a larger limit: read (no Number in those rows)


def test_csv_and_parquet_have_the_same_row_limit(tmp_path):
    frame = pd.DataFrame({"patent_pn": [f"USD{i}S" for i in range(12)], "relevance": ["relevant"] * 12})
    frame.to_csv(tmp_path / "marks.csv", index=False)
    frame.to_parquet(tmp_path / "marks.parquet")
    for name in ("marks.csv", "marks.parquet"):
        with pytest.raises(InvalidInputError, match=r"more than 10 rows|has 12 rows; .*at most 10 rows \(max_rows=10"):
            read_triage(tmp_path / name, max_rows=10)
        assert len(read_triage(tmp_path / name, max_rows=12)) == 12
    assert MAX_TRIAGE_ROWS == 200_000
    with pytest.raises(InvalidInputError, match=r"it takes \d+ bytes; read_triage reads at most 100 bytes \(max_bytes=100,"):
        read_triage(tmp_path / "marks.csv", max_bytes=100)
    with pytest.raises(InvalidInputError, match=r"max_rows=0 is not valid"):
        read_triage(tmp_path / "marks.csv", max_rows=0)


# --- files that are not what their name says ------------------------------------------------------

@pytest.mark.parametrize(("content", "what", "hint"), [
    (b"Number,Relevance\nUSD1S,relevant\n", "a text file (a CSV?)", "If it is a CSV, name it .csv."),
    (b"\xef\xbb\xbfNumber;Relevance\r\n", "a text file (a CSV?)", "If it is a CSV, name it .csv."),
    (b"<!DOCTYPE html><html><body><table><tr><td>Number</td></tr></table></body></html>", "a web page (HTML)",
     "save it as an Excel Workbook (.xlsx)"),
    (b"<html xmlns:x='urn:schemas-microsoft-com:office:excel'><table></table></html>", "a web page (HTML)",
     "save it as an Excel Workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "an Excel 97-2003 workbook (.xls) or a password-protected",
     "without a password"),
    (b"%PDF-1.7\n", "a PDF document", ""),
    (b"PAR1\x00\x00", "a parquet file", "Name it .parquet."),
    (b"", "an empty file", ""),
])
def test_a_file_named_xlsx_that_is_something_else_says_what_it_is(tmp_path, content, what, hint):
    path = tmp_path / "marks.xlsx"
    path.write_bytes(content)
    with pytest.raises(InvalidInputError) as caught:
        read_triage(path)
    message = str(caught.value)
    assert f"it is named .xlsx but it is {what}" in message, message
    assert "read_triage reads an Excel workbook (.xlsx), a CSV (.csv) or a parquet file (.parquet)" in message
    assert hint in message and "BadZipFile" not in message


def test_other_mismatches_and_zips_that_are_no_workbook(tmp_path):
    with zipfile.ZipFile(tmp_path / "letter.xlsx", "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    with pytest.raises(InvalidInputError, match=r"a zip archive but not an Excel workbook \(it has no xl/workbook.xml"):
        read_triage(tmp_path / "letter.xlsx")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(InvalidInputError, match=r"a damaged zip file"):
        read_triage(tmp_path / "broken.xlsx")
    _workbook(tmp_path / "book.csv", [HEADER])
    with pytest.raises(InvalidInputError, match=r"named \.csv but it is a zip archive, not a CSV file.*name it \.xlsx"):
        read_triage(tmp_path / "book.csv")
    (tmp_path / "page.csv").write_text("<html><body>Number,Relevance</body></html>")
    with pytest.raises(InvalidInputError, match=r"named \.csv but it is a web page \(HTML\)"):
        read_triage(tmp_path / "page.csv")
    (tmp_path / "marks.parquet").write_text("Number,Relevance\n")
    with pytest.raises(InvalidInputError, match=r"named \.parquet but it is a text file"):
        read_triage(tmp_path / "marks.parquet")


def test_a_crafted_but_honest_workbook_still_reads(tmp_path):
    rows = [HEADER] + [f'<row r="{i}">{_cell(f"A{i}", f"USD{i}S")}{_cell(f"B{i}", "Relevant")}</row>'
                       for i in range(2, 6)] + ['<row r="9">' + _cell("A9", "USD9S") + "</row>"]
    marks = read_triage(_workbook(tmp_path / "ok.xlsx", rows, dimension="A1:B3"))  # declared too small: all read
    assert marks["patent_pn"].tolist() == ["USD2S", "USD3S", "USD4S", "USD5S", "USD9S"]
    assert marks["relevance"].tolist()[:4] == ["relevant"] * 4


# --- a sandbox corpus folder: no image from outside it is ever served --------------------------------

def _corpus_folder(root: Path, bad_file: str) -> Path:
    """A corpus folder of two drawings plus a third manifest row (line 4) naming ``bad_file``."""
    folder = root / "corpus"
    folder.mkdir(parents=True)
    for i, name in enumerate(("a.png", "b.png")):
        (folder / name).write_bytes(drawing_png(i))
    lines = ["file,patent_number,title,grant_date"] + [
        f"{name},D90000{i},Design {i},2021-01-05" for i, name in enumerate(("a.png", "b.png", bad_file))]
    (folder / "manifest.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("how", ["dot-dot", "absolute", "link"])
def test_a_corpus_row_leading_out_of_its_folder_is_refused_and_nothing_is_served(tmp_path, how):
    secret = tmp_path / "private" / "secret.png"
    secret.parent.mkdir()
    secret.write_bytes(drawing_png(7))
    bad = {"dot-dot": "../private/secret.png", "absolute": str(secret), "link": "c.png"}[how]
    folder = _corpus_folder(tmp_path, bad)
    if how == "link":
        (folder / "c.png").symlink_to(secret)
    expected = {"dot-dot": r"'\.\.' leads out of the corpus folder", "absolute": r"is an absolute path",
                "link": rf"a link leads \(to {secret}\) out of the corpus folder"}[how]
    with start_sandbox(folder, wait=False) as server:
        with pytest.raises(RuntimeError, match=re.escape(f"manifest.csv line 4: file={bad!r}")) as caught:
            server.wait_ready()
        assert re.search(expected, str(caught.value)) and "only images inside the corpus folder" in str(caught.value)
        status = requests.get(f"{server.base_url}/_sandbox/status", timeout=10).json()
        assert status["ready"] is False and "manifest.csv line 4: file=" in status["error"] and bad in status["error"]
        creds = server.credentials
        with PatsnapClient(base_url=server.base_url, api_key=creds.api_key, cache_dir=tmp_path / "cache",
                           backoff_factor=0.001, max_retries=0) as client:
            with pytest.raises(PatsnapError, match="the sandbox corpus failed to load"):
                search_designs(secret.read_bytes(), client=client, limit=3, thumbnails=False)


def test_a_link_inside_the_corpus_folder_is_served(tmp_path):
    folder = _corpus_folder(tmp_path, "sub/c.png")
    (folder / "sub").mkdir()
    (folder / "sub" / "c.png").symlink_to(folder / "b.png")  # a link that stays inside: fine
    with start_sandbox(folder) as server:
        assert len(server.corpus.designs) == 3
        with PatsnapClient(base_url=server.base_url, api_key=server.credentials.api_key,
                           cache_dir=tmp_path / "cache") as client:
            hits = search_designs(drawing_png(1), client=client, limit=3, thumbnails=False)
            assert {"USD900001S", "USD900002S"} <= set(hits["patent_pn"])
            served = requests.get(hits["image_url"].iloc[0], timeout=10)
            assert served.status_code == 200 and served.content.startswith(b"\x89PNG")

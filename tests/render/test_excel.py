"""write_excel: one embedded thumbnail per hit row, typed columns, no formulas."""

from __future__ import annotations

import datetime as dt
import zipfile

import openpyxl
import pandas as pd
import pytest

from patsnap_pandas.report import write_excel
from tests.render.helpers import hit, jpeg, make_frame, png, sample_frame, thumbs

FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1+2", "-2+3", "@SUM(A1)", "=1+1"]


def test_one_image_per_hit_row_anchored_in_its_row(tmp_path):
    df = sample_frame(5)
    images = thumbs(5)
    images[2] = None
    images[4] = png(size=(400, 200))
    out = write_excel(df, tmp_path / "hits.xlsx", images)
    assert out == tmp_path / "hits.xlsx"
    book = openpyxl.load_workbook(out)
    ws = book["hits"]
    rows = sorted(image.anchor._from.row for image in ws._images)
    assert rows == [1, 2, 4, 5]  # 0-based: data rows 2..6, row 4 (third hit) has none
    assert all(image.anchor._from.col == 0 for image in ws._images)
    assert all(ws.row_dimensions[r].height and ws.row_dimensions[r].height >= 96 * 0.75 for r in range(2, 7))
    biggest = max(ws._images, key=lambda im: im.anchor._from.row)
    assert (biggest.width, biggest.height) == (96, 48)  # scaled into the 96 px box
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:I6"  # thumbnail + 8 columns (no image_url)


def test_columns_are_typed_and_image_url_is_left_out(tmp_path):
    df = make_frame(
        [
            hit(1, 0.91234, apply_date="2020-01-31", grant_date=dt.date(2021, 5, 6), apdt="20190102", assignees="ACME; Foo"),
            hit(2, 0.5, apply_date=None, grant_date=None, apdt=None, assignees=None),
        ]
    )
    df["publication_date"] = pd.to_datetime(["2020-03-01", None])
    out = write_excel(df, tmp_path / "t.xlsx", [jpeg(), png()])
    ws = openpyxl.load_workbook(out)["hits"]
    header = [c.value for c in ws[1]]
    assert header[0] == "thumbnail"
    assert "image_url" not in header
    assert header[1:] == [c for c in df.columns if c != "image_url"]
    col = {name: i + 1 for i, name in enumerate(header)}
    assert ws.cell(2, col["rank"]).value == 1 and ws.cell(2, col["rank"]).data_type == "n"
    score = ws.cell(2, col["score"])
    assert score.value == pytest.approx(0.91234) and score.number_format == "0.000"
    for name, expected in (("apply_date", dt.datetime(2020, 1, 31)), ("grant_date", dt.datetime(2021, 5, 6)),
                           ("apdt", dt.datetime(2019, 1, 2)), ("publication_date", dt.datetime(2020, 3, 1))):
        cell = ws.cell(2, col[name])
        assert cell.is_date and cell.value == expected, name
        assert ws.cell(3, col[name]).value is None
    assert ws.cell(2, col["assignees"]).value == "ACME; Foo"
    assert ws.cell(2, col["patent_pn"]).value == "CN300000001S"
    assert ws.cell(1, 1).font.b
    text = zipfile.ZipFile(out).read("xl/worksheets/sheet1.xml").decode()
    assert "127.0.0.1" not in text and "<hyperlink" not in text


def test_formula_like_strings_stay_strings(tmp_path):
    df = make_frame([hit(i + 1, 0.9 - i / 10, title=f, patent_pn=f, assignees=f) for i, f in enumerate(FORMULAS)])
    out = write_excel(df, tmp_path / "f.xlsx", None)
    ws = openpyxl.load_workbook(out)["hits"]
    header = [c.value for c in ws[1]]
    for r, formula in enumerate(FORMULAS, start=2):
        for name in ("title", "patent_pn", "assignees"):
            cell = ws.cell(r, header.index(name) + 1)
            assert cell.value == formula and cell.data_type == "s", (name, formula)
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        assert "<f>" not in sheet and "<f " not in sheet
        assert not any(n.startswith("xl/worksheets/_rels") for n in z.namelist())  # no hyperlinks
    assert ws._images == []


def test_about_sheet_has_whitelisted_provenance(tmp_path):
    df = sample_frame(2)
    df.attrs["client_secret"] = "s3cr3t"
    out = write_excel(df, tmp_path / "p.xlsx", thumbs(2))
    about = dict(openpyxl.load_workbook(out)["about"].iter_rows(values_only=True))
    assert about["Search id"] == "SID-123"
    assert about["Filters"] == "country: CN, US; loc: 06-01"
    assert about["Hits"] == "2"
    with zipfile.ZipFile(out) as z:
        assert all(b"s3cr3t" not in z.read(n) for n in z.namelist())


def test_rtl_cjk_emoji_and_long_strings(tmp_path):
    huge = "y" * 40000
    df = make_frame([hit(1, 0.9, title="كرسي 🪑 椅子"), hit(2, 0.8, title=huge)])
    ws = openpyxl.load_workbook(write_excel(df, tmp_path / "u.xlsx", None))["hits"]
    header = [c.value for c in ws[1]]
    assert ws.cell(2, header.index("title") + 1).value == "كرسي 🪑 椅子"
    cut = ws.cell(3, header.index("title") + 1).value
    assert len(cut) == 32767 and cut.endswith("\u2026")


def test_excel_validation(tmp_path):
    df = sample_frame(2)
    with pytest.raises(ValueError, match=r"images has 3 item"):
        write_excel(df, tmp_path / "x.xlsx", thumbs(3))
    with pytest.raises(ValueError, match=r"missing required column\(s\) \['score'\]"):
        write_excel(df.drop(columns=["score"]), tmp_path / "x.xlsx", None)
    with pytest.raises(ValueError, match=r"thumbnail_size=8 is out of range; expected an integer from 16 to 512"):
        write_excel(df, tmp_path / "x.xlsx", None, thumbnail_size=8)
    assert not (tmp_path / "x.xlsx").exists()


def test_undecodable_thumbnail_is_skipped_with_a_warning(tmp_path):
    df = sample_frame(2)
    broken = b"\x89PNG\r\n\x1a\n" + b"not really a png"
    with pytest.warns(UserWarning, match=r"images\[0\] could not be decoded; row 2 has no thumbnail"):
        out = write_excel(df, tmp_path / "b.xlsx", [broken, png()])
    ws = openpyxl.load_workbook(out)["hits"]
    assert [image.anchor._from.row for image in ws._images] == [2]

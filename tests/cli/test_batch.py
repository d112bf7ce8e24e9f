"""`patsnap-pandas batch`: a CSV catalogue with relative paths, a duplicate, a missing file and an empty cell."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from patsnap_pandas.cli import main as cli
from tests.helpers import error_lines, run_cli

DESIGNS = (10, 20)


@pytest.fixture
def catalogue(sandbox, tmp_path):
    """catalogue/catalogue.csv with images in catalogue/img/ (paths relative to the CSV's folder)."""
    folder = tmp_path / "catalogue"
    (folder / "img").mkdir(parents=True)
    for n in DESIGNS:
        design = sandbox.corpus.designs[n]
        (folder / "img" / f"d{n}.png").write_bytes(sandbox.corpus.image_png(design.image_keys[0]))
    rows = ["sku,photo", "A1,img/d10.png", "B2,img/d20.png", "A1-again,img/d10.png", "C3,img/missing.png", "D4,"]
    (folder / "catalogue.csv").write_text("\n".join(rows) + "\n")
    return folder / "catalogue.csv"


def test_batch_end_to_end_to_csv(sandbox, catalogue, tmp_path):
    # run from another folder: image paths resolve against the CSV's folder, not the working one
    out = tmp_path / "hits.csv"
    result = run_cli("batch", catalogue.relative_to(tmp_path), "--image-column", "photo", "--label-column", "sku",
                     "--limit", "3", "--out", out.name, "--sandbox", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = error_lines(result.stderr)
    assert lines[0].startswith("sandbox: using the offline PatSnap sandbox")
    assert lines[1] == ("batch: 5 rows, 3 ok, 0 without hits, 2 errors; 2 distinct images searched, "
                        "4 billed calls")  # 2 uploads + 2 searches: the duplicate is searched once
    assert lines[2] == ("patsnap-pandas: warning: 2 of 5 rows failed; they are in the output with status "
                        "'error' and the reason in 'error':")
    assert lines[3].startswith("  data row 3 (C3): ImageInputError: image=")
    assert "missing.png': no such file" in lines[3]
    assert lines[4] == "  data row 4 (D4): ImageInputError: no image in this row (the cell is empty)"
    assert lines[5] == f"wrote {out.name}"

    df = pd.read_csv(out)
    assert df.columns[:14].tolist() == ["rank", "score", "patent_pn", "title", "patent_id", "image_url",
                                        "authority", "search_id", "query", "relevance", "note", "query_index",
                                        "status", "error"]
    assert df.groupby("query_index")["status"].first().tolist() == ["ok", "ok", "ok", "error", "error"]
    assert df.groupby("query_index").size().tolist() == [3, 3, 3, 1, 1]
    top = df[df["rank"] == 1].set_index("query")["patent_pn"].to_dict()
    designs = sandbox.corpus.designs
    assert top == {"A1": designs[10].patent_pn, "B2": designs[20].patent_pn, "A1-again": designs[10].patent_pn}
    assert df[df["status"] == "error"]["rank"].isna().all()


def test_batch_to_excel_and_strict_exit_code(sandbox, catalogue, tmp_path, capsys):
    out = tmp_path / "hits.xlsx"
    code = cli.main(["batch", str(catalogue), "--image-column", "photo", "--limit", "2", "--out", str(out),
                     "--sandbox", "--strict", "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1  # --strict: some rows failed (the file is still written)
    assert "batch: 5 rows, 3 ok, 0 without hits, 2 errors" in captured.err
    assert f"wrote {out} (thumbnails embedded)" in captured.err
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Summary", "Products", "Hits", "About"]
    hits = book["Hits"]
    header_row = next(r for r in hits.iter_rows() if any(c.value == "Number" for c in r))
    first = header_row[0].row
    header = [cell.value for cell in header_row]
    rows = list(hits.iter_rows(min_row=first + 1, values_only=True))
    # one section per distinct product label: d10 (its two rows share the image and label), d20
    assert sorted({row[header.index("Product")] for row in rows}) == ["img/d10.png", "img/d20.png"]
    assert len(rows) == 4
    in_rows = [im for im in hits._images if im.anchor._from.row + 1 > first]
    assert len(in_rows) == 4  # a thumbnail in each hit row
    products = [row for row in book["Products"].iter_rows(values_only=True)][2:]
    failed = [row for row in products if row[3] and str(row[3]).startswith("not searched")]
    assert len(failed) == 2 and all("ImageInputError" in row[3] for row in failed)


def test_batch_table_on_stdout_with_filters(sandbox, catalogue, capsys):
    code = cli.main(["batch", str(catalogue), "--image-column", "photo", "--limit", "2", "--sandbox",
                     "--country", sandbox.corpus.designs[10].authority])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    lines = captured.out.splitlines()
    assert lines[0].split() == ["query", "status", "rank", "score", "patent_pn", "title"]
    assert len(lines) == 1 + 6 + 2
    first = lines[1].split()
    assert first[:3] == ["img/d10.png", "ok", "1"] and first[4] == sandbox.corpus.designs[10].patent_pn
    assert lines[-2].split()[:3] == ["img/missing.png", "error", "ImageInputError:"]
    assert lines[-1].split() == ["error", "ImageInputError:", "no", "image", "in", "this", "row", "(the", "cell",
                                 "is", "empty)"]
    authority = sandbox.corpus.designs[10].authority
    allowed = {d.patent_pn for d in sandbox.corpus.designs if d.authority == authority}
    assert {line.split()[4] for line in lines[1:-2]} <= allowed

"""`patsnap-pandas search`: every output format, the embedded sandbox and the PATSNAP_* account."""

from __future__ import annotations

import re

import openpyxl
import pandas as pd
import pytest

from patsnap_pandas.cli import main as cli
from tests.helpers import error_lines, run_cli


@pytest.mark.slow  # the command in a subprocess, with its own sandbox: left out of `make test-fast`, run by `make test` and CI
def test_search_real_tiff_to_excel_with_the_sandbox(sandbox, real_designs, tmp_path):
    # end to end: a real bilevel TIFF drawing sheet, the real command, the embedded sandbox
    tiff = real_designs / "USD0917866-20210504" / "USD0917866-20210504-D00002.TIF"
    out = tmp_path / "hits.xlsx"
    result = run_cli("search", tiff, "--limit", "20", "--out", out, "--sandbox")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""  # results went to the file
    assert re.search(r"^sandbox: using the offline PatSnap sandbox on http://127\.0\.0\.1:\d+ "
                     r"\(generated corpus, 600 designs", result.stderr, re.MULTILINE)
    assert "20 hits of 600 matching designs for USD0917866-20210504-D00002.TIF" in result.stderr
    assert "2 billed calls" in result.stderr
    assert f"wrote {out} (thumbnails embedded)" in result.stderr

    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Summary", "Hits", "About"]
    assert all(sheet["A1"].value == "SANDBOX \u2014 synthetic designs, not PatSnap data" for sheet in book.worksheets)
    hits = book["Hits"]
    header_row = next(r for r in hits.iter_rows() if any(c.value == "Number" for c in r))
    first = header_row[0].row
    header = [cell.value for cell in header_row]
    assert header[:5] == ["Image", "Rank", "Score", "Number", "Title"]
    assert "image_url" not in header and "patent_id" not in header
    assert hits.max_row == first + 20
    rows = list(hits.iter_rows(min_row=first + 1, values_only=True))
    assert [row[1] for row in rows] == list(range(1, 21))
    scores = [row[2] for row in rows]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)
    pns = {d.patent_pn for d in sandbox.corpus.designs}  # same generated corpus (seed 0)
    assert all(row[3] in pns for row in rows)
    in_rows = sorted(image.anchor._from.row + 1 for image in hits._images if image.anchor._from.row + 1 > first)
    assert in_rows == list(range(first + 1, first + 21))
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row[0]}
    assert summary["Hits in this report"] == "20 of 20 fetched"


def test_search_enriched_pdf_report_with_title_and_author(sandbox, query_png, tmp_path, capsys):
    import subprocess

    out = tmp_path / "report.pdf"
    assert cli.main(["search", str(query_png), "--sandbox", "--limit", "6", "--enrich", "--with-legal-status",
                     "--title", "Chairs for counsel", "--author", "A. Analyst", "--out", str(out),
                     "--page-size", "Letter", "--pdf-engine", "weasyprint"]) == 0
    assert f"wrote {out} (thumbnails embedded)" in capsys.readouterr().err
    info = subprocess.run(["pdfinfo", str(out)], check=True, capture_output=True, text=True).stdout
    assert "612 x 792 pts (letter)" in info and "WeasyPrint" in info  # the engine asked for
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert "Chairs for counsel" in text and "A. Analyst" in text and "SANDBOX" in text
    assert "Legal status" in text and "Assignees" in text and "Applied" in text  # enriched
    csv = tmp_path / "hits.csv"
    assert cli.main(["search", str(query_png), "--sandbox", "--limit", "3", "--with-legal-status", "--out", str(csv)]) == 0
    df = pd.read_csv(csv)
    assert {"assignees", "apply_date", "simple_legal_status"} <= set(df.columns)


def test_search_to_stdout_with_the_environment_account(env_account, design, query_png, capsys):
    code = cli.main(["search", str(query_png), "--limit", "5"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    lines = captured.out.splitlines()
    assert lines[0].split() == ["rank", "score", "patent_pn", "authority", "title"]
    assert len(lines) == 6
    first = lines[1].split()
    assert first[0] == "1" and first[2] == design.patent_pn and first[3] == design.authority
    assert float(first[1]) >= 0.99
    assert "sandbox" not in captured.err  # the account from the environment, not --sandbox
    assert "5 hits of 600 matching designs for query.png" in captured.err
    assert "2 billed calls" in captured.err
    secret = env_account.credentials.api_key
    assert secret not in captured.out and secret not in captured.err

    # the same search again: answered by the cache in PATSNAP_CACHE_DIR, nothing billed
    before = len(env_account.ledger)
    assert cli.main(["search", str(query_png), "--limit", "5"]) == 0
    again = capsys.readouterr()
    assert again.out == captured.out
    assert "0 billed calls, from the cache" in again.err
    assert len(env_account.ledger) == before


def test_filter_options_reach_the_api(env_account, query_png, capsys):
    code = cli.main(["search", str(query_png), "--limit", "8", "--country", "us,cn", "--sort-field", "apd",
                     "--order", "ascending", "--apply-start", "2015-01-01", "--legal-status", "granted"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    search = [e for e in env_account.ledger.entries() if e.endpoint.endswith("/search-id")][-1]
    assert {k: search.params.get(k) for k in ("country", "field", "order", "apply_start_time", "legal_status",
                                              "limit")} == {
        "country": "CN,US", "field": "APD", "order": "asc", "apply_start_time": "20150101",
        "legal_status": "3", "limit": "8"}
    authorities = {line.split()[3] for line in captured.out.splitlines()[1:]}
    assert authorities and authorities <= {"US", "CN"}


def test_search_to_csv_html_and_parquet_with_the_sandbox(sandbox, design, query_png, tmp_path, capsys):
    csv, html, parquet = tmp_path / "hits.csv", tmp_path / "report.html", tmp_path / "hits.parquet"
    assert cli.main(["search", str(query_png), "--sandbox", "--limit", "12", "--out", str(csv)]) == 0
    err = capsys.readouterr().err
    assert "sandbox: using the offline PatSnap sandbox" in err and f"wrote {csv}\n" in err
    df = pd.read_csv(csv)
    assert list(df.columns[:11]) == ["rank", "score", "patent_pn", "title", "patent_id", "image_url",
                                     "authority", "search_id", "query", "relevance", "note"]
    assert len(df) == 12 and df["rank"].tolist() == list(range(1, 13))
    assert df["patent_pn"].iloc[0] == design.patent_pn
    assert (df["query"] == "query.png").all()
    assert not df["loc"].astype(str).str.startswith("[").any()  # list cells written as "a; b"

    assert cli.main(["search", str(query_png), "--sandbox", "--limit", "12", "--out", str(html),
                     "--title", "Chairs <& co>"]) == 0
    assert "(thumbnails embedded)" in capsys.readouterr().err
    text = html.read_text(encoding="utf-8")
    assert "<h1 dir=\"auto\">Chairs &lt;&amp; co&gt;</h1>" in text
    assert text.count('<td class="image"><img src="data:image/png;base64,') >= 12  # 12 hit thumbnails
    assert '<section class="query-image"><h2>Query image</h2><img src="data:image/png;base64,' in text
    assert "<script" not in text.lower() and "http://127.0.0.1" not in text
    assert design.patent_pn in text

    assert cli.main(["search", str(query_png), "--sandbox", "--max-results", "150", "--out", str(parquet)]) == 0
    assert "150 hits of 600" in capsys.readouterr().err
    back = pd.read_parquet(parquet)
    assert len(back) == 150 and back["rank"].tolist() == list(range(1, 151))
    assert str(back["rank"].dtype) == "Int64" and back["patent_id"].is_unique
    assert back.attrs["max_results"] == 150 and back.attrs["filters"] == {}


def test_sandbox_corpus_of_real_designs_finds_the_patent(real_subset, capsys):
    sheet = real_subset / "USD0917866-20210504" / "USD0917866-20210504-D00002.TIF"
    code = cli.main(["search", str(sheet), "--sandbox", "--sandbox-corpus", str(real_subset), "--limit", "3"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert f"(drawings from {real_subset.resolve()}, 4 designs" in captured.err
    rows = [line.split() for line in captured.out.splitlines()[1:]]
    assert rows[0][2] == "USD917866S"
    assert {row[2] for row in rows} == {"USD917866S", "USD923318S", "USD938702S"}  # the shoes, not the razor
    assert error_lines(captured.err)[-1].startswith("3 hits of 4 matching designs")

"""`patsnap-pandas prior-art`: the evidence table, the summary, files, and bad input, against the test's sandbox."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from patsnap_pandas.cli import main as cli
from tests.helpers import NUMBER_SEARCH, SANDBOX_TODAY, assert_safe_html, design_png, pdf_pages, pdf_text, words_misplaced

pytestmark = pytest.mark.patsnap_sandbox(today=SANDBOX_TODAY)

SINGLE, MULTIPLE = "/search/patent/image-single", "/search/patent/image-multiple"


@pytest.fixture
def query_file(query_png, tmp_path):
    path = tmp_path / "query.png"
    path.write_bytes(query_png)
    return path


def test_prior_art_prints_the_evidence_and_the_summary(env_account, query_file, query_design, capsys):
    cutoff = query_design.publication_date.isoformat()
    assert cli.main(["prior-art", str(query_file), "--before", cutoff, "--limit", "10"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].split() == ["rank", "score", "patent_pn", "kind", "authority", "publication_date", "owner",
                                "record_url", "title"]
    assert any(" utility model " in line for line in lines[1:]) and any(" design " in line for line in lines[1:])
    assert query_design.patent_pn not in captured.out  # published on the cutoff: excluded, not shown
    dates = [dt.date.fromisoformat(word) for line in lines[1:] for word in line.split()
             if len(word) == 10 and word[4] == "-" and word[7] == "-"]
    assert len(dates) == len(lines) - 1 and max(dates) < query_design.publication_date
    assert f"prior art published before {cutoff}: {len(lines) - 1} of " in captured.err
    assert "excluded (published on or after the cutoff: 1)" in captured.err
    assert "(4 billed calls)" in captured.err
    assert env_account.ledger.billed() == 4

    assert cli.main(["prior-art", str(query_file), "--before", cutoff, "--limit", "10"]) == 0
    assert "(0 billed calls)" in capsys.readouterr().err
    assert env_account.ledger.billed() == 4


def test_no_utility_models_and_several_views(env_account, query_file, corpus, tmp_path, capsys):
    side = tmp_path / "side.png"
    side.write_bytes(design_png(corpus, 6))
    assert cli.main(["prior-art", str(query_file), str(side), "--before", "2023-01-01", "--no-utility-models",
                     "--limit", "5"]) == 0
    out = capsys.readouterr().out
    assert " design " in out and "utility model" not in out
    assert env_account.ledger.billed(MULTIPLE) == 1 and env_account.ledger.billed(SINGLE) == 0


def test_out_csv_holds_every_hit_the_evidence_marked_kept(env_account, query_file, query_design, tmp_path, capsys):
    out = tmp_path / "prior-art.csv"
    cutoff = query_design.publication_date.isoformat()  # the query design itself is on the cutoff: excluded
    assert cli.main(["prior-art", str(query_file), "--before", cutoff, "--out", str(out)]) == 0
    assert capsys.readouterr().out == ""
    hits = pd.read_csv(out)
    evidence = hits[hits["kept"]]
    assert len(evidence) > 0 and evidence["excluded_reason"].isna().all()
    assert (pd.to_datetime(evidence["publication_date"]) < cutoff).all()
    late = hits[~hits["kept"]]
    assert query_design.patent_pn in set(late["patent_pn"])
    assert (pd.to_datetime(late["publication_date"]) >= cutoff).all()
    assert late["excluded_reason"].str.startswith("published on or after the cutoff").all()
    assert set(evidence["kind"]) == {"design", "utility model"}
    assert set(evidence["patent_type"]) == {"D", "U"}
    assert {"owner", "record_url", "image_url", "title", "authority", "patent_pn"} <= set(evidence.columns)


def test_out_xlsx_is_data_kept_excluded_and_about(env_account, query_file, tmp_path, capsys):
    out = tmp_path / "prior-art.xlsx"
    assert cli.main(["prior-art", str(query_file), "--before", "2021-01-01", "--limit", "5", "--out", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().err
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Kept", "Excluded", "About"]  # the data, as clearance writes it: no report
    kept = pd.read_excel(out, sheet_name="Kept")
    assert len(kept) > 0 and (pd.to_datetime(kept["publication_date"]) < "2021-01-01").all()


def test_out_parquet_holds_every_hit(env_account, query_file, tmp_path):
    out = tmp_path / "prior-art.parquet"
    assert cli.main(["prior-art", str(query_file), "--before", "2021-01-01", "--limit", "5", "--out", str(out)]) == 0
    hits = pd.read_parquet(out)
    assert {"kept", "excluded_reason", "patent_pn", "kind"} <= set(hits.columns) and hits["kept"].any()


@pytest.mark.parametrize(("argv", "named"), [
    (["--before", "2019/06/01"], "--before='2019/06/01' is not valid"),
    (["--before", "2019-06-01", "--limit", "0"], "--limit=0"),
    (["--before", "2019-06-01", "--country", "XX"], "--country='XX'"),
    (["--before", "2019-06-01", "--out", "x.doc"], "--out x.doc: --out writes the data"),
    (["--before", "2019-06-01", "--out", "x.pdf"], "the report is --report FILE"),
])
def test_bad_input_exits_2_before_any_billed_call(env_account, query_file, argv, named, capsys):
    assert cli.main(["prior-art", str(query_file), *argv]) == 2
    assert named in capsys.readouterr().err
    assert env_account.ledger.billed() == 0


def test_before_or_registered_is_required_and_help_exits_0(capsys):
    assert cli.main(["prior-art", "x.png"]) == 2
    assert "--before: give the cutoff (YYYY-MM-DD), or --registered NUMBER" in capsys.readouterr().err
    assert cli.main(["prior-art", "--help"]) == 0
    assert capsys.readouterr().out.startswith("usage: patsnap-pandas prior-art")


# --- --report, --registered, --accused ----------------------------------------------------------------


@pytest.fixture
def accused_file(corpus, tmp_path):
    path = tmp_path / "their-chair.png"
    path.write_bytes(design_png(corpus, 30))
    return path


def test_report_html_with_registered_and_accused(env_account, query_file, query_design, accused_file, tmp_path,
                                                 capsys):
    report = tmp_path / "prior-art.html"
    filed = query_design.apply_date.isoformat()
    assert cli.main(["prior-art", str(query_file), "--registered", query_design.patent_pn, "--accused",
                     str(accused_file), "--report", str(report), "--limit", "10"]) == 0
    out, err = capsys.readouterr()
    assert f"prior art published before {filed}: " in err
    assert f"wrote {report} (the prior-art report, with the three-way comparison)" in err
    assert env_account.ledger.billed(NUMBER_SEARCH) == 1
    markup = report.read_text(encoding="utf-8")
    text = " ".join(assert_safe_html(markup, "prior-art report").split())
    assert f"Prior art against {query_design.patent_pn} (published before {filed})" in text  # the title names it
    assert f"Evidence published before {filed}" in text
    assert '<span class="badge badge-um">utility model</span>' in markup  # utility models marked
    assert "Query image" in text and "views of one product" not in text  # one image, searched twice
    scope = text[text.index("What was searched"):text.index("Query image")]
    assert "Registered design" in scope and f"{query_design.patent_pn}, filed {filed}" in scope
    assert "the cutoff is its filing date (PatSnap's record gives no priority date" in scope
    assert "P069" not in scope  # counsel reads this row
    assert ">Legal status</th>" not in markup  # the job looks no legal status up: no empty column
    comparison = text[text.index("Three-way comparison"):text.index("Excluded, and why")]
    for words in ("Registered design", "Accused product", "Closest prior art", query_design.patent_pn,
                  f"Filed: {filed}", "their-chair.png"):
        assert words in comparison, words
    shown = [line.split()[2] for line in out.splitlines()[1:]]
    assert shown and shown[0] in comparison  # the closest prior art: the best-scored evidence


def test_report_pdf_of_the_three_way_comparison_renders(env_account, query_file, query_design, accused_file,
                                                        tmp_path):
    report = tmp_path / "prior-art.pdf"
    assert cli.main(["prior-art", str(query_file), "--registered", query_design.patent_pn, "--accused",
                     str(accused_file), "--report", str(report), "--limit", "5", "--no-utility-models"]) == 0
    pages = pdf_pages(report)
    assert pages > 0
    for page in range(1, pages + 1):
        assert words_misplaced(report, page) == [], page
    text = " ".join(pdf_text(report).split())
    assert "Three-way comparison" in text and query_design.patent_pn in text and "their-chair.png" in text


def test_report_docx_of_the_three_way_comparison(env_account, query_file, query_design, accused_file, tmp_path):
    import docx

    report = tmp_path / "prior-art.docx"
    assert cli.main(["prior-art", str(query_file), "--registered", query_design.patent_pn, "--accused",
                     str(accused_file), "--report", str(report), "--limit", "5"]) == 0
    document = docx.Document(report)
    text = "\n".join(p.text for p in document.paragraphs)
    tables = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "Three-way comparison" in text and "Not a legal opinion" in text
    assert "Accused product" in tables and "their-chair.png" in tables and query_design.patent_pn in tables


def test_out_and_report_together(env_account, query_file, tmp_path, capsys):
    out, report = tmp_path / "hits.csv", tmp_path / "prior-art.xlsx"
    assert cli.main(["prior-art", str(query_file), "--before", "2021-01-01", "--limit", "5", "--out", str(out),
                     "--report", str(report)]) == 0
    assert capsys.readouterr().out == ""
    assert "kept" in pd.read_csv(out).columns
    assert "Hits" in openpyxl.load_workbook(report).sheetnames  # the report's workbook, not the data's


def test_an_unknown_registered_number_exits_2_before_the_image_search(env_account, query_file, capsys):
    assert cli.main(["prior-art", str(query_file), "--registered", "USD0000001S"]) == 2
    assert "--registered='USD0000001S' is not valid: PatSnap's number search (P069)" in capsys.readouterr().err
    assert env_account.ledger.billed(NUMBER_SEARCH) == 1 and env_account.ledger.billed() == 1


@pytest.mark.parametrize(("argv", "named"), [
    (["--before", "2019-06-01", "--report", "x.doc"], "--report x.doc: unsupported file type '.doc'"),
    (["--before", "2019-06-01", "--report", "r.html", "--accused", "missing.png"], "--accused missing.png: no such file"),
    (["--before", "2019-06-01", "--accused", "QUERY"], "--accused QUERY: the three-way comparison is shown in the "
                                                      "report: give --report FILE"),
    (["--registered", "USD1S,USD2S"], "--registered='USD1S,USD2S' is not valid: give one number"),
])
def test_bad_report_options_exit_2_before_any_billed_call(env_account, query_file, argv, named, capsys):
    argv = [str(query_file) if a == "QUERY" else a for a in argv]
    named = named.replace("QUERY", str(query_file))
    assert cli.main(["prior-art", str(query_file), *argv]) == 2
    assert named in capsys.readouterr().err
    assert env_account.ledger.billed() == 0

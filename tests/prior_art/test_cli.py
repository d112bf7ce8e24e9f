"""`patsnap-pandas prior-art`: the evidence table, the summary, files, and bad input, against the test's sandbox."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest

from patsnap_pandas.cli import main as cli
from tests.helpers import SANDBOX_TODAY, design_png

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

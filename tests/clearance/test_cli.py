"""`patsnap-pandas clearance`: the kept table, the summary, --out .csv/.xlsx, several views, and bad arguments
refused (exit 2, naming the option) before any billed call. In-process, against this folder's sandbox."""

from __future__ import annotations

import subprocess

import openpyxl
import pandas as pd
import pytest

from patsnap_pandas.cli import main as cli
from tests.helpers import SANDBOX_TODAY, assert_safe_html, design_png, error_lines, pdf_pages, pdf_text, words_misplaced


@pytest.fixture
def account(sandbox, tmp_path, monkeypatch):
    """PATSNAP_* settings pointing at the sandbox (today = SANDBOX_TODAY), with a cache folder of this test."""
    monkeypatch.setenv("PATSNAP_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("PATSNAP_API_KEY", sandbox.credentials.api_key)
    monkeypatch.setenv("PATSNAP_CACHE_DIR", str(tmp_path / "client-cache"))
    return sandbox


@pytest.fixture
def chair(corpus, tmp_path):
    path = tmp_path / "query.png"
    path.write_bytes(design_png(corpus, 5))
    return path


def _truth(corpus, pid: str, markets: list[str]) -> bool:
    design = next(d for d in corpus.designs if d.patent_id == pid)
    return design.authority in markets and (design.in_force_on(SANDBOX_TODAY)
                                            or design.simple_legal_status_on(SANDBOX_TODAY) == 2)


def test_clearance_prints_the_kept_hits_and_the_summary(account, chair, corpus, capsys):
    code = cli.main(["clearance", str(chair), "--markets", "US,EU,CN", "--on", "2026-12-07", "--limit", "30"])
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["rank", "score", "patent_pn", "authority", "in_force", "expiry_estimate", "title"]
    pns = {d.patent_pn: d for d in corpus.designs}
    shown = [line.split()[2] for line in lines[1:]]
    assert shown and all(_truth(corpus, pns[pn].patent_id, ["US", "EM", "CN"]) for pn in shown)
    summary = next(line for line in error_lines(err) if line.startswith("clearance in US, EM, CN on 2026-12-07: "))
    assert f"{len(shown)} of 30 hits kept" in summary
    assert f"({account.ledger.billed()} billed calls;" in summary and account.ledger.billed() == 4
    assert "not a legal opinion" in err
    assert ("checked: the 30 most similar hits (--limit 30); a design ranked lower is not in this clearance: "
            "raise --limit to check more") in error_lines(err)


def test_out_csv_holds_every_hit_with_its_reason(account, chair, corpus, tmp_path, capsys):
    out = tmp_path / "clearance.csv"
    assert cli.main(["clearance", str(chair), "--markets", "US", "--on", "2026-12-07", "--limit", "20",
                     "--out", str(out)]) == 0
    assert capsys.readouterr().out == ""
    table = pd.read_csv(out)
    assert len(table) == 20 and {"kept", "excluded_reason", "in_force", "expiry_estimate"} <= set(table.columns)
    for pid, kept, reason in zip(table["patent_id"], table["kept"], table["excluded_reason"], strict=True):
        assert bool(kept) == _truth(corpus, pid, ["US"])
        assert pd.isna(reason) == bool(kept)


def test_out_xlsx_has_kept_excluded_and_about_sheets(account, chair, tmp_path):
    out = tmp_path / "clearance.xlsx"
    assert cli.main(["clearance", str(chair), "--markets", "CN,US", "--on", "2026-12-07", "--limit", "15",
                     "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Kept", "Excluded", "About"]
    kept, excluded = book["Kept"].max_row - 1, book["Excluded"].max_row - 1
    assert kept + excluded == 15
    about = {row[0]: row[1] for row in book["About"].iter_rows(min_row=2, values_only=True)}
    assert about["job"] == "clearance" and about["on"] == "2026-12-07"
    assert about["summary"].startswith(f"clearance in CN, US on 2026-12-07: {kept} of 15 hits kept")


def test_several_images_are_views_of_one_product(account, corpus, tmp_path, capsys):
    design = corpus.designs[12]
    paths = []
    for i, key in enumerate(design.image_keys[:2]):
        paths.append(tmp_path / f"view{i}.png")
        paths[-1].write_bytes(corpus.image_png(key))
    assert cli.main(["clearance", *map(str, paths), "--markets", design.authority, "--limit", "10"]) == 0
    assert account.ledger.billed("/search/patent/image-multiple") == 1


@pytest.mark.parametrize(("extra", "named"), [
    (["--markets", "US,Atlantis"], "--markets='US,Atlantis' is not valid"),
    (["--markets", "US", "--on", "2027-02-30"], "--on='2027-02-30' is not valid"),
    (["--markets", "US", "--out", "x.pdf"], "--out x.pdf: --out writes the data, .csv, .parquet or .xlsx; the report is --report FILE"),
    (["--markets", "US", "--limit", "0"], "--limit"),
    (["--markets", "US", "--country", "XX"], "--country"),
])
def test_bad_arguments_exit_2_naming_the_option_before_any_call(account, chair, capsys, extra, named):
    assert cli.main(["clearance", str(chair), *extra]) == 2
    err = capsys.readouterr().err
    assert named in err and len(error_lines(err)) == 1
    assert account.ledger.billed() == 0


def test_markets_is_required(account, chair, capsys):
    assert cli.main(["clearance", str(chair)]) == 2
    assert "--markets" in capsys.readouterr().err


# --- --report: the clearance report -------------------------------------------------------------------


def test_report_html_is_the_clearance_report(account, chair, corpus, tmp_path, capsys):
    report = tmp_path / "clearance.html"
    assert cli.main(["clearance", str(chair), "--markets", "US,EU,CN", "--on", "2026-12-07", "--limit", "15",
                     "--report", str(report), "--title", "Clearance of our C-100", "--author", "A. Analyst"]) == 0
    out, err = capsys.readouterr()
    assert f"wrote {report} (the clearance report)" in err
    shown = [line.split()[2] for line in out.splitlines()[1:]]  # the table is still on stdout
    text = " ".join(assert_safe_html(report.read_text(encoding="utf-8"), "clearance report").split())
    assert "Clearance of our C-100" in text and "A. Analyst" in text
    assert f"Registered designs in force or pending on 2026-12-07 ({len(shown)})" in text
    for heading in ("In force", "Expiry", "Rule", "Excluded, and why", "What this search cannot see",
                    "Not a legal opinion"):
        assert heading in text, heading
    assert all(number in text for number in shown)
    assert "United States, EUIPO (EU designs), China" in text
    assert account.ledger.billed() == 4  # the report costs no call of its own


def test_report_pdf_pages_render_inside_the_page(account, chair, tmp_path):
    report = tmp_path / "clearance.pdf"
    assert cli.main(["clearance", str(chair), "--markets", "US,EU,CN", "--on", "2026-12-07", "--limit", "10",
                     "--report", str(report), "--page-size", "Letter"]) == 0
    pages = pdf_pages(report)
    assert pages > 0
    info = subprocess.run(["pdfinfo", str(report)], check=True, capture_output=True, text=True).stdout
    assert "612 x 792 pts (letter)" in info
    for page in range(1, pages + 1):
        assert words_misplaced(report, page) == [], page
    text = " ".join(pdf_text(report).split())
    assert "Registered designs in force or pending on 2026-12-07" in text and "Rule" in text


@pytest.mark.parametrize(("extra", "named"), [
    (["--report", "x.doc"], "--report x.doc: unsupported file type '.doc'; allowed: .xlsx, .html, .pdf, .docx"),
    (["--report", "no-such-folder/x.html"], "--report no-such-folder/x.html: the folder no-such-folder does not exist"),
])
def test_bad_report_exits_2_before_any_call(account, chair, capsys, extra, named):
    assert cli.main(["clearance", str(chair), "--markets", "US", *extra]) == 2
    assert named in capsys.readouterr().err
    assert account.ledger.billed() == 0

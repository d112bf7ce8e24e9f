"""Bad input: one line on stderr naming the option, exit 2, no traceback, nothing started.

Error cases run in-process (``cli.main``); one runs through the console script to check the
real entry point prints no traceback either.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from patsnap_pandas.cli import main as cli
from patsnap_pandas.cli import search as search_command
from tests.helpers import error_lines, run_cli


@pytest.fixture
def files(tmp_path, query_png):
    """A query image, a text file, and a catalogue CSV next to it."""
    (tmp_path / "notes.txt").write_text("not an image")
    (tmp_path / "catalogue.csv").write_text("sku,photo\nA1,query.png\n")
    return tmp_path


# (argv, text the one-line message must contain). Every search case passes --sandbox: the
# message must come before the sandbox starts (no "sandbox:" line on stderr).
USAGE_ERRORS = [
    (["search", "{png}", "--sandbox", "--loc", "01-01 AND"], "--loc='01-01 AND' is not valid"),
    (["search", "{png}", "--sandbox", "--loc", "1-99x"], "--loc="),
    (["search", "{png}", "--sandbox", "--country", "XX"], "--country='XX' is not valid: unknown authority 'XX'"),
    (["search", "{png}", "--sandbox", "--apply-start", "2021-13-01"], "--apply-start='2021-13-01' is not valid: month must be in 1..12"),
    (["search", "{png}", "--sandbox", "--public-start", "2022-01-01", "--public-end", "2021-01-01"],
     "--public-start='20220101' is after --public-end='20210101'"),
    (["search", "{png}", "--sandbox", "--legal-status", "grantd"], "Did you mean 'granted'?"),
    (["search", "{png}", "--sandbox", "--simple-legal-status", "7"], "--simple-legal-status='7' is not valid"),
    (["search", "{png}", "--sandbox", "--sort-field", "date"], "--sort-field='date' is not valid"),
    (["search", "{png}", "--sandbox", "--order", "sideways"], "--order='sideways' is not valid"),
    (["search", "{png}", "--sandbox", "--limit", "0"], "--limit=0 is not valid: out of range. Allowed: an integer from 1 to 100."),
    (["search", "{png}", "--sandbox", "--limit", "101"], "--limit=101 is not valid"),
    (["search", "{png}", "--sandbox", "--limit", "ten"], "argument --limit: invalid int value: 'ten'"),
    (["search", "{png}", "--sandbox", "--max-results", "1101"], "--max-results=1101 is not valid"),
    (["search", "{dir}/missing.png", "--sandbox"], "missing.png: no such file"),
    (["search", "{dir}/notes.txt", "--sandbox"], "notes.txt: not an image file Pillow can read"),
    (["search", "{dir}", "--sandbox"], ": not a file"),
    (["search", "{png}", "--sandbox", "--out", "{dir}/hits.txt"], "unsupported file type '.txt'; allowed: .csv, .parquet, .xlsx, .html, .pdf"),
    (["search", "{png}", "--sandbox", "--out", "{dir}/nowhere/hits.csv"], "nowhere does not exist"),
    (["search", "{png}", "--sandbox", "--out", "{dir}/r.pdf", "--page-size", "A3"],
     "--page-size='A3' is not valid: unknown page size. Allowed: 'A4' or 'Letter'."),
    (["search", "{png}", "--sandbox", "--out", "{dir}/r.pdf", "--pdf-engine", "prince"],
     "--pdf-engine='prince' is not valid: unknown PDF engine. Allowed: 'auto', 'chromium' or 'weasyprint'."),
    (["search", "{png}", "--sandbox", "--sandbox-corpus", "{dir}"], "no manifest.csv in that folder"),
    (["search", "{png}", "--sandbox-corpus", "generated"], "--sandbox-corpus needs --sandbox"),
    (["search", "--sandbox"], "the following arguments are required: IMAGE"),
    (["serach", "{png}"], "invalid choice: 'serach'"),
    (["cache"], "the following arguments are required: ACTION"),
    (["cache", "purge"], "invalid choice: 'purge'"),
    (["batch", "{dir}/catalogue.csv", "--sandbox"], "the following arguments are required: --image-column"),
    (["batch", "{dir}/catalogue.csv", "--image-column", "image", "--sandbox"],
     "--image-column 'image' is not a column of"),
    (["batch", "{dir}/catalogue.csv", "--image-column", "photo", "--label-column", "name", "--sandbox"],
     "--label-column 'name' is not a column"),
    (["batch", "{dir}/nothing.csv", "--image-column", "photo", "--sandbox"], "nothing.csv: no such file"),
    (["batch", "{dir}/catalogue.csv", "--image-column", "photo", "--workers", "0", "--sandbox"],
     "--workers=0 is not valid"),
    (["batch", "{dir}/catalogue.csv", "--image-column", "photo", "--country", "Mars", "--sandbox"],
     "--country='Mars' is not valid"),
    (["demo", "--limit", "500"], "--limit=500 is not valid"),
    (["demo", "--sandbox-corpus", "{dir}"], "--sandbox-corpus {dir}: no manifest.csv in that folder"),
    (["demo", "--corpus", "{dir}"], "--sandbox-corpus {dir}: no manifest.csv in that folder"),
    (["sandbox", "--sandbox-corpus", "{dir}"], "--sandbox-corpus {dir}: no manifest.csv in that folder"),
    (["sandbox", "--failure-rate", "2"], "failure_rate=2.0: expected a number >= 0.0 and <= 1.0"),
]


@pytest.mark.parametrize("argv, expected", USAGE_ERRORS, ids=[" ".join(a[:1] + a[2:])[:60] for a, _ in USAGE_ERRORS])
def test_bad_arguments_exit_2_with_one_line(argv, expected, files, capsys):
    argv = [a.format(png=files / "query.png", dir=files) for a in argv]
    expected = expected.format(dir=files)
    code = cli.main(argv)
    captured = capsys.readouterr()
    assert code == 2
    lines = error_lines(captured.err)
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("patsnap-pandas")
    assert ": error: " in lines[0]
    assert expected in lines[0]
    assert captured.out == ""
    assert "Traceback" not in captured.err


def test_no_credentials_names_the_variables_and_sandbox(no_credentials, query_png, capsys):
    assert cli.main(["search", str(query_png)]) == 2
    line, = error_lines(capsys.readouterr().err)
    assert line == ("patsnap-pandas search: error: no PatSnap credentials in the environment: set "
                    "PATSNAP_API_KEY (an sk-... API key), or PATSNAP_CLIENT_ID and PATSNAP_CLIENT_SECRET "
                    "(a client-credentials account); or add --sandbox to run against the offline sandbox "
                    "(synthetic data, no account)")


def test_half_a_client_credentials_pair_says_which_is_missing(no_credentials, query_png, monkeypatch, capsys):
    monkeypatch.setenv("PATSNAP_CLIENT_ID", "my-client-id-value")
    assert cli.main(["search", str(query_png)]) == 2
    line, = error_lines(capsys.readouterr().err)
    assert "PATSNAP_CLIENT_ID is set but PATSNAP_CLIENT_SECRET is missing" in line
    assert "my-client-id-value" not in line


def test_bad_setting_in_the_environment(query_png, monkeypatch, capsys):
    monkeypatch.setenv("PATSNAP_API_KEY", "sk-anything")
    monkeypatch.setenv("PATSNAP_TIMEOUT", "soon")
    assert cli.main(["search", str(query_png)]) == 2
    line, = error_lines(capsys.readouterr().err)
    assert "PATSNAP_TIMEOUT='soon' is not valid" in line
    assert "sk-anything" not in line


def test_parquet_without_pyarrow_names_the_package(query_png, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow -> ImportError
    assert cli.main(["search", str(query_png), "--sandbox", "--out", str(tmp_path / "hits.parquet")]) == 2
    line, = error_lines(capsys.readouterr().err)
    assert line.endswith("writing .parquet files needs the package 'pyarrow', which is not installed "
                         "(pip install pyarrow)")


def test_api_error_exits_1_without_leaking_the_key(sandbox, query_png, monkeypatch, capsys):
    secret = "sk-wrong-but-secret-0123456789"
    monkeypatch.setenv("PATSNAP_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("PATSNAP_API_KEY", secret)
    assert cli.main(["search", str(query_png), "--no-cache"]) == 1
    captured = capsys.readouterr()
    line, = error_lines(captured.err)
    assert line.startswith("patsnap-pandas search: error: AuthenticationError: [error 67200003")
    assert "PATSNAP_API_KEY" in line
    assert secret not in captured.err and secret not in captured.out


def test_ctrl_c_exits_130(query_png, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setenv("PATSNAP_API_KEY", "sk-never-used")
    monkeypatch.setenv("PATSNAP_BASE_URL", "http://127.0.0.1:9")  # never contacted
    monkeypatch.setattr(search_command, "search_designs", interrupted)
    assert cli.main(["search", str(query_png)]) == 130
    assert error_lines(capsys.readouterr().err) == [
        "patsnap-pandas search: error: interrupted; no new billed call was made after it. Searches that "
        "finished are cached: run the same command again to continue from the cache at no cost."]


def test_unexpected_errors_are_one_line_unless_debug(query_png, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("something broke")

    monkeypatch.setenv("PATSNAP_API_KEY", "sk-never-used")
    monkeypatch.setenv("PATSNAP_BASE_URL", "http://127.0.0.1:9")
    monkeypatch.setattr(search_command, "search_designs", broken)
    assert cli.main(["search", str(query_png)]) == 1
    assert error_lines(capsys.readouterr().err) == [
        "patsnap-pandas search: error: unexpected RuntimeError: something broke (run with --debug for the traceback)"]
    with pytest.raises(RuntimeError, match="something broke"):
        cli.main(["--debug", "search", str(query_png)])


def test_console_script_error_has_no_traceback(tmp_path):
    script = Path(sys.executable).with_name("patsnap-pandas")
    assert script.is_file(), "the console script is installed with the package (pip install -e .)"
    result = run_cli("search", tmp_path / "nope.jpg", "--country", "CN", executable=[str(script)])
    assert result.returncode == 2
    assert error_lines(result.stderr) == [f"patsnap-pandas search: error: IMAGE {tmp_path / 'nope.jpg'}: no such file"]
    assert result.stdout == ""

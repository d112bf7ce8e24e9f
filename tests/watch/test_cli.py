"""`patsnap-pandas watch`: the actions in-process, and the crontab line and the systemd service of docs/watch.md
run as printed (in a subprocess, against the sandbox, whose date is moved a week on between two runs)."""

from __future__ import annotations

import html
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from patsnap_pandas import Watch
from patsnap_pandas.cli.main import main
from patsnap_pandas.cli.watch import EXIT_NEW_HITS
from patsnap_pandas.jobs.watch import today_utc
from patsnap_pandas.store.base import open_store
from tests.helpers import SUBPROCESS_TIMEOUT_S, WATCH_T0, WATCH_T1, ledger_counts

ROOT = Path(__file__).resolve().parents[2]
UPLOAD, SEARCH = "/image-search/image-upload", "/image-search/search-id"


@pytest.fixture
def env(sandbox, tmp_path, monkeypatch):
    """PATSNAP_* settings pointing at the sandbox, with the cache folder make_client() uses."""
    monkeypatch.setenv("PATSNAP_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("PATSNAP_API_KEY", sandbox.credentials.api_key)
    monkeypatch.setenv("PATSNAP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PATSNAP_CACHE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    return sandbox


def test_add_run_report_mark_show_and_remove(env, products, fresh_designs, capsys, tmp_path):
    chair, lamp, sneaker = (str(p) for p in products.values())
    assert main(["watch", "add", "our products", "--product", f"C-100={chair}", "--product",
                 f"L-200={lamp}", "--product", f"S-300={sneaker}", "--limit", "10"]) == 0
    assert "watch 'our products' kept in" in capsys.readouterr().err
    assert main(["watch", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == ["our products\t3 products\tnever run"]

    assert main(["watch", "run", "our products", "--as-of", WATCH_T0, "--digest", "digest-{day}.html"]) == EXIT_NEW_HITS
    first = capsys.readouterr()
    assert "run of 2026-11-30: 30 hits, 30 new; 6 billed calls" in first.err
    assert (tmp_path / "digest-2026-11-30.html").is_file()

    env.configure(today=WATCH_T1)
    assert main(["watch", "run", "our products", "--as-of", WATCH_T1, "--digest", "digest-{day}.html"]) == EXIT_NEW_HITS
    second = capsys.readouterr()
    assert "30 hits, 6 new; 3 billed calls" in second.err
    fresh = {pn for pns in fresh_designs.values() for pn in pns}
    table_numbers = {line.split()[3] for line in second.out.splitlines()[1:]}
    assert table_numbers == fresh                                             # stdout: the new designs
    digest = (tmp_path / "digest-2026-12-07.html").read_text(encoding="utf-8")
    assert "6 new designs" in digest and all(pn in digest for pn in fresh)

    assert main(["watch", "run", "our products", "--as-of", WATCH_T1, "--digest", "again.html"]) == 0
    assert "30 hits, 0 new; 0 billed calls" in capsys.readouterr().err
    assert not (tmp_path / "again.html").exists()                             # nothing new: no digest...
    assert main(["watch", "run", "our products", "--as-of", WATCH_T1, "--digest", "again.html", "--always"]) == 0
    assert "nothing new" in (tmp_path / "again.html").read_text(encoding="utf-8")  # ...unless --always
    assert ledger_counts(env) == {(UPLOAD, True): 3, (SEARCH, True): 6}

    assert main(["watch", "report", "our products", "--out", "all.xlsx", "--all"]) == 0
    assert len(pd.read_excel(tmp_path / "all.xlsx", sheet_name=None)) >= 1
    assert main(["watch", "report", "our products", "--out", "digest.docx"]) == 0     # Word, by its suffix too
    import docx

    words = "\n".join(p.text for p in docx.Document(str(tmp_path / "digest.docx")).paragraphs)
    assert "Watch 'our products': 6 new designs" in words
    pd.DataFrame({"patent_pn": sorted(fresh)[:2], "relevance": ["relevant", "not relevant"],
                  "note": ["close", ""]}).to_csv(tmp_path / "marks.csv", index=False)
    assert main(["watch", "mark", "our products", "marks.csv"]) == 0
    assert "2 designs marked" in capsys.readouterr().err
    assert main(["watch", "show", "our products"]) == 0
    shown = capsys.readouterr().out
    assert "watch 'our products': 3 products, 10 hits each" in shown and shown.count("done") == 4
    assert main(["watch", "remove", "our products"]) == 0
    assert main(["watch", "list"]) == 0 and "no watches kept" in capsys.readouterr().err
    assert ledger_counts(env) == {(UPLOAD, True): 3, (SEARCH, True): 6}     # report, mark, show: no call


def test_gone_images_an_unknown_watch_and_bad_options_exit_2_before_any_call(env, products, capsys):
    assert main(["watch", "add", "w", str(products["C-100"]), str(products["L-200"])]) == 0
    products["L-200"].unlink()
    assert main(["watch", "run", "w"]) == 2
    err = capsys.readouterr().err
    assert "the images of 1 product are gone: L-200: " in err and "nothing was searched or billed" in err
    assert main(["watch", "run", "nope"]) == 2
    assert "no watch named 'nope' in " in (err := capsys.readouterr().err) and "the watches kept are 'w'" in err
    assert "(add one: patsnap-pandas watch add NAME IMAGE)" in err and "Watch(" not in err  # the CLI's words
    assert main(["watch", "add", "z", str(products["C-100"]), "--markets", "Mars"]) == 2
    assert "--markets='Mars' is not valid: 'Mars' is not an authority code" in capsys.readouterr().err
    assert main(["watch", "add", "z", str(products["C-100"]), "--limit", "0"]) == 2
    assert "--limit=0 is not valid" in capsys.readouterr().err
    assert main(["watch", "add", "x", "--product", "C-100"]) == 2 and "NAME=IMAGE" in capsys.readouterr().err
    assert main(["watch", "run", "w", "--digest", "digest.txt"]) == 2
    assert "--digest digest.txt: unsupported file type '.txt'" in capsys.readouterr().err
    assert main(["watch", "add", "y", str(products["C-100"]), "--contry", "CN"]) == 2
    assert len(env.ledger.entries()) == 0


def test_a_failed_run_exits_1_and_the_next_run_resumes(env, products, capsys):
    assert main(["watch", "add", "w", str(products["C-100"]), str(products["L-200"])]) == 0
    env.configure(quota=2, quota_code=67200007)                               # the daily quota: one product's calls
    assert main(["watch", "run", "w", "--as-of", WATCH_T0]) == 1
    assert "QuotaExceededError" in capsys.readouterr().err
    env.configure(quota=None)
    assert main(["watch", "run", "w", "--as-of", WATCH_T0]) == EXIT_NEW_HITS
    assert "20 hits, 20 new; 2 billed calls" in capsys.readouterr().err     # only the product not finished
    assert main(["watch", "show", "w"]) == 0
    shown = capsys.readouterr().out
    assert "stopped: QuotaExceededError" in shown and " UTC " in shown


def test_a_digest_that_could_not_be_written_is_written_again_by_report(env, products, capsys, tmp_path, monkeypatch):
    import errno

    import patsnap_pandas.cli.watch as watch_cli

    assert main(["watch", "add", "w", str(products["C-100"]), "--limit", "5"]) == 0
    written = watch_cli.write_job_report

    def disk_full(model, out):
        raise OSError(errno.ENOSPC, "No space left on device", str(out[0]))

    monkeypatch.setattr(watch_cli, "write_job_report", disk_full)
    assert main(["watch", "run", "w", "--as-of", WATCH_T0, "--digest", "digest.html"]) == 1
    assert "No space left on device" in capsys.readouterr().err
    monkeypatch.setattr(watch_cli, "write_job_report", written)
    assert main(["watch", "run", "w", "--as-of", WATCH_T0]) == 0                 # reported: not new again
    assert main(["watch", "report", "w", "--out", "digest.html"]) == 0           # but the digest comes back
    assert "Watch 'w': 5 new designs" in html.unescape((tmp_path / "digest.html").read_text(encoding="utf-8"))


def test_counsel_marks_the_digest_workbook_and_the_next_run_carries_the_marks(env, products, capsys, tmp_path):
    import openpyxl

    assert main(["watch", "add", "chairs", str(products["C-100"]), "--limit", "3"]) == 0
    assert main(["watch", "run", "chairs", "--as-of", WATCH_T0, "--digest", "digest.xlsx"]) == EXIT_NEW_HITS
    book = openpyxl.load_workbook(tmp_path / "digest.xlsx")
    sheet = book["Hits"]
    header = next(r for r in range(1, 20) if sheet.cell(r, 1).value == "Image")
    columns = {sheet.cell(header, c).value: c for c in range(1, sheet.max_column + 1)}
    first = sheet.cell(header + 1, columns["Number"]).value
    for name, value in (("Relevance", "relevant"), ("Note", "same seat"), ("Marked by", "J. Counsel")):
        sheet.cell(header + 1, columns[name], value)
    book.save(tmp_path / "marked.xlsx")                                       # what counsel sends back
    assert main(["watch", "mark", "chairs", "marked.xlsx"]) == 0
    assert "1 design marked" in capsys.readouterr().err
    env.configure(today=WATCH_T1)
    assert main(["watch", "run", "chairs", "--as-of", WATCH_T1]) == 0         # nothing new this week
    store = open_store()                                                      # the watches' store, as the CLI's
    hits = Watch.load("chairs", client=store).last_hits(client=store)
    row = hits[hits["patent_pn"] == first].iloc[0]
    assert (row["relevance"], row["note"], row["marked_by"]) == ("relevant", "same seat", "J. Counsel")
    store.close()


# --- the scheduler lines of docs/watch.md, run as printed ------------------------------------------------

def _block(language: str, containing: str) -> str:
    text = (ROOT / "docs" / "watch.md").read_text(encoding="utf-8")
    blocks = re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)
    found = [b for b in blocks if containing in b]
    assert len(found) == 1, f"docs/watch.md has {len(found)} ```{language} blocks with {containing!r}"
    return found[0]


def _first_week(sandbox, cache_dir: Path, products) -> None:
    """The watch of the docs ("our chairs": the armchair) kept in ``cache_dir``, run on WATCH_T0; then the
    sandbox's date a week later. The fresh designs (fresh_designs) are published in between."""
    from patsnap_pandas import PatsnapClient

    with PatsnapClient(base_url=sandbox.base_url, api_key=sandbox.credentials.api_key, cache_dir=cache_dir,
                       cache_url=None, backoff_factor=0.001) as client:
        watch = Watch("our chairs", {"C-100": products["C-100"]}, limit=10).save(client=client)
        assert watch.run(client=client, as_of=WATCH_T0)["new"].all()
    sandbox.configure(today=WATCH_T1)
    assert today_utc().isoformat() != WATCH_T0  # the scheduled run is another day's


def _settings(sandbox, home: Path) -> dict[str, str]:
    """What a scheduler's environment holds besides the lines of the docs: the sandbox's address (instead of
    PatSnap's) and HOME."""
    return {"HOME": str(home), "PATSNAP_BASE_URL": sandbox.base_url, "LANG": "C.UTF-8"}


@pytest.mark.slow  # two runs of the command in a subprocess
def test_the_crontab_line_writes_the_digest_and_exits_3_then_0(sandbox, products, fresh_designs, tmp_path):
    home = tmp_path / "home"
    (home / "watches").mkdir(parents=True)
    cache_dir = home / ".cache" / "patsnap-pandas"
    _first_week(sandbox, cache_dir, products)
    lines = [line for line in _block("crontab", "watch run").splitlines() if line.strip()]
    env = _settings(sandbox, home)
    yours = {"PATSNAP_API_KEY": sandbox.credentials.api_key, "PATSNAP_CACHE_DIR": str(cache_dir),
             "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    for line in lines[:-1]:                                   # the settings: the docs' names, this machine's values
        name, _, _ = line.partition("=")
        env[name] = yours[name]
    command = lines[-1].split(None, 5)[5]                    # after the five time fields
    assert lines[-1].split()[:5] == ["0", "7", "*", "*", "1"]

    def cron() -> int:
        return subprocess.run(["/bin/sh", "-c", command], env=env, timeout=SUBPROCESS_TIMEOUT_S).returncode

    assert cron() == EXIT_NEW_HITS
    digest = home / "watches" / f"digest-{today_utc().isoformat()}.html"
    text = digest.read_text(encoding="utf-8")
    assert "2 new designs" in text and all(pn in text for pn in fresh_designs["C-100"])
    log = (home / "watches" / "watch.log").read_text(encoding="utf-8")
    assert "10 hits, 2 new; 1 billed call" in log                 # the search anew; the upload reused
    digest.unlink()
    assert cron() == 0 and not digest.exists()                    # the same day again: nothing new, nothing billed
    assert "10 hits, 0 new; 0 billed calls" in (home / "watches" / "watch.log").read_text(encoding="utf-8")


@pytest.mark.slow  # the command in a subprocess
def test_the_systemd_service_runs_as_printed_and_counts_exit_3_as_success(sandbox, products, fresh_designs, tmp_path):
    home = tmp_path / "home"
    (home / "watches").mkdir(parents=True)
    (home / ".venv").symlink_to(Path(sys.executable).parent.parent)  # %h/.venv: this checkout's
    cache_dir = home / ".cache" / "patsnap-pandas"
    _first_week(sandbox, cache_dir, products)
    unit = _block("ini", "[Service]").replace("%h", str(home))
    settings = dict(re.findall(r"^(\w+)=(.*)$", unit, flags=re.M))
    assert settings["Type"] == "oneshot" and settings["SuccessExitStatus"] == str(EXIT_NEW_HITS)
    env_file = Path(settings["EnvironmentFile"])
    env_file.parent.mkdir(parents=True, exist_ok=True)
    env_file.write_text(f"PATSNAP_API_KEY={sandbox.credentials.api_key}\n", encoding="utf-8")
    env = _settings(sandbox, home)
    name, _, value = settings["Environment"].partition("=")
    env[name] = value
    env.update(line.split("=", 1) for line in env_file.read_text(encoding="utf-8").splitlines())
    assert env["PATSNAP_CACHE_DIR"] == str(cache_dir)
    done = subprocess.run(shlex.split(settings["ExecStart"]), cwd=settings["WorkingDirectory"], env=env,
                          capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT_S)
    assert done.returncode == EXIT_NEW_HITS, done.stderr
    assert (home / "watches" / f"digest-{today_utc().isoformat()}.html").is_file()
    assert os.access(settings["ExecStart"].split()[0], os.X_OK)

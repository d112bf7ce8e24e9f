"""--help everywhere, the filter table, `cache info|clear|repair` and `demo`."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest

from patsnap_pandas.api.filters import SearchFilters
from patsnap_pandas.cli import main as cli
from patsnap_pandas.cli.search import FILTER_OPTIONS
from patsnap_pandas.store.cache import cache_info as client_cache_info

HELP = [[], ["search"], ["batch"], ["demo"], ["sandbox"], ["cache"], ["cache", "info"], ["cache", "clear"],
        ["cache", "restore-spending"], ["cache", "repair"]]


@pytest.mark.parametrize("command", HELP, ids=lambda c: " ".join(c) or "top")
def test_help_exits_0(command, capsys):
    assert cli.main([*command, "--help"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith(f"usage: {' '.join(['patsnap-pandas', *command])}")
    assert captured.err == ""


def test_version(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("patsnap-pandas 0.")


def test_every_search_filter_has_one_option(capsys):
    names = [f.name for f in dataclasses.fields(SearchFilters)]
    assert list(FILTER_OPTIONS) == names
    assert len(set(FILTER_OPTIONS.values())) == len(names)
    assert set(FILTER_OPTIONS.values()) == {
        "--loc", "--assignees", "--legal-status", "--country", "--simple-legal-status", "--main-field",
        "--apply-start", "--apply-end", "--public-start", "--public-end", "--sort-field", "--order"}
    for command in ("search", "batch"):
        cli.main([command, "--help"])
        text = capsys.readouterr().out
        for flag in FILTER_OPTIONS.values():
            assert f"{flag} VALUE" in text, (command, flag)


def test_cache_info_and_clear(env_account, query_png, tmp_path, capsys):
    folder = tmp_path / "client-cache"
    assert cli.main(["cache", "info"]) == 0
    text = capsys.readouterr().out
    assert f"cache folder  {folder} (PATSNAP_CACHE_DIR): does not exist yet, nothing cached" in text
    assert cli.main(["cache", "clear"]) == 0
    assert capsys.readouterr().out == f"nothing to clear in {folder}\n"
    assert not folder.exists()  # looking and clearing do not create it

    assert cli.main(["search", str(query_png), "--limit", "4", "--out", str(tmp_path / "r.html")]) == 0
    capsys.readouterr()
    assert cli.main(["cache", "info", "--json"]) == 0
    state = json.loads(capsys.readouterr().out)
    assert state["cache_dir"] == str(folder) and state["exists"] is True
    assert state["http_cache"]["responses"] == 1  # the search-id answer (uploads are never cached)
    assert state["uploads"]["remembered"] == 1
    assert state["thumbnails"]["files"] == 6 and state["thumbnails"]["bytes"] > 0  # 4 hits + the query (and kept large)

    assert cli.main(["cache", "info"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("HTTP cache    1 response, ")
    assert lines[2].startswith("uploads       1 remembered upload URL (")
    assert lines[3].startswith("thumbnails    6 files, ")

    assert cli.main(["cache", "clear", "--yes"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith(
        f"cleared {folder}: 1 cached response, 1 remembered upload, 6 thumbnails (")
    assert cli.main(["cache", "info", "--json"]) == 0
    state = json.loads(capsys.readouterr().out)
    assert (state["http_cache"]["responses"], state["uploads"]["remembered"], state["thumbnails"]["files"]) == (0, 0, 0)

    # after clearing, the same search is billed again
    before = len(env_account.ledger)
    assert cli.main(["search", str(query_png), "--limit", "4"]) == 0
    assert "2 billed calls" in capsys.readouterr().err
    assert len(env_account.ledger) == before + 2


def test_demo_runs_run_demo(sandbox, capsys):
    assert cli.main(["demo", "--corpus", "generated", "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert "Data source: 600 generated designs" in out
    assert "Top 3 of 600 designs" in out
    assert "Same search again: 0 billed calls (client usage: 0, sandbox ledger: 0 new entries)" in out


def test_table_cells_neutralise_terminal_escapes_and_show_lists():
    import pandas as pd

    from patsnap_pandas.cli.common import format_table

    df = pd.DataFrame({"rank": [1], "loc": [["06-01", "06-03"]],
                       "title": ["Chair\x1b[2J\x1b]0;owned\x07 design"]})
    text = format_table(df, ["rank", "loc", "title"])
    assert "\x1b" not in text and "\x07" not in text
    assert "06-01, 06-03" in text and "Chair\ufffd[2J\ufffd]0;owned\ufffd design" in text


def test_cache_info_and_clear_show_the_teams_redis(env_account, query_png, patsnap_redis, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("PATSNAP_CACHE_URL", patsnap_redis)
    monkeypatch.setenv("PATSNAP_BUDGET", "100/day")
    assert cli.main(["search", str(query_png), "--limit", "4", "--out", str(tmp_path / "r.csv")]) == 0
    capsys.readouterr()
    assert cli.main(["cache", "info"]) == 0
    text = capsys.readouterr().out
    assert f"shared cache  {patsnap_redis} (PATSNAP_CACHE_URL): 1 response, 1 remembered upload URL, " in text
    assert "billed calls  2 today, 2 this month (UTC; by everyone sharing this Redis)" in text
    assert "budget        98 of 100 calls left today: 100 billed calls per day" in text
    assert cli.main(["cache", "clear", "--yes"]) == 0
    out = capsys.readouterr().out
    assert f"shared cache   {patsnap_redis}: 1 paid answer, 1 remembered upload, " in out  # the plan names it
    assert f"cleared {patsnap_redis}: 1 cached response, 1 remembered upload, " in out
    assert cli.main(["cache", "info", "--json"]) == 0
    state = json.loads(capsys.readouterr().out)
    assert (state["shared"]["http_responses"], state["shared"]["uploads"]) == (0, 0)
    assert state["usage"]["spent_today"] == 2  # clearing the cache never resets spending


def test_a_redis_that_lost_its_counts_stops_the_search_until_restore_spending(env_account, query_png, patsnap_redis,
                                                                               monkeypatch, capsys):
    import redis

    monkeypatch.setenv("PATSNAP_CACHE_URL", patsnap_redis)
    monkeypatch.setenv("PATSNAP_BUDGET", "100/day")
    assert cli.main(["search", str(query_png), "--limit", "4"]) == 0
    capsys.readouterr()
    redis.Redis.from_url(patsnap_redis).flushall()            # the team's Redis restarted empty
    billed = len(env_account.ledger)
    assert cli.main(["search", str(query_png), "--limit", "4"]) == 1
    err = capsys.readouterr().err
    assert "SpendingLostError: " in err and "last saw 2 spent today" in err and "cache restore-spending" in err
    assert len(env_account.ledger) == billed                  # nothing billed
    assert cli.main(["cache", "info"]) == 0                   # said, not shown as "0 today"
    assert "billed calls  unreadable: The count of billed calls in the shared cache at " in capsys.readouterr().out
    assert cli.main(["cache", "restore-spending"]) == 0
    assert capsys.readouterr().out == ("restored the count of billed calls in PATSNAP_CACHE_URL: 2 today, "
                                       "2 this month (UTC); billed calls go on from there\n")
    assert cli.main(["search", str(query_png), "--limit", "4"]) == 0
    assert len(env_account.ledger) == billed + 2 and "2 billed calls" in capsys.readouterr().err


class _Terminal(io.StringIO):
    """Standard input that is a terminal, with the user's answer typed in."""

    def isatty(self) -> bool:
        return True


def test_cache_clear_says_what_it_deletes_and_asks_first(env_account, query_png, tmp_path, monkeypatch, capsys):
    folder = tmp_path / "client-cache"
    assert cli.main(["search", str(query_png), "--limit", "4", "--out", str(tmp_path / "r.html")]) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))  # not a terminal: no one to ask
    assert cli.main(["cache", "clear"]) == 2
    captured = capsys.readouterr()
    assert "nothing was deleted" in captured.err and "--yes" in captured.err
    lines = captured.out.splitlines()
    assert lines[0] == "`cache clear` deletes:" and len(lines) == 6
    assert lines[1].startswith("  HTTP cache     1 paid answer, ") and lines[1].endswith(f"({folder / 'http_cache.sqlite'})")
    assert lines[2] == f"  upload memo    1 remembered upload ({folder / 'uploads.sqlite'})"
    assert lines[3].startswith("  thumbnails     6 files, ") and lines[3].endswith(f"({folder / 'thumbnails'})")
    assert lines[4] == f"  lock files     2 files ({folder / 'locks'})"
    assert lines[5] == "It keeps the counts of billed calls (usage.sqlite). The next search of each image is billed again."
    monkeypatch.setattr("sys.stdin", _Terminal("n\n"))
    assert cli.main(["cache", "clear"]) == 1
    assert capsys.readouterr().out.endswith("Delete them? [y/N] nothing was deleted\n")
    assert client_cache_info(folder)["http_cache"]["responses"] == 1  # still there, twice refused
    monkeypatch.setattr("sys.stdin", _Terminal("yes\n"))
    assert cli.main(["cache", "clear"]) == 0
    assert f"cleared {folder}: 1 cached response" in capsys.readouterr().out
    assert client_cache_info(folder)["http_cache"]["responses"] == 0
    assert cli.main(["cache", "info"]) == 0 and "billed calls  2 today" in capsys.readouterr().out  # counts stay


def test_cache_repair_with_nothing_damaged_changes_nothing(env_account, query_png, tmp_path, capsys):
    assert cli.main(["search", str(query_png), "--limit", "4"]) == 0
    capsys.readouterr()
    assert cli.main(["cache", "repair"]) == 0
    assert capsys.readouterr().out == f"nothing to repair in {tmp_path / 'client-cache'}: every cache file is readable\n"
    before = len(env_account.ledger)
    assert cli.main(["search", str(query_png), "--limit", "4"]) == 0
    assert "0 billed calls" in capsys.readouterr().err and len(env_account.ledger) == before

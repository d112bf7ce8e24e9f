"""What a person sees of the budget: `patsnap-pandas cache info` and the panel's status line."""

from __future__ import annotations

import json

import pytest

from patsnap_pandas import cli

from .conftest import distinct_png


@pytest.fixture
def spent_two(make_client, tmp_path, monkeypatch):
    """The cache folder of the test, where a client spent 2 billed calls today; PATSNAP_CACHE_DIR points at it."""
    client = make_client(budget="50/day")
    client.create_search(client.upload_image(distinct_png(0), "q.png").url, limit=3)
    monkeypatch.setenv("PATSNAP_CACHE_DIR", str(client.cache_dir))
    return client


def test_cache_info_says_what_was_spent_and_what_is_left(spent_two, capsys, monkeypatch):
    monkeypatch.setenv("PATSNAP_BUDGET", "50/day")
    assert cli.main(["cache", "info"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[4] == "billed calls  2 today, 2 this month (UTC; by everyone sharing this folder)"
    resets = spent_two.usage.budget["resets_at"][:10]
    assert lines[5] == (f"budget        48 of 50 calls left today: 50 billed calls per day, resets at {resets} "
                        "00:00 UTC (PATSNAP_BUDGET)")
    assert cli.main(["cache", "info", "--json"]) == 0
    usage = json.loads(capsys.readouterr().out)["usage"]
    assert usage["budget"] == spent_two.usage.budget and usage["spent_this_month"] == 2


def test_cache_info_without_a_budget_says_how_to_set_one(spent_two, capsys):
    assert cli.main(["cache", "info"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[4].startswith("billed calls  2 today, 2 this month")
    assert lines[5] == "budget        none set (PATSNAP_BUDGET=500/day or 10000/month sets one)"


def test_cache_info_of_an_empty_folder_counts_zero_and_creates_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATSNAP_CACHE_DIR", str(tmp_path / "nothing-yet"))
    monkeypatch.setenv("PATSNAP_BUDGET", "10000")
    assert cli.main(["cache", "info"]) == 0
    text = capsys.readouterr().out
    assert "billed calls  0 today, 0 this month" in text
    assert "budget        10000 of 10000 calls left this month: 10000 billed calls per month" in text
    assert not (tmp_path / "nothing-yet").exists()


def test_a_damaged_usage_file_is_named_not_fatal(spent_two, capsys):
    (spent_two.cache_dir / "usage.sqlite").write_bytes(b"not a database" * 20)
    assert cli.main(["cache", "info"]) == 0
    text = capsys.readouterr().out
    assert f"billed calls  unreadable: The cache file {spent_two.cache_dir / 'usage.sqlite'} is damaged" in text

"""What a person sees of the budget: `patsnap-pandas cache info` and the panel's status line."""

from __future__ import annotations

import json

import pytest

from patsnap_pandas.cli import main as cli
from tests.helpers import numbered_png


@pytest.fixture
def spent_two(make_client, tmp_path, monkeypatch):
    """The cache folder of the test, where a client spent 2 billed calls today; PATSNAP_CACHE_DIR points at it."""
    client = make_client(budget="50/day")
    client.create_search(client.upload_image(numbered_png(0), "q.png").url, limit=3)
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
    spent_two.close()
    for suffix in ("-wal", "-shm"):
        (spent_two.cache_dir / f"usage.sqlite{suffix}").unlink(missing_ok=True)
    (spent_two.cache_dir / "usage.sqlite").write_bytes(b"not a database" * 20)
    assert cli.main(["cache", "info"]) == 0
    text = capsys.readouterr().out
    assert f"billed calls  unreadable: The cache file {spent_two.cache_dir / 'usage.sqlite'} is damaged" in text


# --- the panel's status line -------------------------------------------------------------------------

def panel_after_a_search(client, tmp_path):
    import datetime as dt

    from patsnap_pandas.widgets import SearchPanel

    panel = SearchPanel(client, export_dir=tmp_path)
    data = numbered_png(3)
    panel.upload.value = ({"name": "chair.png", "type": "image/png", "size": len(data), "content": memoryview(data),
                           "last_modified": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)},)
    panel.limit.value = 5
    panel.search_button.click()
    return panel


def test_the_panel_status_line_says_how_many_calls_are_left(make_client, tmp_path):
    client = make_client(budget="50/day")
    panel = panel_after_a_search(client, tmp_path)
    assert "This session: 2 billed API calls, 0 answers from the cache (not billed). " in panel.status.value
    assert '<span class="psp-budget psp-nowrap">Budget: 48 of 50 calls left today.</span>' in panel.status.value
    panel.close()
    monthly = panel_after_a_search(make_client(budget=1000), tmp_path)  # same image: from the cache
    assert "Budget: 998 of 1000 calls left this month." in monthly.status.value
    monthly.close()
    unbudgeted = panel_after_a_search(make_client(), tmp_path)
    assert "Budget" not in unbudgeted.status.value
    unbudgeted.close()


def test_the_status_line_fits_at_800_1280_and_1920_px_with_the_budget_on_one_line(make_client, tmp_path, chromium):
    """Chromium renders the panel's CSS and status line; the budget words never wrap, nothing overflows."""
    from tests.widgets.browser import ARTIFACTS

    panel = panel_after_a_search(make_client(budget="50/day"), tmp_path)
    page_html = (f"<!doctype html><meta charset='utf-8'>{panel.css.value}"
                 f"<div class='psp-panel' style='font: 14px sans-serif'>{panel.status.value}</div>")
    panel.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium.contexts_closed_after() as browser:  # the process's Chromium (tests/conftest.py)
        page = browser.new_page()
        page.route("**/*", lambda route: route.abort())  # the page is self-contained
        for width in (800, 1280, 1920):
            page.set_viewport_size({"width": width, "height": 300})
            page.set_content(page_html)
            budget = page.locator(".psp-budget")
            box = budget.bounding_box()
            line = float(page.evaluate("parseFloat(getComputedStyle(document.querySelector('.psp-budget')).lineHeight) || 17"))
            assert box is not None and box["height"] <= line * 1.5, (width, box)  # one line
            assert budget.inner_text() == "Budget: 48 of 50 calls left today."
            widest = page.evaluate("Math.max(...[...document.querySelectorAll('body *')].map(e => e.getBoundingClientRect().right))")
            assert widest <= width, (width, widest)
            page.screenshot(path=str(ARTIFACTS / f"budget-status-{width}.png"))


def test_a_damaged_usage_file_leaves_the_status_line_standing(make_client, tmp_path):
    from patsnap_pandas.widgets import SearchPanel

    client = make_client(budget="50/day")
    panel = SearchPanel(client, export_dir=tmp_path)
    (client.cache_dir).mkdir(parents=True, exist_ok=True)
    (client.cache_dir / "usage.sqlite").write_bytes(b"not a database" * 20)
    panel.status_line.draw()  # what every action ends with
    assert "This session: 0 billed API calls" in panel.status.value and "Budget" not in panel.status.value
    panel.close()

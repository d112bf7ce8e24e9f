"""Windows roll over at 00:00 UTC (day) and on the 1st (month): the clock moves, the budget resets."""

from __future__ import annotations

import datetime as dt

import pytest
import redis

from patsnap_pandas import BudgetExceededError
from patsnap_pandas.store.budget import Budget, MemoryUsageCounter
from patsnap_pandas.store.local_usage import LocalUsageCounter
from patsnap_pandas.store.redis_usage import RedisUsageCounter


def at(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc).timestamp()


@pytest.fixture(params=["sqlite", "redis", "memory"])
def counter(request, tmp_path):
    if request.param == "redis":
        return RedisUsageCounter(redis.Redis.from_url(request.getfixturevalue("patsnap_redis")))
    return LocalUsageCounter(tmp_path) if request.param == "sqlite" else MemoryUsageCounter()


def test_a_daily_budget_resets_at_midnight_utc_and_the_month_keeps_counting(counter, clock):
    clock.move_to(at("2027-03-31T23:59:00"), tick=False)
    daily = Budget(3, "day")
    for _ in range(3):
        counter.reserve("search", daily)
    with pytest.raises(BudgetExceededError, match="resets at 2027-04-01 00:00 UTC"):
        counter.reserve("search", daily)
    clock.move_to(at("2027-03-31T23:59:59"), tick=False)
    with pytest.raises(BudgetExceededError):
        counter.reserve("search", daily)  # one second before midnight: still used up
    clock.move_to(at("2027-04-01T00:00:00"), tick=False)
    counter.reserve("search", daily)      # a new day (and a new month)
    assert counter.spent("day") == 1 and counter.spent("month") == 1
    clock.move_to(at("2027-04-02T09:00:00"), tick=False)
    counter.reserve("upload", daily)
    assert counter.spent("day") == 1 and counter.spent("month") == 2  # the month counts on


def test_a_monthly_budget_spans_the_days_and_resets_on_the_first(counter, clock):
    clock.move_to(at("2027-02-27T12:00:00"), tick=False)
    monthly = Budget(2, "month")
    counter.reserve("upload", monthly)
    clock.move_to(at("2027-02-28T23:00:00"), tick=False)  # another day, the same month
    counter.reserve("search", monthly)
    with pytest.raises(BudgetExceededError) as caught:
        counter.reserve("search", monthly)
    assert caught.value.spent == 2 and caught.value.resets_at == "2027-03-01T00:00:00+00:00"
    assert counter.report(monthly)["budget"] == {"limit": 2, "window": "month", "spent": 2, "remaining": 0,
                                                 "resets_at": "2027-03-01T00:00:00+00:00"}
    clock.move_to(at("2027-03-01T00:00:01"), tick=False)
    counter.reserve("search", monthly)
    assert counter.report(monthly)["budget_left"] == "1 of 2 calls left this month"


def test_the_folder_keeps_the_recent_periods_and_deletes_only_clearly_old_ones(tmp_path, clock):
    import sqlite3

    from patsnap_pandas.store.local_usage import KEEP_DAYS, KEEP_MONTHS

    counter = LocalUsageCounter(tmp_path)
    start = dt.date(2027, 1, 1)
    for k in range(KEEP_DAYS + 10):  # one call a day for 72 days
        clock.move_to(at(f"{start + dt.timedelta(days=k)}T10:00:00"), tick=False)
        counter.reserve("search", None)
    with sqlite3.connect(counter.path) as con:
        periods = sorted(row[0] for row in con.execute("SELECT DISTINCT period FROM calls"))
    days = [p for p in periods if p.startswith("day:")]
    months = [p for p in periods if p.startswith("month:")]
    # the current day and the KEEP_DAYS before it; the oldest 9 days are gone
    assert len(days) == KEEP_DAYS + 1 and days[-1] == f"day:{start + dt.timedelta(days=KEEP_DAYS + 9)}"
    assert days[0] == f"day:{start + dt.timedelta(days=9)}"
    assert months == ["month:2027-01", "month:2027-02", "month:2027-03"] and KEEP_MONTHS >= 2


def test_a_clock_stepping_back_across_midnight_finds_the_day_s_count(tmp_path, clock):
    counter = LocalUsageCounter(tmp_path)
    daily = Budget(4, "day")
    clock.move_to(at("2027-05-10T23:59:00"), tick=False)
    for _ in range(4):
        counter.reserve("search", daily)
    clock.move_to(at("2027-05-11T00:01:00"), tick=False)  # forward past midnight: a new day
    counter.reserve("search", daily)
    clock.move_to(at("2027-05-10T23:59:30"), tick=False)  # and back: the 10th is still used up
    with pytest.raises(BudgetExceededError, match="4 spent today"):
        counter.reserve("search", daily)
    assert counter.spent("day") == 4 and counter.spent("month") == 5

"""Budget values: what parses, what is refused (naming the parameter, the value and what is allowed)."""

from __future__ import annotations

import pickle

import pytest

from patsnap_pandas import BudgetExceededError, InvalidInputError, PatsnapClient
from patsnap_pandas.store.budget import Budget, window_end

NOV_18 = 1795000000.0  # 2026-11-18 08:26:40 UTC


@pytest.mark.parametrize(("value", "expected"), [
    (500, Budget(500, "month")),            # a bare number: PatSnap sells monthly quotas
    ("500", Budget(500, "month")),
    ("500/day", Budget(500, "day")),
    (" 10000 / Month ", Budget(10000, "month")),
    ("0/day", Budget(0, "day")),            # only cached answers
    (Budget(7, "day"), Budget(7, "day")),
    (None, None),
])
def test_budget_values_that_parse(value, expected):
    assert Budget.parse(value) == expected


@pytest.mark.parametrize(("value", "problem"), [
    ("500/week", "unknown window 'week'"),
    ("-3/day", "whole number"),
    ("lots", "whole number"),
    ("1.5/day", "whole number"),
    (-1, ">= 0"),
    (True, "not True/False"),
    (2.5, "got float"),
])
def test_bad_budgets_name_the_parameter_value_and_what_is_allowed(value, problem):
    with pytest.raises(InvalidInputError) as caught:
        PatsnapClient(api_key="sk-test-key-0000", base_url="http://127.0.0.1:9", budget=value)
    message = str(caught.value)
    assert message.startswith(f"budget={value!r} is not valid: ")
    assert problem in message
    assert "500/day or 10000/month" in message and "per month" in message


def test_a_bad_PATSNAP_BUDGET_is_named(monkeypatch):
    monkeypatch.setenv("PATSNAP_BUDGET", "100/fortnight")
    with pytest.raises(InvalidInputError, match=r"^PATSNAP_BUDGET='100/fortnight' is not valid: unknown window"):
        PatsnapClient(api_key="sk-test-key-0000", base_url="http://127.0.0.1:9")


def test_PATSNAP_BUDGET_is_read_and_budget_wins_over_it(monkeypatch):
    monkeypatch.setenv("PATSNAP_BUDGET", "40/day")
    with PatsnapClient(api_key="sk-test-key-0000", base_url="http://127.0.0.1:9", cache=False) as client:
        assert client.budget == Budget(40, "day")
    with PatsnapClient(api_key="sk-test-key-0000", base_url="http://127.0.0.1:9", cache=False,
                       budget="9/month") as client:
        assert client.budget == Budget(9, "month")


def test_budget_objects_check_their_fields():
    with pytest.raises(InvalidInputError, match=r"^window='week' is not valid: .*'day' or 'month'"):
        Budget(5, "week")
    with pytest.raises(InvalidInputError, match=r"^limit=-5 is not valid"):
        Budget(-5)


@pytest.mark.parametrize(("window", "now", "end"), [
    ("day", NOV_18, "2026-11-19T00:00:00+00:00"),
    ("month", NOV_18, "2026-12-01T00:00:00+00:00"),
    ("month", 1798700000.0, "2027-01-01T00:00:00+00:00"),   # 2026-12-31: the year turns
    ("month", 1835000000.0, "2028-03-01T00:00:00+00:00"),   # 2028-02-24: a leap February
    ("day", 1798761599.0, "2027-01-01T00:00:00+00:00"),     # 2026-12-31 23:59:59
])
def test_windows_are_utc_calendar_days_and_months(window, now, end):
    assert window_end(window, now).isoformat() == end


def test_the_error_says_limit_window_spent_reset_and_how_to_raise_it():
    err = Budget(50, "day").exceeded(50, NOV_18)
    text = str(err)
    assert "The budget of 50 billed calls per day (UTC) is used up: 50 spent today" in text
    assert "resets at 2026-11-19 00:00 UTC" in text
    assert "PATSNAP_BUDGET=150/day" in text and "budget='150/day'" in text
    assert (err.limit, err.window, err.spent, err.resets_at) == (50, "day", 50, "2026-11-19T00:00:00+00:00")
    monthly = str(Budget(10000).exceeded(10000, NOV_18))
    assert "per month (UTC)" in monthly and "spent this month" in monthly and "2026-12-01 00:00 UTC" in monthly
    again = pickle.loads(pickle.dumps(err))  # e.g. from a process pool
    assert type(again) is BudgetExceededError and str(again) == text and again.spent == 50

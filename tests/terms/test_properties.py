"""Invariants of the expiry estimate over any office of the table and any dates (hypothesis, default profile)."""

from __future__ import annotations

import datetime as dt

from hypothesis import assume, given
from hypothesis import strategies as st

from patsnap_pandas._validate import check_date
from patsnap_pandas.frame.term_rules import RULES, add_years
from patsnap_pandas.frame.terms import estimate_expiry

DAY = dt.timedelta(days=1)
OFFICES = st.sampled_from(sorted(RULES))
FILED = st.dates(dt.date(1950, 1, 1), dt.date(2090, 12, 31))
LATER = st.integers(0, 3000)  # days from filing to grant / registration


def _design(office: str, filed: dt.date, to_grant: int, to_registration: int) -> dict:
    return dict(authority=office, filing_date=filed, grant_date=filed + dt.timedelta(days=to_grant),
                registration_date=filed + dt.timedelta(days=to_registration))


@given(OFFICES, FILED, LATER, LATER)
def test_expiry_comes_after_every_start_date(office, filed, to_grant, to_registration):
    """Grant and registration come at most ~8 years after filing here; every term is 10 years or more."""
    design = _design(office, filed, to_grant, to_registration)
    estimate = estimate_expiry(**design, on=filed)
    assert estimate.expiry is not None and estimate.certainty.startswith("rule")
    assert estimate.expiry > max(filed, design["grant_date"], design["registration_date"])
    assert estimate.expiry <= add_years(max(filed, design["grant_date"], design["registration_date"]), 25)


@given(OFFICES, FILED, LATER, LATER)
def test_in_force_through_the_expiry_day_and_not_after(office, filed, to_grant, to_registration):
    design = _design(office, filed, to_grant, to_registration)
    expiry = estimate_expiry(**design, on=filed).expiry
    arises = max(design["grant_date"], design["registration_date"])
    assume(arises < expiry - DAY)
    assert estimate_expiry(**design, on=expiry - DAY).in_force == "in force"
    assert estimate_expiry(**design, on=expiry).in_force == "in force"
    after = estimate_expiry(**design, on=expiry + DAY).in_force
    assert after == ("unknown" if RULES[office].minimum else "expired")  # Hague: past the minimum term
    assert estimate_expiry(**design, on=expiry + dt.timedelta(days=400)).in_force == after


@given(OFFICES, FILED, LATER, LATER, st.integers(0, 12000))
def test_the_next_renewal_falls_between_the_day_asked_and_the_expiry(office, filed, to_grant, to_registration, age):
    design = _design(office, filed, to_grant, to_registration)
    on = filed + dt.timedelta(days=age)
    estimate = estimate_expiry(**design, on=on)
    if estimate.next_renewal is not None:
        assert estimate.in_force == "in force"
        assert on <= estimate.next_renewal.due < estimate.expiry
        assert estimate.next_renewal.number >= 1
    if RULES[office].renewal.pattern == "none":
        assert estimate.next_renewal is None


@given(OFFICES, FILED, st.integers(0, 12000), st.integers(0, 12000),
       st.sampled_from([16, 22, 14, 15, "Inactive", "withdrawn"]))
def test_an_ending_status_holds_from_its_date_on(office, filed, lapse_after, asked_after, status):
    design = dict(filing_date=filed, grant_date=filed, registration_date=filed)
    lapsed = filed + dt.timedelta(days=lapse_after)
    estimate = estimate_expiry(office, **design, legal_status=status, status_date=lapsed,
                               on=lapsed + dt.timedelta(days=asked_after))
    assert estimate.in_force in ("lapsed", "expired") and estimate.ended == lapsed
    assert estimate.next_renewal is None


@given(FILED, st.integers(0, 60))
def test_add_years_keeps_month_and_day_or_ends_february(day, years):
    later = add_years(day, years)
    assert (later.year, later.month) == (day.year + years, day.month)
    assert later.day == day.day or (day.month, day.day, later.day) == (2, 29, 28)


@given(st.dates(dt.date(1000, 1, 1), dt.date(9999, 12, 31)))
def test_every_date_form_reads_back_as_the_same_date(day):
    compact = f"{day.year:04d}{day.month:02d}{day.day:02d}"
    assert check_date(day, "d") == check_date(compact, "d") == check_date(int(compact), "d") == day
    assert check_date(day.isoformat(), "d") == check_date(day.isoformat() + "T12:00:00", "d") == day

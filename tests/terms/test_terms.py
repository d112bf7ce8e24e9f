"""Design term rules and expiry estimates, case by case: each case names the row of the rules table it
comes from (office and rule change), with the dates worked out by hand from that rule.

Convention checked throughout: an expiry is the anniversary of its start date, the right counts as in
force until the end of that day, and a 29 February start ends on 28 February in a common year.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from patsnap_pandas import codes
from patsnap_pandas.errors import InvalidInputError
from patsnap_pandas.frame.term_rules import ALIASES, RULES, add_years, rule_for
from patsnap_pandas.frame.terms import STATUS_EFFECT, estimate_expiry
from patsnap_pandas.sandbox.metadata import SIMPLE_FOR_LEGAL

D = dt.date.fromisoformat
ON = "2026-12-01"
TRANSITION = "rule, transition assumed"

# (source row, arguments, expiry, certainty, words the rule must contain)
CASES = [
    ("US, change 2015-05-13: filed the day before, 14 y from grant",
     dict(authority="US", filing_date="2015-05-12", grant_date="2016-03-01"), "2030-03-01", "rule",
     "US design patent filed before 2015-05-13: 14 years from grant (35 USC 173"),
    ("US, change 2015-05-13: filed that day, 15 y from grant",
     dict(authority="US", filing_date="2015-05-13", grant_date="2016-03-01"), "2031-03-01", "rule",
     "US design patent filed on or after 2015-05-13: 15 years from grant (35 USC 173)"),
    ("US, change 2015-05-13: granted before it, so filed before it (no filing date needed)",
     dict(authority="US", grant_date=20150310), "2029-03-10", "rule", "granted or registered 2015-03-10"),
    ("CN, change 2021-06-01: filed the day before, 10 y from filing",
     dict(authority="CN", filing_date="2021-05-31"), "2031-05-31", "rule", "filed before 2021-06-01: 10 years from filing"),
    ("CN, change 2021-06-01: filed that day, 15 y from filing",
     dict(authority="CN", filing_date="2021-06-01"), "2036-06-01", "rule", "filed on or after 2021-06-01: 15 years from filing"),
    ("JP, change 2020-04-01 (🟡 by filing date): filed the day before, 20 y from registration",
     dict(authority="JP", filing_date="2020-03-31", registration_date="2020-11-02"), "2040-11-02", TRANSITION,
     "filed before 2020-04-01: 20 years from registration"),
    ("JP, change 2020-04-01 (🟡 by filing date): filed that day, 25 y from filing",
     dict(authority="JP", filing_date="2020-04-01", registration_date="2020-11-02"), "2045-04-01", TRANSITION,
     "filed on or after 2020-04-01: 25 years from filing"),
    ("KR, change 2014-07-01 (🟡 by filing date): filed the day before, 15 y from registration",
     dict(authority="KR", filing_date="2014-06-30", registration_date="2015-01-20"), "2030-01-20", TRANSITION,
     "filed before 2014-07-01: 15 years from registration"),
    ("KR, change 2014-07-01 (🟡 by filing date): filed that day, 20 y from filing",
     dict(authority="KR", filing_date="2014-07-01", registration_date="2015-01-20"), "2034-07-01", TRANSITION,
     "filed on or after 2014-07-01: 20 years from filing"),
    ("TW, change 2019-11-01: 12-year term ended before it, not extended",
     dict(authority="TW", filing_date="2007-06-01"), "2019-06-01", "rule", "whose term ended before 2019-11-01: 12 years"),
    ("TW, change 2019-11-01: 12-year term ended on 2019-10-31, the day before, not extended",
     dict(authority="TW", filing_date="2007-10-31"), "2019-10-31", "rule", "whose term ended before 2019-11-01"),
    ("TW, change 2019-11-01: 12-year term ending that very day was still valid on it, extended to 15 y",
     dict(authority="TW", filing_date="2007-11-01"), "2022-11-01", "rule", "still in force on 2019-11-01: 15 years"),
    ("TW, change 2019-11-01: valid on it, extended to 15 y",
     dict(authority="TW", filing_date="2008-03-01"), "2023-03-01", "rule", "still in force on 2019-11-01: 15 years"),
    ("CA, change 2018-11-05: filed the day before, 10 y from registration",
     dict(authority="CA", filing_date="2018-11-04", registration_date="2019-05-01"), "2029-05-01", "rule",
     "filed before 2018-11-05: 10 years from registration"),
    ("CA, change 2018-11-05: filed that day, the later of 10 y from registration or 15 y from filing (filing wins)",
     dict(authority="CA", filing_date="2018-11-05", registration_date="2019-05-01"), "2033-11-05", "rule",
     "the later of 10 years from registration or 15 years from filing"),
    ("CA, change 2018-11-05: registered late, 10 y from registration wins",
     dict(authority="CA", filing_date="2018-11-05", registration_date="2024-06-01"), "2034-06-01", "rule", "the later of"),
    ("EM: 25 y from filing, renewed every 5 y",
     dict(authority="EM", filing_date="2015-03-10"), "2040-03-10", "rule", "25 years from filing, if renewed every 5 years"),
    ("EM, 'EU' read as EM", dict(authority="eu", filing_date="2015-03-10"), "2040-03-10", "rule", "EM registered design"),
    ("GB: 25 y from filing, renewed every 5 y", dict(authority="GB", filing_date="2015-03-10"), "2040-03-10", "rule",
     "Registered Designs Act 1949"),
    ("DE: 25 y from filing (§ 27(2) DesignG)", dict(authority="DE", filing_date="2015-03-10"), "2040-03-10", "rule",
     "DesignG § 27(2)"),
    ("FR: 25 y from filing in 5-y slices", dict(authority="FR", filing_date="2015-03-10"), "2040-03-10", "rule", "L. 513-1"),
    ("HK: 5 y plus four 5-y renewals", dict(authority="HK", filing_date="2015-03-10"), "2040-03-10", "rule",
     "25 years from filing"),
    ("IN: 10 y plus one 5-y extension", dict(authority="IN", filing_date="2015-03-10"), "2030-03-10", "rule",
     "15 years from filing, if renewed once, 10 years after filing"),
    ("AU: 5 y plus one 5-y renewal", dict(authority="AU", filing_date="2015-03-10"), "2025-03-10", "rule",
     "10 years from filing, if renewed once, 5 years after filing"),
    ("WO (Hague): at least 15 y", dict(authority="WO", filing_date="2015-03-10"), "2030-03-10", "rule, minimum term",
     "at least 15 years from filing"),
    ("WO (Hague), 'DM' read as WO", dict(authority="DM", filing_date="2015-03-10"), "2030-03-10", "rule, minimum term",
     "Hague"),
    ("WO (Hague) designating EM: the national maximum, 25 y",
     dict(authority="WO", filing_date="2015-03-10", designation="EM"), "2040-03-10", "rule",
     "designating EM, under its law: EM registered design"),
    ("WO (Hague) designating AU: national 10 y, raised to the 15-y minimum",
     dict(authority="WO", filing_date="2015-03-10", designation="AU"), "2030-03-10", "rule", "designating AU: at least 15"),
    ("WO (Hague) designating JP, filed after the JP change: 25 y, the JP 🟡 carried over",
     dict(authority="WO", filing_date="2021-03-10", designation="JP"), "2046-03-10", TRANSITION, "JP design right"),
]


@pytest.mark.parametrize("source, kwargs, expiry, certainty, words", CASES, ids=[c[0] for c in CASES])
def test_worked_case_of_each_rule_row(source, kwargs, expiry, certainty, words):
    estimate = estimate_expiry(**kwargs, on=ON)
    assert (estimate.expiry, estimate.certainty) == (D(expiry), certainty)
    assert words in estimate.rule
    assert estimate.sources and all(url.startswith("http") for url in estimate.sources)
    assert estimate.sources[0] in rule_for(kwargs["authority"]).sources


@pytest.mark.parametrize("kwargs, missing", [
    (dict(authority="US", filing_date="2015-05-13"), "grant date"),
    (dict(authority="US", grant_date="2016-03-01"), "filing date"),  # granted after the change: filed when?
    (dict(authority="JP", filing_date="2019-05-31"), "registration date"),
    (dict(authority="CA", filing_date="2019-05-31"), "registration date"),
    (dict(authority="EM", grant_date="2016-03-01"), "filing date"),
    (dict(authority="TW", grant_date="2016-03-01"), "filing date"),
    (dict(authority="WO", designation="EM"), "filing date"),
])
def test_a_missing_date_gives_unknown_naming_it(kwargs, missing):
    estimate = estimate_expiry(**kwargs, on=ON)
    assert estimate.expiry is None
    assert estimate.certainty == f"unknown: {missing} missing"
    assert estimate.in_force == "unknown" and missing in estimate.reason


def test_an_office_without_a_rule_is_unknown_not_guessed():
    estimate = estimate_expiry("BR", filing_date="2015-03-10", on=ON)
    assert (estimate.expiry, estimate.certainty, estimate.in_force) == (None, "unknown: no rule for this office", "unknown")
    assert estimate.next_renewal is None and estimate.sources == ()
    # legal status still speaks where no rule does
    lapsed = estimate_expiry("BR", filing_date="2015-03-10", legal_status="inactive", status_date="2020-01-01", on=ON)
    assert (lapsed.in_force, lapsed.ended) == ("lapsed", D("2020-01-01"))


# --- renewals and legal status ------------------------------------------------------------------------

def test_eu_renewal_missed_at_the_5_year_anniversary_is_lapsed_from_that_date():
    """Source row: EM, renewed every 5 years from filing; legal status overrides the rule."""
    design = dict(filing_date="2015-03-10", legal_status="rights terminated", status_date="2020-03-10")
    before = estimate_expiry("EM", **design, on="2020-03-09")
    assert before.in_force == "in force"
    assert (before.next_renewal.due, before.next_renewal.number) == (D("2020-03-10"), 1)
    assert "rights terminated later, on 2020-03-10" in before.reason
    after = estimate_expiry("EM", **design, on="2021-01-01")
    assert (after.in_force, after.ended, after.next_renewal) == ("lapsed", D("2020-03-10"), None)
    assert after.reason == "legal status: rights terminated, since 2020-03-10"
    assert after.expiry == D("2040-03-10")  # the rule's figure stays, beside the status that ended it


def test_next_renewal_every_5_years_annual_and_once():
    em = estimate_expiry("EM", filing_date="2015-03-10", on="2026-12-01").next_renewal
    assert (em.due, em.number) == (D("2030-03-10"), 3)
    assert "grace: 6 months, fee +25 %" in em.words and "2025-05-01 or 2025-10-01" in em.words
    jp = estimate_expiry("JP", filing_date="2020-04-01", registration_date="2020-11-02", on="2026-12-01").next_renewal
    assert (jp.due, jp.number) == (D("2027-11-02"), 8)  # the fee for year 8, counted from registration (🟡)
    assert "🟡" in jp.words
    kr = estimate_expiry("KR", filing_date="2014-07-01", registration_date="2015-01-20", on="2015-02-01").next_renewal
    assert (kr.due, kr.number) == (D("2018-01-20"), 4)  # years 1-3 paid on registration
    ca = estimate_expiry("CA", filing_date="2018-11-05", registration_date="2019-05-01", on=ON).next_renewal
    assert ca is None  # the one maintenance fee fell due 2024-05-01
    ca = estimate_expiry("CA", filing_date="2018-11-05", registration_date="2019-05-01", on="2024-05-01").next_renewal
    assert (ca.due, ca.number) == (D("2024-05-01"), 1)
    assert estimate_expiry("US", filing_date="2015-05-13", grant_date="2016-03-01", on=ON).next_renewal is None


def test_no_renewal_falls_due_at_or_after_the_expiry():
    last = estimate_expiry("EM", filing_date="2015-03-10", on="2035-03-11")
    assert last.in_force == "in force" and last.next_renewal is None


@pytest.mark.parametrize("status, state", [
    (16, "lapsed"), ("annual fee unpaid", "lapsed"), ("Withdrawn", "lapsed"), ("fully revoked", "lapsed"),
    ("Inactive", "lapsed"), ("15", "expired"), ("expired", "expired"), (["Granted", "rights terminated"], "lapsed"),
])
def test_an_ending_legal_status_overrides_the_rule(status, state):
    estimate = estimate_expiry("EM", filing_date="2015-03-10", legal_status=status, status_date="2019-06-01", on=ON)
    assert (estimate.in_force, estimate.ended) == (state, D("2019-06-01"))
    assert "since 2019-06-01" in estimate.reason


def test_an_ending_status_without_its_date_holds_from_today_only(time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 1, 12, tzinfo=dt.timezone.utc))
    design = dict(filing_date="2015-03-10", legal_status="Inactive")
    assert estimate_expiry("EM", **design).in_force == "lapsed"  # on: today
    past = estimate_expiry("EM", **design, on="2018-01-01")
    assert past.in_force == "unknown" and "its date not given" in past.reason


@pytest.mark.parametrize("status", ["Pending", 1, "examining", "substantive examination"])
def test_a_pending_application_is_pending(status):
    estimate = estimate_expiry("EM", filing_date="2025-03-10", legal_status=status, on=ON)
    assert estimate.in_force == "pending" and estimate.next_renewal is None


def test_restoration_puts_a_lapsed_right_back_in_force():
    estimate = estimate_expiry("EM", filing_date="2015-03-10", legal_status=["annual fee unpaid", "rights restored"], on=ON)
    assert estimate.in_force == "in force" and "rights restored" in estimate.reason


def test_an_active_status_does_not_stretch_the_term():
    estimate = estimate_expiry("CN", filing_date="2010-03-10", legal_status="Active", on=ON)
    assert (estimate.expiry, estimate.in_force) == (D("2020-03-10"), "expired")


def test_before_filing_and_before_grant():
    us = dict(filing_date="2015-05-13", grant_date="2016-03-01")
    assert estimate_expiry("US", **us, on="2015-01-01").in_force == "not yet filed"
    before_grant = estimate_expiry("US", **us, on="2016-02-29")
    assert before_grant.in_force == "pending" and "2016-03-01" in before_grant.reason


def test_hague_past_its_minimum_is_unknown_not_expired():
    estimate = estimate_expiry("WO", filing_date="2008-03-10", on=ON)
    assert (estimate.expiry, estimate.in_force) == (D("2023-03-10"), "unknown")
    assert "designated party" in estimate.reason


# --- leap days ------------------------------------------------------------------------------------------

def test_a_29_february_start_ends_on_28_february_in_a_common_year():
    """Hague Common Regulations rule 4(1)(a) and PCT rule 80.3: the last day of that month, not 1 March."""
    assert add_years(D("2012-02-29"), 25) == D("2037-02-28")
    assert add_years(D("2012-02-29"), 4) == D("2016-02-29")
    em = estimate_expiry("EM", filing_date="2012-02-29", on="2016-12-01")
    assert em.expiry == D("2037-02-28") and em.next_renewal.due == D("2017-02-28")
    us = dict(filing_date="2015-06-01", grant_date="2016-02-29")
    assert estimate_expiry("US", **us, on="2031-02-28").in_force == "in force"
    assert estimate_expiry("US", **us, on="2031-03-01").in_force == "expired"


# --- input ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [dt.date(2015, 5, 13), dt.datetime(2015, 5, 13, 9), "2015-05-13", "20150513",
                                   20150513, 20150513.0, "2015-05-13T00:00:00", pd.Timestamp("2015-05-13")])
def test_dates_in_every_accepted_form(value):
    assert estimate_expiry("CN", filing_date=value, on=ON).expiry == D("2025-05-13")  # filed before 2021: 10 y


@pytest.mark.parametrize("value", [None, "", float("nan"), pd.NaT])
def test_gaps_of_a_frame_are_missing_dates(value):
    assert estimate_expiry("CN", filing_date=value, on=ON).certainty == "unknown: filing date missing"


@pytest.mark.parametrize("kwargs, message", [
    (dict(filing_date="13/05/2015"), "filing_date='13/05/2015' is not valid: not a date in a known format"),
    (dict(grant_date=True), "grant_date=True is not valid: expected a date, got bool"),
    (dict(registration_date=20151340), "registration_date=20151340 is not valid: month must be in 1..12"),
    (dict(on=[2015]), "on=[2015] is not valid: expected a date, got list"),
    (dict(filing_date=99991231), "filing_date=99991231 is not valid: out of range. Allowed: a date from 1800-01-01"),
    (dict(filing_date="2016-01-01", grant_date="2015-01-01"), "grant_date='2015-01-01' is not valid: before filing_date"),
    (dict(status_date="2020-01-01"), "status_date='2020-01-01' is not valid: given without legal_status"),
    (dict(legal_status="sleeping"), "legal_status='sleeping' is not valid: not a PatSnap legal status"),
    (dict(legal_status=0), "legal_status=0 is not valid"),  # simple status codes clash: names only
    (dict(designation="EM"), "designation='EM' is not valid: authority 'CN' with designation 'EM'"),
    (dict(filing_date=20160101, grant_date=20150101), "grant_date=20150101 is not valid: before filing_date 2016-01-01"),
])
def test_bad_input_names_the_parameter(kwargs, message):
    with pytest.raises(InvalidInputError) as info:
        estimate_expiry("CN", **kwargs)
    assert message in str(info.value)
    assert "Allowed:" in str(info.value)


def test_a_hague_designation_names_another_office():
    with pytest.raises(InvalidInputError, match="designation='DM' is not valid"):
        estimate_expiry("WO", filing_date="2015-03-10", designation="DM")


@pytest.mark.parametrize("authority", [None, 12, "USA", "U", "1A"])
def test_a_bad_authority_names_the_parameter(authority):
    with pytest.raises(InvalidInputError, match=r"authority=.* is not valid: not an authority code"):
        estimate_expiry(authority, filing_date="2015-05-13")


# --- the table ------------------------------------------------------------------------------------------

def test_the_table_has_every_office_of_the_brief_under_patsnap_codes():
    offices = {"US", "EM", "CN", "JP", "KR", "GB", "DE", "FR", "WO", "CA", "IN", "AU", "TW", "HK"}
    assert set(RULES) == offices
    assert set(RULES) <= set(codes.AUTHORITIES)
    assert ALIASES == {"EU": "EM", "DM": "WO"} and not set(ALIASES) & set(codes.AUTHORITIES)
    for code, rule in RULES.items():
        assert rule.authority == code and rule.sources
        assert all(url.startswith(("http://", "https://")) for url in rule.sources)
        assert (rule.changed is None) == (rule.before is None)


def test_renewal_patterns_and_flags_are_those_of_the_sources():
    patterns = {code: rule.renewal.pattern for code, rule in RULES.items()}
    assert {c for c, p in patterns.items() if p == "every 5 years"} == {"EM", "GB", "DE", "FR", "HK", "WO"}
    assert {c for c, p in patterns.items() if p == "once"} == {"CA", "IN", "AU"}
    assert {c for c, p in patterns.items() if p == "annual"} == {"CN", "JP", "KR", "TW"}
    assert {c for c, p in patterns.items() if p == "none"} == {"US"}
    assert {c for c, r in RULES.items() if r.assumed} == {"JP", "KR"}  # the 🟡 transitions
    assert {c for c, r in RULES.items() if r.minimum} == {"WO"}
    assert {c for c, r in RULES.items() if r.renewal.assumed} == {"CN", "JP", "KR", "TW"}  # annual-fee anchors
    assert {c: r.changed.isoformat() for c, r in RULES.items() if r.changed} == {
        "US": "2015-05-13", "CN": "2021-06-01", "JP": "2020-04-01", "KR": "2014-07-01", "CA": "2018-11-05",
        "TW": "2019-11-01"}


def test_every_legal_status_patsnap_sends_has_an_effect():
    assert set(codes.LEGAL_STATUS_EXTENDED) <= set(STATUS_EFFECT)
    assert {name.lower() for name in codes.SIMPLE_LEGAL_STATUS.values()} <= set(STATUS_EFFECT)
    assert set(STATUS_EFFECT.values()) == {"in force", "pending", "lapsed", "expired", "undetermined"}


def test_status_effects_agree_with_the_simple_status_of_each_legal_status():
    """The sandbox's mapping legal_status -> simple_legal_status (what PatSnap pairs them with)."""
    simple = {1: "in force", 2: "pending", 221: "pending", 0: ("lapsed", "expired"), 220: ("lapsed", "expired")}
    for code, simple_code in SIMPLE_FOR_LEGAL.items():
        assert STATUS_EFFECT[code] in simple[simple_code], code


def test_an_undetermined_status_leaves_the_rule_to_decide():
    estimate = estimate_expiry("EM", filing_date="2015-03-10", legal_status="undetermined", on=ON)
    assert estimate.in_force == "in force"

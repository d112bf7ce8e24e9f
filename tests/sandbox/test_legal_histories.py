"""The legal histories of the sandbox's designs follow each office's term rule.

A table of cases per office (a folder corpus with chosen dates, asked over HTTP on the day the
term ends and the day after), the whole generated corpus checked against the rules of
../shared/reference/design-terms.md as this test states them, and the real designs.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter

import pytest

from patsnap_pandas.sandbox import start_sandbox
from patsnap_pandas.sandbox.corpus import generated_corpus
from tests.helpers import FULL_BIBLIOGRAPHY, LEGAL, LEGAL_EVENTS, SANDBOX_TODAY, Api, drawing_png

DAY = dt.timedelta(days=1)


def date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def ymd(day: dt.date) -> int:
    return int(day.strftime("%Y%m%d"))


def anniversary(day: dt.date, years: int) -> dt.date:
    """Written here again on purpose: the test states the rules, it does not borrow the sandbox's."""
    if day.month == 2 and day.day == 29:
        return dt.date(day.year + years, 3, 1) - DAY
    return day.replace(year=day.year + years)


# (number, filing, grant, last day in force by the office's rule, why)
CASES = [
    ("D700001", "2015-05-12", "2016-03-01", "2030-03-01", "US: filed before 2015-05-13, 14 years from grant"),
    ("D700002", "2015-05-13", "2016-03-01", "2031-03-01", "US: filed on 2015-05-13, 15 years from grant"),
    ("D700003", "2014-06-01", "2016-02-29", "2030-02-28", "US: granted on 29 February, ends 28 February"),
    ("CN300000001S", "2021-05-31", "2021-10-08", "2031-05-31", "CN: filed before 2021-06-01, 10 years from filing"),
    ("CN300000002S", "2021-06-01", "2021-10-08", "2036-06-01", "CN: filed on 2021-06-01, 15 years from filing"),
    ("JP1600001S", "2020-03-31", "2020-09-15", "2040-09-15", "JP: filed before 2020-04-01, 20 years from registration"),
    ("JP1600002S", "2020-04-01", "2020-09-15", "2045-04-01", "JP: filed on 2020-04-01, 25 years from filing"),
    ("KR3000000010000", "2014-06-30", "2015-01-20", "2030-01-20", "KR: filed before 2014-07-01, 15 years from registration"),
    ("KR3000000020000", "2014-07-01", "2015-01-20", "2034-07-01", "KR: filed on 2014-07-01, 20 years from filing"),
    ("EM000000001-0001", "2012-02-29", "2012-03-20", "2037-02-28", "EM: 25 years from filing (5-year renewals)"),
    ("HK0000001S", "2011-08-15", "2012-01-10", "2036-08-15", "HK: 25 years from filing (5-year renewals)"),
]


@pytest.fixture(scope="module")
def offices(tmp_path_factory):
    """A sandbox over a folder corpus of the CASES, plus one design of an office without a rule (BR)."""
    root = tmp_path_factory.mktemp("offices")
    rows = CASES + [("BR302019000001", "2019-01-02", "2019-06-04", None, "no rule")]
    with open(root / "manifest.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "patent_number", "title", "locarno", "grant_date", "filing_date", "applicant", "view"])
        for k, (number, filing, grant, _, _) in enumerate(rows):
            (root / f"d{k}.png").write_bytes(drawing_png(k % 8, 120))
            writer.writerow([f"d{k}.png", number, "Widget", "10-02", grant, filing, "ACME Corp. (US)",
                             "front_page_representative"])
    with start_sandbox(root, today=SANDBOX_TODAY) as server:
        yield server


@pytest.mark.parametrize(("number", "filing", "grant", "last", "why"), CASES, ids=[c[4] for c in CASES])
def test_the_term_ends_on_the_office_rule_date(offices, number, filing, grant, last, why):
    api = Api(offices)
    design = next(d for d in offices.corpus.designs if d.patent_pn.startswith(number.replace("D", "USD", 1)
                                                                               if number.startswith("D") else number))
    (bib,) = api.data(FULL_BIBLIOGRAPHY, patent_id=design.patent_id)
    assert bib["bibliographic_data"]["exdt"] == ymd(date(last)), why  # a real design: PatSnap's estimate is right
    seen = {}
    for day in (date(grant) - DAY, date(grant), date(last), date(last) + DAY):
        offices.configure(today=day)
        (item,) = api.data(LEGAL_EVENTS, patent_id=design.patent_id)
        legal = item["patent_legal"]
        seen[day] = (legal["simple_legal_status"][0], legal["legal_status"][0], legal["legal_events"][-1])
    assert [s[:2] for s in seen.values()] == [("Pending", "Examining"), ("Active", "Granted"), ("Active", "Granted"),
                                               ("Inactive", "Expired")], why
    assert seen[date(last) + DAY][2] == {"date": ymd(date(last) + DAY), "type": "Expired", "category": "legal_status",
                                         "legal_status_code": 15}
    assert design.legal_history.expiry == date(last) and design.legal_history.end == date(last)
    assert design.in_force_on(date(last)) and not design.in_force_on(date(last) + DAY)


def test_an_office_without_a_rule_never_expires_and_has_no_exdt(offices):
    api = Api(offices)
    design = next(d for d in offices.corpus.designs if d.authority == "BR")
    (bib,) = api.data(FULL_BIBLIOGRAPHY, patent_id=design.patent_id)
    assert bib["bibliographic_data"]["exdt"] is None and design.legal_history.rule is None
    offices.configure(today="2099-01-01")
    assert api.data(LEGAL, patent_id=design.patent_id)[0]["simple_legal_status"] == ["Active"]


# --- the generated corpus, design by design ------------------------------------------------------------


def expected_term(design) -> dt.date | None:
    """The last day of the maximum term, as design-terms.md states the rule of each office."""
    filing, grant = design.apply_date, design.grant_date
    if design.authority == "US":
        return None if grant is None else anniversary(grant, 14 if filing < date("2015-05-13") else 15)
    if design.authority == "CN":
        return anniversary(filing, 10 if filing < date("2021-06-01") else 15)
    if design.authority == "JP":
        if filing >= date("2020-04-01"):
            return anniversary(filing, 25)
        return None if grant is None else anniversary(grant, 20)
    if design.authority == "KR":
        if filing >= date("2014-07-01"):
            return anniversary(filing, 20)
        return None if grant is None else anniversary(grant, 15)
    return anniversary(filing, 25)  # EM, HK


def fee_days(design) -> set[dt.date]:
    """The anniversaries at which an unpaid fee can end the right: every 5 years from filing (EM, HK),
    yearly from filing (CN), yearly from registration from the 3rd year (JP, KR); never for US designs."""
    if design.authority == "US":
        return set()
    if design.authority in ("EM", "HK"):
        return {anniversary(design.apply_date, n) for n in (5, 10, 15, 20)}
    if design.authority == "CN":
        return {anniversary(design.apply_date, n) for n in range(1, 15)}
    return {anniversary(design.grant_date, n) for n in range(3, 25)}


@pytest.fixture(scope="module")
def designs(corpus):
    return corpus.designs


def test_every_history_is_in_order_and_starts_with_the_filing(designs):
    for d in designs:
        events = d.legal_history.events
        assert [e.date for e in events] == sorted(e.date for e in events)
        assert (events[0].kind, events[0].date) == ("filed", d.apply_date)
        granted = [e.date for e in events if e.kind == "granted"]
        assert granted == ([d.grant_date] if d.grant_date else [])
        endings = [e for e in events if e.kind in ("expired", "lapsed", "invalidated", "surrendered", "withdrawn",
                                                   "rejected", "abandoned")]
        assert len(endings) <= 1
        if endings:
            assert all(e.date <= endings[0].date for e in events)  # nothing happens to a dead right
            assert all(e.date < endings[0].date for e in events if e.kind in ("transfer", "licence"))


def test_granted_designs_end_by_their_office_rule(designs):
    for d in designs:
        history = d.legal_history
        if d.grant_date is None:
            continue
        assert history.expiry == expected_term(d), (d.patent_pn, history.rule)
        ending = next(e for e in history.events if e.kind in ("expired", "lapsed", "invalidated", "surrendered"))
        assert ending.date <= history.expiry + DAY
        if ending.kind == "expired":
            assert ending.date == history.expiry + DAY
        if ending.kind == "lapsed":  # an unpaid renewal or annual fee, on its anniversary
            assert ending.date - DAY in fee_days(d), (d.patent_pn, ending)
            assert d.grant_date < ending.date - DAY < history.expiry


def test_ungranted_designs_are_pending_or_ended_before_any_grant(designs):
    for d in designs:
        if d.grant_date is not None:
            continue
        kinds = [e.kind for e in d.legal_history.events]
        assert "granted" not in kinds and not d.legal_history.in_force_on(dt.date(2100, 1, 1))
        ended = [k for k in kinds if k in ("withdrawn", "rejected", "abandoned")]
        if not ended:
            assert d.apply_date >= date("2021-01-01")  # still pending: filed lately
            assert d.simple_legal_status_on(SANDBOX_TODAY) == 2


def test_transfers_move_ownership_from_the_applicants_to_the_current_assignees(designs, corpus):
    truth = corpus.owner_truth  # two spellings of one company are no transfer: the generator's truth says who owns
    moved = [d for d in designs if truth.original_owners[d.patent_id] != truth.owners[d.patent_id]]
    assert len(moved) >= 30
    for d in moved:
        (transfer,) = [e for e in d.legal_history.events if e.kind == "transfer"]
        assert transfer.parties_from == d.applicants and transfer.parties_to == d.assignees
        assert transfer.date <= dt.date(2025, 6, 30)  # the corpus' reference date: owners are current after it
        assert d.assignees_on(transfer.date - DAY) == d.applicants and d.assignees_on(SANDBOX_TODAY) == d.assignees
    assert all(not any(e.kind == "transfer" for e in d.legal_history.events) for d in designs if d not in moved)


def test_the_corpus_holds_every_kind_of_case_on_the_test_date(designs):
    """The cases a clearance needs, each present on SANDBOX_TODAY."""

    def ended(d, kind):
        return any(e.kind == kind and e.date <= SANDBOX_TODAY for e in d.legal_history.events)

    cases = Counter()
    for d in designs:
        history = d.legal_history
        if d.authority in ("EM", "HK") and ended(d, "lapsed"):
            cases["EU/HK lapsed at a 5-year renewal"] += 1
        if d.authority == "US" and ended(d, "expired"):
            cases["US expired by term"] += 1
        if d.authority == "US" and d.apply_date >= date("2015-05-13") and d.grant_date:
            cases["US with a 15-year term"] += 1
        if d.authority == "CN" and ended(d, "expired"):
            cases["CN ended at 10 years"] += 1
        if d.authority == "CN" and ended(d, "lapsed"):
            cases["CN lapsed for an annual fee"] += 1
        if d.authority == "CN" and d.apply_date >= date("2021-06-01") and d.grant_date:
            cases["CN with a 15-year term"] += 1
        if d.authority in ("JP", "KR") and ended(d, "lapsed"):
            cases["JP/KR lapsed for an annual fee"] += 1
        if d.authority == "KR" and ended(d, "expired"):
            cases["KR expired 15 years from registration"] += 1
        if ended(d, "invalidated"):
            cases["invalidated"] += 1
        if ended(d, "withdrawn") or ended(d, "rejected"):
            cases["withdrawn or rejected"] += 1
        if d.simple_legal_status_on(SANDBOX_TODAY) == 2:
            cases["pending"] += 1
        if ended(d, "transfer"):
            cases["transferred"] += 1
        if ended(d, "licence"):
            cases["licensed"] += 1
        if d.in_force_on(SANDBOX_TODAY) and history.expiry and history.expiry < date("2029-01-01"):
            cases["in force now, expires within two years"] += 1
    assert min(cases.values()) >= 2 and len(cases) == 14, cases


def test_histories_are_deterministic_from_the_corpus_seed(tmp_path):
    first = generated_corpus(120, seed=3, cache_dir=tmp_path)
    again = generated_corpus(120, seed=3, cache_dir=tmp_path)
    other = generated_corpus(120, seed=4, cache_dir=tmp_path)
    assert [d.to_json()["legal_history"] for d in first.designs] == [d.to_json()["legal_history"] for d in again.designs]
    assert [d.legal_history for d in first.designs] != [d.legal_history for d in other.designs]


# --- the real designs -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real(real_designs):
    with start_sandbox(real_designs, today=SANDBOX_TODAY) as server:
        yield server


def manifest_dates(folder) -> dict[str, tuple[dt.date, dt.date]]:
    with open(folder / "manifest.csv", encoding="utf-8") as f:
        return {f"USD{int(r['patent_number'][1:])}S": (date(r["filing_date"]), date(r["grant_date"]))
                for r in csv.DictReader(f)}


def test_real_designs_get_their_us_term_and_nothing_else_but_marked_licences(real, real_designs):
    api = Api(real)
    dates = manifest_dates(real_designs)
    ids = ",".join(d.patent_id for d in real.corpus.designs)
    legal = {i["pn"]: i["patent_legal"] for i in api.data(LEGAL_EVENTS, patent_id=ids)}
    bib = {i["pn"]: i["bibliographic_data"] for i in api.data(FULL_BIBLIOGRAPHY, patent_id=ids)}
    assert len(legal) == len(bib) == len(dates) == 50
    invented = 0
    for pn, (filing, grant) in dates.items():
        last = anniversary(grant, 15)  # all filed after 2015-05-13
        assert bib[pn]["exdt"] == ymd(last)
        assert legal[pn]["simple_legal_status"] == ["Active"] and legal[pn]["legal_status"] == ["Granted"]
        events = legal[pn]["legal_events"]
        assert [(e["date"], e["type"]) for e in events[:2]] == [(ymd(filing), "Examining"), (ymd(grant), "Granted")]
        for extra in events[2:]:
            assert extra["type"] == "License" and extra["sandbox_invented"] is True
            assert "invented" in extra["licensees"][0]["name"]
            invented += 1
    assert 1 <= invented <= 10
    design = real.corpus.designs[0]
    assert design.examiners and design.agents  # read from the grant XML
    assert bib[design.patent_pn]["parties"]["examiners"] == [{"name": n} for n in design.examiners]

    real.configure(today=anniversary(max(g for _, g in dates.values()), 15) + DAY)
    after = api.data(LEGAL, patent_id=ids)
    assert {i["simple_legal_status"][0] for i in after} == {"Inactive"}

"""P012 full bibliography, P013 legal status with events, P069 number search and the ``today`` knob, over HTTP.

Every answer is compared with what the sandbox holds true (``design.legal_history``), read as of
the sandbox's ``today``; the shared sandbox of this folder has ``today`` fixed at SANDBOX_TODAY.
"""

from __future__ import annotations

import datetime as dt

import pytest

from patsnap_pandas import codes
from patsnap_pandas.sandbox.records import simple_legal_label
from tests.helpers import (
    BIBLIOGRAPHY,
    FULL_BIBLIOGRAPHY,
    LEGAL,
    LEGAL_EVENTS,
    NUMBER_SEARCH,
    SANDBOX_TODAY,
    Api,
    error_of,
)

DAY = dt.timedelta(days=1)
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def ymd(date) -> int | None:
    return None if date is None else int(date.strftime("%Y%m%d"))


def batches(designs, size: int = 100):
    for start in range(0, len(designs), size):
        yield designs[start:start + size]


def all_items(api, path: str, designs) -> list[dict]:
    items = []
    for batch in batches(designs):
        items += api.data(path, patent_id=",".join(d.patent_id for d in batch))
    return items


@pytest.fixture(scope="module")
def legal_items(api, corpus) -> list[dict]:
    """P013 for the whole corpus on SANDBOX_TODAY (6 calls of 100)."""
    return all_items(api, LEGAL_EVENTS, corpus.designs)


@pytest.fixture
def own(make_sandbox):
    """A sandbox of this test's own (the same loaded corpus), on SANDBOX_TODAY, and its requests helper."""
    server = make_sandbox(today=SANDBOX_TODAY)
    return server, Api(server)


def first(corpus, condition):
    return next(d for d in corpus.designs if condition(d))


def event_of(design, kind):
    return next(e for e in design.legal_history.events if e.kind == kind)


# --- P012 full bibliography ---------------------------------------------------------------------------


def test_full_bibliography_is_the_simple_one_plus_more(api, corpus):
    designs = corpus.designs[:40]
    ids = ",".join(d.patent_id for d in designs)
    simple, full = api.data(BIBLIOGRAPHY, patent_id=ids), api.data(FULL_BIBLIOGRAPHY, patent_id=ids)
    assert [i["patent_id"] for i in full] == [d.patent_id for d in designs]
    for design, short, item in zip(designs, simple, full):
        assert (item["pn"], item["patent_id"]) == (short["pn"], short["patent_id"])
        bib, base = item["bibliographic_data"], short["bibliographic_data"]
        for name, value in base.items():
            if name != "parties":
                assert bib[name] == value, name
        assert bib["parties"] == {**base["parties"], "agents": [{"name": n} for n in design.agents],
                                  "examiners": [{"name": n} for n in design.examiners]}
        assert {"abstracts", "priority_claims", "reference_cited_patents", "related_documents", "exdt"} <= set(bib)
        assert bib["exdt"] == ymd(design.legal_history.exdt)
    assert all(i["bibliographic_data"]["parties"]["agents"] for i in full)


def test_exdt_agrees_with_the_term_rule_for_most_designs_and_is_off_by_more_than_31_days_for_a_few(own, corpus):
    server, api = own
    items = all_items(api, FULL_BIBLIOGRAPHY, corpus.designs)
    assert len(items) == len(corpus.designs) == 600
    assert server.ledger.billed(FULL_BIBLIOGRAPHY) == 6 and server.ledger.units(FULL_BIBLIOGRAPHY) == 600
    agree, off = 0, []
    for design, item in zip(corpus.designs, items):
        exdt, expiry = item["bibliographic_data"]["exdt"], design.legal_history.expiry
        if exdt is None:
            assert expiry is None
            continue
        day = dt.datetime.strptime(str(exdt), "%Y%m%d").date()
        if day == expiry:
            agree += 1
        else:
            assert abs((day - expiry).days) > 31 and design.legal_history.exdt_differs
            off.append(design.authority)
    assert agree >= 0.9 * len(items)
    assert 5 <= len(off) <= 0.08 * len(items) and len(set(off)) >= 3  # a few, of several offices


# --- P013 legal status with events -------------------------------------------------------------------


def test_legal_status_items_follow_the_histories_as_of_today(legal_items, corpus):
    assert len(legal_items) == len(corpus.designs)
    for design, item in zip(corpus.designs, legal_items):
        history = design.legal_history
        assert (item["patent_id"], item["pn"]) == (design.patent_id, design.patent_pn)
        legal = item["patent_legal"]
        assert set(legal) == {"simple_legal_status", "legal_status", "event_status", "legal_date", "legal_events"}
        assert legal["simple_legal_status"] == [simple_legal_label(history.simple_legal_status_on(SANDBOX_TODAY))]
        assert legal["legal_status"] == [codes.LEGAL_STATUS_LABELS[history.legal_status_on(SANDBOX_TODAY)]]
        events = history.until(SANDBOX_TODAY)
        assert [(e["date"], e["type"]) for e in legal["legal_events"]] == [
            (ymd(e.date), codes.LEGAL_STATUS_LABELS[e.legal_status] if e.legal_status else
             {"transfer": "Transfer", "licence": "License"}[e.kind]) for e in events]
        dates = [e["date"] for e in legal["legal_events"]]
        assert dates == sorted(dates) and all(d <= ymd(SANDBOX_TODAY) for d in dates)
        status_dates = [e["date"] for e in legal["legal_events"] if e["category"] == "legal_status"]
        assert legal["legal_date"] == status_dates[-1]
        assert set(legal["event_status"]) == {e["type"] for e in legal["legal_events"] if e["category"] == "event_status"}
    labels = {i["patent_legal"]["legal_status"][0] for i in legal_items}
    assert {"Granted", "Expired", "Non-Payment", "Revoked", "Withdrawn", "Published"} <= labels
    assert {"Transfer", "License"} <= {s for i in legal_items for s in i["patent_legal"]["event_status"]}


def test_p013_p041_and_the_in_force_truth_agree(api, legal_items, corpus, sandbox):
    simple = all_items(api, LEGAL, corpus.designs)
    assert [i["simple_legal_status"] for i in simple] == [i["patent_legal"]["simple_legal_status"] for i in legal_items]
    active = {i["patent_id"] for i in simple if i["simple_legal_status"] == ["Active"]}
    assert active == {d.patent_id for d in sandbox.in_force_on()}
    em = {d.patent_id for d in sandbox.in_force_on(markets=["EM"])}
    assert em == {pid for pid in active if corpus.design(pid).authority == "EM"} and em


def test_a_transfer_names_both_sides_and_moves_the_current_assignee(own, corpus):
    server, api = own
    design = first(corpus, lambda d: any(e.kind == "transfer" for e in d.legal_history.events))
    transfer = event_of(design, "transfer")
    assert transfer.parties_from == design.applicants != design.assignees == transfer.parties_to

    server.configure(today=transfer.date - DAY)
    (before,) = api.data(BIBLIOGRAPHY, patent_id=design.patent_id)
    (legal,) = api.data(LEGAL_EVENTS, patent_id=design.patent_id)
    (found,) = api.post_data(NUMBER_SEARCH, {"pn": design.patent_pn})["results"]
    assert before["bibliographic_data"]["parties"]["assignees"] == [{"name": n} for n in design.applicants]
    assert "Transfer" not in legal["patent_legal"]["event_status"]
    assert found["current_assignee"] == "; ".join(design.applicants)

    server.configure(today=transfer.date)
    (after,) = api.data(BIBLIOGRAPHY, patent_id=design.patent_id)
    (legal,) = api.data(LEGAL_EVENTS, patent_id=design.patent_id)
    assert after["bibliographic_data"]["parties"]["assignees"] == [{"name": n} for n in design.assignees]
    assert "Transfer" in legal["patent_legal"]["event_status"]
    (item,) = [e for e in legal["patent_legal"]["legal_events"] if e["type"] == "Transfer"]
    assert item == {"date": ymd(transfer.date), "type": "Transfer", "category": "event_status",
                    "assignors": [{"name": n} for n in design.applicants],
                    "assignees": [{"name": n} for n in design.assignees]}


def test_a_licence_names_licensor_and_licensee(api, corpus):
    design = first(corpus, lambda d: any(e.kind == "licence" and e.date <= SANDBOX_TODAY for e in d.legal_history.events))
    licence = event_of(design, "licence")
    (legal,) = api.data(LEGAL_EVENTS, patent_number=design.patent_pn)
    (item,) = [e for e in legal["patent_legal"]["legal_events"] if e["type"] == "License"]
    assert item["licensors"] == [{"name": n} for n in design.assignees_on(licence.date)]
    assert item["licensees"] and item["licensees"] != item["licensors"]
    assert "sandbox_invented" not in item  # generated corpus: nothing is marked as invented


@pytest.mark.parametrize("path", [FULL_BIBLIOGRAPHY, LEGAL_EVENTS])
def test_batches_of_100_keep_request_order_skip_unknown_and_bill_per_result(own, corpus, path):
    server, api = own
    wanted = [d.patent_id for d in corpus.designs[100:199]] + [UNKNOWN_ID]
    items = api.data(path, patent_id=",".join(wanted))
    assert [i["patent_id"] for i in items] == wanted[:99]
    assert api.data(path, patent_id=UNKNOWN_ID) == []
    (entry, empty) = server.ledger.entries()
    assert (entry.endpoint, entry.result_count, entry.ok, empty.result_count) == (path, 99, True, 0)
    assert server.ledger.billed(path) == 2 and server.ledger.units(path) == 99


@pytest.mark.parametrize("path", [FULL_BIBLIOGRAPHY, LEGAL_EVENTS])
@pytest.mark.parametrize(("params", "named"), [
    ("101 ids", "patent_id"), ("101 numbers", "patent_number"), ({}, "patent_id"), ("empty item", "patent_id")])
def test_bad_ids_are_68300004_naming_the_parameter(own, corpus, path, params, named):
    server, api = own
    if params == "101 ids":
        params = {"patent_id": ",".join(d.patent_id for d in corpus.designs[:101])}
    elif params == "101 numbers":
        params = {"patent_number": ",".join(d.patent_pn for d in corpus.designs[:101])}
    elif params == "empty item":
        params = {"patent_id": f"{corpus.designs[0].patent_id},,"}
    code, message = error_of(api.get(path, **params))
    assert code == 68300004 and named in message
    assert [(e.ok, e.result_count) for e in server.ledger] == [(False, 0)]


def test_answers_are_deterministic(api, corpus):
    ids = ",".join(d.patent_id for d in corpus.designs[:100])
    assert api.data(LEGAL_EVENTS, patent_id=ids) == api.data(LEGAL_EVENTS, patent_id=ids)
    assert api.data(FULL_BIBLIOGRAPHY, patent_id=ids) == api.data(FULL_BIBLIOGRAPHY, patent_id=ids)


# --- the today knob --------------------------------------------------------------------------------------


def test_moving_today_expires_a_design_in_p041_p013_and_the_status_filter(own, corpus, query_design):
    server, api = own
    query_url = api.upload_url(corpus.image_png(query_design.image_keys[0]))
    design = first(corpus, lambda d: d.authority == "US" and any(e.kind == "expired" and e.date > dt.date(2024, 1, 1)
                                                                   for e in d.legal_history.events))
    expiry = design.legal_history.expiry
    statuses = {}
    for day in (expiry, expiry + DAY):
        server.configure(today=day)
        assert server.today == day
        (simple,) = api.data(LEGAL, patent_id=design.patent_id)
        (legal,) = api.data(LEGAL_EVENTS, patent_id=design.patent_id)
        total = api.search(query_url, simple_legal_status="1", limit=1)["total_search_result_count"]
        assert total == len(server.in_force_on())  # every design passing the filter is counted
        statuses[day] = (simple["simple_legal_status"], legal["patent_legal"]["legal_status"],
                         legal["patent_legal"]["legal_events"][-1]["type"], total)
    assert statuses[expiry][:3] == (["Active"], ["Granted"], "Granted")
    assert statuses[expiry + DAY][:3] == (["Inactive"], ["Expired"], "Expired")
    assert statuses[expiry + DAY][3] < statuses[expiry][3]


def test_before_its_filing_date_a_design_has_no_state(own, corpus):
    server, api = own
    design = corpus.designs[0]
    server.configure(today=design.apply_date - DAY)
    (legal,) = api.data(LEGAL_EVENTS, patent_id=design.patent_id)
    assert legal["patent_legal"] == {"simple_legal_status": ["Undetermined"], "legal_status": [], "event_status": [],
                                     "legal_date": None, "legal_events": []}
    assert not design.in_force_on(design.apply_date - DAY)


def test_today_defaults_to_the_real_date_read_at_each_call(make_sandbox, corpus, time_machine):
    server = make_sandbox()
    api = Api(server)
    design = first(corpus, lambda d: d.authority == "CN" and d.legal_history.expiry
                   and d.legal_history.events[-1].kind == "expired" and d.legal_history.expiry > dt.date(2027, 1, 1))
    expiry = design.legal_history.expiry
    time_machine.move_to(dt.datetime.combine(expiry, dt.time(12)), tick=False)
    assert server.today == expiry == dt.date.today() and server.settings.today is None
    assert api.data(LEGAL, patent_id=design.patent_id)[0]["simple_legal_status"] == ["Active"]
    assert api.json("/_sandbox/status")["today"] == expiry.isoformat()
    time_machine.move_to(dt.datetime.combine(expiry + DAY, dt.time(12)), tick=False)
    assert api.data(LEGAL, patent_id=design.patent_id)[0]["simple_legal_status"] == ["Inactive"]


def test_today_is_a_knob_like_the_others(make_sandbox):
    server = make_sandbox(today="2030-01-02")
    assert server.today == dt.date(2030, 1, 2) and server.settings.today == dt.date(2030, 1, 2)
    server.configure(today="20310203")
    assert server.today == dt.date(2031, 2, 3)
    server.configure(today=None)
    assert server.today == dt.date.today()
    for bad in ("2030-13-01", "tomorrow", 20300101):
        with pytest.raises(ValueError, match=r"^today="):
            server.configure(today=bad)


# --- P069 number search -------------------------------------------------------------------------------


def search_pn(api, **body) -> dict:
    return api.post_data(NUMBER_SEARCH, body)


def test_a_publication_number_finds_its_record(api, corpus):
    design = first(corpus, lambda d: d.patent_pn.startswith("USD") and d.applicants != d.assignees)
    data = search_pn(api, pn=design.patent_pn)
    assert data == {"total": 1, "results": [{
        "pn": design.patent_pn, "patent_id": design.patent_id, "title": design.title,
        "apdt": ymd(design.apply_date), "apno": design.apno, "pbdt": ymd(design.publication_date),
        "inventor": "; ".join(design.inventors), "current_assignee": "; ".join(design.assignees),
        "original_assignee": "; ".join(design.applicants)}]}
    for variant in (design.patent_pn.lower(), design.patent_pn[:-1], f" {design.patent_pn[:3]} {design.patent_pn[3:]}"):
        assert [r["patent_id"] for r in search_pn(api, pn=variant)["results"]] == [design.patent_id], variant


def test_an_application_number_finds_its_record_with_or_without_the_check_digit(api, corpus):
    design = first(corpus, lambda d: d.authority == "CN")
    assert "." in design.apno
    for apno in (design.apno, design.apno.rsplit(".", 1)[0]):
        assert [r["pn"] for r in search_pn(api, apno=apno)["results"]] == [design.patent_pn]
    assert search_pn(api, pn=design.patent_pn, apno=corpus.designs[1].apno) == {"results": [], "total": 0}


def test_a_list_of_numbers_answers_in_its_order_and_pages(api, corpus):
    designs = corpus.designs[300:325][::-1]
    numbers = [d.patent_pn for d in designs]
    data = search_pn(api, pn=numbers)
    assert data["total"] == 25 and [r["pn"] for r in data["results"]] == numbers[:10]  # default limit 10
    page = search_pn(api, pn=",".join(numbers), offset=20, limit=10)
    assert page["total"] == 25 and [r["pn"] for r in page["results"]] == numbers[20:]
    assert search_pn(api, pn=numbers, offset=25)["results"] == []


def test_authority_narrows_the_numbers(api, corpus):
    us = [d for d in corpus.designs[:60] if d.authority == "US"]
    numbers = [d.patent_pn for d in corpus.designs[:60]]
    data = search_pn(api, pn=numbers, authority=["US"], limit=100)
    assert [r["pn"] for r in data["results"]] == [d.patent_pn for d in us] and data["total"] == len(us)


def test_unknown_numbers_find_nothing(api):
    assert search_pn(api, pn="USD1S") == {"results": [], "total": 0}


def test_limit_1000_returns_600_records_in_one_call_billed_once(own, corpus):
    server, api = own
    numbers = [d.patent_pn for d in corpus.designs]
    data = search_pn(api, pn=numbers, limit=1000)
    assert data["total"] == 600 and len(data["results"]) == 600
    search_pn(api, pn=numbers[0])
    entries = server.ledger.entries()
    assert [(e.endpoint, e.result_count, e.ok) for e in entries] == [(NUMBER_SEARCH, 600, True), (NUMBER_SEARCH, 1, True)]
    assert entries[1].params == {"pn": numbers[0]}
    assert server.ledger.billed(NUMBER_SEARCH) == 2 and server.ledger.units(NUMBER_SEARCH) == 2  # per call


@pytest.mark.parametrize(("body", "named"), [
    ({"pn": "USD1S", "limit": 1001}, "limit"),
    ({"pn": "USD1S", "limit": 0}, "limit"),
    ({"pn": "USD1S", "limit": "ten"}, "limit"),
    ({"pn": "USD1S", "offset": -1}, "offset"),
    ({}, "pn"),
    ({"pn": ""}, "pn"),
    ({"pn": "USD1S,,USD2S"}, "pn"),
    ({"pn": 907292}, "pn"),
    ({"apno": ["CN1", 2]}, "apno"),
    ({"pn": "USD1S", "authority": "US"}, "authority"),
    ({"pn": "USD1S", "authority": ["us"]}, "authority"),
    ({"pn": "USD1S", "country": ["US"]}, "country"),
    (["USD1S"], "body"),
])
def test_bad_bodies_are_68300004_naming_the_parameter(own, body, named):
    server, api = own
    code, message = error_of(api.post(NUMBER_SEARCH, body))
    assert code == 68300004 and f"{named}=" in message
    assert [(e.ok, e.error_code) for e in server.ledger] == [(False, 68300004)]


def test_a_body_that_is_not_json_is_68300004(api):
    code, message = error_of(api.post(NUMBER_SEARCH, data=b"{pn: USD1S"))
    assert code == 68300004 and "body" in message and "JSON" in message


def test_number_search_needs_credentials(sandbox):
    code, _ = error_of(Api(sandbox, headers={}).post(NUMBER_SEARCH, {"pn": "USD1S"}))
    assert code == 67200008

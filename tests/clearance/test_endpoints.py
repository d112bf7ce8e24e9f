"""P012 full bibliography, P013 legal status with events and P069 number search, over HTTP against the sandbox.

Batches of 100, request order, caching (a second call bills 0 in the sandbox's ledger), and bad input
named before any billed call.
"""

from __future__ import annotations

import datetime as dt

import pytest

from patsnap_pandas.errors import InvalidInputError
from tests.helpers import FULL_BIBLIOGRAPHY, LEGAL_EVENTS, NUMBER_SEARCH, SANDBOX_TODAY


def _yyyymmdd(day: dt.date | None) -> int | None:
    return None if day is None else int(day.strftime("%Y%m%d"))


def _batch_sizes(sandbox, path: str) -> list[int]:
    return [len(e.params["patent_id"].split(",")) for e in sandbox.ledger.entries() if e.endpoint == path]


def test_full_bibliography_batches_by_100_in_order_with_exdt(client, sandbox, corpus):
    designs = corpus.designs[:150][::-1]
    items = client.full_bibliography([d.patent_id for d in designs] + ["unknown-id"])
    assert [item["patent_id"] for item in items] == [d.patent_id for d in designs]
    assert [item["bibliographic_data"]["exdt"] for item in items] == [
        _yyyymmdd(d.legal_history.exdt) for d in designs]
    assert sorted(_batch_sizes(sandbox, FULL_BIBLIOGRAPHY)) == [51, 100]
    assert sandbox.ledger.units(FULL_BIBLIOGRAPHY) == 150          # billed per patent returned


def test_full_bibliography_again_bills_nothing(client, sandbox, corpus):
    ids = [d.patent_id for d in corpus.designs[:120]]
    first = client.full_bibliography(ids)
    billed = sandbox.ledger.billed()
    assert billed == 2
    assert client.full_bibliography(ids[::-1])[::-1] == first     # the same batches: from the cache
    assert sandbox.ledger.billed() == billed


def test_legal_events_is_the_status_on_the_sandbox_date(client, sandbox, corpus):
    designs = corpus.designs[:130]
    items = client.legal_events([d.patent_id for d in designs])
    assert sorted(_batch_sizes(sandbox, LEGAL_EVENTS)) == [30, 100]
    for design, item in zip(designs, items, strict=True):
        legal = item["patent_legal"]
        assert item["patent_id"] == design.patent_id
        events = legal["legal_events"]
        assert all(event["date"] <= _yyyymmdd(SANDBOX_TODAY) for event in events)
        codes_seen = [e["legal_status_code"] for e in events if e.get("legal_status_code") is not None]
        assert (codes_seen[-1] if codes_seen else None) == design.legal_status_on(SANDBOX_TODAY)
    assert sandbox.ledger.billed() == 2
    client.legal_events([d.patent_id for d in designs])
    assert sandbox.ledger.billed() == 2


def test_legal_events_say_transfers_and_licences(client, corpus):
    moved = next(d for d in corpus.designs
                 if any(e.kind == "transfer" and e.date <= SANDBOX_TODAY for e in d.legal_history.events))
    legal = client.legal_events(moved.patent_id)[0]["patent_legal"]
    assert "Transfer" in legal["event_status"]
    transfer = next(e for e in legal["legal_events"] if e["type"] == "Transfer")
    assert transfer["assignees"] and transfer["assignors"]


def test_number_search_finds_the_record_and_caches(client, sandbox, corpus):
    design = corpus.designs[3]
    page = client.number_search(design.patent_pn.lower(), limit=5)
    assert page.total == 1 and page.records[0]["patent_id"] == design.patent_id
    assert not page.from_cache and sandbox.ledger.billed(NUMBER_SEARCH) == 1
    again = client.number_search(design.patent_pn.lower(), limit=5)
    assert again.from_cache and again.records == page.records
    assert sandbox.ledger.billed() == 1


def test_number_search_narrows_by_authority(client, corpus):
    design = next(d for d in corpus.designs if d.authority == "CN")
    assert client.number_search(design.patent_pn, authority="CN").total == 1
    assert client.number_search(design.patent_pn, authority=["US"]).total == 0


def test_estimate_lookup_counts_the_batches_not_cached(client, sandbox, corpus):
    ids = [d.patent_id for d in corpus.designs[:150]]
    assert client.estimate_lookup(ids).total == 4
    client.legal_events(ids)
    assert dict(client.estimate_lookup(ids).calls) == {"full_bibliography": 2, "legal_events": 0}
    client.full_bibliography(ids)
    assert client.estimate_lookup(ids).total == 0
    assert sandbox.ledger.billed() == 4                      # estimating bills nothing


@pytest.mark.parametrize(("call", "named"), [
    (lambda c: c.full_bibliography(["ok", 7]), "patent_ids"),
    (lambda c: c.legal_events({"a": 1}), "patent_ids"),
    (lambda c: c.number_search(None), "pn"),
    (lambda c: c.number_search("USD1", limit=1001), "limit"),
    (lambda c: c.number_search("USD1", offset=-1), "offset"),
    (lambda c: c.number_search("USD1", authority="XX"), "authority"),
    (lambda c: c.estimate_lookup(["a"], endpoints=["search"]), "endpoints"),
])
def test_bad_input_is_named_before_any_billed_call(client, sandbox, call, named):
    with pytest.raises(InvalidInputError, match=named):
        call(client)
    assert sandbox.ledger.billed() == 0


def test_number_search_by_application_number_and_pages_by_offset(client, corpus):
    designs = corpus.designs[20:25]
    assert client.number_search(apno=designs[0].apno).records[0]["patent_id"] == designs[0].patent_id
    numbers = [d.patent_pn for d in designs]
    first, second = client.number_search(numbers, limit=3), client.number_search(numbers, limit=3, offset=3)
    assert first.total == second.total == 5
    assert [r["pn"] for r in first.records + second.records] == numbers     # in the order asked

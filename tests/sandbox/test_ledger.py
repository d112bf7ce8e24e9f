"""The billing ledger: every billable call, failed ones too, never a secret."""

from __future__ import annotations

import json

import pytest
import requests

from patsnap_pandas.sandbox import LedgerEntry
from tests.helpers import Api


@pytest.fixture
def fresh(make_sandbox):
    """A private sandbox (its ledger starts empty) plus a token-mode session."""
    sandbox = make_sandbox()
    creds = sandbox.credentials
    token = requests.post(
        sandbox.base_url + "/oauth/token",
        auth=(creds.client_id, creds.client_secret),
        data={"grant_type": "client_credentials"},
        timeout=10,
    ).json()["token"]
    return sandbox, token


def run_every_billable_call(sandbox, token, corpus) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    params = {"apikey": sandbox.credentials.client_id}
    base = sandbox.base_url
    upload = requests.post(
        base + "/image-search/image-upload",
        params=params,
        headers=headers,
        files={"image": ("q.png", corpus.image_png(corpus.designs[0].image_keys[0]), "image/png")},
        timeout=10,
    ).json()
    found = requests.get(
        base + "/image-search/search-id", params={**params, "url": upload["data"]["url"], "limit": 7}, headers=headers, timeout=10
    ).json()
    requests.get(
        base + "/image-search/results",
        params={**params, "search_id": found["data"]["search_id"], "offset": 7, "limit": 5},
        headers=headers,
        timeout=10,
    )
    ids = ",".join(d.patent_id for d in corpus.designs[:4])
    requests.get(base + "/basic-patent-data/simple-bibliography", params={**params, "patent_id": ids}, headers=headers, timeout=10)
    requests.get(base + "/basic-patent-data/simple-legal-status", params={**params, "patent_id": ids}, headers=headers, timeout=10)


def test_every_billable_call_is_recorded(fresh, corpus):
    sandbox, token = fresh
    run_every_billable_call(sandbox, token, corpus)
    entries = list(sandbox.ledger)
    assert [e.endpoint for e in entries] == [
        "/image-search/image-upload",
        "/image-search/search-id",
        "/image-search/results",
        "/basic-patent-data/simple-bibliography",
        "/basic-patent-data/simple-legal-status",
    ]
    assert [e.result_count for e in entries] == [1, 7, 5, 4, 4]
    assert all(e.ok and e.error_code is None and e.http_status == 200 for e in entries)
    assert all(isinstance(e, LedgerEntry) for e in entries)
    times = [e.time for e in entries]
    assert times == sorted(times)
    assert entries[1].params["limit"] == "7"
    assert entries[2].params["offset"] == "7"
    assert entries[0].params["filename"] == "q.png"
    assert sandbox.ledger.billed() == 5
    assert sandbox.ledger.billed("search-id") == 1
    assert sandbox.ledger.billed("/image-search/results") == 1


def test_ledger_holds_no_secrets(fresh, corpus):
    sandbox, token = fresh
    run_every_billable_call(sandbox, token, corpus)
    # plus failed attempts carrying wrong secrets
    requests.get(sandbox.base_url + "/image-search/results", params={"apikey": "sk-wrong", "search_id": "x"}, timeout=10)
    Api(sandbox).get("/image-search/results", search_id="x", apikey=sandbox.credentials.api_key)
    dumped = json.dumps(sandbox.ledger.to_list()) + repr(list(sandbox.ledger))
    creds = sandbox.credentials
    for secret in (token, creds.client_secret, creds.api_key, "sk-wrong"):
        assert secret not in dumped
    assert "apikey" not in dumped and "Authorization" not in dumped
    upload = sandbox.ledger[0]
    assert set(upload.params) <= {"filename", "content_type"}


def test_failed_attempts_are_recorded(fresh):
    sandbox, _ = fresh
    api = Api(sandbox)
    api.get("/image-search/search-id", url="https://example.com/x.png")
    api.get("/image-search/results", search_id="nope")
    Api(sandbox, headers={}).get("/basic-patent-data/simple-legal-status", patent_id="x")
    api.upload(b"not an image", "x.txt", "text/plain")
    entries = list(sandbox.ledger)
    assert [(e.ok, e.error_code, e.http_status, e.result_count) for e in entries] == [
        (False, 68300004, 200, 0),
        (False, 68300007, 200, 0),
        (False, 67200008, 200, 0),
        (False, 68300010, 200, 0),
    ]
    assert sandbox.ledger.billed() == 4


def test_ledger_endpoint_returns_the_same_json_and_can_clear(fresh, corpus):
    sandbox, token = fresh
    run_every_billable_call(sandbox, token, corpus)
    served = requests.get(sandbox.base_url + "/_sandbox/ledger", timeout=10).json()
    assert served == sandbox.ledger.to_list()
    assert len(served) == 5
    assert set(served[0]) == {"endpoint", "params", "time", "result_count", "ok", "error_code", "http_status"}
    sandbox.ledger.clear()
    assert len(sandbox.ledger) == 0 and sandbox.ledger.billed() == 0
    run_every_billable_call(sandbox, token, corpus)
    assert requests.delete(sandbox.base_url + "/_sandbox/ledger", timeout=10).json() == []
    assert len(sandbox.ledger) == 0


def test_token_and_status_calls_are_not_billed(fresh):
    sandbox, _ = fresh
    status = requests.get(sandbox.base_url + "/_sandbox/status", timeout=10).json()
    assert status["ready"] is True and status["designs"] == len(sandbox.corpus.designs)
    assert len(sandbox.ledger) == 0

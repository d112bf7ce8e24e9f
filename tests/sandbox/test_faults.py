"""Fault knobs: seeded failure rates, dropped connections, quota, latency, thread safety."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from patsnap_pandas.sandbox import FaultSettings
from tests.helpers import Api

LEGAL = "/basic-patent-data/simple-legal-status"
DEFAULTS = dataclasses.asdict(FaultSettings())


@pytest.fixture(scope="module")
def faulty(corpus):
    """One sandbox for this module; each test configures it (configure also resets quota and seeds)."""
    from patsnap_pandas.sandbox import start_sandbox

    with start_sandbox() as server:
        yield server


@pytest.fixture(autouse=True)
def reset_knobs(faulty):
    """Every test starts and ends with the default knobs."""
    faulty.configure(**DEFAULTS)
    yield
    faulty.configure(**DEFAULTS)


def outcome(api: Api) -> str:
    """What one billable call saw: "ok", "http500", "http502", "http503", "68300008", "drop", or a code."""
    try:
        response = api.get(LEGAL, patent_id="x")
    except requests.ConnectionError:
        return "drop"
    if response.status_code != 200:
        return f"http{response.status_code}"
    body = response.json()
    return "ok" if body["status"] else str(body["error_code"])


def run(sandbox, n: int) -> list[str]:
    api = Api(sandbox)
    return [outcome(api) for _ in range(n)]


def test_failure_rate_is_statistically_sane(faulty):
    faulty.configure(failure_rate=0.3, seed=11)
    outcomes = run(faulty, 200)
    failures = sum(o != "ok" for o in outcomes)
    # binomial(200, 0.3): mean 60, sd 6.5; +-3 sd
    assert 40 <= failures <= 80, Counter(outcomes)
    assert set(outcomes) == {"ok", "http500", "http502", "http503", "68300008", "drop"}
    faulty.configure(failure_rate=0.0)


def test_same_seed_gives_the_same_fault_sequence(faulty):
    faulty.configure(failure_rate=0.5, seed=3)
    first = run(faulty, 40)
    faulty.configure(failure_rate=0.5, seed=3)
    second = run(faulty, 40)
    faulty.configure(failure_rate=0.5, seed=4)
    third = run(faulty, 40)
    faulty.configure(failure_rate=0.0)
    assert first == second
    assert first != third


def test_dropped_connection_surfaces_as_a_connection_error(faulty):
    faulty.configure(failure_rate=1.0, failure_kinds=("drop",))
    try:
        with pytest.raises(requests.ConnectionError):
            Api(faulty).get(LEGAL, patent_id="x")
        entry = faulty.ledger[-1]
        assert (entry.ok, entry.http_status, entry.error_code) == (False, 0, None)
        # the server keeps serving after a drop
        faulty.configure(failure_rate=0.0)
        assert outcome(Api(faulty)) == "ok"
    finally:
        faulty.configure(failure_rate=0.0, failure_kinds=FaultSettings().failure_kinds)


def test_separate_drop_rate(faulty):
    faulty.configure(failure_rate=0.0, drop_rate=0.25, seed=5)
    outcomes = Counter(run(faulty, 120))
    faulty.configure(drop_rate=None)
    assert set(outcomes) == {"ok", "drop"}
    assert 12 <= outcomes["drop"] <= 50


@pytest.mark.parametrize("kind, seen", [(500, "http500"), (502, "http502"), (503, "http503"), (68300008, "68300008")])
def test_each_failure_kind(faulty, kind, seen):
    faulty.configure(failure_rate=1.0, failure_kinds=(kind,))
    try:
        api = Api(faulty)
        assert outcome(api) == seen
        response = api.get(LEGAL, patent_id="x")
        if kind == 500:
            assert response.json()["error_code"] == 67200000
        if kind in (502, 503):
            assert response.headers["Content-Type"].startswith("text/html")
        entry = faulty.ledger[-1]
        assert entry.ok is False
        assert entry.http_status == (200 if kind == 68300008 else kind)
    finally:
        faulty.configure(failure_rate=0.0, failure_kinds=FaultSettings().failure_kinds)


def test_faults_do_not_hit_the_token_endpoint(faulty):
    faulty.configure(failure_rate=1.0)
    try:
        creds = faulty.credentials
        for _ in range(5):
            response = requests.post(
                faulty.base_url + "/oauth/token",
                auth=(creds.client_id, creds.client_secret),
                data={"grant_type": "client_credentials"},
                timeout=10,
            )
            assert response.status_code == 200
    finally:
        faulty.configure(failure_rate=0.0)


@pytest.mark.parametrize("quota_code", [67200002, 67200007])
def test_quota_after_n_billable_calls(faulty, quota_code):
    faulty.configure(quota=5, quota_code=quota_code)
    try:
        outcomes = run(faulty, 8)
        assert outcomes == ["ok"] * 5 + [str(quota_code)] * 3
        assert faulty.quota_used == 5
        assert [e.error_code for e in faulty.ledger[-3:]] == [quota_code] * 3
    finally:
        faulty.configure(quota=None)
    assert outcome(Api(faulty)) == "ok"


def test_latency_and_jitter(faulty):
    faulty.configure(latency=0.25, latency_jitter=0.1)
    try:
        api = Api(faulty)
        durations = []
        for _ in range(3):
            started = time.perf_counter()
            assert outcome(api) == "ok"
            durations.append(time.perf_counter() - started)
    finally:
        faulty.configure(latency=0.0, latency_jitter=0.0)
    assert all(d >= 0.25 for d in durations), durations  # lower bounds only: machines are noisy
    assert faulty.settings.latency == 0.0


def test_concurrent_calls_are_all_served_and_recorded(faulty, corpus):
    faulty.configure(failure_rate=0.0)
    api = Api(faulty)
    url = api.upload_url(corpus.image_png(corpus.designs[30].image_keys[0]))
    before = len(faulty.ledger)

    def work(i: int):
        session = requests.Session()
        headers = api.headers
        if i % 2:
            r = session.get(faulty.base_url + "/image-search/search-id", params={"url": url, "limit": 5}, headers=headers, timeout=30)
            return r.json()["data"]["patent_messages"][0]["patent_id"]
        r = session.get(faulty.base_url + LEGAL, params={"patent_id": corpus.designs[i].patent_id}, headers=headers, timeout=30)
        return r.json()["data"][0]["patent_id"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(80)))
    assert all(r == corpus.designs[30].patent_id for r in results[1::2])
    assert results[0::2] == [corpus.designs[i].patent_id for i in range(0, 80, 2)]
    assert len(faulty.ledger) - before == 80
    assert all(e.ok for e in faulty.ledger[before:])


def test_concurrent_quota_is_exact(faulty):
    faulty.configure(quota=30)
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            outcomes = list(pool.map(lambda _: outcome(Api(faulty)), range(60)))
    finally:
        faulty.configure(quota=None)
    assert Counter(outcomes) == {"ok": 30, "67200002": 30}


@pytest.mark.parametrize(
    "options",
    [
        {"failure_rate": 1.5},
        {"failure_rate": -0.1},
        {"drop_rate": 2},
        {"failure_rate": 0.8, "drop_rate": 0.5},
        {"latency": -1},
        {"quota": -1},
        {"quota": 2.5},
        {"quota_code": 68300004},
        {"token_lifetime": 0},
        {"failure_kinds": (404,)},
        {"failure_kinds": ()},
        {"seed": "x"},
        {"retry_after_date": "yes"},
    ],
)
def test_bad_knob_values_raise_value_error_naming_them(faulty, options):
    with pytest.raises(ValueError) as info:
        faulty.configure(**options)
    assert any(name in str(info.value) for name in options)


def test_unknown_knob_raises_type_error(faulty):
    with pytest.raises(TypeError, match="failure_rat"):
        faulty.configure(failure_rat=0.5)
    from patsnap_pandas.sandbox import start_sandbox

    with pytest.raises(TypeError, match="colour"):
        start_sandbox(colour="red")


@pytest.mark.parametrize("as_date", [False, True])
def test_throttle_sends_retry_after_as_seconds_or_as_an_http_date(faulty, as_date):
    import email.utils

    faulty.configure(throttle_rate=1.0, retry_after=30, retry_after_date=as_date)
    response = Api(faulty).get(LEGAL, patent_id="x")
    assert response.status_code == 429 and response.json()["error_code"] == 67200002
    header = response.headers["Retry-After"]
    if not as_date:
        assert header == "30"
        return
    asked = email.utils.parsedate_to_datetime(header)
    served = email.utils.parsedate_to_datetime(response.headers["Date"])   # the server's own clock, same second or before
    assert header.endswith(" GMT") and 30 <= (asked - served).total_seconds() <= 31

"""The client and the budget over real HTTP: refused before anything is sent, retries count, cache hits do not."""

from __future__ import annotations

import socket

import pytest

from patsnap_pandas import (
    BudgetExceededError,
    PatsnapClient,
    QuotaExceededError,
    ServiceUnreachableError,
    search_designs,
)
from patsnap_pandas.store.budget import MemoryUsageCounter
from patsnap_pandas.store.files import USAGE_FILE
from patsnap_pandas.store.local_usage import LocalUsageCounter
from tests.helpers import SEARCH, UPLOAD, numbered_png


def upload_and_search(client, i: int):
    return client.create_search(client.upload_image(numbered_png(i), f"q{i}.png").url, limit=3)


def test_the_call_over_the_budget_is_refused_before_anything_is_sent(make_client, patsnap_sandbox):
    client = make_client(budget="3/day")
    upload_and_search(client, 0)                       # 2 billed calls
    url = client.upload_image(numbered_png(1), "q1.png").url  # the 3rd
    before = patsnap_sandbox.ledger.entries()
    assert [e.endpoint for e in before] == [UPLOAD, SEARCH, UPLOAD]
    with pytest.raises(BudgetExceededError) as caught:
        client.create_search(url, limit=3)
    assert patsnap_sandbox.ledger.entries() == before  # nothing reached the server
    err = caught.value
    assert (err.limit, err.window, err.spent) == (3, "day", 3)
    assert "3 spent today" in str(err) and "PATSNAP_BUDGET=" in str(err)
    assert client.usage.billed_calls == 3 and client.usage.budget["remaining"] == 0


def test_cache_hits_never_count(make_client, patsnap_sandbox):
    client = make_client(budget="2/day")
    first = upload_and_search(client, 0)
    again = upload_and_search(client, 0)                # upload memo + HTTP cache: no call at all
    assert again.from_cache and again.hits == first.hits
    assert len(patsnap_sandbox.ledger) == 2 and client.usage.budget["spent"] == 2


def test_a_budget_of_zero_allows_only_cached_answers(make_client, patsnap_sandbox):
    upload_and_search(make_client(), 0)                 # cached in the shared folder, outside any budget
    client = make_client(budget="0/day")
    assert upload_and_search(client, 0).from_cache
    with pytest.raises(BudgetExceededError):
        upload_and_search(client, 1)
    assert len(patsnap_sandbox.ledger) == 2


def test_every_retry_is_a_billed_attempt_and_reserves_again(make_client, patsnap_sandbox):
    client = make_client(budget="10/day", max_retries=2)
    url = client.upload_image(numbered_png(0), "q.png").url
    patsnap_sandbox.configure(quota=0, quota_code=67200002)  # "too many calls": retried, each one billed
    with pytest.raises(QuotaExceededError):
        client.create_search(url, limit=3)
    assert len(patsnap_sandbox.ledger) == 1 + 3          # the upload, then 3 attempts of the search
    assert client.usage.budget["spent"] == 4 == client.usage.billed_calls


def test_retries_stop_at_the_budget(make_client, patsnap_sandbox):
    client = make_client(budget="3/day", max_retries=5)
    url = client.upload_image(numbered_png(0), "q.png").url
    patsnap_sandbox.configure(quota=0, quota_code=67200002)
    with pytest.raises(BudgetExceededError):
        client.create_search(url, limit=3)
    assert len(patsnap_sandbox.ledger) == 3 and client.usage.budget["spent"] == 3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_connection_refused_gives_the_reservation_back(tmp_path):
    client = PatsnapClient(api_key="sk-test-key-0000", base_url=f"http://127.0.0.1:{free_port()}",
                           cache_dir=tmp_path, max_retries=1, backoff_factor=0.001, budget="1/day")
    with client:
        with pytest.raises(ServiceUnreachableError):
            client.upload_image(numbered_png(0), "q.png")
        with pytest.raises(ServiceUnreachableError):  # not BudgetExceededError: nothing was spent
            client.upload_image(numbered_png(0), "q.png")
        assert client.usage.budget["spent"] == 0
    assert LocalUsageCounter(tmp_path).spent("day") == 0


def test_clients_sharing_a_folder_share_the_budget(make_client, patsnap_sandbox, tmp_path):
    first, second = make_client(budget="3/day"), make_client(budget="3/day")
    upload_and_search(first, 0)
    second.upload_image(numbered_png(1), "q1.png")
    with pytest.raises(BudgetExceededError, match="3 spent today by everyone sharing this cache"):
        first.upload_image(numbered_png(2), "q2.png")
    assert len(patsnap_sandbox.ledger) == 3
    assert (tmp_path / "cache" / USAGE_FILE).is_file()


def test_usage_shows_spent_and_the_budget(make_client):
    client = make_client(budget="50/day")
    upload_and_search(client, 0)
    budget = client.usage.budget
    assert set(budget) == {"limit", "window", "spent", "remaining", "resets_at"}
    assert (budget["limit"], budget["window"], budget["spent"], budget["remaining"]) == (50, "day", 2, 48)
    assert budget["resets_at"].endswith("T00:00:00+00:00")
    shown = client.usage.as_dict()
    assert shown["billed_calls"] == 2 and shown["requests"] == {"token": 1, "upload": 1, "search": 1}
    assert (shown["spent_today"], shown["spent_this_month"], shown["budget_left"]) == (2, 2, "48 of 50 calls left today")
    assert repr(client.usage).endswith("spent_today=2, spent_this_month=2, budget='48 of 50 calls left today')")
    assert client.cache_info()["usage"]["budget"] == budget


def test_without_a_budget_calls_are_counted_all_the_same(make_client):
    client = make_client()
    upload_and_search(client, 0)
    assert client.usage.budget is None
    assert repr(client.usage).endswith("retries=0, spent_today=2, spent_this_month=2)")


def test_a_client_without_a_cache_counts_in_memory(patsnap_sandbox):
    creds = patsnap_sandbox.credentials
    with PatsnapClient(api_key=creds.api_key, base_url=patsnap_sandbox.base_url, cache=False,
                       budget="1/month") as client:
        assert isinstance(client._pipeline.counter, MemoryUsageCounter)
        client.upload_image(numbered_png(0), "q.png")
        with pytest.raises(BudgetExceededError, match="per month"):
            client.upload_image(numbered_png(1), "q.png")
        assert len(patsnap_sandbox.ledger) == 1


def test_search_designs_stops_at_the_budget_with_the_sandbox_helper():
    from patsnap_pandas import samples

    with PatsnapClient.sandbox(budget="1/day") as client:
        with pytest.raises(BudgetExceededError, match="needs 2 billed calls together .*; none was sent"):
            search_designs(samples.image("armchair"), client=client)
        # the upload and its search are reserved together: no upload is paid for a search the budget refuses
        assert list(client.sandbox_server.ledger) == [] and client.usage.budget["spent"] == 0


def test_a_call_interrupted_while_waiting_for_the_rate_limit_gives_its_reservation_back(make_client, patsnap_sandbox):
    import threading

    from patsnap_pandas.waits import Interrupted

    client = make_client(budget="5/day", rate_limit=0.5)  # one call every 2 s (the token is one)
    client.upload_image(numbered_png(0), "q0.png")
    outcome = []

    def second() -> None:
        try:
            client.upload_image(numbered_png(1), "q1.png")
        except Interrupted as stop:
            outcome.append(stop)

    worker = threading.Thread(target=second)
    worker.start()
    deadline = 100
    while client.usage.budget["spent"] < 2 and deadline:  # it has reserved and waits for its turn
        threading.Event().wait(0.05)
        deadline -= 1
    assert client.usage.budget["spent"] == 2
    client.interrupt()
    worker.join(10)
    client.resume()
    assert outcome and len(patsnap_sandbox.ledger) == 1
    assert client.usage.budget["spent"] == 1  # the interrupted call was never sent: given back

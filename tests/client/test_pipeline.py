"""The call as steps (api/pipeline.py): each step's decision on its own, over HTTP against the sandbox.

A step is run alone on a :class:`Call` with a real client's pipeline, or a whole call is run with
every step recorded (``recorded``): the order the steps were passed, what each said, and where the
call stopped. Counts come from the sandbox's ledger and the budget's counter, never from timing.
"""

from __future__ import annotations

import time
import warnings

import pytest

from patsnap_pandas import (
    BudgetExceededError,
    InvalidParameterError,
    PatsnapClient,
    QuotaExceededError,
    ServiceUnreachableError,
)
from patsnap_pandas.api import pipeline
from patsnap_pandas.api.pipeline import (
    STEPS,
    Answer,
    Call,
    Count,
    FromCache,
    InFlight,
    RateLimit,
    ReserveAhead,
    Retry,
    Send,
    Step,
    Uploads,
    Verdict,
    WithinBudget,
)
from patsnap_pandas.errors import CacheWarning
from patsnap_pandas.store.cache import content_ref
from patsnap_pandas.waits import Interrupted
from tests.helpers import numbered_png

UPLOAD, SEARCH, LEGAL = "/image-search/image-upload", "/image-search/search-id", "/basic-patent-data/simple-legal-status"


class _Recorded(Step):
    """Runs ``step`` and notes (its name, its verdict or what it raised); ``after(name, verdict)`` runs next."""

    def __init__(self, step: Step, seen: list, after) -> None:
        self.step, self.seen, self.after = step, seen, after

    def run(self, call, pipe):
        name = type(self.step).__name__
        try:
            verdict = self.step.run(call, pipe)
        except BaseException as exc:
            self.seen.append((name, type(exc).__name__))
            raise
        self.seen.append((name, verdict.name))
        self.after(name, verdict)
        return verdict


@pytest.fixture
def recorded():
    """``recorded(client, after=None)``: the list of (step, verdict) the client's calls pass from now on."""
    def record(client: PatsnapClient, after=lambda name, verdict: None) -> list:
        seen: list = []
        pipe = client._pipeline
        pipe.steps = tuple(_Recorded(step, seen, after) for step in pipe.steps)
        return seen
    return record


def _legal(sandbox, i: int = 0) -> Call:
    return Call("legal_status", params={"patent_id": sandbox.corpus.designs[i].patent_id})


def _through(pipe, call: Call, *steps: type[Step]) -> list[Verdict]:
    """``steps`` run on ``call`` one after the other, as the pipeline would (inside the call's held locks)."""
    return [next(s for s in pipe.steps if isinstance(s, step)).run(call, pipe) for step in steps]


def test_the_steps_read_in_one_order_and_the_table_at_the_top_of_the_module_says_it():
    names = ["FromCache", "InFlight", "ReserveAhead", "Uploads", "WithinBudget", "RateLimit", "Send", "Count", "Retry",
             "Answer"]
    assert [step.__name__ for step in STEPS] == names
    table = pipeline.__doc__.split("::", 1)[1].split("\n\n")[1]
    assert [line.split()[0] for line in table.splitlines()] == names


# --- FromCache ---------------------------------------------------------------------------------------

def test_from_cache_answers_with_no_lock_no_budget_and_no_wait(sandbox, make_client, recorded):
    client = make_client(budget="10/day")
    answer = client.legal_status([sandbox.corpus.designs[0].patent_id])
    pipe = client._pipeline
    admitted, spent = pipe.limiter.admitted, pipe.counter.spent("day")
    client.interrupt()                      # any wait for the rate limit would raise Interrupted now
    call = _legal(sandbox)
    assert FromCache().run(call, pipe) is Verdict.DONE
    assert call.from_cache and call.answer == answer and pipe.flights.held_keys() == frozenset()
    seen = recorded(client)
    assert client.legal_status([sandbox.corpus.designs[0].patent_id]) == answer
    assert seen == [("FromCache", "DONE")]  # no other step: no lock, no budget, no rate limit
    assert (pipe.limiter.admitted, pipe.counter.spent("day"), len(sandbox.ledger)) == (admitted, spent, 1)
    assert client.usage.cache_hits == 2


def test_from_cache_misses_on_to_the_next_step_and_answers_an_upload_from_the_memo(sandbox, client):
    pipe = client._pipeline
    missing = _legal(sandbox, 1)
    assert FromCache().run(missing, pipe) is Verdict.NEXT and not missing.from_cache and missing.answer is None
    data = numbered_png(1)
    uploaded = client.upload_image(data, "q.png")
    call = Call("upload", method="POST", image=data)
    assert FromCache().run(call, pipe) is Verdict.DONE
    assert call.answer[0] == uploaded.url and call.answer[1] == pytest.approx(uploaded.expires_at.timestamp())
    assert call.from_cache
    assert sandbox.ledger.billed() == 1


def test_from_cache_takes_an_answer_older_than_the_clients_lifetime_for_a_miss_the_send_replaces(
        sandbox, make_client, clock):
    make_client().legal_status([sandbox.corpus.designs[0].patent_id])      # kept 1 day by default
    clock.shift(120)
    strict = make_client(expire_after={"legal_status": 60})                # the same folder, 1 minute
    call = _legal(sandbox)
    assert FromCache().run(call, strict._pipeline) is Verdict.NEXT and call.stale
    strict.legal_status([sandbox.corpus.designs[0].patent_id])
    assert sandbox.ledger.billed() == 2                                    # sent again (forced), and stored anew
    assert FromCache().run(_legal(sandbox), strict._pipeline) is Verdict.DONE


# --- InFlight -------------------------------------------------------------------------------------------

def test_in_flight_holds_the_calls_lock_and_finds_what_another_client_paid_for_meanwhile(sandbox, make_client):
    mine, theirs = make_client(), make_client()                             # one cache folder
    call = _legal(sandbox)
    with call.held:
        assert FromCache().run(call, mine._pipeline) is Verdict.NEXT
        theirs.legal_status([sandbox.corpus.designs[0].patent_id])           # paid for by the other client
        assert InFlight().run(call, mine._pipeline) is Verdict.DONE
        assert call.from_cache and len(mine._pipeline.flights.held_keys()) == 1   # the lock is held until the end
    assert mine._pipeline.flights.held_keys() == frozenset()
    assert sandbox.ledger.billed() == 1


def test_in_flight_takes_no_lock_for_a_call_the_cache_is_not_asked_for(sandbox, client):
    pipe = client._pipeline
    token = Call("token", method="POST", basic_auth=("id", "secret"))
    refresh = Call("legal_status", params={"patent_id": "p1"}, refresh=True)
    for call in (token, refresh):
        with call.held:
            assert InFlight().run(call, pipe) is Verdict.NEXT and pipe.flights.held_keys() == frozenset()


# --- ReserveAhead and Uploads ------------------------------------------------------------------------

def _by_bytes(data: bytes) -> Call:
    return Call("search", params={"url": content_ref(data), "limit": "5"}, images=(data,),
                request=lambda urls: {"params": {"url": urls[0], "limit": "5"}})


def test_reserve_ahead_refuses_a_search_by_bytes_before_its_upload(sandbox, make_client):
    client = make_client(budget="1/day")
    call = _by_bytes(numbered_png(2))
    with call.held, pytest.raises(BudgetExceededError, match="needs 2 billed calls together"):
        ReserveAhead().run(call, client._pipeline)
    with pytest.raises(BudgetExceededError):
        client.create_search(numbered_png(2), limit=5)
    assert len(sandbox.ledger) == 0 and client._pipeline.counter.spent("day") == 0


def test_reserve_ahead_reserves_the_upload_and_the_search_and_gives_back_what_was_not_used(sandbox, make_client):
    pipe = make_client(budget="5/day")._pipeline
    call = _by_bytes(numbered_png(3))
    with call.held:
        assert ReserveAhead().run(call, pipe) is Verdict.NEXT
        assert pipe.counter.spent("day") == 2                              # the upload and the search, together
        assert pipe.take_reserved("upload") is not None                    # taken by the upload's first attempt
    assert pipe.counter.spent("day") == 1                                  # the search's was never used: given back
    assert len(sandbox.ledger) == 0


def test_uploads_uploads_each_image_and_keys_the_search_by_its_content(sandbox, client):
    data = numbered_png(4)
    call = _by_bytes(data)
    with call.held:
        assert Uploads().run(call, client._pipeline) is Verdict.NEXT
    url = call.params["url"]
    assert url.startswith("http") and call.urls == [url] and call.refs == {url: content_ref(data)}
    assert [entry.endpoint for entry in sandbox.ledger] == [UPLOAD]


# --- WithinBudget and RateLimit ---------------------------------------------------------------------

def test_within_budget_refuses_before_the_rate_limit_waits(sandbox, make_client, recorded):
    client = make_client(budget="1/day")
    client.legal_status([sandbox.corpus.designs[0].patent_id])            # the day's one billed call
    admitted = client._pipeline.limiter.admitted
    client.interrupt()                      # a rate-limit wait would raise Interrupted: the budget answers first
    seen = recorded(client)
    with pytest.raises(BudgetExceededError):
        client.legal_status([sandbox.corpus.designs[1].patent_id])
    assert seen[-1] == ("WithinBudget", "BudgetExceededError")
    assert "RateLimit" not in [name for name, _ in seen]
    assert client._pipeline.limiter.admitted == admitted and sandbox.ledger.billed() == 1


def test_within_budget_reserves_each_billed_attempt_and_nothing_for_the_token(sandbox, make_client):
    pipe = make_client(budget="5/day")._pipeline
    call = _legal(sandbox)
    assert WithinBudget().run(call, pipe) is Verdict.NEXT
    assert call.ticket is not None and call.ticket.endpoint == "legal_status" and pipe.counter.spent("day") == 1
    token = Call("token", method="POST", basic_auth=("id", "secret"))
    assert WithinBudget().run(token, pipe) is Verdict.NEXT and token.ticket is None
    assert pipe.counter.spent("day") == 1 and len(sandbox.ledger) == 0


def test_a_call_stopped_at_the_rate_limit_gives_its_reservation_back(sandbox, make_client, recorded):
    client = make_client(auth="api_key", budget="5/day")
    client.interrupt()
    seen = recorded(client)
    with pytest.raises(Interrupted):
        client.legal_status([sandbox.corpus.designs[0].patent_id])
    assert seen[-2:] == [("WithinBudget", "NEXT"), ("RateLimit", "Interrupted")]
    assert client._pipeline.counter.spent("day") == 0 and len(sandbox.ledger) == 0   # nothing went out
    client.resume()
    assert RateLimit().run(_legal(sandbox), client._pipeline) is Verdict.NEXT
    assert client._pipeline.limiter.admitted == 1


# --- Send, Count ------------------------------------------------------------------------------------

def test_send_sends_and_marks_the_attempt_sent_count_counts_it(sandbox, make_client):
    client = make_client(auth="api_key", budget="5/day")
    pipe = client._pipeline
    call = _legal(sandbox)
    _through(pipe, call, WithinBudget, RateLimit)
    assert Send().run(call, pipe) is Verdict.NEXT
    assert call.response.status_code == 200 and call.failure is None and call.sent
    assert (client.usage.billed_sent, client.usage.billed_calls, sandbox.ledger.billed()) == (1, 0, 1)
    assert Count().run(call, pipe) is Verdict.NEXT
    assert call.ticket is None and client.usage.billed_calls == 1 and pipe.counter.spent("day") == 1


def test_count_gives_back_the_reservation_of_a_call_that_never_connected(tmp_path, unused_port):
    with PatsnapClient(api_key="sk-test-key-0000", base_url=f"http://127.0.0.1:{unused_port}", cache_dir=tmp_path,
                       max_retries=1, backoff_factor=0.001, budget="1/day") as client:
        pipe = client._pipeline
        call = Call("legal_status", params={"patent_id": "p1"})
        _through(pipe, call, WithinBudget, RateLimit)
        assert pipe.counter.spent("day") == 1
        assert Send().run(call, pipe) is Verdict.NEXT and call.failure is not None    # recorded, not raised
        assert Count().run(call, pipe) is Verdict.NEXT
        assert pipe.counter.spent("day") == 0                                        # nothing reached a server
        assert client.usage.requests["legal_status"] == 2 and client.usage.billed_calls == 0
        with pytest.raises(ServiceUnreachableError):
            Retry().run(call, pipe)                                                  # never retried by the client


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- Retry, Answer ------------------------------------------------------------------------------------

def test_a_retried_transient_failure_reenters_at_the_budget_step_and_is_counted(sandbox, make_client, recorded):
    client = make_client(auth="api_key", budget="10/day", max_retries=2)
    sandbox.configure(quota=0, quota_code=67200002)     # "too many calls": transient, and billed

    def then_recover(name, verdict):
        if name == "Retry" and verdict is Verdict.RETRY:
            sandbox.configure(quota=None)

    seen = recorded(client, then_recover)
    items = client.legal_status([sandbox.corpus.designs[0].patent_id])
    assert items and [name for name, _ in seen] == [
        "FromCache", "InFlight", "ReserveAhead", "Uploads",
        "WithinBudget", "RateLimit", "Send", "Count", "Retry",        # the failure: RETRY
        "WithinBudget", "RateLimit", "Send", "Count", "Retry", "Answer"]
    assert [verdict for name, verdict in seen if name == "Retry"] == ["RETRY", "NEXT"]
    assert [entry.error_code for entry in sandbox.ledger] == [67200002, None]
    assert client._pipeline.counter.spent("day") == 2 == client.usage.billed_calls == sandbox.ledger.billed()
    assert client.usage.retries == 1


def test_retry_raises_what_is_not_transient_and_gives_up_when_no_retry_is_left(sandbox, make_client):
    client = make_client(auth="api_key", max_retries=1)
    pipe = client._pipeline
    sandbox.configure(quota=0, quota_code=67200002)
    call = _legal(sandbox)
    _through(pipe, call, WithinBudget, RateLimit, Send, Count)
    assert Retry().run(call, pipe) is Verdict.RETRY and call.attempt == 1
    _through(pipe, call, WithinBudget, RateLimit, Send, Count)
    with pytest.raises(QuotaExceededError, match="Gave up after 1 retries"):
        Retry().run(call, pipe)
    sandbox.configure(quota=None)
    bad = Call("legal_status", params={"patent_id": ""})                     # the server refuses it: no retry
    _through(pipe, bad, WithinBudget, RateLimit, Send, Count)
    with pytest.raises(InvalidParameterError):
        Retry().run(bad, pipe)
    assert bad.attempt == 0 and client.usage.retries == 1


def test_a_rejected_token_is_fetched_again_once_and_the_call_goes_back_to_the_budget(sandbox, make_client, clock,
                                                                                      recorded):
    sandbox.configure(token_lifetime=1)
    client = make_client(budget="10/day")
    client.legal_status([sandbox.corpus.designs[0].patent_id])
    clock.shift(1.1)
    client._pipeline.auth._refresh_at = float("inf")    # the local clock runs behind: the token is still trusted
    seen = recorded(client)
    client.legal_status([sandbox.corpus.designs[1].patent_id])
    assert seen[seen.index(("Retry", "RETRY")) + 1] == ("WithinBudget", "NEXT")    # the call goes back to the budget
    assert [verdict for name, verdict in seen if name == "Retry"] == ["RETRY", "NEXT", "NEXT"]   # the token's, then the call's
    assert client.usage.requests["token"] == 2 and client._pipeline.auth.refresh_count == 2


def test_answer_remembers_an_uploads_url_until_it_expires(sandbox, client):
    data = numbered_png(5)
    pipe = client._pipeline
    call = Call("upload", method="POST", image=data)
    uploaded = pipe.upload(data, "q.png")
    url, issued_at, expires_at = pipe.uploads.get(pipe.kept.upload_key(data))
    assert url == uploaded.url and expires_at == pytest.approx(uploaded.expires_at.timestamp())
    assert expires_at - issued_at == pytest.approx(sandbox.settings.image_url_lifetime)
    started = time.time()
    call.answer, call.started = {"url": "https://img.example/x.png", "expire": 600}, started
    assert Answer().run(call, pipe) is Verdict.DONE and call.answer == ("https://img.example/x.png", started + 600)
    assert pipe.uploads.get(pipe.kept.upload_key(data)) == ("https://img.example/x.png", started, started + 600)


# --- a lost lease: back to FromCache ---------------------------------------------------------------------

def test_a_lease_lost_before_the_send_starts_the_call_again_at_from_cache(sandbox, patsnap_redis, tmp_path, recorded):
    team = dict(base_url=sandbox.base_url, api_key=sandbox.credentials.api_key, cache_url=patsnap_redis,
                backoff_factor=0.001)
    with PatsnapClient(cache_dir=tmp_path / "a", **team) as mine, PatsnapClient(cache_dir=tmp_path / "b", **team) as theirs:
        ids = [sandbox.corpus.designs[0].patent_id]
        admit, connection = mine._pipeline.limiter.wait, mine.store.connection
        lost: list = []

        def admit_then_lose() -> None:        # paused past the lease: the lock is gone, the other client pays
            admit()
            if not lost:
                lost.append(True)
                for key in connection.scan_iter("patsnap:lock:*"):
                    connection.delete(key)
                theirs.legal_status(ids)

        mine._pipeline.limiter.wait = admit_then_lose
        seen = recorded(mine)
        with warnings.catch_warnings():
            warnings.simplefilter("error", CacheWarning)    # a loss found before the send: nothing to warn of
            assert mine.legal_status(ids) == theirs.legal_status(ids)
    assert ("RateLimit", "LeaseLost") in seen
    assert seen[seen.index(("RateLimit", "LeaseLost")) + 1:] == [("FromCache", "DONE")]
    assert sandbox.ledger.billed() == 1 and mine.usage.billed_sent == 0

"""Issue 21: an interrupt that wakes nothing (``_thread.interrupt_main()``, how Jupyter interrupts on Windows)
stops spending as promptly as a SIGINT, and the batch's message tells the truth; long waits are shown.

Every wait of the client waits in slices, so the main thread sees such an interrupt between two of them.
Billed calls are counted from the sandbox's ledger; "after the interrupt" compares the ledger's
arrival times with the moment ``interrupt_main()`` was called (50 ms: a call already on the wire).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
import time

import pytest

from patsnap_pandas import BatchInterrupted, RateLimitError
from patsnap_pandas.api import pipeline as pipeline_module
from patsnap_pandas.jobs import batch as batch_module
from patsnap_pandas.store import locks

IMAGES = 20
LATE_S = 0.05  # a call that left before the interrupt may reach the server this much after it


def _main_thread_in(function: str, module_file: str) -> bool:
    """True while the main thread runs ``function`` of the package's ``module_file`` (it is waiting there)."""
    frame = sys._current_frames().get(threading.main_thread().ident)
    while frame is not None:
        code = frame.f_code
        if code.co_name == function and code.co_filename.endswith(f"patsnap_pandas{os.sep}{module_file}"):
            return True
        frame = frame.f_back
    return False


def _late(server, interrupter) -> list:
    assert interrupter.at is not None, "the interrupt was never sent"
    return [entry for entry in server.ledger.entries() if entry.time > interrupter.at + LATE_S]


def test_interrupt_main_stops_a_rate_limited_batch_before_its_next_billed_call(sandboxes, clients, catalogue,
                                                                              interrupt_main_when):
    """The acceptance of issue 21: rate_limit=1/s, 20 images; 0 calls billed after the interrupt, and the
    message says so. Before, the batch's thread blocked until a search finished (2 s here) and calls went on."""
    server = sandboxes()
    client = clients(server)
    caught = None
    with interrupt_main_when(lambda: len(server.ledger) >= 3) as interrupter:
        try:
            catalogue.iloc[:IMAGES].patsnap.search_each("photo", rate_limit=1, max_workers=4, progress=False,
                                                        client=client, thumbnails=False)
        except KeyboardInterrupt as exc:
            caught = exc
    assert isinstance(caught, BatchInterrupted), "the batch finished: the interrupt was not seen"
    assert _late(server, interrupter) == []
    assert len(server.ledger) < 2 * IMAGES                      # stopped before the batch finished
    assert caught.billed_after == 0 and "no billed call was made after the interrupt" in str(caught)
    assert client.usage.billed_calls == len(server.ledger)      # the client's own count is the ledger's


def test_interrupt_main_during_a_single_searchs_rate_limit_wait_stops_it_and_gives_the_budget_back(
        sandboxes, clients, catalogue, interrupt_main_when):
    server = sandboxes()
    client = clients(server, auth="api_key", rate_limit=1 / 60, budget="10/day")   # one call a minute
    started, caught = time.monotonic(), None
    # The upload went; the search waits 60 s for its turn (the main thread is in the rate limiter's wait).
    with interrupt_main_when(lambda: len(server.ledger) >= 1 and _main_thread_in("wait", f"store{os.sep}rate_limit.py")):
        try:
            client.create_search(catalogue["photo"][0], limit=5)
        except KeyboardInterrupt as exc:
            caught = exc
    assert caught is not None and len(server.ledger) == 1
    assert client.usage.budget["spent"] == 1      # the search's reservation was given back: it was never sent
    assert time.monotonic() - started < 30        # generous: the interrupted wait was 60 s


def test_interrupt_main_during_a_retry_after_wait_stops_it(sandboxes, clients, interrupt_main_when):
    server = sandboxes(throttle_rate=1.0, retry_after=30)
    client = clients(server, auth="api_key", max_retries=1)
    caught = None
    with interrupt_main_when(lambda: client.usage.longest_wait() is not None):   # the 30 s pause has begun
        try:
            client.create_search(server.base_url + "/no-such-image.png", limit=5)
        except KeyboardInterrupt as exc:
            caught = exc
    assert caught is not None and len(server.ledger) == 1          # the one 429; no retry was sent
    usage = client.usage.as_dict()
    assert usage["throttled"] == 1 and 0 < usage["throttled_wait_s"] < 15   # what was waited, not what was asked
    assert usage["retry_wait_s"] == usage["throttled_wait_s"] and client.usage.longest_wait() is None


@pytest.mark.parametrize("shared", ["folder", "redis"])
def test_interrupt_main_stops_a_batch_whose_worker_waits_for_a_lock_held_elsewhere(
        shared, sandboxes, clients, catalogue, interrupt_main_when, patsnap_redis, monkeypatch):
    """Another process is uploading image 0 (it holds the upload's lock); the batch's worker for it waits.
    Ctrl-C stops that wait too: the batch ends while the other process still holds the lock."""
    monkeypatch.setattr(locks, "LOCK_TIMEOUT_S", 600.0)
    server = sandboxes()
    options = {"cache_url": patsnap_redis} if shared == "redis" else {}
    other, client = clients(server, name="shared", **options), clients(server, name="shared", **options)
    holding, release = threading.Event(), threading.Event()
    admit = other._pipeline.limiter.wait

    def admit_then_hold() -> None:   # the other process, in its upload's send, holding the lock
        admit()
        holding.set()
        release.wait(60)

    other._pipeline.limiter.wait = admit_then_hold
    uploader = threading.Thread(target=other.upload_image, args=(catalogue["photo"][0], "q.png"))
    uploader.start()
    assert holding.wait(60)
    caught, still_held = None, None
    try:
        with interrupt_main_when(lambda: len(server.ledger) >= 2):   # image 1: uploaded and searched
            try:
                catalogue.iloc[:2].patsnap.search_each("photo", max_workers=2, progress=False, client=client,
                                                       thumbnails=False)
            except KeyboardInterrupt as exc:
                caught, still_held = exc, uploader.is_alive()
    finally:
        release.set()
        uploader.join(60)
    assert isinstance(caught, BatchInterrupted) and still_held   # before, the batch waited for the lock
    assert "1 of 2 images were searched" in str(caught)


def test_a_retry_after_given_as_an_http_date_is_waited(sandboxes, clients):
    server = sandboxes(throttle_rate=1.0, retry_after=2, retry_after_date=True)
    client = clients(server, max_retries=1)
    with pytest.raises(RateLimitError):
        client.create_search(server.base_url + "/no-such-image.png", limit=5)
    first, second = server.ledger.entries()
    assert (first.http_status, second.http_status) == (429, 429)
    assert second.time - first.time >= 2.0       # before, the date was ignored: a few ms of backoff
    assert client.usage.throttled_wait_s >= 2.0


def test_a_long_wait_is_logged_and_a_longer_retry_after_than_the_cap_is_capped(sandboxes, clients, caplog,
                                                                              monkeypatch):
    monkeypatch.setattr(pipeline_module, "LONG_WAIT_S", 0.5)        # "long": 5 s in real life
    monkeypatch.setattr(pipeline_module, "RETRY_AFTER_MAX_S", 1.0)  # 60 s in real life
    server = sandboxes(throttle_rate=1.0, retry_after=3600)
    client = clients(server, max_retries=1)
    with caplog.at_level(logging.WARNING, logger="patsnap_pandas.api.client"):
        with pytest.raises(RateLimitError):
            client.create_search(server.base_url + "/no-such-image.png", limit=5)
    message, = [r.getMessage() for r in caplog.records if r.name == "patsnap_pandas.api.client"]
    assert message.startswith("Waiting 1 s before retry 1 of 1 of /image-search/search-id: the server asked "
                              "(HTTP 429); it asked for 3600 s, 1 s at most are waited. Ctrl-C stops the wait")
    assert 1.0 <= client.usage.throttled_wait_s < 60 and len(server.ledger) == 2


def test_a_batch_shows_a_long_wait_on_its_progress_bar(sandboxes, clients, catalogue, capsys, monkeypatch):
    monkeypatch.setattr(pipeline_module, "LONG_WAIT_S", 0.5)
    monkeypatch.setattr(batch_module, "LONG_WAIT_S", 0.5)
    server = sandboxes(throttle_rate=1.0, retry_after=2)
    client = clients(server, max_retries=1)
    out = catalogue.iloc[:1].patsnap.search_each("photo", progress=True, client=client, thumbnails=False)
    assert out["status"].tolist() == ["error"] and "RateLimitError" in out["error"][0]
    assert re.search(r"waiting=[12] s more, the server asked \(HTTP 429\)", capsys.readouterr().err)

"""RedisSingleFlight: one holder per key across threads, processes and (through Redis) machines;
leases renewed while held, freed within seconds when the holder dies, released only by their owner;
checked just before each billed call (fencing), so a holder paused past its lease does not pay twice."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import threading
import time
import warnings
from collections import Counter

import pytest

from patsnap_pandas import CacheError, CacheWarning, PatsnapClient
from patsnap_pandas.errors import CacheUnavailableError
from patsnap_pandas.store import locks
from patsnap_pandas.store.redis_backend import RedisBackend
from patsnap_pandas.store.redis_locks import LOCK_LEASE_S, RedisSingleFlight
from patsnap_pandas.testing import wait_until
from patsnap_pandas.waits import Interrupted
from tests.shared_backend import workers

SPAWN = multiprocessing.get_context("spawn")


def _wait_for(backend, name, process, seconds=60.0):
    def appeared() -> bool:
        assert process.exitcode is None, f"the holder process ended (exit code {process.exitcode}) before {name}"
        return bool(backend.connection.exists(name))

    assert wait_until(appeared, timeout=seconds), f"{name} never appeared"


def test_threads_on_one_key_take_turns_and_other_keys_do_not_wait(backend):
    flights = backend.single_flight()
    assert isinstance(flights, locks.SingleFlight) and isinstance(flights, RedisSingleFlight)
    inside, most = [0], [0]
    guard = threading.Lock()

    def work():
        with flights.hold("same-search"):
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.05)
            with guard:
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    with backend.single_flight().hold("another-search"):     # a different key is free meanwhile
        pass
    for thread in threads:
        thread.join(30)
    assert most[0] == 1 and inside[0] == 0
    assert not backend.connection.exists("patsnap:lock:same-search")


def test_a_lock_held_by_another_process_makes_this_one_wait_then_proceed(backend, patsnap_redis):
    holder = SPAWN.Process(target=workers.hold_lock, args=(patsnap_redis, "upload-abc", 1.0))
    holder.start()
    try:
        _wait_for(backend, "test:held", holder)
        assert backend.connection.exists("patsnap:lock:upload-abc")
        with backend.single_flight().hold("upload-abc"):
            got = time.time()
            released = float(backend.connection.get("test:released-at"))   # set by the holder just before release
        assert got >= released
        print(f"lock handed over {1000 * (got - released):.0f} ms after the other process released it")
    finally:
        holder.join(30)
    assert holder.exitcode == 0


@pytest.mark.slow  # a holder process killed, then its lease waited out: about 7 s
def test_a_holder_killed_with_sigkill_frees_the_lock_within_its_lease(backend, patsnap_redis, monkeypatch):
    monkeypatch.setattr(locks, "LOCK_TIMEOUT_S", 4 * LOCK_LEASE_S)   # a lock that stayed would raise CacheError
    holder = SPAWN.Process(target=workers.hold_lock, args=(patsnap_redis, "search-xyz", 600.0))
    holder.start()
    _wait_for(backend, "test:held", holder)
    ttls = [backend.connection.pttl("patsnap:lock:search-xyz")]

    def renewed() -> bool:  # the time to live went up since the last look: the holder renewed its lease
        ttls.append(backend.connection.pttl("patsnap:lock:search-xyz"))
        return ttls[-1] > ttls[-2]

    assert wait_until(renewed, timeout=LOCK_LEASE_S), ttls  # the lease is kept alive while held
    assert 0 < backend.connection.pttl("patsnap:lock:search-xyz") <= LOCK_LEASE_S * 1000
    os.kill(holder.pid, signal.SIGKILL)
    holder.join(30)
    killed = time.monotonic()
    assert backend.connection.pttl("patsnap:lock:search-xyz") <= LOCK_LEASE_S * 1000   # nothing renews it now
    with backend.single_flight().hold("search-xyz"):
        print(f"lock of the killed holder got after {time.monotonic() - killed:.2f} s (lease {LOCK_LEASE_S:g} s)")
    assert holder.exitcode == -signal.SIGKILL


def test_waiting_longer_than_the_timeout_raises_cache_error_naming_the_lock(backend, monkeypatch, patsnap_redis):
    monkeypatch.setattr(locks, "LOCK_TIMEOUT_S", 0.3)
    other_machine = RedisBackend(patsnap_redis).single_flight()
    with backend.single_flight().hold("busy"):
        with pytest.raises(CacheError) as info:
            with other_machine.hold("busy"):
                pytest.fail("the lock was taken twice")
    text = str(info.value)
    assert patsnap_redis in text and "patsnap:lock:busy" in text and "more than 0.3 s" in text
    assert not isinstance(info.value, CacheUnavailableError)
    other_machine.backend.close()


def test_a_short_lease_is_renewed_for_as_long_as_it_is_held(backend, monkeypatch, patsnap_redis):
    monkeypatch.setattr(locks, "LOCK_TIMEOUT_S", 0.2)
    flights = backend.single_flight(lease=0.5)
    other = RedisBackend(patsnap_redis).single_flight()
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)            # a lost lease would warn on release
        with flights.hold("long-upload"):
            time.sleep(1.5)                                       # three leases long
            assert backend.connection.pttl("patsnap:lock:long-upload") > 0
            with pytest.raises(CacheError):
                with other.hold("long-upload"):
                    pass
    assert not backend.connection.exists("patsnap:lock:long-upload")
    other.backend.close()


def test_only_the_owner_releases_and_a_lost_lease_is_said(backend):
    with pytest.warns(CacheWarning, match="the lease ran out .* and another process took it"):
        with backend.single_flight().hold("k"):
            backend.connection.set("patsnap:lock:k", "someone-else", px=10_000)   # our lease ran out; theirs now
    assert backend.connection.get("patsnap:lock:k") == b"someone-else"             # theirs is not deleted


def test_a_lease_loss_the_fence_found_is_not_said(backend):
    """Found before a billed call was sent (check_held raised): nothing was paid twice, and the caller takes
    the lock again, so no warning says it may have been."""
    flights = backend.single_flight()
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheWarning)
        with pytest.raises(locks.LeaseLost) as info:
            with flights.hold("k"):
                backend.connection.set("patsnap:lock:k", "someone-else", px=10_000)
                flights.check_held()
    assert info.value.keys == ("k",) and backend.connection.get("patsnap:lock:k") == b"someone-else"


def test_a_server_gone_at_release_warns_and_keeps_the_result(own_redis):
    server = own_redis()
    flights = RedisBackend(server.url).single_flight()
    with pytest.warns(CacheWarning, match="could not be released") as caught:
        with flights.hold("k"):
            server.stop()
            result = "a paid answer"
    assert result == "a paid answer" and server.url in str(caught[0].message)


def test_bad_lease_is_refused(backend):
    from patsnap_pandas import InvalidInputError
    with pytest.raises(InvalidInputError, match=r"^lease=0 is not valid: out of range\. Allowed: a number of seconds from 0\.1 to 3600\.$"):
        backend.single_flight(lease=0)


# --- fencing: a lease lost while its holder was paused never lets a second billed call through --------

UPLOAD, SEARCH = "/image-search/image-upload", "/image-search/search-id"


def _billed(sandbox) -> Counter:
    return Counter(entry.endpoint for entry in sandbox.ledger.entries())   # every entry is a billed call


def _png(sandbox, i: int = 0) -> bytes:
    design = sandbox.corpus.designs[i]
    return sandbox.corpus.image_png(design.image_keys[0])


def test_a_holder_stopped_longer_than_its_lease_does_not_pay_a_second_time(patsnap_sandbox, patsnap_redis, backend,
                                                                            tmp_path):
    """Issue 21's acceptance: A holds the locks of a search and its upload and is stopped (SIGSTOP) just
    before its first send; its leases run out; B searches the same image and pays; A, continued, pays nothing."""
    png, lease = _png(patsnap_sandbox), 1.0      # a short lease: the test waits it out
    key = patsnap_sandbox.credentials.api_key
    a = SPAWN.Process(target=workers.search_paused,
                      args=(patsnap_redis, patsnap_sandbox.base_url, key, png, lease, str(tmp_path / "a")))
    a.start()
    try:
        _wait_for(backend, "test:a-ready", a)
        os.kill(a.pid, signal.SIGSTOP)          # nothing in A runs now: its leases are not renewed
        stopped = time.monotonic()
        backend.connection.set("test:go", 1)    # seen by A only once it is continued
        with PatsnapClient(base_url=patsnap_sandbox.base_url, api_key=key, cache_url=patsnap_redis,
                           cache_dir=tmp_path / "b", backoff_factor=0.001) as b:
            page = b.create_search(png, limit=5)   # waits for A's leases to run out, then pays
            assert b.usage.billed_calls == 2 and not page.from_cache
        assert _billed(patsnap_sandbox) == {UPLOAD: 1, SEARCH: 1}
        assert time.monotonic() - stopped > lease   # A has been stopped longer than its lease
    finally:
        os.kill(a.pid, signal.SIGCONT)
        a.join(60)
    assert a.exitcode == 0
    result = json.loads(backend.connection.get("test:a-result"))
    assert result == {"from_cache": True, "billed": 0, "warnings": []}   # a fenced loss pays nothing, says nothing
    assert _billed(patsnap_sandbox) == {UPLOAD: 1, SEARCH: 1}


def _losing_leases(client: PatsnapClient, when_lost) -> list[int]:
    """Makes ``client`` lose its leases just before its sends (after its rate-limit wait): every lock key of
    the namespace is deleted, as if the client had been paused past its lease; then ``when_lost()`` runs
    (another process doing its work meanwhile). Returns the list of pauses, appended to at each."""
    admit = client._pipeline.limiter.wait
    connection = client.store.connection
    pauses: list[int] = []

    def admit_then_lose() -> None:
        admit()
        for name in connection.scan_iter("patsnap:lock:*"):
            connection.delete(name)
        pauses.append(len(pauses))
        when_lost()

    client._pipeline.limiter.wait = admit_then_lose
    return pauses


def test_a_lease_lost_before_the_send_is_taken_again_and_the_cache_asked_again(patsnap_sandbox, patsnap_redis,
                                                                                tmp_path):
    png = _png(patsnap_sandbox, 1)
    team = dict(base_url=patsnap_sandbox.base_url, api_key=patsnap_sandbox.credentials.api_key,
                cache_url=patsnap_redis, backoff_factor=0.001)
    with PatsnapClient(cache_dir=tmp_path / "a", **team) as a, PatsnapClient(cache_dir=tmp_path / "b", **team) as b:
        other: list = []
        pauses = _losing_leases(a, lambda: other or other.append(b.create_search(png, limit=5)))
        with warnings.catch_warnings():
            warnings.simplefilter("error", CacheWarning)   # a loss found before the send is not a lost lease
            page = a.create_search(png, limit=5)
        assert page.from_cache and page.hits == other[0].hits
        assert (a.usage.billed_calls, a.usage.billed_sent, b.usage.billed_calls) == (0, 0, 2)
        assert pauses == [0]          # A got as far as its upload's send once, and then never needed to send
    assert _billed(patsnap_sandbox) == {UPLOAD: 1, SEARCH: 1}


def test_a_lease_lost_before_every_send_gives_up_without_a_billed_call(patsnap_sandbox, patsnap_redis, tmp_path):
    with PatsnapClient(base_url=patsnap_sandbox.base_url, api_key=patsnap_sandbox.credentials.api_key,
                       cache_url=patsnap_redis, cache_dir=tmp_path, backoff_factor=0.001, budget="10/day") as a:
        pauses = _losing_leases(a, lambda: None)
        with pytest.raises(locks.LeaseLost) as info:
            a.create_search(_png(patsnap_sandbox, 2), limit=5)
        assert "patsnap:lock:" in str(info.value) and "no billed call was sent" in str(info.value)
        assert isinstance(info.value, CacheError) and len(pauses) > 1
        assert a.usage.billed_sent == 0 and a.usage.budget["spent"] == 0   # every reservation given back
    assert len(patsnap_sandbox.ledger) == 0


@pytest.mark.parametrize("shared", ["folder", "redis"])
def test_a_lock_wait_stops_at_once_when_the_client_is_interrupted(shared, backend, patsnap_redis, tmp_path,
                                                                   monkeypatch):
    """A batch's worker waiting for a lock held elsewhere stops on ``client.interrupt()`` (Ctrl-C), not after the
    lock is free or LOCK_TIMEOUT_S has passed."""
    monkeypatch.setattr(locks, "LOCK_TIMEOUT_S", 600.0)
    if shared == "folder":
        holder, waiter = locks.SingleFlight(tmp_path), locks.SingleFlight(tmp_path)
    else:
        holder, waiter = backend.single_flight(), RedisBackend(patsnap_redis).single_flight()
    outcome: list[BaseException] = []

    def wait() -> None:
        try:
            with waiter.hold("busy-search"):
                pytest.fail("the lock was taken twice")
        except BaseException as exc:  # noqa: BLE001 - what the waiter ended with
            outcome.append(exc)

    with holder.hold("busy-search"):
        thread = threading.Thread(target=wait)
        thread.start()
        waiter.stop.set()          # what client.interrupt() does
        thread.join(60)
        assert not thread.is_alive() and len(outcome) == 1 and isinstance(outcome[0], Interrupted)
        holder.check_held()        # the holder's lock was not touched

"""RedisSingleFlight: one holder per key across threads, processes and (through Redis) machines;
leases renewed while held, freed within seconds when the holder dies, released only by their owner."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
import warnings

import pytest

from patsnap_pandas import CacheError, CacheWarning, locks
from patsnap_pandas.errors import CacheUnavailableError
from patsnap_pandas.redis_backend import LOCK_LEASE_S, RedisBackend, RedisSingleFlight
from patsnap_pandas.testing import wait_until
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
    with pytest.warns(CacheWarning, match="another process held it meanwhile"):
        with backend.single_flight().hold("k"):
            backend.connection.set("patsnap:lock:k", "someone-else", px=10_000)   # our lease ran out; theirs now
    assert backend.connection.get("patsnap:lock:k") == b"someone-else"             # theirs is not deleted


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
    with pytest.raises(InvalidInputError, match="lease=0: expected seconds between 0.1 and 3600"):
        backend.single_flight(lease=0)

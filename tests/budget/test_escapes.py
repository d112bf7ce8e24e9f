"""Issue 21: a budget that cannot be escaped.

Each test is an attack found on the budget, run over real HTTP against the sandbox (and a real
redis-server): the store losing its counts, a folder that cannot be written, a clock stepping
back across midnight, uploads paid for searches the budget then refuses. Billed calls are
counted from the sandbox's ledger, never from the client's own counters.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import warnings
from collections import Counter

import pandas as pd
import pytest
import redis

import patsnap_pandas  # noqa: F401  (registers df.patsnap)
from patsnap_pandas import (
    BudgetExceededError,
    CacheError,
    CacheWarning,
    SpendingLostError,
    SpendingNotRecordedError,
)
from patsnap_pandas.api.models import ENDPOINTS
from patsnap_pandas.store.budget import period, restore_spending
from patsnap_pandas.store.files import USAGE_FILE
from patsnap_pandas.testing import RedisServer, wait_until

UPLOAD, SEARCH = ENDPOINTS["upload"], ENDPOINTS["search"]


def billed(sandbox) -> Counter:
    return Counter(entry.endpoint for entry in sandbox.ledger.entries())


def at(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.timezone.utc).timestamp()


# --- the shared store loses its data ---------------------------------------------------------------

@pytest.mark.parametrize("loss", ["FLUSHALL", "restart without persistence"])
def test_a_budget_of_4_a_day_holds_when_redis_loses_its_counts(loss, make_client, patsnap_sandbox, png, tmp_path):
    server = RedisServer()
    try:
        client = make_client(budget="4/day", cache_url=server.url)
        for i in range(2):                                    # an upload and a search each: the budget used up
            client.create_search(png(i), limit=3)
        assert len(patsnap_sandbox.ledger) == 4
        server.command("FLUSHALL") if loss == "FLUSHALL" else server.restart()

        with pytest.raises(SpendingLostError) as caught:       # not "0 spent": stopped before any billed call
            client.create_search(png(2), limit=3)
        text = str(caught.value)
        assert server.url in text and "lost its counts of billed calls" in text
        assert "last saw 4 spent today" in text and "cached answers and remembered uploads are gone" in text
        assert "patsnap-pandas cache restore-spending" in text and "No further billed call was made" in text
        assert isinstance(caught.value, CacheError)
        assert "lost its counts" in client.usage.as_dict()["problem"]   # shown, not "0 spent"

        # another process on the same folder (a restarted notebook) knows the store too: it stops as well
        again = make_client(budget="4/day", cache_url=server.url)
        with pytest.raises(SpendingLostError, match="last saw 4 spent today"):
            again.create_search(png(3), limit=3)
        assert len(patsnap_sandbox.ledger) == 4

        # the way on: the last known counts written back; the budget is then used up, as it was
        assert restore_spending(server.url, cache_dir=tmp_path / "cache")["spent_today"] == 4
        for who in (client, again):
            with pytest.raises(BudgetExceededError, match="4 spent today"):
                who.create_search(png(4), limit=3)
        assert len(patsnap_sandbox.ledger) == 4               # never more than the budget, on the server's ledger
    finally:
        server.stop()


def test_restore_with_counts_given_and_a_raised_budget_goes_on(make_client, patsnap_sandbox, patsnap_redis, png):
    client = make_client(budget="4/day", cache_url=patsnap_redis)
    client.create_search(png(0), limit=3)
    redis.Redis.from_url(patsnap_redis).flushall()
    with pytest.raises(SpendingLostError):
        client.create_search(png(1), limit=3)
    # counts known from elsewhere (PatSnap's portal): 3 today; they are never lowered by a restore
    report = restore_spending(patsnap_redis, cache_dir=client.cache_dir, spent_today=3, spent_this_month=10)
    assert (report["spent_today"], report["spent_this_month"]) == (3, 10)
    with pytest.raises(BudgetExceededError, match="has 1 call left today"):
        client.create_search(png(1), limit=3)                 # an upload and a search: 2 calls, 1 left
    assert len(patsnap_sandbox.ledger) == 2
    raised = make_client(budget="6/day", cache_url=patsnap_redis)
    raised.create_search(png(1), limit=3)
    assert len(patsnap_sandbox.ledger) == 4 and raised.usage.budget["spent"] == 5


# --- a cache folder that cannot be written -----------------------------------------------------------

def test_a_read_only_cache_folder_bills_nothing_under_a_budget(make_client, patsnap_sandbox, png, read_only,
                                                                tmp_path):
    (tmp_path / "cache").mkdir()
    read_only(tmp_path / "cache")
    # three processes' clients on the folder, each with the budget; counting alone, each would get all 4
    for _ in range(3):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CacheWarning)     # the HTTP cache cannot be written either
            client = make_client(budget="4/day")
            for i in range(3):
                with pytest.raises(SpendingNotRecordedError) as caught:
                    client.create_search(png(i), limit=3)
    text = str(caught.value)
    assert str(tmp_path / "cache" / USAGE_FILE) in text and "cannot be written" in text and "a budget is set" in text
    assert f"Make the folder {tmp_path / 'cache'} writable" in text and "nothing was sent" in text
    assert len(patsnap_sandbox.ledger) == 0                   # nothing billed, by any of them


def test_an_unwritable_usage_file_never_blocks_a_cached_answer(make_client, patsnap_sandbox, png, read_only,
                                                              tmp_path):
    with make_client() as before:
        first = before.create_search(png(0), limit=3)         # cached, and counted in usage.sqlite
    patsnap_sandbox.ledger.clear()
    read_only(tmp_path / "cache" / USAGE_FILE)                # the count cannot be written any more
    client = make_client(budget="4/day")
    again = client.create_search(png(0), limit=3)
    assert again.from_cache and again.hits == first.hits      # a cached answer costs nothing: served
    assert client.usage.budget["spent"] == 2                  # and the count can still be read
    with pytest.raises(SpendingNotRecordedError, match="usage.sqlite cannot be written"):
        client.create_search(png(1), limit=3)
    assert len(patsnap_sandbox.ledger) == 0


def test_a_read_only_cache_folder_without_a_budget_counts_in_memory_and_says_so_once(
        make_client, patsnap_sandbox, png, read_only, tmp_path):
    (tmp_path / "cache").mkdir()
    read_only(tmp_path / "cache")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = make_client()
        for i in range(3):
            client.create_search(png(i), limit=3)
    assert len(patsnap_sandbox.ledger) == 6 and client.usage.as_dict()["spent_today"] == 6
    counting = [w for w in caught if "the count of billed calls" in str(w.message)]
    assert len(counting) == 1 and "counted for this session only" in str(counting[0].message)


def test_a_damaged_usage_file_never_blocks_a_cached_answer(make_client, patsnap_sandbox, png, tmp_path):
    catalogue = pd.DataFrame({"photo": [png(0), png(1)]})
    with make_client() as first:
        catalogue.patsnap.search_each("photo", limit=3, progress=False, client=first, thumbnails=False)
    patsnap_sandbox.ledger.clear()
    usage = tmp_path / "cache" / USAGE_FILE
    # Damage the file only once no connection of the first client (its batch threads' too) holds it: a
    # connection closing later writes its log back into the file and undoes the damage.
    gc.collect()
    wait_until(lambda: not _open_in_this_process(usage), timeout=60)
    for suffix in ("-wal", "-shm"):
        usage.with_name(USAGE_FILE + suffix).unlink(missing_ok=True)
    usage.write_bytes(b"not a database" * 50)
    client = make_client(budget="4/day")
    out = catalogue.patsnap.search_each("photo", limit=3, progress=False, client=client, thumbnails=False)
    assert (out["status"] == "ok").all() and out.attrs["from_cache"] is True
    assert client.create_search(png(0), limit=3).from_cache
    shown = repr(client.usage)                                # showing the usage never raises
    assert "cache_hits=" in shown and "is damaged" in client.usage.as_dict()["problem"]
    with pytest.raises(CacheError, match="usage.sqlite is damaged"):
        client.create_search(png(2), limit=3)                 # a billed call: refused, it could not be counted
    assert len(patsnap_sandbox.ledger) == 0



def _open_in_this_process(path) -> bool:
    """Whether a file descriptor of this process points at ``path`` or its -wal/-shm files."""
    names = {str(path), f"{path}-wal", f"{path}-shm"}
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") in names:
                return True
        except OSError:
            continue
    return False


# --- the clock steps back ------------------------------------------------------------------------------

def test_a_clock_stepping_back_across_midnight_never_bills_more_than_the_day_s_budget(
        make_client, patsnap_sandbox, png, clock):
    client = make_client(budget="4/day")
    clock.move_to(at("2027-05-10T23:58:00"), tick=False)
    for i in range(2):
        client.create_search(png(i), limit=3)                 # 4 calls on the 10th: used up
    clock.move_to(at("2027-05-11T00:01:00"), tick=False)      # past midnight: a new day
    client.create_search(png(2), limit=3)
    clock.move_to(at("2027-05-10T23:59:00"), tick=False)      # the clock steps back (NTP, a VM resumed)
    for i in range(3, 5):
        with pytest.raises(BudgetExceededError, match="4 spent today"):
            client.create_search(png(i), limit=3)
    per_day = Counter(period("day", entry.time) for entry in patsnap_sandbox.ledger.entries())
    assert per_day == {"day:2027-05-10": 4, "day:2027-05-11": 2}  # the server's own days: never over 4


# --- uploads paid for searches the budget refuses ------------------------------------------------------

@pytest.mark.parametrize("budget", [21, 50])
def test_a_batch_never_pays_an_upload_whose_search_the_budget_refuses(budget, make_client, patsnap_sandbox, png):
    catalogue = pd.DataFrame({"photo": [png(i) for i in range(40)]})
    client = make_client(budget=f"{budget}/day")
    out = catalogue.patsnap.search_each("photo", limit=3, max_workers=4, progress=False, client=client,
                                        thumbnails=False)
    calls = billed(patsnap_sandbox)
    assert calls[UPLOAD] == calls[SEARCH] == budget // 2      # each upload with its search; none alone
    assert sum(calls.values()) <= budget
    assert out.attrs["batch"]["ok"] == budget // 2
    refused = out.loc[out["status"] == "error", "error"]
    assert refused.str.startswith("BudgetExceededError: ").all()


def test_a_multi_view_search_reserves_its_uploads_and_the_search_together(make_client, patsnap_sandbox, png):
    client = make_client(budget="3/day")
    client.upload_image(png(0), "front.png")                  # 1 call; this view's upload stays alive
    with pytest.raises(BudgetExceededError, match="needs 3 billed calls together"):
        client.image_multiple([png(1), png(2)], limit=3)      # 2 uploads + the search, 2 left: nothing sent
    assert billed(patsnap_sandbox) == {UPLOAD: 1}
    page = client.image_multiple([png(0), png(1)], limit=3)   # 1 upload (the other is alive) + the search
    assert len(page.hits) == 3 and billed(patsnap_sandbox) == {UPLOAD: 2, ENDPOINTS["image_multiple"]: 1}
    assert client.usage.budget["spent"] == 3


def test_a_search_by_bytes_still_counts_every_retry_and_gives_back_what_it_did_not_use(
        make_client, patsnap_sandbox, png):
    client = make_client(budget="3/day", max_retries=5)
    patsnap_sandbox.configure(quota=1, quota_code=67200002)  # the upload passes; every search attempt fails
    with pytest.raises(BudgetExceededError):
        client.create_search(png(0), limit=3)                 # the upload, the search, one retry: then refused
    assert billed(patsnap_sandbox) == {UPLOAD: 1, SEARCH: 2} and client.usage.budget["spent"] == 3

    patsnap_sandbox.configure(quota=None)
    roomy = make_client(budget="10/day")
    roomy.create_search(png(1), limit=3)                      # its upload and search were reserved ahead
    assert roomy.usage.budget["spent"] == 3 + 2
    roomy.create_search(png(1), limit=3, refresh=True)        # the upload is alive: only the search is counted
    assert roomy.usage.budget["spent"] == 3 + 3 and sum(billed(patsnap_sandbox).values()) == 6


def test_the_errors_name_the_store_and_survive_pickling():
    import pickle

    for err in (SpendingLostError("redis://***@cache:6379/0", "lost its counts of billed calls", "Restore them."),
                SpendingNotRecordedError("/srv/cache/usage.sqlite", "cannot be written", "Make it writable.")):
        again = pickle.loads(pickle.dumps(err))              # e.g. from a process pool or a Dask worker
        assert type(again) is type(err) and str(again) == str(err) and again.path == err.path
    assert str(err).startswith("The count of billed calls in /srv/cache/usage.sqlite cannot be written.")

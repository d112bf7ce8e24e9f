"""RedisUploadMemo: UploadMemo's API and types, entries gone from Redis at their URL's expiry."""

from __future__ import annotations

import inspect
import json
import time
import warnings

from patsnap_pandas.store.redis_upload_memo import RedisUploadMemo
from patsnap_pandas.store.upload_memo import UploadMemo
from patsnap_pandas.testing import wait_until


def test_the_api_is_upload_memos(backend, tmp_path):
    for name in ("get", "put", "count", "clear"):
        ours, theirs = inspect.signature(getattr(RedisUploadMemo, name)), inspect.signature(getattr(UploadMemo, name))
        assert list(ours.parameters) == list(theirs.parameters), name
        assert ours.return_annotation == theirs.return_annotation, name
    local, shared = UploadMemo(tmp_path / "uploads.sqlite"), backend.upload_memo()
    for memo in (local, shared):
        memo.put("k1", "https://img.example/q.png", 10, 4_000_000_000)
        memo.put("k2", "https://img.example/r.png", 10.5, 4e9)
    assert shared.get("k1") == local.get("k1") == ("https://img.example/q.png", 10.0, 4e9)
    assert [type(v) for v in shared.get("k2")] == [str, float, float]
    assert shared.get("absent") is None and shared.count() == local.count() == 2
    shared.clear()
    assert shared.count() == 0 and shared.get("k1") is None


def test_an_entry_is_shared_by_every_memo_on_the_namespace_only(backend, patsnap_redis):
    from patsnap_pandas.store.redis_backend import RedisBackend
    backend.upload_memo().put("k1", "https://img.example/q.png", 0.0, 4e9)
    same, other = RedisBackend(patsnap_redis), RedisBackend(patsnap_redis, namespace="team-b")
    assert same.upload_memo().get("k1") == ("https://img.example/q.png", 0.0, 4e9)
    assert other.upload_memo().get("k1") is None
    raw = backend.connection.get("patsnap:upload:k1")
    assert json.loads(raw) == ["https://img.example/q.png", 0.0, 4e9]       # JSON: readable, never pickle
    same.close(); other.close()


def test_entries_expire_in_redis_at_their_url_expiry(backend):
    memo = backend.upload_memo()
    expires_at = time.time() + 1.0
    memo.put("soon", "https://img.example/q.png", time.time(), expires_at)
    memo.put("later", "https://img.example/r.png", time.time(), time.time() + 3600)
    expiry_ms = backend.connection.pexpiretime("patsnap:upload:soon")
    assert abs(expiry_ms - expires_at * 1000) <= 2                           # PXAT = the URL's expiry
    assert memo.get("soon") is not None and memo.count() == 2
    assert wait_until(lambda: memo.get("soon") is None, timeout=30, interval=0.02)   # Redis's clock: no time-machine
    assert time.time() >= expires_at - 0.05                                   # gone at its expiry, not before
    assert memo.get("soon") is None and memo.count() == 1
    assert not backend.connection.exists("patsnap:upload:soon")              # Redis removed it


def test_an_expired_url_is_not_stored(backend):
    memo = backend.upload_memo()
    memo.put("dead", "https://img.example/q.png", 0.0, time.time() - 5)
    assert memo.get("dead") is None and memo.count() == 0


def test_a_full_server_keeps_the_paid_upload_in_memory_and_warns_once(own_redis):
    from patsnap_pandas.store.redis_backend import RedisBackend
    server = own_redis()
    server.command("CONFIG", "SET", "maxmemory", "1")
    memo = RedisBackend(server.url).upload_memo()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        memo.put("k1", "https://img.example/q.png", 0.0, 4e9)
        memo.put("k2", "https://img.example/r.png", 0.0, 4e9)
    assert memo.get("k1") == ("https://img.example/q.png", 0.0, 4e9) and memo.count() == 2
    assert len(caught) == 1 and "upload memo" in str(caught[0].message) and server.url in str(caught[0].message)
    server.command("CONFIG", "SET", "maxmemory", "0")
    memo.put("k1", "https://img.example/q.png", 0.0, 4e9)                   # written again once Redis takes it
    assert memo.count() == 2 and RedisBackend(server.url).upload_memo().get("k1") is not None

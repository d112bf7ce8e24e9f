"""Issue 15: damaged, unwritable or locked cache files give a clear error (file + fix) or cost only the cache.

A damaged file is found before any billed call; ``cache clear`` and ``clear_cache()``
recover from it; a file that cannot be written never throws a paid answer away.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import warnings
from pathlib import Path

import pytest

from patsnap_pandas import CacheError, CacheWarning, cache_files, locks, upload_memo
from patsnap_pandas.cli import main
from patsnap_pandas.client import cache_info, clear_cache

GARBAGE = b"this is not a SQLite database, it is what a crash or a bad copy leaves" * 40


def test_a_garbage_http_cache_names_the_file_and_the_fix_before_any_call(sandbox, make_client, tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "http_cache.sqlite").write_bytes(GARBAGE)
    with pytest.raises(CacheError) as info:
        make_client()
    text = str(info.value)
    assert str(folder / "http_cache.sqlite") in text and "damaged" in text and "patsnap-pandas cache clear" in text
    assert len(sandbox.ledger) == 0


def test_a_damaged_upload_memo_stops_before_the_upload(sandbox, make_client, query_png, tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "uploads.sqlite").write_bytes(GARBAGE)
    client = make_client()
    with pytest.raises(CacheError, match="uploads.sqlite is damaged"):
        client.upload_image(query_png, "q.png")
    assert len(sandbox.ledger) == 0


def test_cache_info_and_clear_recover_from_damaged_files(sandbox, make_client, query_png, tmp_path, monkeypatch,
                                                          capsys):
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "http_cache.sqlite").mkdir()  # a folder where the file should be
    (folder / "http_cache.sqlite" / "x").write_bytes(b"x")
    (folder / "uploads.sqlite").write_bytes(GARBAGE[:1000])  # half written
    monkeypatch.setenv("PATSNAP_CACHE_DIR", str(folder))
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert "HTTP cache    unreadable" in out and "is not a file" in out and "uploads       unreadable" in out
    assert main(["cache", "clear"]) == 0
    assert "removed the damaged HTTP cache and uploads files" in capsys.readouterr().out
    assert sorted(p.name for p in folder.iterdir()) == []  # a clean folder
    client = make_client()
    page = client.create_search(client.upload_image(query_png, "q.png").url, limit=3)
    assert len(page.hits) == 3
    client.close()
    info = cache_info(folder)
    assert info["http_cache"]["responses"] == 1 and info["uploads"]["remembered"] == 1


def test_clear_cache_removes_a_garbage_http_cache(tmp_path):
    (tmp_path / "http_cache.sqlite").write_bytes(GARBAGE)
    (tmp_path / "http_cache.sqlite-wal").write_bytes(b"junk")
    assert "damaged" in cache_info(tmp_path)["http_cache"]["problem"]
    clear_cache(tmp_path)
    assert list(tmp_path.iterdir()) == []
    assert cache_info(tmp_path)["http_cache"]["responses"] == 0


@contextlib.contextmanager
def read_only_file(path: Path):
    """``path`` made unwritable: immutable as root (chattr +i), read-only (0444) otherwise."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(0o644)


def test_a_read_only_http_cache_keeps_the_paid_answer_and_warns_once(sandbox, make_client, query_png, tmp_path):
    first = make_client()
    url = first.upload_image(query_png, "q.png").url
    first.close()
    http_file = tmp_path / "cache" / "http_cache.sqlite"
    assert http_file.is_file()
    with read_only_file(http_file), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = make_client()
        pages = [client.create_search(url, limit=4) for _ in range(3)]
        client.close()
    assert [len(p.hits) for p in pages] == [4, 4, 4]
    assert [p.from_cache for p in pages] == [False, True, True]  # kept in memory for the session
    searches = [e for e in sandbox.ledger.entries() if e.endpoint.endswith("search-id")]
    assert len(searches) == 1
    messages = [str(w.message) for w in caught if issubclass(w.category, CacheWarning)]
    assert len(messages) == 1 and str(http_file) in messages[0]


def test_an_upload_memo_locked_by_another_process_names_the_file(sandbox, make_client, query_png, tmp_path,
                                                                 monkeypatch):
    monkeypatch.setattr(cache_files, "BUSY_TIMEOUT_S", 0.3)
    monkeypatch.setattr(upload_memo, "BUSY_TIMEOUT_S", 0.3)
    client = make_client()
    client._uploads.put("other", "https://img.example/x.png", 0.0, 4e9)  # the file exists now
    holder = sqlite3.connect(tmp_path / "cache" / "uploads.sqlite", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(CacheError) as info:
            client.upload_image(query_png, "q.png")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "uploads.sqlite is locked by another process" in str(info.value)
    assert len(sandbox.ledger) == 0
    assert client.upload_image(query_png, "q.png").url  # free again: works


def test_a_busy_single_flight_lock_waits_then_names_the_lock_file(tmp_path, monkeypatch):
    monkeypatch.setattr(locks, "LOCK_TIMEOUT_S", 0.3)
    here, elsewhere = locks.SingleFlight(tmp_path), locks.SingleFlight(tmp_path)  # two "processes"
    key = locks.flight_key("upload", "abc")
    with here.hold(key):
        with pytest.raises(CacheError) as info:
            with elsewhere.hold(key):
                pass
    assert str(tmp_path / "locks" / f"{key}.lock") in str(info.value) and "held by another process" in str(info.value)
    with elsewhere.hold(key):  # released: free again
        pass

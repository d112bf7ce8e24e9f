"""Issue 15: damaged, unwritable or locked cache files give a clear error (file + fix) or cost only the cache.

A damaged file is found before any billed call; ``cache clear`` and ``clear_cache()``
recover from it; a file that cannot be written never throws a paid answer away.
"""

from __future__ import annotations

import sqlite3
import warnings

import pytest

from patsnap_pandas import CacheError, CacheWarning
from patsnap_pandas.cli.main import main
from patsnap_pandas.store import files as cache_files
from patsnap_pandas.store import locks, upload_memo
from patsnap_pandas.store.cache import cache_info, clear_cache
from tests.helpers import read_only_file

GARBAGE = b"this is not a SQLite database, it is what a crash or a bad copy leaves" * 40


def test_a_garbage_http_cache_names_the_file_and_the_fix_before_any_call(sandbox, make_client, tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "http_cache.sqlite").write_bytes(GARBAGE)
    with pytest.raises(CacheError) as info:
        make_client()
    text = str(info.value)
    assert str(folder / "http_cache.sqlite") in text and "damaged" in text and "patsnap-pandas cache repair" in text
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
    assert main(["cache", "clear", "--yes"]) == 0
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
    client._pipeline.uploads.put("other", "https://img.example/x.png", 0.0, 4e9)  # the file exists now
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


# --- issue 21: read-only folders, a full disk, clear and repair that never lose a paid answer ------------

def _cache_warnings(caught) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, CacheWarning)]


@pytest.mark.parametrize("how", ["mount", "immutable"])
def test_a_populated_read_only_folder_serves_its_paid_answers(sandbox, make_client, query_png, tmp_path,
                                                              read_only_volume, how):
    from patsnap_pandas import search_designs

    ids = [design.patent_id for design in sandbox.corpus.designs[:2]]
    filled = make_client()
    first = search_designs(query_png, client=filled, limit=5)
    filled.bibliography(ids)
    filled.close()
    folder = tmp_path / "cache"
    read_only_volume(folder, how)
    billed = len(sandbox.ledger)
    assert billed == 3  # upload, search, bibliography
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = make_client(auth="api_key")
        again = search_designs(query_png, client=client, limit=5)
        assert client.bibliography(ids)
        assert client.create_search(query_png, limit=5).from_cache
        assert len(sandbox.ledger) == billed and client.usage.billed_calls == 0  # served from the folder
        assert again.attrs["from_cache"] and again["patent_id"].tolist() == first["patent_id"].tolist()
        assert _cache_warnings(caught) == []  # reading costs no warning
        assert cache_info(folder)["http_cache"]["responses"] == 2
        other = sandbox.corpus.image_png(sandbox.corpus.designs[5].image_keys[0])
        fresh = [client.create_search(other, limit=5) for _ in range(2)]  # a new search: paid once
    assert [page.from_cache for page in fresh] == [False, True] and len(sandbox.ledger) == billed + 2
    messages = _cache_warnings(caught)
    assert len(messages) == 1 and f"the cache folder {folder} cannot be written" in messages[0]
    assert "kept in memory" in messages[0] and "cache clear" not in messages[0]


def test_a_folder_that_cannot_be_written_is_not_cleared_and_says_why(sandbox, make_client, query_png, tmp_path,
                                                                     read_only_volume, monkeypatch, capsys):
    make_client().create_search(query_png, limit=3)
    folder = tmp_path / "cache"
    read_only_volume(folder)
    monkeypatch.setenv("PATSNAP_CACHE_DIR", str(folder))
    assert main(["cache", "clear", "--yes"]) == 1
    assert "cannot be written: nothing was deleted" in capsys.readouterr().err
    with pytest.raises(CacheError, match="nothing was deleted"):
        clear_cache(folder)
    assert cache_info(folder)["http_cache"]["responses"] == 1


def test_a_full_disk_is_told_apart_from_a_lock(tmp_path):
    con = sqlite3.connect(tmp_path / "small.sqlite")
    con.execute("CREATE TABLE t (x BLOB)")
    con.execute(f"PRAGMA max_page_count = {con.execute('PRAGMA page_count').fetchone()[0] + 1}")
    with pytest.raises(sqlite3.OperationalError) as full:
        for _ in range(10):
            con.execute("INSERT INTO t VALUES (?)", (b"x" * 8192,))
    con.close()
    error = cache_files.describe_sqlite_error(tmp_path / "small.sqlite", full.value)
    assert "the disk is full" in str(error) and "locked" not in str(error) and "Free some space" in str(error)
    assert cache_files.sqlite_problem(full.value) == "full"
    assert cache_files.sqlite_problem(OSError(28, "No space left on device")) == "full"
    locked = cache_files.describe_sqlite_error(tmp_path / "small.sqlite", sqlite3.OperationalError("database is locked"))
    assert "locked by another process" in str(locked) and "disk is full" not in str(locked)


def test_an_answer_that_does_not_fit_on_the_disk_is_kept_and_the_warning_says_the_disk_is_full(
        sandbox, make_client, query_png):
    client = make_client()
    client.create_search(query_png, limit=3)  # the file exists; now the disk is full
    with client._pipeline.session.cache.responses.connection() as con:
        con.execute(f"PRAGMA max_page_count = {con.execute('PRAGMA page_count').fetchone()[0]}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pages = [client.create_search(query_png, limit=8) for _ in range(2)]
    assert [page.from_cache for page in pages] == [False, True] and len(pages[0].hits) == 8
    assert sandbox.ledger.billed("search-id") == 2
    messages = _cache_warnings(caught)
    assert len(messages) == 1 and "the disk is full" in messages[0] and "locked" not in messages[0]


def test_cache_clear_does_not_cure_a_damaged_usage_file_with_the_paid_answers(sandbox, make_client, query_png,
                                                                              tmp_path, monkeypatch, capsys):
    folder = tmp_path / "cache"
    first = make_client()
    first.create_search(query_png, limit=3)
    first.close()
    (folder / "usage.sqlite").write_bytes(GARBAGE)
    monkeypatch.setenv("PATSNAP_CACHE_DIR", str(folder))
    assert main(["cache", "clear", "--yes"]) == 1
    err = capsys.readouterr().err
    assert "usage.sqlite is damaged" in err and "nothing was deleted" in err and "patsnap-pandas cache repair" in err
    assert cache_info(folder)["http_cache"]["responses"] == 1  # the paid answer is kept
    client = make_client()
    assert client.create_search(query_png, limit=3).from_cache  # and served
    assert main(["cache", "repair"]) == 0
    out = capsys.readouterr().out
    assert f"set aside {folder / 'usage.sqlite'} (it is damaged (file is not a database))" in out
    assert "start again from 0" in out and (folder / "usage.sqlite.damaged").is_file()
    billed = len(sandbox.ledger)
    assert not make_client().create_search(query_png, limit=4).from_cache  # a new search works again
    assert len(sandbox.ledger) == billed + 1 and client.create_search(query_png, limit=3).from_cache
    assert main(["cache", "clear", "--yes"]) == 0
    assert "damaged copies" in capsys.readouterr().out and not (folder / "usage.sqlite.damaged").exists()


def test_cache_repair_sets_aside_only_the_damaged_file(sandbox, make_client, query_png, tmp_path):
    from patsnap_pandas.store.cache import repair_cache

    folder = tmp_path / "cache"
    client = make_client()
    client.create_search(query_png, limit=3)
    client.close()
    (folder / "uploads.sqlite").write_bytes(GARBAGE)
    assert repair_cache(folder) == [{"file": str(folder / "uploads.sqlite"), "problem": "is damaged (file is not a database)",
                                     "kept_as": str(folder / "uploads.sqlite.damaged")}]
    assert repair_cache(folder) == []  # nothing left to repair
    assert make_client().create_search(query_png, limit=3).from_cache  # the paid search is still there
    assert sandbox.ledger.billed("search-id") == 1

"""The store's kept records (watch lists): one interface, the cache folder or the team's Redis; never cleared."""

from __future__ import annotations

import pytest

from patsnap_pandas.errors import CacheError
from patsnap_pandas.store.base import open_store
from patsnap_pandas.store.local import LocalStore
from patsnap_pandas.store.redis_backend import RedisBackend


def test_the_cache_folder_keeps_records_for_every_process_and_cache_clear_leaves_them(tmp_path):
    first = LocalStore(tmp_path / "cache")
    first.records("watch").put("chairs", {"limit": 10, "names": ["C-100", "扶手椅"]})
    first.records("watch-seen").put("chairs", {"seen": {}})
    again = open_store(cache_dir=tmp_path / "cache")                         # another process, the same folder
    assert again.records("watch").get("chairs") == {"limit": 10, "names": ["C-100", "扶手椅"]}
    assert again.records("watch").keys() == ["chairs"] and again.records("watch-seen").keys() == ["chairs"]
    again.clear()
    assert first.records("watch").get("chairs") is not None                  # the user's work, not cache
    assert first.records("watch").delete("chairs") and not again.records("watch").delete("chairs")


def test_a_store_without_a_folder_keeps_records_for_its_life(tmp_path):
    store = LocalStore(tmp_path / "never", cache=False)
    store.records("watch").put("a", {"n": 1})
    assert store.records("watch").get("a") == {"n": 1} and not (tmp_path / "never").exists()


def test_a_damaged_records_file_is_named(tmp_path):
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "records.sqlite").write_bytes(b"what a crash leaves behind" * 50)
    with pytest.raises(CacheError, match="records.sqlite"):
        LocalStore(tmp_path / "cache").records("watch").get("chairs")


def test_the_teams_redis_keeps_records_per_namespace_and_clear_leaves_them(patsnap_redis):
    team, other = RedisBackend(patsnap_redis), RedisBackend(patsnap_redis, namespace="team-b")
    try:
        team.records("watch").put("chairs", {"limit": 10})
        assert RedisBackend(patsnap_redis).records("watch").get("chairs") == {"limit": 10}  # another machine
        assert other.records("watch").keys() == []
        team.clear()
        assert team.records("watch").keys() == ["chairs"]
    finally:
        team.close()
        other.close()

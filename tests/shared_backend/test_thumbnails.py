"""RedisThumbnailStore: the disk store's keys and API, kept in Redis, capped by size (least recently used go)."""

from __future__ import annotations

import warnings

import pytest

from patsnap_pandas import samples, search_designs
from patsnap_pandas.errors import CacheUnavailableError
from patsnap_pandas.store.redis_backend import RedisBackend
from patsnap_pandas.store.thumbnails import ThumbnailStore, ThumbnailWarning


@pytest.fixture(scope="module")
def images():
    """Three different sample images (bytes)."""
    return [samples.image(name).read_bytes() for name in samples.names()[:3]]


def test_same_keys_as_the_disk_store_and_kept_after_the_url_changed(backend, patsnap_redis, images, tmp_path):
    store = backend.thumbnail_store(size=64)
    assert isinstance(store, ThumbnailStore)
    assert store.key("p1", "https://img.example/a.png?x=1") == ThumbnailStore(tmp_path, size=64).key(
        "p1", "https://img.example/a.png?x=2")
    png = store.put("p1", "https://img.example/p1/0.png?Expires=1", images[0])
    assert backend.connection.get(f"patsnap:thumb:{store.key('p1', 'https://img.example/p1/0.png')}") == png
    other = RedisBackend(patsnap_redis).thumbnail_store(size=64)   # another process, same Redis
    with warnings.catch_warnings():
        warnings.simplefilter("error")                              # no download (img.example is never reached)
        assert other.fetch([("p1", "https://img.example/p1/0.png?Expires=2")]) == [png]
    assert store.info() == {"directory": f"{patsnap_redis} patsnap:thumb:*", "files": 1, "bytes": len(png),
                            "max_bytes": 512 * 2**20}


def test_fetch_of_a_result_frame_downloads_once_then_reads_redis(backend, patsnap_client, patsnap_redis):
    df = search_designs(samples.image("armchair"), client=patsnap_client, limit=8)
    store = backend.thumbnail_store(size=96)
    first = store.load(df)
    assert all(png.startswith(b"\x89PNG") for png in first) and store.info()["files"] == 8
    second = RedisBackend(patsnap_redis).thumbnail_store(size=96)
    assert second.load(df) == first
    assert store.info()["bytes"] == sum(len(png) for png in first)


def test_the_cap_evicts_the_least_recently_used(backend, images):
    store = backend.thumbnail_store(size=64)
    sizes = [len(store.put(f"p{i}", f"https://img.example/{i}.png", data)) for i, data in enumerate(images)]
    assert store.info()["files"] == 3
    cap = sum(sizes) + 10
    capped = backend.thumbnail_store(size=64, max_bytes=cap)
    assert capped._read(capped.key("p0", "https://img.example/0.png")) is not None   # p0 used: p1 is now the oldest
    extra = capped.put("p3", "https://img.example/3.png", images[0])                 # passes the cap
    keys = {f"p{i}": capped.key(f"p{i}", f"https://img.example/{i}.png") for i in range(4)}
    kept = {name for name, key in keys.items() if backend.connection.exists(f"patsnap:thumb:{key}")}
    info = capped.info()
    assert info["bytes"] <= int(cap * 0.8)                                           # down to EVICT_TO of the cap
    assert "p1" not in kept and "p3" in kept                                         # least recently used went first
    assert info["files"] == len(kept) and info["bytes"] == sum(
        len(backend.connection.get(f"patsnap:thumb:{keys[name]}")) for name in kept)
    assert len(extra) == sizes[0]


def test_a_thumbnail_lost_from_redis_is_dropped_from_the_index(backend, images):
    store = backend.thumbnail_store(size=64)
    store.put("p1", "https://img.example/1.png", images[0])
    key = store.key("p1", "https://img.example/1.png")
    backend.connection.delete(f"patsnap:thumb:{key}")              # e.g. a maxmemory policy evicted it
    assert store._read(key) is None
    assert store.info()["files"] == 0 and store.info()["bytes"] == 0


def test_clear_empties_every_size_of_this_namespace_only(backend, patsnap_redis, images):
    small, large = backend.thumbnail_store(size=64), backend.thumbnail_store(size=128)
    small.put("p1", "https://img.example/1.png", images[0])
    large.put("p1", "https://img.example/1.png", images[0])
    other = RedisBackend(patsnap_redis, namespace="team-b").thumbnail_store(size=64)
    other.put("p1", "https://img.example/1.png", images[0])
    assert small.info()["files"] == 2
    small.clear()
    assert large.info()["files"] == 0 and other.info()["files"] == 1
    assert not list(backend.connection.scan_iter("patsnap:thumb*"))


def test_a_full_server_costs_the_cache_not_the_thumbnail(patsnap_client, own_redis):
    server = own_redis()
    server.command("CONFIG", "SET", "maxmemory", "1")
    store = RedisBackend(server.url).thumbnail_store(size=64)
    df = search_designs(samples.image("armchair"), client=patsnap_client, limit=3)
    with pytest.warns(ThumbnailWarning) as caught:
        pngs = store.fetch(df)
    assert all(png is not None and png.startswith(b"\x89PNG") for png in pngs)
    assert f"thumbnails not cached in {server.url} patsnap:thumb:*" in str(caught[0].message)
    server.stop()
    with pytest.raises(CacheUnavailableError):
        store.fetch(df)                                          # a read that fails is said, not hidden


def test_writers_in_many_threads_keep_the_byte_total_exact(backend, images):
    from concurrent.futures import ThreadPoolExecutor

    probe = backend.thumbnail_store(size=64)
    one = len(probe.put("probe", "https://img.example/probe.png", images[0]))
    probe.clear()
    cap = one * 10
    stores = [backend.thumbnail_store(size=64, max_bytes=cap) for _ in range(4)]   # as four processes would

    def write(i: int) -> None:
        stores[i % 4].put(f"p{i}", f"https://img.example/{i}.png", images[i % len(images)])

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(write, range(60)))
    info = stores[0].info()
    stored = [backend.connection.get(name) for name in backend.connection.scan_iter("patsnap:thumb:*")]
    assert info["files"] == len(stored) and info["bytes"] == sum(len(png) for png in stored)
    assert info["bytes"] <= cap and info["files"] < 60

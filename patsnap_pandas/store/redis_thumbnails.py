"""The thumbnail store in the team's Redis: a :class:`~patsnap_pandas.store.thumbnails.ThumbnailStore`, size-capped (LRU).

The thumbnails, their last use and sizes live under ``<namespace>:thumb...``; each write and
each read runs as one Lua script on the server (with the server's clock), so processes never
disagree on the byte total, and a write past the cap evicts the least recently used. Made by
:meth:`patsnap_pandas.store.redis_backend.RedisBackend.thumbnail_store`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .disk_index import EVICT_TO
from .thumbnails import ThumbnailStore

if TYPE_CHECKING:
    from .redis_backend import RedisBackend

__all__ = ["THUMBNAIL_MAX_BYTES", "RedisThumbnailStore"]

#: Default size cap of the thumbnails kept in Redis (all sizes together): 512 MiB. A 256 px thumbnail
#: is 20-60 kB, so this holds some 10 000 of them; Redis keeps all of it in memory.
THUMBNAIL_MAX_BYTES = 512 * 2**20

# KEYS: value, lru, sizes, total; ARGV: member, data, max_bytes, target_bytes, value-key prefix.
# Stores, marks as used now, and evicts the least recently used down to target when over max.
_THUMB_WRITE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local old = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
redis.call('SET', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[3], ARGV[1], #ARGV[2])
redis.call('ZADD', KEYS[2], now, ARGV[1])
local total = redis.call('INCRBY', KEYS[4], #ARGV[2] - old)
local evicted = 0
if total > tonumber(ARGV[3]) then
  while total > tonumber(ARGV[4]) do
    local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)
    if #oldest == 0 or oldest[1] == ARGV[1] then break end
    local size = tonumber(redis.call('HGET', KEYS[3], oldest[1]) or '0')
    redis.call('ZREM', KEYS[2], oldest[1])
    redis.call('HDEL', KEYS[3], oldest[1])
    redis.call('DEL', ARGV[5] .. oldest[1])
    total = redis.call('DECRBY', KEYS[4], size)
    evicted = evicted + 1
  end
end
return evicted
"""

# KEYS: value, lru, sizes, total; ARGV: member. The PNG (marked as used now), or nil; an index
# entry whose value is gone (flushed, expired by a maxmemory policy) is dropped.
_THUMB_READ_LUA = """
local v = redis.call('GET', KEYS[1])
if v then
  local t = redis.call('TIME')
  redis.call('ZADD', KEYS[2], 'XX', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
elseif redis.call('ZREM', KEYS[2], ARGV[1]) == 1 then
  local size = redis.call('HGET', KEYS[3], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
  if size then redis.call('DECRBY', KEYS[4], size) end
end
return v
"""


class RedisThumbnailStore(ThumbnailStore):
    """A :class:`~patsnap_pandas.store.thumbnails.ThumbnailStore` keeping thumbnails in Redis, size-capped (LRU).

    Same keys as on disk (patent id + image URL without query + size). Each read marks the
    thumbnail as used (server time); a write that passes ``max_bytes`` evicts the least
    recently used down to :data:`~patsnap_pandas.store.disk_index.EVICT_TO` of it, in one Lua script.
    A read that fails raises CacheUnavailableError; a write that fails costs only the cache
    (the thumbnail is returned, and a ThumbnailWarning says it was not kept).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> from patsnap_pandas.testing import RedisServer
    >>> from patsnap_pandas.store.redis_backend import RedisBackend
    >>> server = RedisServer()
    >>> backend = RedisBackend(server.url)
    >>> client = PatsnapClient.sandbox()
    >>> df = search_designs(samples.image("armchair"), client=client, limit=5)
    >>> store = backend.thumbnail_store(size=128)
    >>> pngs = store.load(zip(df["patent_id"], df["image_url"]))
    >>> all(png.startswith(b"\\x89PNG") for png in pngs), store.info()["files"]
    (True, 5)
    >>> store.clear(); store.info()["files"]
    0
    >>> client.close(); backend.close(); server.stop()
    """

    def __init__(self, backend: RedisBackend, *, size: int = 256, max_bytes: int = THUMBNAIL_MAX_BYTES,
                 max_workers: int = 8, timeout: float = 20) -> None:
        super().__init__(size=size, max_bytes=max_bytes, max_workers=max_workers, timeout=timeout)
        self.backend = backend

    @staticmethod
    def _index_keys(backend: RedisBackend) -> list[str]:
        return [backend.key("thumb-lru"), backend.key("thumb-sizes"), backend.key("thumb-bytes")]

    @classmethod
    def stored(cls, backend: RedisBackend) -> tuple[int, int]:
        """(thumbnails, bytes) stored on ``backend``'s namespace."""
        lru, _, total = cls._index_keys(backend)
        with backend.guard("reading the thumbnail index"):
            pipe = backend.connection.pipeline(transaction=False)
            pipe.zcard(lru)
            pipe.get(total)
            files, size = pipe.execute()
        return int(files), int(size or 0)

    def _location(self) -> str:
        return f"{self.backend.shown_url} {self.backend.key('thumb', '*')}"

    def _read(self, key: str) -> bytes | None:
        keys = [self.backend.key("thumb", key), *self._index_keys(self.backend)]
        with self.backend.guard("reading a thumbnail"):
            data = self.backend.script(_THUMB_READ_LUA)(keys=keys, args=[key])
        return bytes(data) if data is not None and bytes(data[:8]) == b"\x89PNG\r\n\x1a\n" else None

    def _write(self, key: str, data: bytes) -> str | None:
        keys = [self.backend.key("thumb", key), *self._index_keys(self.backend)]
        args = [key, data, self.max_bytes, int(self.max_bytes * EVICT_TO), self.backend.key("thumb", "")]
        try:
            self.backend.script(_THUMB_WRITE_LUA)(keys=keys, args=args)
        except self.backend._errors as exc:
            return self.backend.describe(exc)
        return None

    def info(self) -> dict[str, Any]:
        """``{"directory", "files", "bytes", "max_bytes"}`` as ThumbnailStore's; ``directory`` names the Redis keys.

        Examples
        --------
        >>> from patsnap_pandas.testing import RedisServer
        >>> from patsnap_pandas.store.redis_backend import RedisBackend
        >>> server = RedisServer()
        >>> store = RedisBackend(server.url).thumbnail_store(max_bytes=2**20)
        >>> store.info() == {"directory": server.url + " patsnap:thumb:*", "files": 0, "bytes": 0,
        ...                  "max_bytes": 2**20}
        True
        >>> server.stop()
        """
        files, size = self.stored(self.backend)
        return {"directory": self._location(), "files": files, "bytes": size, "max_bytes": self.max_bytes}

    def clear(self) -> None:
        """Delete every thumbnail of this namespace (all sizes) and the index.

        Examples
        --------
        >>> from patsnap_pandas.testing import RedisServer
        >>> from patsnap_pandas.store.redis_backend import RedisBackend
        >>> server = RedisServer()
        >>> store = RedisBackend(server.url).thumbnail_store()
        >>> store.clear(); store.info()["files"]
        0
        >>> server.stop()
        """
        self.backend.delete_matching(self.backend.key("thumb", "*"))
        self.backend.delete_matching(self.backend.key("thumb-*"))

    def __repr__(self) -> str:
        return (f"RedisThumbnailStore(url={self.backend.shown_url!r}, namespace={self.backend.namespace!r}, "
                f"size={self.size}, max_bytes={self.max_bytes}, max_workers={self.max_workers})")

"""The local store: the cache folder (SQLite files, file locks), or memory only.

:class:`LocalStore` owns the cache folder laid out in :mod:`~patsnap_pandas.store.files`: its
HTTP cache (``http_cache.sqlite``, or a requests-cache backend the user gives), the upload memo
(``uploads.sqlite``), the lock files of identical calls in flight (``locks/``), the counts of
billed calls (``usage.sqlite``), the thumbnails (``thumbnails/``) and kept records such as
watch lists (``records.sqlite``). One
:class:`~patsnap_pandas.store.files.WriteWarner` serves every part, so a folder that cannot be
written is reported once. With ``cache=False`` nothing is kept beyond the client's life: no HTTP
cache, the upload memo and the counts in memory, locks between threads only.

Examples
--------
>>> store = LocalStore("my-cache")
>>> store.upload_memo().put("k1", "https://img.example/q.png", 0.0, 4e9)
>>> store.summary()["uploads"], store.summary()["backend"]
(1, 'SQLiteCache')
>>> store.clear(); store.summary()["uploads"]
0
>>> memory = LocalStore("my-cache", cache=False)
>>> memory.http_cache() is None, type(memory.usage_counter()).__name__, memory.shown
(True, 'MemoryUsageCounter', 'off')
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from requests_cache.backends.base import BaseCache

from .base import Store
from .budget import MemoryUsageCounter, UsageCounter
from .cache import cache_info, cache_location, clear
from .files import RECORDS_FILE, THUMBNAILS_DIR, UPLOADS_FILE, SQLiteCache, WriteWarner, http_cache_file
from .local_usage import LocalUsageCounter
from .locks import SingleFlight
from .mark_log import MARKS_FILE, MarkLog
from .rate_limit import RateLimiter
from .records import LocalRecords
from .thumbnails import ThumbnailStore
from .upload_memo import UploadMemo

__all__ = ["LocalStore"]


class LocalStore(Store):
    """The cache folder as a :class:`~patsnap_pandas.store.base.Store`; memory only with ``cache=False``.

    Parameters
    ----------
    cache_dir : str or path
        The cache folder. Nothing is created until a part first writes.
    cache : bool, path or requests_cache backend
        True: HTTP answers in ``cache_dir/http_cache.sqlite``; a path: in that SQLite file (or
        folder); a backend object: there (the memo, locks and counts stay in ``cache_dir``);
        False: nothing is kept beyond the client's life.

    Examples
    --------
    >>> import requests_cache
    >>> store = LocalStore("my-cache", cache=requests_cache.backends.BaseCache())
    >>> store.shown, store.thumbnail_location == str(store.cache_dir / "thumbnails")
    ('BaseCache', True)
    >>> with store.single_flight().hold("an-upload"):      # a lock file in my-cache/locks
    ...     sorted(p.name for p in store.cache_dir.iterdir())
    ['locks']
    """

    def __init__(self, cache_dir: str | os.PathLike[str], cache: bool | str | os.PathLike[str] | BaseCache = True) -> None:
        self.cache_dir = Path(cache_dir).expanduser()
        self._cache = cache
        self._keeps = cache is not False
        self._warner = WriteWarner()  # one warning for the whole folder when it cannot be written
        self._http: BaseCache | None = None
        self._uploads: UploadMemo | None = None
        self._records: dict[str, LocalRecords] = {}
        self._marks: MarkLog | None = None

    def http_cache(self) -> BaseCache | None:
        """The HTTP answers' backend: SQLite in the folder, the user's backend, or None (``cache=False``)."""
        if self._http is None and self._keeps:
            if isinstance(self._cache, BaseCache):
                self._http = self._cache
            else:
                path = http_cache_file(self._cache, self.cache_dir)
                assert path is not None  # open_store and __init__ let through nothing else
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError:
                    pass  # SQLiteCache keeps the answers in memory and warns once
                self._http = SQLiteCache(path, warner=self._warner)
        return self._http

    def upload_memo(self) -> UploadMemo:
        """``uploads.sqlite`` in the folder (in memory with ``cache=False``)."""
        if self._uploads is None:
            self._uploads = UploadMemo(self.cache_dir / UPLOADS_FILE if self._keeps else None, self._warner)
        return self._uploads

    def records(self, kind: str) -> LocalRecords:
        """``records.sqlite`` in the folder (in memory with ``cache=False``), one per kind."""
        if kind not in self._records:
            self._records[kind] = LocalRecords(self.cache_dir / RECORDS_FILE if self._keeps else None, kind)
        return self._records[kind]

    def mark_log(self) -> MarkLog:
        """``marks.sqlite`` in the folder (in memory with ``cache=False``); ``cache clear`` keeps it."""
        if self._marks is None:
            self._marks = MarkLog(self.cache_dir / MARKS_FILE if self._keeps else None, self._warner)
        return self._marks

    def single_flight(self) -> SingleFlight:
        """Lock files in ``locks/`` (threads of this process only with ``cache=False``)."""
        return SingleFlight(self.cache_dir if self._keeps else None, self._warner)

    def rate_limiter(self, rate: float | None) -> RateLimiter:
        """This process's own limit (a team's is shared through Redis)."""
        return RateLimiter(rate)

    def usage_counter(self) -> UsageCounter:
        """``usage.sqlite`` in the folder, for every process sharing it (in memory with ``cache=False``)."""
        return LocalUsageCounter(self.cache_dir) if self._keeps else MemoryUsageCounter()

    def thumbnail_store(self, size: int = 256, *, max_bytes: int | None = None, max_workers: int = 8,
                        timeout: float = 20) -> ThumbnailStore:
        """The folder's ``thumbnails/``."""
        cap = {} if max_bytes is None else {"max_bytes": max_bytes}
        return ThumbnailStore(self.cache_dir / THUMBNAILS_DIR, size=size, max_workers=max_workers, timeout=timeout, **cap)

    @property
    def location(self) -> str:
        return str(self.cache_dir)

    @property
    def thumbnail_location(self) -> str:
        return str(self.cache_dir / THUMBNAILS_DIR)

    @property
    def shown(self) -> str:
        backend = self.http_cache()
        if backend is None:
            return "off"
        location = cache_location(backend)
        return f"{type(backend).__name__}({location})" if location else type(backend).__name__

    def info(self) -> dict[str, Any]:
        """What the folder holds (:func:`~patsnap_pandas.store.cache.cache_info`); creates nothing."""
        return cache_info(self.cache_dir)

    def clear(self, *, thumbnails: bool = True) -> None:
        """Forget the HTTP answers and remembered uploads, and unless ``thumbnails=False`` the thumbnails.

        The command line's ``cache clear`` also removes lock files and damaged copies, and refuses
        first when clearing would not help (:func:`~patsnap_pandas.store.cache.clear_cache`).
        """
        clear(self.http_cache(), self.upload_memo(), self.thumbnail_store() if thumbnails else None)

    def __repr__(self) -> str:
        return f"LocalStore({str(self.cache_dir)!r}, http={self.shown!r})"

"""The store: one interface for what a client keeps, and the one place that decides where.

A :class:`Store` hands out the parts a client works with -- the HTTP cache backend, the upload
memo, the single-flight locks, the rate limiter, the usage counter (the budget), the thumbnail
store and the mark history (who marked which hit how, and when) -- and says where it is, what it
holds, and empties itself (the mark history excepted). Two backends implement it:

* :class:`~patsnap_pandas.store.local.LocalStore`: the cache folder (SQLite files, file locks),
  or memory only for a client made with ``cache=False``, or a requests-cache backend object the
  user gives (``cache=requests_cache.RedisCache()``) for the HTTP answers;
* :class:`~patsnap_pandas.store.redis_backend.RedisBackend`: a team's Redis, shared by everyone
  pointing at it.

:func:`open_store` is the one function that chooses between them (``cache``, ``cache_dir``,
``cache_url`` / ``$PATSNAP_CACHE_URL``, ``$PATSNAP_CACHE_FALLBACK``); the client asks the
store it returns and never asks "Redis or local?".

Examples
--------
>>> store = open_store(cache_dir="my-cache")
>>> type(store).__name__, store.thumbnail_location == str(store.cache_dir / "thumbnails")
('LocalStore', True)
>>> store.summary()["uploads"], store.shown
(0, 'SQLiteCache(my-cache/http_cache.sqlite)')
>>> store.close()
"""

from __future__ import annotations

import abc
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from requests_cache.backends.base import BaseCache

from .. import config
from ..errors import CacheUnavailableError, CacheWarning, InvalidInputError
from .cache import cache_location, count_responses, sqlite_bytes
from .files import UPLOADS_FILE, http_cache_file
from .locks import SingleFlight
from .rate_limit import RateLimiter

if TYPE_CHECKING:
    from .budget import UsageCounter
    from .mark_log import MarkLog
    from .redis_mark_log import RedisMarkLog
    from .thumbnails import ThumbnailStore

__all__ = ["Store", "UploadMemoLike", "open_store"]


class UploadMemoLike(Protocol):
    """What the steps of a call need of an upload memo (the local one and Redis's both have it).

    Examples
    --------
    >>> from patsnap_pandas.store.local import LocalStore
    >>> memo: UploadMemoLike = LocalStore("my-cache", cache=False).upload_memo()
    >>> memo.put("k1", "https://img.example/q.png", 0.0, 4e9); memo.get("k1")[0], memo.count()
    ('https://img.example/q.png', 1)
    """

    def get(self, key: str) -> tuple[str, float, float] | None: ...

    def put(self, key: str, url: str, issued_at: float, expires_at: float) -> None: ...

    def count(self) -> int: ...

    def clear(self) -> None: ...


class Store(abc.ABC):
    """Where a client keeps what it paid for, and the parts it works with: one interface, two backends.

    The HTTP cache backend and the upload memo hold what was paid for (with a fallback in
    memory when a write fails): a store has one of each, made on first use, so that its
    client, :meth:`summary` and :meth:`clear` all see the same. Every other part is made anew
    at each call; a client asks for each once and keeps it.

    Attributes
    ----------
    cache_dir : Path
        The local cache folder: the whole store (:class:`~patsnap_pandas.store.local.LocalStore`),
        or where a shared store keeps this machine's record of the counts it saw.

    Examples
    --------
    >>> store = open_store(cache_dir="my-cache")
    >>> isinstance(store, Store), store.location == str(store.cache_dir)
    (True, True)
    >>> counter = store.usage_counter()
    >>> counter.spent("day"), store.summary()["responses"]
    (0, 0)
    >>> counter.close(); store.close()
    """

    cache_dir: Path

    # -- the parts ---------------------------------------------------------------------------

    @abc.abstractmethod
    def http_cache(self) -> BaseCache | None:
        """The requests-cache backend of HTTP answers (the store's one), or None when answers are not kept."""

    @abc.abstractmethod
    def upload_memo(self) -> UploadMemoLike:
        """The memo of uploads already paid for (the store's one): sha256 -> (URL, issued_at, expires_at)."""

    @abc.abstractmethod
    def single_flight(self) -> SingleFlight:
        """Locks that make an identical upload or search once, among everyone sharing this store."""

    @abc.abstractmethod
    def rate_limiter(self, rate: float | None) -> RateLimiter:
        """At most ``rate`` call starts per second (None: unlimited), for everyone sharing the limiter."""

    @abc.abstractmethod
    def usage_counter(self) -> UsageCounter:
        """The counter of billed calls that checks the budget (the taker closes it)."""

    @abc.abstractmethod
    def thumbnail_store(self, size: int = 256, *, max_bytes: int | None = None, max_workers: int = 8,
                        timeout: float = 20) -> ThumbnailStore:
        """The hit-image store at :attr:`thumbnail_location` (``max_bytes``: its size cap; None: the store's default)."""

    @abc.abstractmethod
    def mark_log(self) -> MarkLog | RedisMarkLog:
        """The history of marks (who marked which hit how, and when; the store's one): kept by :meth:`clear`."""

    # -- where, what, and emptying it --------------------------------------------------------

    @property
    @abc.abstractmethod
    def location(self) -> str:
        """Where the store is: its folder, or the server's URL as it may be shown (no password)."""

    @property
    @abc.abstractmethod
    def thumbnail_location(self) -> str:
        """Where thumbnails are kept, as result frames name it (``attrs["thumbnail_dir"]``)."""

    @property
    @abc.abstractmethod
    def shown(self) -> str:
        """The store in a client's repr: ``'SQLiteCache(<file>)'``, ``'Redis(<url>)'``, ``'off'``..."""

    @abc.abstractmethod
    def info(self) -> dict[str, Any]:
        """Everything the store holds, as the command line's ``cache info`` shows it (JSON-safe)."""

    @abc.abstractmethod
    def clear(self, *, thumbnails: bool = True) -> None:
        """Forget the HTTP answers and remembered uploads (and the thumbnails unless ``thumbnails=False``).

        The counts of billed calls and the locks in flight stay.
        """

    def close(self) -> None:  # noqa: B027 - a store without connections has nothing to let go of
        """Let go of files and connections (the HTTP cache's is the session's to close)."""

    def summary(self) -> dict[str, Any]:
        """What a client's ``cache_info()`` says of its store: backend, location, answers, uploads, bytes."""
        backend = self.http_cache()
        location = cache_location(backend) if backend is not None else None
        uploads_file = self.cache_dir / UPLOADS_FILE
        return {
            "backend": type(backend).__name__ if backend is not None else None,
            "location": location, "cache_dir": str(self.cache_dir),
            "responses": count_responses(backend) if backend is not None else 0,
            "uploads": self.upload_memo().count(),
            "size_bytes": sqlite_bytes(uploads_file) + (sqlite_bytes(Path(location)) if location else 0),
        }


def open_store(cache: Any = True, cache_dir: str | os.PathLike[str] | None = None,
               cache_url: str | None = None) -> Store:
    """The store a client keeps its answers in: the one place that decides which.

    Parameters
    ----------
    cache : bool, path or requests_cache backend
        True: the cache folder; a path: the SQLite file (or folder) of HTTP answers there, and
        ``cache_dir`` next to it unless given; a backend object: HTTP answers there, the rest
        in ``cache_dir``; False: nothing is kept beyond the client's life (memory only, and no
        shared cache either).
    cache_dir : path, optional
        Default ``$PATSNAP_CACHE_DIR`` or the platform's user cache folder.
    cache_url : str, optional
        A team's Redis (default ``$PATSNAP_CACHE_URL``): everything shared is kept there. When it
        cannot be reached: :class:`~patsnap_pandas.errors.CacheUnavailableError`, or with
        ``PATSNAP_CACHE_FALLBACK=local`` a :class:`~patsnap_pandas.errors.CacheWarning` and the
        cache folder.

    Examples
    --------
    >>> type(open_store(cache=False)).__name__, open_store(cache=False).shown
    ('LocalStore', 'off')
    >>> open_store(cache="team/answers.sqlite").cache_dir.name
    'team'
    >>> open_store(cache=42)
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: cache=42 is not valid: expected True, False, a path or a requests_cache backend ...
    """
    from .local import LocalStore  # the local store stands on this module

    if not (isinstance(cache, (bool, str, os.PathLike, BaseCache)) or cache is None):
        raise InvalidInputError(f"cache={cache!r} is not valid: expected True, False, a path or a "
                                "requests_cache backend object (e.g. requests_cache.RedisCache()).")
    if isinstance(cache, (str, os.PathLike)) and cache_dir is None:
        folder = (http_cache_file(cache, Path()) or Path(cache)).parent.resolve()  # next to the SQLite file
    else:
        folder = config.cache_dir(cache_dir)
    if cache is False or cache is None:
        return LocalStore(folder, cache=False)
    shared = _shared(folder, cache_url)
    return shared if shared is not None else LocalStore(folder, cache=cache)


def _shared(folder: Path, cache_url: str | None) -> Store | None:
    """The team's Redis of ``cache_url`` / PATSNAP_CACHE_URL, or None (none set, or the local fallback)."""
    url = config.resolve("cache_url", cache_url)
    if url is None:
        return None
    from .redis_backend import RedisBackend, shown_url  # the [redis] extra: only when asked for

    try:
        return RedisBackend(url, cache_dir=folder)
    except CacheUnavailableError as exc:
        if config.resolve("cache_fallback") != "local":
            raise
        warnings.warn(CacheWarning(
            f"the shared cache at {shown_url(url)} {exc.problem}; using the local cache "
            f"folder {folder} instead ({config.env_name('cache_fallback')}=local): searches made now "
            "are not shared with the team, and may be paid again by others"), stacklevel=5)
        return None

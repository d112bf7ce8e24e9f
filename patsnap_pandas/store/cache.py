"""The cache folder and everything in it: the HTTP cache's keys, upload memo, locks, thumbnails; info, clear, repair.

Its parts, one job each: :mod:`~patsnap_pandas.store.files` (the folder's layout and its
SQLite files), :mod:`~patsnap_pandas.store.upload_memo` (uploads already paid for),
:mod:`~patsnap_pandas.store.locks` (identical calls made once across processes) and
:mod:`~patsnap_pandas.store.thumbnails` (the hit-image store). This module makes the keys of the
HTTP cache (they name images by content and hold no credential: :func:`content_key`; the session
around the cache is :func:`patsnap_pandas.api.http.build_session`'s; the folder as a store is
:class:`~patsnap_pandas.store.local.LocalStore`), and reports on, empties (:func:`clear_plan`,
:func:`clear_cache`) or mends (:func:`repair_cache`) a cache folder without credentials.

Examples
--------
>>> cache_info("my-cache")["exists"]
False
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from requests_cache.cache_keys import create_key

from .. import config
from ..errors import CacheError
from ..redaction import SECRET_PARAMETERS
from .files import (
    DAMAGED_SUFFIX,
    HTTP_CACHE_FILE,
    LOCKS_DIR,
    SQLITE_SUFFIXES,
    THUMBNAILS_DIR,
    UPLOADS_FILE,
    USAGE_FILE,
    SQLiteCache,
    check_sqlite,
    connect_read_only,
    describe_sqlite_error,
    remove_sqlite,
    set_aside,
    sqlite_damage,
    writable,
)
from .thumbnails import ThumbnailStore
from .upload_memo import UploadMemo

__all__ = ["cache_info", "clear_plan", "clear_cache", "repair_cache", "content_ref", "keyed_by_content", "content_key", "old_key_shape",
           "open_thumbnail_store"]

_SHARED_SCHEMES = ("redis://", "rediss://", "unix://")
_OPENED_FOR_THUMBNAILS: dict[str, Any] = {}  # shown URL -> the RedisBackend opened from PATSNAP_CACHE_URL

# --- content-addressed keys --------------------------------------------------------------------------
#
# A search by an uploaded image is keyed by the image's bytes, never by its signed upload URL
# (which differs per machine and expires after 9 hours): while the client sends the real URL,
# this variable maps it to "sha256:<hex>", and the cache key is made as if that had been sent.
_CONTENT_REFS: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar(
    "patsnap_content_refs", default=None)


def content_ref(data: bytes) -> str:
    """The name of an image in cache keys: ``"sha256:"`` and the SHA-256 of the bytes sent.

    Examples
    --------
    >>> content_ref(b"PNG bytes")[:15]
    'sha256:9698103c'
    """
    return "sha256:" + hashlib.sha256(data).hexdigest()


@contextlib.contextmanager
def keyed_by_content(refs: Mapping[str, str]) -> Any:
    """Inside the block, cache keys name each URL of ``refs`` (url -> content ref) by its content.

    Examples
    --------
    >>> import requests
    >>> sent = requests.Request("GET", "https://api.example/search", params={"url": "https://img/9?sig=x"}).prepare()
    >>> with keyed_by_content({"https://img/9?sig=x": content_ref(b"the image")}):
    ...     inside = content_key(sent)
    >>> inside == content_key(sent)                 # outside the block the URL itself is the key
    False
    """
    token = _CONTENT_REFS.set(dict(refs))
    try:
        yield
    finally:
        _CONTENT_REFS.reset(token)


def content_key(request: Any, **kwargs: Any) -> str:
    """requests-cache's key, with uploaded image URLs (query ``url``, JSON ``url``/``urls``) named by content
    and no credential in it.

    The credentials (``apikey`` of token mode, an ``Authorization`` header) are left out of the
    key altogether, not replaced by a placeholder: an answer paid for with a token is found with
    an API key and the other way round.

    Examples
    --------
    >>> import requests
    >>> sent = requests.Request("GET", "https://api.example/search", params={"url": "https://img/1?sig=a"}).prepare()
    >>> probe = requests.Request("GET", "https://api.example/search", params={"url": "sha256:ab"}).prepare()
    >>> with keyed_by_content({"https://img/1?sig=a": "sha256:ab"}):
    ...     content_key(sent) == content_key(probe)
    True
    >>> content_key(sent) == content_key(probe)          # outside the block: keyed by what was sent
    False
    >>> token = requests.Request("GET", "https://api.example/bib", params={"patent_id": "p1", "apikey": "my-id"},
    ...                          headers={"Authorization": "Bearer tok"}).prepare()
    >>> api_key = requests.Request("GET", "https://api.example/bib", params={"patent_id": "p1"},
    ...                            headers={"Authorization": "Bearer sk-key"}).prepare()
    >>> content_key(token) == content_key(api_key)
    True
    """
    refs = _CONTENT_REFS.get()
    if refs:
        request = _renamed(request, refs)
    request = _with_credential_placeholder(request) if _OLD_SHAPE.get() else _without_credentials(request)
    return create_key(request, **kwargs)


# --- keys of earlier versions ----------------------------------------------------------------------
#
# In earlier builds a client with a token (client id + secret) sent ``apikey=<client id>``,
# and requests-cache kept the parameter in the key with its value replaced by "REDACTED"; a
# client with an API key sent none. Inside ``old_key_shape()`` keys are made that way again, so
# answers a token client stored then are still found (looked up only after a miss).
_OLD_SHAPE: contextvars.ContextVar[bool] = contextvars.ContextVar("patsnap_old_key_shape", default=False)
_CREDENTIAL_NAMES = frozenset(name.lower() for name in SECRET_PARAMETERS)


@contextlib.contextmanager
def old_key_shape() -> Any:
    """Inside the block, cache keys are made as a token client of earlier builds made them (``apikey`` in them).

    Examples
    --------
    >>> import requests
    >>> sent = requests.Request("GET", "https://api.example/bib", params={"patent_id": "p1"}).prepare()
    >>> before = requests.Request("GET", "https://api.example/bib", params={"patent_id": "p1", "apikey": "id"}).prepare()
    >>> with old_key_shape():
    ...     old = content_key(sent)
    >>> old == create_key(before, ignored_parameters=["apikey"]), old == content_key(sent)
    (True, False)
    """
    token = _OLD_SHAPE.set(True)
    try:
        yield
    finally:
        _OLD_SHAPE.reset(token)


def _query_pairs(request: Any) -> tuple[Any, list[tuple[str, str]]]:
    parts = urlsplit(request.url or "")
    return parts, parse_qsl(parts.query, keep_blank_values=True)


def _without_credentials(request: Any) -> Any:
    parts, pairs = _query_pairs(request)
    kept = [(k, v) for k, v in pairs if k.lower() not in _CREDENTIAL_NAMES]
    if len(kept) == len(pairs):
        return request
    request = request.copy()
    request.url = urlunsplit(parts._replace(query=urlencode(kept)))
    return request


def _with_credential_placeholder(request: Any) -> Any:
    parts, pairs = _query_pairs(request)
    if any(k == "apikey" for k, _ in pairs):
        return request
    request = request.copy()
    request.url = urlunsplit(parts._replace(query=urlencode([*pairs, ("apikey", "REDACTED")])))
    return request


def _renamed(request: Any, refs: Mapping[str, str]) -> Any:
    request = request.copy()
    parts = urlsplit(request.url)
    if parts.query:
        pairs = [(k, refs.get(v, v) if k == "url" else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
        request.url = urlunsplit(parts._replace(query=urlencode(pairs)))
    body = request.body
    if body and isinstance(body, (bytes, str)) and body[:1] in (b"{", "{"):
        try:
            data = json.loads(body)
        except ValueError:
            return request
        if isinstance(data, dict):
            if isinstance(data.get("url"), str):
                data["url"] = refs.get(data["url"], data["url"])
            if isinstance(data.get("urls"), list):
                data["urls"] = [refs.get(u, u) if isinstance(u, str) else u for u in data["urls"]]
            request.body = json.dumps(data).encode()
    return request



def cache_info(cache_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """What a cache folder holds: HTTP answers, remembered uploads, thumbnails (JSON-safe).

    Needs no credentials and creates nothing (the command line's ``cache info``).

    Parameters
    ----------
    cache_dir : str or path, optional
        The folder; default ``$PATSNAP_CACHE_DIR`` or the platform's user cache folder
        (see :func:`patsnap_pandas.config.cache_dir`).

    Returns
    -------
    dict
        ``{"cache_dir", "exists", "http_cache": {"file", "responses", "bytes"},
        "uploads": {"file", "remembered"}, "thumbnails": {"directory", "files", "bytes"}}``.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> cache_info("my-cache")["exists"]         # nothing there yet, and nothing is created
    False
    >>> with PatsnapClient.sandbox(cache_dir="my-cache") as client:
    ...     hits = search_designs(samples.image("armchair"), client=client, limit=4)
    >>> info = cache_info("my-cache")
    >>> info["http_cache"]["responses"], info["uploads"]["remembered"], info["thumbnails"]["files"]   # 4 hits, the query, the query kept large
    (1, 1, 6)
    """
    folder = config.cache_dir(cache_dir)
    http_file = folder / HTTP_CACHE_FILE
    uploads_file = folder / UPLOADS_FILE
    http: dict[str, Any] = {"file": str(http_file), "responses": 0, "bytes": sqlite_bytes(http_file)}
    uploads: dict[str, Any] = {"file": str(uploads_file), "remembered": 0}
    try:
        check_sqlite(http_file)
        if http_file.is_file():
            con = connect_read_only(http_file, timeout=5)
            try:
                http["responses"] = con.execute("SELECT COUNT(*) FROM responses").fetchone()[0]
            except sqlite3.OperationalError as exc:
                if "no such table" not in str(exc):
                    raise
            finally:
                con.close()
    except (CacheError, sqlite3.Error) as exc:
        http["responses"] = None
        http["problem"] = str(exc if isinstance(exc, CacheError) else describe_sqlite_error(http_file, exc))
    try:
        uploads["remembered"] = UploadMemo(uploads_file).count()
    except CacheError as exc:
        uploads["remembered"] = None
        uploads["problem"] = str(exc)
    thumbs = ThumbnailStore(folder / THUMBNAILS_DIR).info()
    return {
        "cache_dir": str(folder),
        "exists": folder.is_dir(),
        "http_cache": http,
        "uploads": uploads,
        "thumbnails": {"directory": thumbs["directory"], "files": thumbs["files"], "bytes": thumbs["bytes"]},
    }


def clear_plan(cache_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """What :func:`clear_cache` would delete in a cache folder, and why it would refuse (JSON-safe).

    Needs no credentials, creates and deletes nothing (the command line's ``cache clear`` shows
    it and asks before deleting).

    Parameters
    ----------
    cache_dir : str or path, optional
        The folder; default ``$PATSNAP_CACHE_DIR`` or the platform's user cache folder.

    Returns
    -------
    dict
        ``{"cache_dir", "parts", "refused"}``: ``parts`` lists what holds something, each
        ``{"part", "count", "unit", "bytes", "path", "problem"}`` (``problem``: a damaged file,
        deleted as it is); ``refused`` is None, or ``{"path", "problem", "fix"}`` when clearing
        would not help and nothing would be deleted (a damaged ``usage.sqlite``, a folder that
        cannot be written). The counts of billed calls (``usage.sqlite``) are never cleared.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> with PatsnapClient.sandbox(cache_dir="my-cache") as client:
    ...     hits = search_designs(samples.image("armchair"), client=client, limit=4)
    >>> plan = clear_plan("my-cache")
    >>> [(part["part"], part["count"]) for part in plan["parts"]], plan["refused"]
    ([('HTTP cache', 1), ('upload memo', 1), ('thumbnails', 6), ('lock files', 2)], None)
    """
    folder = config.cache_dir(cache_dir)
    info = cache_info(folder)
    http, uploads, thumbs = info["http_cache"], info["uploads"], info["thumbnails"]
    locks = [item for item in (folder / LOCKS_DIR).iterdir()] if (folder / LOCKS_DIR).is_dir() else []
    set_aside_copies = sorted(folder.glob(f"*{DAMAGED_SUFFIX}*")) if folder.is_dir() else []
    candidates = [
        ("HTTP cache", http["responses"], "paid answer", http["bytes"], http["file"], http.get("problem")),
        ("upload memo", uploads["remembered"], "remembered upload", None, uploads["file"], uploads.get("problem")),
        ("thumbnails", thumbs["files"], "file", thumbs["bytes"], thumbs["directory"], None),
        ("lock files", len(locks), "file", None, str(folder / LOCKS_DIR), None),
        ("damaged copies", len(set_aside_copies), "file",
         sum(_size_of(item) for item in set_aside_copies), str(folder), None),
    ]
    parts = [dict(part=part, count=count, unit=unit, bytes=size, path=path, problem=problem)
             for part, count, unit, size, path, problem in candidates if count or problem]
    return {"cache_dir": str(folder), "parts": parts, "refused": _refusal(folder, http["responses"] or 0)}


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0


def _refusal(folder: Path, answers: int) -> dict[str, str] | None:
    """Why clearing ``folder`` would not help (nothing is deleted then), or None."""
    usage = folder / USAGE_FILE
    try:
        damage = sqlite_damage(usage)
    except CacheError:
        damage = None  # locked or unreadable, not damaged: clearing does not touch it anyway
    if damage is not None:
        return {"path": str(usage), "problem": damage, "fix": (
            f"`cache clear` would not mend it (it never touches the counts of billed calls) and would delete "
            f"{answers} paid answer{'s' if answers != 1 else ''} for nothing: nothing was deleted. Run "
            "`patsnap-pandas cache repair` (or patsnap_pandas.store.cache.repair_cache()): it sets that one file aside "
            "(the counts of today and this month start again from 0) and keeps every cached answer.")}
    if folder.is_dir() and not writable(folder / HTTP_CACHE_FILE):
        return {"path": str(folder), "problem": "(the cache folder) cannot be written: nothing was deleted",
                "fix": "Make the folder writable first (a read-only volume, or chattr -i), or leave it as it is: "
                       "its answers are still used."}
    return None


def clear_cache(cache_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Delete every cached HTTP answer, remembered upload URL, thumbnail and lock file of a cache folder.

    Needs no credentials and creates nothing (the command line's ``cache clear``, which shows
    :func:`clear_plan` and asks first); the next search is billed again. The counts of billed
    calls (``usage.sqlite``) stay. A damaged file is deleted as it is; a damaged ``usage.sqlite``
    or a folder that cannot be written makes it refuse before deleting anything.

    Parameters
    ----------
    cache_dir : str or path, optional
        The folder; default ``$PATSNAP_CACHE_DIR`` or the platform's user cache folder.

    Returns
    -------
    dict
        The :func:`clear_plan` that was carried out.

    Raises
    ------
    CacheError
        When clearing would not help (``usage.sqlite`` damaged: run :func:`repair_cache`; the
        folder cannot be written). Nothing was deleted then.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> with PatsnapClient.sandbox(cache_dir="my-cache") as client:
    ...     hits = search_designs(samples.image("armchair"), client=client, limit=4)
    >>> [part["part"] for part in clear_cache("my-cache")["parts"]]
    ['HTTP cache', 'upload memo', 'thumbnails', 'lock files']
    >>> info = cache_info("my-cache")
    >>> info["http_cache"]["responses"], info["uploads"]["remembered"], info["thumbnails"]["files"]
    (0, 0, 0)
    """
    folder = config.cache_dir(cache_dir)
    plan = clear_plan(folder)
    if plan["refused"] is not None:
        raise CacheError(**plan["refused"])
    http_file = folder / HTTP_CACHE_FILE
    backend = None
    if http_file.exists() or http_file.is_symlink():
        try:
            backend = SQLiteCache(http_file)
        except CacheError:  # damaged, locked, or not a file at all: remove it
            remove_sqlite(http_file)
    try:
        clear(backend, UploadMemo(folder / UPLOADS_FILE), ThumbnailStore(folder / THUMBNAILS_DIR))
    finally:
        if backend is not None:
            backend.close()  # type: ignore[no-untyped-call]  # requests-cache's close() is unannotated
    locks = folder / LOCKS_DIR
    if locks.is_dir():  # lock files of finished runs
        for item in locks.iterdir():
            with contextlib.suppress(OSError):
                item.unlink()
    for copy in sorted(folder.glob(f"*{DAMAGED_SUFFIX}*")) if folder.is_dir() else []:
        remove_sqlite(copy)
    return plan


def repair_cache(cache_dir: str | os.PathLike[str] | None = None) -> list[dict[str, str]]:
    """Set the damaged files of a cache folder aside (``<name>.damaged``), keeping every readable one.

    The cure for a damaged file that keeps what was paid for (the command line's ``cache repair``):
    each of ``http_cache.sqlite``, ``uploads.sqlite`` and ``usage.sqlite`` is checked in full,
    and only one that is damaged (not a database, malformed, a folder in its place) is renamed,
    with its journal files; the next client starts it afresh. A damaged ``usage.sqlite`` loses
    its counts: today's and this month's start again from 0. ``cache clear`` deletes the copies.

    Parameters
    ----------
    cache_dir : str or path, optional
        The folder; default ``$PATSNAP_CACHE_DIR`` or the platform's user cache folder.

    Returns
    -------
    list of dict
        One ``{"file", "problem", "kept_as"}`` per file set aside (empty: nothing was damaged).

    Examples
    --------
    >>> from pathlib import Path
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> with PatsnapClient.sandbox(cache_dir="my-cache") as client:
    ...     hits = search_designs(samples.image("armchair"), client=client, limit=4)
    >>> _ = Path("my-cache/usage.sqlite").write_bytes(b"what a crash leaves" * 100)
    >>> [(Path(r["file"]).name, r["problem"]) for r in repair_cache("my-cache")]
    [('usage.sqlite', 'is damaged (file is not a database)')]
    >>> cache_info("my-cache")["http_cache"]["responses"]     # the paid answer is still there
    1
    """
    folder = config.cache_dir(cache_dir)
    repaired = []
    for name in (HTTP_CACHE_FILE, UPLOADS_FILE, USAGE_FILE):
        path = folder / name
        problem = sqlite_damage(path)
        if problem is not None:
            repaired.append({"file": str(path), "problem": problem, "kept_as": str(set_aside(path))})
    return repaired


def clear(backend: Any, uploads: UploadMemo, thumbnails: ThumbnailStore | None) -> None:
    """Empty an HTTP cache backend (None: none), an upload memo and, unless None, a thumbnail store."""
    if backend is not None:
        backend.clear()
    uploads.clear()
    if thumbnails is not None:
        thumbnails.clear()


def count_responses(backend: Any) -> int | None:
    try:
        return len(backend.responses)
    except Exception:  # a remote backend may not count cheaply
        return None


def sqlite_bytes(path: Path) -> int:
    """Bytes on disk of a SQLite file with its write-ahead log and journal (0 when absent)."""
    files = [Path(f"{path}{suffix}") for suffix in SQLITE_SUFFIXES]
    return sum(f.stat().st_size for f in files if f.is_file())


def cache_location(backend: Any) -> str | None:
    """The file of a file-based requests-cache backend, else None (Redis, memory...)."""
    try:
        path = backend.db_path
    except (NotImplementedError, AttributeError):
        return None
    return str(path) if isinstance(path, (str, Path)) else None


def open_thumbnail_store(location: str | os.PathLike[str] | None, size: int, **options: Any) -> ThumbnailStore:
    """The thumbnail store at ``location``: a folder, or the shown URL of a team's Redis.

    Result frames name it in ``attrs["thumbnail_dir"]``. A Redis location is found among the
    backends open in this process, else through ``PATSNAP_CACHE_URL`` when it names the same
    server (attrs never hold a password); failing both, the local default folder is used and
    missing thumbnails are downloaded again while their URLs live.

    Examples
    --------
    >>> store = open_thumbnail_store("thumbnails", size=64)
    >>> type(store).__name__, store.size
    ('ThumbnailStore', 64)
    """
    if isinstance(location, str) and location.startswith(_SHARED_SCHEMES):
        from .redis_backend import RedisBackend, shown_url

        backend = RedisBackend.lookup(location)
        url = config.resolve("cache_url")
        if backend is None and url is not None and shown_url(url) == location:
            # Opened for rendering in a process without a client of it: kept, so the next grid or
            # report does not connect again.
            backend = _OPENED_FOR_THUMBNAILS[location] = RedisBackend(url)
        if backend is not None:
            return backend.thumbnail_store(size, **options)
        location = None
    return ThumbnailStore(location or None, size=size, **options)

"""What the thumbnail store may fetch, what it remembers failing, and what it holds on disk.

* :func:`check_image_url`: only ``http(s)`` URLs whose host resolves to public
  addresses; a loopback, link-local or private address is refused unless its origin
  (scheme, host, port) is one a client trusts (:func:`trust_origin`: a client whose
  own base URL is loopback, i.e. the sandbox, trusts that origin). A hit URL pointing
  at ``169.254.169.254`` or at another service on the analyst's machine is never fetched.
* :class:`FailedImages`: an image that failed is not fetched again for
  :data:`FAILURE_TTL_S` seconds (a report renders each thumbnail several times).
* :class:`DiskIndex`: the store's running byte total, so that a write costs the
  same with 1 000 or 100 000 thumbnails stored; the folder is scanned only when the
  total passes the cap, and then eviction removes a batch (down to
  :data:`EVICT_TO` of the cap), not one file per write.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["check_image_url", "trust_origin", "distrust_origin", "origin_of", "FailedImages", "DiskIndex", "FAILURE_TTL_S",
           "EVICT_TO", "MAX_REDIRECTS"]

#: Seconds a failed image is not fetched again.
FAILURE_TTL_S = 300.0
#: Eviction brings the store down to this share of its cap.
EVICT_TO = 0.8
#: Redirects followed per image (to the same host only).
MAX_REDIRECTS = 3

_trusted: dict[tuple[str, str, int], int] = {}  # origin -> clients trusting it
_trusted_lock = threading.Lock()


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, or None.

    Examples
    --------
    >>> origin_of("http://127.0.0.1:8080/img/a.png?sig=1")
    ('http', '127.0.0.1', 8080)
    >>> origin_of("https://Img.Example/a.png"), origin_of("file:///etc/passwd")
    (('https', 'img.example', 443), None)
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except (ValueError, AttributeError):
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80)


def _is_local(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (ip.is_loopback or ip.is_link_local or ip.is_private or ip.is_reserved or ip.is_multicast
            or ip.is_unspecified)


def trust_origin(base_url: str) -> bool:
    """Let the thumbnail store fetch from ``base_url``'s origin although it is a local address.

    Only a loopback base URL is trusted (the sandbox, or a test server on the same
    machine); any other is refused here and stays subject to the address check.
    Returns whether the origin is now trusted.

    Examples
    --------
    >>> trust_origin("http://127.0.0.1:8766"), trust_origin("https://connect.patsnap.com")
    (True, False)
    """
    origin = origin_of(base_url)
    if origin is None:
        return False
    try:
        loopback = ipaddress.ip_address(origin[1].strip("[]")).is_loopback
    except ValueError:
        loopback = origin[1] in ("localhost",)
    if loopback:
        with _trusted_lock:
            _trusted[origin] = _trusted.get(origin, 0) + 1
    return loopback


def distrust_origin(base_url: str) -> None:
    """Undo one :func:`trust_origin` (a client closing).

    Examples
    --------
    >>> trust_origin("http://127.0.0.1:8767")
    True
    >>> distrust_origin("http://127.0.0.1:8767")
    >>> check_image_url("http://127.0.0.1:8767/img/a.png")
    'points to a local or private address (127.0.0.1)'
    """
    origin = origin_of(base_url)
    with _trusted_lock:
        left = _trusted.get(origin, 0) - 1
        if left > 0:
            _trusted[origin] = left
        else:
            _trusted.pop(origin, None)


def check_image_url(url: str, resolve: Callable[..., list] = socket.getaddrinfo) -> str | None:
    """Why ``url`` must not be fetched, or None when it may be.

    Examples
    --------
    >>> check_image_url("ftp://img.example/a.png")
    'not an http(s) URL'
    >>> check_image_url("http://169.254.169.254/latest/meta-data/")
    'points to a local or private address (169.254.169.254)'
    >>> check_image_url("http://10.0.0.7/a.png")
    'points to a local or private address (10.0.0.7)'
    """
    origin = origin_of(url) if isinstance(url, str) else None
    if origin is None:
        return "not an http(s) URL"
    with _trusted_lock:
        if origin in _trusted:
            return None
    host = origin[1].strip("[]")
    try:
        addresses = [host] if _is_ip(host) else sorted({info[4][0] for info in resolve(host, origin[2])})
    except (OSError, UnicodeError):
        return "its host name does not resolve"
    for address in addresses:
        try:
            local = _is_local(address)
        except ValueError:
            return f"its host resolves to an unusable address ({address})"
        if local:
            return f"points to a local or private address ({address})"
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    return True


class FailedImages:
    """Image identities that failed lately -> why; forgotten after ``ttl`` seconds (bounded).

    Examples
    --------
    >>> failed = FailedImages(ttl=60)
    >>> failed.add("https://img.example/a.png", "HTTP 404")
    >>> failed.get("https://img.example/a.png"), failed.get("https://img.example/b.png")
    ('HTTP 404 (failed less than 60 s ago)', None)
    """

    def __init__(self, ttl: float = FAILURE_TTL_S, max_entries: int = 10_000) -> None:
        self.ttl, self.max_entries = ttl, max_entries
        self._items: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, identity: str, why: str) -> None:
        with self._lock:
            self._items.pop(identity, None)
            self._items[identity] = (time.monotonic() + self.ttl, why)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)

    def get(self, identity: str) -> str | None:
        with self._lock:
            item = self._items.get(identity)
            if item is None:
                return None
            if item[0] < time.monotonic():
                del self._items[identity]
                return None
            return f"{item[1]} (failed less than {self.ttl:g} s ago)"

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


class DiskIndex:
    """The byte total of a store folder, kept up to date by the writes of this process.

    Counted once (one folder scan) at the first write; after that each write adds its
    size in O(1). When the total passes ``max_bytes`` the folder is scanned again (other
    processes may have written or evicted meanwhile) and the least recently used files
    are removed down to ``EVICT_TO * max_bytes``, so scans stay rare.

    Examples
    --------
    >>> from pathlib import Path
    >>> folder = Path("thumbs"); folder.mkdir()
    >>> index = DiskIndex(folder, max_bytes=250)
    >>> for i in range(5):
    ...     _ = (folder / f"{i}.png").write_bytes(b"x" * 100)
    ...     index.added(100)
    >>> sorted(p.name for p in folder.iterdir()), index.total
    (['3.png', '4.png'], 200)
    """

    def __init__(self, folder: Path, max_bytes: int, suffix: str = ".png", skip_prefix: str = ".tmp-") -> None:
        self.folder, self.max_bytes = Path(folder), max_bytes
        self.suffix, self.skip_prefix = suffix, skip_prefix
        self._lock = threading.Lock()
        self.total: int | None = None  # unknown until the first scan
        self.scans = 0

    def added(self, size: int) -> None:
        """A file of ``size`` bytes was written; evict a batch when the cap is passed."""
        with self._lock:
            if self.total is None:
                self.total = sum(size for _, _, size in self._scan())
            else:
                self.total += size
            if self.total > self.max_bytes:
                self._evict()

    def forget(self) -> None:
        """The folder changed behind our back (cleared): count again at the next write."""
        with self._lock:
            self.total = None

    def _scan(self) -> list[tuple[str, int, int]]:
        self.scans += 1
        out = []
        now = time.time()
        try:
            entries = list(os.scandir(self.folder))
        except OSError:
            return out
        for entry in entries:
            try:
                st = entry.stat()
            except OSError:
                continue
            if entry.name.startswith(self.skip_prefix):
                if now - st.st_mtime > 3600:  # left over by a killed process
                    _unlink(entry.path)
                continue
            if entry.name.endswith(self.suffix):
                out.append((entry.path, st.st_mtime_ns, st.st_size))
        return out

    def _evict(self) -> None:
        files = self._scan()
        total = sum(size for _, _, size in files)
        target = int(self.max_bytes * EVICT_TO)
        if total > self.max_bytes:
            for path, _, size in sorted(files, key=lambda f: (f[1], f[0])):
                if total <= target:
                    break
                if _unlink(path):
                    total -= size
        self.total = total


def _unlink(path: str) -> bool:
    try:
        os.unlink(path)
    except OSError:
        return False
    return True

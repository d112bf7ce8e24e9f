"""Fetching hit images safely: which URLs may be fetched, connections pinned to the checked address, limits.

* :func:`check_image_url`: only ``http(s)`` URLs whose host resolves to public
  addresses; a loopback, link-local or private address is refused unless its origin
  (scheme, host, port) is one a client trusts (:func:`trust_origin`: a client whose
  own base URL is loopback, i.e. the sandbox, trusts that origin). A hit URL pointing
  at ``169.254.169.254`` or at another service on the analyst's machine is never fetched.
* The store's connections resolve a host name once, check every address and connect to
  one of those (no DNS rebinding between the check and the connection); its session never
  sends credentials or cookies; redirects stay on the same host (:data:`MAX_REDIRECTS`) and
  a download stops past 16 MiB.
* :class:`FailedImages`: an image that failed is not fetched again for
  :data:`FAILURE_TTL_S` seconds (a report renders each thumbnail several times).

The :class:`~patsnap_pandas.store.thumbnails.ThumbnailStore` fetches through these.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
import requests.auth
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util.connection import allowed_gai_family
from urllib3.util.timeout import _DEFAULT_TIMEOUT

from .. import imaging

__all__ = ["FAILURE_TTL_S", "MAX_REDIRECTS", "FailedImages", "check_image_url", "distrust_origin", "origin_of",
           "trust_origin"]

#: Seconds a failed image is not fetched again.
FAILURE_TTL_S = 300.0
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
    if origin is None:
        return
    with _trusted_lock:
        left = _trusted.get(origin, 0) - 1
        if left > 0:
            _trusted[origin] = left
        else:
            _trusted.pop(origin, None)


def check_image_url(url: str, resolve: Callable[..., list[Any]] | None = socket.getaddrinfo) -> str | None:
    """Why ``url`` must not be fetched, or None when it may be.

    ``resolve=None`` checks the scheme and an address written in the URL only, and
    leaves a host name to the connection: the store's connections resolve the name
    once, check every address and connect to one of those (a second lookup that
    answers otherwise, as in DNS rebinding, is never made).

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
    if _is_ip(host):
        return _addresses_problem([host])
    if resolve is None:
        return None
    try:
        addresses = sorted({str(info[4][0]) for info in resolve(host, origin[2])})
    except (OSError, UnicodeError):
        return "its host name does not resolve"
    return _addresses_problem(addresses)


def _addresses_problem(addresses: Iterable[str]) -> str | None:
    """Why a host with these addresses must not be fetched from (any one local or private), or None."""
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


_MAX_DOWNLOAD_BYTES = 16 * 2**20  # a design drawing is far smaller; more is not an image we want
#: Images that failed lately, shared by every store of the process (a report renders each several times).
_FAILED = FailedImages()


class _StripAuthorization(requests.auth.AuthBase):
    """Session auth that removes credentials (and stops requests from reading ~/.netrc)."""

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers.pop("Authorization", None)
        r.headers.pop("Cookie", None)
        return r


class _ImageSession(requests.Session):
    """A session that never sends credentials, not even after a redirect."""

    def rebuild_auth(self, prepared_request: requests.PreparedRequest, response: requests.Response) -> None:  # noqa: D401 - requests hook
        prepared_request.headers.pop("Authorization", None)


class _Failure(Exception):
    pass


# --- connections that connect to the address they checked ---------------------------------------
# requests resolves a host name when it connects; a check made before, with its own lookup, could
# see another answer (DNS rebinding: a public address to the check, 127.0.0.1 to the connection).
# The store's connections resolve once, check every address, and connect to one of those. The Host
# header, TLS SNI and certificate verification still use the host name (urllib3 keeps
# ``conn.host``; only the socket is opened here). Through a proxy, the proxy resolves the name:
# the store then checks the name's addresses itself before the request (see ThumbnailStore._why_not).


def _open_checked(conn: HTTPConnection, scheme: str) -> Any:
    """A socket to one of the addresses ``conn``'s host resolves to, all of them checked first."""
    host = conn._dns_host.strip("[]")
    try:
        infos = socket.getaddrinfo(host, conn.port, allowed_gai_family(), socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise _Failure("its host name does not resolve") from None
    with _trusted_lock:
        trusted = (scheme, host.rstrip(".").lower(), conn.port) in _trusted
    why = None if trusted else _addresses_problem(str(info[4][0]) for info in infos)
    if why is not None:
        raise _Failure(why)
    error: OSError = OSError(f"{host} resolves to no address")
    for family, kind, proto, _, address in infos:
        sock = socket.socket(family, kind, proto)
        try:
            for option in conn.socket_options or ():
                sock.setsockopt(*option)
            if conn.timeout is not _DEFAULT_TIMEOUT:  # type: ignore[comparison-overlap]  # urllib3's sentinel is typed as float
                sock.settimeout(conn.timeout)
            if conn.source_address:
                sock.bind(conn.source_address)
            sock.connect(address)
            return sock
        except OSError as exc:
            sock.close()
            error = exc
    raise error


def _new_checked_conn(conn: HTTPConnection, scheme: str) -> Any:
    """``_new_conn`` of the checked connections: urllib3's own errors for a failed connect (retried)."""
    try:
        sock = _open_checked(conn, scheme)
    except TimeoutError as exc:
        raise ConnectTimeoutError(conn, f"Connection to {conn.host} timed out. (connect timeout={conn.timeout})") from exc
    except OSError as exc:
        raise NewConnectionError(conn, f"Failed to establish a new connection: {exc}") from exc
    return sock


class _CheckedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> Any:
        return _new_checked_conn(self, "http")


class _CheckedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> Any:
        return _new_checked_conn(self, "https")


class _CheckedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(HTTPAdapter):
    """A requests adapter whose direct connections are checked ones (proxies keep urllib3's own)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _CheckedHTTPPool, "https": _CheckedHTTPSPool}


def _identity(url: str) -> str:
    """The image's identity: its URL without query string and fragment."""
    try:
        p = urlsplit(url.strip())
    except ValueError:
        return url
    return urlunsplit((p.scheme.lower(), p.netloc.lower(), p.path, "", ""))


def _is_http_url(url: Any) -> bool:
    return isinstance(url, str) and imaging.url_scheme(url) in ("http", "https")


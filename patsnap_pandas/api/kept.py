"""What a client's store keeps, asked without a call: the HTTP cache and the upload memo.

No token, no network, no rate limit, no budget: :class:`Kept` answers the pipeline's first
steps (``FromCache``, ``InFlight``: :mod:`patsnap_pandas.api.pipeline`) and the estimates
(:mod:`patsnap_pandas.api.estimate`).

Examples
--------
>>> reuse_margin(0.0, 32400.0), reuse_margin(0.0, 60.0)     # a 9-hour upload URL; a 1-minute one
(600.0, 6.0)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import time
from collections.abc import Mapping
from typing import Any

import requests

from ..store.base import UploadMemoLike
from ..store.cache import old_key_shape
from .http import HeadersAuth
from .models import ENDPOINTS, decode, raise_if_error

__all__ = ["Kept", "reuse_margin"]


def reuse_margin(issued_at: float, expires_at: float) -> float:
    """Reuse an upload URL only while it has this much life left (10 %, at most 10 min).

    Examples
    --------
    >>> reuse_margin(1000.0, 1000.0 + 9 * 3600)
    600.0
    """
    return min(600.0, 0.1 * max(0.0, expires_at - issued_at))


class Kept:
    """The HTTP cache (through the client's session, ``only_if_cached``) and the upload memo, asked without a call.

    Parameters
    ----------
    session : requests.Session
        The client's session (a requests-cache ``CachedSession`` when ``cached``).
    base_url : str
        Part of every key.
    lifetimes : dict
        Seconds each cached endpoint's answers may be old and still be used by this client.
    uploads : upload memo
        The store's upload memo.
    cached : bool
        Whether the session keeps answers at all.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> client = PatsnapClient.sandbox(corpus_size=60)
    >>> kept, data = client._pipeline.kept, open(samples.image("armchair"), "rb").read()
    >>> kept.live_upload(data) is None
    True
    >>> url = client.upload_image(data, "chair.png").url
    >>> kept.live_url(data) == url
    True
    >>> client.close()
    """

    def __init__(self, session: requests.Session, base_url: str, lifetimes: Mapping[str, float],
                 uploads: UploadMemoLike, *, cached: bool) -> None:
        self.session, self.base_url, self.lifetimes, self.uploads, self.cached = \
            session, base_url, lifetimes, uploads, cached

    def answer(self, name: str, method: str, params: Mapping[str, str] | None, json_body: Any) -> tuple[Any, bool]:
        """(The cached ``data`` of a call or None, whether a cached answer was too old to use).

        Credentials are no part of the key, so the answer is found whoever paid for it; after a
        miss the key shape of earlier builds is tried too (:func:`~patsnap_pandas.store.cache.old_key_shape`).
        An answer stored by a client with a longer lifetime counts as missing when it is older
        than this client's lifetime.
        """
        response = self._response(method, name, params or {}, json_body)
        if response is None:
            with old_key_shape():
                response = self._response(method, name, params or {}, json_body)
        if response is None:
            return None, False
        lifetime = self.lifetimes.get(name, -1)
        created = getattr(response, "created_at", None)
        if lifetime >= 0 and isinstance(created, dt.datetime) and \
                (dt.datetime.now(dt.timezone.utc) - _aware(created)).total_seconds() > lifetime:
            return None, True
        body = decode(response, ENDPOINTS[name])
        raise_if_error(body, response, ENDPOINTS[name])
        return body["data"], False

    def _response(self, method: str, name: str, params: Mapping[str, str], json_body: Any) -> Any:
        """The cached response of a call (requests-cache's ``only_if_cached``), or None."""
        if not self.cached:
            return None
        with contextlib.suppress(requests.RequestException):  # only_if_cached never connects
            cached_only: dict[str, Any] = {"only_if_cached": True}  # a CachedSession option
            response = self.session.request(method, self.base_url + ENDPOINTS[name], params=dict(params),
                                            json=json_body, auth=HeadersAuth(), allow_redirects=False, **cached_only)
            if response.status_code != 504 and getattr(response, "from_cache", False):
                return response
        return None

    def upload_key(self, data: bytes) -> str:
        """The upload memo's key of ``data`` at this base URL."""
        return hashlib.sha256(self.base_url.encode() + b"\0" + hashlib.sha256(data).digest()).hexdigest()

    def live_upload(self, data: bytes) -> tuple[str, float] | None:
        """(URL, expires_at) of an earlier upload of these bytes with life enough left to reuse, else None."""
        remembered = self.uploads.get(self.upload_key(data))
        if remembered is None:
            return None
        url, issued_at, expires_at = remembered
        if expires_at - time.time() <= reuse_margin(issued_at, expires_at):
            return None
        return str(url), float(expires_at)

    def live_url(self, data: bytes) -> str | None:
        """The URL of :meth:`live_upload`, or None."""
        live = self.live_upload(data)
        return None if live is None else live[0]


def _aware(moment: dt.datetime) -> dt.datetime:
    """requests-cache keeps naive UTC times."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.timezone.utc)

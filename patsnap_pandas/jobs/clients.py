"""Which client answers a search: the one passed, the one that made the search, or one from the environment.

The one place that answers "which client?" for every job: :func:`client_for` (``df.patsnap.more()``,
batches and enrichment find the client of a frame without being told), :func:`register_client`
(a search remembers its client, weakly), the default client made from the ``PATSNAP_*`` settings
(made again when they change), and :func:`data_source`: whether a client's answers come from the
sandbox or from PatSnap (``attrs["source"]``).
"""

from __future__ import annotations

import hashlib
import os
import threading
import weakref
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from .. import config
from ..api.client import PatsnapClient
from ..errors import InvalidInputError, MissingCredentialsError
from ..frame import words

__all__ = ["client_for", "data_source", "register_client"]

# search_id -> the client that made it, so df.patsnap.more() finds it without being told.
_CLIENTS: weakref.WeakValueDictionary[str, PatsnapClient] = weakref.WeakValueDictionary()
_DEFAULT: dict[str, Any] = {"key": None, "client": None}
_LOCK = threading.Lock()


def _environment_key() -> str:
    """A digest of every PATSNAP_* setting: a new default client when the environment changes."""
    values = "\0".join(os.environ.get(setting.env, "") for name, setting in config.SETTINGS.items()
                        if name != "reviewer")  # who marks is no setting of the client
    return hashlib.sha256(values.encode("utf-8", "surrogatepass")).hexdigest()


def _default_client() -> PatsnapClient:
    key = _environment_key()
    with _LOCK:
        if _DEFAULT["key"] == key and _DEFAULT["client"] is not None:
            return _DEFAULT["client"]
        try:
            client = PatsnapClient.from_env()
        except MissingCredentialsError:
            raise MissingCredentialsError(
                "No client was passed and no PatSnap credentials are set. "
                f"{config.credentials_help()} For example: "
                "search_designs(image, client=PatsnapClient.sandbox()).") from None
        _DEFAULT.update(key=key, client=client)
        return client


def client_for(df_or_search_id: pd.DataFrame | str | None = None,
               client: PatsnapClient | None = None) -> PatsnapClient:
    """The client to continue a search with.

    Parameters
    ----------
    df_or_search_id : DataFrame, str or None
        A result frame (its ``attrs["search_id"]``, a search id or, for a batch, a
        list of them: the first registered one wins) or a search id.
    client : PatsnapClient, optional
        Wins when given.

    Returns
    -------
    PatsnapClient
        ``client`` if given; else the client that made this search (while it is
        alive); else the default client from the ``PATSNAP_*`` environment.

    Raises
    ------
    MissingCredentialsError
        No client anywhere and no credentials in the environment; the message says
        which variables to set, or to pass ``client=PatsnapClient.sandbox()``.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> hits = search_designs(samples.image("armchair"), client=client)
    >>> client_for(hits) is client, client_for(hits.attrs["search_id"]) is client
    (True, True)
    >>> client.close()
    """
    if client is not None:
        if not isinstance(client, PatsnapClient):
            raise InvalidInputError(f"client={client!r} is not valid: expected a PatsnapClient "
                                    "(e.g. PatsnapClient.from_env() or PatsnapClient.sandbox()) or None.")
        return client
    search_id = df_or_search_id
    keys: list = []
    if isinstance(df_or_search_id, pd.DataFrame):
        search_id = df_or_search_id.attrs.get("search_id")
        keys.append(df_or_search_id.attrs.get("query_url"))  # P060/P061 searches have no search id
    # A batch's frame holds a list of search ids: any one that is registered names the client.
    for sid in [*(search_id if isinstance(search_id, (list, tuple)) else [search_id]), *keys]:
        found = _CLIENTS.get(sid) if isinstance(sid, str) else None
        if found is not None:
            return found
    return _default_client()


def register_client(search_id: str, client: PatsnapClient) -> None:
    """Remember that ``client`` made the search ``search_id`` (for :func:`client_for`); a P060/P061 search,
    which has no search id, is remembered by its query image's URL (``attrs["query_url"]``).

    Held by a weak reference: a closed and dropped client is forgotten.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient
    >>> client = PatsnapClient.sandbox()
    >>> register_client("my-search-id", client)
    >>> client_for("my-search-id") is client
    True
    >>> client.close()
    """
    try:
        _CLIENTS[search_id] = client
    except TypeError:  # an object without weak-reference support: nothing to remember
        pass


_SOURCES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def data_source(client: PatsnapClient) -> str:
    """Where ``client``'s answers come from: ``"sandbox"`` or ``"patsnap"`` (``attrs["source"]``).

    ``"sandbox"`` for the embedded sandbox (:meth:`PatsnapClient.sandbox`) and for a
    server on this machine (loopback base URL) that identifies itself as a sandbox at
    ``/_sandbox/status``; any other server, a loopback one included, is ``"patsnap"``.
    Asked once per client (the status probe is not an API call and is never billed).

    Examples
    --------
    >>> with PatsnapClient.sandbox() as client:
    ...     data_source(client)
    'sandbox'
    """
    if getattr(client, "sandbox_server", None) is not None:
        return words.SANDBOX_SOURCE
    try:
        known = _SOURCES.get(client)
    except TypeError:
        known = None
    if known is not None:
        return known
    source = words.PATSNAP_SOURCE
    base = str(getattr(client, "base_url", "") or "")
    if (urlsplit(base).hostname or "").lower() in _LOOPBACK_HOSTS:
        try:
            import requests

            answer = requests.get(base.rstrip("/") + "/_sandbox/status", timeout=5, allow_redirects=False)
            body = answer.json() if answer.status_code == 200 else None
            if isinstance(body, dict) and body.get("sandbox") is True:
                source = words.SANDBOX_SOURCE
        except (OSError, ValueError):
            pass
    try:
        _SOURCES[client] = source
    except TypeError:
        pass
    return source


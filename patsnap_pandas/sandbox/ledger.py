"""The sandbox's billing ledger: one entry per billable call, failed attempts included."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

from .. import codes

# Parameter names that never enter the ledger (secrets, raw uploads).
SECRET_PARAMS = frozenset({"apikey", "api_key", "authorization", "token", "client_secret", "image"})


@dataclass(frozen=True)
class LedgerEntry:
    """One billable call as the sandbox saw it.

    Attributes
    ----------
    endpoint : str
        The request path, e.g. ``"/image-search/search-id"``.
    params : dict
        Query (or form) parameters with secrets and uploaded bytes removed.
    time : float
        Arrival time, epoch seconds.
    result_count : int
        Items returned (hits, patents, 1 for an upload); 0 when the call failed.
    ok : bool
        True when the call returned data.
    error_code : int or None
        The PatSnap error code returned, None on success or when there was none
        (HTTP 502/503 pages, dropped connections).
    http_status : int
        The HTTP status sent; 0 when the connection was dropped without a response.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> client = PatsnapClient.sandbox()
    >>> hits = search_designs(samples.image("armchair"), client=client, limit=5)
    >>> entry = client.sandbox_server.ledger[-1]
    >>> entry.endpoint, entry.params["limit"], entry.result_count, entry.ok, entry.http_status
    ('/image-search/search-id', '5', 5, True, 200)
    >>> "apikey" in entry.params                   # secrets never enter the ledger
    False
    >>> client.close()
    """

    endpoint: str
    params: dict = field(default_factory=dict)
    time: float = 0.0
    result_count: int = 0
    ok: bool = True
    error_code: int | None = None
    http_status: int = 200

    def to_dict(self) -> dict:
        """The entry as a JSON-safe dict."""
        return asdict(self)


def clean_params(params: dict) -> dict:
    """Drop secret-bearing names from a parameter dict (case-insensitive)."""
    return {k: v for k, v in params.items() if k.lower() not in SECRET_PARAMS}


class Ledger:
    """Thread-safe, list-like record of billable calls.

    Examples
    --------
    >>> ledger = Ledger()
    >>> ledger.append(LedgerEntry("/image-search/search-id", {"limit": "10"}, 0.0, 10))
    >>> ledger.billed(), ledger.billed("search-id"), len(ledger)
    (1, 1, 1)
    """

    def __init__(self) -> None:
        self._entries: list[LedgerEntry] = []
        self._lock = threading.Lock()

    def append(self, entry: LedgerEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[LedgerEntry]:
        """A snapshot copy of the entries, oldest first."""
        with self._lock:
            return list(self._entries)

    def billed(self, endpoint: str | None = None) -> int:
        """Number of billed calls (every entry is one), optionally for one endpoint.

        ``endpoint`` matches the full path or its last segment
        (``"search-id"``, ``"/image-search/search-id"``).
        """
        entries = self.entries()
        if endpoint is None:
            return len(entries)
        return sum(1 for e in entries if e.endpoint == endpoint or e.endpoint.rsplit("/", 1)[-1] == endpoint)

    def units(self, endpoint: str | None = None) -> int:
        """Billed units (``endpoint`` as for :meth:`billed`): a call billed per result (``codes.BILLING``:
        P011, P012, P013, P041) counts the patents it returned, a P062 create the query images it sent
        (its ``result_count``), any other call counts 1.

        Examples
        --------
        >>> ledger = Ledger()
        >>> ledger.append(LedgerEntry("/basic-patent-data/legal-status", {}, 0.0, 37))
        >>> ledger.append(LedgerEntry("/search/patent/patent-search-pn", {}, 0.0, 5))
        >>> ledger.units(), ledger.units("legal-status"), ledger.billed()
        (38, 37, 2)
        """
        entries = self.entries()
        if endpoint is not None:
            entries = [e for e in entries if e.endpoint == endpoint or e.endpoint.rsplit("/", 1)[-1] == endpoint]
        return sum(e.result_count if codes.BILLING.get(e.endpoint) in ("result", "image") else 1 for e in entries)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    def to_list(self) -> list[dict]:
        """All entries as JSON-safe dicts (what ``GET /_sandbox/ledger`` returns)."""
        return [e.to_dict() for e in self.entries()]

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __iter__(self) -> Iterator[LedgerEntry]:
        return iter(self.entries())

    def __getitem__(self, index):
        with self._lock:
            return self._entries[index]

    def __repr__(self) -> str:
        return f"Ledger({len(self)} entries)"

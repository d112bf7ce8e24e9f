"""What a client controls besides its endpoints: the rate limit, interrupting, the cache.

:class:`ClientControls` is a part of :class:`~patsnap_pandas.api.client.PatsnapClient` (which
inherits it), so that the client's own module stays one method per endpoint; everything here
acts on the client's pipeline (:mod:`~patsnap_pandas.api.pipeline`) and store.

Examples
--------
>>> from patsnap_pandas import PatsnapClient
>>> with PatsnapClient.sandbox() as client:
...     with client.limited(5):
...         info = client.cache_info()
>>> info["responses"]
0
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from .._validate import check_rate

if TYPE_CHECKING:
    from ..store.base import Store
    from .http import Usage
    from .pipeline import Pipeline

__all__ = ["ClientControls"]

_Client = TypeVar("_Client", bound="ClientControls")


class ClientControls:
    """The rate limit, interrupting and the cache of a :class:`~patsnap_pandas.api.client.PatsnapClient`.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient
    >>> issubclass(PatsnapClient, ClientControls)
    True
    """

    _pipeline: Pipeline
    store: Store
    usage: Usage

    # --- the rate limit and interrupting ------------------------------------------------------------

    @contextmanager
    def limited(self: _Client, rate: float | None) -> Iterator[_Client]:
        """At most ``rate`` network calls per second inside the ``with`` block.

        The stricter of ``rate`` and the client's ``rate_limit`` applies; the limit in
        force before is restored at the end of the block. Cache hits never wait. The
        limit is the client's, shared by its threads: run one limited block at a time.

        Parameters
        ----------
        rate : float or None
            Calls per second, > 0; None leaves the limit as it is.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient
        >>> from patsnap_pandas import samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> with client.limited(5):                # at most 5 network calls per second here
        ...     hits = search_designs(samples.image("armchair"), client=client)
        >>> len(hits)
        10
        >>> client.close()
        """
        rate = check_rate(rate, "rate")
        limiter, saved = self._pipeline.limiter, self._pipeline.limiter.rate
        if rate is not None:
            limiter.rate = rate if not saved else min(saved, rate)
        try:
            yield self
        finally:
            limiter.rate = saved

    def interrupt(self) -> None:
        """Stop making calls: threads waiting for the rate limit, a retry pause or a lock raise at once.

        A batch calls it on Ctrl-C, then :meth:`resume` once its workers have stopped.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient
        >>> client = PatsnapClient.sandbox(rate_limit=1)
        >>> client.interrupt()     # a call waiting for its turn now stops instead of waiting
        >>> client.resume()        # calls wait for their turn again
        >>> client.close()
        """
        self._pipeline.limiter.interrupt()

    def resume(self) -> None:
        """Make calls again after :meth:`interrupt`.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient
        >>> client = PatsnapClient.sandbox()
        >>> client.interrupt(); client.resume()
        >>> client.legal_status([client.sandbox_server.corpus.designs[0].patent_id])[0]["pn"] != ""
        True
        >>> client.close()
        """
        self._pipeline.limiter.resume()

    # --- the cache ------------------------------------------------------------------------------------

    @property
    def thumbnail_location(self) -> str:
        """Where this client keeps hit thumbnails: the local folder, or the shared Redis (its shown URL).

        Result frames keep it in ``attrs["thumbnail_dir"]``; :func:`patsnap_pandas.store.cache.open_thumbnail_store`
        opens it again.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient
        >>> with PatsnapClient.sandbox() as client:
        ...     client.thumbnail_location == str(client.cache_dir / "thumbnails")
        True
        """
        return self.store.thumbnail_location

    def cache_info(self) -> dict[str, Any]:
        """Where the cache is, how much it holds, and the lifetimes in use (JSON-safe).

        The client's view of its own store; for a cache folder alone, without credentials, see :func:`~patsnap_pandas.store.cache.cache_info`.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient
        >>> from patsnap_pandas import samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client)
        >>> info = client.cache_info()
        >>> info["backend"], info["responses"], info["uploads"], info["lifetimes"]["search"]
        ('SQLiteCache', 1, 1, 604800.0)
        >>> client.close()
        """
        return {**self.store.summary(), "lifetimes": dict(self._pipeline.lifetimes), "usage": self.usage.as_dict()}

    def clear_cache(self) -> None:
        """Forget every cached answer and remembered upload of this client's cache.

        Thumbnails are kept (they are not billable); :func:`~patsnap_pandas.store.cache.clear_cache` empties a whole cache folder.

        Examples
        --------
        >>> from patsnap_pandas import PatsnapClient
        >>> from patsnap_pandas import samples, search_designs
        >>> client = PatsnapClient.sandbox()
        >>> hits = search_designs(samples.image("armchair"), client=client)
        >>> client.clear_cache()
        >>> client.cache_info()["responses"], client.cache_info()["uploads"]
        (0, 0)
        >>> client.close()
        """
        self.store.clear(thumbnails=False)

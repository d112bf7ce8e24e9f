"""The clearance job: the registered designs like a product that are in force (or pending) in the markets on a date.

:func:`clearance` searches (one image, or several views of one product, as
:func:`~patsnap_pandas.jobs.search.search_designs` takes them), looks up the bibliography (P012) and
legal status (P013) of the hits in the markets (:mod:`~patsnap_pandas.jobs.legal`: only what is not
cached), and splits the hits (:class:`~patsnap_pandas.jobs.result.JobResult`): kept what is in force,
pending or unknown there on that date; excluded the rest, each with its reason.

Examples
--------
>>> from patsnap_pandas import PatsnapClient, samples
>>> with PatsnapClient.sandbox(today="2026-12-07") as client:
...     result = clearance(samples.image("armchair"), markets=["US", "EU"], on="2026-12-07", client=client, limit=20)
>>> result.provenance["markets"], result.provenance["on"]
(['US', 'EM'], '2026-12-07')
>>> set(result.kept["in_force"]) <= {"in force", "pending", "unknown"}
True
>>> sorted(result.dropped) == sorted({r.split(":")[0] for r in result.excluded["excluded_reason"]})
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import codes
from ..frame.legal import check_on
from .legal import check_markets, look_up
from .result import JobResult
from .search import search_designs

if TYPE_CHECKING:
    from ..api.client import PatsnapClient

__all__ = ["KEPT_STATES", "clearance"]

#: The states a clearance keeps: in force, and what may become so (pending) or cannot be told (unknown):
#: an analyst would rather read an unknown with its reason than miss a design in force.
KEPT_STATES = frozenset({"in force", "pending", "unknown"})


def _reason(state: Any, why: Any, authority: Any) -> str | None:
    """The excluded reason of one hit (None: kept): ``"<state>: <why>"``, or ``"not in the markets: JP"``."""
    if state is None or state is pd.NA or (isinstance(state, float) and state != state):
        office = authority if isinstance(authority, str) and authority else "office not known"
        return f"not in the markets: {office}"
    if state in KEPT_STATES:
        return None
    return f"{state}: {why if isinstance(why, str) and why else 'no reason given'}"


def clearance(image_or_views: Any, *, markets: Any, on: Any = None, client: PatsnapClient | None = None,
              limit: int = codes.LIMIT_DEFAULT, label: str | None = None, **filters: Any) -> JobResult:
    """Search the designs like ``image_or_views`` and keep those in force or pending in ``markets`` on ``on``.

    Not a legal opinion: the statuses are PatSnap's, the expiry dates an estimate by the offices'
    term rules (docs/clearance.md: "What a clearance cannot see").

    Parameters
    ----------
    image_or_views : image, or a list of images
        What :func:`~patsnap_pandas.jobs.search.search_designs` takes: one image (P009), or the
        views of one product (P061 for up to 4).
    markets : str or list of str
        Authority codes (``["US", "EM", "CN"]``, ``"US,EU"``: ``EU`` is read as ``EM``). Hits of
        other offices are excluded (``not in the markets: JP``) without a legal look-up.
    on : date, ISO text or YYYYMMDD, optional
        The date of the clearance; default today.
    client : PatsnapClient, optional
        Default: one from the ``PATSNAP_*`` settings.
    limit : int
        How many hits the search returns (1..100), as ``search_designs``.
    label : str, optional
        The query's name in the results.
    **filters
        ``search_designs``'s filters and options (``country``, ``loc``, ``max_results``, ``endpoint``...).

    Returns
    -------
    JobResult
        ``kept``: the hits in force, pending or unknown (``in_force_reason`` says why) in the
        markets on the date; ``excluded``: the others with ``excluded_reason`` (``expired: ...``,
        ``lapsed: ...``, ``not yet filed: ...``, ``not in the markets: JP``); ``dropped``,
        ``provenance`` (markets, on, estimate: the legal look-ups' billed calls said before them).

    Raises
    ------
    InvalidInputError
        ``markets``, ``on`` (or the search's arguments) not valid: before any billed call.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> client = PatsnapClient.sandbox(today="2026-12-07")
    >>> result = clearance(samples.image("desk-lamp"), markets="CN", on="2026-12-07", client=client, limit=10)
    >>> print(result)
    clearance in CN on 2026-12-07: ... of 10 hits kept; ... excluded (...)
    >>> clearance(samples.image("desk-lamp"), markets="Atlantis", client=client)
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: markets='Atlantis' is not valid: 'Atlantis' is not an authority code. ...
    >>> client.close()
    """
    wanted = check_markets(markets)
    assert wanted is not None  # required
    day = check_on(on)
    hits = search_designs(image_or_views, client=client, limit=limit, label=label, **filters)
    found = look_up(hits, on=day, markets=wanted, client=client)
    frame = found.frame
    reasons = {index: reason for index, state, why, office in zip(
        frame.index, frame["in_force"], frame["in_force_reason"], frame["authority"], strict=True)
        if (reason := _reason(state, why, office)) is not None}
    return JobResult.split("clearance", frame, reasons, markets=wanted, on=day.isoformat(),
                           estimate=str(found.estimate))

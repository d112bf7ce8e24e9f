"""What ``df.patsnap.in_force`` and the clearance job need: the bibliography (P012) and legal status with
events (P013) of a frame's hits, fetched in batches of 100, only what is not cached, the billed calls said first.

:func:`look_up` fetches and builds the columns (docs/clearance.md, "The columns": P012's dates and
owners, then :data:`~patsnap_pandas.frame.legal.COLUMNS` from
:func:`~patsnap_pandas.frame.legal.expiry_frame`); :func:`in_force` is the public verb. Rows outside
the markets are neither looked up nor billed: their columns stay missing (NA ``in_force``).

Before any call, the billed calls the look-ups will make (``client.estimate_lookup``: 0 when
everything is cached) are logged at INFO on the ``patsnap_pandas.jobs.legal`` logger and kept in
``attrs["estimate"]``.

Examples
--------
>>> from patsnap_pandas import PatsnapClient, samples, search_designs
>>> with PatsnapClient.sandbox(today="2026-12-07") as client:
...     hits = search_designs(samples.image("armchair"), client=client, limit=8)
...     rich = in_force(hits, on="2026-12-07", markets=["US", "EM"])
>>> rich.attrs["job"], rich.attrs["markets"], rich.attrs["on"]
('in_force', ['US', 'EM'], '2026-12-07')
>>> set(rich.loc[~rich["authority"].isin(["US", "EM"]), "in_force"].isna())  # other markets: not looked up
{True}
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from .._validate import check_frame
from ..api.inputs import check_authorities
from ..api.models import Estimate
from ..frame.legal import COLUMNS, check_on, expiry_frame, expiry_row
from .clients import client_for
from .enrich import FIELDS, bibliography_record

if TYPE_CHECKING:
    import datetime as dt

    from ..api.client import PatsnapClient

__all__ = ["LegalLookup", "check_markets", "in_force", "look_up"]

log = logging.getLogger(__name__)


def check_markets(markets: Any, *, required: bool = True, name: str = "markets") -> list[str] | None:
    """The markets as authority codes (``codes.AUTHORITIES``; ``EU`` is read as ``EM``); None passes unless required.

    Examples
    --------
    >>> check_markets("us,eu"), check_markets(None, required=False) is None
    (['US', 'EM'], True)
    >>> check_markets(["US", "Narnia"])
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: markets=['US', 'Narnia'] is not valid: 'Narnia' is not an authority code. ...
    """
    if markets is None and not required:
        return None
    return check_authorities(markets, name)


@dataclass(frozen=True)
class LegalLookup:
    """What :func:`look_up` returns: the frame with the columns added, the billed calls announced, the patents asked.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient
    >>> with PatsnapClient.sandbox(today="2026-12-07") as client:
    ...     ids = [design.patent_id for design in client.sandbox_server.corpus.designs[:3]]
    ...     found = look_up(pd.DataFrame({"patent_id": ids}), on=check_on("2026-12-07"), markets=None, client=client)
    >>> found.looked_up, str(found.estimate), len(found.frame)
    (3, '2 billed calls: 1 P012 bibliography batch, 1 P013 legal-status batch', 3)
    """

    frame: pd.DataFrame
    estimate: Estimate
    looked_up: int


def _authority(value: Any) -> str | None:
    return value.strip().upper() if isinstance(value, str) and value.strip() else None


def _wanted(df: pd.DataFrame, markets: list[str] | None) -> list[str | None]:
    """Per row: its patent id when it is to be looked up (in the markets, or its office not known), else None."""
    offices = df["authority"] if "authority" in df.columns else [None] * len(df)
    out: list[str | None] = []
    for pid, office in zip(df["patent_id"], offices, strict=True):
        known = _authority(office)
        inside = markets is None or known is None or known in markets
        out.append(pid.strip() if isinstance(pid, str) and pid.strip() and inside else None)
    return out


def _by_id(items: Iterable[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {item["patent_id"]: item for item in items if isinstance(item.get("patent_id"), str)}


def look_up(df: pd.DataFrame, *, on: dt.date, markets: list[str] | None,
            client: PatsnapClient | None = None) -> LegalLookup:
    """Fetch P012 and P013 for the rows of ``df`` in ``markets`` (None: every row) and add the columns.

    ``on`` and ``markets`` are already checked (:func:`~patsnap_pandas.frame.legal.check_on`,
    :func:`check_markets`): :func:`in_force` and the clearance job check them before any billed call.

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient
    >>> with PatsnapClient.sandbox(today="2026-12-07") as client:
    ...     designs = client.sandbox_server.corpus.designs[:2]
    ...     frame = pd.DataFrame({"patent_id": [d.patent_id for d in designs], "authority": ["CN", "JP"]})
    ...     found = look_up(frame, on=check_on("2026-12-07"), markets=["CN"], client=client)
    >>> found.frame["in_force"].tolist(), found.looked_up
    (['in force', <NA>], 1)
    """
    wanted = _wanted(df, markets)
    ids = list(dict.fromkeys(pid for pid in wanted if pid is not None))
    api = client_for(df, client) if ids else None
    estimate = api.estimate_lookup(ids) if api is not None else Estimate({})
    log.info("legal look-ups of %d patents on %s: %s", len(ids), on.isoformat(), estimate)
    bibliographies = _by_id(api.full_bibliography(ids)) if api is not None else {}
    legal = _by_id(api.legal_events(ids)) if api is not None else {}
    records: list[dict[str, Any] | None] = []
    rows: list[dict[str, Any] | None] = []
    offices = df["authority"] if "authority" in df.columns else [None] * len(df)
    for pid, office in zip(wanted, offices, strict=True):
        record, row = _row(pid, office, bibliographies, legal, on, markets)
        records.append(record)
        rows.append(row)
    return LegalLookup(_with_columns(df, records, rows), estimate, len(ids))


def _row(pid: str | None, office: Any, bibliographies: Mapping[str, Mapping[str, Any]],
         legal: Mapping[str, Mapping[str, Any]], on: dt.date,
         markets: list[str] | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(P012 fields, the legal columns) of one row; (None, None) when it is not looked up or outside the markets."""
    if pid is None:
        return None, None
    item = bibliographies.get(pid)
    record = bibliography_record(item) if item is not None else {}
    authority = record.get("authority") or _authority(office)
    if markets is not None and authority not in markets:
        return record or None, None
    bib = item.get("bibliographic_data") if item is not None else None
    exdt = bib.get("exdt") if isinstance(bib, Mapping) else None
    patent_legal = (legal.get(pid) or {}).get("patent_legal")
    row = expiry_row(authority, filing_date=record.get("apply_date"), grant_date=record.get("grant_date"),
                     exdt=exdt, patent_legal=patent_legal, on=on)
    if item is None and patent_legal is None:
        row.update(in_force="unknown", in_force_reason="PatSnap returned no bibliography and no legal status",
                   expiry_certainty="unknown: PatSnap returned no record")
    return record or None, row


def _with_columns(df: pd.DataFrame, records: list[dict[str, Any] | None],
                  rows: list[dict[str, Any] | None]) -> pd.DataFrame:
    """``df`` with P012's fields and the legal columns (a column of the same name replaced in place)."""
    out = df.copy()
    out.attrs = copy.deepcopy(df.attrs)
    for name, dtype in FIELDS.items():
        values = [r.get(name) if r else None for r in records]
        if name == "authority" and "authority" in df.columns:  # keep what the frame knew where P012 says nothing
            values = [v if v is not None else (None if pd.isna(old) else old)
                      for v, old in zip(values, df["authority"], strict=True)]
        out[name] = pd.Series(values, index=df.index, dtype=dtype)
    legal = expiry_frame(rows, index=df.index)
    for name in COLUMNS:
        out[name] = legal[name]
    return out


def in_force(df: pd.DataFrame, *, on: Any = None, markets: Any = None,
             client: PatsnapClient | None = None) -> pd.DataFrame:
    """Whether each hit is in force on ``on`` in ``markets``: the expiry and legal-status columns of docs/clearance.md.

    Fetches the full bibliography (P012) and the legal status with events (P013) of the hits in
    the markets, in batches of 100, only what the cache does not hold; the billed calls are
    logged first (0 when cached) and kept in ``attrs["estimate"]``.

    Parameters
    ----------
    df : DataFrame
        A result frame (a ``patent_id`` column; ``authority`` decides the market before any call).
    on : date, ISO text or YYYYMMDD, optional
        The date the status is read on; default today.
    markets : str or list of str, optional
        Authority codes (``"US,EM"``, ``["US", "EU"]``: ``EU`` is read as ``EM``). Rows of other
        offices are not looked up (not billed) and get missing values. Default: every row.
    client : PatsnapClient, optional
        Default: the client that made the search.

    Returns
    -------
    DataFrame
        A new frame: ``df``'s rows, with the columns added (or replaced) and ``attrs`` holding
        ``job="in_force"``, ``markets``, ``on`` (ISO text) and ``estimate`` (words).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples, search_designs
    >>> with PatsnapClient.sandbox(today="2026-12-07") as client:
    ...     hits = search_designs(samples.image("desk-lamp"), client=client, limit=5)
    ...     first = in_force(hits, on="2026-12-07")
    ...     again = in_force(hits, on="2027-06-01")       # another date: the same answers, from the cache
    >>> first.attrs["estimate"], again.attrs["estimate"]
    ('2 billed calls: 1 P012 bibliography batch, 1 P013 legal-status batch', '0 billed calls: everything is cached')
    >>> in_force(hits, on="someday")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: on='someday' is not valid: not a date in a known format. ...
    """
    check_frame(df, ("patent_id",))
    day = check_on(on)
    wanted = check_markets(markets, required=False)
    found = look_up(df, on=day, markets=wanted, client=client)
    out = found.frame
    out.attrs.update(job="in_force", markets=wanted, on=day.isoformat(), estimate=str(found.estimate))
    return out

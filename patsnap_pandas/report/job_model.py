"""What a clearance or prior-art report adds to a search report: the job's part of the model.

:func:`patsnap_pandas.report.clearance.clearance_report` and ``prior_art_report`` fill a :class:`Job`
into :attr:`Report.job <patsnap_pandas.report.model.Report>`; the writers (html, pdf, excel) draw it.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import Hit

__all__ = ["Exclusion", "Job"]


@dataclasses.dataclass
class Exclusion:
    """A hit a clearance or prior-art job left out, and why (in words).

    Examples
    --------
    >>> Exclusion("USD900001S", "United States", "Chair", "expired on 2021-03-02", None).reason
    'expired on 2021-03-02'
    """

    number: str
    authority: str
    title: str
    reason: str
    link: str | None
    expiry: _dt.date | None = None


@dataclasses.dataclass
class Job:
    """What a clearance or prior-art report adds to a search report (see :mod:`.clearance`).

    Sections in the order counsel reads them: ``scope`` (what was searched, for which markets
    and date or cutoff), ``counts``, the table (``rows``), ``comparisons``, ``excluded`` with
    their reasons, ``blind_spots`` and ``disclaimer`` (not a legal opinion).

    Examples
    --------
    >>> job = Job("clearance", "Clearance", "In force on", _dt.date(2027, 1, 1), ["US"], [], [], "Designs", [], [])
    >>> job.kind, job.date.isoformat(), job.comparisons
    ('clearance', '2027-01-01', [])
    """

    kind: str                      # "clearance" or "prior_art"
    purpose: str                   # the job in words
    date_label: str                # "In force on" or "Published before"
    date: _dt.date | None
    markets: list[str]             # authority codes (clearance); empty for prior art
    scope: list[tuple[str, str]]   # what was searched, markets, date, filters, source
    counts: list[tuple[str, str]]  # label -> number (text)
    table_heading: str
    rows: list[Hit]
    excluded: list[Exclusion]
    blind_spots: tuple[str, ...] = ()
    disclaimer: str = ""
    comparisons: list[Any] = dataclasses.field(default_factory=list)  # frame.compare.ThreeWay

"""What a search in the panel is for: explore, clearance or prior art; its markets and date; the accused product.

:class:`PurposeTraits` is the part of :class:`~patsnap_pandas.widgets.state.PanelState`
(which inherits it) that holds the purpose and what it needs, as traits checked as they
change (each message in ``job_errors``, next to its control), and says the purpose in
words. Search runs the job of the purpose (:func:`run_job`):

* **explore**: :func:`~patsnap_pandas.jobs.search.search_designs`, every design that looks alike;
* **clearance**: ``jobs.clearance.clearance`` with ``markets`` and ``on``: the designs in
  force or pending there on that date (the cards and the comparison show in force and
  expiry); the excluded hits are kept in ``excluded``;
* **prior art**: ``jobs.prior_art.prior_art`` with ``before``: designs and utility models
  published before the date; with an accused product's image, the comparison view shows
  the registered design (the query), the accused product and the open hit side by side.

The jobs are looked up when Search runs (:data:`JOB_FUNCTIONS`), so the panel and the
jobs meet only at their data: a frame of kept hits and one of excluded hits.

Examples
--------
>>> import datetime as dt
>>> from patsnap_pandas.widgets.state import PanelState
>>> state = PanelState()
>>> state.purpose = "clearance"
>>> state.job_errors["markets"]
'Clearance: choose the markets where the product will be sold.'
>>> state.markets, state.in_force_on = ("US", "EM"), dt.date(2027, 1, 1)
>>> print(state.purpose_in_words())
Clearance: the registered designs in force or pending on 2027-01-01 in United States, EUIPO (EU designs); the others are set aside, each with its reason.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
from traitlets import Bytes, Dict, Enum, HasTraits, Instance, Tuple, Unicode, observe

from .. import codes
from .._validate import check_choice, check_optional_date
from ..errors import InvalidInputError
from ..frame.words import authority_name

__all__ = ["JOB_FUNCTIONS", "PURPOSES", "PurposeTraits", "check_job", "job_frames", "run_job"]

#: The purposes, as the panel names them.
PURPOSES: dict[str, str] = {"explore": "Explore", "clearance": "Clearance", "prior_art": "Prior art"}
#: Where each purpose's job is, (module, function), looked up when Search runs; or the function itself.
JOB_FUNCTIONS: dict[str, tuple[str, str] | Callable[..., Any]] = {"clearance": ("patsnap_pandas.jobs.clearance", "clearance"),
                                             "prior_art": ("patsnap_pandas.jobs.prior_art", "prior_art")}


def check_job(purpose: str, markets: tuple[str, ...], on: dt.date | None, before: dt.date | None) -> dict[str, str]:
    """Message slot (``markets``, ``date``) -> what is missing or wrong for the purpose; {} when it can run.

    Examples
    --------
    >>> check_job("clearance", ("US", "XX"), dt.date(2027, 1, 1), None)
    {'markets': "Markets: 'XX' is not an office code; pick the markets from the list."}
    >>> check_job("prior_art", (), None, None)
    {'date': 'Prior art: choose the date: evidence must be published before it (the filing or priority date of the design).'}
    """
    errors = {}
    if purpose == "clearance":
        unknown = [m for m in markets if m not in codes.AUTHORITIES]
        if not markets:
            errors["markets"] = "Clearance: choose the markets where the product will be sold."
        elif unknown:
            errors["markets"] = f"Markets: {', '.join(repr(m) for m in unknown)} is not an office code; " \
                                "pick the markets from the list."
        if on is None:
            errors["date"] = "Clearance: choose the date the designs must be in force on."
    elif purpose == "prior_art" and before is None:
        errors["date"] = ("Prior art: choose the date: evidence must be published before it (the filing or "
                          "priority date of the design).")
    return errors


class PurposeTraits(HasTraits):
    """The purpose of the search and what it needs, as traits (a part of ``PanelState``).

    Attributes
    ----------
    purpose : {"explore", "clearance", "prior_art"}
    markets : tuple of str
        Clearance: the markets, as office codes (``EM`` for the EU).
    in_force_on : date or None
        Clearance: the date the designs must be in force on (today when clearance is chosen).
    published_before : date or None
        Prior art: the cutoff; evidence was published before it.
    accused_image, accused_name : bytes or None, str
        Prior art: the accused product's image, for the three-way comparison.
    excluded : DataFrame or None
        The hits the last clearance or prior-art search set aside, with their reasons.
    job_errors : dict
        Message slot (``markets``, ``date``) -> what is missing for the purpose.

    Examples
    --------
    >>> class Form(PurposeTraits):
    ...     pass
    >>> form = Form()
    >>> form.set_purpose("prior_art", before="2019-06-01")
    >>> form.job_errors, form.job_provenance()["before"]
    ({}, datetime.date(2019, 6, 1))
    """

    purpose = Enum(tuple(PURPOSES), default_value="explore")
    markets = Tuple()
    in_force_on = Instance(dt.date, allow_none=True)
    published_before = Instance(dt.date, allow_none=True)
    accused_image = Bytes(None, allow_none=True)
    accused_name = Unicode("")
    excluded = Instance(pd.DataFrame, allow_none=True)
    job_errors = Dict(value_trait=Unicode(), key_trait=Unicode())

    @observe("purpose", "markets", "in_force_on", "published_before")
    def _check_job(self, change: Any = None) -> None:
        if self.purpose == "clearance" and self.in_force_on is None:
            self.in_force_on = dt.date.today()  # observed again: the check runs then
            return
        self.job_errors = check_job(self.purpose, tuple(self.markets), self.in_force_on, self.published_before)

    def set_purpose(self, purpose: str, *, markets: Any = (), on: Any = None, before: Any = None) -> None:
        """Choose the purpose and what it needs at once (checked: a bad value raises ``InvalidInputError``)."""
        purpose = check_choice(purpose, "purpose", tuple(PURPOSES), what="purpose")
        items = markets.split(",") if isinstance(markets, str) else list(markets or ())
        chosen = tuple(str(m).strip().upper() for m in items if str(m).strip())
        problem = check_job("clearance", chosen, dt.date.today(), None).get("markets") if chosen else None
        if problem:
            raise InvalidInputError(f"markets={markets!r} is not valid: {problem}")
        on, before = check_optional_date(on, "on"), check_optional_date(before, "before")  # all checked first
        with self.hold_trait_notifications():
            self.markets, self.in_force_on, self.published_before = chosen, on, before
            self.purpose = purpose

    def purpose_in_words(self) -> str:
        """What Search will look for, in words (or what it still needs)."""
        errors = check_job(self.purpose, tuple(self.markets), self.in_force_on, self.published_before)
        if errors:
            return " ".join(errors.values())
        if self.purpose == "clearance":
            places = ", ".join(authority_name(m) for m in self.markets)
            assert self.in_force_on is not None  # checked
            return (f"Clearance: the registered designs in force or pending on {self.in_force_on.isoformat()} in "
                    f"{places}; the others are set aside, each with its reason.")
        if self.purpose == "prior_art":
            assert self.published_before is not None  # checked
            return (f"Prior art: registered designs and utility models published before "
                    f"{self.published_before.isoformat()}, whatever their status.")
        return "Explore: every registered design that looks like the query, whatever its status or market."

    def set_accused(self, image: bytes | None, name: str = "accused product") -> None:
        """The accused product's image for the three-way comparison (None: none); no call."""
        if image is not None and not isinstance(image, (bytes, bytearray)):
            raise InvalidInputError(f"image={type(image).__name__} is not valid: expected the bytes of an image, "
                                    "or None.")
        with self.hold_trait_notifications():
            self.accused_image = bytes(image) if image is not None else None  # type: ignore[assignment]
            self.accused_name = name if image is not None else ""

    def job_provenance(self) -> dict[str, Any]:
        """What a report says about the purpose: markets and date, or the cutoff."""
        if self.purpose == "clearance":
            return {"markets": list(self.markets), "on": self.in_force_on}
        if self.purpose == "prior_art":
            return {"before": self.published_before, "utility_models": True}
        return {}


def job_frames(result: Any) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(kept, excluded) of what a job returned: an object with ``kept`` and ``excluded``, a pair, or one frame.

    Examples
    --------
    >>> kept, excluded = job_frames((pd.DataFrame({"a": [1]}), None))
    >>> len(kept), excluded is None
    (1, True)
    """
    if isinstance(result, pd.DataFrame):
        return result, None
    if isinstance(result, tuple) and len(result) == 2:
        return result[0], result[1]
    kept, excluded = getattr(result, "kept", None), getattr(result, "excluded", None)
    if isinstance(kept, pd.DataFrame) and (excluded is None or isinstance(excluded, pd.DataFrame)):
        return kept, excluded
    raise TypeError(f"the job returned {type(result).__name__}: expected .kept and .excluded frames")


def job_function(purpose: str) -> Callable[..., Any]:
    """The job of ``purpose`` (:data:`JOB_FUNCTIONS`); a clear error when this version has none."""
    where = JOB_FUNCTIONS[purpose]
    if callable(where):
        return where
    module_name, name = where
    try:
        function = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError):
        raise InvalidInputError(f"{PURPOSES[purpose]} needs {module_name}.{name}, which this version of "
                                "patsnap-pandas does not have; choose Explore.") from None
    return function


def run_job(state: PurposeTraits, image: Any, label: str | None, client: Any, limit: int,
            filters: Mapping[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Search for the state's purpose (billed): (hits to show, hits set aside; None for explore).

    Examples
    --------
    >>> from patsnap_pandas import PatsnapClient, samples
    >>> from patsnap_pandas.widgets.state import PanelState
    >>> with PatsnapClient.sandbox() as client:
    ...     hits, aside = run_job(PanelState(), samples.image("armchair"), None, client, 3, {})
    >>> len(hits), aside is None
    (3, True)
    """
    from ..jobs.search import search_designs

    if state.job_errors:
        raise InvalidInputError(" ".join(state.job_errors.values()))
    if state.purpose == "explore":
        return search_designs(image, client=client, limit=limit, label=label, **filters), None
    job = job_function(state.purpose)
    dated = {"markets": list(state.markets), "on": state.in_force_on} if state.purpose == "clearance" else \
        {"before": state.published_before}
    kept, excluded = job_frames(job(image, client=client, limit=limit, label=label, **dated, **filters))
    return kept, excluded if excluded is not None else kept.iloc[0:0]  # a job's results: never None

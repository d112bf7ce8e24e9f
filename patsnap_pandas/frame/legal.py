"""Legal status, events and expiry as columns: PatSnap's answers (P012, P013) turned into words and dates.

No HTTP here: :mod:`patsnap_pandas.jobs.legal` fetches the answers and hands them in.

* :func:`status_code` reads a P013 legal-status label (``"Non-Payment"``, ``"Revoked"``, and other
  spellings such as ``"Lapsed"`` or ``"Invalidated"``) as a ``codes.LEGAL_STATUS`` code.
* :func:`state_on` is the legal status on a date: from P013's dated events when it sends them,
  else its current status and ``legal_date``.
* :func:`events_in_words` says the transfers and licences (P013 ``event_status``) in words.
* :func:`expiry_row` applies the office's term rule (:func:`~patsnap_pandas.frame.terms.estimate_expiry`)
  over the legal status, beside PatSnap's own estimate (P012 ``exdt``); :func:`expiry_frame`
  makes the typed columns of many rows (:data:`COLUMNS`); :func:`simple_status_frame` makes them from
  P041's simple status alone (``enrich(legal_status=True)``: the panel's *Add owners and legal status*).

Examples
--------
>>> legal = {"legal_status": ["Non-Payment"], "legal_date": 20200311,
...          "legal_events": [{"date": 20150310, "type": "Examining", "category": "legal_status"},
...                           {"date": 20150901, "type": "Granted", "category": "legal_status"},
...                           {"date": 20200311, "type": "Non-Payment", "category": "legal_status"}]}
>>> row = expiry_row("EM", filing_date=20150310, grant_date=20150901, exdt=20400310, patent_legal=legal,
...                  on="2026-12-01")
>>> row["in_force"], row["in_force_reason"]
('lapsed', 'legal status: annual fee unpaid, since 2020-03-11')
>>> expiry_row("EM", filing_date=20150310, grant_date=20150901, exdt=20400310, patent_legal=legal,
...            on="2019-06-01")["in_force"]
'in force'
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .. import codes
from .._validate import check_optional_date
from ..errors import InvalidInputError
from .format import is_missing
from .parties import date_of
from .terms import STATUS_EFFECT, estimate_expiry

__all__ = ["COLUMNS", "DISAGREE_DAYS", "LegalState", "check_on", "events_in_words", "expiry_frame", "expiry_row",
           "simple_status_frame", "state_on", "status_code"]

#: Our expiry and PatSnap's (P012 ``exdt``) further apart than this many days: ``expiry_differs``.
DISAGREE_DAYS = 31

#: The columns :func:`expiry_frame` makes, in order, with their dtypes.
COLUMNS: dict[str, str] = {
    "legal_status": "string",
    "legal_status_date": "datetime64[ns]",
    "simple_legal_status": "string",
    "legal_events": "string",
    "expiry_estimate": "datetime64[ns]",
    "expiry_rule": "string",
    "expiry_certainty": "string",
    "expiry_patsnap": "datetime64[ns]",
    "expiry_differs": "boolean",
    "next_renewal": "string",
    "next_renewal_due": "datetime64[ns]",
    "in_force": "string",
    "in_force_reason": "string",
}

_EARLIEST, _LATEST = dt.date(1800, 1, 1), dt.date(2199, 12, 31)


def check_on(value: Any) -> dt.date:
    """The date a legal status is asked about: ``on`` as a date (None: today); bad input names ``on``.

    Examples
    --------
    >>> check_on("2027-01-01"), check_on(20270101)
    (datetime.date(2027, 1, 1), datetime.date(2027, 1, 1))
    >>> check_on("next year")
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.InvalidInputError: on='next year' is not valid: not a date in a known format. ...
    """
    return check_optional_date(value, "on", _EARLIEST, _LATEST) or dt.date.today()


def _key(text: str) -> str:
    return " ".join(re.sub(r"[-_]", " ", text.lower()).split())


# A P013 label, a legal status name or an alias -> its code (P013's own labels first).
_CODES: dict[str, int] = {
    **{_key(name): code for code, name in codes.LEGAL_STATUS_EXTENDED.items()},
    **{_key(alias): code for alias, code in codes.LEGAL_STATUS_ALIASES.items()},
    **{_key(label): code for code, label in codes.LEGAL_STATUS_LABELS.items()},
}


def status_code(label: Any) -> int | str | None:
    """The ``codes.LEGAL_STATUS`` code of a P013 label, or a simple status name; None when it is neither.

    Case, hyphens and underscores are ignored, so PatSnap's ``Non-Payment`` and other
    spellings (``lapsed``, ``invalidated``) are read alike.

    Examples
    --------
    >>> status_code("Non-Payment"), status_code("Lapsed"), status_code("Revoked"), status_code("Invalidated")
    (16, 16, 14, 14)
    >>> status_code("Inactive"), status_code("Opposition") is None
    ('inactive', True)
    """
    if isinstance(label, int) and not isinstance(label, bool):
        return label if label in codes.LEGAL_STATUS_EXTENDED else None
    if not isinstance(label, str) or not label.strip():
        return None
    key = _key(label)
    if key.isdigit():
        return int(key) if int(key) in codes.LEGAL_STATUS_EXTENDED else None
    if key in _CODES:
        return _CODES[key]
    return key if key in STATUS_EFFECT else None


@dataclass(frozen=True)
class LegalState:
    """The legal status on a date, as :func:`~patsnap_pandas.frame.terms.estimate_expiry` takes it.

    ``status``: a legal-status code or simple status name (None: none known on that date);
    ``label``: PatSnap's words for it; ``since``: when it took effect (None: not given).

    Examples
    --------
    >>> state_on({"legal_status": ["Granted"], "legal_date": 20200101}, dt.date(2026, 1, 1))
    LegalState(status=3, label='Granted', since=datetime.date(2020, 1, 1))
    """

    status: int | str | list[int | str] | None
    label: str | None
    since: dt.date | None


def _date(value: Any) -> dt.date | None:
    """PatSnap's ``YYYYMMDD`` (or ISO text) as a date; None when missing or unreadable."""
    try:
        return check_optional_date(value, "date", _EARLIEST, _LATEST)
    except InvalidInputError:
        return None


def _labels(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value if isinstance(value, (list, tuple)) else []
    return [item.strip() for item in items if isinstance(item, str) and item.strip()]


def state_on(patent_legal: Mapping[str, Any] | None, on: dt.date) -> LegalState:
    """The legal status on ``on`` of one P013 ``patent_legal``.

    With dated ``legal_events``: the last status event on or before ``on`` (none before the
    first: the dates decide). Without them: the current ``legal_status`` (else
    ``simple_legal_status``) since ``legal_date``; :func:`~patsnap_pandas.frame.terms.estimate_expiry`
    then judges an earlier ``on`` by the rule.

    Examples
    --------
    >>> legal = {"legal_status": ["Expired"], "legal_date": 20280225,
    ...          "legal_events": [{"date": 20180224, "type": "Examining", "legal_status_code": 2},
    ...                           {"date": 20180601, "type": "Granted", "legal_status_code": 3},
    ...                           {"date": 20280225, "type": "Expired", "legal_status_code": 15}]}
    >>> state_on(legal, dt.date(2027, 1, 1)).label, state_on(legal, dt.date(2029, 1, 1)).label
    ('Granted', 'Expired')
    >>> state_on(legal, dt.date(2017, 1, 1)), state_on(None, dt.date(2017, 1, 1)).status is None
    (LegalState(status=None, label=None, since=None), True)
    """
    if not isinstance(patent_legal, Mapping):
        return LegalState(None, None, None)
    events = [e for e in patent_legal.get("legal_events") or [] if isinstance(e, Mapping)]
    dated = [(day, code, str(e.get("type") or "")) for e in events
             if (day := _date(e.get("date"))) is not None
             and (code := _event_status(e)) is not None]
    if dated:
        before = [item for item in dated if item[0] <= on]
        if not before:
            return LegalState(None, None, None)
        day, code, label = max(before, key=lambda item: item[0])  # stable: the last listed of that day
        return LegalState(code, label or None, day)
    since = _date(patent_legal.get("legal_date"))
    for field in ("legal_status", "simple_legal_status"):
        found = [(status_code(label), label) for label in _labels(patent_legal.get(field))]
        known = [(code, label) for code, label in found if code is not None]
        if known:
            status: int | str | list[int | str] | None = [c for c, _ in known if c is not None]
            return LegalState(status if len(known) > 1 else known[0][0],
                              "; ".join(label for _, label in known), since)
    return LegalState(None, None, None)


def _event_status(event: Mapping[str, Any]) -> int | str | None:
    """The status a P013 event sets (None for a transfer, a licence or an unknown label)."""
    code = event.get("legal_status_code")
    if isinstance(code, int) and not isinstance(code, bool) and code in codes.LEGAL_STATUS_EXTENDED:
        return code
    if event.get("category") == "event_status" or event.get("type") in codes.EVENT_STATUS:
        return None
    return status_code(event.get("type"))


def _names(parties: Any) -> str:
    names = [p.get("name") if isinstance(p, Mapping) else p for p in parties or []]
    return ", ".join(n.strip() for n in names if isinstance(n, str) and n.strip()) or "?"


def _event_words(event: Mapping[str, Any]) -> str | None:
    kind = event.get("type")
    if not isinstance(kind, str) or _event_status(event) is not None:
        return None
    day = _date(event.get("date"))
    when = day.isoformat() if day else "undated"
    if kind == "Transfer":
        return f"{when} transferred from {_names(event.get('assignors'))} to {_names(event.get('assignees'))}"
    if kind == "License":
        return f"{when} licensed by {_names(event.get('licensors'))} to {_names(event.get('licensees'))}"
    return f"{when} {kind.lower().replace('-', ' ')}"


def events_in_words(patent_legal: Mapping[str, Any] | None) -> str | None:
    """The legal events of one P013 ``patent_legal`` that are not status changes (transfers, licences...), in words.

    Examples
    --------
    >>> print(events_in_words({"event_status": ["Transfer", "License"], "legal_events": [
    ...     {"date": 20211210, "type": "Transfer", "category": "event_status",
    ...      "assignors": [{"name": "Aurora GmbH"}], "assignees": [{"name": "Solvay BV"}]},
    ...     {"date": 20260826, "type": "License", "category": "event_status",
    ...      "licensors": [{"name": "Solvay BV"}], "licensees": [{"name": "Kowloon Ltd."}]}]}))
    2021-12-10 transferred from Aurora GmbH to Solvay BV; 2026-08-26 licensed by Solvay BV to Kowloon Ltd.
    >>> events_in_words({"event_status": ["Transfer"]}), events_in_words({"event_status": []})
    ('Transfer (no dates given)', None)
    """
    if not isinstance(patent_legal, Mapping):
        return None
    events = [e for e in patent_legal.get("legal_events") or [] if isinstance(e, Mapping)]
    words = [w for e in events if (w := _event_words(e))]
    if words:
        return "; ".join(words)
    kinds = _labels(patent_legal.get("event_status"))
    return f"{', '.join(kinds)} (no dates given)" if kinds else None


def expiry_row(authority: Any, *, filing_date: Any, grant_date: Any, exdt: Any,
               patent_legal: Mapping[str, Any] | None, on: Any) -> dict[str, Any]:
    """The values of :data:`COLUMNS` for one design: its legal status on ``on``, the rule's expiry, PatSnap's.

    The grant date stands for the registration date where a rule counts from registration
    (P012 gives no other). Dates the rule cannot use (a grant before the filing, ...) give
    ``unknown`` with the reason, never an error: one bad record does not stop a frame.

    Examples
    --------
    >>> row = expiry_row("US", filing_date=20150512, grant_date=20160301, exdt=20300301,
    ...                  patent_legal={"legal_status": ["Granted"], "legal_date": 20160301}, on="2026-12-01")
    >>> row["in_force"], row["expiry_estimate"], row["expiry_differs"]
    ('in force', datetime.date(2030, 3, 1), False)
    >>> expiry_row(None, filing_date=None, grant_date=None, exdt=None, patent_legal=None, on="2026-12-01")["in_force"]
    'unknown'
    """
    day = check_on(on)
    legal = patent_legal if isinstance(patent_legal, Mapping) else None
    state = state_on(legal, day)
    row: dict[str, Any] = {
        "legal_status": ("; ".join(_labels(legal.get("legal_status"))) or None) if legal else None,
        "legal_status_date": _date(legal.get("legal_date")) if legal else None,
        "simple_legal_status": ("; ".join(_labels(legal.get("simple_legal_status"))) or None) if legal else None,
        "legal_events": events_in_words(legal),
    }
    patsnap = _date(exdt)
    if not isinstance(authority, str) or not authority.strip():
        return {**row, **_unknown("no office: the authority is not known"), "expiry_patsnap": patsnap}
    filing, grant = _date(filing_date), _date(grant_date)
    try:
        found = estimate_expiry(authority, filing_date=filing, grant_date=grant, registration_date=grant,
                                legal_status=state.status, status_date=state.since, on=day)
    except InvalidInputError as err:
        return {**row, **_unknown(f"the dates cannot be used: {err}"), "expiry_patsnap": patsnap}
    renewal = found.next_renewal
    return {**row, "expiry_estimate": found.expiry, "expiry_rule": found.rule, "expiry_certainty": found.certainty,
            "expiry_patsnap": patsnap, "expiry_differs": _differs(found.expiry, patsnap),
            "next_renewal": renewal.words if renewal else None, "next_renewal_due": renewal.due if renewal else None,
            "in_force": found.in_force, "in_force_reason": found.reason}


def _unknown(reason: str) -> dict[str, Any]:
    return {"expiry_estimate": None, "expiry_rule": None, "expiry_certainty": f"unknown: {reason}",
            "expiry_differs": None, "next_renewal": None, "next_renewal_due": None, "in_force": "unknown",
            "in_force_reason": reason}


def _differs(ours: dt.date | None, patsnap: dt.date | None) -> bool | None:
    if ours is None or patsnap is None:
        return None
    return abs((ours - patsnap).days) > DISAGREE_DAYS


def expiry_frame(rows: Sequence[Mapping[str, Any] | None], index: Iterable[Any] | None = None) -> pd.DataFrame:
    """The typed columns of :data:`COLUMNS` from :func:`expiry_row` values (None: a row not looked up, all missing).

    Examples
    --------
    >>> row = expiry_row("CN", filing_date=20180224, grant_date=20180601, exdt=20280224,
    ...                  patent_legal={"legal_status": ["Granted"]}, on="2026-12-07")
    >>> frame = expiry_frame([row, None])
    >>> frame["in_force"].tolist(), str(frame["expiry_estimate"].dtype), frame["expiry_differs"].tolist()
    (['in force', <NA>], 'datetime64[ns]', [False, <NA>])
    """
    index = list(index) if index is not None else list(range(len(rows)))
    columns = {}
    for name, dtype in COLUMNS.items():
        values = [row.get(name) if row is not None else None for row in rows]
        if dtype.startswith("datetime"):
            values = [pd.Timestamp(v) if v is not None else None for v in values]
        columns[name] = pd.Series(values, index=index, dtype=dtype)
    return pd.DataFrame(columns, index=index)


def simple_status_frame(df: pd.DataFrame, on: Any) -> pd.DataFrame:
    """The columns of :data:`COLUMNS` for rows that carry P041's ``simple_legal_status`` (``enrich(legal_status=True)``).

    The office's term rule over the simple status ("Active", "Inactive", "Pending"), the
    dates of :func:`~patsnap_pandas.frame.parties.date_of` and the row's ``authority``;
    a row without a simple status is left all missing (not looked up). Coarser than
    :func:`expiry_row` over P013's dated events (``df.patsnap.in_force``): no lapse date.

    Examples
    --------
    >>> df = pd.DataFrame({"authority": ["US", "CN"], "apply_date": ["2015-05-12", None],
    ...                    "grant_date": ["2016-03-01", None], "simple_legal_status": ["Active", None]})
    >>> frame = simple_status_frame(df, on="2026-12-01")
    >>> frame["in_force"].tolist(), str(frame.at[0, "expiry_estimate"].date())
    (['in force', <NA>], '2030-03-01')
    """
    day = check_on(on)
    rows: list[dict[str, Any] | None] = []
    for row in df.to_dict("records"):
        value = row.get("simple_legal_status")
        status = [] if is_missing(value) else _labels(str(value).split(";"))
        if not status:
            rows.append(None)
            continue
        rows.append(expiry_row(row.get("authority"), filing_date=date_of(row, "applied"),
                               grant_date=date_of(row, "granted"), exdt=None,
                               patent_legal={"simple_legal_status": status}, on=day))
    return expiry_frame(rows, index=df.index)

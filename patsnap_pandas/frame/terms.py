"""Registered-design term rules as data, and the expiry estimate they give.

The rules, one per office, are data in :mod:`patsnap_pandas.frame.term_rules`
(``RULES``). :func:`estimate_expiry` applies a rule to one design's dates and legal
status: an estimated expiry, the rule in words, how certain it is, the next renewal,
and whether the design is in force on a date.

The figure is an estimate. A right lapses early when a renewal is not paid or it is
invalidated (legal status says so, and overrides the rule), and it can be restored or
extended. Where no rule applies, or a date the rule needs is missing, the answer is
"unknown", never a guess. The facts and their sources: docs/clearance.md, "How expiry
is estimated".

Dates: an expiry is the anniversary of its start date (the date registers print); the
right is counted as in force until the end of that day. A 29 February start ends on
28 February in a common year (Hague Common Regulations rule 4(1)(a); PCT rule 80.3).

Examples
--------
>>> e = estimate_expiry("US", filing_date="2015-05-13", grant_date=20170103, on="2026-12-01")
>>> e.expiry, e.certainty, e.in_force
(datetime.date(2032, 1, 3), 'rule', 'in force')
>>> print(e.rule)
US design patent filed on or after 2015-05-13: 15 years from grant (35 USC 173)
"""

from __future__ import annotations

import datetime as dt
import numbers
from dataclasses import dataclass
from typing import Any

from .._validate import check_optional_date, invalid
from ..codes import LEGAL_STATUS_ALIASES, LEGAL_STATUS_EXTENDED
from .term_rules import ALIASES, RULES, Renewal, Rule, Start, Term, add_years

__all__ = ["ExpiryEstimate", "NextRenewal", "STATUS_EFFECT", "estimate_expiry"]

# --- the estimate ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class NextRenewal:
    """The next renewal due on or after the date asked about: ``number`` is the renewal's count
    (for annual fees, the year it pays for), ``words`` says it with the grace period and caveats.

    Examples
    --------
    >>> due = estimate_expiry("GB", filing_date="2012-02-29", on="2022-03-01").next_renewal
    >>> due.due, due.number
    (datetime.date(2027, 2, 28), 3)
    """

    due: dt.date
    number: int
    words: str


@dataclass(frozen=True)
class ExpiryEstimate:
    """What :func:`estimate_expiry` found: the figure, the rule behind it and the state on ``on``.

    ``str()`` gives it in words, as a report would show it.

    Examples
    --------
    >>> print(estimate_expiry("CN", filing_date=20210531, grant_date=20211109, on="2031-06-01"))
    CN: expired on 2031-06-01 (the term ended on 2031-05-31)
    estimated expiry 2031-05-31 [rule]: CN design patent filed before 2021-06-01: 10 years from filing, if the annual fees are paid (Patent Law Art. 42 before the 2020 amendment)
    """

    authority: str
    on: dt.date
    expiry: dt.date | None
    rule: str
    certainty: str
    in_force: str
    reason: str
    next_renewal: NextRenewal | None
    ended: dt.date | None
    sources: tuple[str, ...]

    def __str__(self) -> str:
        expiry = self.expiry.isoformat() if self.expiry else "unknown"
        lines = [f"{self.authority}: {self.in_force} on {self.on.isoformat()} ({self.reason})",
                 f"estimated expiry {expiry} [{self.certainty}]: {self.rule}"]
        if self.next_renewal:
            lines.append(f"next renewal: {self.next_renewal.words}")
        return "\n".join(lines)


class _Missing(Exception):
    """A date the rule needs is missing (its name is the message)."""


@dataclass(frozen=True)
class _Dates:
    filing: dt.date | None
    grant: dt.date | None
    registration: dt.date | None

    def of(self, start: Start) -> dt.date:
        day: dt.date | None = getattr(self, start)
        if day is None:
            raise _Missing(f"{start} date")
        return day


_EARLIEST, _LATEST = dt.date(1800, 1, 1), dt.date(2199, 12, 31)


def estimate_expiry(authority: str, *, filing_date: Any = None, grant_date: Any = None,
                    registration_date: Any = None, legal_status: Any = None, status_date: Any = None,
                    on: Any = None, designation: str | None = None) -> ExpiryEstimate:
    """Estimate when a registered design expires, and whether it is in force on a date.

    Parameters
    ----------
    authority : str
        The office's code as PatSnap writes it (``"US"``, ``"EM"``, ``"CN"``...). ``"EU"`` is
        read as ``"EM"``, ``"DM"`` as ``"WO"`` (Hague). An office without a rule gives
        certainty ``"unknown: no rule for this office"``.
    filing_date, grant_date, registration_date : date, str or int, optional
        ``datetime.date``, ``"YYYY-MM-DD"`` or PatSnap's ``YYYYMMDD``; None (or NaN/NaT) when
        not known. Which ones a rule needs: the filing date mostly; the grant date in the US;
        the registration date for CA, and for JP and KR rights filed before their change.
    legal_status : int, str or list, optional
        PatSnap's legal status: a ``legal_status`` code or name (``16``, ``"expired"``,
        ``"Granted"``), or a simple status name (``"Inactive"``, ``"Pending"``). A status that
        ends the right (lapsed, withdrawn, revoked, expired, inactive...) overrides the rule.
    status_date : date, str or int, optional
        When that status took effect; without it an ending status holds from today on.
    on : date, str or int, optional
        The date asked about; today when None.
    designation : str, optional
        For a Hague registration, the designated office whose national term applies.

    Returns
    -------
    ExpiryEstimate
        ``expiry`` (or None), ``rule`` in words, ``certainty`` (``"rule"``, ``"rule, transition
        assumed"``, ``"rule, minimum term"`` or ``"unknown: ..."``), ``in_force`` on ``on``
        (``"in force"``, ``"expired"``, ``"lapsed"``, ``"pending"``, ``"not yet filed"`` or
        ``"unknown"``) with a ``reason``, ``next_renewal``, ``ended`` (the status date of a
        lapse) and ``sources``.

    Examples
    --------
    >>> e = estimate_expiry("EM", filing_date=20120229, legal_status="rights terminated",
    ...                     status_date="2017-02-28", on="2020-01-01")
    >>> e.expiry, e.in_force, e.ended
    (datetime.date(2037, 2, 28), 'lapsed', datetime.date(2017, 2, 28))
    >>> estimate_expiry("BR", filing_date="2020-01-01", on="2026-01-01").certainty
    'unknown: no rule for this office'
    """
    code = _authority(authority, "authority")
    given = {"filing": filing_date, "grant": grant_date, "registration": registration_date}
    dates = _Dates(**{name: _date(value, f"{name}_date") for name, value in given.items()})
    _check_order(dates, given)
    day = _date(on, "on") or dt.date.today()
    status = _status(legal_status)
    ended = _date(status_date, "status_date")
    if ended is not None and status is None:
        raise invalid("status_date", status_date, "given without legal_status", "a date with a legal_status")
    if designation is not None and (code != "WO" or _authority(designation, "designation") == "WO"):
        raise invalid("designation", designation, f"authority {code!r} with designation {designation!r}",
                      "None, or the code of a designated office when authority is 'WO' (or 'DM')")
    expiry, rule, certainty, renewal, sources = _apply(code, dates, designation)
    state, reason = _state(day, dates, expiry, certainty, status, ended)
    lapsed = ended if status and status[0] in _ENDING else None
    due = _next_renewal(renewal, dates, day, expiry) if state == "in force" else None
    return ExpiryEstimate(code, day, expiry, rule, certainty, state, reason, due, lapsed, sources)


def _authority(value: Any, name: str) -> str:
    if not isinstance(value, str) or len(value.strip()) != 2 or not value.strip().isalpha():
        raise invalid(name, value, "not an authority code", "a two-letter office code such as 'US', 'EM', 'CN'")
    code = value.strip().upper()
    return ALIASES.get(code, code)


def _date(value: Any, name: str) -> dt.date | None:
    return check_optional_date(value, name, _EARLIEST, _LATEST)


def _check_order(dates: _Dates, given: dict[str, Any]) -> None:
    for name in ("grant", "registration"):
        day = getattr(dates, name)
        if dates.filing and day and day < dates.filing:
            raise invalid(f"{name}_date", given[name], f"before filing_date {dates.filing.isoformat()}",
                          "a date on or after the filing date")


Applied = tuple[dt.date | None, str, str, Renewal | None, tuple[str, ...]]


def _apply(code: str, dates: _Dates, designation: str | None) -> Applied:
    """(expiry, rule in words, certainty, renewal, sources) of one office's rule for these dates."""
    rule = RULES.get(code)
    if rule is None:
        return None, f"{code}: no term rule is known for this office", "unknown: no rule for this office", None, ()
    if designation is not None:
        return _designated(rule, _authority(designation, "designation"), dates)
    try:
        term, head = _pick(rule, dates)
        expiry = max(add_years(dates.of(start), years) for years, start in term.parts())
    except _Missing as missing:
        words = f"{rule.authority} {rule.right}: the rule needs the {missing}"
        return None, words, f"unknown: {missing} missing", rule.renewal, rule.sources
    certainty = "rule, minimum term" if rule.minimum else "rule, transition assumed" if rule.assumed else "rule"
    least = "at least " if rule.minimum else ""
    words = f"{head}: {least}{term.words()}{rule.renewal.condition()} ({term.cite})"
    return expiry, words, certainty, rule.renewal, rule.sources


def _pick(rule: Rule, dates: _Dates) -> tuple[Term, str]:
    """The term that applies, and the words that say why (``"US design patent filed before ..."``)."""
    name = f"{rule.authority} {rule.right}"
    if rule.changed is None or rule.before is None:
        return rule.term, name
    changed = rule.changed.isoformat()
    if rule.decided_by == "running":
        old_end = add_years(dates.of("filing"), rule.before.years)
        if old_end >= rule.changed:
            return rule.term, f"{name} still in force on {changed}"
        return rule.before, f"{name} whose term ended before {changed}"
    if dates.filing is not None:
        if dates.filing >= rule.changed:
            return rule.term, f"{name} filed on or after {changed}"
        return rule.before, f"{name} filed before {changed}"
    later = [d for d in (dates.grant, dates.registration) if d is not None]
    if later and min(later) < rule.changed:  # granted or registered before the change: filed before it too
        return rule.before, f"{name} filed before {changed} (granted or registered {min(later).isoformat()})"
    raise _Missing("filing date")


def _designated(hague: Rule, office: str, dates: _Dates) -> Applied:
    """A Hague registration in one designated party: its national term, at least 15 years, renewed with WIPO."""
    head = f"WO international registration designating {office}"
    floor = add_years(dates.filing, hague.term.years) if dates.filing else None
    expiry, words, certainty, _, sources = _apply(office, dates, None)
    if expiry is not None and (floor is None or expiry >= floor):
        return expiry, f"{head}, under its law: {words}", certainty, hague.renewal, hague.sources + sources
    if floor is None:
        return None, f"{head}: the rule needs the filing date", "unknown: filing date missing", hague.renewal, hague.sources
    minimum = f"{head}: at least {hague.term.years} years from filing ({hague.term.cite})"
    return floor, minimum, "rule" if expiry is not None else "rule, minimum term", hague.renewal, hague.sources


# --- legal status ------------------------------------------------------------------------------------

#: What a legal status says of the right: "in force", "pending", "lapsed", "expired" or "undetermined".
#: Keys: the ``legal_status`` codes (``codes.LEGAL_STATUS_EXTENDED``) and the simple statuses by name
#: (``codes.SIMPLE_LEGAL_STATUS``: their codes 0, 1, 2 would clash with legal_status 1 and 2).
STATUS_EFFECT: dict[int | str, str] = {
    1: "pending", 2: "pending", 3: "in force", 8: "lapsed", 11: "lapsed", 12: "lapsed", 13: "lapsed",
    14: "lapsed", 15: "expired", 16: "lapsed", 17: "lapsed", 18: "lapsed", 19: "lapsed", 20: "lapsed",
    21: "in force", 22: "lapsed", 23: "in force", 24: "lapsed", 25: "lapsed", 30: "lapsed",
    222: "pending", 223: "pending", 224: "lapsed", 225: "lapsed",
    "inactive": "lapsed", "active": "in force", "pending": "pending", "pct designated stage expired": "lapsed",
    "pct designated stage": "pending", "undetermined": "undetermined",
}
_NAMES: dict[str, int] = {**{name.lower(): code for code, name in LEGAL_STATUS_EXTENDED.items()}, **LEGAL_STATUS_ALIASES}
_ENDING = ("expired", "lapsed")
_STATUS_ALLOWED = ("a legal_status code or name (3 or 'granted', 16 or 'annual fee unpaid', ...), a simple status "
                   "name ('active', 'inactive', 'pending', 'undetermined'), or a list of them")


def _status(value: Any) -> tuple[str, str] | None:
    """(effect, status in words) of PatSnap's legal status; of a list, the one that decides."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    found = [_one_status(item) for item in (value if isinstance(value, (list, tuple)) else [value])]
    for effect, label in found:
        if label == LEGAL_STATUS_EXTENDED[21]:  # rights restored: in force again, whatever came before
            return effect, label
    for wanted in ("expired", "lapsed", "in force", "pending", "undetermined"):
        for effect, label in found:
            if effect == wanted:
                return effect, label
    return None


def _one_status(item: Any) -> tuple[str, str]:
    text = item.strip().lower() if isinstance(item, str) else None
    if isinstance(item, numbers.Integral) and not isinstance(item, bool):
        code: int | None = int(item)
    elif text is not None:
        code = int(text) if text.isdigit() else _NAMES.get(text)
        if code is None and text in STATUS_EFFECT:
            return STATUS_EFFECT[text], text
    else:
        code = None
    if code in STATUS_EFFECT and code in LEGAL_STATUS_EXTENDED:
        return STATUS_EFFECT[code], LEGAL_STATUS_EXTENDED[code]
    raise invalid("legal_status", item, "not a PatSnap legal status", _STATUS_ALLOWED)


# --- in force on a date, and the next renewal ----------------------------------------------------------

def _state(day: dt.date, dates: _Dates, expiry: dt.date | None, certainty: str,
           status: tuple[str, str] | None, ended: dt.date | None) -> tuple[str, str]:
    """(in force on ``day``, the reason in words): legal status first, then the rule."""
    ending = _ending(day, status, ended)
    if ending:
        return ending
    if dates.filing and day < dates.filing:
        return "not yet filed", f"filed on {dates.filing.isoformat()}"
    if status and status[0] == "pending":
        return "pending", f"legal status: {status[1]}"
    arises = min((d for d in (dates.grant, dates.registration) if d is not None), default=None)
    if arises and day < arises:
        return "pending", f"granted or registered on {arises.isoformat()}"
    if expiry is None:
        return "unknown", f"no expiry: {certainty.removeprefix('unknown: ')}"
    if day > expiry:
        if certainty == "rule, minimum term":
            return "unknown", (f"past the minimum term, which ended on {expiry.isoformat()}: in force after it only "
                               "where a designated party allows more and it was renewed")
        return "expired", f"the term ended on {expiry.isoformat()}"
    return "in force", _in_force_reason(expiry, status, ended)


def _ending(day: dt.date, status: tuple[str, str] | None, ended: dt.date | None) -> tuple[str, str] | None:
    if status is None or status[0] not in _ENDING:
        return None
    effect, label = status
    if ended is not None:
        return (effect, f"legal status: {label}, since {ended.isoformat()}") if day >= ended else None
    if day >= dt.date.today():
        return effect, f"legal status: {label} (its date not given)"
    return "unknown", f"legal status: {label}, its date not given: in force on {day.isoformat()} only if it ended later"


def _in_force_reason(expiry: dt.date, status: tuple[str, str] | None, ended: dt.date | None) -> str:
    text = f"within the term, which ends on {expiry.isoformat()}"
    if status and status[0] in _ENDING and ended:
        return f"{text}; {status[1]} later, on {ended.isoformat()}"
    if status and status[0] == "in force":
        return f"legal status: {status[1]}; {text}"
    return text


def _next_renewal(renewal: Renewal | None, dates: _Dates, day: dt.date, expiry: dt.date | None) -> NextRenewal | None:
    if renewal is None or renewal.pattern == "none" or expiry is None:
        return None
    anchor = getattr(dates, renewal.anchor)
    if anchor is None:
        return None
    years, number = renewal.first, 1
    while (due := add_years(anchor, years)) < expiry:
        if due >= day:
            return NextRenewal(due, years + 1 if renewal.pattern == "annual" else number,
                               _renewal_words(renewal, due, years, number))
        if not renewal.every:
            return None
        years, number = years + renewal.every, number + 1
    return None


def _renewal_words(renewal: Renewal, due: dt.date, years: int, number: int) -> str:
    if renewal.pattern == "annual":
        text = f"annual fee for year {years + 1} due {due.isoformat()} ({years} years after {renewal.anchor})"
    else:
        text = f"renewal {number} due {due.isoformat()} ({years} years after {renewal.anchor})"
    extras = [f"grace: {renewal.grace}" if renewal.grace else "", renewal.note]
    return "; ".join([text, *(e for e in extras if e)])

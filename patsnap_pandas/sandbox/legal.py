"""Legal histories of the sandbox's designs: each office's term rule, dated events, the state on a date.

Every design of a sandbox corpus carries a :class:`LegalHistory`: its dated events (filed,
granted, lapsed, expired, transferred, licensed...), the term rule of its office and the
expiry that rule gives. P041, P013, the P009/P060/P061 status filters and the current
assignee of P011/P012/P069 all read the history *as of the sandbox's ``today``*
(``start_sandbox(today=...)``, ``sandbox.configure(today=...)``; the real date by default):
only events dated on or before ``today`` have happened.

These term rules are the sandbox's own, compact and independent of the client's
(``frame/terms.py``): two implementations of ../shared/reference/design-terms.md make the
tests of one against the other meaningful. Conventions:

- an expiry is the anniversary of its start date (filing or grant); a 29 February start
  ends on 28 February in a common year;
- a right is in force up to and including its last day (the expiry, or the anniversary at
  which a renewal or annual fee went unpaid); the event that ends it is dated the next day;
- the state on a day is set by the latest status event dated on or before it; before its
  filing date a design has no state (``undetermined``, never in force).

Histories of generated designs are drawn from a generator seeded by the patent id (so they
follow from the corpus seed); histories of real designs (a folder corpus) invent nothing but
the term's end and a few licences marked ``invented``.

Examples
--------
>>> import datetime as dt
>>> rule = term_rule("US", dt.date(2015, 5, 12))
>>> rule.words
'US design patent: 14 years from grant (filed before 2015-05-13)'
>>> rule.expiry(dt.date(2015, 5, 12), dt.date(2016, 2, 29))
datetime.date(2030, 2, 28)
>>> history = registered_history("USD900001S", "US", dt.date(2019, 5, 6), dt.date(2021, 3, 2), dt.date(2021, 3, 2),
...                              ("ACME Corp.",))
>>> history.expiry, history.in_force_on(dt.date(2036, 3, 2)), history.in_force_on(dt.date(2036, 3, 3))
(datetime.date(2036, 3, 2), True, False)
>>> [(e.date.isoformat(), e.kind) for e in history.events]
[('2019-05-06', 'filed'), ('2021-03-02', 'granted'), ('2036-03-03', 'expired')]
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .. import codes
from . import metadata

LEGAL_VERSION = "l1"  # bump when the generation of histories changes
DAY = dt.timedelta(days=1)

# --- event kinds ---------------------------------------------------------------------------------

#: Event kind -> the ``codes.LEGAL_STATUS`` code it sets (None: it does not change the legal status).
STATUS_OF: dict[str, int | None] = {
    "filed": 2,  # under examination: pending
    "published": 1,  # application published, not granted: pending
    "granted": 3,
    "partially invalidated": 23,  # still in force
    "expired": 15,  # the term ran out
    "lapsed": 16,  # a renewal or annual fee went unpaid
    "invalidated": 14,  # fully revoked
    "surrendered": 22,  # rights terminated by the owner
    "withdrawn": 11,
    "rejected": 13,
    "abandoned": 30,
    "transfer": None,  # ownership changed
    "licence": None,  # a licence was recorded
}
#: Event kind -> its name in P013's ``event_status`` (kinds that are not status changes).
EVENT_NAME: dict[str, str] = {"transfer": "Transfer", "licence": "License"}
ENDING = frozenset({"expired", "lapsed", "invalidated", "surrendered", "withdrawn", "rejected", "abandoned"})
assert all(code in codes.LEGAL_STATUS for code in STATUS_OF.values() if code is not None)
assert set(EVENT_NAME.values()) <= set(codes.EVENT_STATUS)

#: Status codes (``codes.LEGAL_STATUS``) -> simple legal status (``codes.SIMPLE_LEGAL_STATUS``).
SIMPLE_FOR_LEGAL = metadata.SIMPLE_FOR_LEGAL
UNDETERMINED = 999



def as_date(value: object, name: str) -> dt.date:
    """A date given as a ``datetime.date``, ``"YYYY-MM-DD"`` or ``"YYYYMMDD"``; ValueError naming ``name`` otherwise.

    Examples
    --------
    >>> as_date("2026-12-07", "today") == as_date("20261207", "today") == dt.date(2026, 12, 7)
    True
    >>> as_date("07/12/2026", "today")
    Traceback (most recent call last):
    ...
    ValueError: today='07/12/2026': expected a date, "YYYY-MM-DD" or "YYYYMMDD"
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        for fmt in ("%Y-%m-%d", "%Y%m%d"):
            try:
                return dt.datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                continue
    raise ValueError(f'{name}={value!r}: expected a date, "YYYY-MM-DD" or "YYYYMMDD"')


# --- term rules ----------------------------------------------------------------------------------


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus whole years; 29 February becomes 28 February in a common year.

    Examples
    --------
    >>> add_years(dt.date(2012, 2, 29), 5), add_years(dt.date(2012, 2, 29), 4)
    (datetime.date(2017, 2, 28), datetime.date(2016, 2, 29))
    """
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Rule:
    """One office's term: ``years`` from ``start`` (``"filing"`` or ``"grant"``), and its fees.

    ``renewal`` is 0 (no fees), 1 (annual fees) or 5 (renewal every 5 years); fees fall due on
    the anniversaries of ``anchor`` (``"filing"`` or ``"grant"``) from year ``first_fee`` on.

    Examples
    --------
    >>> rule = term_rule("KR", dt.date(2014, 6, 30))
    >>> rule.years, rule.start, rule.expiry(dt.date(2014, 6, 30), dt.date(2015, 1, 20))
    (15, 'grant', datetime.date(2030, 1, 20))
    >>> rule.fee_days(dt.date(2014, 6, 30), dt.date(2015, 1, 20))[:2]       # annual, from the 3rd year
    [datetime.date(2018, 1, 20), datetime.date(2019, 1, 20)]
    """

    authority: str
    years: int
    start: str
    renewal: int
    anchor: str
    first_fee: int
    words: str

    def expiry(self, filing: dt.date, grant: dt.date | None) -> dt.date | None:
        """The last day of the maximum term, or None when it counts from a grant that has not happened."""
        start = filing if self.start == "filing" else grant
        return None if start is None else add_years(start, self.years)

    def fee_days(self, filing: dt.date, grant: dt.date) -> list[dt.date]:
        """The anniversaries after the grant and before the expiry at which an unpaid fee ends the right."""
        if not self.renewal:
            return []
        expiry = self.expiry(filing, grant)
        anchor = filing if self.anchor == "filing" else grant
        days = [add_years(anchor, n) for n in range(self.first_fee, self.years, self.renewal)]
        return [d for d in days if grant < d and (expiry is None or d < expiry)]


US_CHANGE, CN_CHANGE, JP_CHANGE, KR_CHANGE = dt.date(2015, 5, 13), dt.date(2021, 6, 1), dt.date(2020, 4, 1), dt.date(2014, 7, 1)
#: Offices that renew every 5 years up to 25 years from filing.
FIVE_YEARLY = ("EM", "HK", "GB", "DE", "FR")


def term_rule(authority: str, filing: dt.date, *, utility: bool = False) -> Rule | None:
    """The term rule of a design (or, with ``utility``, a utility model) filed on ``filing``; None if unknown.

    Examples
    --------
    >>> term_rule("CN", dt.date(2021, 5, 31)).words
    'CN design patent: 10 years from filing (filed before 2021-06-01)'
    >>> term_rule("CN", dt.date(2021, 6, 1)).years, term_rule("BR", dt.date(2021, 6, 1))
    (15, None)
    """
    if utility:
        if authority not in ("CN", "JP", "KR"):
            return None
        return Rule(authority, 10, "filing", 1, "filing", 1, f"{authority} utility model: 10 years from filing")
    if authority == "US":
        if filing < US_CHANGE:
            return Rule("US", 14, "grant", 0, "grant", 0, "US design patent: 14 years from grant (filed before 2015-05-13)")
        return Rule("US", 15, "grant", 0, "grant", 0, "US design patent: 15 years from grant (filed on or after 2015-05-13)")
    if authority == "CN":
        if filing < CN_CHANGE:
            return Rule("CN", 10, "filing", 1, "filing", 1, "CN design patent: 10 years from filing (filed before 2021-06-01)")
        return Rule("CN", 15, "filing", 1, "filing", 1, "CN design patent: 15 years from filing (filed on or after 2021-06-01)")
    if authority == "JP":
        if filing < JP_CHANGE:
            return Rule("JP", 20, "grant", 1, "grant", 3, "JP design right: 20 years from registration (filed before 2020-04-01)")
        return Rule("JP", 25, "filing", 1, "grant", 3, "JP design right: 25 years from filing (filed on or after 2020-04-01)")
    if authority == "KR":
        if filing < KR_CHANGE:
            return Rule("KR", 15, "grant", 1, "grant", 3, "KR design right: 15 years from registration (filed before 2014-07-01)")
        return Rule("KR", 20, "filing", 1, "grant", 3, "KR design right: 20 years from filing (filed on or after 2014-07-01)")
    if authority in FIVE_YEARLY:
        return Rule(authority, 25, "filing", 5, "filing", 5, f"{authority} registered design: 5 years from filing, renewable every 5 years to 25")
    return None


# --- events and histories --------------------------------------------------------------------------


@dataclass(frozen=True)
class LegalEvent:
    """One dated event of a design's legal history.

    Attributes
    ----------
    date : datetime.date
        The day it took effect (an ending event: the first day no longer in force).
    kind : str
        A key of :data:`STATUS_OF`: ``"granted"``, ``"lapsed"``, ``"transfer"``, ...
    parties_from, parties_to : tuple of str
        A transfer's assignors and assignees; a licence's licensors and licensees.
    invented : bool
        Made up by the sandbox for a real design (P013 marks it ``"sandbox_invented": true``).

    Examples
    --------
    >>> event = LegalEvent(dt.date(2021, 5, 3), "transfer", ("Old Owner Ltd.",), ("New Owner Inc.",))
    >>> event.legal_status is None, LegalEvent(dt.date(2030, 1, 2), "expired").legal_status
    (True, 15)
    """

    date: dt.date
    kind: str
    parties_from: tuple[str, ...] = ()
    parties_to: tuple[str, ...] = ()
    invented: bool = False

    @property
    def legal_status(self) -> int | None:
        """The ``codes.LEGAL_STATUS`` code this event sets, or None (transfers, licences)."""
        return STATUS_OF[self.kind]

    def to_json(self) -> dict:
        out = dataclasses.asdict(self)
        out["date"] = self.date.isoformat()
        out["parties_from"], out["parties_to"] = list(self.parties_from), list(self.parties_to)
        return out


@dataclass(frozen=True)
class LegalHistory:
    """What the sandbox holds true of one design's legal life (the ground truth tests compare with).

    Attributes
    ----------
    events : tuple of LegalEvent
        In date order (a status change before an ownership event of the same day).
    rule : str or None
        The office's term rule in words (None: the sandbox has no rule for this office).
    expiry : datetime.date or None
        The last day of the maximum term by that rule (None when unknown, e.g. a US design not yet
        granted, or an application withdrawn or refused). A right may end earlier: see :attr:`end`.
    exdt : datetime.date or None
        What P012 reports as PatSnap's estimated expiry: :attr:`expiry` for most designs, more than
        31 days off it for a few (:attr:`exdt_differs`), as a cross-check must expect.

    Examples
    --------
    >>> h = registered_history("EM000000001-0001", "EM", dt.date(2012, 2, 29), dt.date(2012, 3, 20),
    ...                        dt.date(2012, 3, 20), ("ACME",))
    >>> h.rule, h.expiry
    ('EM registered design: 5 years from filing, renewable every 5 years to 25', datetime.date(2037, 2, 28))
    >>> h.legal_status_on(dt.date(2012, 3, 1)), h.simple_legal_status_on(dt.date(2020, 1, 1)), h.end
    (2, 1, datetime.date(2037, 2, 28))
    """

    events: tuple[LegalEvent, ...]
    rule: str | None
    expiry: dt.date | None
    exdt: dt.date | None

    @property
    def exdt_differs(self) -> bool:
        """True when P012's ``exdt`` is deliberately more than 31 days off the rule's expiry."""
        return self.exdt is not None and self.expiry is not None and abs((self.exdt - self.expiry).days) > 31

    def until(self, day: dt.date) -> tuple[LegalEvent, ...]:
        """The events dated on or before ``day`` (what PatSnap would know on that day)."""
        return tuple(e for e in self.events if e.date <= day)

    def legal_status_on(self, day: dt.date) -> int | None:
        """The ``codes.LEGAL_STATUS`` code on ``day``; None before the filing date."""
        code = None
        for event in self.until(day):
            if event.legal_status is not None:
                code = event.legal_status
        return code

    def simple_legal_status_on(self, day: dt.date) -> int:
        """The ``codes.SIMPLE_LEGAL_STATUS`` code on ``day`` (999 undetermined before the filing date)."""
        code = self.legal_status_on(day)
        return UNDETERMINED if code is None else SIMPLE_FOR_LEGAL[code]

    def in_force_on(self, day: dt.date) -> bool:
        """Whether the right is in force on ``day`` (granted and not yet ended: simple status active)."""
        return self.simple_legal_status_on(day) == 1

    def status_changed_on(self, day: dt.date) -> dt.date | None:
        """The date of the latest status change on or before ``day`` (P013 ``legal_date``)."""
        dates = [e.date for e in self.until(day) if e.legal_status is not None]
        return dates[-1] if dates else None

    @property
    def granted(self) -> dt.date | None:
        return next((e.date for e in self.events if e.kind == "granted"), None)

    @property
    def end(self) -> dt.date | None:
        """The last day in force (the day before the ending event), or None when it never was in force."""
        if self.granted is None:
            return None
        ending = next((e for e in self.events if e.kind in ENDING), None)
        return None if ending is None else ending.date - DAY

    def owners_on(self, day: dt.date, current: tuple[str, ...]) -> tuple[str, ...]:
        """The owners on ``day``: after the latest transfer its assignees; before the first, its assignors."""
        transfers = [e for e in self.events if e.kind == "transfer"]
        if not transfers:
            return current
        done = [e for e in transfers if e.date <= day]
        return done[-1].parties_to if done else transfers[0].parties_from

    def to_json(self) -> dict:
        return {
            "events": [e.to_json() for e in self.events],
            "rule": self.rule,
            "expiry": None if self.expiry is None else self.expiry.isoformat(),
            "exdt": None if self.exdt is None else self.exdt.isoformat(),
        }


def _ordered(events: Iterable[LegalEvent]) -> tuple[LegalEvent, ...]:
    return tuple(sorted(events, key=lambda e: (e.date, e.legal_status is None)))


# --- generated designs -----------------------------------------------------------------------------

PENDING_FROM = dt.date(2021, 1, 1)  # applications filed earlier and never granted were withdrawn by now
P_FIVE_YEARLY_LAPSE = 0.22  # not renewed at a 5-year renewal
P_ANNUAL_LAPSE = 0.045  # an annual fee not paid, each year
P_INVALIDATED, P_SURRENDERED, P_PARTIAL = 0.025, 0.01, 0.02
PARTIAL_OFFICES = ("CN", "JP", "KR")  # a US design patent has one claim: it stands or falls whole
P_LICENCE = 0.07
P_EXDT_OFF = 0.05  # P012 exdt deliberately off the rule's expiry


@dataclass(frozen=True)
class Filing:
    """The facts of a design a history is drawn from.

    Examples
    --------
    >>> facts = Filing("id-9", "US", dt.date(2016, 1, 4), dt.date(2017, 3, 7), dt.date(2017, 3, 7), ("A",), ("B",))
    >>> [e.kind for e in generated_history(facts, 3).events]      # A sold it to B, who licensed it
    ['filed', 'granted', 'transfer', 'licence', 'expired']
    """

    patent_id: str
    authority: str
    filing: dt.date
    publication: dt.date
    grant: dt.date | None
    applicants: tuple[str, ...]
    assignees: tuple[str, ...]
    utility: bool = False
    #: Whether the design changed hands (None: when applicants and assignees differ). Two spellings of one
    #: company ("Acme Ltd." / "ACME LIMITED") are no transfer: the generator says so here.
    transferred: bool | None = None

    @property
    def changed_hands(self) -> bool:
        """Whether the history holds a transfer from the applicants to the assignees."""
        if self.transferred is not None:
            return self.transferred and bool(self.applicants)
        return set(self.applicants) != set(self.assignees) and bool(self.applicants)


def _between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A day in [start, end] (``start`` when the span is empty)."""
    return start + dt.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _day_in(rng: random.Random, start: dt.date, end: dt.date, pad: int) -> dt.date:
    """A day in [start + pad days, end], or in [start, end] when that is too short (``end`` >= ``start``)."""
    return _between(rng, min(start + pad * DAY, end), end)


def _ending(rng: random.Random, facts: Filing, rule: Rule | None, grant: dt.date) -> LegalEvent | None:
    """The event that ends a granted right: the first unpaid fee, an invalidation, a surrender, or the term."""
    expiry = None if rule is None else rule.expiry(facts.filing, grant)
    candidates: list[LegalEvent] = []
    if rule is not None:
        p = P_FIVE_YEARLY_LAPSE if rule.renewal == 5 else P_ANNUAL_LAPSE
        lapse = next((d for d in rule.fee_days(facts.filing, grant) if rng.random() < p), None)
        if lapse is not None:
            candidates.append(LegalEvent(lapse + DAY, "lapsed"))
    horizon = expiry or add_years(grant, 25)
    for kind, p in (("invalidated", P_INVALIDATED), ("surrendered", P_SURRENDERED)):
        if rng.random() < p:
            candidates.append(LegalEvent(_between(rng, grant + 200 * DAY, horizon - DAY), kind))
    if expiry is not None:
        candidates.append(LegalEvent(expiry + DAY, "expired"))
    return min(candidates, key=lambda e: e.date) if candidates else None


def _owners_and_licences(rng: random.Random, facts: Filing, start: dt.date, last: dt.date) -> list[LegalEvent]:
    """A transfer from the applicants to the current assignees (when they differ), and maybe a licence.

    Transfers are dated no later than the corpus' reference date (``metadata.AS_OF``), so the
    bibliographic current assignee is the owner on any later day.
    """
    events = []
    if facts.changed_hands:
        day = _day_in(rng, start, min(last, metadata.AS_OF), 30)
        events.append(LegalEvent(day, "transfer", facts.applicants, facts.assignees))
    if rng.random() < P_LICENCE:
        day = _day_in(rng, start, last, 60)
        owners = LegalHistory(_ordered(events), None, None, None).owners_on(day, facts.assignees)
        pool = [name for name, _ in metadata.COMPANIES if name not in owners]
        events.append(LegalEvent(day, "licence", owners, (rng.choice(pool),)))
    return events


def _exdt(rng: random.Random, facts: Filing, rule: Rule | None, expiry: dt.date | None) -> dt.date | None:
    """PatSnap's estimate: the rule's expiry, or for a few designs an office-typical mistake."""
    if expiry is None or rule is None or rng.random() >= P_EXDT_OFF:
        return expiry
    if rule.start == "grant":  # counted from filing instead of grant
        wrong = add_years(facts.filing, rule.years)
    elif facts.authority == "CN" and not facts.utility:  # the other CN term
        wrong = add_years(facts.filing, 25 - rule.years)
    else:  # the end of the first period only, or a year off
        wrong = add_years(facts.filing, 5) if rule.renewal == 5 else add_years(expiry, 1)
    if abs((wrong - expiry).days) <= 31:
        wrong = add_years(expiry, -1)
    return wrong


def generated_history(facts: Filing, outcome: int) -> LegalHistory:
    """The history of a generated design (deterministic from its patent id and facts).

    ``outcome`` is the legal status the corpus generator drew (``metadata.dates_and_status``): for a
    design without a grant it says whether it is pending (1, 2) or was withdrawn, rejected or
    abandoned (11, 13, 30); a granted design's fate is drawn here, by its office's rule.

    Examples
    --------
    >>> facts = Filing("id-1", "CN", dt.date(2012, 3, 5), dt.date(2012, 9, 1), dt.date(2012, 9, 1), ("A",), ("A",))
    >>> h = generated_history(facts, 3)
    >>> h.expiry, [(e.date.isoformat(), e.kind) for e in h.events]      # an annual fee went unpaid in 2019
    (datetime.date(2022, 3, 5), [('2012-03-05', 'filed'), ('2012-09-01', 'granted'), ('2019-03-06', 'lapsed')])
    >>> h.end, h.in_force_on(dt.date(2019, 3, 5)), h.in_force_on(dt.date(2019, 3, 6))
    (datetime.date(2019, 3, 5), True, False)
    """
    rng = random.Random(f"patsnap-sandbox-legal-{LEGAL_VERSION}-{facts.patent_id}")
    rule = term_rule(facts.authority, facts.filing, utility=facts.utility)
    events = [LegalEvent(facts.filing, "filed")]
    if facts.grant is None:
        return _ungranted(rng, facts, rule, outcome, events)
    events.append(LegalEvent(facts.grant, "granted"))
    ending = _ending(rng, facts, rule, facts.grant)
    last = ending.date - DAY if ending is not None else add_years(facts.grant, 25)
    if rng.random() < P_PARTIAL and facts.authority in PARTIAL_OFFICES and (last - facts.grant).days > 400:
        events.append(LegalEvent(_between(rng, facts.grant + 200 * DAY, last - 100 * DAY), "partially invalidated"))
    events += _owners_and_licences(rng, facts, facts.grant, last)
    if ending is not None:
        events.append(ending)
    expiry = None if rule is None else rule.expiry(facts.filing, facts.grant)
    return LegalHistory(_ordered(events), None if rule is None else rule.words, expiry, _exdt(rng, facts, rule, expiry))


_UNGRANTED_ENDS = {11: "withdrawn", 13: "rejected", 30: "abandoned"}


def _ungranted(rng: random.Random, facts: Filing, rule: Rule | None, outcome: int, events: list[LegalEvent]) -> LegalHistory:
    """A design never granted: published, then pending, or withdrawn, rejected or abandoned."""
    if facts.publication > facts.filing:
        events.append(LegalEvent(facts.publication, "published"))
    ending = None
    if outcome in _UNGRANTED_ENDS:
        ending = LegalEvent(facts.publication + rng.randint(90, 700) * DAY, _UNGRANTED_ENDS[outcome])
    elif facts.filing < PENDING_FROM:  # pending for years: deemed withdrawn
        ending = LegalEvent(add_years(facts.publication, rng.randint(1, 3)), "withdrawn")
    last = ending.date - DAY if ending is not None else add_years(facts.filing, 5)
    if facts.changed_hands:
        day = _day_in(rng, facts.filing, min(last, metadata.AS_OF), 30)
        events.append(LegalEvent(day, "transfer", facts.applicants, facts.assignees))
    if ending is not None:
        events.append(ending)
        return LegalHistory(_ordered(events), None if rule is None else rule.words, None, None)
    expiry = None if rule is None else rule.expiry(facts.filing, None)
    return LegalHistory(_ordered(events), None if rule is None else rule.words, expiry, expiry)


# --- real designs (a folder corpus) ------------------------------------------------------------------

#: Licensee of the licences the sandbox invents for a few real designs (marked ``invented``).
INVENTED_LICENSEE = "Sandbox Example Licensee Ltd. (invented by the sandbox)"
INVENTED_SHARE = 12  # about one real design in this many gets an invented licence


def registered_history(pn: str, authority: str, filing: dt.date, publication: dt.date, grant: dt.date | None,
                       owners: Sequence[str]) -> LegalHistory:
    """The history of a real design: filed, granted (or published), the term's end by its office's rule.

    Nothing is invented but, for about one design in :data:`INVENTED_SHARE` (chosen by a hash of the
    number), one licence marked ``invented``.

    Examples
    --------
    >>> h = registered_history("USD907292S", "US", dt.date(2019, 2, 20), dt.date(2021, 1, 5), dt.date(2021, 1, 5),
    ...                        ("BIC-VIOLEX SA",))
    >>> h.rule, h.expiry == h.exdt == dt.date(2036, 1, 5)
    ('US design patent: 15 years from grant (filed on or after 2015-05-13)', True)
    """
    rule = term_rule(authority, filing)
    expiry = None if rule is None else rule.expiry(filing, grant)
    events = [LegalEvent(filing, "filed")]
    if grant is None:
        if publication > filing:
            events.append(LegalEvent(publication, "published"))
        return LegalHistory(_ordered(events), None if rule is None else rule.words, expiry, expiry)
    events.append(LegalEvent(grant, "granted"))
    digest = int(hashlib.sha256(f"{LEGAL_VERSION}-{pn}".encode()).hexdigest(), 16)
    if digest % INVENTED_SHARE == 0:
        day = grant + (30 + digest // INVENTED_SHARE % 700) * DAY
        events.append(LegalEvent(day, "licence", tuple(owners), (INVENTED_LICENSEE,), invented=True))
    if expiry is not None:
        events.append(LegalEvent(expiry + DAY, "expired"))
    return LegalHistory(_ordered(events), None if rule is None else rule.words, expiry, expiry)


__all__ = ["Filing", "LegalEvent", "LegalHistory", "Rule", "add_years", "as_date", "generated_history",
           "registered_history", "term_rule"]
